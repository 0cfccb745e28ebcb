"""The signed-in person as every request reads them: plain values from one query, not an ORM entity.

Every signed-in request checks its session against the account (still active, session version current, a
pupil's class not archived), and every page then reads a handful of the account's columns: its role flags,
its school, its name, a pupil's class. Loading that row as an ORM `User` (and its `SchoolClass`) cost about a
fifth of a pupil's page: the ORM builds row processors, instance states and identity-map entries on every
request for objects that are only read. `SignedIn` holds the same columns as plain attributes, read by one
prepared statement (`database.Prepared`) on the request's connection.

Anything else (the authenticator secret, a relationship, a change to the account) goes to the account
itself, `SignedIn.account`, loaded the first time a request asks for it. Code that hands the signed-in person
to the ORM (a concern's pupil, an audit entry's author, a class's teacher) passes `current_user.account`: a
`SignedIn` is not an entity, and SQLAlchemy refuses it (when the object holding it is added to the session)
rather than taking it for one.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import g, request
from flask_login import UserMixin

from .database import Prepared, short_reads
from .extensions import db
from .models import PersonRules, School, SchoolClass, Trust, User, key_stage_for

# The columns every page and permission rule reads (the rest load with the account, when asked for).
PERSON_COLUMNS = ("id", "school_id", "kind", "email", "name", "last_initial", "is_teacher", "is_dsl",
                  "is_deputy_dsl", "is_admin", "is_trust_admin", "trust_id", "active", "session_version",
                  "class_id")
CLASS_COLUMNS = ("id", "school_id", "name", "year_group", "archived_at")

_PERSON_SELECT = (*(User.__table__.c[name] for name in PERSON_COLUMNS),
                  *(SchoolClass.__table__.c[name] for name in CLASS_COLUMNS))
_PERSON_FROM = User.__table__.outerjoin(SchoolClass.__table__, SchoolClass.id == User.class_id)

# The user and, for a pupil, their class, in one statement compiled once per database.
PERSON_WITH_CLASS = Prepared(sa.select(*_PERSON_SELECT).select_from(_PERSON_FROM)
                             .where(User.id == sa.bindparam("user_id")))


class PageRead(NamedTuple):
    """A page's own first read, made in the signed-in person's statement: on PostgreSQL each statement is a
    round trip, and a page shown on every click (a lesson step) then needs one, not two.

    `columns` of one row of their table (or several: `many`), joined to the person by `on` (which may use bind
    parameters named after the page's URL values); `key` gives what the page's own read is asked for, from the
    person's id and the URL's values, so the read is taken only by the page asking for exactly it. The values
    are read before the session is checked and dropped unless it is current, as the person is.
    """

    columns: tuple
    on: sa.ColumnElement
    key: Callable[[int, dict], tuple]
    # Several rows (a union, joined on true; the person's columns repeat on each), in this order. The first
    # column is one every row has (NULL: no rows). `parameters` gives the read's own bind parameters.
    many: bool = False
    order_by: tuple = ()
    parameters: Callable[[int, dict], dict] = lambda person_id, values: values
    only_on: str | None = None  # a database (dialect name) it is joined on; elsewhere the page reads it itself
    methods: tuple = ("GET",)  # a POST's read is in its transaction, as the person's is


_PAGE_READS: dict[str, tuple[PageRead, Prepared]] = {}


def read_with_person(endpoint: str, read: PageRead) -> None:
    """Make this read in the person's statement on requests to this endpoint by the read's methods."""
    table = read.columns[0].table
    statement = (sa.select(*_PERSON_SELECT, *read.columns)
                 .select_from(_PERSON_FROM.outerjoin(table, read.on))
                 .where(User.id == sa.bindparam("user_id")).order_by(*read.order_by))
    _PAGE_READS[endpoint] = (read, Prepared(statement))


def read_early(key: tuple, missing: Any = None) -> Any:
    """The row (or None: no row) a page read in the person's statement under this key, taken once: a second
    ask (after the page has changed the row) reads afresh. `missing` when this request made no such read
    (another page or method, a person signed in during this request, a read already taken)."""
    early = g.get("read_with_person")
    return early.pop(key, missing) if early else missing


class SignedInClass:
    """A pupil's class as the signed-in pupil's pages read it."""

    __slots__ = ("id", "school_id", "name", "year_group", "archived")

    def __init__(self, id: int, school_id: int, name: str, year_group: int, archived_at: Any):
        self.id, self.school_id, self.name, self.year_group = id, school_id, name, year_group
        self.archived = archived_at is not None

    @property
    def key_stage(self) -> str:
        """KS1 or KS2, from the year group (as SchoolClass.key_stage)."""
        return key_stage_for(self.year_group)


class SignedIn(PersonRules, UserMixin):
    """The signed-in person: the columns of their account that requests read, and the account on demand."""

    # Declared for readers and type checkers; each instance sets them from the row.
    id: int
    school_id: int | None
    kind: str
    email: str | None
    name: str
    last_initial: str
    is_teacher: bool
    is_dsl: bool
    is_deputy_dsl: bool
    is_admin: bool
    is_trust_admin: bool
    trust_id: int | None
    active: bool
    session_version: int
    class_id: int | None
    school_class: SignedInClass | None

    def __init__(self, row: tuple):
        # Prepared.rows has converted each value as its column's type says (SQLite's 0 and 1 to booleans).
        values = dict(zip(PERSON_COLUMNS, row))
        class_values = row[len(PERSON_COLUMNS):]
        values["school_class"] = SignedInClass(*class_values) if class_values[0] is not None else None
        values["_account"] = None
        values["_early"] = None
        self.__dict__.update(values)

    @property
    def account(self) -> User:
        """The account itself, for changes and for the ORM (loaded once per request, on first use)."""
        if self._account is None:
            self.__dict__["_account"] = db.session.get(User, self.id)
        return self._account

    @property
    def school(self) -> School | None:
        """The person's school (one query by its key, as the relationship would)."""
        return db.session.get(School, self.school_id) if self.school_id is not None else None

    @property
    def trust(self) -> Trust | None:
        """A trust admin's trust."""
        return db.session.get(Trust, self.trust_id) if self.trust_id is not None else None

    def __getattr__(self, name: str) -> Any:
        # Only for what the plain values lack (a column not read per request, a method of User). Private
        # names are refused, so the ORM never mistakes a SignedIn for the entity (`_sa_instance_state`).
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.account, name)

    def __setattr__(self, name: str, value: Any) -> None:
        # A change here would be lost with the request: changes go to the account, which the session saves.
        raise AttributeError(f"the signed-in person is read-only: set {name} on current_user.account")

    def __repr__(self) -> str:
        return f"<SignedIn {self.id}>"


