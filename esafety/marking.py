"""Marking, as pure functions: content and answers in, a verdict out. Nothing here touches the database."""

from dataclasses import dataclass

from .content.schema import Question, QuestionQuiz, ScenarioQuiz

RANK = {"secure": 0, "developing": 1, "misconception": 2}


@dataclass(frozen=True)
class Result:
    """The verdict on one answer."""

    question_id: str
    answer: str
    correct: bool
    understanding: str
    feedback: tuple[str, ...]
    misconceptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """The verdict on a whole attempt."""

    results: tuple[Result, ...]
    score: int
    passed: bool


class AnswerError(ValueError):
    """An answer that does not fit the question (a tampered or stale form)."""


def encode_answer(question: Question, raw) -> str:
    """A stored, comparable form of an answer: "a", "a,c", or "item=group;item=group"."""
    if question.type in ("single", "truefalse"):
        if raw not in {c.id for c in question.choices}:
            raise AnswerError(f"{question.id}: choose one of the answers")
        return raw
    if question.type == "multiple":
        chosen = sorted(set(raw or ()))
        if not chosen or not set(chosen) <= {c.id for c in question.choices}:
            raise AnswerError(f"{question.id}: choose at least one of the answers")
        return ",".join(chosen)
    groups = {g.id for g in question.groups}
    placed = dict(raw or {})
    if set(placed) != {i.id for i in question.items} or not set(placed.values()) <= groups:
        raise AnswerError(f"{question.id}: put every item in a group")
    return ";".join(f"{item.id}={placed[item.id]}" for item in question.items)


def decode_answer(question: Question, stored: str):
    """The inverse of encode_answer, for showing a pupil what they chose."""
    if question.type in ("single", "truefalse"):
        return stored
    if question.type == "multiple":
        return stored.split(",") if stored else []
    return dict(pair.split("=", 1) for pair in stored.split(";") if "=" in pair)


def mark_question(question: Question, stored: str) -> Result:
    """Mark one encoded answer."""
    answer = decode_answer(question, stored)
    if question.type == "sort":
        wrong = [item for item in question.items if answer.get(item.id) != item.group]
        feedback = tuple(item.feedback for item in (wrong or question.items))
        misconceptions = tuple(item.misconception for item in wrong if item.misconception)
        understanding = "secure" if not wrong else ("misconception" if misconceptions else "developing")
        return Result(question.id, stored, not wrong, understanding, feedback, misconceptions)
    chosen = [c for c in question.choices if c.id in (answer if isinstance(answer, list) else [answer])]
    if question.type == "multiple":
        correct = {c.id for c in chosen} == {c.id for c in question.choices if c.correct}
        worst = max((RANK[c.understanding] for c in chosen), default=1)
        understanding = "secure" if correct else ("misconception" if worst == 2 else "developing")
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
    )


def mark_quiz(quiz: QuestionQuiz, answers: dict[str, str]) -> Verdict:
    """Mark every question of a question quiz from encoded answers; all questions must be answered."""
    missing = [q.id for q in quiz.questions if q.id not in answers]
    if missing:
        raise AnswerError(f"answer every question first ({len(missing)} left)")
    results = tuple(mark_question(q, answers[q.id]) for q in quiz.questions)
    score = round(100 * sum(r.correct for r in results) / len(results))
    return Verdict(results, score, score >= quiz.pass_mark)


def walk_scenario(quiz: ScenarioQuiz, path: list[int]) -> tuple[str, list[Result]]:
    """Follow a list of choice numbers from the start; return the node reached and a result per decision."""
    node_id, results = quiz.start, []
    for position, index in enumerate(path):
        node = quiz.nodes[node_id]
        if node.end or not 0 <= index < len(node.choices):
            raise AnswerError(f"decision {position + 1} is not one of the choices")
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
        raise AnswerError("finish the story first")
    score = round(100 * sum(r.correct for r in results) / len(results))
    return Verdict(tuple(results), score, score >= quiz.pass_mark)
