"""What teacher pages list and filter: a key stage's activities, the progress grid for the page's filters, and
the curriculum frameworks a coverage page shows. Shared by the pages, the CSV exports and the evidence pages."""

from flask import flash, request

from .. import progress
from ..content import catalogue
from ..models import SchoolClass, utcnow
from . import bp
from .forms import FilterForm, FrameworkForm


def activities_for(school_class: SchoolClass) -> list:
    """The lessons and quizzes for a class's key stage and year group, in the order its pupils see them."""
    content = catalogue()
    key_stage, year_group = school_class.key_stage, school_class.year_group
    return content.lessons_for(key_stage, year_group) + content.quizzes_for(key_stage, year_group)


def is_lesson(activity) -> bool:
    """True for a lesson, False for a quiz."""
    return hasattr(activity, "steps")


@bp.app_template_global()
def activity_kind(activity) -> str:
    """"lesson" or "quiz", for templates."""
    return "lesson" if is_lesson(activity) else "quiz"


def filtered_activities(school_class: SchoolClass, filters: FilterForm, assigned: set[str]) -> list:
    """The activities the grid shows, after the teacher's filters."""
    chosen = []
    for activity in activities_for(school_class):
        if filters.smart.data and activity.smart != filters.smart.data:
            continue
        if filters.kind.data and activity_kind(activity) != filters.kind.data:
            continue
        if filters.set_only.data and activity.id not in assigned:
            continue
        chosen.append(activity)
    return chosen


def grid_for(school_class: SchoolClass):
    """The grid for the request's filters (shared by the page and the CSV export)."""
    filters = FilterForm(request.args)
    filters.validate()
    record = progress.read_class(school_class.id)  # read once: for the filter and for the grid
    activities = filtered_activities(school_class, filters, {work.activity_id for work in record.set_work})
    return filters, progress.class_grid(record, activities, catalogue())


def chosen_frameworks() -> tuple[FrameworkForm, list]:
    """The frameworks a coverage page shows: those in force today, unless the teacher picked one version."""
    content = catalogue()
    form = FrameworkForm(content.frameworks, utcnow().date(), request.args)
    if request.args.get("framework") and not form.validate():
        flash("That framework is not one we know, so this page shows the frameworks in force today.", "error")
        form.framework.data = ""
    if form.framework.data:
        return form, [f for f in content.frameworks if f.key == form.framework.data]
    return form, progress.frameworks_in_force(content)


def activity_titles() -> dict[str, str]:
    """Every lesson's and quiz's title by id."""
    content = catalogue()
    return {**{k: v.title for k, v in content.lessons.items()}, **{k: v.title for k, v in content.quizzes.items()}}
