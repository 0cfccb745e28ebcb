"""Password rules for adults (OWASP ASVS 5.0 6.2): length, not composition; common passwords refused."""

from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 8
MAX_LENGTH = 64


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 3,000 most common passwords, from Django's common-passwords list (BSD licence), one per line."""
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())


def password_problem(password: str) -> str | None:
    """Why a password is not acceptable, or None. The password is checked exactly as typed."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters; a short sentence of three or four words is easy to remember."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if password.lower() in common_passwords():
        return "That password is one of the most common ones, so it is easy to guess. Choose another."
    return None
