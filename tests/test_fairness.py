"""The fairness check of `flask content check` and the age questions authors choose from the platform file."""

import json
import shutil
from pathlib import Path

import yaml

import pytest

from esafety.content import catalogue
from esafety.content.loader import platform_age_question, platform_age_questions
from esafety.fairness import fairness, gives_away

pytestmark = pytest.mark.content_only  # content alone: the same on every database

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("options, expected", [
    ([("Tell a grown-up", True), ("Reply", False), ("Ignore it", False)], (True, True)),
    ([("Tell Mum", True), ("Ask your big sister to reply", False), ("Block them and tell nobody", False)],
     (False, False)),
    ([("Block it", True), ("Reply to them quickly now", False), ("Tell no one, keep it a secret", False)],
     (False, False)),
    ([("Check the game's own website", True), ("Share it", False), ("Ask Dad", False)], (False, True)),
    ([("Yes", True), ("No", True)], (False, False)),
])
def test_a_decision_gives_itself_away_by_keyword_or_length(options, expected):
    """Only the right option naming an adult or telling, or being the longest, is a give-away."""
    assert gives_away(options) == expected


def test_content_check_reports_both_shares_per_key_stage(app):
    """The text and --json output give each key stage's two shares; the content as written passes."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0
    assert "Fairness KS1: of" in result.output and "Fairness KS2: of" in result.output
    result = runner.invoke(args=["content", "check", "--json"])
    report = {row["key_stage"]: row for row in json.loads(result.stdout)["fairness"]}
    expected = {f.key_stage: f for f in fairness(catalogue())}
    for key_stage in ("KS1", "KS2"):
        assert report[key_stage]["decisions"] == expected[key_stage].decisions > 10
        assert report[key_stage]["only_adult_share"] == expected[key_stage].only_adult_share
        assert report[key_stage]["longest_share"] == expected[key_stage].longest_share


def test_content_whose_right_answers_give_themselves_away_fails_the_check(app, tmp_path):
    """When a key stage's wrong options are all short words, the right one is the longest nearly everywhere:
    the content check fails, naming the key stage, while the other key stage stays within the limit."""
    for folder in ("lessons", "quizzes", "curriculum", "static/img"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    for path in (tmp_path / "lessons" / "ks1").glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for step in data["steps"]:
            for choice in step.get("choices", []):
                if not choice.get("correct"):
                    choice["text"] = "Skip it"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["content", "check", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert "Fairness above 20% at KS1:" in result.output and "at KS1, KS2" not in result.output
    assert "Fairness KS2:" in result.output and "limit 20%." in result.output.split("Fairness KS2:")[1]


def test_age_questions_are_the_platforms_authors_chose_with_answers_other_than_13(app):
    """The KS2 age quiz asks about the confirmed platforms marked quiz: true, with answers other than 13: a PEGI 7
    game, a PEGI 12 game and a "no account under 13, but a supervised one" case. (A 16+ service joins once its
    own page confirms one a child might meet: children are taught only confirmed facts.)"""
    content = catalogue()
    generated = [q for q in content.quizzes["age-ks2"].questions if q.generated]
    flagged = [p for p in content.platforms if p.quiz and p.confirmed]
    assert [q.id.rsplit("-", 1)[-1] for q in generated] == [p.id.rsplit("-", 1)[-1] for p in flagged][:len(generated)]
    right = [next(c.text for c in q.choices if c.correct) for q in generated]
    assert {"7", "12"} <= set(right) and len(set(right) - {"13"}) >= 3
    assert any(q.id.startswith("platform-supervised-") for q in generated)
    assert any(not text.isdigit() for text in right)  # the supervised case is not an age at all


def test_unflagged_platforms_are_never_asked_about(app):
    """A confirmed platform without quiz: true makes no question, however it would sort."""
    content = catalogue()
    unflagged = [p for p in content.platforms if not p.quiz and p.confirmed and p.min_age]
    assert unflagged and platform_age_questions(tuple(unflagged), 4) == ()
    assert platform_age_question(unflagged[0].model_copy(update={"quiz": True})) is not None
