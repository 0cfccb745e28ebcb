"""Where a page's time goes: the benchmark's school, one page requested many times in-process, under pyinstrument.

    .venv/bin/python benchmarks/profile.py "school coverage"        # or "class progress grid", "pupil home", ...
    .venv/bin/python benchmarks/profile.py --list

The app runs as in the benchmark's gunicorn workers (same seeded data, same templates), but through Flask's
test client, so the profile holds the app's own work: no HTTP parsing and no gunicorn.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402


def main() -> int:
    """Profile one page of the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page", nargs="?", default="school coverage")
    parser.add_argument("-n", type=int, default=50, help="requests to profile (default 50)")
    parser.add_argument("--list", action="store_true", help="list the pages")
    parser.add_argument("--html", help="also write pyinstrument's HTML report to this file")
    args = parser.parse_args()
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is not installed: make install (it is in the test extra)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="esafety-profile-") as tmp:
        app = run.make_app(f"sqlite:///{Path(tmp) / 'profile.db'}")
        big, _small, _, _ = run.seed_schools(app)
        from esafety.content import catalogue

        with app.app_context():
            content = catalogue()
        pages = run.pages(big, content)
        if args.list or args.page not in pages:
            print("pages:", ", ".join(pages))
            return 0 if args.list else 1
        clients = run.signed_in_clients(app, big)
        who, method, path, form = pages[args.page]
        client = clients[who]
        if method != "GET":
            print("POST pages change data: profiling the same POST repeats an idempotent request", file=sys.stderr)
        client.open(path, method=method, data=form)  # warm up
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        profiler.start()
        for _ in range(args.n):
            client.open(path, method=method, data=form)
        profiler.stop()
        each = (time.perf_counter() - started) / args.n * 1000
        print(f"{args.page}: {each:.1f} ms per request in-process (profiler overhead included), {args.n} requests")
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        if args.html:
            Path(args.html).write_text(profiler.output_html())
        from esafety.extensions import db

        with app.app_context():
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
