"""One home per activity type, registered in one table (as CTFd's CHALLENGE_CLASSES holds challenge types).

Each question type says how its content is shaped (its pydantic schema, one member of the discriminated
union in content/schema.py), how a pupil's answer is read from the form, stored and marked (pure functions),
how an answer is described to a teacher, and which template partial shows it. Each quiz kind says how an
attempt moves on, is marked, reviewed and described. Views and templates ask the type; nothing outside this
module branches on a type's name, so a new kind of activity is one new class here.
"""

import random
import re
from collections.abc import Mapping
from typing import ClassVar

from .content.schema import (
    BaselineQuestion, BaselineQuiz, MultipleQuestion, QuestionQuiz, ScenarioQuiz, SingleQuestion, SortQuestion,
    TrueFalseQuestion,
)
from .verdicts import RANK, AnswerError, Result, Verdict, percent

# Sort items' feedback is written to confirm a right placing ("Yes. Minecraft is PEGI 7."). Shown after a
# wrong placing, the "Yes." would tell a child the opposite of the truth, so it is dropped there.
_CONFIRMATION = re.compile(r"^(yes|that's right|right)\s*[.!,:]\s*", re.IGNORECASE)


# Question types -------------------------------------------------------------------------------------------


class QuestionType:
    """What every question type provides; the subclasses below fill it in."""

    name: ClassVar[str]
    schema: ClassVar[type]
    description: ClassVar[str]  # for teachers: what the pupil does
    partial: ClassVar[str]  # the template that shows the question's answers on the pupil's page
    feedback_partial: ClassVar[str] = "pupil/questions/_feedback.html"
    shows_chosen: ClassVar[bool] = True  # the review says "You chose: …" (not for ticks or sorting)

    @classmethod
    def read(cls, question, form: Mapping):
        """The pupil's answer from the submitted form, in the shape encode expects."""
        return form.get("choice", "")

    @classmethod
    def encode(cls, question, raw) -> str:
        """A stored, comparable form of an answer, by choice id; AnswerError if it does not fit."""
        if not isinstance(raw, str) or raw not in {c.id for c in question.choices}:
            raise AnswerError("Choose one of the answers.")
        return raw

    @classmethod
    def decode(cls, question, stored: str):
        """The inverse of encode."""
        return stored

    @classmethod
    def mark(cls, question, stored: str) -> Result:
        """Mark one encoded answer; AnswerError if it names a choice the question does not have."""
        chosen = [c for c in question.choices if c.id == stored]
        if len(chosen) != 1:
            raise AnswerError("That answer is not one of the choices.")
        choice = chosen[0]
        return Result(question.id, stored, choice.correct, choice.understanding, (choice.feedback,),
                      (choice.misconception,) if choice.misconception else ())

    @classmethod
    def chosen(cls, question, stored: str) -> list:
        """The choices an answer names, in the question's own order."""
        ids = cls.decode(question, stored)
        ids = set(ids) if isinstance(ids, list) else {ids}
        return [c for c in question.choices if c.id in ids]

    @classmethod
    def describe(cls, question, stored: str) -> tuple[str, str | None]:
        """The answer in words for a teacher, and the misconception it shows (if any)."""
        chosen = cls.chosen(question, stored)
        return (", ".join(c.text for c in chosen),
                "; ".join(c.misconception for c in chosen if c.misconception) or None)

    @classmethod
    def chosen_words(cls, question, stored: str) -> str:
        """What the pupil chose, in the words on the buttons."""
        return "; ".join(c.text for c in cls.chosen(question, stored))

    @classmethod
    def shuffle_ids(cls, question) -> list[str]:
        """The ids whose order is shuffled for each attempt (the choices)."""
        return [c.id for c in question.choices]

    @classmethod
    def in_order(cls, question, order: list[str] | None) -> list:
        """The choices in an attempt's order; any the order does not name (content changed) go last."""
        return _ordered(question.choices, order)

    @classmethod
    def simulate(cls, question, rng: random.Random, right: bool):
        """A demo pupil's raw answer: right, or a random choice."""
        return next(c.id for c in question.choices if c.correct) if right else rng.choice(question.choices).id

    @classmethod
    def decision(cls, question) -> list[tuple[str, bool]] | None:
        """A single-answer decision's options as (text, right), for the fairness check; None for other types."""
        return [(c.text, c.correct) for c in question.choices]

    @classmethod
    def right_answer(cls, question):
        """The raw answer that is fully right."""
        return cls.simulate(question, random.Random(0), True)


