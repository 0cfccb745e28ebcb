"""The content pipeline: real content loads and is complete; broken files are refused with path and field."""

import json
from pathlib import Path

import pytest

from pydantic import ValidationError

from esafety.content.loader import ContentError, load, render_markdown
from esafety.content.readability import CEILINGS
from esafety.content.schema import Lesson

pytestmark = pytest.mark.content_only  # content alone: the same on every database

ROOT = Path(__file__).resolve().parent.parent
BAD = Path(__file__).resolve().parent / "fixtures" / "bad_content"


@pytest.fixture(scope="module")
def content():
    """The project's real content."""
    return load(ROOT)


def test_every_smart_letter_has_a_lesson_in_each_key_stage(content):
    """At least one lesson per SMART letter per key stage, and at least 20 pupil lessons."""
    assert len(content.lessons) >= 20
    for stage in ("KS1", "KS2"):
        letters = {lesson.smart for lesson in content.lessons.values() if lesson.key_stage == stage and lesson.kind == "smart"}
        assert letters == set("SMART"), stage


def test_lessons_have_the_parts_a_lesson_needs(content):
    """4-8 steps, a worked example, a check with feedback on every choice, a home prompt, curriculum links."""
    for lesson in content.lessons.values():
        assert 4 <= len(lesson.steps) <= 8, lesson.id
        assert lesson.check_steps and any(s.type == "example" for s in lesson.steps), lesson.id
        assert lesson.home_prompt and lesson.curriculum, lesson.id
        for index in lesson.check_steps:
            assert all(choice.feedback for choice in lesson.steps[index].choices), lesson.id


def test_reading_level_is_within_each_key_stage_ceiling(content):
    """Every pupil lesson reads at or below its key stage's ceiling."""
    for lesson in content.lessons.values():
        assert content.readability[lesson.id] <= CEILINGS[lesson.key_stage], lesson.id


def test_required_statements_are_all_covered(content):
    """Every required statement of every framework is taught by at least one lesson or quiz."""
    covered = {s for activity in (*content.lessons.values(), *content.quizzes.values()) for s in activity.curriculum}
    required = {s.id for s in content.statements.values() if s.required}
    assert required and required <= covered


def test_quizzes_and_platforms_meet_the_brief(content):
    """An age quiz per key stage, at least 12 scenarios, at least 25 platforms with a source and date."""
    kinds = [(q.kind, q.key_stage) for q in content.quizzes.values()]
    assert ("age", "KS1") in kinds and ("age", "KS2") in kinds
    assert sum(kind == "scenario" for kind, _ in kinds) >= 12
    assert len(content.platforms) >= 25
    assert all(p.source.startswith("http") and p.checked for p in content.platforms)


def test_ks2_scenarios_branch_two_decisions_deep(content):
    """Every path through a KS2 scenario asks for at least two decisions, each with three or more choices."""
    for quiz in content.quizzes.values():
        if quiz.kind == "scenario" and quiz.key_stage == "KS2":
            assert min(quiz.decision_depths()) >= 2, quiz.id
        if quiz.kind == "scenario":
            assert all(len(n.choices) >= 3 for n in quiz.nodes.values() if not n.end), quiz.id


def test_generated_age_questions_match_the_platform_data(content):
    """Questions generated from platforms.yaml mark the platform's own minimum age, or its game's PEGI label,
    as the right answer (a supervised-account question is checked in test_fairness)."""
    platforms = {p.id: p for p in content.platforms}
    generated = [q for q in content.quizzes["age-ks2"].questions if q.generated]
    assert len(generated) == content.quizzes["age-ks2"].generate.platform_ages == 5  # as many as the quiz asks for
    for question in generated:
        right = [c.text for c in question.choices if c.correct]
        if question.id.startswith("platform-age-"):
            assert right == [str(platforms[question.id.removeprefix("platform-age-")].min_age)]
        elif question.id.startswith("platform-pegi-"):
            assert right == [str(platforms[question.id.removeprefix("platform-pegi-")].pegi)]
        else:
            assert question.id.startswith("platform-supervised-") and len(right) == 1


def test_broken_content_reports_every_problem_with_path_and_field():
    """A folder of broken files is refused, naming each file, field and reason, not just the first."""
    with pytest.raises(ContentError) as caught:
        load(BAD)
    problems = {(p.path, p.field.split(".")[0]) for p in caught.value.problems}
    text = "\n".join(str(p) for p in caught.value.problems)
    assert ("lessons/ks1/ks1-broken.yaml", "curriculum") in problems       # unknown statement
    assert ("lessons/ks1/ks1-broken.yaml", "illustration") in problems     # missing picture
    assert ("lessons/ks1/ks1-broken.yaml", "steps") in problems            # too few steps, two correct
    assert ("lessons/ks1/misnamed.yaml", "version") in problems
    assert ("lessons/ks1/misnamed.yaml", "smart") in problems
    assert any(p[0] == "lessons/ks1/not-yaml.yaml" for p in problems)
    assert any(p[0] == "lessons/parents/parent-no-front-matter.md" for p in problems)
    assert ("quizzes/platforms.yaml", "platforms") in problems             # ftp:// source
    assert any(p[0] == "quizzes/scenarios/loop.yaml" for p in problems)    # unknown node
    assert "no-such-statement" in text


def test_cli_check_fails_on_broken_content(app):
    """`flask content check` exits non-zero and lists the problems."""
    result = app.test_cli_runner().invoke(args=["content", "check", "--root", str(BAD)])
    assert result.exit_code == 1
    assert "lessons/ks1/ks1-broken.yaml" in result.output


