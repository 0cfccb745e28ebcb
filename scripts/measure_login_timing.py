"""Median response time of a sign-in with an unknown email vs a known email with a wrong password.

Reported in SECURITY.md (OWASP ASVS 6.3.8: no account enumeration by timing). Run:
    .venv/bin/python scripts/measure_login_timing.py [tries]
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from esafety import create_app  # noqa: E402
from esafety.extensions import db  # noqa: E402
from tests import factories  # noqa: E402


def main(tries: int) -> None:
    folder = tempfile.mkdtemp()
    app = create_app({"ESAFETY_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/t.db",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        factories.make_school_world()
    client = app.test_client()
    timings = {"unknown email": [], "wrong password": []}
    for i in range(tries):
        for label, email in (("unknown email", f"nobody{i}@test.example"), ("wrong password", "teacher@test.example")):
            start = time.perf_counter()
            client.post("/login", data={"email": email, "password": "not the password"})
            timings[label].append(time.perf_counter() - start)
    medians = {k: statistics.median(v) * 1000 for k, v in timings.items()}
    for label, value in medians.items():
        print(f"{label:15} median {value:6.1f} ms over {tries} tries")
    print(f"gap {abs(medians['unknown email'] - medians['wrong password']):.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