class SingleChoice(QuestionType):
    """Choose one answer."""

    name = "single"
    schema = SingleQuestion
    description = "Choose one answer"
    partial = "pupil/questions/_single.html"


class TrueOrFalse(SingleChoice):
    """True or false."""

    name = "truefalse"
    schema = TrueFalseQuestion
    description = "True or false"

    @classmethod
    def decision(cls, question) -> None:
        """"True" and "False" name no one: not counted by the fairness check."""
        return None


class MultipleChoice(QuestionType):
    """Tick every right answer."""

    name = "multiple"
    schema = MultipleQuestion
    description = "Tick every right answer"
    partial = "pupil/questions/_multiple.html"
    feedback_partial = "pupil/questions/_multiple_feedback.html"
    shows_chosen = False

    @classmethod
    def read(cls, question, form: Mapping):
        """Every ticked box."""
        return form.getlist("choice") if hasattr(form, "getlist") else list(form.get("choice", []))

    @classmethod
    def encode(cls, question, raw) -> str:
        """The ticked ids, sorted: "a,c"."""
        if isinstance(raw, str) or not all(isinstance(item, str) for item in (raw or ())):
            raise AnswerError("Choose at least one answer, then press Check my answer.")
        chosen = sorted(set(raw or ()))
        if not chosen or not set(chosen) <= {c.id for c in question.choices}:
            raise AnswerError("Choose at least one answer, then press Check my answer.")
        return ",".join(chosen)

    @classmethod
    def decode(cls, question, stored: str):
        """The list of ticked ids."""
        return stored.split(",") if stored else []

    @classmethod
    def mark(cls, question, stored: str) -> Result:
        """Right only when exactly the right boxes are ticked; the worst ticked answer sets the understanding."""
        ids = set(cls.decode(question, stored))
        chosen = [c for c in question.choices if c.id in ids]
        if not chosen or len(chosen) != len(ids):
            raise AnswerError("That answer is not one of the choices.")
        right = {c.id for c in question.choices if c.correct}
        correct = ids == right
        worst = max(RANK[c.understanding] for c in chosen)
        understanding = "secure" if correct else ("misconception" if worst == 2 else "developing")
        missed = tuple(c.text for c in question.choices if c.correct and c.id not in ids)
        return Result(question.id, stored, correct, understanding, tuple(c.feedback for c in chosen),
                      tuple(c.misconception for c in chosen if c.misconception), missed)

    @classmethod
    def decision(cls, question) -> None:
        """Several answers may be right: not a single-answer decision."""
        return None

    @classmethod
    def simulate(cls, question, rng: random.Random, right: bool):
        """All the right boxes, or one random box."""
        return [c.id for c in question.choices if c.correct] if right else [rng.choice(question.choices).id]


