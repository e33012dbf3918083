"""Engine messages rewritten for a widget: name its buttons and controls, not Python calls.

The engine's errors tell a programmer what to call (``sim.repair_host('esx-03', at_s=…)``);
a student at a widget has buttons. :func:`for_widget` replaces each call the widget offers
with the control that does it, and drops the rest of the call syntax::

    >>> for_widget(
    ...     "esx-03 is down. Repair it first with sim.repair_host('esx-03', at_s=…).",
    ...     {"repair_host": "the Repair host button"},
    ... )
    'esx-03 is down. Repair it first with the Repair host button.'
"""

from __future__ import annotations

import re

_CALL = re.compile(r"`?\b(?:sim|cluster|c)\.(\w+)\((?:[^()]|\([^()]*\))*\)`?")


def for_widget(message: str, controls: dict[str, str]) -> str:
    """``message`` with every ``sim.x(...)`` / ``cluster.x(...)`` call named in ``controls``
    replaced by its control's words; calls the widget cannot make become "(not possible in
    this widget)" phrases, so no Python is left for the student to type."""

    def swap(match: re.Match[str]) -> str:
        name = match.group(1)
        return controls.get(name, f"{name.replace('_', ' ')} (not possible in this widget)")

    return _CALL.sub(swap, str(message).strip("'\""))
