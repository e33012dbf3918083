"""The one place vmlab checks its arguments.

Every public function, method, plot and widget factory checks what it is given with the
functions below, at the top, before it changes anything. Each returns the clean value or
raises a ``ValueError`` (:class:`NotFoundError` for a name that does not exist) whose
message a student can act on: what was wrong, what is allowed, and what to try.

    >>> from vmlab import checks
    >>> checks.time_s(60, "at_s")
    60.0
    >>> checks.time_s("60", "at_s")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: at_s must be a number of seconds, not the string '60'; write it without ...
    >>> checks.name("esx-17", [f"esx-{i:02d}" for i in range(1, 17)], "Host")
    Traceback (most recent call last):
    ...
    vmlab.checks.NotFoundError: Host 'esx-17' does not exist; hosts are esx-01 … esx-16

The rules, the same everywhere:

- **Numbers** are real and finite: ``int``, ``float``, numpy's integer and floating scalars
  (what a DataFrame hands back) and other :class:`numbers.Real`. ``True``/``False``, ``NaN``,
  ``±inf``, complex numbers and *numeric strings* (``"10"``) are refused, never converted: a
  string that looks like a number is almost always a quoting slip, and converting it in one
  place but not another would teach the wrong thing. Each number has a range, and the message
  gives it with the unit.
- **Whole numbers** (counts, rounds, vCPUs, seeds) are ``int`` or numpy integers; a float with
  nothing after the point (``4.0``, what a slider gives) is taken as that whole number,
  ``2.5`` is refused.
- **Names** are a ``str`` of something that exists; the message lists the valid names and
  suggests the closest one. A list, dict, number or ``None`` where one name is expected is
  refused with what to write instead.
- **Choices** are a ``str`` among a fixed set; **flags** are ``True`` or ``False``.
- **Language**: a message is said in the language vmlab speaks
  (:func:`vmlab.i18n.use_language`). An argument's own name (``at_s``) is code and printed as
  it is; a descriptive name (``"Host"``, ``"Event kind"``) is looked up in the catalog
  (:func:`what_text`), so the caller marks it with ``N_`` where it is written.
- **Results** handed back to vmlab (a :class:`~vmlab.sim.Timeline`, a cluster, a DataFrame
  from :mod:`vmlab.scenarios`, a migration result) are recognised by their attributes or
  columns, so this module never imports :mod:`vmlab.sim` or the plots.
"""

from __future__ import annotations

import difflib
import functools
import html
import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from vmlab.i18n import N_, _, ngettext

__all__ = [
    "NotFoundError",
    "axes",
    "cluster_or_timeline",
    "migration_result",
    "choice",
    "choices",
    "cluster",
    "describe",
    "flag",
    "frame",
    "function",
    "kind_of",
    "listing",
    "name",
    "names",
    "non_negative",
    "number",
    "numbers_by_name",
    "percent",
    "positive",
    "seed",
    "show_error",
    "spring_back",
    "text",
    "time_range",
    "time_s",
    "timeline",
    "whole",
    "widget_callback",
]

# TRANSLATORS: a unit spelled out ("a number of seconds")
_UNIT_WORDS = {"s": N_("seconds"), "ms": N_("milliseconds"), "%": N_("percent")}
"""Units spelled out after "a number of …"; other units are written as they are."""


def what_text(what: str) -> str:
    """``what`` as a message names it: an argument's own name (``at_s``, ``t_range[0]``) as
    it is, a descriptive name (``"Host"``, ``"Event kind"``, marked with ``N_`` where it is
    written) in the current language.

    >>> what_text("at_s"), what_text("Host")
    ('at_s', 'Host')
    """
    if not isinstance(what, str) or not what or (what.isidentifier() and what.islower()):
        return what
    if "[" in what or "(" in what and " " not in what:
        return what
    return _(what)


def _noun(what: str) -> str:
    """The lower-case noun of ``what`` ("Host" → "host"; a translated one as it is)."""
    said = what_text(what)
    return what.lower() if said == what else said


def _unit_word(unit: str) -> str:
    word = _UNIT_WORDS.get(unit)
    return _(word) if word else unit


