"""Are the questions fair? For each key stage, how many single-answer decisions a pupil could get right by
spotting a keyword or the longest option rather than by understanding (content review Q1, 2026-12-01).

A decision is a lesson's check step, a single-answer question, or a point in a story. It gives itself away
when the right option is the only one naming an adult or telling, or when it is the longest option.
"""

import re
from dataclasses import asdict, dataclass

from .activities import quiz_kind

LIMIT = 20  # per cent: the most decisions at a key stage that may give themselves away either way
ADULT_OR_TELLING = re.compile(
    r"\b(grown[- ]?ups?|adults?|teachers?|mum|mums|dad|dads|parents?|carers?|gran|grandma|grandad|grandpa|"
    r"nan|nana|aunt|auntie|uncle|family|childline|mr|mrs|ms|miss|tell|tells|telling|told|ask|asks|asking|"
    r"asked|report|reports|reporting)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Fairness:
    """The give-away shares of one key stage's decisions."""

    key_stage: str
    decisions: int
    only_adult: int  # the right option is the only one naming an adult or telling
    longest: int  # the right option is longer than every other

    @property
    def only_adult_share(self) -> int:
        """only_adult as a whole percentage of the decisions."""
        return round(100 * self.only_adult / self.decisions) if self.decisions else 0

    @property
    def longest_share(self) -> int:
        """longest as a whole percentage of the decisions."""
        return round(100 * self.longest / self.decisions) if self.decisions else 0

    @property
    def fair(self) -> bool:
        """Both shares are at most LIMIT."""
        return self.only_adult_share <= LIMIT and self.longest_share <= LIMIT

    def as_json(self) -> dict:
        """The figures for --json."""
        return {**asdict(self), "only_adult_share": self.only_adult_share, "longest_share": self.longest_share,
                "limit": LIMIT, "fair": self.fair}


def gives_away(options: list[tuple[str, bool]]) -> tuple[bool, bool]:
    """Whether a decision's right options are the only ones naming an adult or telling, and the longest."""
    right = [text for text, correct in options if correct]
    wrong = [text for text, correct in options if not correct]
    if not right or not wrong:
        return False, False
    only_adult = all(ADULT_OR_TELLING.search(t) for t in right) and not any(ADULT_OR_TELLING.search(t) for t in wrong)
    longest = min(len(t) for t in right) > max(len(t) for t in wrong)
    return only_adult, longest


def decisions(catalogue, key_stage: str) -> list[list[tuple[str, bool]]]:
    """Every single-answer decision of a key stage, as (option text, right) pairs."""
    found = []
    for lesson in catalogue.lessons_for(key_stage):
        for index in lesson.check_steps:
            found.append([(c.text, c.correct) for c in lesson.steps[index].choices])
    for quiz in catalogue.quizzes_for(key_stage):
        found.extend(quiz_kind(quiz).decisions(quiz))
    return found


def fairness(catalogue) -> list[Fairness]:
    """The give-away shares of each key stage."""
    report = []
    for key_stage in ("KS1", "KS2"):
        found = decisions(catalogue, key_stage)
        flags = [gives_away(options) for options in found]
        report.append(Fairness(key_stage, len(found), sum(a for a, _ in flags), sum(b for _, b in flags)))
    return report

