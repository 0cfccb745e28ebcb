"""People, classes and results. Content (lessons, quizzes) stays in files, referenced by id and version."""

import secrets
from datetime import UTC, date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db

# Join codes avoid letters and digits that children confuse (0/O, 1/I/L, 5/S, 2/Z, 8/B).
JOIN_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


def utcnow() -> datetime:
    """The current time in UTC, as a naive datetime (stored the same way on SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_join_code() -> str:
    """A six-character class code that is easy to read aloud and type."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(6))


def key_stage_for(year_group: int) -> str:
    """Reception and Years 1-2 use the Key Stage 1 material; Years 3-6 are Key Stage 2."""
    return "KS1" if year_group <= 2 else "KS2"


RECEPTION = 0
LEAVING_YEAR = 6  # the last year of an English primary school


def year_name(year_group: int) -> str:
    """ "Reception" or "Year 4"."""
    return "Reception" if year_group == RECEPTION else f"Year {year_group}"


def school_year_of(day: date) -> int:
    """The school year a day falls in, named by the calendar year its autumn term starts (1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def this_school_year() -> int:
    """The school year today falls in (UTC)."""
    return school_year_of(utcnow().date())


TRUST_KINDS = {"trust": "Multi-academy trust", "authority": "Local authority"}


class Trust(db.Model):
    """A multi-academy trust or a local authority that runs several schools on one installation.

    Its trust admins see each school's curriculum coverage and manage each school's admins; everything else
    (pupils, classes, concerns) stays strictly per school.
    """

    __table_args__ = (sa.CheckConstraint("kind IN ('trust', 'authority')", name="kind"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    kind: so.Mapped[str] = so.mapped_column(sa.String(10), default="trust")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    @property
    def kind_name(self) -> str:
        """ "Multi-academy trust" or "Local authority"."""
        return TRUST_KINDS[self.kind]


class School(db.Model):
    """A school and the settings parents are told about."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    # Where the school is (its town or village), shown beside its name wherever schools are listed together:
    # England has hundreds of "St Mary's" primaries, and two can share a trust or a chooser.
    town: so.Mapped[str] = so.mapped_column(sa.String(80), default="", server_default="")
    # The trust or local authority the school belongs to; a stand-alone school has none.
    trust_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("trust.id"), index=True)
    dsl_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    dsl_contact: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    filtering: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    monitoring: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    school_platforms: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    official_accounts: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    complaints: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # On shared classroom computers: sign a pupil out as soon as their Tell is sent.
    sign_out_after_tell: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # Told when a concern waits unacknowledged too long (escalation), alongside the deputy DSLs.
    headteacher_name: so.Mapped[str] = so.mapped_column(sa.String(120), default="")
    headteacher_email: so.Mapped[str] = so.mapped_column(sa.String(254), default="")
    # The school year the school is in (2026 means 2026/27): moved on by the September rollover, and the year
    # against which photo and video consent counts as renewed.
    school_year: so.Mapped[int] = so.mapped_column(default=this_school_year)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    trust: so.Mapped[Trust | None] = so.relationship()

    @property
    def display_name(self) -> str:
        """How pages name the school beside others (a chooser, a trust's table): with its town when it has one."""
        return school_label(self.name, self.town)


def school_label(name: str, town: str | None) -> str:
    """A school's name beside others' (School.display_name), from its two columns."""
    return f"{name}, {town}" if town else name


class PersonRules:
    """What follows from an account's columns, the same for the entity (User) and for the signed-in person as
    each request reads them (signed_in.SignedIn)."""

    @property
    def is_active(self) -> bool:
        """Disabled accounts cannot sign in and lose their sessions."""
        return self.active

    def get_id(self) -> str:
        """The session identifies the user and the session version, so old cookies can be revoked."""
        return f"{self.id}:{self.session_version}"

    @property
    def display_name(self) -> str:
        """How the user is named on screen: pupils by first name and initial."""
        return self.pupil_name(self.name, self.last_initial) if self.kind == "pupil" else self.name

    @staticmethod
    def pupil_name(name: str, last_initial: str) -> str:
        """A pupil's name on screen, first name and initial, from those two columns (for pages that read them
        without loading the pupil)."""
        return f"{name} {last_initial}." if last_initial else name

    @property
    def needs_second_factor(self) -> bool:
        """DSLs, admins and trust admins handle sensitive personal data or accounts, so they must use an
        authenticator app."""
        return self.kind == "staff" and (self.is_dsl or self.is_admin or self.is_trust_admin)


