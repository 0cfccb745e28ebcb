"""Baseline and impact: what a class knew when a teacher opened a "What do I know?" check as a baseline, what
it knows now (the latest later check), per Education for a Connected World strand, who holds which
misconception now, and the lessons that teach each gap. A fixed number of queries whatever the class size."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from .activities import quiz_kind
from .extensions import db
from .models import CheckRound, QuizAttempt, QuizResponse, User

GRADES = ("secure", "developing", "misconception")


def checks_for(catalogue, key_stage: str) -> list:
    """The What do I know? checks of a key stage (the quiz kinds a teacher opens to a class)."""
    return [quiz for quiz in catalogue.quizzes_for(key_stage) if quiz_kind(quiz).opens_to_class]


@dataclass
class Shares:
    """How a group's answers on one strand were graded."""

    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        """How many answers."""
        return sum(self.counts.values())

    def share(self, grade: str) -> int:
        """The whole-number percentage of answers with this grade."""
        return round(100 * self.counts[grade] / self.total) if self.total else 0


@dataclass
class StrandReport:
    """One strand: shares at baseline and now, who holds which misconception now, and the lessons to teach."""

    strand: str
    baseline: Shares
    now: Shares
    misconceptions: list[tuple[str, list[User]]]  # misconception, the pupils who hold it now
    lessons: list  # lessons of the key stage that teach this strand's checked statements
    pupils_now: int = 0

    @property
    def gap(self) -> bool:
        """True when, on the latest answers, not every answer is secure."""
        latest = self.now if self.now.total else self.baseline
        return latest.total > 0 and latest.counts["secure"] < latest.total


@dataclass
class Report:
    """The class's baseline and impact on one check."""

    quiz: object
    baseline: CheckRound | None
    later: CheckRound | None
    pupils: int
    took_baseline: int
    took_now: int
    strands: list[StrandReport]


def rounds_of(class_id: int, quiz_id: str) -> list[CheckRound]:
    """The times the check was opened to the class, oldest first (one query)."""
    return list(db.session.scalars(sa.select(CheckRound).where(
        CheckRound.class_id == class_id, CheckRound.quiz_id == quiz_id).order_by(CheckRound.opened_at, CheckRound.id)))


def _window(rounds: list[CheckRound]) -> tuple[CheckRound | None, CheckRound | None, datetime | None]:
    """The baseline round (the latest one), the latest later round after it, and when the baseline ended."""
    baselines = [r for r in rounds if r.stage == "baseline"]
    baseline = baselines[-1] if baselines else None
    later = [r for r in rounds if r.stage == "later" and (baseline is None or r.opened_at >= baseline.opened_at)]
    if baseline is not None:
        after = [r for r in rounds if r.opened_at > baseline.opened_at or (r.opened_at == baseline.opened_at and
                                                                          r.id > baseline.id)]
        ends = after[0].opened_at if after else None
    else:
        ends = None
    return baseline, (later[-1] if later else None), ends