class Sort(QuestionType):
    """Put each item into its group."""

    name = "sort"
    schema = SortQuestion
    description = "Sort each item into a group"
    partial = "pupil/questions/_sort.html"
    shows_chosen = False

    @classmethod
    def read(cls, question, form: Mapping):
        """The group chosen for each item."""
        return {item.id: form.get(f"item-{item.id}", "") for item in question.items}

    @classmethod
    def encode(cls, question, raw) -> str:
        """"item=group;item=group", in the question's own item order."""
        groups = {g.id for g in question.groups}
        placed = raw if isinstance(raw, dict) else {}
        if set(placed) != {i.id for i in question.items} or not set(placed.values()) <= groups:
            raise AnswerError("Choose a group for every one, then press Check my answers.")
        return ";".join(f"{item.id}={placed[item.id]}" for item in question.items)

    @classmethod
    def decode(cls, question, stored: str):
        """Item id to group id."""
        return dict(pair.split("=", 1) for pair in stored.split(";") if "=" in pair)

    @classmethod
    def mark(cls, question, stored: str) -> Result:
        """Every item must be in its group; feedback explains each one that is not."""
        answer = cls.decode(question, stored)
        labels = {g.id: g.label for g in question.groups}
        wrong = [item for item in question.items if answer.get(item.id) != item.group]
        if wrong:
            right = len(question.items) - len(wrong)
            feedback = (f"{right} of {len(question.items)} {'is' if right == 1 else 'are'} in the right group.",) + \
                tuple(f"{item.text} goes in “{labels[item.group]}”. {_CONFIRMATION.sub('', item.feedback)}"
                      for item in wrong)
        else:
            feedback = tuple(item.feedback for item in question.items)
        misconceptions = tuple(item.misconception for item in wrong if item.misconception)
        understanding = "secure" if not wrong else ("misconception" if misconceptions else "developing")
        return Result(question.id, stored, not wrong, understanding, feedback, misconceptions)

    @classmethod
    def describe(cls, question, stored: str) -> tuple[str, str | None]:
        """Where each item was placed, and the misconceptions of the wrong placings."""
        answer = cls.decode(question, stored)
        groups = {g.id: g.label for g in question.groups}
        placed = [f"{item.text} → {groups.get(answer.get(item.id), '?')}" for item in question.items]
        wrong = [item.misconception for item in question.items
                 if answer.get(item.id) != item.group and item.misconception]
        return "; ".join(placed), "; ".join(wrong) or None

    @classmethod
    def chosen_words(cls, question, stored: str) -> str:
        """Sorting is explained item by item in the feedback instead."""
        return ""

    @classmethod
    def shuffle_ids(cls, question) -> list[str]:
        """The items are shuffled; the groups keep their authored order."""
        return [i.id for i in question.items]

    @classmethod
    def in_order(cls, question, order: list[str] | None) -> list:
        """The items in an attempt's order."""
        return _ordered(question.items, order)

    @classmethod
    def decision(cls, question) -> None:
        """Sorting is not a single-answer decision."""
        return None

    @classmethod
    def simulate(cls, question, rng: random.Random, right: bool):
        """Every item in its group, or each in a random group."""
        return {i.id: i.group if right else rng.choice(question.groups).id for i in question.items}


class BaselineCheck(SingleChoice):
    """A "What do I know?" question: one answer, graded secure, developing or misconception."""

    name = "baseline"
    schema = BaselineQuestion
    description = "What do I know? (one answer, graded secure, developing or misconception)"


QUESTION_TYPES: dict[str, type[QuestionType]] = {
    cls.name: cls for cls in (SingleChoice, TrueOrFalse, MultipleChoice, Sort, BaselineCheck)
}


def question_type(question) -> type[QuestionType]:
    """The registered class of a question's type."""
    return QUESTION_TYPES[question.type]


def _ordered(things, order: list[str] | None) -> list:
    """things (each with an id) in the given order of ids; ones the order does not name keep their place last."""
    if not order:
        return list(things)
    rank = {thing_id: i for i, thing_id in enumerate(order)}
    return sorted(things, key=lambda thing: rank.get(thing.id, len(rank)))


# Quiz kinds -----------------------------------------------------------------------------------------------


