"""vSphere HA's story in words: the event log of a run as sentences a student reads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vmlab import checks
from vmlab.units import format_clock

__all__ = ["HA_EVENT_KINDS", "readable_log"]

# ----------------------------------------------------------------------------------------
# Reading the result
# ----------------------------------------------------------------------------------------

HA_EVENT_KINDS = (
    "host_failed", "heartbeat_missed", "election", "host_declared_failed", "host_unreachable",
    "management_network_lost", "host_isolated", "isolation_response", "partition",
    "partition_healed", "restart_issued", "restart_failed", "restart_gave_up", "vm_running",
    "guest_hung", "vm_reset", "host_repaired",
)  # fmt: skip
"""The event kinds that tell the story of an HA run (``vm_down`` / ``vm_booting`` left out)."""

_PHRASES = {
    "host_failed": "fails",
    "heartbeat_missed": "misses a heartbeat",
    "election": "becomes primary",
    "host_declared_failed": "declared failed",
    "host_unreachable": "unreachable",
    "management_network_lost": "loses its management network",
    "host_isolated": "declares itself isolated",
    "isolation_response": "applies its isolation response",
    "partition": "network partition",
    "partition_healed": "partition healed",
    "restart_issued": "restart",
    "restart_failed": "cannot be restarted",
    "restart_gave_up": "is given up",
    "vm_running": "running again",
    "vm_down": "down",
    "vm_booting": "booting",
    "guest_hung": "guest hangs",
    "vm_reset": "reset",
    "host_repaired": "repaired",
}


def readable_log(timeline: Any, kinds: Iterable[str] | None = HA_EVENT_KINDS,
                 max_lines: int | None = None) -> str:  # fmt: skip
    """The run's events as sentences: ``00:18 esx-03 declared failed — restarting 5 VMs…``.

    Parameters
    ----------
    timeline : Timeline
    kinds : iterable of str, optional
        Event kinds to keep (default :data:`HA_EVENT_KINDS`; ``None`` keeps all).
    max_lines : int, optional
        Keep the first lines and say how many were left out.

    >>> from vmlab import Cluster, Simulation
    >>> c = Cluster.example(); _ = c.enable_ha()
    >>> sim = Simulation(c); sim.fail_host("esx-03", at_s=0)
    >>> print(readable_log(sim.run(until_s=300), kinds=["host_failed", "restart_issued"],
    ...                    max_lines=2))
    00:00 esx-03 fails — 5 VMs stop at once
    00:18 web-03 restarts on esx-01 — from esx-03, medium priority (attempt 1 of 5)
    … 4 more events
    """
    checks.timeline(timeline)
    if kinds is not None:
        from vmlab.events import EventKind  # the vocabulary of the log

        checks.choices(kinds, [k.value for k in EventKind], "Event kind")
    if max_lines is not None:
        checks.whole(max_lines, "max_lines", low=1)
    ev = timeline.events
    if kinds is not None:
        ev = ev[ev.kind.isin(list(kinds))]
    lines = []
    for r in ev.itertuples(index=False):
        if r.kind == "election":  # its detail is a whole sentence naming the host
            lines.append(f"{format_clock(r.t_s)} {r.detail}")
            continue
        else:
            who = r.vm or r.host
            phrase = _PHRASES.get(r.kind, r.kind.replace("_", " "))
        if r.kind == "restart_issued":
            phrase = f"restarts on {r.host}"
        if r.kind == "host_unreachable" and not who:
            phrase = "hosts unreachable"
        text = " ".join(x for x in (format_clock(r.t_s), who, phrase) if x)
        lines.append(f"{text} — {r.detail}" if r.detail else text)
    if max_lines is not None and len(lines) > max_lines:
        rest = len(lines) - max_lines
        lines = lines[:max_lines] + [f"… {rest} more events"]
    return "\n".join(lines)