class NotFoundError(KeyError, ValueError):
    """A name that does not exist (or is not a name at all). The message lists the valid
    names. It is a ``ValueError`` like every vmlab error, and a ``KeyError`` so that
    mappings of names (``cluster.hosts``) keep working with ``in`` and ``.get``."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0])


# ----------------------------------------------------------------------------------------
# Saying what a value is
# ----------------------------------------------------------------------------------------


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(value: Any) -> str:
    """What ``value`` is, the way an error message names it.

    >>> describe("10"), describe(None), describe(True), describe(float("nan"))
    ("the string '10'", 'None', 'True (a yes/no value)', 'NaN (not a number)')
    >>> describe(["esx-01"]), describe({"a": 1}), describe(2.5)
    ("a list (['esx-01'])", "a dict ({'a': 1})", '2.5')
    """
    if value is None:
        return "None"
    if isinstance(value, bool | np.bool_):
        return _("{value} (a yes/no value)").format(value=bool(value))
    if isinstance(value, str):
        return _("the string {text}").format(text=_short(value))
    if isinstance(value, numbers.Real):
        try:
            number = float(value)
        except OverflowError:  # an int too large for a float
            number = math.inf
        if math.isnan(number):
            return _("NaN (not a number)")
        if isinstance(value, np.generic):
            return f"{value.item()!r}"
        return _short(value)
    kind = type(value).__name__
    if type(value) is object:
        return _("a bare object()")
    if kind[0].lower() in "aeiou":
        return _("an {kind} ({text})").format(kind=kind, text=_short(value))
    return _("a {kind} ({text})").format(kind=kind, text=_short(value))


def listing(names: Iterable[Any]) -> str:
    """Names as a message lists them: all of a few, the first and last of many.

    >>> listing(["esx-01", "esx-02"]), listing(f"esx-{i:02d}" for i in range(1, 17))
    ('esx-01, esx-02', 'esx-01 … esx-16')
    >>> listing([])
    '(none)'
    """
    names = [str(n) for n in names]
    if not names:
        # TRANSLATORS: an empty list of names
        return _("(none)")
    if len(names) > 8:
        return f"{names[0]} … {names[-1]}"
    return ", ".join(names)


_MUST = {
    ("a number", False): N_("{what} must be a number, not {value}"),
    ("a number", True): N_("{what} must be a number of {unit}, not {value}"),
    ("a whole number", False): N_("{what} must be a whole number, not {value}"),
    ("a whole number", True): N_("{what} must be a whole number of {unit}, not {value}"),
    ("a finite number", False): N_("{what} must be a finite number, not {value}"),
    ("a finite number", True): N_("{what} must be a finite number of {unit}, not {value}"),
    ("a finite whole number", False): N_("{what} must be a finite whole number, not {value}"),
    ("a finite whole number", True): N_(
        "{what} must be a finite whole number of {unit}, not {value}"
    ),
}
"""'``what`` must be a number (of a unit), not …', for each kind of number."""


def _must_be(kind: str, what: str, unit: str, value: str) -> str:
    return _(_MUST[kind, bool(unit)]).format(
        what=what_text(what), unit=_unit_word(unit), value=value
    )


def _with_unit(x: float, unit: str) -> str:
    if not unit:
        return f"{x:g}"
    return f"{x:g} %" if unit == "%" else f"{x:g} {unit}"


# ----------------------------------------------------------------------------------------
# Numbers
# ----------------------------------------------------------------------------------------


def _real(value: Any, what: str, unit: str, kind: str = "a number") -> float:
    """``value`` as a finite float, or the ValueError that says why it is not one."""
    if isinstance(value, str):
        hint = ""
        try:
            float(value)
            hint = _("; write it without quotes: {code}").format(code=f"{what}={value.strip()}")
        except ValueError:
            pass
        raise ValueError(_must_be(kind, what, unit, describe(value)) + hint)
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ValueError(_must_be(kind, what, unit, describe(value)))
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        raise ValueError(
            _("{what} is too large to compute with: {value}").format(
                what=what_text(what), value=_short(value)
            )
        ) from None
    if math.isnan(number):
        finite = kind.replace("a ", "a finite ", 1)
        raise ValueError(_must_be(finite, what, unit, describe(number)))
    if math.isinf(number):
        raise ValueError(_must_be("a finite number", what, unit, str(number)))
    return number


def number(
    value: Any,
    what: str,
    *,
    unit: str = "",
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a finite float in the range ``low`` … ``high`` (bounds included unless
    ``low_open`` / ``high_open``).

    >>> number(10, "bandwidth_gbit_s", unit="Gbit/s", low=0, low_open=True)
    10.0
    >>> number(-1, "bandwidth_gbit_s", unit="Gbit/s", low=0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: bandwidth_gbit_s must be greater than 0 Gbit/s, not -1
    >>> number(True, "memory_gib", unit="GiB")
    Traceback (most recent call last):
    ...
    ValueError: memory_gib must be a number of GiB, not True (a yes/no value)
    """
    x = _real(value, what, unit)
    too_low = low is not None and (x <= low if low_open else x < low)
    too_high = high is not None and (x >= high if high_open else x > high)
    if too_low or too_high:
        raise ValueError(_range(what, describe(value), unit, low, high, low_open, high_open))
    return x


