"""Real gunicorn servers of the app on loopback ports, and a minimal browser to drive them (cookies, CSRF).

Used by the tests that need real processes: a class signing in at once, several app servers sharing one
database and one Redis, throttles that must hold across both.
"""

import http.client
import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parent.parent
from .pages import CSRF_TOKEN as CSRF
# The benchmark's gunicorn settings: the app loaded once, then each worker opens its own database
# connections after the fork (checklist J2); -b on the command line overrides its bind.
GUNICORN_CONF = ROOT / "benchmarks" / "gunicorn_conf.py"


@dataclass
class Server:
    """A gunicorn server running the app on a loopback port."""

    port: int
    process: subprocess.Popen
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        connection.close()


@contextmanager
def gunicorn(database_url: str, folder: Path, *, instances: int = 1, workers: int = 4, env: dict | None = None,
             threads: int = 1):
    """Start `instances` gunicorn servers of the app on one database and one secret key, wait until each
    answers, and stop them all. `env` adds settings (e.g. a shared Redis for the throttles)."""
    conf = GUNICORN_CONF
    env = {**os.environ, "ESAFETY_ENV": "production", "ESAFETY_SECRET_KEY": secrets.token_hex(32),
           "ESAFETY_DATABASE_URL": database_url, **(env or {})}
    env.pop("DATABASE_URL", None)
    servers: list[Server] = []
    with ExitStack() as stack:
        for _ in range(instances):
            port = free_port()
            log = folder / f"gunicorn-{port}.log"
            output = stack.enter_context(open(log, "wb"))
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(conf), "-w", str(workers), "--threads", str(threads),
                 "-b", f"127.0.0.1:{port}", "esafety:create_app()"],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
            servers.append(Server(port, process, log))
        try:
            deadline = time.monotonic() + 60
            for server in servers:
                while _get(server.port, "/healthz") != 200:
                    if server.process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"gunicorn did not start:\n{server.log.read_text()[-3000:]}")
                    time.sleep(0.1)
            yield servers
        finally:
            for server in servers:
                if server.process.poll() is None:
                    server.process.send_signal(signal.SIGINT)  # quick shutdown: nothing to drain
            for server in servers:
                try:
                    server.process.wait(15)
                except subprocess.TimeoutExpired:
                    server.process.kill()
                    server.process.wait()


class Browser:
    """One browser: its cookies and latest CSRF token, sending each request on a new loopback connection.

    Cookies are sent whatever their Secure flag says, as a TLS-terminating proxy would hand them on."""

    def __init__(self, port: int, *others: int):
        self.port = port
        self.ports = itertools.cycle((port, *others))  # with others: each request goes to the next server in turn
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None
        self.statuses: list[int] = []

    def request(self, method: str, path: str, form: dict | None = None, port: int | None = None):
        """Send a request; keep its cookies and any CSRF token on the page; return (status, location, text)."""
        headers = {"User-Agent": "esafety-test"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode({"csrf_token": self.csrf or "", **form}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", port or next(self.ports), timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            cookies = response.headers.get_all("Set-Cookie") or []
            location = response.headers.get("Location")
        finally:
            connection.close()
        for cookie in cookies:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value and "expires=thu, 01 jan 1970" not in cookie.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        found = CSRF.search(text)
        if found:
            self.csrf = found.group(1)
        self.statuses.append(response.status)
        return response.status, location, text

    def expect(self, status: int, method: str, path: str, form: dict | None = None, port: int | None = None):
        """A request that must answer with this status; returns the redirect target, if any."""
        got, location, _ = self.request(method, path, form, port)
        assert got == status, f"{method} {path}: {got}, expected {status}"
        return location
