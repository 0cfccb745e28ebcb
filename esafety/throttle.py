"""Sign-in throttles that hold under concurrent guesses and across app servers.

Every try is counted *before* it is checked (an atomic increment in the shared storage), and a try that
succeeds is given back afterwards. A burst of simultaneous guesses therefore passes at most the configured
number, on one app server or on several sharing Redis. Checking first and counting after (what a
`deduct_when` limit does) lets every request already in flight through.

When the storage cannot be reached the throttle fails open and says so in the log: a Redis outage must not
lock a whole school out of signing in. Counters live in `limits` storage (memory:// for one process, redis://
for several); `forgive` starts a fresh set of counters for one pupil or class, which is how a teacher's reset
clears a lock-out whose keys include addresses nobody can list.
"""

import logging
from dataclasses import dataclass, field

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

log = logging.getLogger(__name__)

# How long a "forgive" generation lives: longer than the longest window, so old counters expire first.
GENERATION_SECONDS = 2 * 24 * 3600


@dataclass
class Throttle:
    """The counters of one app: storage, strategy, and whether throttling is switched on."""

    storage: Storage
    enabled: bool = True
    limiter: FixedWindowRateLimiter = field(init=False)

    def __post_init__(self):
        self.limiter = FixedWindowRateLimiter(self.storage)


@dataclass(frozen=True)
class Bucket:
    """One counter: a scope (what is counted), the identity it is counted for, and its limits."""

    scope: str
    identity: str
    limits: str  # e.g. "10 per 15 minutes; 40 per day"


@dataclass
class Reservation:
    """The tries counted for one request; `allowed` is False when any bucket was already full."""

    allowed: bool
    counted: list[tuple[RateLimitItem, str]] = field(default_factory=list)

    def refund(self) -> None:
        """Give the tries back: the request succeeded, so it does not count against anyone."""
        if not self.counted:
            return
        throttle = _throttle()
        try:
            for item, key in self.counted:
                if throttle.storage.get(item.key_for(key)) > 0:
                    throttle.storage.incr(item.key_for(key), item.get_expiry(), amount=-1)
        except Exception:  # noqa: BLE001 - any storage failure: the try simply stays counted
            log.warning("sign-in throttle storage unreachable: a successful try was not given back")
        self.counted = []


def init_app(app: Flask) -> None:
    """Open the configured storage (memory:// in one process, redis://host:port shared by app servers)."""
    uri = app.config["RATELIMIT_STORAGE_URI"]
    options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5} if uri.startswith("redis") else {}
    app.extensions["esafety_throttle"] = Throttle(storage_from_string(uri, **options),
                                                  enabled=app.config["RATELIMIT_ENABLED"])


def _throttle() -> Throttle:
    return current_app.extensions["esafety_throttle"]


def _generation(scope: str, identity: str) -> int:
    return _throttle().storage.get(f"esafety-generation/{scope}/{identity}")


def _key(bucket: Bucket, generation_of: tuple[str, str] | None) -> str:
    if generation_of is None:
        return f"{bucket.scope}/{bucket.identity}"
    return f"{bucket.scope}/{bucket.identity}/g{_generation(*generation_of)}"


def reserve(*buckets: Bucket, generations: dict[str, tuple[str, str]] | None = None) -> Reservation:
    """Count one try in every bucket now; not allowed if any of them is over its limit.

    `generations` maps a bucket scope to the (kind, id) whose `forgive` generation is part of its key.
    """
    throttle = _throttle()
    reservation = Reservation(allowed=True)
    if not throttle.enabled:
        return reservation
    try:
        for bucket in buckets:
            key = _key(bucket, (generations or {}).get(bucket.scope))
            for item in parse_many(bucket.limits):
                reservation.counted.append((item, key))
                if not throttle.limiter.hit(item, key):
                    reservation.allowed = False
    except Exception:  # noqa: BLE001 - Redis down, timeouts: fail open rather than lock a school out
        log.warning("sign-in throttle storage unreachable: this sign-in was NOT throttled")
        return Reservation(allowed=True)
    return reservation


def forgive(kind: str, identity: str) -> None:
    """Start fresh counters for one pupil or class (a teacher's reset): earlier failures stop counting."""
    try:
        _throttle().storage.incr(f"esafety-generation/{kind}/{identity}", GENERATION_SECONDS)
    except Exception:  # noqa: BLE001
        log.warning("sign-in throttle storage unreachable: could not clear the lock-out of %s %s", kind, identity)


def remaining(bucket: Bucket, generation_of: tuple[str, str] | None = None) -> int:
    """How many tries are left in the bucket's tightest limit (for teacher pages and tests)."""
    throttle = _throttle()
    try:
        key = _key(bucket, generation_of)
        return min(throttle.limiter.get_window_stats(item, key).remaining for item in parse_many(bucket.limits))
    except Exception:  # noqa: BLE001
        return -1
