"""Lessons, quizzes, parent pages, platform ages and curriculum frameworks, loaded once at start-up."""

from functools import lru_cache

from flask import Flask, current_app

from .loader import Catalogue, ContentError, load

__all__ = ["Catalogue", "ContentError", "catalogue", "init_app", "load_cached"]


@lru_cache(maxsize=4)
def load_cached(root: str) -> Catalogue:
    """Load content from a folder once per process (the test suite builds many apps)."""
    return load(root)


def init_app(app: Flask) -> None:
    """Load and validate the content; a broken file stops the app with every problem named."""
    app.extensions["esafety_content"] = load_cached(app.config["CONTENT_ROOT"])


def catalogue() -> Catalogue:
    """The current app's content."""
    return current_app.extensions["esafety_content"]
