"""Argument checks shared by the engine: each returns the clean value or raises a
``ValueError`` that names the argument, what was wrong and what is allowed."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any


def non_negative(value: Any, what: str) -> float:
    """``value`` as a finite number ≥ 0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{what} must be 0 or more, not {value!r}")
    return number


def positive(value: Any, what: str) -> float:
    """``value`` as a finite number > 0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, not {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{what} must be greater than 0, not {value!r}")
    return number


def whole(value: Any, what: str, *, low: int = 0) -> int:
    """``value`` as a whole number ≥ ``low``."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a whole number, not {value!r}") from None
    if number != value or number < low:
        raise ValueError(f"{what} must be a whole number of {low} or more, not {value!r}")
    return number


def percent(value: Any, what: str) -> float:
    """``value`` as a percentage between 0 and 100."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not 0 <= number <= 100:
        raise ValueError(f"{what} must be a percentage between 0 and 100, not {value!r}")
    return number


def choice(value: Any, choices: Iterable[str], what: str) -> str:
    """``value`` if it is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{what} {value!r} is not known; choose one of {', '.join(choices)}")
    return value
