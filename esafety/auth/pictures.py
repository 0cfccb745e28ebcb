"""Checking a pupil's three secret pictures, one press at a time, under the pupil and class throttles.

Used by the sign-in page and by every page that asks a signed-in pupil for their pictures again (the Tell
history), so a guess counts the same wherever it is made.
"""

import sqlalchemy as sa
from flask import current_app, request

from ..audit import record
from ..extensions import db
from ..models import AuditLog, User, utcnow
from ..passcodes import LENGTH, PICTURES
from ..throttle import Bucket, reserve

THROTTLED_PUPIL = "Too many wrong tries. Ask your teacher for your login card, or for new pictures."
# What a pupil is told, and the status code, for a finished set of pictures that did not sign them in.
FAILED_PRESS = {"wrong": ("Those pictures did not match. Try again, or ask your teacher.", 401),
                "throttled": (THROTTLED_PUPIL, 429)}


def address_tag() -> str:
    """The client's network, not its full address (IPv4 /24, IPv6 /48): enough to look into a lock-out."""
    address = request.remote_addr or "unknown"
    if ":" in address:
        return ":".join(address.split(":")[:3]) + "::/48"
    if address.count(".") == 3:
        return ".".join(address.split(".")[:3]) + ".0/24"
    return address[:40]


def record_failure(user: User | None, how: str) -> None:
    """Audit a failed try against the targeted account, with the network it came from, not as its owner."""
    record("sign-in failed", user=None, target=f"{user.kind}:{user.id}" if user else "",
           detail=f"{how} from {address_tag()}", school_id=user.school_id if user else None)
    db.session.commit()


def picture_buckets(pupil: User) -> tuple[list[Bucket], dict]:
    """Per pupil, per pupil and address, and per class: guessing across a class is limited too.

    The pupil's counters start afresh when a teacher resets the pupil (throttle.forgive), the class's when
    a teacher lets the class use pictures again.
    """
    config = current_app.config
    buckets = [Bucket("pupil", str(pupil.id), config["PUPIL_LIMIT"]),
               Bucket("pupil-address", f"{pupil.id}@{request.remote_addr}", config["PUPIL_LIMIT_ADDRESS"]),
               Bucket("class-pictures", str(pupil.class_id), config["CLASS_PICTURE_LIMIT"])]
    generations = {"pupil": ("pupil", str(pupil.id)), "pupil-address": ("pupil", str(pupil.id)),
                   "class-pictures": ("class", str(pupil.class_id))}
    return buckets, generations


class PictureCheck:
    """The pictures pressed so far for one pupil; `press` takes the next one from a submitted form."""

    def __init__(self, pupil: User, chosen: list[str]):
        self.pupil = pupil
        self.chosen = [p for p in chosen if p in PICTURES][:LENGTH]

    def press(self, form) -> str:
        """Add a press (or start again); once three are in: "passed", "wrong" or "throttled", else "more"."""
        if "again" in form:
            self.chosen = []
            return "more"
        if form.get("picture") in PICTURES and len(self.chosen) < LENGTH:
            self.chosen.append(form["picture"])
        if len(self.chosen) < LENGTH:
            return "more"
        attempt, self.chosen = "-".join(self.chosen), []
        buckets, generations = picture_buckets(self.pupil)
        tries = reserve(*buckets, generations=generations)
        if not tries.allowed:
            record("sign-in throttled", user=None, target=f"pupil:{self.pupil.id}", detail=address_tag(),
                   school_id=self.pupil.school_id)
            db.session.commit()
            return "throttled"
        if self.pupil.check_passcode(attempt):
            tries.refund()
            return "passed"
        record_failure(self.pupil, "pupil passcode")
        return "wrong"


def wrong_pictures_today(pupils: list[User]) -> list[tuple[User, int]]:
    """Pupils of a class whose pictures someone got wrong today, most tries first (one query)."""
    by_target = {f"pupil:{p.id}": p for p in pupils}
    if not by_target:
        return []
    midnight = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = db.session.execute(
        sa.select(AuditLog.target, sa.func.count()).where(
            AuditLog.action.in_(("sign-in failed", "sign-in throttled")), AuditLog.target.in_(list(by_target)),
            AuditLog.at >= midnight).group_by(AuditLog.target))
    return sorted(((by_target[target], count) for target, count in rows), key=lambda pair: (-pair[1], pair[0].name))
