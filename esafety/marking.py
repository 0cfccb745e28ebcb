"""Marking, as pure functions: content and answers in, a verdict out. Nothing here touches the database."""

import re
from dataclasses import dataclass

from .content.schema import Question, QuestionQuiz, ScenarioQuiz

RANK = {"secure": 0, "developing": 1, "misconception": 2}

# Sort items' feedback is written to confirm a right placing ("Yes. Minecraft is PEGI 7."). Shown after a
# wrong placing, the "Yes." would tell a child the opposite of the truth, so it is dropped there.
_CONFIRMATION = re.compile(r"^(yes|that's right|right)\s*[.!,:]\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Result:
    """The verdict on one answer."""

    question_id: str
    answer: str
    correct: bool
    understanding: str
    feedback: tuple[str, ...]
    misconceptions: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()  # right answers the pupil did not choose (multiple-choice questions)


@dataclass(frozen=True)
class Verdict:
    """The verdict on a whole attempt."""

    results: tuple[Result, ...]
    score: int
    passed: bool


class AnswerError(ValueError):
    """An answer that does not fit the question (a tampered or stale form); the message is shown to the pupil."""


def percent(right: int, total: int) -> int:
    """A whole-number percentage, rounding halves up as people expect (5 of 8 is 63%, not Python's 62%)."""
    return (200 * right + total) // (2 * total) if total else 0


def encode_answer(question: Question, raw) -> str:
    """A stored, comparable form of an answer: "a", "a,c", or "item=group;item=group"."""
    if question.type in ("single", "truefalse"):
        if not isinstance(raw, str) or raw not in {c.id for c in question.choices}:
            raise AnswerError("Choose one of the answers.")
        return raw
    if question.type == "multiple":
        if isinstance(raw, str) or not all(isinstance(item, str) for item in (raw or ())):
            raise AnswerError("Choose at least one answer, then press Check my answer.")
        chosen = sorted(set(raw or ()))
        if not chosen or not set(chosen) <= {c.id for c in question.choices}:
            raise AnswerError("Choose at least one answer, then press Check my answer.")
        return ",".join(chosen)
    groups = {g.id for g in question.groups}
    placed = raw if isinstance(raw, dict) else {}
    if set(placed) != {i.id for i in question.items} or not set(placed.values()) <= groups:
        raise AnswerError("Choose a group for every one, then press Check my answers.")
    return ";".join(f"{item.id}={placed[item.id]}" for item in question.items)


def decode_answer(question: Question, stored: str):
    """The inverse of encode_answer, for showing a pupil what they chose."""
    if question.type in ("single", "truefalse"):
        return stored
    if question.type == "multiple":
        return stored.split(",") if stored else []
    return dict(pair.split("=", 1) for pair in stored.split(";") if "=" in pair)


def _mark_sort(question: Question, stored: str) -> Result:
    """Every item must be in its group; feedback explains each one that is not."""
    answer = decode_answer(question, stored)
    labels = {g.id: g.label for g in question.groups}
    wrong = [item for item in question.items if answer.get(item.id) != item.group]
    if wrong:
        right = len(question.items) - len(wrong)
        feedback = (f"{right} of {len(question.items)} {'is' if right == 1 else 'are'} in the right group.",) + tuple(
            f"{item.text} goes in “{labels[item.group]}”. {_CONFIRMATION.sub('', item.feedback)}" for item in wrong)
    else:
        feedback = tuple(item.feedback for item in question.items)
    misconceptions = tuple(item.misconception for item in wrong if item.misconception)
    understanding = "secure" if not wrong else ("misconception" if misconceptions else "developing")
    return Result(question.id, stored, not wrong, understanding, feedback, misconceptions)


def mark_question(question: Question, stored: str) -> Result:
    """Mark one encoded answer; AnswerError if it names a choice the question does not have."""
    if question.type == "sort":
        return _mark_sort(question, stored)
    answer = decode_answer(question, stored)
    ids = set(answer) if isinstance(answer, list) else {answer}
    chosen = [c for c in question.choices if c.id in ids]
    if not chosen or len(chosen) != len(ids) or (question.type != "multiple" and len(chosen) != 1):
        raise AnswerError("That answer is not one of the choices.")
    missed: tuple[str, ...] = ()
    if question.type == "multiple":
        right = {c.id for c in question.choices if c.correct}
        correct = ids == right
        worst = max(RANK[c.understanding] for c in chosen)
        understanding = "secure" if correct else ("misconception" if worst == 2 else "developing")
        missed = tuple(c.text for c in question.choices if c.correct and c.id not in ids)
    else:
        correct = chosen[0].correct
        understanding = chosen[0].understanding
    return Result(
        question.id,
        stored,
        correct,
        understanding,
        tuple(c.feedback for c in chosen),
        tuple(c.misconception for c in chosen if c.misconception),
        missed,
    )


def mark_quiz(quiz: QuestionQuiz, answers: dict[str, str]) -> Verdict:
    """Mark every question of a question quiz from encoded answers; all questions must be answered."""
    missing = [q.id for q in quiz.questions if q.id not in answers]
    if missing:
        left = len(missing)
        raise AnswerError(f"Answer every question first. There {'is' if left == 1 else 'are'} {left} left.")
    results = tuple(mark_question(q, answers[q.id]) for q in quiz.questions)
    score = percent(sum(r.correct for r in results), len(results))
    return Verdict(results, score, score >= quiz.pass_mark)


def walk_scenario(quiz: ScenarioQuiz, path: list[int]) -> tuple[str, list[Result]]:
    """Follow a list of choice numbers from the start; return the node reached and a result per decision."""
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


def mark_scenario(quiz: ScenarioQuiz, path: list[int]) -> Verdict:
    """Mark a finished scenario: the share of decisions on the pupil's path that were secure."""
    node_id, results = walk_scenario(quiz, path)
    if not quiz.nodes[node_id].end:
        raise AnswerError("Finish the story first.")
    score = percent(sum(r.correct for r in results), len(results))
    return Verdict(tuple(results), score, score >= quiz.pass_mark)
