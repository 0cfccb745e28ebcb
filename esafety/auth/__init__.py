"""Sign-in for every role."""

from .routes import bp

__all__ = ["bp"]
