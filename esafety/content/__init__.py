"""Lessons, quizzes, parent pages, platform ages and curriculum frameworks, loaded once at start-up."""

from functools import lru_cache

from flask import Flask, current_app

from .loader import Catalogue, ContentError, load

__all__ = ["Catalogue", "ContentError", "catalogue", "init_app", "load_cached"]


@lru_cache(maxsize=4)
def load_cached(root: str, check_reading_level: bool) -> Catalogue:
    """Load content from a folder once per process (the test suite builds many apps)."""
    return load(root, check_reading_level=check_reading_level)


def init_app(app: Flask) -> None:
    """Load and validate the content; a broken file stops the app with every problem named.

    The reading-level measure loads a pronunciation dictionary (about a second per process), so app
    servers skip it by default; `flask content check` and the test suite always measure it.
    """
    app.extensions["esafety_content"] = load_cached(app.config["CONTENT_ROOT"],
                                                    app.config["CONTENT_CHECK_READING_LEVEL"])


def catalogue() -> Catalogue:
    """The current app's content."""
    return current_app.extensions["esafety_content"]