def class_report(class_id: int, pupils: list[User], quiz, catalogue) -> Report:
    """Baseline against now for one class on one check (two queries beyond the pupils already loaded).

    A pupil's baseline is their latest attempt handed in after the baseline was opened and before the next
    opening; their "now" is their latest attempt handed in after the latest later check was opened.
    """
    rounds = rounds_of(class_id, quiz.id)
    baseline, later, baseline_ends = _window(rounds)
    ids = [p.id for p in pupils]
    by_id = {p.id: p for p in pupils}
    answers: dict[str, dict[int, dict[str, tuple[str, str]]]] = {"baseline": {}, "now": {}}
    if ids and baseline is not None:
        rows = db.session.execute(
            sa.select(QuizAttempt.pupil_id, QuizAttempt.number, QuizAttempt.submitted_at, QuizResponse.question_id,
                      QuizResponse.answer, QuizResponse.understanding)
            .join(QuizResponse, QuizResponse.attempt_id == QuizAttempt.id)
            .where(QuizAttempt.pupil_id.in_(ids), QuizAttempt.quiz_id == quiz.id,
                   QuizAttempt.submitted_at >= baseline.opened_at)
            .order_by(QuizAttempt.pupil_id, QuizAttempt.number)
        ).all()
        newest: dict[tuple[str, int], int] = {}
        staged = []
        for row in rows:
            if baseline_ends is None or row.submitted_at < baseline_ends:
                stage = "baseline"
            elif later is not None and row.submitted_at >= later.opened_at:
                stage = "now"
            else:
                continue  # handed in between the baseline and a later check opening: counts for neither
            staged.append((stage, row))
            newest[(stage, row.pupil_id)] = max(newest.get((stage, row.pupil_id), 0), row.number)
        for stage, row in staged:
            if row.number == newest[(stage, row.pupil_id)]:
                answers[stage].setdefault(row.pupil_id, {})[row.question_id] = (row.answer, row.understanding)
    questions = {q.id: q for q in quiz.questions}
    strand_of = {q.id: catalogue.statements[q.statement].strand or q.statement for q in quiz.questions}
    strands = list(dict.fromkeys(strand_of[q.id] for q in quiz.questions))
    lessons = catalogue.lessons_for(quiz.key_stage)
    reports = []
    for strand in strands:
        statements = {q.statement for q in quiz.questions if strand_of[q.id] == strand}
        shares = {"baseline": Shares(), "now": Shares()}
        holders: dict[str, list[User]] = defaultdict(list)
        for stage, by_pupil in answers.items():
            for pupil_id, given in by_pupil.items():
                for question_id, (answer, grade) in given.items():
                    if strand_of.get(question_id) != strand:
                        continue
                    shares[stage].counts[grade] += 1
                    if stage == "now" and grade == "misconception":
                        choice = next((c for c in questions[question_id].choices if c.id == answer), None)
                        if choice is not None and choice.misconception and pupil_id in by_id:
                            holders[choice.misconception].append(by_id[pupil_id])
        teaching = [lesson for lesson in lessons if statements & set(lesson.curriculum)]
        if not teaching:  # no lesson teaches the very statement: the strand's other lessons
            teaching = [lesson for lesson in lessons
                        if any(catalogue.statements[s].strand == strand for s in lesson.curriculum
                               if s in catalogue.statements)]
        reports.append(StrandReport(strand, shares["baseline"], shares["now"],
                                    sorted(holders.items(), key=lambda item: -len(item[1])), teaching))
    return Report(quiz, baseline, later, len(pupils), len(answers["baseline"]), len(answers["now"]), reports)


# The words a parent and a pupil read about one strand: growth in words, never a score or a rank.
WORDS = {
    "parent": {"well": "Knows this well.", "grown": "Knows more about this than at the start.",
               "getting": "Getting there.", "learning": "Still learning this: a good thing to talk about at home.",
               "first": "Learning this now: a good thing to talk about at home."},
    "pupil": {"well": "You know this well.", "grown": "You know more about this than before. Well done!",
              "getting": "You are getting there.", "learning": "You are learning this. Your lessons will help.",
              "first": "You are learning this. Your lessons will help."},
}


def growth_words(before: Shares, now: Shares, audience: str = "parent") -> str:
    """How a pupil's understanding on a strand changed, in words (never a score)."""
    words = WORDS[audience]
    if not now.total:  # one go so far
        return words["well"] if before.total and before.counts["secure"] == before.total else words["first"]
    if now.counts["misconception"]:
        return words["learning"]
    if before.total and now.share("secure") > before.share("secure"):
        return words["grown"]
    if now.counts["secure"] == now.total:
        return words["well"]
    return words["getting"]


def pupil_growth(pupil_id: int, quiz, catalogue, audience: str = "parent") -> list[tuple[str, str]]:
    """Each strand of the check with the pupil's growth in words, from their first and latest attempt (one
    query). For parents and for the pupil: no numbers, no rank."""
    rows = db.session.execute(
        sa.select(QuizAttempt.number, QuizResponse.question_id, QuizResponse.understanding)
        .join(QuizResponse, QuizResponse.attempt_id == QuizAttempt.id)
        .where(QuizAttempt.pupil_id == pupil_id, QuizAttempt.quiz_id == quiz.id,
               QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.number)
    ).all()
    if not rows:
        return []
    first, last = min(r.number for r in rows), max(r.number for r in rows)
    strand_of = {q.id: catalogue.statements[q.statement].strand or q.statement for q in quiz.questions}
    before: dict[str, Shares] = defaultdict(Shares)
    now: dict[str, Shares] = defaultdict(Shares)
    for row in rows:
        strand = strand_of.get(row.question_id)
        if strand is None:
            continue
        if row.number == first:
            before[strand].counts[row.understanding] += 1
        elif row.number == last:
            now[strand].counts[row.understanding] += 1
    return [(strand, growth_words(before[strand], now[strand], audience))
            for strand in dict.fromkeys(strand_of.values())]