_RANGES = {
    # (low bound, high bound): "closed" includes the bound, "open" excludes it, None: no bound
    ("closed", "closed"): N_("{what} must be between {low} and {high}, not {value}"),
    ("open", None): N_("{what} must be greater than {low}, not {value}"),
    ("closed", None): N_("{what} must be {low} or more{unit}, not {value}"),
    (None, "open"): N_("{what} must be less than {high}, not {value}"),
    (None, "closed"): N_("{what} must be at most {high}, not {value}"),
    ("open", "open"): N_("{what} must be greater than {low} and less than {high}, not {value}"),
    ("open", "closed"): N_("{what} must be greater than {low} and at most {high}, not {value}"),
    ("closed", "open"): N_("{what} must be {low} or more{unit} and less than {high}, not {value}"),
}
"""'``what`` must be in this range, not …', for each kind of range."""


def _range(
    what: str,
    value: str,
    unit: str,
    low: float | None,
    high: float | None,
    low_open: bool,
    high_open: bool,
) -> str:
    low_kind = None if low is None else "open" if low_open else "closed"
    high_kind = None if high is None else "open" if high_open else "closed"
    low_text = "" if low is None else f"{low:g}" if low_kind == "closed" else _with_unit(low, unit)
    high_text = "" if high is None else _with_unit(high, unit)
    return _(_RANGES[low_kind, high_kind]).format(
        what=what_text(what), low=low_text, high=high_text, unit=f" {unit}" if unit else "",
        value=value,
    )  # fmt: skip


def _capped(x: float, value: Any, what: str, unit: str, high: float | None) -> float:
    if high is not None and x > high:
        raise ValueError(_range(what, describe(value), unit, None, high, False, False))
    return x


def non_negative(value: Any, what: str, *, unit: str = "", high: float | None = None) -> float:
    """``value`` as a finite number ≥ 0 (and at most ``high``, a limit of what can be
    computed rather than a range to quote: a value too low hears only "0 or more").

    >>> non_negative(0, "dirty_rate_mib_s", unit="MiB/s")
    0.0
    """
    return _capped(number(value, what, unit=unit, low=0), value, what, unit, high)


def positive(value: Any, what: str, *, unit: str = "", high: float | None = None) -> float:
    """``value`` as a finite number > 0.

    >>> positive(0, "memory_gib", unit="GiB")
    Traceback (most recent call last):
    ...
    ValueError: memory_gib must be greater than 0 GiB, not 0
    """
    return _capped(number(value, what, unit=unit, low=0, low_open=True), value, what, unit, high)


def percent(value: Any, what: str, *, low: float = 0, high: float = 100) -> float:
    """``value`` as a percentage between ``low`` and ``high`` (0 and 100 by default).

    >>> percent(80, "threshold_pct")
    80.0
    >>> percent("10", "threshold_pct")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: threshold_pct must be a number of percent, not the string '10'; write it ...
    """
    return number(value, what, unit="%", low=low, high=high)


_WHOLE_RANGES = {
    ("low", False): N_("{what} must be a whole number of {low} or more, not {value}"),
    ("low", True): N_("{what} must be a whole number of {low} or more of {unit}, not {value}"),
    ("high", False): N_("{what} must be a whole number of at most {high}, not {value}"),
    ("high", True): N_("{what} must be a whole number of at most {high} of {unit}, not {value}"),
    ("both", False): N_("{what} must be a whole number from {low} to {high}, not {value}"),
    ("both", True): N_("{what} must be a whole number from {low} to {high} of {unit}, not {value}"),
}
"""'``what`` must be a whole number in this range, not …'."""


