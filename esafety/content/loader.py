"""Reads lessons/, quizzes/ and curriculum/ into a validated Catalogue, reporting every problem found."""

from dataclasses import dataclass, field
from pathlib import Path

import markdown
import nh3
import yaml
from pydantic import BaseModel, ValidationError

# The C loader when PyYAML was built with libyaml: the same safe loading, several times faster.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

from . import readability
from .schema import (
    BaselineQuiz,
    Framework,
    Guide,
    Lesson,
    ParentPage,
    Platform,
    PlatformFile,
    Scheme,
    QUIZ_SCHEMAS,
    Question,
    QuestionBase,
    QuestionQuiz,
    QuizChoice,
    ScenarioQuiz,
    SmartRules,
    Statement,
)


QUESTION_TAGS = {"single", "truefalse", "multiple", "sort", "baseline"}
QUIZ_ORDER = {"age": 0, "baseline": 2}  # age quizzes first, What do I know? checks last


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one content file."""

    path: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.reason}" if self.field else f"{self.path}: {self.reason}"


class ContentError(Exception):
    """Content failed validation; nothing was loaded."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} content problem(s):\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class Catalogue:
    """Every lesson, quiz, parent page, platform and curriculum statement, loaded once."""

    lessons: dict[str, Lesson]
    quizzes: dict[str, QuestionQuiz | ScenarioQuiz | BaselineQuiz]
    parent_pages: dict[str, ParentPage]
    platforms: tuple[Platform, ...]
    frameworks: tuple[Framework, ...]
    statements: dict[str, Statement]
    smart_rules: SmartRules
    readability: dict[str, float] = field(default_factory=dict)
    guides: dict[str, Guide] = field(default_factory=dict)
    scheme: Scheme | None = None
    # What is worked out from the content alone (remembered): it never changes once loaded.
    _derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def frameworks_by_key(self) -> dict[str, Framework]:
        """Each framework version by its key, e.g. rshe-2025."""
        return {f.key: f for f in self.frameworks}

    def remembered(self, key: tuple, make):
        """A value worked out from this content alone, made once (by `make()`) and kept for the catalogue's
        life: pages asked for the same sorted lists and statement maps on every request. Treat it as read-only."""
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = make()
            return value

    def lessons_for(self, key_stage: str, year_group: int | None = None) -> list[Lesson]:
        """The pupil lessons of one key stage (and year group, when given), SMART lessons first, in SMART order."""
        order = "SMART"
        return list(self.remembered(("lessons", key_stage, year_group), lambda: tuple(sorted(
            (lesson for lesson in self.lessons.values()
             if lesson.key_stage == key_stage and lesson.for_year(year_group)),
            key=lambda lesson: (order.index(lesson.smart), lesson.kind != "smart", lesson.title)))))

    def quizzes_for(self, key_stage: str, year_group: int | None = None) -> list:
        """The quizzes of one key stage (and year group, when given): age quizzes first, then scenarios by SMART letter."""
        return list(self.remembered(("quizzes", key_stage, year_group), lambda: tuple(sorted(
            (quiz for quiz in self.quizzes.values() if quiz.key_stage == key_stage and quiz.for_year(year_group)),
            key=lambda quiz: (QUIZ_ORDER.get(quiz.kind, 1), "SMART".index(quiz.smart), quiz.title)))))

    def activity(self, kind: str, activity_id: str):
        """A lesson or quiz by kind and id, or None."""
        return {"lesson": self.lessons, "quiz": self.quizzes}.get(kind, {}).get(activity_id)

    def as_json(self) -> dict:
        """The catalogue in the shape `flask content check --json` prints."""
        versions = {s.id: f.version for f in self.frameworks for s in f.statements}
        return {
            "lessons": [
                {
                    "id": lesson.id, "title": lesson.title, "audience": lesson.audience, "smart": lesson.smart,
                    "key_stage": lesson.key_stage, "years": list(lesson.years), "kind": lesson.kind,
                    "topic": lesson.topic,
                    "version": lesson.version, "steps": len(lesson.steps), "curriculum": list(lesson.curriculum),
                    "reading_grade": round(self.readability.get(lesson.id, 0.0), 2),
                }
                for lesson in self.lessons.values()
            ]
            + [
                {"id": page.id, "title": page.title, "audience": "parent", "smart": None, "key_stage": None,
                 "steps": 1, "curriculum": list(page.curriculum)}
                for page in self.parent_pages.values()
            ],
            "quizzes": [
                {
                    "id": quiz.id, "title": quiz.title, "kind": quiz.kind, "key_stage": quiz.key_stage,
                    "years": list(quiz.years),
                    "smart": quiz.smart, "version": quiz.version, "pass_mark": quiz.pass_mark,
                    "questions": quiz.length,
                    "curriculum": list(quiz.curriculum),
                    "reading_grade": round(self.readability.get(quiz.id, 0.0), 2),
                }
                for quiz in self.quizzes.values()
            ],
            "platforms": [
                {"name": p.name, "min_age": p.min_age, "pegi": p.pegi, "child_version": p.child_version,
                 "confirmed": p.confirmed, "source": p.source, "checked": p.checked.isoformat()}
                for p in self.platforms
            ],
            "curriculum": [
                {"id": s.id, "framework": s.framework, "version": versions[s.id], "strand": s.strand,
                 "number": s.number, "text": s.text, "verbatim": s.verbatim, "confirmation": s.level,
                 "required": s.required}
                for s in self.statements.values()
            ],
        }


