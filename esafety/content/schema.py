"""The shape of every content file, as validated, immutable types (see docs/content-format.md)."""

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, field_validator, model_validator

KeyStage = Literal["KS1", "KS2"]
Smart = Literal["S", "M", "A", "R", "T"]
Understanding = Literal["secure", "developing", "misconception"]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

TOPICS = (
    "personal-information", "strangers-meeting", "friend-requests-messages", "reliable-information",
    "telling", "cyberbullying", "photos-consent", "digital-footprint", "passwords-privacy", "gaming-chat",
    "age-restrictions", "screen-time", "new-apps", "pop-ups-scams", "upsetting-content",
    "artificial-intelligence", "copyright", "livestreaming", "self-image", "spending", "moving-up",
)
Topic = Literal[TOPICS]  # type: ignore[valid-type]
SMART_NAMES = {"S": "Safe", "M": "Meeting", "A": "Accepting", "R": "Reliable", "T": "Tell"}
YEARS = {"KS1": (1, 2), "KS2": (3, 4, 5, 6)}


def check_years(years: tuple[int, ...], key_stage: str) -> None:
    """A year-group range is one or more years of the key stage, in order, with no gaps or repeats."""
    if not years:
        return
    allowed = YEARS[key_stage]
    if any(year not in allowed for year in years):
        raise ValueError(f"years: {key_stage} is Years {allowed[0]} to {allowed[-1]}")
    if list(years) != list(range(years[0], years[-1] + 1)):
        raise ValueError("years: list the year groups in order with no gaps, e.g. [5, 6]")


class ForYears:
    """Content that may be limited to some year groups of its key stage (an empty `years` means all of them)."""

    def for_year(self, year_group: int | None) -> bool:
        """True when a pupil in this year group may see it (None: any year of the key stage)."""
        return year_group is None or not self.years or year_group in self.years


