"""Pupils' picture passcodes and login-card tokens."""

import hashlib
import secrets

# Twelve pictures a five-year-old can name. A passcode is three of them in order: 12**3 = 1,728 codes.
PICTURES = ("cat", "dog", "fish", "bird", "star", "moon", "sun", "tree", "flower", "apple", "car", "boat")
LENGTH = 3


def new_passcode() -> str:
    """A random picture passcode, its words joined by hyphens (e.g. "cat-sun-boat")."""
    return "-".join(secrets.choice(PICTURES) for _ in range(LENGTH))


def new_card_token() -> str:
    """A login-card token with 160 bits from the OS's CSPRNG."""
    return secrets.token_urlsafe(20)


def token_hash(token: str) -> str:
    """Card tokens and link codes are stored only as SHA-256 hashes (they are long and random)."""
    return hashlib.sha256(token.encode()).hexdigest()
