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


# --- added for the pre-copy settings (vmlab.migration); keep the functions above unchanged ---


def number_in(
    value: Any,
    what: str,
    *,
    name: str,
    low: float | None = None,
    high: float | None = None,
    low_ok: bool = True,
    high_ok: bool = True,
    unit: str = "",
) -> float:
    """``value`` as a finite number within ``low``/``high`` (each bound inclusive unless
    ``low_ok``/``high_ok`` is False); the message starts with the argument's ``name``.

    >>> number_in(3, "the VM's memory", name="memory_gib", low=0, low_ok=False, unit="GiB")
    3.0
    """
    unit_text = f" {unit}" if unit else ""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        and not _is_numpy_number(value)
    ):
        raise ValueError(f"{name} must be a number ({what}); got {value!r}.")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number ({what}); got {value!r}.")
    if low is not None and (number < low or (number == low and not low_ok)):
        bound = f"at least {low:g}" if low_ok else f"greater than {low:g}"
        raise ValueError(f"{name} must be {bound}{unit_text} ({what}); got {value!r}.")
    if high is not None and (number > high or (number == high and not high_ok)):
        bound = f"at most {high:g}" if high_ok else f"less than {high:g}"
        raise ValueError(f"{name} must be {bound}{unit_text} ({what}); got {value!r}.")
    return number


def whole_in(value: Any, what: str, *, name: str, low: int, high: int) -> int:
    """``value`` as a whole number from ``low`` to ``high``.

    >>> whole_in(30, "rounds", name="max_rounds", low=2, high=100_000)
    30
    """
    if isinstance(value, bool) or not (isinstance(value, int) or _is_numpy_integer(value)):
        raise ValueError(
            f"{name} must be a whole number from {low} to {high} ({what}); got {value!r}."
        )
    if not low <= int(value) <= high:
        raise ValueError(
            f"{name} must be a whole number from {low} to {high} ({what}); got {value!r}."
        )
    return int(value)


def one_of(value: Any, choices: dict[str, str], *, name: str) -> str:
    """``value`` if it is a key of ``choices`` (key → what it means); the message lists them.

    >>> one_of("sdps", {"sdps": "slow the guest", "abort": "give up"}, name="on_no_convergence")
    'sdps'
    """
    if not isinstance(value, str) or value not in choices:
        listed = "; ".join(f"{key!r} ({meaning})" for key, meaning in choices.items())
        raise ValueError(f"{name} must be one of: {listed}. Got {value!r}.")
    return value


def _is_numpy_number(value: Any) -> bool:
    import numpy as np

    return isinstance(value, np.integer | np.floating)


def _is_numpy_integer(value: Any) -> bool:
    import numpy as np

    return isinstance(value, np.integer)