class QuizKind:
    """What every kind of quiz provides: how an attempt moves on, is marked, reviewed and described."""

    names: ClassVar[tuple[str, ...]]
    schema: ClassVar[type]
    card_label: ClassVar[str] = "Quiz"
    try_label: ClassVar[str] = "Try the quiz"
    noun: ClassVar[str] = "answers"  # "Your answers", "Look at your answers"
    player: ClassVar[str] = "pupil/quiz_question.html"
    sort_order: ClassVar[int] = 1  # where its quizzes come in a key stage's list
    shows_score: ClassVar[bool] = True  # a pupil sees a percentage (never for a baseline check)
    opens_to_class: ClassVar[bool] = False  # a teacher opens it to a class as a baseline and again later
    verdicts: ClassVar[dict[str, str]] = {"secure": "Right", "developing": "Not right this time",
                                          "misconception": "Not right this time"}

    # Question quizzes: the attempt's state is {"answers": {question id: encoded answer}}.

    @classmethod
    def intro(cls, quiz) -> str:
        """What the quiz's front page says about its shape."""
        return f"There are {len(quiz.questions)} questions."

    @classmethod
    def result_lead(cls, right: int, total: int, score: int) -> str:
        """The result's opening sentence."""
        return f"You got {right} out of {total} right. That is {score}%."

    @classmethod
    def answers(cls, state: dict) -> dict[str, str]:
        """The encoded answers given so far."""
        return dict((state or {}).get("answers", {}))

    @classmethod
    def answer(cls, state: dict, quiz, form: Mapping) -> dict | None:
        """The state after the answer on the form, or None when the question was answered already."""
        question = next((q for q in quiz.questions if q.id == form.get("question", "")), None)
        if question is None:
            raise AnswerError("That question is not in this quiz.")
        return cls.record_answer(state, quiz, question.id, question_type(question).read(question, form))

    @classmethod
    def record_answer(cls, state: dict, quiz, question_id: str, raw) -> dict | None:
        """The state with one more answer (an answer once given stays: a repeat gives None)."""
        question = next((q for q in quiz.questions if q.id == question_id), None)
        if question is None:
            raise AnswerError("That question is not in this quiz.")
        answers = cls.answers(state)
        if question_id in answers:
            return None
        answers[question_id] = question_type(question).encode(question, raw)
        return {**(state or {}), "answers": answers}

    @classmethod
    def mark(cls, quiz, state: dict) -> Verdict:
        """Mark every question; all must be answered."""
        answers = cls.answers(state)
        missing = [q.id for q in quiz.questions if q.id not in answers]
        if missing:
            left = len(missing)
            raise AnswerError(f"Answer every question first. There {'is' if left == 1 else 'are'} {left} left.")
        results = tuple(question_type(q).mark(q, answers[q.id]) for q in quiz.questions)
        score = percent(sum(r.correct for r in results), len(results))
        return Verdict(results, score, score >= quiz.pass_mark)

    @classmethod
    def page(cls, quiz, state: dict, order: dict) -> dict:
        """What the player shows next: the next question in the attempt's order, and feedback on the last."""
        answers = cls.answers(state)
        answered = [q for q in quiz.questions if q.id in answers]
        upcoming = [q for q in quiz.questions if q.id not in answers]
        previous = None
        if answered:
            last = answered[-1]
            previous = (last, question_type(last).mark(last, answers[last.id]))
        question = upcoming[0] if upcoming else None
        options = question_type(question).in_order(question, order.get(question.id)) if question else []
        return {"question": question, "options": options, "previous": previous, "number": len(answered) + 1,
                "total": len(quiz.questions)}

    @classmethod
    def review(cls, quiz, state: dict) -> list[tuple]:
        """Each answer of a finished attempt: the prompt, the words chosen, the verdict and the question."""
        answers = cls.answers(state)
        return [(q.prompt, question_type(q).chosen_words(q, answers[q.id]),
                 question_type(q).mark(q, answers[q.id]), q)
                for q in quiz.questions if q.id in answers]

    @classmethod
    def describe(cls, quiz, question_id: str, stored: str) -> tuple[str, str, str | None]:
        """The question's prompt, the answer in words, and the misconception it shows (for teachers)."""
        question = next((q for q in quiz.questions if q.id == question_id), None)
        if question is None:
            return question_id, stored, None
        words, misconception = question_type(question).describe(question, stored)
        return question.prompt, words, misconception

    @classmethod
    def orders(cls, quiz, rng: random.Random) -> dict[str, list[str]]:
        """A fresh order of the choices of every question, for one attempt."""
        orders = {}
        for question in quiz.questions:
            ids = question_type(question).shuffle_ids(question)
            rng.shuffle(ids)
            orders[question.id] = ids
        return orders

    @classmethod
    def decisions(cls, quiz) -> list[list[tuple[str, bool]]]:
        """The quiz's single-answer decisions, for the fairness check."""
        found = (question_type(q).decision(q) for q in quiz.questions)
        return [options for options in found if options]

    @classmethod
    def simulate(cls, quiz, rng: random.Random, skill: float) -> dict:
        """A demo pupil's finished state, right about as often as the pupil is skilled."""
        answers = {}
        for question in quiz.questions:
            kind = question_type(question)
            answers[question.id] = kind.encode(question, kind.simulate(question, rng, rng.random() < skill + 0.1))
        return {"answers": answers}

    @classmethod
    def right_state(cls, quiz) -> dict:
        """The finished state of a pupil who answers everything right."""
        return {"answers": {q.id: question_type(q).encode(q, question_type(q).right_answer(q))
                            for q in quiz.questions}}


class AgeQuiz(QuizKind):
    """An age-restriction quiz: questions, listed first in a key stage."""

    names = ("age",)
    schema = QuestionQuiz
    sort_order = 0


class QuestionsQuiz(QuizKind):
    """A quiz of questions."""

    names = ("questions",)
    schema = QuestionQuiz


