"""The privacy registry declares every table and column the app stores, the schema holds no more about a
pupil than the design allows, and the privacy notices are one click from every page."""

import re

import pytest
import sqlalchemy as sa

from esafety import privacy
from esafety.extensions import db

# Column names that would mean we keep something about a child the design says we never keep.
FORBIDDEN = re.compile(r"birth|dob|address|postcode|street|town|photo|avatar|image|picture_file|phone|mobile|"
                       r"gender|ethnic|upn|nhs|location|latitude|longitude|ip_addr|^ip$", re.I)


def schema_columns() -> set[tuple[str, str]]:
    """Every (table, column) in the models' metadata."""
    return {(table.name, column.name) for table in db.metadata.sorted_tables for column in table.columns}


def registry_columns() -> set[tuple[str, str]]:
    """Every (table, column) the registry declares."""
    return {(table, column) for table, entry in privacy.REGISTRY.items() for column in entry.columns}


def test_every_column_is_declared_in_the_privacy_registry(app):
    """A column added to a model without a purpose and retention in esafety/privacy.py fails here."""
    missing = sorted(f"{t}.{c}" for t, c in schema_columns() - registry_columns())
    assert not missing, f"declare these in esafety/privacy.py REGISTRY (purpose and retention): {missing}"


def test_the_registry_declares_nothing_that_no_longer_exists(app):
    """Declarations for removed tables or columns are removed too, so the register stays true."""
    stale = sorted(f"{t}.{c}" for t, c in registry_columns() - schema_columns())
    assert not stale, f"remove these from esafety/privacy.py REGISTRY: {stale}"


def test_every_declaration_says_why_and_for_how_long(app):
    """Each table has a purpose, a retention period and what deleting a pupil does; each column a purpose."""
    for name, table in privacy.REGISTRY.items():
        assert table.purpose and table.retention, name
        assert table.on_pupil_deletion in (privacy.DELETED, privacy.KEPT, privacy.NOT_PUPIL_DATA), name
        for column in table.columns:
            purpose, retention = privacy.declared(name, column)
            assert len(purpose) > 5 and len(retention) > 5, f"{name}.{column}"


def test_only_safeguarding_records_outlive_a_deleted_pupil(app):
    """Concerns and their entries are the only tables kept when a pupil is deleted, kept until age 25."""
    kept = {name for name, table in privacy.REGISTRY.items() if table.on_pupil_deletion == privacy.KEPT}
    assert kept == {"concern", "concern_entry"}
    assert all("25" in privacy.REGISTRY[name].retention for name in kept)


def test_tables_that_point_at_a_pupil_say_what_deletion_does(app):
    """Every table with a key to user (bar staff-only ones) is deleted with the pupil or kept for safeguarding."""
    staff_only = {"class_teacher", "assignment", "recovery_code", "rollover", "check_round"}  # rollover: run_by is an admin
    for table in db.metadata.sorted_tables:
        if any(fk.column.table.name == "user" for fk in table.foreign_keys) and table.name not in staff_only:
            assert privacy.REGISTRY[table.name].on_pupil_deletion != privacy.NOT_PUPIL_DATA, table.name


def test_no_pupil_email_date_of_birth_address_or_photo_column(app):
    """No column can hold a child's birth date, address, photo, phone or location; pupils are refused an email."""
    suspicious = sorted(f"{t}.{c}" for t, c in schema_columns() if FORBIDDEN.search(c))
    assert suspicious == ["school.town"]  # where the school is (told apart from another of its name): no person's
    emails = sorted(f"{t}.{c}" for t, c in schema_columns() if "email" in c)
    assert emails == ["school.headteacher_email", "user.email"]  # the school's escalation contact is an adult
    checks = {str(ck.sqltext) for ck in db.metadata.tables["user"].constraints if isinstance(ck, sa.CheckConstraint)}
    assert "kind <> 'pupil' OR email IS NULL" in checks
    blobs = sorted(f"{t.name}.{c.name}" for t in db.metadata.sorted_tables for c in t.columns
                   if isinstance(c.type, sa.LargeBinary))
    assert blobs == []  # nowhere to put a photo


def test_the_audit_log_cannot_hold_what_a_child_wrote(app):
    """The audit log's free text is short and non-sensitive; a child's words live only in concern entries."""
    detail = db.metadata.tables["audit_log"].columns["detail"]
    assert detail.type.length <= 500
    assert not privacy.REGISTRY["audit_log"].columns["detail"].personal
    personal_text = {f"{t}.{c}" for t, entry in privacy.REGISTRY.items() for c, col in entry.columns.items()
                     if col.personal and t in ("concern", "concern_entry")}
    assert "concern_entry.text" in personal_text


@pytest.mark.parametrize("path", ["/", "/login", "/pupil/login", "/parents/", "/parents/this-school", "/privacy",
                                  "/no/such/page"])
def test_privacy_notice_is_linked_from_every_page_footer(client, path):
    """The footer of every page, including error pages, links to the privacy notices."""
    html = client.get(path).get_data(as_text=True)
    footer = html[html.index('<footer'):]
    assert 'href="/privacy"' in footer


def test_privacy_notice_is_linked_from_signed_in_pages(client, school, sign_in):
    """Pupil, teacher and admin pages carry the footer link too, and the Tell page links to the pupils' notice."""
    sign_in(client, school.ks1_pupil)
    for path in ("/pupil/", "/pupil/tell"):
        html = client.get(path).get_data(as_text=True)
        assert 'href="/privacy"' in html[html.index('<footer'):], path
    assert 'href="/privacy#pupils"' in client.get("/pupil/tell").get_data(as_text=True)


def test_privacy_notices_speak_to_children_and_to_parents(client):
    """There is a notice for each key stage and one for parents, with what is kept and for how long."""
    html = client.get("/privacy").get_data(as_text=True)
    for anchor in ('id="pupils"', 'id="pupils-ks2"', 'id="adults"'):
        assert anchor in html
    assert "25th birthday" in html and "Tell" in html


def test_admin_can_read_the_register(client, school, sign_in):
    """The admin's "What esafety keeps" page lists every table with its retention."""
    sign_in(client, school.admin)
    html = client.get("/admin/privacy-register").get_data(as_text=True)
    for name in privacy.REGISTRY:
        assert f"<code>{name}</code>" in html
    assert "Until the child is 25" in html