class User(PersonRules, UserMixin, db.Model):
    """Anyone who signs in: a pupil, a parent or a member of staff (who may hold several staff roles)."""

    __table_args__ = (
        sa.CheckConstraint("kind IN ('pupil', 'parent', 'staff')", name="kind"),
        sa.CheckConstraint("kind = 'pupil' OR email IS NOT NULL", name="adults_have_email"),
        sa.CheckConstraint("kind <> 'pupil' OR email IS NULL", name="pupils_have_no_email"),
        sa.Index("ix_user_school_mis", "school_id", "mis_id_hash", unique=True),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    school_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("school.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254), unique=True)
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(256))
    # Adults: the name shown to others. Pupils: a first name and an initial, nothing more.
    name: so.Mapped[str] = so.mapped_column(sa.String(80))
    last_initial: so.Mapped[str] = so.mapped_column(sa.String(1), default="")
    is_teacher: so.Mapped[bool] = so.mapped_column(default=False)
    is_dsl: so.Mapped[bool] = so.mapped_column(default=False)
    # A deputy DSL also holds is_dsl (same access); escalations of unacknowledged concerns go to deputies.
    is_deputy_dsl: so.Mapped[bool] = so.mapped_column(default=False)
    is_admin: so.Mapped[bool] = so.mapped_column(default=False)
    # A trust admin is staff of a trust, not of a school (school_id is empty): they see the trust's schools'
    # coverage and manage their admins, and nothing else (permissions.is_trust_admin, access.trust_school_or_404).
    is_trust_admin: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    trust_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("trust.id"), index=True)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # Bumped on sign-out, disabling and a password change, so every earlier session cookie stops working.
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    class_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("school_class.id"), index=True)
    # Three picture words. Not hashed: with 1,728 possible codes a hash adds nothing against anyone holding
    # the database, and teachers must be able to print them on login cards. Guessing is stopped by the
    # class code and the per-account throttle instead (SECURITY.md).
    passcode: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    card_token_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    card_expires_at: so.Mapped[datetime | None]
    totp_secret: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    totp_last_step: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_sign_in_at: so.Mapped[datetime | None]
    # Pupils imported from the school's MIS: an HMAC of the MIS's own pupil id (never the UPN), so a second
    # import finds them again without esafety holding the id itself.
    mis_id_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    # Leavers: when they left (their account closed then) and the day their data is due for deletion.
    left_at: so.Mapped[datetime | None]
    delete_after: so.Mapped[date | None] = so.mapped_column(index=True)

    school: so.Mapped[School | None] = so.relationship()
    trust: so.Mapped[Trust | None] = so.relationship()
    school_class: so.Mapped["SchoolClass | None"] = so.relationship(back_populates="pupils")

    def set_password(self, password: str) -> None:
        """Store a werkzeug (scrypt) hash of the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def set_passcode(self, passcode: str) -> None:
        """Set a pupil's picture passcode (its words joined by hyphens)."""
        self.passcode = passcode

    def check_passcode(self, passcode: str) -> bool:
        """True when the picture passcode matches (compared in constant time)."""
        return bool(self.passcode) and secrets.compare_digest(self.passcode.encode(), passcode.encode())

    @property
    def account(self) -> "User":
        """The account itself (as SignedIn.account: code handing the signed-in person to the ORM takes either)."""
        return self

    def end_sessions(self) -> None:
        """Invalidate every session this user has, on every device."""
        self.session_version += 1


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; stored only as a hash."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(256))
    used_at: so.Mapped[datetime | None]