class ScenarioStory(QuizKind):
    """A branching story, one decision at a time. The state is {"path": [choice, …]}, each choice its index in
    the node as authored (fixed by the content version): the id a decision is stored and reported by, never the
    place it was shown in, which is shuffled per attempt."""

    names = ("scenario",)
    schema = ScenarioQuiz
    card_label = "Story: you choose"
    try_label = "Try the story"
    noun = "choices"
    player = "pupil/quiz_scenario.html"
    verdicts = {"secure": "A safe choice", "developing": "There was a safer choice",
                "misconception": "Not a safe choice"}

    @classmethod
    def intro(cls, quiz) -> str:
        """A story, not a test."""
        return "This is a story. You choose what happens next."

    @classmethod
    def result_lead(cls, right: int, total: int, score: int) -> str:
        """How many choices were safe."""
        return f"{right} of your {total} choices {'was' if right == 1 else 'were'} safe. That is {score}%."

    @classmethod
    def path(cls, state: dict) -> list[int]:
        """The choices made so far."""
        return list((state or {}).get("path", []))

    @classmethod
    def walk(cls, quiz, path: list[int]) -> tuple[str, list[Result]]:
        """Follow the choices from the start; the node reached and a result per decision."""
        node_id, results = quiz.start, []
        for index in path:
            node = quiz.nodes[node_id]
            if node.end or not isinstance(index, int) or not 0 <= index < len(node.choices):
                raise AnswerError("That choice is not on this page. Choose one of the buttons.")
            choice = node.choices[index]
            results.append(Result(
                node_id, str(index), choice.understanding == "secure", choice.understanding, (choice.feedback,),
                (choice.misconception,) if choice.misconception else (),
            ))
            node_id = choice.next
        return node_id, results

    @classmethod
    def answer(cls, state: dict, quiz, form: Mapping) -> dict | None:
        """The state after the decision on the form (None for a second click on an old page).

        `position` is the number of decisions already made when the page was shown: a smaller one is a second
        click on an old page; a larger or negative one was never on any page.
        """
        return cls.record_choice(state, quiz, _int(form.get("position")), _int(form.get("choice")))

    @classmethod
    def record_choice(cls, state: dict, quiz, position: int, index: int) -> dict | None:
        """The state with one more decision, or None for a repeat of an earlier click."""
        path = cls.path(state)
        if 0 <= position < len(path):
            return None
        if position != len(path):
            raise AnswerError("That choice is not on this page. Choose one of the buttons.")
        cls.walk(quiz, path + [index])  # raises AnswerError if the choice is not on this page
        return {**(state or {}), "path": path + [index]}

    @classmethod
    def mark(cls, quiz, state: dict) -> Verdict:
        """The share of decisions on the pupil's path that were secure; the story must be finished."""
        node_id, results = cls.walk(quiz, cls.path(state))
        if not quiz.nodes[node_id].end:
            raise AnswerError("Finish the story first.")
        score = percent(sum(r.correct for r in results), len(results))
        return Verdict(tuple(results), score, score >= quiz.pass_mark)

    @classmethod
    def page(cls, quiz, state: dict, order: dict) -> dict:
        """The consequence of the last decision, then the next decision (choices in the attempt's order)."""
        path = cls.path(state)
        node_id, results = cls.walk(quiz, path)
        previous = None
        if path:
            before, _ = cls.walk(quiz, path[:-1])
            previous = (quiz.nodes[before].choices[path[-1]], results[-1])
        node = quiz.nodes[node_id]
        indexes = list(range(len(node.choices)))
        ranked = {value: i for i, value in enumerate(order.get(node_id) or [])}
        indexes.sort(key=lambda i: ranked.get(str(i), len(ranked)))
        return {"node": node, "options": [(i, node.choices[i]) for i in indexes], "position": len(path),
                "previous": previous}

    @classmethod
    def review(cls, quiz, state: dict) -> list[tuple]:
        """Each decision: the story at that point, the choice made and its verdict."""
        _, results = cls.walk(quiz, cls.path(state))
        return [(quiz.nodes[r.question_id].text, quiz.nodes[r.question_id].choices[int(r.answer)].text, r, None)
                for r in results]

    @classmethod
    def describe(cls, quiz, question_id: str, stored: str) -> tuple[str, str, str | None]:
        """The story at the decision, the choice in words, and its misconception."""
        node = quiz.nodes.get(question_id)
        if node is None or not stored.isdigit() or int(stored) >= len(node.choices):
            return question_id, stored, None
        choice = node.choices[int(stored)]
        return node.text, choice.text, choice.misconception

    @classmethod
    def orders(cls, quiz, rng: random.Random) -> dict[str, list[str]]:
        """A fresh order of the choices at every decision, for one attempt."""
        orders = {}
        for node_id, node in quiz.nodes.items():
            if node.choices:
                ids = [str(i) for i in range(len(node.choices))]
                rng.shuffle(ids)
                orders[node_id] = ids
        return orders

    @classmethod
    def decisions(cls, quiz) -> list[list[tuple[str, bool]]]:
        """Every point in the story, the secure choices counting as right."""
        return [[(c.text, c.understanding == "secure") for c in node.choices]
                for node in quiz.nodes.values() if node.choices]

    @classmethod
    def simulate(cls, quiz, rng: random.Random, skill: float) -> dict:
        """Choices through the story, safe about as often as the pupil is skilled."""
        path, node = [], quiz.nodes[quiz.start]
        while not node.end:
            secure = [i for i, c in enumerate(node.choices) if c.understanding == "secure"]
            index = rng.choice(secure) if secure and rng.random() < skill + 0.1 else rng.randrange(len(node.choices))
            path.append(index)
            node = quiz.nodes[node.choices[index].next]
        return {"path": path}

    @classmethod
    def right_state(cls, quiz) -> dict:
        """The secure choice at every decision."""
        return cls.simulate(quiz, random.Random(0), 1.0)


