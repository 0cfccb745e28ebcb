"""The activity-type registry: one class per question type and quiz kind, and nothing else branching on names."""

import re
import typing
from pathlib import Path

import pytest

from esafety.activities import ACTIVITY_KINDS, QUESTION_TYPES, QUIZ_KINDS, question_type, quiz_kind
from esafety.content import load_cached
from esafety.content.schema import QUIZ_SCHEMAS, AnyQuestion, Quiz

pytestmark = pytest.mark.content_only  # content alone: the same on every database

ROOT = Path(__file__).resolve().parent.parent
# A branch on a question type's or activity kind's name, in Python or in a template.
BRANCH = re.compile(r"""(question|quiz|q|item)\.(type|kind)\s*(==|!=|in\b)|\.type\s*==\s*["']sort|"""
                    r"""activity_kind\s*(==|!=)\s*["']|kind\s*==\s*["']scenario""")


def _members(union) -> set:
    """The classes of a discriminated union."""
    return set(typing.get_args(typing.get_args(union)[0]))


def test_every_question_schema_has_one_registered_type():
    """The discriminated union of question schemas and the registry hold the same classes, one each."""
    assert _members(AnyQuestion) == {cls.schema for cls in QUESTION_TYPES.values()}
    for name, cls in QUESTION_TYPES.items():
        assert typing.get_args(cls.schema.model_fields["type"].annotation) == (name,)
        assert cls.description and (ROOT / "templates" / cls.partial).exists(), name
        assert (ROOT / "templates" / cls.feedback_partial).exists(), name


def test_every_quiz_kind_has_one_registered_class():
    """Each quiz kind the schema accepts names the class that plays it, with the same schema."""
    assert set(QUIZ_KINDS) == set(QUIZ_SCHEMAS)
    assert _members(Quiz) == {cls.schema for cls in QUIZ_KINDS.values()}
    for name, cls in QUIZ_KINDS.items():
        assert QUIZ_SCHEMAS[name] is cls.schema and (ROOT / "templates" / cls.player).exists(), name
    assert set(ACTIVITY_KINDS) == {"lesson", "quiz"}


def test_every_real_quiz_and_question_finds_its_class():
    """Every quiz in the catalogue, and every question in it, is played by a registered class."""
    catalogue = load_cached(str(ROOT), check_reading_level=False)
    for quiz in catalogue.quizzes.values():
        assert quiz.kind in quiz_kind(quiz).names
        for question in getattr(quiz, "questions", ()):
            assert question_type(question).name == question.type


def test_no_view_or_template_branches_on_a_type_name():
    """grep-level check: esafety/ and templates/ never compare a question type or activity kind to a name."""
    found = []
    for path in list((ROOT / "esafety").rglob("*.py")) + list((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BRANCH.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


def test_the_check_finds_a_branch_when_there_is_one():
    """The pattern above matches the branches it is meant to forbid (so the test can fail)."""
    for line in ('if question.type == "sort":', "{% if quiz.kind == 'scenario' %}", "q.type in ('a',)",
                 "if assignment.activity_kind == 'lesson'"):
        assert BRANCH.search(line), line
