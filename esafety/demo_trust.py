"""`flask demo --trust`: a multi-academy trust of many schools with a school year of progress, and its trust admin.

The demo school (Oakfield) is one of the trust's schools; the others are written by the bulk seeder
(esafety/bulk_seed.py: one executemany per table, passcodes unhashed, one password hash per school), so
40 schools and 20,000 pupils take a minute or two, not an hour of ORM inserts. The benchmark seeds its trust
with the same add_trust() and seed_trust_schools().
"""

import random
import re
from datetime import date

import sqlalchemy as sa

from . import bulk_seed, demo
from .content import catalogue
from .extensions import db
from .models import School, Trust, User, utcnow

TRUST_NAME = "Riverside Learning Trust (demo)"
TRUST_ADMIN = ("Dr Sarah Okafor", "trust@riverside-trust.example", "demo-trust-alder-2026")
# Fixed so the printed demo authenticator secret keeps working; demo account only.
TRUST_TOTP_SECRET = "KRSXG5CTMVRXEZLUDEMOTRUSTSEC2345"
# Names for the trust's schools (made up, in the style of English primary schools).
PLACES = (
    "Ashgrove", "Brookside", "Castlefield", "Dunmore", "Elmhurst", "Fairholme", "Greenbank", "Hillcrest",
    "Ivybridge", "Juniper Hill", "Kingsmead", "Larkrise", "Meadowbank", "Northgate", "Orchard Vale", "Parkside",
    "Queensway", "Redbrook", "Southfields", "Thornbury", "Upton Lea", "Valley Road", "Westwood", "Yewtree",
    "Alderley", "Beechcroft", "Cherry Tree", "Daneshill", "Eastfield", "Foxdale", "Glenfield", "Harefield",
    "Islington Green", "Kestrel Way", "Lime Grove", "Millbrook", "Newlands", "Oakridge", "Pinewood", "Riverside",
    "St Anne's", "Sandhill", "Tollgate", "Woodlands", "Wren Park",
)
CLASS_SIZE = 28
SCHOOLS = 40
PUPILS = 20_000
# The bulk-seeded schools' staff: teacher1@ashgrove.riverside-trust.example and so on.
EMAIL_DOMAIN = "riverside-trust.example"


def school_year_days(today: date | None = None) -> int:
    """Days since the school year began (1 September), at least a week: how far back progress goes."""
    today = today or utcnow().date()
    start = date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    return max(7, (today - start).days)


