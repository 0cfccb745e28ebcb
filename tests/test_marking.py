"""Marking as pure functions: every question type, scenarios, tampered answers, scores and pass marks."""

import pytest

from esafety import ROOT
from esafety.content import load_cached
from esafety.content.schema import (
    Node, Question, QuestionQuiz, QuizChoice, ScenarioChoice, ScenarioQuiz, SortGroup, SortItem,
)
from esafety.marking import (
    AnswerError, decode_answer, encode_answer, mark_question, mark_quiz, mark_scenario, percent, walk_scenario,
)

pytestmark = pytest.mark.content_only  # content alone: the same on every database


def choice(id_, correct=False, understanding=None, misconception=None):
    """A quiz choice whose feedback names it, so tests can see which feedback was given."""
    understanding = understanding or ("secure" if correct else "developing")
    return QuizChoice(id=id_, text=f"Answer {id_}", correct=correct, understanding=understanding,
                      misconception=misconception, feedback=f"Feedback {id_}")


SINGLE = Question(id="single", type="single", prompt="Pick one", choices=(
    choice("a", correct=True),
    choice("b", understanding="misconception", misconception="Believes b."),
    choice("c"),
))
TRUEFALSE = Question(id="tf", type="truefalse", prompt="True or false?", choices=(
    choice("true", understanding="misconception", misconception="Believes it is true."),
    choice("false", correct=True),
))
MULTIPLE = Question(id="multi", type="multiple", prompt="Pick all", choices=(
    choice("a", correct=True), choice("b", correct=True), choice("c"),
    choice("d", understanding="misconception", misconception="Believes d."),
))
SORT = Question(id="sort", type="sort", prompt="Sort them",
                groups=(SortGroup(id="big", label="Grown-ups"), SortGroup(id="me", label="Children my age")),
                items=(SortItem(id="chat", text="A chat app", group="big", feedback="Yes. It is for grown-ups.",
                                misconception="Thinks a grown-up chat app is for children."),
                       SortItem(id="book", text="A picture book", group="me", feedback="Yes! It is for you.")))


def quiz(*questions, pass_mark=70):
    """A question quiz made of the given questions."""
    return QuestionQuiz(id="q", version=1, kind="questions", key_stage="KS2", title="Q", summary="S", smart="S",
                        pass_mark=pass_mark, lesson="ks2-safe", curriculum=("comp-ks2-7",), questions=questions)


def step(text, next_, understanding, misconception=None):
    """A scenario choice."""
    return ScenarioChoice(text=text, next=next_, smart="T", understanding=understanding, misconception=misconception,
                          feedback=f"Because {text}")


STORY = ScenarioQuiz(
    id="story", version=1, kind="scenario", key_stage="KS2", title="T", summary="S", smart="T", pass_mark=50,
    lesson="ks2-tell", curriculum=("comp-ks2-7",), start="start",
    nodes={
        "start": Node(text="A message arrives.", choices=(
            step("tell", "told", "secure"), step("ignore", "ignored", "developing"),
            step("reply", "replied", "misconception", "Thinks replying to strangers is fine."))),
        "told": Node(text="Mum helps.", choices=(
            step("block", "end-good", "secure"), step("wait", "end-ok", "developing"),
            step("argue", "end-bad", "misconception", "Thinks arguing back helps."))),
        "ignored": Node(text="It comes again.", choices=(
            step("tell now", "end-good", "secure"), step("wait more", "end-ok", "developing"),
            step("reply now", "end-bad", "misconception", "Thinks replying helps."))),
        "replied": Node(text="They ask more.", choices=(
            step("tell late", "end-good", "secure"), step("say nothing", "end-ok", "developing"),
            step("answer", "end-bad", "misconception", "Thinks answering is fine."))),
        "end-good": Node(text="All is well.", end=True),
        "end-ok": Node(text="It goes on.", end=True),
        "end-bad": Node(text="It gets worse.", end=True),
    },
)


def test_single_choice_right_answer_is_secure_with_its_own_feedback():
    """The one correct choice is marked right and secure, with that choice's feedback only."""
    result = mark_question(SINGLE, encode_answer(SINGLE, "a"))
    assert (result.correct, result.understanding, result.feedback) == (True, "secure", ("Feedback a",))
    assert result.misconceptions == ()


def test_single_choice_wrong_answer_names_the_misconception():
    """A wrong choice tagged as a misconception is wrong and says what the pupil believes."""
    result = mark_question(SINGLE, encode_answer(SINGLE, "b"))
    assert (result.correct, result.understanding) == (False, "misconception")
    assert result.misconceptions == ("Believes b.",) and result.feedback == ("Feedback b",)