# Markdown is rendered once, at load, and sanitised: content files are reviewed, but defence in depth is cheap.
_PUPIL_TAGS = {"p", "strong", "em", "ul", "ol", "li", "br"}
_PARENT_TAGS = _PUPIL_TAGS | {"h2", "h3", "h4", "a", "blockquote", "table", "thead", "tbody", "tr", "th", "td"}


def render_markdown(text: str, audience: str) -> str:
    """Markdown to safe HTML: pupils get no links at all; parents get https links only."""
    html = markdown.markdown(text, extensions=["tables", "sane_lists"])
    if audience == "pupil":
        return nh3.clean(html, tags=_PUPIL_TAGS, attributes={})
    return nh3.clean(
        html, tags=_PARENT_TAGS, attributes={"a": {"href"}}, url_schemes={"https"}, link_rel="noopener noreferrer"
    )


def _field(loc: tuple) -> str:
    """A field's dotted path, without the validator names and union tags pydantic adds to it."""
    parts = [part for part in loc if not str(part).startswith("function-after")]
    # A question's type is a union tag: questions.0.single.choices is questions.0.choices to an author.
    parts = [p for i, p in enumerate(parts) if not (i and isinstance(parts[i - 1], int) and p in QUESTION_TAGS)]
    return ".".join(str(part) for part in parts)


def _parse(model: type[BaseModel], data, path: str, problems: list[Problem]):
    """Validate data against a model, turning each validation error into a Problem."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            problems.append(Problem(path, _field(item["loc"]), item["msg"].removeprefix("Value error, ")))
        return None


def _read_yaml(path: Path, root: Path, problems: list[Problem]):
    """A YAML file's mapping of fields, or None with a problem when it is not valid YAML or not a mapping."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        problems.append(Problem(str(path.relative_to(root)), "", f"not valid YAML: {error}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(str(path.relative_to(root)), "", "must be a mapping of fields"))
        return None
    return data