def test_cli_check_json_has_the_catalogue_shape(app):
    """`flask content check --json` prints lessons, quizzes, platforms and curriculum in the agreed shape."""
    result = app.test_cli_runner().invoke(args=["content", "check", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    lesson = data["lessons"][0]
    assert {"id", "title", "audience", "smart", "key_stage", "steps", "curriculum"} <= set(lesson)
    assert {"id", "title", "kind", "key_stage", "questions", "curriculum"} <= set(data["quizzes"][0])
    assert {"name", "min_age", "pegi", "source", "checked"} <= set(data["platforms"][0])
    assert {"id", "framework", "text"} <= set(data["curriculum"][0])


def test_markdown_is_sanitised():
    """Pupil text cannot carry links or script; parent pages keep only https links."""
    assert "<script" not in render_markdown("<script>alert(1)</script> hi", "pupil")
    assert "<a" not in render_markdown("[x](https://example.org)", "pupil")
    html = render_markdown("[ok](https://nspcc.org.uk) [bad](javascript:alert(1))", "parent")
    assert 'href="https://nspcc.org.uk"' in html and "javascript:" not in html


def test_image_requests_lesson_is_limited_to_years_5_and_6(content):
    """The lesson on requests for pictures of your body is for Years 5-6 only, and the catalogue filters by year."""
    lesson = content.lessons["ks2-topic-body-pictures"]
    assert lesson.years == (5, 6)
    assert lesson in content.lessons_for("KS2", 5) and lesson in content.lessons_for("KS2", 6)
    assert lesson not in content.lessons_for("KS2", 3) and lesson not in content.lessons_for("KS2", 4)
    assert lesson in content.lessons_for("KS2")  # no year given: the whole key stage, as teachers' reports use
    assert content.lessons["ks2-topic-ready-for-phone"] not in content.lessons_for("KS2", 5)


@pytest.mark.parametrize("years, reason", [
    ([2, 3], "KS2 is Years 3 to 6"),
    ([6, 5], "in order with no gaps"),
    ([3, 5], "in order with no gaps"),
])
def test_a_year_range_outside_the_key_stage_or_with_gaps_is_refused(years, reason):
    """Years must be years of the lesson's own key stage, in order, with no gaps."""
    data = load(ROOT).lessons["ks2-topic-body-pictures"].model_dump(exclude={"steps"})
    data["steps"] = [step.model_dump(exclude={"html"}) for step in load(ROOT).lessons["ks2-topic-body-pictures"].steps]
    data["years"] = years
    with pytest.raises(ValidationError) as caught:
        Lesson.model_validate(data)
    assert reason in str(caught.value)


def test_the_catalogue_teaches_ai_at_both_key_stages_and_meets_the_lesson_target(content):
    """At least 34 pupil lessons, 19 scenarios, and AI taught in KS1 and in KS2."""
    assert len(content.lessons) >= 34
    assert sum(q.kind == "scenario" for q in content.quizzes.values()) >= 19
    ai = {lesson.key_stage for lesson in content.lessons.values() if lesson.topic == "artificial-intelligence"}
    assert ai == {"KS1", "KS2"}


def test_only_primary_sources_are_marked_confirmed(content):
    """A platform row is confirmed only when its source is the platform's own site or pegi.info."""
    own = {"instagram": "help.instagram.com", "twitch": "safety.twitch.tv", "spotify": "support.spotify.com",
           "fortnite": "www.epicgames.com", "gemini": "support.google.com", "minecraft-dungeons": "pegi.info"}
    confirmed = {p.id: p.source for p in content.platforms if p.confirmed}
    assert set(confirmed) == set(own)
    for platform_id, source in confirmed.items():
        assert source.split("/")[2] == own[platform_id] or "pegi.info" in source, platform_id


def test_age_guide_facts_from_the_review_are_right(content):
    """TikTok LIVE is 18, Fortnite has no minimum age (cabined accounts), and the AI services are listed."""
    platforms = {p.id: p for p in content.platforms}
    assert "18" in platforms["tiktok"].min_age_note and "16" not in platforms["tiktok"].min_age_note
    assert platforms["fortnite"].min_age is None and "cabined" in platforms["fortnite"].min_age_note
    assert {"chatgpt", "gemini", "character-ai", "snapchat-my-ai"} <= set(platforms)


def test_quizzes_and_scenarios_read_within_their_key_stage_ceiling(content):
    """The reading level of every quiz and scenario is measured, and each is at or below its ceiling."""
    for quiz in content.quizzes.values():
        assert quiz.id in content.readability, quiz.id
        assert content.readability[quiz.id] <= CEILINGS[quiz.key_stage], quiz.id


def test_a_scenario_written_above_its_reading_level_is_refused(tmp_path):
    """A KS1 scenario full of long sentences and long words fails the check, naming the file and its nodes."""
    import shutil

    for folder in ("lessons", "quizzes", "curriculum", "static/img"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    path = tmp_path / "quizzes" / "scenarios" / "ks1-scenario-prize-popup.yaml"
    hard = ("Unexpectedly, an extraordinarily complicated notification materialises, announcing that "
            "Alexander's application has accumulated considerable promotional entitlements requiring "
            "immediate authentication through an unfamiliar international verification organisation.")
    text = path.read_text(encoding="utf-8")
    start = text.index("    text:", text.index("  start:"))
    end = text.index("\n", start)
    path.write_text(text[:start] + f"    text: {hard} {hard}" + text[end:], encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load(tmp_path)
    problems = [p for p in caught.value.problems if p.path == "quizzes/scenarios/ks1-scenario-prize-popup.yaml"]
    assert problems and problems[0].field == "nodes" and "reading level" in problems[0].reason
