"""Reading level of pupil-facing text, measured the same way by the content check and by authors.

The ceilings are Flesch-Kincaid grades (a US school grade; a UK year group is the US grade plus one).
KS1 pupils are in Years 1-2 (US kindergarten to grade 1) and KS2 pupils in Years 3-6 (US grades 2-5).
Every lesson step is read aloud by the player and is usually shared with an adult, and children's listening
comprehension runs well ahead of their independent decoding in the primary years, so a KS1 lesson may sit
up to grade 3 (the reading age of a confident Year 3 reader). A KS2 lesson must sit no higher than grade 5:
what an average Year 6 pupil reads alone. The measure is taken over the whole lesson, so one longer
sentence with a word such as "information" does not fail a lesson that is otherwise short and plain.
textstat is pinned to 0.7.8 because later versions download a dictionary at run time, which fails offline.
"""

import re

import textstat

CEILINGS = {"KS1": 3.0, "KS2": 5.0}

_MARKDOWN = re.compile(r"[*_`#>\[\]]")


def plain(text: str) -> str:
    """Strip Markdown punctuation and make each line end a sentence, as a reader would hear it."""
    lines = [_MARKDOWN.sub("", line).strip(" -") for line in text.splitlines()]
    sentences = [line if line.endswith((".", "!", "?", ":")) else line + "." for line in lines if line]
    return " ".join(sentences)


def grade(text: str) -> float:
    """Flesch-Kincaid grade of a passage of plain text."""
    return float(textstat.flesch_kincaid_grade(plain(text)))


def lesson_text(lesson: dict) -> str:
    """All the words a pupil reads in a lesson, from its raw data, in reading order."""
    parts = [lesson.get("title", ""), lesson.get("summary", "")]
    for step in lesson.get("steps", []):
        parts += [step.get("title", ""), step.get("text", ""), step.get("question", "")]
        for choice in step.get("choices", []) or []:
            parts += [choice.get("text", ""), choice.get("feedback", "")]
    return "\n".join(p for p in parts if p)


def quiz_text(quiz: dict) -> str:
    """All the words a pupil reads in a question or scenario quiz, from its raw data.

    Generated age questions are left out: they are built from platform names, the same for every quiz.
    """
    parts = [quiz.get("title", ""), quiz.get("summary", "")]
    for question in quiz.get("questions", []) or []:
        parts.append(question.get("prompt", ""))
        for answer in (question.get("choices", []) or []) + (question.get("items", []) or []):
            parts += [answer.get("text", ""), answer.get("feedback", "")]
        parts += [group.get("label", "") for group in question.get("groups", []) or []]
    for node in (quiz.get("nodes", {}) or {}).values():
        parts.append(node.get("text", ""))
        for choice in node.get("choices", []) or []:
            parts += [choice.get("text", ""), choice.get("feedback", "")]
    return "\n".join(p for p in parts if isinstance(p, str) and p)


def text_of(data: dict) -> str:
    """The pupil-facing words of any lesson or quiz file."""
    return quiz_text(data) if "kind" in data and data.get("kind") in ("age", "questions", "scenario") else lesson_text(data)


if __name__ == "__main__":  # python -m esafety.content.readability lessons/ks1/*.yaml quizzes/scenarios/*.yaml
    import sys

    import yaml

    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        level = grade(text_of(data))
        ceiling = CEILINGS[data["key_stage"]]
        print(f"{'ok  ' if level <= ceiling else 'FAIL'} {level:5.2f} (ceiling {ceiling}) {path}")