class Frozen(BaseModel):
    """Content is loaded once and never changes while the app runs; unknown fields are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# Curriculum -----------------------------------------------------------------------------------------------


# How firmly a statement's wording is confirmed: primary = seen in the publisher's own document;
# secondary-x2 = two independent third-party copies that reproduce the official text agree; secondary = one
# such copy; partial = the copy seen was cut off; unconfirmed = recalled wording, not found in any copy.
Confirmation = Literal["primary", "secondary-x2", "secondary", "partial", "unconfirmed"]
CONFIRMATION_LABELS = {
    "primary": "Wording checked against the official document",
    "secondary-x2": "Wording as in two independent copies of the official text",
    "secondary": "Wording as in one copy of the official text",
    "partial": "Wording partly confirmed: the copy seen was cut off",
    "unconfirmed": "Wording not yet confirmed against the official document",
}


class Statement(Frozen):
    """One curriculum statement a lesson or quiz can cover."""

    id: Slug
    text: Text
    verbatim: bool
    required: bool = False
    key_stage: KeyStage | None = None
    label: str | None = None
    block: str | None = None
    strand: str | None = None
    number: int | None = Field(default=None, ge=1)
    age_band: str | None = None
    confirmation: Confirmation | None = None
    confirmation_note: str | None = None
    source: str | None = None
    framework: str = ""

    @model_validator(mode="after")
    def consistent_confirmation(self):
        """Word-for-word statements are not marked unconfirmed, and unconfirmed ones are not called verbatim."""
        if self.confirmation == "unconfirmed" and self.verbatim:
            raise ValueError("a statement marked verbatim cannot have confirmation unconfirmed")
        if self.confirmation in ("primary", "secondary-x2", "secondary") and not self.verbatim:
            raise ValueError(f"confirmation {self.confirmation} means the text is verbatim: set verbatim: true")
        return self

    @property
    def level(self) -> str:
        """The confirmation level, derived from verbatim when the file does not give one."""
        return self.confirmation or ("secondary" if self.verbatim else "unconfirmed")

    @property
    def level_label(self) -> str:
        """The confirmation level in words a teacher reads."""
        return CONFIRMATION_LABELS[self.level]

    @property
    def reference(self) -> str:
        """How a teacher names the statement: its label, its strand with its number or age band, or its id."""
        if self.label:
            return self.label
        if self.strand and self.number:
            return f"{self.strand} {self.number}"
        if self.strand:
            return f"{self.strand}, ages {self.age_band}" if self.age_band else self.strand
        return self.id


class Framework(Frozen):
    """A versioned curriculum framework, the dates it applies between, and its statements."""

    framework: Slug
    name: Text
    short_name: str = ""  # e.g. RSHE: how choices and headings name it briefly
    version: Text
    status: Text
    source: Text
    in_force_from: date | None = None
    superseded_on: date | None = None  # the first day it no longer applies
    checked: date | None = None
    note: str = ""
    headings_confirmation: Confirmation | None = None
    headings_note: str = ""
    headings_alternative: dict[str, str] = {}
    statements: tuple[Statement, ...]

    @model_validator(mode="after")
    def dates_in_order(self):
        """A framework is superseded after it comes into force."""
        if self.in_force_from and self.superseded_on and self.superseded_on <= self.in_force_from:
            raise ValueError("superseded_on must be after in_force_from")
        return self

    @property
    def key(self) -> str:
        """framework-version, e.g. rshe-2025: how pages and links name one framework version."""
        return f"{self.framework}-{self.version}"

    @property
    def title(self) -> str:
        """The name and version a teacher reads."""
        return f"{self.name} ({self.version})"

    @property
    def short(self) -> str:
        """The short name and version, e.g. RSHE 2025."""
        return f"{self.short_name or self.name} {self.version}"

    def choice_label(self, day: date) -> str:
        """The framework as a choice in a list, saying when it stopped applying."""
        if self.superseded_on and self.superseded_on <= day:
            return f"{self.short}: {self.name} (superseded {self.superseded_on:%-d %B %Y})"
        return f"{self.short}: {self.name}"

    def in_force(self, day: date) -> bool:
        """True when the framework applies on day."""
        started = self.in_force_from is None or self.in_force_from <= day
        return started and (self.superseded_on is None or day < self.superseded_on)


class SmartRule(Frozen):
    """One SMART rule in the wording taught at each key stage."""

    name: Text
    KS1: Text
    KS2: Text


class SmartRules(Frozen):
    """The five rules, keyed by letter."""

    rules: dict[Smart, SmartRule]

    @field_validator("rules")
    @classmethod
    def all_five(cls, rules):
        """Every letter of SMART has a rule."""
        missing = set(SMART_NAMES) - set(rules)
        if missing:
            raise ValueError(f"missing rules for {', '.join(sorted(missing))}")
        return rules


# Lessons --------------------------------------------------------------------------------------------------


class Choice(Frozen):
    """An answer to a check-your-understanding question, with feedback whatever is chosen."""

    text: Text
    feedback: Text
    correct: bool = False


class Step(Frozen):
    """One screen of a lesson."""

    type: Literal["read", "example", "check", "rule"]
    title: Text
    text: str = ""
    question: str = ""
    choices: tuple[Choice, ...] = ()
    html: str = ""  # filled by the loader: the text rendered once and sanitised

    @model_validator(mode="after")
    def fits_its_type(self):
        """Read and example steps have text; check steps have a question and one correct answer."""
        if self.type in ("read", "example") and not self.text.strip():
            raise ValueError(f"a {self.type} step needs text")
        if self.type == "check":
            if not self.question.strip():
                raise ValueError("a check step needs a question")
            if not 2 <= len(self.choices) <= 4:
                raise ValueError("a check step needs 2 to 4 choices")
            if sum(c.correct for c in self.choices) != 1:
                raise ValueError("a check step needs exactly one correct choice")
        elif self.choices or self.question:
            raise ValueError(f"only check steps have a question and choices, not {self.type} steps")
        return self


class Lesson(ForYears, Frozen):
    """A pupil lesson: 4-8 steps teaching a SMART rule or a topic."""

    id: Slug
    version: int = Field(ge=1)
    audience: Literal["pupil"]
    kind: Literal["smart", "topic"]
    smart: Smart
    topic: Topic
    key_stage: KeyStage
    years: tuple[int, ...] = ()
    title: Text
    summary: Text
    objective: Text
    illustration: Text
    illustration_alt: Text
    curriculum: tuple[Slug, ...] = Field(min_length=1)
    home_prompt: Text
    steps: tuple[Step, ...] = Field(min_length=4, max_length=8)

    @model_validator(mode="after")
    def teaches_and_checks(self):
        """Each lesson has a worked example and at least one check question."""
        types = {s.type for s in self.steps}
        if "example" not in types:
            raise ValueError("steps: a lesson needs at least one example step (a worked example)")
        if "check" not in types:
            raise ValueError("steps: a lesson needs at least one check step")
        check_years(self.years, self.key_stage)
        return self

    @property
    def check_steps(self) -> tuple[int, ...]:
        """Indexes of the steps that ask a question."""
        return tuple(i for i, s in enumerate(self.steps) if s.type == "check")


class ParentPage(Frozen):
    """A page of the public parent and carer guide."""

    id: Slug
    audience: Literal["parent"]
    title: Text
    summary: Text
    order: int
    widget: Literal["age-guide"] | None = None
    curriculum: tuple[Slug, ...] = ()
    body: Text
    html: str = ""


# Platforms ------------------------------------------------------------------------------------------------


class Platform(Frozen):
    """One app, game or network and its age rule in the UK."""

    id: Slug
    name: Text
    category: Literal["social", "messaging", "video", "game", "gaming-network", "music", "ai"]
    min_age: int | None = Field(default=None, ge=0, le=21)
    min_age_note: str | None = None
    pegi: Literal[3, 7, 12, 16, 18, "Parental Guidance"] | None = None
    child_version: str | None = None
    why: Text
    confirmed: bool
    source: Annotated[str, StringConstraints(pattern=r"^https?://")]
    checked: date
    quiz: bool = False  # authors choose the platforms the age quiz asks about (confirmed ones only)


class PlatformFile(Frozen):
    """quizzes/platforms.yaml."""

    platforms: tuple[Platform, ...] = Field(min_length=1)


# Quizzes --------------------------------------------------------------------------------------------------


class Tagged(Frozen):
    """An answer tagged with the understanding it shows, and the misconception when there is one."""

    understanding: Understanding
    misconception: str | None = None
    feedback: Text

    @model_validator(mode="after")
    def names_misconception(self):
        """A misconception answer says what the pupil believes; others do not."""
        if self.understanding == "misconception" and not (self.misconception or "").strip():
            raise ValueError("an answer tagged misconception needs the misconception it shows")
        return self


class QuizChoice(Tagged):
    """A choice in a question."""

    id: Slug
    text: Text
    correct: bool = False


class SortGroup(Frozen):
    """A group pupils sort items into."""

    id: Slug
    label: Text


class SortItem(Frozen):
    """An item to sort, its right group, and what a wrong placing shows."""

    id: Slug
    text: Text
    group: Slug
    feedback: Text
    misconception: str | None = None


class QuestionBase(Frozen):
    """Fields every question has, whatever its type."""

    id: Slug
    prompt: Text
    generated: bool = False


class ChoiceQuestion(QuestionBase):
    """A question answered by choosing from choices with ids; correct choices are secure, and only they are."""

    choices: tuple[QuizChoice, ...]

    @property
    def groups(self) -> tuple:
        """Only sort questions have groups."""
        return ()

    @property
    def items(self) -> tuple:
        """Only sort questions have items."""
        return ()

    @model_validator(mode="after")
    def distinct_choices(self):
        """At least two choices, with different ids, and the right ones tagged secure."""
        if len(self.choices) < 2 or len({c.id for c in self.choices}) != len(self.choices):
            raise ValueError("a question needs at least 2 choices with different ids")
        for choice in self.choices:
            if choice.correct != (choice.understanding == "secure"):
                raise ValueError(f"choice {choice.id}: correct choices are secure, and only they are")
        return self

    def _one_correct(self, name: str):
        """Refuse a question that does not have exactly one correct choice."""
        if sum(c.correct for c in self.choices) != 1:
            raise ValueError(f"a {name} question needs exactly one correct choice")
        return self


class SingleQuestion(ChoiceQuestion):
    """Choose one answer."""

    type: Literal["single"]

    @model_validator(mode="after")
    def one_correct(self):
        """Exactly one choice is right."""
        return self._one_correct("single")


class TrueFalseQuestion(ChoiceQuestion):
    """True or false: two choices with ids true and false."""

    type: Literal["truefalse"]

    @model_validator(mode="after")
    def true_and_false(self):
        """The two choices are true and false, and one of them is right."""
        if sorted(c.id for c in self.choices) != ["false", "true"]:
            raise ValueError("a truefalse question has exactly two choices, with ids true and false")
        return self._one_correct("truefalse")


class MultipleQuestion(ChoiceQuestion):
    """Tick every right answer."""

    type: Literal["multiple"]

    @model_validator(mode="after")
    def some_correct(self):
        """At least one choice is right."""
        if not any(c.correct for c in self.choices):
            raise ValueError("a multiple question needs at least one correct choice")
        return self


class SortQuestion(QuestionBase):
    """Put each item into its group."""

    type: Literal["sort"]
    groups: tuple[SortGroup, ...]
    items: tuple[SortItem, ...]

    @property
    def choices(self) -> tuple:
        """Sort questions have items and groups, not choices."""
        return ()

    @model_validator(mode="after")
    def well_formed(self):
        """At least two groups and two items, each item naming one of the groups."""
        if len(self.groups) < 2 or len(self.items) < 2:
            raise ValueError("a sort question needs at least 2 groups and 2 items, and no choices")
        groups = {g.id for g in self.groups}
        for item in self.items:
            if item.group not in groups:
                raise ValueError(f"item {item.id} names unknown group {item.group}")
        return self


class BaselineQuestion(ChoiceQuestion):
    """A "What do I know?" question: one secure answer, and every other answer graded developing or
    misconception, tied to a SMART letter and to the curriculum statement it checks."""

    type: Literal["baseline"]
    smart: Smart
    statement: Slug  # the Education for a Connected World statement it checks; its strand groups the report

    @model_validator(mode="after")
    def graded_answers(self):
        """One secure answer, and at least one other answer that is not secure."""
        return self._one_correct("baseline")


AnyQuestion = Annotated[
    SingleQuestion | TrueFalseQuestion | MultipleQuestion | SortQuestion | BaselineQuestion,
    Field(discriminator="type"),
]
_QUESTION = TypeAdapter(AnyQuestion)


def Question(**fields) -> QuestionBase:  # noqa: N802 - reads like the class it builds
    """A question of the type its fields name, validated (the discriminated union of question types)."""
    return _QUESTION.validate_python(fields)


class QuizBase(ForYears, Frozen):
    """Fields every quiz has."""

    id: Slug
    version: int = Field(ge=1)
    key_stage: KeyStage
    years: tuple[int, ...] = ()
    title: Text
    summary: Text
    smart: Smart
    pass_mark: int = Field(ge=1, le=100)
    lesson: Slug
    curriculum: tuple[Slug, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def years_in_key_stage(self):
        """A quiz limited to some year groups names years of its own key stage."""
        check_years(self.years, self.key_stage)
        return self


class Generate(Frozen):
    """Questions an age quiz builds from the platform data."""

    platform_ages: int = Field(default=0, ge=0, le=10)


class QuestionQuiz(QuizBase):
    """A quiz of questions, such as the age-restriction quizzes."""

    kind: Literal["age", "questions"]
    generate: Generate | None = None
    questions: tuple[AnyQuestion, ...] = Field(min_length=1)

    @property
    def length(self) -> int:
        """How many questions a pupil meets."""
        return len(self.questions)

    @model_validator(mode="after")
    def unique_ids(self):
        """Question ids are unique within a quiz."""
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("questions: ids must be unique")
        return self


class ScenarioChoice(Tagged):
    """A decision in a scenario and where it leads."""

    text: Text
    next: Slug
    smart: Smart


class Node(Frozen):
    """A point in a scenario: a decision with choices, or an ending."""

    text: Text
    end: bool = False
    choices: tuple[ScenarioChoice, ...] = ()

    @model_validator(mode="after")
    def decision_or_end(self):
        """Endings have no choices; decisions have at least three."""
        if self.end and self.choices:
            raise ValueError("an end node has no choices")
        if not self.end and len(self.choices) < 3:
            raise ValueError("a decision needs at least 3 choices")
        return self


class ScenarioQuiz(QuizBase):
    """A short branching story."""

    kind: Literal["scenario"]
    start: Slug
    nodes: dict[Slug, Node]

    @model_validator(mode="after")
    def every_branch_ends(self):
        """Every choice leads to a node, there are no loops or unreachable nodes, and every path ends."""
        if self.start not in self.nodes:
            raise ValueError(f"start: no node called {self.start}")
        for name, node in self.nodes.items():
            for choice in node.choices:
                if choice.next not in self.nodes:
                    raise ValueError(f"nodes.{name}: choice leads to unknown node {choice.next}")
        depths = self.decision_depths()
        unreachable = set(self.nodes) - set(self._reachable())
        if unreachable:
            raise ValueError(f"nodes: unreachable {', '.join(sorted(unreachable))}")
        if self.key_stage == "KS2" and min(depths) < 2:
            raise ValueError("a KS2 scenario needs every branch at least two decisions deep")
        return self

    def _reachable(self) -> list[str]:
        """Node names reachable from the start."""
        seen, pending = [], [self.start]
        while pending:
            name = pending.pop()
            if name not in seen:
                seen.append(name)
                pending.extend(c.next for c in self.nodes[name].choices)
        return seen

    def decision_depths(self) -> list[int]:
        """The number of decisions on each path from the start to an end; refuses loops."""
        depths: list[int] = []

        def walk(name: str, trail: tuple[str, ...]) -> None:
            if name in trail:
                raise ValueError(f"nodes: a loop passes through {name}")
            node = self.nodes[name]
            if node.end:
                depths.append(len(trail))
                return
            for choice in node.choices:
                walk(choice.next, trail + (name,))

        walk(self.start, ())
        return depths

    @property
    def max_decisions(self) -> int:
        """The most decisions any path asks for."""
        return max(self.decision_depths())

    @property
    def length(self) -> int:
        """How many decisions a pupil meets at most."""
        return self.max_decisions


class BaselineQuiz(QuizBase):
    """A short "What do I know?" check, opened to a class as a baseline and again later to see growth.

    Its questions spread over the SMART letters and the Education for a Connected World strands its key stage
    teaches; it teaches nothing itself, so it names no lesson of its own (lesson is the key stage's Tell lesson).
    """

    kind: Literal["baseline"]
    curriculum: tuple[Slug, ...] = Field(default=(), max_length=0)  # it teaches nothing, so covers nothing
    questions: tuple[BaselineQuestion, ...] = Field(min_length=10, max_length=14)

    @property
    def length(self) -> int:
        """How many questions a pupil meets."""
        return len(self.questions)

    @model_validator(mode="after")
    def spread(self):
        """Unique question ids, and at least three SMART letters among the questions."""
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("questions: ids must be unique")
        if len({q.smart for q in self.questions}) < 3:
            raise ValueError("questions: a baseline check spreads over at least three SMART letters")
        return self


Quiz = Annotated[QuestionQuiz | ScenarioQuiz | BaselineQuiz, Field(discriminator="kind")]
# The schema each quiz kind is read with; a file with an unknown kind is read as a question quiz, whose
# validation then names the kinds it accepts.
QUIZ_SCHEMAS: dict[str, type[QuizBase]] = {"age": QuestionQuiz, "questions": QuestionQuiz,
                                            "scenario": ScenarioQuiz, "baseline": BaselineQuiz}



# Teacher's guides -----------------------------------------------------------------------------------------

PLAN_PARTS = ("starter", "teaching", "activity", "plenary")
PLAN_MINUTES = (30, 45)  # a primary computing or PSHE lesson: the whole plan fits between these


class Term(Frozen):
    """A key word and what it means, in words a child of the key stage understands."""

    word: Text
    meaning: Text


class PlanPart(Frozen):
    """One part of the timed lesson plan."""

    part: Literal[PLAN_PARTS]  # type: ignore[valid-type]
    minutes: int = Field(ge=2, le=30)
    title: Text
    what: Text


class Misconception(Frozen):
    """Something a child may say that shows a misunderstanding, and how to answer it.

    `tag` is the exact misconception a quiz answer names (quizzes/), so the guide and the class's
    misconception list speak of the same thing; it is left out only when no quiz names that belief.
    """

    listen_for: Text
    respond: Text
    tag: str | None = None


class Adaptations(Frozen):
    """Ways into the lesson for pupils with special educational needs and disabilities, and for EAL pupils."""

    send: tuple[Text, ...] = Field(min_length=2)
    eal: tuple[Text, ...] = Field(min_length=2)


class Source(Frozen):
    """Where a fact in the guide can be checked, and when it was."""

    title: Text
    url: Annotated[str, StringConstraints(pattern=r"^https://")]
    checked: date


class Guide(Frozen):
    """A teacher's guide to one pupil lesson (lessons/guides/<lesson id>.yaml)."""

    lesson: Slug
    success_criteria: tuple[Text, ...] = Field(min_length=2, max_length=5)
    vocabulary: tuple[Term, ...] = Field(min_length=3)
    plan: tuple[PlanPart, ...]
    discussion: tuple[Text, ...] = Field(min_length=3)
    misconceptions: tuple[Misconception, ...] = Field(min_length=2)
    adaptations: Adaptations
    scenario: Slug
    parent_page: Slug  # the parent guide page the lesson's letter home points to (lessons/parents/)
    safeguarding: Text
    step_notes: tuple[Text, ...] = Field(min_length=4, max_length=8)
    sources: tuple[Source, ...] = Field(min_length=1)

    @field_validator("plan")
    @classmethod
    def timed_plan(cls, plan):
        """Starter, teaching, activity and plenary, in that order, adding up to 30-45 minutes."""
        if tuple(p.part for p in plan) != PLAN_PARTS:
            raise ValueError(f"the plan has the parts {', '.join(PLAN_PARTS)}, once each and in that order")
        total = sum(p.minutes for p in plan)
        low, high = PLAN_MINUTES
        if not low <= total <= high:
            raise ValueError(f"the plan adds up to {total} minutes: make it {low} to {high}")
        return plan

    @property
    def minutes(self) -> int:
        """The length of the whole plan."""
        return sum(p.minutes for p in self.plan)


# Scheme of work -------------------------------------------------------------------------------------------

HALF_TERMS = ("Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2")


class SchemeYear(Frozen):
    """One year group's suggested sequence: the activity ids of each of the six half terms, in order."""

    year: int = Field(ge=1, le=6)
    half_terms: tuple[tuple[Slug, ...], ...] = Field(min_length=6, max_length=6)

    @field_validator("half_terms")
    @classmethod
    def each_once(cls, half_terms):
        """Every half term has something to teach, and no activity comes twice in a year."""
        if any(not ids for ids in half_terms):
            raise ValueError("every half term needs at least one lesson or quiz")
        ids = [i for ids in half_terms for i in ids]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"an activity comes more than once in the year: {', '.join(repeated)}")
        return half_terms

    @property
    def key_stage(self) -> str:
        """KS1 for Years 1 and 2, KS2 for Years 3 to 6."""
        return "KS1" if self.year <= 2 else "KS2"


class Scheme(Frozen):
    """curriculum/scheme.yaml: a suggested sequence for each year group, Year 1 to Year 6."""

    checked: date
    half_terms: tuple[str, ...]
    years: tuple[SchemeYear, ...]

    @model_validator(mode="after")
    def six_years_six_half_terms(self):
        """Years 1 to 6 once each, and the six half terms named in order."""
        if self.half_terms != HALF_TERMS:
            raise ValueError(f"half_terms must be {', '.join(HALF_TERMS)}")
        if sorted(y.year for y in self.years) != [1, 2, 3, 4, 5, 6]:
            raise ValueError("years: give each of Years 1 to 6 once")
        return self

    def year(self, year: int) -> SchemeYear:
        """The suggested sequence for one year group."""
        return next(y for y in self.years if y.year == year)
