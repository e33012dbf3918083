"""Small helpers for the sentences vmlab writes to a student."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["listing", "plural"]


def listing(names: Iterable[str], *, most: int = 8) -> str:
    """Names the way a message lists them: all of a few, the first and last of many.

    >>> listing(["esx-01", "esx-02"]), listing(f"esx-{i:02d}" for i in range(1, 17))
    ('esx-01, esx-02', 'esx-01 … esx-16')
    >>> listing([])
    '(none)'
    """
    names = list(names)
    if not names:
        return "(none)"
    if len(names) > most:
        return f"{names[0]} … {names[-1]}"
    return ", ".join(names)


def plural(n: int, word: str, words: str | None = None) -> str:
    """``'1 move'``, ``'3 moves'``.

    >>> plural(1, "move"), plural(3, "move"), plural(2, "VM", "VMs")
    ('1 move', '3 moves', '2 VMs')
    """
    return f"{n} {word if n == 1 else (words or word + 's')}"
