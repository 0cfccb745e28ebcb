"""Turning a pasted class list into pupils: first name and last initial only."""

import re

_SPLIT = re.compile(r"[\t,;]+")


def parse_line(line: str) -> tuple[str, str] | None:
    """One pasted line as (first name, initial); "Maya K", "Maya K.", "Maya Khan" and "Khan, Maya" all work.

    Only the first name and the initial of the last name are kept (data minimisation).
    """
    line = " ".join(line.replace("\u00a0", " ").split())
    if not line or line.startswith("#"):
        return None
    if "," in line or "\t" in line or ";" in line:
        parts = [p.strip() for p in _SPLIT.split(line) if p.strip()]
        if len(parts) >= 2:  # "Surname, First" as exported from most school systems
            line = f"{parts[1]} {parts[0]}"
    words = [w for w in line.split(" ") if re.search(r"[^\W\d_]", w)]
    if not words:
        return None
    first = words[0].strip(".")[:40]
    initial = next((ch for ch in words[-1] if ch.isalpha()), "") if len(words) > 1 else ""
    first = first[:1].upper() + first[1:]
    return first, initial.upper()


def parse_roster(text: str, existing: set[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """New pupils to add, and notes on lines skipped (duplicates in the paste or already in the class)."""
    added, notes, seen = [], [], set(existing)
    for raw in text.splitlines():
        parsed = parse_line(raw)
        if parsed is None:
            if raw.strip():
                notes.append(f"Skipped “{raw.strip()[:40]}”: no name found.")
            continue
        key = (parsed[0].lower(), parsed[1].lower())
        if key in seen:
            notes.append(f"Skipped {parsed[0]} {parsed[1]}: already in the class.".replace("  ", " "))
            continue
        seen.add(key)
        added.append(parsed)
    return added, notes