def _read_front_matter(path: Path, root: Path, problems: list[Problem]):
    """A Markdown file's front matter fields with its body, or None with a problem when the front matter is bad."""
    text = path.read_text(encoding="utf-8")
    rel = str(path.relative_to(root))
    if not text.startswith("---"):
        problems.append(Problem(rel, "", "must start with YAML front matter between --- lines"))
        return None
    try:
        _, head, body = text.split("---", 2)
        data = yaml.load(head, Loader=SafeLoader) or {}
    except (ValueError, yaml.YAMLError) as error:
        problems.append(Problem(rel, "", f"front matter is not valid YAML: {error}"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(rel, "", "front matter must be a mapping of fields"))
        return None
    return {**data, "body": body.strip()}


def _strings(value) -> list[str]:
    """The strings in a list field of raw data (anything else is left to the schema to report)."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


PEGI_AGES = (3, 7, 12, 16, 18)


def _age_choice(age: int, right_age: int, misconception: str, feedback: str) -> QuizChoice:
    """One age as a choice: the right one secure, a younger one a misconception, an older one developing."""
    right, younger = age == right_age, age < right_age
    return QuizChoice(
        id=f"age-{age}", text=f"{age}", correct=right,
        understanding="secure" if right else ("misconception" if younger else "developing"),
        misconception=misconception if younger else None,
        feedback=f"Yes. {feedback}" if right else feedback,
    )


def _nearby(right_age: int, ages) -> list[int]:
    """The right age with two younger and one older choice (fewer at the ends), in order."""
    others = sorted(set(ages) - {right_age})
    picked = [a for a in others if a < right_age][-2:] + [a for a in others if a > right_age][:2]
    return sorted({right_age, *picked})[:4] if len(picked) >= 3 else sorted({right_age, *others})[:4]


def _pegi_question(platform: Platform) -> QuestionBase:
    """What age a game's PEGI label says it suits (a PEGI 7 or PEGI 12 game, say)."""
    pegi = platform.pegi
    feedback = (f"{platform.name} is PEGI {pegi}: its content suits ages {pegi} and over. "
                "PEGI can't check what other players say or make.")
    misconception = f"Thinks {platform.name}'s PEGI label is for younger children than it is."
    return Question(
        id=f"platform-pegi-{platform.id}", type="single", generated=True,
        prompt=f"{platform.name} has a PEGI label. What age does it say the game suits?",
        choices=tuple(_age_choice(age, pegi, misconception, feedback) for age in _nearby(pegi, PEGI_AGES)),
    )


def _supervised_question(platform: Platform) -> QuestionBase:
    """No account of your own under the minimum age, but a parent can set up a supervised one."""
    age, name = platform.min_age, platform.name
    feedback = (f"{name}'s rules say {age} for your own account. Under {age}, a parent can set up an account "
                f"they look after, or use {platform.child_version}.")
    return Question(
        id=f"platform-supervised-{platform.id}", type="single", generated=True,
        prompt=f"Sam is 9. Can Sam have a {name} account?",
        choices=(
            QuizChoice(id="own", text="Yes, Sam can sign up for one on their own.", understanding="misconception",
                       misconception=f"Thinks a 9-year-old may have their own {name} account.", feedback=feedback),
            QuizChoice(id="older", text=f"Yes, if a grown-up lets Sam say they are {age}.",
                       understanding="misconception", feedback=feedback,
                       misconception="Thinks giving an older age to sign up is fine when an adult agrees."),
            QuizChoice(id="wait", text=f"No. Sam has to wait until {age} to use {name} at all.",
                       understanding="developing", feedback=feedback),
            QuizChoice(id="parent", text="Not their own. A parent can set one up.", correct=True,
                       understanding="secure", feedback=f"Yes. {feedback}"),
        ),
    )


def _account_question(platform: Platform) -> QuestionBase:
    """How old you have to be for your own account (13, 16 or 18)."""
    age, name = platform.min_age, platform.name
    return Question(
        id=f"platform-age-{platform.id}", type="single", generated=True,
        prompt=f"How old do you have to be to have your own {name} account?",
        choices=tuple(_age_choice(a, age, f"Thinks children under {age} may have their own {name} account.",
                                  f"{name}'s rules say you must be {age} to have your own account.")
                      for a in _nearby(age, (8, 10, 13, 16, 18))),
    )


def platform_age_question(platform: Platform) -> QuestionBase | None:
    """The question a platform's data asks: a game's PEGI label; a service with a supervised or children's
    version ("no account under 13, but a supervised one"); or the age for your own account."""
    if isinstance(platform.pegi, int):
        return _pegi_question(platform)
    if platform.min_age and platform.child_version:
        return _supervised_question(platform)
    if platform.min_age:
        return _account_question(platform)
    return None


def platform_age_questions(platforms: tuple[Platform, ...], count: int) -> tuple[QuestionBase, ...]:
    """Age questions built from the platform data, so they stay right when the data changes.

    Authors choose the platforms (quiz: true in quizzes/platforms.yaml); only confirmed ones are asked about,
    in the file's order, so a pupil who reloads sees the same questions.
    """
    chosen = (platform_age_question(p) for p in platforms if p.quiz and p.confirmed)
    return tuple(q for q in chosen if q is not None)[:count]


SCHEME_FILE = "scheme.yaml"
PLATFORM_FILE = "quizzes/platforms.yaml"


def load(root: str | Path, check_reading_level: bool = True) -> Catalogue:
    """Load and validate all content under root; raise ContentError listing every problem."""
    root = Path(root)
    problems: list[Problem] = []
    frameworks, statements = _load_frameworks(root, problems)
    smart_rules = _load_smart_rules(root, problems)
    lessons, lesson_grades = _load_lessons(root, statements, check_reading_level, problems)
    parent_pages = _load_parent_pages(root, statements, problems)
    platforms = _load_platforms(root, problems)
    quizzes, quiz_grades = _load_quizzes(root, lessons, statements, platforms, check_reading_level, problems)
    guides = _load_guides(root, lessons, quizzes, problems, parent_pages)
    scheme = _load_scheme(root, lessons, quizzes, statements, problems)
    _check_required_coverage(lessons, quizzes, statements, problems)
    if problems:
        raise ContentError(problems)
    return Catalogue(
        lessons=lessons, quizzes=quizzes, parent_pages=parent_pages, platforms=platforms,
        frameworks=tuple(frameworks), statements=statements, smart_rules=smart_rules,
        readability={**lesson_grades, **quiz_grades}, guides=guides, scheme=scheme,
    )


def _check_named_as_file(rel: str, name: str, value: str, path: Path, problems: list[Problem]) -> None:
    """An id (or a guide's lesson) must be its file's name, so authors find each file by what it holds."""
    if value != path.stem:
        problems.append(Problem(rel, name, f"must match the file name ({path.stem})"))


def _check_curriculum(rel: str, data: dict, statements: dict[str, Statement], problems: list[Problem]) -> None:
    """Every curriculum statement a file's raw data names must exist (checked before the schema, so one run
    reports unknown statements alongside schema problems)."""
    for index, statement_id in enumerate(_strings(data.get("curriculum"))):
        if statement_id not in statements:
            problems.append(Problem(rel, f"curriculum.{index}", f"unknown curriculum statement {statement_id}"))


def _reading_grade(text: str, key_stage: str, rel: str, name: str, problems: list[Problem]) -> float:
    """The reading grade of an activity's text, with a problem when it is above its key stage's ceiling."""
    level = readability.grade(text)
    ceiling = readability.CEILINGS[key_stage]
    if level > ceiling:
        problems.append(Problem(rel, name, f"reading level grade {level:.1f} is above the {key_stage} ceiling "
                                f"of {ceiling}: use shorter sentences and words"))
    return level


def _load_frameworks(root: Path, problems: list[Problem]) -> tuple[list[Framework], dict[str, Statement]]:
    """Read curriculum/: each framework version, and every statement by id, tagged with its framework."""
    frameworks: list[Framework] = []
    statements: dict[str, Statement] = {}
    for path in sorted((root / "curriculum").glob("*.yaml")):
        if path.name == SCHEME_FILE:
            continue  # the scheme of work, read after the activities it sequences
        rel = str(path.relative_to(root))
        data = _read_yaml(path, root, problems)
        framework = data and _parse(Framework, data, rel, problems)
        if not framework:
            continue
        frameworks.append(framework)
        for statement in framework.statements:
            if statement.id in statements:
                problems.append(Problem(rel, statement.id, "duplicate statement id"))
            statements[statement.id] = statement.model_copy(update={"framework": framework.framework})
    if not frameworks:
        problems.append(Problem("curriculum", "", "no curriculum frameworks found"))
    return frameworks, statements


def _load_smart_rules(root: Path, problems: list[Problem]) -> SmartRules | None:
    """Read lessons/smart-rules.yaml, the five SMART rules every lesson is filed under."""
    path = root / "lessons" / "smart-rules.yaml"
    if not path.exists():
        problems.append(Problem("lessons/smart-rules.yaml", "", "missing"))
        return None
    data = _read_yaml(path, root, problems)
    return data and _parse(SmartRules, data, "lessons/smart-rules.yaml", problems)


def _load_lessons(root: Path, statements: dict[str, Statement], check_reading_level: bool,
                  problems: list[Problem]) -> tuple[dict[str, Lesson], dict[str, float]]:
    """Read lessons/ks*/: each pupil lesson with its steps rendered, and (when checked) its reading grade."""
    lessons: dict[str, Lesson] = {}
    grades: dict[str, float] = {}
    for path in sorted((root / "lessons").glob("ks*/*.yaml")):
        rel = str(path.relative_to(root))
        data = _read_yaml(path, root, problems)
        lesson = data and _parse_lesson(root, path, data, statements, problems)
        if not lesson:
            continue
        if lesson.id in lessons:
            problems.append(Problem(rel, "id", "duplicate lesson id"))
        if check_reading_level:
            grades[lesson.id] = _reading_grade(readability.lesson_text(data), lesson.key_stage, rel, "steps", problems)
        steps = tuple(s.model_copy(update={"html": render_markdown(s.text, "pupil")}) for s in lesson.steps)
        lessons[lesson.id] = lesson.model_copy(update={"steps": steps})
    return lessons, grades


def _parse_lesson(root: Path, path: Path, data: dict, statements: dict[str, Statement],
                  problems: list[Problem]) -> Lesson | None:
    """One lesson file: its curriculum and illustration checked on the raw data, then its schema and name."""
    rel = str(path.relative_to(root))
    # References are checked on the raw data too, so one run reports them alongside schema problems.
    _check_curriculum(rel, data, statements, problems)
    picture = data.get("illustration")
    if isinstance(picture, str) and not (root / "static" / "img" / picture).is_file():
        problems.append(Problem(rel, "illustration", f"no file static/img/{picture}"))
    lesson = _parse(Lesson, data, rel, problems)
    if lesson:
        _check_named_as_file(rel, "id", lesson.id, path, problems)
    return lesson


def _load_parent_pages(root: Path, statements: dict[str, Statement], problems: list[Problem]) -> dict[str, ParentPage]:
    """Read lessons/parents/: each parent guide page rendered, in the pages' own order."""
    parent_pages: dict[str, ParentPage] = {}
    for path in sorted((root / "lessons" / "parents").glob("*.md")):
        rel = str(path.relative_to(root))
        data = _read_front_matter(path, root, problems)
        if not data:
            continue
        _check_curriculum(rel, data, statements, problems)
        page = _parse(ParentPage, data, rel, problems)
        if not page:
            continue
        _check_named_as_file(rel, "id", page.id, path, problems)
        parent_pages[page.id] = page.model_copy(update={"html": render_markdown(page.body, "parent")})
    return dict(sorted(parent_pages.items(), key=lambda item: (item[1].order, item[0])))


def _load_platforms(root: Path, problems: list[Problem]) -> tuple[Platform, ...]:
    """Read quizzes/platforms.yaml: each platform's minimum age or PEGI label, with its source."""
    path = root / PLATFORM_FILE
    if not path.exists():
        problems.append(Problem(PLATFORM_FILE, "", "missing"))
        return ()
    data = _read_yaml(path, root, problems)
    parsed = data and _parse(PlatformFile, data, PLATFORM_FILE, problems)
    if not parsed:
        return ()
    ids = [p.id for p in parsed.platforms]
    if len(ids) != len(set(ids)):
        problems.append(Problem(PLATFORM_FILE, "platforms", "platform ids must be unique"))
    return parsed.platforms


def _load_quizzes(root: Path, lessons: dict[str, Lesson], statements: dict[str, Statement],
                  platforms: tuple[Platform, ...], check_reading_level: bool, problems: list[Problem]):
    """Read quizzes/: each quiz, scenario and check by id (age quizzes with their generated questions), and
    (when checked) each one's reading grade."""
    quizzes: dict = {}
    grades: dict[str, float] = {}
    for path in sorted((root / "quizzes").rglob("*.yaml")):
        if path == root / PLATFORM_FILE:
            continue
        rel = str(path.relative_to(root))
        data = _read_yaml(path, root, problems)
        if not data:
            continue
        model = QUIZ_SCHEMAS.get(data.get("kind"), QuestionQuiz)
        _check_curriculum(rel, data, statements, problems)
        quiz = _parse(model, data, rel, problems)
        if not quiz:
            continue
        if check_reading_level:
            grades[quiz.id] = _reading_grade(readability.quiz_text(data), quiz.key_stage, rel,
                                             "questions" if hasattr(quiz, "questions") else "nodes", problems)
        _check_quiz(rel, path, quiz, quizzes, lessons, statements, problems)
        quizzes[quiz.id] = _with_generated_questions(rel, quiz, platforms, problems)
    return quizzes, grades


def _check_quiz(rel: str, path: Path, quiz, quizzes: dict, lessons: dict[str, Lesson],
                statements: dict[str, Statement], problems: list[Problem]) -> None:
    """A quiz's references: its file name, the statements its questions check, a unique id, its lesson."""
    _check_named_as_file(rel, "id", quiz.id, path, problems)
    for number, question in enumerate(getattr(quiz, "questions", ())):
        statement = getattr(question, "statement", None)  # baseline questions name what they check
        if statement and statement not in statements:
            problems.append(Problem(rel, f"questions.{number}.statement", f"unknown statement {statement}"))
    if quiz.id in quizzes or quiz.id in lessons:
        problems.append(Problem(rel, "id", "duplicate id"))
    if quiz.lesson not in lessons:
        problems.append(Problem(rel, "lesson", f"unknown lesson {quiz.lesson}"))
    elif lessons[quiz.lesson].key_stage != quiz.key_stage:
        problems.append(Problem(rel, "lesson", f"{quiz.lesson} is for the other key stage"))


def _with_generated_questions(rel: str, quiz, platforms: tuple[Platform, ...], problems: list[Problem]):
    """A quiz that asks for platform age questions, with them put before its own questions."""
    if not (isinstance(quiz, QuestionQuiz) and quiz.generate and quiz.generate.platform_ages):
        return quiz
    generated = platform_age_questions(platforms, quiz.generate.platform_ages)
    if len(generated) < quiz.generate.platform_ages:
        problems.append(Problem(rel, "generate.platform_ages",
                                "not enough confirmed platforms marked quiz: true in quizzes/platforms.yaml"))
    return quiz.model_copy(update={"questions": generated + quiz.questions})


def _check_required_coverage(lessons: dict[str, Lesson], quizzes: dict, statements: dict[str, Statement],
                             problems: list[Problem]) -> None:
    """Every statement an online-safety programme must cover is taught by at least one pupil lesson or quiz."""
    covered = {s for activity in (*lessons.values(), *quizzes.values()) for s in activity.curriculum}
    for statement in statements.values():
        if statement.required and statement.id not in covered and lessons:
            problems.append(Problem(
                "lessons", "curriculum",
                f"no pupil lesson or quiz covers required statement {statement.id} ({statement.framework})"))

def scheme_required(statements: dict, activities: list, key_stage: str) -> set[str]:
    """The required RSHE 2025 and computing statements a year of this key stage must cover: those its key
    stage's activities teach (a statement no activity of the key stage teaches yet cannot be scheduled)."""
    taught = {s for activity in activities if activity.key_stage == key_stage for s in activity.curriculum}
    return {s.id for s in statements.values()
            if s.required and s.id in taught and s.key_stage in (None, key_stage)
            and (s.id.startswith("rshe2025-") or s.framework == "computing")}


def _load_scheme(root: Path, lessons: dict, quizzes: dict, statements: dict, problems: list[Problem]):
    """Read curriculum/scheme.yaml and check each year covers its key stage's required statements."""
    path = root / "curriculum" / SCHEME_FILE
    if not path.exists():
        return None
    rel = str(path.relative_to(root))
    data = _read_yaml(path, root, problems)
    scheme = data and _parse(Scheme, data, rel, problems)
    if not scheme:
        return None
    activities = {**lessons, **quizzes}
    for year in scheme.years:
        for half, ids in enumerate(year.half_terms):
            for activity_id in ids:
                activity = activities.get(activity_id)
                if activity is None:
                    problems.append(Problem(rel, f"years.{year.year}.{half + 1}", f"no lesson or quiz {activity_id}"))
                elif activity.key_stage != year.key_stage:
                    problems.append(Problem(rel, f"years.{year.year}.{half + 1}",
                                            f"{activity_id} is {activity.key_stage}, Year {year.year} is {year.key_stage}"))
        covered = {s for ids in year.half_terms for i in ids if i in activities for s in activities[i].curriculum}
        missing = scheme_required(statements, list(activities.values()), year.key_stage) - covered
        if missing:
            problems.append(Problem(rel, f"years.{year.year}", "the year does not cover required statement(s) "
                                    + ", ".join(sorted(missing))))
    return scheme


def quiz_misconceptions(quiz) -> set[str]:
    """Every misconception a quiz's answers name."""
    if isinstance(quiz, ScenarioQuiz):
        answers = [c for node in quiz.nodes.values() for c in node.choices]
    else:
        answers = [a for q in quiz.questions for a in (*q.choices, *q.items)]
    return {a.misconception for a in answers if a.misconception}


def _load_guides(root: Path, lessons: dict, quizzes: dict, problems: list[Problem],
                 parent_pages: dict) -> dict[str, Guide]:
    """Read lessons/guides/: one complete teacher's guide per pupil lesson, its references checked."""
    guides: dict[str, Guide] = {}
    tags = {tag for quiz in quizzes.values() for tag in quiz_misconceptions(quiz)}
    for path in sorted((root / "lessons" / "guides").glob("*.yaml")):
        rel = str(path.relative_to(root))
        data = _read_yaml(path, root, problems)
        guide = data and _parse(Guide, data, rel, problems)
        if not guide:
            continue
        _check_named_as_file(rel, "lesson", guide.lesson, path, problems)
        lesson = lessons.get(guide.lesson)
        if lesson is None:
            problems.append(Problem(rel, "lesson", f"unknown lesson {guide.lesson}"))
            continue
        _check_guide(rel, guide, lesson, quizzes, parent_pages, problems)
        _check_guide_misconceptions(rel, guide, lesson, quizzes, tags, problems)
        guides[guide.lesson] = guide
    for lesson_id in lessons:
        if lesson_id not in guides and not any(p.path == f"lessons/guides/{lesson_id}.yaml" for p in problems):
            problems.append(Problem(f"lessons/guides/{lesson_id}.yaml", "",
                                    "missing: every pupil lesson needs a complete teacher's guide"))
    return guides


def _check_guide(rel: str, guide: Guide, lesson: Lesson, quizzes: dict, parent_pages: dict,
                 problems: list[Problem]) -> None:
    """A guide's notes match its lesson's steps; its scenario and parent page exist, for the same key stage."""
    if len(guide.step_notes) != len(lesson.steps):
        problems.append(Problem(rel, "step_notes", f"one note per lesson step: the lesson has "
                                f"{len(lesson.steps)} steps, the guide {len(guide.step_notes)} notes"))
    scenario = quizzes.get(guide.scenario)
    if not isinstance(scenario, ScenarioQuiz):
        problems.append(Problem(rel, "scenario", f"no scenario quiz called {guide.scenario}"))
    elif scenario.key_stage != lesson.key_stage:
        problems.append(Problem(rel, "scenario", f"{guide.scenario} is for the other key stage"))
    if guide.parent_page not in parent_pages:
        problems.append(Problem(rel, "parent_page", f"no parent guide page called {guide.parent_page}"))


def _check_guide_misconceptions(rel: str, guide: Guide, lesson: Lesson, quizzes: dict, tags: set[str],
                                problems: list[Problem]) -> None:
    """Each misconception a guide tags is one a quiz answer names, and at least one is its own quizzes'."""
    for index, item in enumerate(guide.misconceptions):
        if item.tag is not None and item.tag not in tags:
            problems.append(Problem(rel, f"misconceptions.{index}.tag",
                                    f"no quiz answer names the misconception {item.tag!r}"))
    # A quiz that points teachers to this lesson: the guide answers at least one belief it names.
    own = {t for q in quizzes.values() if q.lesson == lesson.id for t in quiz_misconceptions(q)}
    if own and not own & {m.tag for m in guide.misconceptions}:
        problems.append(Problem(rel, "misconceptions", "tag at least one misconception named by a quiz "
                                f"for this lesson ({sorted(own)[0]!r}, ...)"))
