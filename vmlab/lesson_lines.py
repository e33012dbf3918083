"""The sentences a lesson's code cells print, in the student's language.

A lesson's code cells are the same in both editions (the Chinese lesson is generated from the
English one), so a cell cannot hold an English sentence of its own: it asks for one by name,
and gets it in the language chosen with :func:`vmlab.use_language`.

    >>> print(say("declared_after", host="esx-03", s=18))
    esx-03 was declared failed 18 s after it stopped
    >>> say("no such line")
    Traceback (most recent call last):
    ...
    ValueError: There is no lesson line 'no such line'; the lines are: ...
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from vmlab.i18n import N_, _, ngettext

__all__ = ["LINES", "say"]

LINES: dict[str, str] = {
    # lesson 00
    "services_out": N_(
        "Services out: {n}; shortest {shortest_s:.0f} s, longest {longest_s:.0f} s "
        "({longest_min:.1f} min)"
    ),
    # lesson 02
    "relieving": N_("Relieving {host}: the VMs keep running while they move"),
    "after_moves": N_("How full each host is, after the moves"),
    # lesson 03
    "declared_after": N_("{host} was declared failed {s:g} s after it stopped"),
    "left_down_plain": N_("left down without priorities: {n} VMs"),
    "left_down_dbs_first": N_("left down with the databases first: {n} VMs: {by_service}"),
    # lesson 04
    "ft_zoom": N_("{vm}: the failover, zoomed in"),
    "winners": N_("winner per seed: {winners}"),
    # lesson 06
    "heartbeat_datastores": N_("heartbeat datastores per host: {n} by default, at most {most}"),
    "writes_heartbeats": N_("{host} writes its heartbeats to {datastores}"),
    "declared_failed_outages": N_("declared failed after {s} s; outages: {n}"),
    "vmcp_pdl": N_("PDL: at once"),
    "vmcp_apd": N_(
        "APD: after the APD timeout ({apd_s:g} s) and the VMCP delay ({delay_s:g} s) "
        "= {total_s:g} s"
    ),
    "vmcp_responses": N_("responses: {responses} — vSphere's default: {default}"),
    "runs_on_after": N_("{vm} runs on {host} after {s} s"),
}
"""Every line by name (English, marked for the catalog)."""

# Lines whose wording depends on a count: name → (the count's field, the template for a count).
_PLURAL_LINES: dict[str, tuple[str, Callable[[int], str]]] = {
    "slot_capacity": (
        "n",
        lambda n: ngettext(
            "slot policy: the cluster absorbs {n} host failure (its current failover capacity)",
            "slot policy: the cluster absorbs {n} host failures (its current failover capacity)",
            n,
        ),
    ),
}


def _fields(template: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(template) if name}


def say(name: str, **fields: Any) -> str:
    """The lesson line ``name`` in the current language, with ``fields`` filled in.

    Raises
    ------
    ValueError
        An unknown line, or fields missing or left over (the message lists the right ones).
    """
    if not isinstance(name, str) or (name not in LINES and name not in _PLURAL_LINES):
        known = ", ".join(sorted([*LINES, *_PLURAL_LINES]))
        raise ValueError(f"There is no lesson line {name!r}; the lines are: {known}")
    if name in _PLURAL_LINES:
        count, template_for = _PLURAL_LINES[name]
        if not isinstance(fields.get(count), int) or isinstance(fields.get(count), bool):
            raise ValueError(f"Lesson line {name!r} needs a whole number {count}=…")
        template = template_for(fields[count])
        wanted = _fields(template)
    else:
        wanted = _fields(LINES[name])
        template = _(LINES[name])
    if set(fields) != wanted:
        raise ValueError(
            f"Lesson line {name!r} takes the fields {sorted(wanted)}, not {sorted(fields)}"
        )
    return template.format(**fields)