def whole(
    value: Any, what: str, *, low: int | None = 0, high: int | None = None, unit: str = ""
) -> int:
    """``value`` as a whole number in ``low`` … ``high`` (``low=None``: no lower bound).

    A float with nothing after the point counts (``4.0`` → ``4``, what a slider gives).

    >>> whole(4.0, "max_moves")
    4
    >>> whole(2.5, "vcpus", low=1)
    Traceback (most recent call last):
    ...
    ValueError: vcpus must be a whole number, not 2.5
    >>> whole(-1, "vcpus", low=1)
    Traceback (most recent call last):
    ...
    ValueError: vcpus must be a whole number of 1 or more, not -1
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        n = int(value)
    else:
        x = _real(value, what, unit, kind="a whole number")
        if x != int(x):
            raise ValueError(_must_be("a whole number", what, unit, describe(value)))
        n = int(x)
    if (low is not None and n < low) or (high is not None and n > high):
        if high is None:
            message = _WHOLE_RANGES["low", bool(unit)]
        elif low is None:
            message = _WHOLE_RANGES["high", bool(unit)]
        else:
            message = _WHOLE_RANGES["both", bool(unit)]
        raise ValueError(
            _(message).format(
                what=what_text(what),
                low=low,
                high=high,
                unit=_unit_word(unit),
                value=describe(value),
            )
        )
    return n


def seed(value: Any, what: str = "seed") -> int:
    """A random seed: a whole number 0 or more (the same seed gives the same run).

    >>> seed(7)
    7
    >>> seed(-1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: seed must be a whole number of 0 or more, not -1 (any one will do; the same ...
    """
    try:
        return whole(value, what, low=0)
    except ValueError as err:
        raise ValueError(
            _("{error} (any one will do; the same seed gives the same run, e.g. {example})").format(
                error=err, example=f"{what}=0"
            )
        ) from None


def time_s(
    value: Any, what: str = "at_s", *, zero_ok: bool = True, high: float | None = None
) -> float:
    """A simulated time or a duration in seconds: finite, 0 or more (more than 0 when
    ``zero_ok`` is false), at most ``high``.

    >>> time_s(0, "at_s"), time_s(1.5, "until_s", zero_ok=False)
    (0.0, 1.5)
    >>> time_s(-5, "t_s")
    Traceback (most recent call last):
    ...
    ValueError: t_s must be 0 or more seconds, not -5
    """
    x = _real(value, what, "s")
    if x < 0 or (x == 0 and not zero_ok) or (high is not None and x > high):
        if high is None and zero_ok:
            message = _("{what} must be 0 or more seconds, not {value}")
        elif high is None:
            message = _("{what} must be more than 0 seconds, not {value}")
        elif zero_ok:
            message = _("{what} must be between 0 and {high} seconds, not {value}")
        else:
            message = _("{what} must be between more than 0 and {high} seconds, not {value}")
        raise ValueError(
            message.format(
                what=what_text(what),
                high="" if high is None else f"{high:g}",
                value=describe(value),
            )
        )
    return x


def time_range(value: Any, what: str = "t_range") -> tuple[float, float]:
    """``(start_s, end_s)``: two times in seconds, the first before the second.

    >>> time_range((0, 600))
    (0.0, 600.0)
    >>> time_range((600, 0))
    Traceback (most recent call last):
    ...
    ValueError: t_range must be (start_s, end_s) with start_s before end_s, not (600, 0)
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise ValueError(_("{what} must be two times in seconds, (start_s, end_s), such as "
                           "(0, 600), not {value}").format(what=what_text(what),
                                                           value=describe(value)))  # fmt: skip
    items = list(value)
    if len(items) != 2:
        raise ValueError(ngettext(
            "{what} must be two times in seconds, (start_s, end_s), such as (0, 600), "
            "not {n} value",
            "{what} must be two times in seconds, (start_s, end_s), such as (0, 600), "
            "not {n} values",
            len(items),
        ).format(what=what_text(what), n=len(items)))  # fmt: skip
    start = _real(items[0], f"{what}[0]", "s")
    end = _real(items[1], f"{what}[1]", "s")
    if not start < end:
        raise ValueError(
            _("{what} must be (start_s, end_s) with start_s before end_s, not {value}").format(
                what=what_text(what), value=_short(value)
            )
        )
    return start, end


# ----------------------------------------------------------------------------------------
# Names and choices
# ----------------------------------------------------------------------------------------


def _close(value: str, known: list[str]) -> str:
    match = difflib.get_close_matches(value, known, n=1, cutoff=0.86)
    return _("; did you mean {name}?").format(name=repr(match[0])) if match else ""


def name(value: Any, known: Iterable[str], what: str) -> str:
    """``value`` if it is the name of one of ``known`` (``what``: ``'Host'``, ``'VM'`` …).

    >>> name("esx-01", ["esx-01", "esx-02"], "Host")
    'esx-01'
    >>> name(["esx-01"], ["esx-01", "esx-02"], "Host")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    vmlab.checks.NotFoundError: A host is named by one string such as 'esx-01', not a list ...
    >>> name("esx01", ["esx-01", "esx-02"], "Host")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    vmlab.checks.NotFoundError: Host 'esx01' does not exist; hosts are esx-01, esx-02; did ...
    """
    known = list(known)
    noun = _noun(what)  # "hosts are …", "vms are …" as cluster.hosts[…] says it
    if not isinstance(value, str):
        example = repr(known[0]) if known else "'…'"
        hint = ""
        if isinstance(value, list | tuple | set) and len(value) == 1:
            (only,) = tuple(value)
            if isinstance(only, str):
                hint = _("; write {name}").format(name=repr(only))
        if noun[0].lower() in "aeiou":
            message = _("An {noun} is named by one string such as {example}, not {value}")
        else:
            message = _("A {noun} is named by one string such as {example}, not {value}")
        raise NotFoundError(message.format(noun=noun, example=example, value=describe(value))
                            + hint)  # fmt: skip
    if value not in known:
        raise NotFoundError(not_found(what, value, known) + _close(value, known))
    return value


def not_found(what: str, value: str, known: Iterable[str]) -> str:
    """'Host 'esx-17' does not exist; hosts are esx-01 … esx-16' (without a suggestion).

    >>> not_found("VM", "x", ["web-01"])
    "VM 'x' does not exist; vms are web-01"
    """
    return _("{what} {value} does not exist; {noun}s are {names}").format(
        what=what_text(what), value=repr(value), noun=_noun(what), names=listing(known)
    )


def names(
    values: Any,
    known: Iterable[str],
    what: str,
    *,
    single_ok: bool = True,
    empty_ok: bool = False,
    unique: bool = True,
) -> list[str]:
    """A list of names of ``known`` (a single ``str`` counts as a list of one when
    ``single_ok``). Duplicates are refused when ``unique``.

    >>> names("esx-01", ["esx-01", "esx-02"], "Host")
    ['esx-01']
    >>> names(["esx-01", "esx-01"], ["esx-01", "esx-02"], "Host")
    Traceback (most recent call last):
    ...
    ValueError: Host 'esx-01' is named twice; name each host once
    """
    known = list(known)
    noun = _noun(what)  # "hosts are …", "vms are …" as cluster.hosts[…] says it
    if isinstance(values, str) and single_ok:
        values = [values]
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise ValueError(_("Name the {noun}s in a list of strings such as {example}, "
                           "not {value}").format(noun=noun, example=known[:2] or ["…"],
                                                 value=describe(values)))  # fmt: skip
    out = [name(v, known, what) for v in values]
    if not out and not empty_ok:
        raise ValueError(_("Name at least one {noun}; {noun}s are {names}").format(
            noun=noun, names=listing(known)))  # fmt: skip
    if unique:
        seen: set[str] = set()
        for n in out:
            if n in seen:
                raise ValueError(
                    _("{what} {name} is named twice; name each {noun} once").format(
                        what=what_text(what), name=repr(n), noun=noun
                    )
                )
            seen.add(n)
    return out


def choice(value: Any, choices: Iterable[str], what: str) -> str:
    """``value`` if it is one of ``choices``.

    >>> choice("web", ["web", "db"], "Service")
    'web'
    >>> choice("Web", ["web", "db"], "Service")
    Traceback (most recent call last):
    ...
    ValueError: Service 'Web' is not known; choose one of web, db; did you mean 'web'?
    """
    options = [str(c) for c in choices]
    if not isinstance(value, str):
        raise ValueError(_("{what} must be one of {options} (a string), not {value}").format(
            what=what_text(what), options=", ".join(options), value=describe(value)))  # fmt: skip
    if value not in options:
        close = _close(value, options) or _close(value.lower(), options)
        raise ValueError(
            _("{what} {value} is not known; choose one of {options}").format(
                what=what_text(what), value=repr(value), options=", ".join(options)
            )
            + close
        )
    return value


def choices(
    values: Any, options: Iterable[str], what: str, *, single_ok: bool = False
) -> list[str]:
    """A list of values, each one of ``options`` (e.g. event kinds to show).

    A single string is refused unless ``single_ok``: iterating ``"host_failed"`` would give
    its letters.

    >>> choices(["host_failed"], ["host_failed", "vm_down"], "Event kind")
    ['host_failed']
    >>> choices("host_failed", ["host_failed", "vm_down"], "Event kind")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Give the event kinds as a list, such as ['host_failed'], not the string ...
    """
    options = list(options)
    noun = _noun(what)
    if isinstance(values, str) and single_ok:
        values = [values]
    message = _("Give the {noun}s as a list, such as {example}, not {value}")
    if isinstance(values, str):
        raise ValueError(message.format(noun=noun, example=f"[{values!r}]",
                                        value=describe(values)))  # fmt: skip
    if isinstance(values, bytes | Mapping) or not isinstance(values, Iterable):
        raise ValueError(message.format(noun=noun, example=options[:1],
                                        value=describe(values)))  # fmt: skip
    return [choice(v, options, what) for v in values]


def flag(value: Any, what: str) -> bool:
    """``True`` or ``False`` (numpy's bool too); anything else is refused.

    >>> flag(True, "affected_only")
    True
    >>> flag("no", "affected_only")
    Traceback (most recent call last):
    ...
    ValueError: affected_only must be True or False, not the string 'no'
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise ValueError(
        _("{what} must be True or False, not {value}").format(
            what=what_text(what), value=describe(value)
        )
    )


def text(value: Any, what: str, *, empty_ok: bool = False) -> str:
    """A string (a label, a question id …), not empty unless ``empty_ok``.

    >>> text("01.converge", "question_id")
    '01.converge'
    """
    if not isinstance(value, str):
        raise ValueError(
            _("{what} must be a string, not {value}").format(
                what=what_text(what), value=describe(value)
            )
        )
    if not value.strip() and not empty_ok:
        raise ValueError(_("{what} must not be empty").format(what=what_text(what)))
    return value


def function(value: Any, what: str) -> Any:
    """Something that can be called with no arguments, such as a ``def`` or a ``lambda``.

    >>> function(None, "action")
    Traceback (most recent call last):
    ...
    ValueError: action must be a function to call (a def or a lambda), not None
    """
    if not callable(value):
        raise ValueError(_("{what} must be a function to call (a def or a lambda), "
                           "not {value}").format(what=what_text(what),
                                                 value=describe(value)))  # fmt: skip
    return value


def numbers_by_name(
    value: Any, what: str, *, unit: str = "", low: float | None = 0
) -> dict[str, float]:
    """A dict from a label to a number (e.g. outage seconds per feature), not empty.

    >>> numbers_by_name({"HA": 120, "FT": 0}, "outages_s", unit="s")
    {'HA': 120.0, 'FT': 0.0}
    """
    if not isinstance(value, Mapping) or not value:
        if unit:
            message = _("{what} must be a dict of label → number of {unit}, such as {example}, "
                        "not {value}")  # fmt: skip
        else:
            message = _("{what} must be a dict of label → number, such as {example}, not {value}")
        raise ValueError(message.format(what=what_text(what), unit=_unit_word(unit),
                                        example="{'HA': 120, 'FT': 0}",
                                        value=describe(value)))  # fmt: skip
    out = {}
    for key, x in value.items():
        label = text(key, _("each label of {what}").format(what=what_text(what)))
        out[label] = number(x, f"{what}[{label!r}]", unit=unit, low=low)
    return out


# ----------------------------------------------------------------------------------------
# Results handed back to vmlab (duck-typed: this module imports neither sim nor plots)
# ----------------------------------------------------------------------------------------


def kind_of(value: Any, what: str, attributes: Iterable[str], expected: str) -> Any:
    """``value`` if it has every one of ``attributes``; otherwise a ValueError saying that
    ``what`` must be ``expected`` (e.g. "the Timeline that sim.run(until_s=…) returns")."""
    missing = [a for a in attributes if not hasattr(value, a)]
    if missing or isinstance(value, type):
        raise ValueError(
            _("{what} must be {expected}, not {value}").format(
                what=what_text(what), expected=_(expected), value=describe(value)
            )
        )
    return value


TIMELINE_ATTRIBUTES = ("events", "states", "host_states", "until_s", "cluster")
CLUSTER_ATTRIBUTES = ("hosts", "vms", "datastores", "networks")


def timeline(value: Any, what: str = "timeline") -> Any:
    """A :class:`vmlab.sim.Timeline` (what ``sim.run(until_s=…)`` returns).

    >>> timeline("t")
    Traceback (most recent call last):
    ...
    ValueError: timeline must be the Timeline that sim.run(until_s=…) returns, not the string 't'
    """
    return kind_of(
        value, what, TIMELINE_ATTRIBUTES, N_("the Timeline that sim.run(until_s=…) returns")
    )


def cluster(value: Any, what: str = "cluster") -> Any:
    """A :class:`vmlab.Cluster` (for instance ``Cluster.example()``).

    >>> cluster(None)
    Traceback (most recent call last):
    ...
    ValueError: cluster must be a Cluster, such as Cluster.example(), not None
    """
    if what.endswith("()"):  # the caller names itself: "Simulation() needs a Cluster …"
        if not all(hasattr(value, a) for a in CLUSTER_ATTRIBUTES) or isinstance(value, type):
            raise ValueError(_("{what} needs a Cluster, such as Cluster.example(), not {value}")
                             .format(what=what, value=describe(value)))  # fmt: skip
        return value
    return kind_of(value, what, CLUSTER_ATTRIBUTES, N_("a Cluster, such as Cluster.example()"))


def frame(value: Any, what: str, columns: Iterable[str], made_by: str) -> Any:
    """A pandas DataFrame with at least ``columns``, as ``made_by`` returns it.

    >>> import pandas as pd
    >>> frame(pd.DataFrame({"x": [1]}), "table", ["feature"], "scenarios.compare()")
    Traceback (most recent call last):
    ...
    ValueError: table lacks the column feature; pass the DataFrame that scenarios.compare() returns
    """
    import pandas as pd

    if not isinstance(value, pd.DataFrame):
        raise ValueError(_("{what} must be the DataFrame that {made_by} returns, not {value}")
                         .format(what=what_text(what), made_by=made_by,
                                 value=describe(value)))  # fmt: skip
    missing = [c for c in columns if c not in value.columns]
    if missing:
        raise ValueError(ngettext(
            "{what} lacks the column {columns}; pass the DataFrame that {made_by} returns",
            "{what} lacks the columns {columns}; pass the DataFrame that {made_by} returns",
            len(missing),
        ).format(what=what_text(what), columns=", ".join(missing), made_by=made_by))  # fmt: skip
    return value


def axes(value: Any, what: str = "ax") -> Any:
    """``None`` (draw on the current Axes) or a matplotlib ``Axes``.

    >>> axes(None) is None
    True
    >>> axes("top")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: ax must be a matplotlib Axes (fig, ax = plt.subplots(); then ax=ax), not ...
    """
    if value is None:
        return None
    return kind_of(value, what, ("plot", "set_title", "figure"),
                   N_("a matplotlib Axes (fig, ax = plt.subplots(); then ax=ax)"))  # fmt: skip


def cluster_or_timeline(value: Any, what: str = "source") -> Any:
    """A :class:`vmlab.Cluster` or a :class:`vmlab.sim.Timeline`."""
    if all(hasattr(value, a) for a in TIMELINE_ATTRIBUTES):
        return value
    expected = N_("a Timeline or a Cluster (what sim.run(until_s=…) returns, or Cluster.example())")
    return kind_of(value, what, CLUSTER_ATTRIBUTES, expected)


def migration_result(value: Any, what: str = "result") -> Any:
    """What :func:`vmlab.migration.precopy` returns."""
    return kind_of(value, what, ("outcome", "n_rounds", "memory_mib", "downtime_s"),
                   N_("the MigrationResult that precopy(…) returns"))  # fmt: skip


# ----------------------------------------------------------------------------------------
# Widgets: a callback never lets an exception out
# ----------------------------------------------------------------------------------------


def widget_callback(method: Any) -> Any:
    """Decorate a widget's callback so that no exception leaves it.

    A ``ValueError`` (a refused action) becomes the widget's message, as the student should
    read it; any other exception becomes a message too (saying it is a fault of vmlab's), never
    a traceback. When the callback was handling a change of a control (an ``observe``
    callback gets ``{'owner': …, 'old': …, 'new': …}``), the control springs back to its old
    value, so the controls keep showing the state the widget is really in.
    """

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(self, "_springing_back", False):
            return None  # the control is being put back: nothing to redo
        try:
            return method(self, *args, **kwargs)
        except Exception as err:  # noqa: BLE001 - a widget shows every failure as a message
            show_error(self, err)
            spring_back(self, args[0] if args else None)
            return None

    return run


def show_error(widget: Any, err: BaseException) -> str:
    """Put ``err`` in ``widget``'s message area (its ``_say_error``, else ``message`` and the
    ``summary`` HTML) and return the message."""
    if isinstance(err, ValueError):
        text_ = str(err)
    else:
        text_ = _("something went wrong inside vmlab ({error}). Please report it; the widget "
                  "is as it was before").format(error=f"{type(err).__name__}: {err}")  # fmt: skip
    say = getattr(widget, "_say_error", None)
    if callable(say):
        say(ValueError(text_))
        return str(getattr(widget, "message", text_))
    message = _("Cannot do that: {error}").format(error=text_)  # as the widgets say it
    widget.message = message
    summary = getattr(widget, "summary", None)
    if summary is not None and hasattr(summary, "value"):
        summary.value = f"<b style='color:#D55E00'>{html.escape(message)}</b>"
    return message


def spring_back(widget: Any, change: Any) -> None:
    """Put the control of a refused ``change`` back to its old value, without running the
    callback again (the widget's state is still the old one)."""
    if not (isinstance(change, Mapping) and "owner" in change and "old" in change):
        return
    widget._springing_back = True
    try:
        change["owner"].value = change["old"]
    finally:
        widget._springing_back = False


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
    said = {"name": name, "what": what_text(what), "value": repr(value),
            "unit": (f" {_(unit)}" if " " in unit else f" {unit}") if unit else ""}  # fmt: skip
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        and not _is_numpy_number(value)
    ):
        raise ValueError(_("{name} must be a number ({what}); got {value}.").format(**said))
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        raise ValueError(
            _("{name} is too large to compute with ({what}); got {value}.").format(**said)
        ) from None
    if not math.isfinite(number):
        raise ValueError(_("{name} must be a finite number ({what}); got {value}.").format(**said))
    if low is not None and (number < low or (number == low and not low_ok)):
        if low_ok:
            message = _("{name} must be at least {low}{unit} ({what}); got {value}.")
        else:
            message = _("{name} must be greater than {low}{unit} ({what}); got {value}.")
        raise ValueError(message.format(low=f"{low:g}", **said))
    if high is not None and (number > high or (number == high and not high_ok)):
        if high_ok:
            message = _("{name} must be at most {high}{unit} ({what}); got {value}.")
        else:
            message = _("{name} must be less than {high}{unit} ({what}); got {value}.")
        raise ValueError(message.format(high=f"{high:g}", **said))
    return number


def whole_in(value: Any, what: str, *, name: str, low: int, high: int) -> int:
    """``value`` as a whole number from ``low`` to ``high``.

    >>> whole_in(30, "rounds", name="max_rounds", low=2, high=100_000)
    30
    """
    message = _("{name} must be a whole number from {low} to {high} ({what}); got {value}.")
    said = message.format(name=name, low=low, high=high, what=what_text(what), value=repr(value))
    if isinstance(value, bool) or not (isinstance(value, int) or _is_numpy_integer(value)):
        raise ValueError(said)
    if not low <= int(value) <= high:
        raise ValueError(said)
    return int(value)


def one_of(value: Any, choices: dict[str, str], *, name: str) -> str:
    """``value`` if it is a key of ``choices`` (key → what it means); the message lists them.

    >>> one_of("sdps", {"sdps": "slow the guest", "abort": "give up"}, name="on_no_convergence")
    'sdps'
    """
    if not isinstance(value, str) or value not in choices:
        # TRANSLATORS: the separator between two reasons (a semicolon and a space)
        listed = _("; ").join(
            _("{key} ({meaning})").format(key=repr(key), meaning=_(meaning))
            for key, meaning in choices.items()
        )
        raise ValueError(
            _("{name} must be one of: {choices}. Got {value}.").format(
                name=name, choices=listed, value=repr(value)
            )
        )
    return value


def _is_numpy_number(value: Any) -> bool:
    import numpy as np

    return isinstance(value, np.integer | np.floating)


def _is_numpy_integer(value: Any) -> bool:
    import numpy as np

    return isinstance(value, np.integer)