def class_sizes(pupils: int) -> list[int]:
    """A school's classes (Years 1 to 6 in turn, the seeder's order) holding about `pupils` between them."""
    count = max(1, round(pupils / CLASS_SIZE))
    return [pupils // count + (1 if i < pupils % count else 0) for i in range(count)]


def school_shapes(schools: int, pupils: int) -> list[tuple[int, float]]:
    """Each school's pupils and engagement: one- to three-form entry schools (sizes from 0.5 to 1.5 of the
    mean, adding up to `pupils`) and a spread of take-up (0.6 to 1.3 times the seeder's keenness), so a trust
    admin sees schools that differ, as a real trust's do. The same on every run."""
    rng = random.Random(19)  # nosec B311: demo variety, not a secret
    weights = [rng.uniform(0.5, 1.5) for _ in range(schools)]
    sizes = [max(1, round(pupils * w / sum(weights))) for w in weights]
    return [(size, round(rng.uniform(0.6, 1.3), 2)) for size in sizes]


def school_slug(place: str) -> str:
    """A place name as the first label of its staff's addresses: "St Anne's" -> "st-annes"."""
    return re.sub(r"[^a-z0-9]+", "-", place.lower().replace("'", "")).strip("-")


def add_trust(name: str, admins: list[tuple[str, str, str, str]]) -> Trust:
    """A new trust and its trust admins, each (name, email, password, authenticator secret); added to the
    session and flushed, so it has an id: the caller commits."""
    trust = Trust(name=name, kind="trust")
    db.session.add(trust)
    db.session.flush()
    for admin_name, email, password, secret in admins:
        admin = User(kind="staff", name=admin_name, email=email, is_trust_admin=True, trust_id=trust.id,
                     totp_secret=secret)
        admin.set_password(password)
        db.session.add(admin)
    db.session.flush()
    return trust


def seed_trust_schools(trust_id: int, schools: int, pupils: int, *, email_domain: str = EMAIL_DOMAIN,
                       first_seed: int = 1000) -> list[bulk_seed.SchoolInfo]:
    """Bulk-write `schools` schools (named from PLACES, at most as many as it has) of about `pupils` pupils
    between them into the trust, shaped by school_shapes() and each with the school year's progress so far;
    then bulk_seed.after_bulk_seed() for them. Written on db.session's connection: the caller commits.
    first_seed sets each school's random seed (first_seed + its index): two trusts in one database need
    different ones, and different email domains, so that class codes and addresses do not repeat."""
    if schools > len(PLACES):
        raise demo.DemoConflict(f"A trust's bulk-seeded schools take their names from a list of {len(PLACES)}: "
                                "ask for that many or fewer.")
    content, days = catalogue(), school_year_days()
    connection = db.session.connection()
    seeded = [bulk_seed.seed_school(connection, content, name=f"{PLACES[index]} Primary School",
                                    seed=first_seed + index, class_sizes=class_sizes(size), trust_id=trust_id,
                                    days=days, engagement=engagement, email_domain=email_domain,
                                    slug=school_slug(PLACES[index]))
              for index, (size, engagement) in enumerate(school_shapes(schools, pupils))]
    bulk_seed.after_bulk_seed(connection, [school.id for school in seeded])
    return seeded


def trust_present() -> bool:
    """True when the demo trust admin is already there."""
    return db.session.scalar(sa.select(User.id).where(User.email == TRUST_ADMIN[1])) is not None


def seed_trust(schools: int = SCHOOLS, pupils: int = PUPILS) -> bool:
    """The demo school plus schools - 1 more in one trust, about `pupils` pupils in all, and the trust admin.
    True if created (nothing is done when the trust admin exists)."""
    if schools < 1 or pupils < schools:
        raise demo.DemoConflict("A demo trust needs at least one school and a pupil for each school.")
    if schools > len(PLACES) + 1:
        raise demo.DemoConflict(f"The demo trust has names for at most {len(PLACES) + 1} schools.")
    demo.seed()  # the demo school, unless it is there already (it joins the trust)
    if trust_present():
        return False
    trust = add_trust(TRUST_NAME, [(*TRUST_ADMIN, TRUST_TOTP_SECRET)])
    oakfield = db.session.scalar(sa.select(School).join(User, User.school_id == School.id)
                                 .where(User.email.in_([email for _, email, _ in demo.STAFF.values()])).limit(1))
    if oakfield is None:
        raise demo.DemoConflict("Cannot find the demo school to put in the trust. Use an empty database for the "
                                "demo (a new DATABASE_URL).")
    oakfield.trust_id = trust.id
    db.session.commit()
    others = schools - 1
    if others:
        oakfield_pupils = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
            User.school_id == oakfield.id, User.kind == "pupil"))
        seed_trust_schools(trust.id, others, max(others, pupils - oakfield_pupils))
        db.session.commit()
    return True


def logins() -> dict:
    """The trust admin's sign-in, in the shape `flask demo --trust --json` adds."""
    return {"email": TRUST_ADMIN[1], "password": TRUST_ADMIN[2], "totp_secret": TRUST_TOTP_SECRET}


def describe(schools: int, pupils: int) -> str:
    """The trust admin's sign-in as text for the terminal, and how the other schools' teachers sign in."""
    lines = [
        f"Trust: {TRUST_NAME}, {schools} schools, {pupils:,} pupils.",
        f"  trust admin {TRUST_ADMIN[1]:<28} password: {TRUST_ADMIN[2]}",
        "  the trust admin also needs an authenticator code: flask --app esafety demo-code trust",
        "  (or add the secret to an authenticator app: " + TRUST_TOTP_SECRET + ")",
        "  Signed in, the trust admin sees every school's coverage on one page (/trust/).",
    ]
    if schools > 1:
        lines.append(f"  The other schools' teachers share the password {bulk_seed.PASSWORD}: "
                     f"e.g. teacher1@{school_slug(PLACES[0])}.{EMAIL_DOMAIN}")
    return "\n".join(lines)


def counts() -> tuple[int, int]:
    """The demo trust's schools and current pupils, for the message."""
    trust_id = db.session.scalar(sa.select(User.trust_id).where(User.email == TRUST_ADMIN[1]))
    schools = db.session.scalar(sa.select(sa.func.count()).select_from(School).where(School.trust_id == trust_id))
    pupils = db.session.scalar(sa.select(sa.func.count()).select_from(User).join(School, School.id == User.school_id)
                               .where(School.trust_id == trust_id, User.kind == "pupil"))
    return schools, pupils
