"""Teacher's guides: every pupil lesson has a complete, checked guide; incomplete guides are refused."""

import shutil
from pathlib import Path

import pytest
import yaml

from esafety.content.loader import ContentError, load, quiz_misconceptions
from esafety.content.schema import PLAN_MINUTES, PLAN_PARTS, ScenarioQuiz

pytestmark = pytest.mark.content_only  # content alone: the same on every database

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def content():
    """The project's real content, without the reading-level measure (test_content measures it)."""
    return load(ROOT, check_reading_level=False)


def _copy_content(tmp_path: Path) -> Path:
    """A copy of the content folders a test can break."""
    for folder in ("curriculum", "lessons", "quizzes"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "static").symlink_to(ROOT / "static")
    return tmp_path


def _edit_guide(root: Path, lesson_id: str, change) -> None:
    """Load a guide file, let change() alter its data, and write it back."""
    path = root / "lessons" / "guides" / f"{lesson_id}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _problems(root: Path) -> str:
    """The content check's problems for a folder, as one text."""
    with pytest.raises(ContentError) as error:
        load(root, check_reading_level=False)
    return str(error.value)


def test_every_lesson_has_a_complete_guide(content):
    """Each pupil lesson has a guide with a timed four-part plan of 30-45 minutes and a note per step."""
    assert set(content.guides) == set(content.lessons)
    for lesson_id, guide in content.guides.items():
        lesson = content.lessons[lesson_id]
        assert tuple(p.part for p in guide.plan) == PLAN_PARTS, lesson_id
        assert PLAN_MINUTES[0] <= guide.minutes <= PLAN_MINUTES[1], lesson_id
        assert len(guide.step_notes) == len(lesson.steps), lesson_id
        assert guide.vocabulary and guide.discussion and guide.adaptations.send and guide.adaptations.eal
        assert all(s.url.startswith("https://") and s.checked for s in guide.sources), lesson_id


def test_guides_name_a_scenario_of_their_key_stage(content):
    """The matching scenario is a scenario quiz for the same key stage as the lesson."""
    for lesson_id, guide in content.guides.items():
        scenario = content.quizzes[guide.scenario]
        assert isinstance(scenario, ScenarioQuiz), lesson_id
        assert scenario.key_stage == content.lessons[lesson_id].key_stage, lesson_id


def test_guide_misconceptions_are_ones_the_quizzes_tag(content):
    """Every tagged misconception is named by a quiz answer, and each lesson with a quiz links one of its own."""
    tags = {t for quiz in content.quizzes.values() for t in quiz_misconceptions(quiz)}
    for lesson_id, guide in content.guides.items():
        linked = {m.tag for m in guide.misconceptions if m.tag}
        assert linked <= tags, lesson_id
        own = {t for q in content.quizzes.values() if q.lesson == lesson_id for t in quiz_misconceptions(q)}
        if own:
            assert linked & own, lesson_id


def test_a_lesson_without_a_guide_fails_the_check(tmp_path):
    """Deleting a guide makes the content check fail, naming the missing file."""
    root = _copy_content(tmp_path)
    (root / "lessons" / "guides" / "ks1-safe.yaml").unlink()
    assert "lessons/guides/ks1-safe.yaml: missing: every pupil lesson needs a complete teacher's guide" in _problems(root)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d["plan"][2].update(minutes=30), "the plan adds up to"),
        (lambda d: d["plan"].reverse(), "once each and in that order"),
        (lambda d: d.update(scenario="no-such-scenario"), "no scenario quiz called no-such-scenario"),
        (lambda d: d.update(scenario="ks2-scenario-rumour"), "is for the other key stage"),
        (lambda d: d["step_notes"].pop(), "one note per lesson step"),
        (lambda d: d["misconceptions"][0].update(tag="Thinks the moon is cheese."), "no quiz answer names"),
        (lambda d: [m.pop("tag", None) for m in d["misconceptions"]], "tag at least one misconception"),
        (lambda d: d.pop("safeguarding"), "safeguarding"),
        (lambda d: d.update(parent_page="parent-nothing"), "no parent guide page called parent-nothing"),
        (lambda d: d["adaptations"].update(eal=[]), "adaptations.eal"),
        (lambda d: d["sources"][0].update(url="http://example.org"), "sources.0.url"),
    ],
)
def test_an_incomplete_or_wrong_guide_is_refused(tmp_path, change, reason):
    """Each way a guide can be incomplete or point at the wrong thing is refused with the reason."""
    root = _copy_content(tmp_path)
    _edit_guide(root, "ks1-safe", change)
    problems = _problems(root)
    assert "lessons/guides/ks1-safe.yaml" in problems
    assert reason in problems
