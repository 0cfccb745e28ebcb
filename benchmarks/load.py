"""A small HTTP load generator: real sessions (cookies, CSRF tokens), closed-loop threads, latency percentiles.

Each request opens a new loopback connection, as gunicorn's sync workers close the connection after every
response. Requests are written and read with plain sockets, which costs the client far less CPU than
http.client would (this machine has two cores, shared by the server and the client).
"""

import re
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

CSRF = re.compile(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class HTTPError(RuntimeError):
    """A response the benchmark did not expect."""


@dataclass
class Response:
    """One HTTP response."""

    status: int
    headers: dict[str, list[str]]
    body: bytes
    elapsed: float

    def header(self, name: str) -> str | None:
        """The first value of a header."""
        values = self.headers.get(name.lower())
        return values[0] if values else None


class Session:
    """One browser: its cookies and its latest CSRF token. Cookies are sent whatever their Secure flag says,
    as a TLS-terminating proxy would put them back on a plain loopback request."""

    def __init__(self, port: int, label: str = ""):
        self.port = port
        self.label = label
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None

    def request(self, method: str, path: str, form: dict | None = None, *, read_csrf: bool = False) -> Response:
        """Send one request and read the whole response; keep any cookies it sets."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "User-Agent: esafety-bench",
                 "Connection: close"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        body = b""
        if form is not None:
            data = dict(form)
            if self.csrf and "csrf_token" not in data:
                data["csrf_token"] = self.csrf
            body = urlencode(data, doseq=True).encode()
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        payload = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        started = time.perf_counter()
        with socket.create_connection(("127.0.0.1", self.port), timeout=60) as sock:
            sock.sendall(payload)
            chunks = []
            while chunk := sock.recv(262144):
                chunks.append(chunk)
        elapsed = time.perf_counter() - started
        raw = b"".join(chunks)
        head, _, content = raw.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers: dict[str, list[str]] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        if "chunked" in (headers.get("transfer-encoding") or [""])[0]:
            raise HTTPError("chunked responses are not supported by this client")
        for cookie in headers.get("set-cookie", []):
            pair = cookie.split(";", 1)[0]
            key, _, value = pair.partition("=")
            if value and "expires=thu, 01 jan 1970" not in cookie.lower():
                self.cookies[key.strip()] = value
            else:
                self.cookies.pop(key.strip(), None)
        response = Response(int(status_line.split()[1]), headers, content, elapsed)
        if read_csrf:
            found = CSRF.search(content)
            if found:
                self.csrf = found.group(1).decode()
        return response

    def expect(self, status: int, method: str, path: str, form: dict | None = None, **kw) -> Response:
        """A request that must answer with this status."""
        response = self.request(method, path, form, **kw)
        if response.status != status:
            raise HTTPError(f"{self.label}: {method} {path} gave {response.status}, expected {status}")
        return response


# Signing in, the way a person does ------------------------------------------------------------------------


def sign_in_pupil(port: int, pupil) -> Session:
    """Class code, then name, then three pictures; then the home page (which gives a fresh CSRF token)."""
    s = Session(port, f"pupil {pupil.id}")
    s.expect(200, "GET", "/pupil/login", read_csrf=True)
    s.expect(302, "POST", "/pupil/login", {"code": pupil.class_code})
    s.expect(302, "POST", "/pupil/login/name", {"pupil": pupil.id})
    pictures = pupil.passcode.split("-")
    for picture in pictures[:-1]:
        s.expect(200, "POST", "/pupil/login/passcode", {"picture": picture})
    last = s.expect(302, "POST", "/pupil/login/passcode", {"picture": pictures[-1]})
    if not (last.header("location") or "").endswith("/pupil/"):
        raise HTTPError(f"pupil {pupil.id} sign-in went to {last.header('location')}")
    s.expect(200, "GET", "/pupil/", read_csrf=True)
    return s


def sign_in_staff(port: int, email: str, password: str, totp_secret: str | None = None,
                  home: str = "/teacher/") -> Session:
    """Email and password; then the authenticator code for an admin; then the home page they land on (a
    trust admin's is /trust/)."""
    s = Session(port, email)
    s.expect(200, "GET", "/login", read_csrf=True)
    s.expect(302, "POST", "/login", {"email": email, "password": password})
    if totp_secret:
        import pyotp

        s.expect(200, "GET", "/second-factor", read_csrf=True)
        s.expect(302, "POST", "/second-factor", {"code": pyotp.TOTP(totp_secret).now()})
    s.expect(200, "GET", home, read_csrf=True)
    return s


# Load -----------------------------------------------------------------------------------------------------


@dataclass
class Job:
    """One request to make, and the status that means it worked."""

    session: Session
    method: str
    path: str
    form: dict | None = None
    status: int = 200


@dataclass
class Stats:
    """What a run measured."""

    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    errors: list[str] = field(default_factory=list)
    ran_out: bool = False  # a stream had no more jobs before the time was up

    @property
    def count(self) -> int:
        """Requests answered as expected."""
        return len(self.latencies)

    @property
    def rps(self) -> float:
        """Throughput: requests answered per second."""
        return self.count / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        """Latency at a percentile, in milliseconds (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1] * 1000

    def merge(self, other: "Stats") -> None:
        """Add another run's figures to these."""
        self.latencies += other.latencies
        self.elapsed += other.elapsed
        self.errors += other.errors
        self.ran_out = self.ran_out or other.ran_out


def run_closed_loop(streams: list, duration: float) -> Stats:
    """One thread per stream of Jobs, each sending its next request as soon as the last is answered,
    until `duration` seconds have passed or every stream has run out."""
    stats = Stats()
    lock = threading.Lock()
    start = threading.Barrier(len(streams) + 1)
    deadline = [0.0]

    def worker(stream):
        latencies, errors = [], []
        start.wait()
        for job in stream:
            if time.perf_counter() >= deadline[0]:
                break
            try:
                response = job.session.request(job.method, job.path, job.form)
            except OSError as error:
                errors.append(f"{job.method} {job.path}: {error}")
                continue
            if response.status == job.status:
                latencies.append(response.elapsed)
            else:
                errors.append(f"{job.method} {job.path}: {response.status}")
        else:
            stats.ran_out = True
        with lock:
            stats.latencies += latencies
            stats.errors += errors

    threads = [threading.Thread(target=worker, args=(iter(stream),)) for stream in streams]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + duration
    start.wait()
    for thread in threads:
        thread.join()
    stats.elapsed = time.perf_counter() - began
    return stats


def burst(jobs: list[Job], spread: float = 0.0) -> Stats:
    """Every job sent at the same moment (threads released together), as a class pressing a button at once;
    with `spread`, the jobs start evenly over that many seconds instead."""
    stats = Stats()
    lock = threading.Lock()
    gate = threading.Barrier(len(jobs))
    offsets = {id(job): spread * i / len(jobs) for i, job in enumerate(jobs)}

    def worker(job: Job):
        gate.wait()
        if spread:
            time.sleep(offsets[id(job)])
        try:
            response = job.session.request(job.method, job.path, job.form)
        except OSError as error:
            with lock:
                stats.errors.append(str(error))
            return
        with lock:
            if response.status == job.status:
                stats.latencies.append(response.elapsed)
            else:
                stats.errors.append(f"{job.method} {job.path}: {response.status}")

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats.elapsed = time.perf_counter() - began
    return stats


def in_parallel(function, items: list, threads: int) -> list:
    """function(item) for every item, on a few threads; results in the items' order; the first error raised."""
    results: list = [None] * len(items)
    failures: list[BaseException] = []
    position = iter(range(len(items)))
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                index = next(position, None)
            if index is None or failures:
                return
            try:
                results[index] = function(items[index])
            except BaseException as error:  # noqa: BLE001  (re-raised below, in the caller's thread)
                failures.append(error)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failures:
        raise failures[0]
    return results