class SchoolClass(db.Model):
    """A class of pupils in one year group, taught by one or more teachers."""

    __tablename__ = "school_class"
    __table_args__ = (sa.CheckConstraint("year_group BETWEEN 0 AND 6", name="year_group"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    school_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("school.id"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(60))
    year_group: so.Mapped[int]
    join_code: so.Mapped[str] = so.mapped_column(sa.String(12), unique=True, default=new_join_code)
    archived_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    pupils: so.Mapped[list[User]] = so.relationship(back_populates="school_class", order_by="User.name")
    school: so.Mapped[School] = so.relationship()
    teachers: so.Mapped[list[User]] = so.relationship(secondary="class_teacher", order_by="User.name")

    @property
    def key_stage(self) -> str:
        """KS1 or KS2, from the year group."""
        return key_stage_for(self.year_group)


class_teacher = sa.Table(
    "class_teacher",
    db.metadata,
    sa.Column("class_id", sa.ForeignKey("school_class.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class ParentLink(db.Model):
    """A parent or carer linked to their own child."""

    __table_args__ = (sa.UniqueConstraint("parent_id", "pupil_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    parent_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    pupil_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    pupil: so.Mapped[User] = so.relationship(foreign_keys=[pupil_id])


class ParentLinkCode(db.Model):
    """A one-time code a teacher gives a parent to link their child; stored only as a hash."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    pupil_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    used_at: so.Mapped[datetime | None]


class LessonProgress(db.Model):
    """How far a pupil has got through one lesson; one row per pupil and lesson."""

    __table_args__ = (sa.UniqueConstraint("pupil_id", "lesson_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    pupil_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    lesson_id: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    content_version: so.Mapped[int]
    step: so.Mapped[int] = so.mapped_column(default=0)
    # Check answers by step index: {"2": 1} means the pupil chose choice 1 at step 2.
    answers: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: so.Mapped[datetime | None]


class QuizAttempt(db.Model):
    """One go at a quiz. In progress until submitted; a submitted attempt never changes."""

    __table_args__ = (sa.UniqueConstraint("pupil_id", "quiz_id", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    pupil_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    quiz_id: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)
    number: so.Mapped[int] = so.mapped_column(default=1)
    content_version: so.Mapped[int]
    # Answers so far, so a reload carries on: {"question_id": answer} or, for scenarios, {"path": [...]}.
    state: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    # The order this attempt shows each question's choices in, by choice id ({"question_id": ["b", "a"]}):
    # shuffled once when the attempt starts, so a reload or another device shows the same order.
    choice_order: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    submitted_at: so.Mapped[datetime | None]
    score: so.Mapped[int | None]
    passed: so.Mapped[bool | None]

    responses: so.Mapped[list["QuizResponse"]] = so.relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="QuizResponse.position"
    )


class QuizResponse(db.Model):
    """One answer within a submitted attempt, with the understanding it shows."""

    __table_args__ = (sa.UniqueConstraint("attempt_id", "position"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    attempt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("quiz_attempt.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int]
    question_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    answer: so.Mapped[str] = so.mapped_column(sa.String(200))
    correct: so.Mapped[bool]
    understanding: so.Mapped[str] = so.mapped_column(sa.String(20))

    attempt: so.Mapped[QuizAttempt] = so.relationship(back_populates="responses")


class Assignment(db.Model):
    """A lesson or quiz a teacher has set for a class, with an optional due date."""

    __table_args__ = (
        sa.UniqueConstraint("class_id", "activity_kind", "activity_id"),
        sa.CheckConstraint("activity_kind IN ('lesson', 'quiz')", name="activity_kind"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("school_class.id", ondelete="CASCADE"), index=True)
    activity_kind: so.Mapped[str] = so.mapped_column(sa.String(10))
    activity_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    due_on: so.Mapped[date | None]
    set_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Rollover(db.Model):
    """One school's move into a new school year: what changed, so it runs once and can be undone."""

    __table_args__ = (sa.UniqueConstraint("school_id", "school_year"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    school_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"), index=True)
    school_year: so.Mapped[int]  # the year moved into
    run_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    run_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # Each class's year group, name, teachers and archive state before, and each leaver's class and card.
    before: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)


MEDIA_PURPOSES = {
    "in_school": "Photos and video in school (displays, learning records)",
    "website": "The school website",
    "social_media": "The school's social media",
    "press": "Newspapers and other press",
}
SHORT_PURPOSES = {"in_school": "In school", "website": "Website", "social_media": "Social media", "press": "Press"}


class MediaConsent(db.Model):
    """A parent's current answer on one use of photos and video of their child, for one school year."""

    __tablename__ = "media_consent"
    __table_args__ = (
        sa.UniqueConstraint("pupil_id", "purpose"),
        sa.CheckConstraint("purpose IN ('in_school', 'website', 'social_media', 'press')", name="purpose"),
        sa.CheckConstraint("source IN ('parent', 'office')", name="source"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    pupil_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: so.Mapped[str] = so.mapped_column(sa.String(20))
    given: so.Mapped[bool]
    school_year: so.Mapped[int]  # the school year the answer was given for; an older one is "renewal due"
    source: so.Mapped[str] = so.mapped_column(sa.String(10))  # the parent online, or the office from a paper form
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    recorded_by_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    recorded_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class SchemePlacement(db.Model):
    """Where a school has put one lesson or quiz in its own copy of a year group's scheme of work."""

    __table_args__ = (
        sa.UniqueConstraint("school_id", "year_group", "activity_id"),
        sa.CheckConstraint("year_group BETWEEN 1 AND 6", name="year_group"),
        sa.CheckConstraint("half_term BETWEEN 1 AND 6", name="half_term"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    school_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"), index=True)
    year_group: so.Mapped[int]
    activity_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    half_term: so.Mapped[int]  # 1 (Autumn 1) to 6 (Summer 2)
    position: so.Mapped[int]  # order within the half term, from 1
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)


class CoverageTally(db.Model):
    """How many of a school's counted pupils have covered one curriculum statement, and when the first and the
    most recent of them became covered: what school and trust coverage read instead of every completion.

    A copy of what progress.statement_tallies derives from the completions, kept in step by esafety/tallies.py;
    a school only has rows for statements at least one pupil has covered.
    """

    __tablename__ = "coverage_tally"

    school_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"), primary_key=True)
    statement_id: so.Mapped[str] = so.mapped_column(sa.String(80), primary_key=True)
    covered: so.Mapped[int]
    first_at: so.Mapped[datetime]
    last_at: so.Mapped[datetime]


class CoverageStamp(db.Model):
    """Which content mapping a school's coverage tallies were counted under, and how many pupils they count. A
    school without one, with another mapping's or with no pupil count, is counted live from its completions
    until `flask coverage rebuild` recounts it."""

    __tablename__ = "coverage_stamp"

    school_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("school.id", ondelete="CASCADE"), primary_key=True)
    mapping: so.Mapped[str] = so.mapped_column(sa.String(64))  # tallies.mapping_fingerprint of the content
    counted_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # progress.school_pupils counted, kept exact with the tallies (tallies.py); empty when not yet counted (a
    # stamp from before revision 0010), which makes the school stale.
    pupils: so.Mapped[int | None]


class CheckRound(db.Model):
    """A teacher opening a "What do I know?" check to a class: the baseline, or a later check against it.

    A pupil's answers count for the most recent round opened before they handed the check in.
    """

    __table_args__ = (sa.CheckConstraint("stage IN ('baseline', 'later')", name="stage"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    class_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("school_class.id", ondelete="CASCADE"), index=True)
    quiz_id: so.Mapped[str] = so.mapped_column(sa.String(80))
    stage: so.Mapped[str] = so.mapped_column(sa.String(10))
    opened_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    opened_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class AuditLog(db.Model):
    """Who did what, when (UTC): sign-ins, failures, refusals, and every access to a concern."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    school_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("school.id", ondelete="SET NULL"), index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(60))
    target: so.Mapped[str] = so.mapped_column(sa.String(80), default="", index=True)
    detail: so.Mapped[str] = so.mapped_column(sa.String(500), default="")


CONCERN_CATEGORIES = {
    "unkind": "Someone was unkind",
    "upsetting": "I saw something upsetting",
    "contact": "Someone I don't know contacted me",
    "photo-or-meet": "Someone asked for a photo or to meet",
    "other": "Something else",
    "staff": "Logged by staff",
}
CONCERN_ACTIONS = {
    "talked-to-pupil": "Talked to the pupil",
    "informed-parents": "Informed parents or carers",
    "referred": "Referred (children's social care, police or another agency)",
    "monitoring": "Monitoring",
    "other": "Other action",
}


# The DSL's triage of a concern, most urgent first (set as an append-only "urgency" entry).
CONCERN_URGENCIES = {
    "immediate": "Immediate: risk of harm now, act today",
    "high": "High: act within the school day",
    "medium": "Medium: act within a few days",
    "low": "Low: monitor",
}


class Concern(db.Model):
    """A worry a pupil told, or a concern staff logged. Append-only: what happens next is a ConcernEntry.

    Safeguarding records outlive the pupil's account (schools keep them until the child is 25), so the
    pupil's name and class are kept on the concern, and deleting a pupil only clears the link.
    """

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    school_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("school.id"), index=True)
    pupil_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    pupil_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    class_name: so.Mapped[str] = so.mapped_column(sa.String(60), default="")
    source: so.Mapped[str] = so.mapped_column(sa.String(10))
    reporter_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reporter_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    category: so.Mapped[str] = so.mapped_column(sa.String(20))
    wants_to_talk: so.Mapped[bool] = so.mapped_column(default=False)
    # A random reference, so a resubmitted form records the report once.
    submission_key: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)

    entries: so.Mapped[list["ConcernEntry"]] = so.relationship(
        back_populates="concern", order_by="ConcernEntry.id", passive_deletes="all"
    )


class ConcernEntry(db.Model):
    """One thing added to a concern: the child's own words, a note, an action, a status change."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    concern_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("concern.id"), index=True)
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    author_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    kind: so.Mapped[str] = so.mapped_column(sa.String(12))  # words, note, action, status, correction
    status: so.Mapped[str | None] = so.mapped_column(sa.String(12))  # new, acknowledged, closed
    urgency: so.Mapped[str | None] = so.mapped_column(sa.String(10))  # set by the DSL: see CONCERN_URGENCIES
    action: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    text: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    corrects_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("concern_entry.id"))

    concern: so.Mapped[Concern] = so.relationship(back_populates="entries")


class AlertOutbox(db.Model):
    """An email alert waiting to go (or gone) to the school's DSLs; written in the same transaction as the concern.

    One row per concern and kind (a new concern, or an escalation of one left unacknowledged), so two workers
    can never both queue or both send it. The email itself names no child: see esafety/alerts.py.
    """

    __tablename__ = "alert_outbox"
    __table_args__ = (
        sa.UniqueConstraint("concern_id", "kind"),
        sa.CheckConstraint("kind IN ('new', 'escalation')", name="kind"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    school_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("school.id"), index=True)
    concern_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("concern.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(12))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # The next attempt is due then (retries back off); sent rows are never picked again.
    due_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    # A worker's lease: another worker skips the row until the lease runs out (a crashed worker's row returns).
    claimed_by: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    claimed_until: so.Mapped[datetime | None]
    # Addresses already sent to, so a retry after a partial failure never emails anyone twice.
    delivered_to: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(index=True)
    last_error: so.Mapped[str] = so.mapped_column(sa.String(300), default="")


CONCERN_COLUMNS = [c.name for c in Concern.__table__.columns]
ENTRY_COLUMNS = [c.name for c in ConcernEntry.__table__.columns]
# Columns the database may clear when the account they point at is deleted (ON DELETE SET NULL): a pupil
# deleted by an admin, a member of staff who left. Every other column of a safeguarding record is fixed.
UNLINKABLE = {"concern": ("pupil_id", "reporter_id"), "concern_entry": ("author_id",)}


def concern_append_only_function(concern_cols: list[str], entry_cols: list[str]) -> str:
    """PostgreSQL's trigger function. The IFs are nested because PL/pgSQL does not short-circuit AND: in one
    IF, a concern_entry row would fail on "NEW.pupil_id" (no such field) instead of the append-only message."""

    def kept(table: str, cols: list[str]) -> str:
        cleared = " AND ".join(f"(NEW.{c} IS NULL OR NEW.{c} IS NOT DISTINCT FROM OLD.{c})" for c in UNLINKABLE[table])
        fixed = [c for c in cols if c not in UNLINKABLE[table]]
        new = ", ".join(f"NEW.{c}" for c in fixed)
        old = ", ".join(f"OLD.{c}" for c in fixed)
        return f"{cleared} AND ROW({new}) IS NOT DISTINCT FROM ROW({old})"

    return (
        "CREATE OR REPLACE FUNCTION concern_append_only() RETURNS trigger AS $$ BEGIN "
        "IF TG_OP = 'UPDATE' THEN "
        "IF TG_TABLE_NAME = 'concern' THEN "
        f"IF {kept('concern', concern_cols)} THEN RETURN NEW; END IF; "
        "ELSE "
        f"IF {kept('concern_entry', entry_cols)} THEN RETURN NEW; END IF; "
        "END IF; "
        "END IF; "
        "RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END; $$ LANGUAGE plpgsql"
    )


def sqlite_update_condition(table: str, cols: list[str]) -> str:
    """SQLite: true when an UPDATE only clears links to deleted accounts and leaves the rest as written."""
    cleared = [f"(NEW.{c} IS NULL OR NEW.{c} IS OLD.{c})" for c in UNLINKABLE[table]]
    same = [f"NEW.{c} IS OLD.{c}" for c in cols if c not in UNLINKABLE[table]]
    return " AND ".join(cleared + same)


def _append_only_ddl(dialect: str) -> list[str]:
    """Triggers that refuse UPDATE and DELETE on safeguarding records, except unlinking a deleted account."""
    if dialect == "sqlite":
        return [
            "CREATE TRIGGER concern_no_update BEFORE UPDATE ON concern "
            f"WHEN NOT ({sqlite_update_condition('concern', CONCERN_COLUMNS)}) "
            "BEGIN SELECT RAISE(ABORT, 'concerns are append-only'); END",
            "CREATE TRIGGER concern_no_delete BEFORE DELETE ON concern "
            "BEGIN SELECT RAISE(ABORT, 'concerns are append-only'); END",
            "CREATE TRIGGER concern_entry_no_update BEFORE UPDATE ON concern_entry "
            f"WHEN NOT ({sqlite_update_condition('concern_entry', ENTRY_COLUMNS)}) "
            "BEGIN SELECT RAISE(ABORT, 'concern entries are append-only'); END",
            "CREATE TRIGGER concern_entry_no_delete BEFORE DELETE ON concern_entry "
            "BEGIN SELECT RAISE(ABORT, 'concern entries are append-only'); END",
        ]
    return [concern_append_only_function(CONCERN_COLUMNS, ENTRY_COLUMNS),
        "CREATE TRIGGER concern_append_only BEFORE UPDATE OR DELETE ON concern "
        "FOR EACH ROW EXECUTE FUNCTION concern_append_only()",
        "CREATE TRIGGER concern_entry_append_only BEFORE UPDATE OR DELETE ON concern_entry "
        "FOR EACH ROW EXECUTE FUNCTION concern_append_only()",
    ]


@sa.event.listens_for(ConcernEntry.__table__, "after_create")
def _install_append_only(target, connection, **kw):
    """Created with the tables (tests, create_all); migrations run the same statements."""
    for statement in _append_only_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)