class BaselineKind(QuizKind):
    """A "What do I know?" check: no pass or fail for the pupil, just what they know now, in words."""

    names = ("baseline",)
    schema = BaselineQuiz
    card_label = "What do I know?"
    try_label = "Try the check"
    sort_order = 2
    shows_score = False
    opens_to_class = True
    verdicts = {"secure": "You know this", "developing": "You are getting there",
                "misconception": "Something to learn about"}

    @classmethod
    def intro(cls, quiz) -> str:
        """Not a test: it shows what to learn next."""
        return (f"There are {len(quiz.questions)} questions. This is not a test. "
                "It helps your teacher see what to teach next.")

    @classmethod
    def result_lead(cls, right: int, total: int, score: int) -> str:
        """Encouraging words, never a number."""
        if right == total:
            return "You know a lot about staying safe online already."
        if right * 2 >= total:
            return "You know lots already, and there are a few things to learn next."
        return "There are some good things to learn next. Your lessons will help."


QUIZ_KINDS: dict[str, type[QuizKind]] = {
    name: cls for cls in (AgeQuiz, QuestionsQuiz, ScenarioStory, BaselineKind) for name in cls.names
}


def quiz_kind(quiz) -> type[QuizKind]:
    """The registered class of a quiz's kind."""
    return QUIZ_KINDS[quiz.kind]


def _int(value) -> int:
    """A form field as a whole number, or -1 (never on any page) when it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


# Activity kinds: what a teacher sets ----------------------------------------------------------------------


class ActivityKind:
    """A kind of work a teacher can set: how it is named and where a pupil opens it."""

    name: ClassVar[str]
    label: ClassVar[str]
    endpoint: ClassVar[str]
    argument: ClassVar[str]

    @classmethod
    def link(cls, activity) -> tuple[str, dict]:
        """The endpoint and arguments of the pupil's page for the activity."""
        return cls.endpoint, {cls.argument: activity.id}

    @classmethod
    def card_label(cls, activity) -> str:
        """How a pupil's card names the activity's kind."""
        return cls.label


class LessonActivity(ActivityKind):
    """A lesson."""

    name = "lesson"
    label = "Lesson"
    endpoint = "pupil.lesson"
    argument = "lesson_id"


class QuizActivity(ActivityKind):
    """A quiz, story or check."""

    name = "quiz"
    label = "Quiz"
    endpoint = "pupil.quiz"
    argument = "quiz_id"

    @classmethod
    def card_label(cls, activity) -> str:
        """The quiz's own kind: Quiz, Story or What do I know?"""
        return quiz_kind(activity).card_label


ACTIVITY_KINDS: dict[str, type[ActivityKind]] = {cls.name: cls for cls in (LessonActivity, QuizActivity)}


def init_app(app) -> None:
    """Let templates ask an activity for its type."""
    app.jinja_env.globals.update(question_type=question_type, quiz_kind=quiz_kind, activity_kinds=ACTIVITY_KINDS)
