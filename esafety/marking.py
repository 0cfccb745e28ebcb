"""Marking, as pure functions: content and answers in, a verdict out. Nothing here touches the database.

Each question type and quiz kind marks itself (esafety/activities.py); these are the entry points the rest of
the app and the tests call.
"""

from .activities import ScenarioStory, question_type, quiz_kind
from .verdicts import RANK, AnswerError, Result, Verdict, percent

__all__ = ["RANK", "AnswerError", "Result", "Verdict", "decode_answer", "encode_answer", "mark_question",
           "mark_quiz", "mark_scenario", "percent", "walk_scenario"]


def encode_answer(question, raw) -> str:
    """A stored, comparable form of an answer: "a", "a,c", or "item=group;item=group"."""
    return question_type(question).encode(question, raw)


def decode_answer(question, stored: str):
    """The inverse of encode_answer, for showing a pupil what they chose."""
    return question_type(question).decode(question, stored)


def mark_question(question, stored: str) -> Result:
    """Mark one encoded answer; AnswerError if it names a choice the question does not have."""
    return question_type(question).mark(question, stored)


def mark_quiz(quiz, answers: dict[str, str]) -> Verdict:
    """Mark every question of a question quiz from encoded answers; all questions must be answered."""
    return quiz_kind(quiz).mark(quiz, {"answers": answers})


def walk_scenario(quiz, path: list[int]) -> tuple[str, list[Result]]:
    """Follow a list of choice numbers from the start; return the node reached and a result per decision."""
    return ScenarioStory.walk(quiz, path)


def mark_scenario(quiz, path: list[int]) -> Verdict:
    """Mark a finished scenario: the share of decisions on the pupil's path that were secure."""
    return ScenarioStory.mark(quiz, {"path": path})