def test_single_choice_developing_answer_is_wrong_but_not_a_misconception():
    """A developing choice is not right, and carries no misconception."""
    result = mark_question(SINGLE, "c")
    assert (result.correct, result.understanding, result.misconceptions) == (False, "developing", ())


@pytest.mark.parametrize("answer, correct, understanding", [("false", True, "secure"),
                                                           ("true", False, "misconception")])
def test_true_false(answer, correct, understanding):
    """True/false questions mark the chosen side."""
    result = mark_question(TRUEFALSE, encode_answer(TRUEFALSE, answer))
    assert (result.correct, result.understanding) == (correct, understanding)


def test_multiple_choice_needs_exactly_the_right_set_in_any_order():
    """All the right answers and no others is right, whatever order they were ticked in."""
    stored = encode_answer(MULTIPLE, ["b", "a", "b"])
    assert stored == "a,b" and decode_answer(MULTIPLE, stored) == ["a", "b"]
    result = mark_question(MULTIPLE, stored)
    assert (result.correct, result.understanding, result.missed) == (True, "secure", ())


def test_multiple_choice_missing_a_right_answer_is_developing_and_says_what_was_missed():
    """Ticking only some right answers is developing, and the missed right answer is named."""
    result = mark_question(MULTIPLE, encode_answer(MULTIPLE, ["a"]))
    assert (result.correct, result.understanding) == (False, "developing")
    assert result.missed == ("Answer b",) and result.feedback == ("Feedback a",)


def test_multiple_choice_with_a_misconception_is_a_misconception():
    """Ticking a misconception answer, even alongside right ones, shows that misconception."""
    result = mark_question(MULTIPLE, encode_answer(MULTIPLE, ["a", "b", "d"]))
    assert (result.correct, result.understanding, result.misconceptions) == (False, "misconception", ("Believes d.",))


def test_sort_all_in_the_right_groups_is_secure():
    """Every item in its group is right, with each item's feedback."""
    stored = encode_answer(SORT, {"book": "me", "chat": "big"})
    assert stored == "chat=big;book=me" and decode_answer(SORT, stored) == {"chat": "big", "book": "me"}
    result = mark_question(SORT, stored)
    assert (result.correct, result.understanding) == (True, "secure")
    assert result.feedback == ("Yes. It is for grown-ups.", "Yes! It is for you.")


def test_sort_wrong_item_explains_where_it_goes_without_saying_yes():
    """A wrongly sorted item is explained ("goes in ...") and its "Yes." is dropped, so a child is not misled."""
    result = mark_question(SORT, encode_answer(SORT, {"chat": "me", "book": "me"}))
    assert (result.correct, result.understanding) == (False, "misconception")
    assert result.feedback == ("1 of 2 is in the right group.",
                               "A chat app goes in “Grown-ups”. It is for grown-ups.")
    assert result.misconceptions == ("Thinks a grown-up chat app is for children.",)


def test_sort_wrong_item_without_a_misconception_is_developing():
    """A wrong placing whose item names no misconception is developing."""
    result = mark_question(SORT, encode_answer(SORT, {"chat": "big", "book": "big"}))
    assert (result.correct, result.understanding, result.misconceptions) == (False, "developing", ())


@pytest.mark.parametrize("question, raw", [
    (SINGLE, "z"), (SINGLE, ""), (SINGLE, ["a"]), (SINGLE, None),
    (TRUEFALSE, "maybe"),
    (MULTIPLE, []), (MULTIPLE, ["a", "zzz"]), (MULTIPLE, "ab"), (MULTIPLE, [1]),
    (SORT, {"chat": "big"}), (SORT, {"chat": "big", "book": "nowhere"}),
    (SORT, {"chat": "big", "book": "me", "extra": "me"}), (SORT, "chat=big;book=me"),
    (SORT, {"chat": "", "book": "me"}),
])
def test_tampered_or_missing_answers_are_refused(question, raw):
    """An answer that is not one the page offered raises AnswerError with a message for the pupil, never a crash."""
    with pytest.raises(AnswerError) as refused:
        encode_answer(question, raw)
    assert str(refused.value)[0].isupper() and str(refused.value).endswith(".")


@pytest.mark.parametrize("question, stored", [(SINGLE, "gone"), (MULTIPLE, "a,gone"), (MULTIPLE, "")])
def test_stored_answer_that_no_longer_fits_is_refused(question, stored):
    """Marking a stored answer whose choice has gone from the content raises AnswerError, not IndexError."""
    with pytest.raises(AnswerError):
        mark_question(question, stored)