def load(user_id: int) -> SignedIn | None:
    """The signed-in person with this id, or None when there is no such account. On a GET to a page that reads
    with the person (read_with_person), that read comes in the same statement; `keep_early_read` keeps it once
    the session has been found current."""
    reads = short_reads()  # a read request on a server: a connection of its own, not the session's
    connection = db.session.connection() if reads is None else None
    dialect = connection.dialect.name if reads is None else reads.engine.dialect.name
    page = _PAGE_READS.get(request.endpoint)
    if page is not None and (request.method not in page[0].methods or page[0].only_on not in (None, dialect)):
        page = None
    if page is None:
        statement, parameters = PERSON_WITH_CLASS, {"user_id": user_id}
    else:
        read, statement = page
        values = request.view_args or {}
        parameters = {**read.parameters(user_id, values), "user_id": user_id}
    rows = statement.rows(connection, parameters) if reads is None else reads.rows(statement, parameters)
    if page is None:
        return SignedIn(rows[0]) if rows else None
    if not rows:
        return None
    width = len(_PERSON_SELECT)
    person = SignedIn(rows[0][:width])
    if read.many:
        own = [row[width:] for row in rows if row[width] is not None]
    else:
        own = rows[0][width:] if rows[0][width] is not None else None
    # Not yet g's: kept by keep_early_read, after the session rules have found the session current.
    person.__dict__["_early"] = (read.key(user_id, values), own)
    return person


def keep_early_read(person: SignedIn) -> None:
    """The session is current: the page may take what was read with the person."""
    early = person.__dict__.get("_early")
    if early is not None:
        g.read_with_person = {early[0]: early[1]}


# Someone acting, as code that reads their columns takes them: the signed-in person, or an account.
Person = User | SignedIn
