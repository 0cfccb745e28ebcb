"""flask commands: content check, demo school, demo authenticator codes, backups, DSL alerts, retention, coverage."""

import json
import sys

import click
import pyotp
import sqlalchemy as sa
from flask import Flask, current_app

from .alerts import alerts_group
from .backup import backup_group
from .content import ContentError
from .content.loader import load
from .extensions import db
from .fairness import LIMIT, fairness


@click.group("content")
def content_group():
    """Lessons, quizzes and curriculum data."""


@content_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the content catalogue as JSON.")
@click.option("--root", default=None, help="Check another content folder (default: this project).")
def content_check(as_json: bool, root: str | None):
    """Validate every content file; list every problem with its file and field."""
    try:
        catalogue = load(root or current_app.config["CONTENT_ROOT"])
    except ContentError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(error.problems)} problem(s) found.", err=True)
        sys.exit(1)
    shares = fairness(catalogue)
    unfair = [f for f in shares if not f.fair]
    if as_json:
        click.echo(json.dumps({**catalogue.as_json(), "fairness": [f.as_json() for f in shares]},
                              indent=2, ensure_ascii=False))
    else:
        pupil = [lesson for lesson in catalogue.lessons.values()]
        click.echo(
            f"Content OK: {len(pupil)} pupil lessons, {len(catalogue.guides)} teacher's guides, "
            f"{len(catalogue.parent_pages)} parent pages, "
            f"{len(catalogue.quizzes)} quizzes, {len(catalogue.platforms)} platforms, "
            f"{len(catalogue.statements)} curriculum statements."
        )
        for f in shares:
            click.echo(
                f"Fairness {f.key_stage}: of {f.decisions} single-answer decisions, the right option is the only "
                f"one naming an adult or telling in {f.only_adult} ({f.only_adult_share}%) and the longest in "
                f"{f.longest} ({f.longest_share}%); limit {LIMIT}%{'' if f.fair else ': ABOVE THE LIMIT'}."
            )
    if unfair and not as_json:  # --json carries the figures; its output stays one JSON document
        where = ", ".join(f.key_stage for f in unfair)
        click.echo(f"Fairness above {LIMIT}% at {where}: rewrite the wrong options so that naming an adult or "
                   "telling, or being the longest, does not pick out the right one (docs/content-format.md).",
                   err=True)
    if unfair:
        sys.exit(1)


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print the demo sign-ins as JSON.")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no users.")
@click.option("--trust", is_flag=True, help="Also seed a multi-academy trust of many schools around the demo school, "
                                            "with a school year of progress, and its trust admin.")
@click.option("--schools", default=40, show_default=True, type=click.IntRange(1, 46),
              help="With --trust: how many schools the trust has (the demo school is one).")
@click.option("--pupils", default=20_000, show_default=True, type=click.IntRange(1, 200_000),
              help="With --trust: about how many pupils its schools have in all.")
def demo_command(as_json: bool, if_empty: bool, trust: bool, schools: int, pupils: int):
    """Seed the demo school (idempotent) and print its sign-ins; --trust adds the demo trust."""
    from . import demo, demo_trust
    from .models import User

    try:
        if trust:
            if if_empty and db.session.scalar(sa.select(User.id).limit(1)) and not demo_trust.trust_present():
                created = False
            else:
                created = demo_trust.seed_trust(schools=schools, pupils=pupils)
        else:
            created = demo.seed(if_empty=if_empty)
    except demo.DemoConflict as conflict:
        raise click.ClickException(str(conflict)) from None
    logins = demo.logins()
    with_trust = trust and demo_trust.trust_present()
    if with_trust:
        logins["trust_admin"] = demo_trust.logins()
    if as_json:
        click.echo(json.dumps(logins, indent=2))
        return
    if trust:
        click.echo("Demo trust " + ("created." if created else "already there." if with_trust else "not seeded: "
                                    "the database is not empty."))
    else:
        click.echo("Demo school " + ("created." if created else "already there."))
    click.echo(demo.describe(logins))
    if with_trust:
        click.echo(demo_trust.describe(*demo_trust.counts()))


@click.command("demo-code")
@click.argument("role", type=click.Choice(["dsl", "admin", "trust"]))
def demo_code(role: str):
    """Print the current authenticator code of the demo DSL, admin or trust admin (demo accounts only)."""
    from . import demo, demo_trust

    secret = demo_trust.TRUST_TOTP_SECRET if role == "trust" else demo.TOTP_SECRETS[role]
    click.echo(pyotp.TOTP(secret).now())


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(content_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(demo_code)
    app.cli.add_command(backup_group)
    app.cli.add_command(alerts_group)
    app.cli.add_command(retention_group)
    app.cli.add_command(coverage_group)


@click.group("retention")
def retention_group():
    """Deleting data whose retention period has ended."""


@retention_group.command("delete-due")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted, delete nothing.")
def delete_due(dry_run: bool):
    """Delete leavers whose retention period (privacy registry) has ended; each deletion is logged."""
    from datetime import date

    from .extensions import db
    from .schoolyear import delete_due_leavers

    deleted = delete_due_leavers(date.today())
    if dry_run:
        db.session.rollback()
        click.echo(f"{len(deleted)} leaver(s) are due for deletion; nothing was deleted (dry run).")
        return
    db.session.commit()
    click.echo(f"Deleted {len(deleted)} leaver(s) whose retention period has ended; safeguarding records kept.")


@click.group("coverage")
def coverage_group():
    """The stored coverage tallies that school and trust coverage pages read."""


@coverage_group.command("rebuild")
@click.option("--all", "every", is_flag=True, help="Recount every school, not only those whose tallies are stale.")
@click.option("--check", is_flag=True, help="Count every school live and compare, changing nothing; exits 1 if "
                                            "any stored tally or pupil count differs.")
def coverage_rebuild(every: bool, check: bool):
    """Recount stale coverage tallies from the completions: after an upgrade, a content deploy (a changed
    curriculum mapping leaves tallies stale, and pages count live until this runs) or a bulk import."""
    from . import tallies
    from .models import School

    if check:
        problems = tallies.differences()
        for problem in problems:
            click.echo(problem)
        click.echo(f"{len(problems)} stored tallies or pupil counts differ from a live count.")
        sys.exit(1 if problems else 0)
    schools = tallies.rebuild(db.session.scalars(sa.select(School.id)).all() if every else None)
    click.echo(f"Recounted the coverage tallies of {schools} school(s).")