@pytest.mark.parametrize("right, total, expected", [(0, 3, 0), (1, 3, 33), (2, 3, 67), (5, 8, 63), (7, 8, 88),
                                                    (1, 2, 50), (3, 3, 100)])
def test_percent_rounds_halves_up(right, total, expected):
    """Scores are whole percentages, rounding halves up the same way every time."""
    assert percent(right, total) == expected


def test_quiz_score_and_pass_mark():
    """The score is the share of right answers; reaching the pass mark passes, one below does not."""
    two = quiz(SINGLE, TRUEFALSE, pass_mark=50)
    verdict = mark_quiz(two, {"single": "a", "tf": "true"})
    assert (verdict.score, verdict.passed) == (50, True)
    assert [r.question_id for r in verdict.results] == ["single", "tf"]
    assert mark_quiz(quiz(SINGLE, TRUEFALSE, pass_mark=51), {"single": "a", "tf": "true"}).passed is False
    assert mark_quiz(two, {"single": "a", "tf": "false"}).score == 100


def test_quiz_with_unanswered_questions_cannot_be_marked():
    """Finishing with a question left unanswered is refused, saying how many are left."""
    with pytest.raises(AnswerError, match="There is 1 left"):
        mark_quiz(quiz(SINGLE, TRUEFALSE), {"single": "a"})


def test_scenario_choices_follow_the_branches():
    """Each choice leads to the node it names; each decision gets its own verdict and feedback."""
    node, results = walk_scenario(STORY, [2, 0])
    assert node == "end-good"
    assert [(r.question_id, r.answer, r.understanding) for r in results] == [
        ("start", "2", "misconception"), ("replied", "0", "secure")]
    assert results[0].misconceptions == ("Thinks replying to strangers is fine.",)
    assert results[1].feedback == ("Because tell late",)
    assert walk_scenario(STORY, [1])[0] == "ignored"


@pytest.mark.parametrize("path", [[3], [-1], [0, 5], [0, 0, 0], ["0"]])
def test_scenario_choice_not_on_the_page_is_refused(path):
    """A choice number the node does not have, or a choice after the end, raises AnswerError."""
    with pytest.raises(AnswerError):
        walk_scenario(STORY, path)


def test_scenario_score_is_share_of_secure_decisions():
    """A scenario scores the secure share of the decisions on the pupil's own path, against its pass mark."""
    assert (mark_scenario(STORY, [0, 0]).score, mark_scenario(STORY, [0, 0]).passed) == (100, True)
    assert (mark_scenario(STORY, [2, 0]).score, mark_scenario(STORY, [2, 0]).passed) == (50, True)
    assert (mark_scenario(STORY, [1, 1]).score, mark_scenario(STORY, [1, 1]).passed) == (0, False)


def test_unfinished_scenario_cannot_be_marked():
    """A story that has not reached an ending is refused."""
    with pytest.raises(AnswerError, match="Finish the story"):
        mark_scenario(STORY, [0])


def test_every_real_quiz_marks_its_right_answers_as_full_marks():
    """In the real catalogue, answering every question or decision securely scores 100 and passes."""
    catalogue = load_cached(str(ROOT), check_reading_level=False)
    for item in catalogue.quizzes.values():
        if item.kind == "scenario":
            path, node = [], item.nodes[item.start]
            while not node.end:
                index = next(i for i, c in enumerate(node.choices) if c.understanding == "secure")
                path.append(index)
                node = item.nodes[node.choices[index].next]
            verdict = mark_scenario(item, path)
        else:
            answers = {}
            for question in item.questions:
                if question.type == "sort":
                    raw = {i.id: i.group for i in question.items}
                elif question.type == "multiple":
                    raw = [c.id for c in question.choices if c.correct]
                else:
                    raw = next(c.id for c in question.choices if c.correct)
                answers[question.id] = encode_answer(question, raw)
            verdict = mark_quiz(item, answers)
        assert (verdict.score, verdict.passed) == (100, True), item.id
        assert all(r.understanding == "secure" for r in verdict.results), item.id


def test_real_generated_age_question_marks_younger_ages_as_misconceptions():
    """A generated "how old" question in the KS2 age quiz: the true age is secure, a younger one a misconception."""
    catalogue = load_cached(str(ROOT), check_reading_level=False)
    question = next(q for q in catalogue.quizzes["age-ks2"].questions if q.generated)
    right = next(c for c in question.choices if c.correct)
    younger = next(c for c in question.choices if int(c.id.removeprefix("age-")) < int(right.id.removeprefix("age-")))
    assert mark_question(question, right.id).understanding == "secure"
    wrong = mark_question(question, younger.id)
    assert wrong.understanding == "misconception" and wrong.misconceptions
