"""The fairness check of `flask content check` and the age questions authors choose from the platform file."""

import json

import pytest

from esafety.content import catalogue
from esafety.content.loader import platform_age_question, platform_age_questions
from esafety.fairness import fairness, gives_away


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
    """The text and --json output give each key stage's two shares; without the strict flag it passes."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "check"], env={"ESAFETY_STRICT_FAIRNESS": ""})
    assert result.exit_code == 0
    assert "Fairness KS1: of" in result.output and "Fairness KS2: of" in result.output
    result = runner.invoke(args=["content", "check", "--json"], env={"ESAFETY_STRICT_FAIRNESS": ""})
    report = {row["key_stage"]: row for row in json.loads(result.stdout)["fairness"]}
    expected = {f.key_stage: f for f in fairness(catalogue())}
    for key_stage in ("KS1", "KS2"):
        assert report[key_stage]["decisions"] == expected[key_stage].decisions > 10
        assert report[key_stage]["only_adult_share"] == expected[key_stage].only_adult_share
        assert report[key_stage]["longest_share"] == expected[key_stage].longest_share


def test_strict_fairness_fails_only_when_a_share_is_above_the_limit(app):
    """With ESAFETY_STRICT_FAIRNESS=1 the check fails exactly when a key stage is above 20%."""
    result = app.test_cli_runner().invoke(args=["content", "check"], env={"ESAFETY_STRICT_FAIRNESS": "1"})
    unfair = [f for f in fairness(catalogue()) if not f.fair]
    assert (result.exit_code == 1) == bool(unfair)


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
