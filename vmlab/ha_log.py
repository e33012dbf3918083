"""vSphere HA's story in words: the event log of a run as sentences a student reads."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vmlab import checks
from vmlab.i18n import N_, _, ngettext
from vmlab.units import format_clock

__all__ = ["HA_EVENT_KINDS", "PRIORITY_WORDS", "readable_log"]

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
    # TRANSLATORS: what happened to a host or a VM, after its name, at the start of a line of the
    # run's story ("esx-03 fails", "web-03 running again"). Kinds without a phrase of their own
    # are said as their name with spaces ("vmotion started").
    "host_failed": N_("fails"),
    "heartbeat_missed": N_("misses a heartbeat"),
    "election": N_("becomes primary"),
    "host_declared_failed": N_("declared failed"),
    "host_unreachable": N_("unreachable"),
    "management_network_lost": N_("loses its management network"),
    "host_isolated": N_("declares itself isolated"),
    "isolation_response": N_("applies its isolation response"),
    "partition": N_("network partition"),
    "partition_healed": N_("partition healed"),
    "restart_issued": N_("restart"),
    "restart_failed": N_("cannot be restarted"),
    "restart_gave_up": N_("is given up"),
    "vm_running": N_("running again"),
    "vm_down": N_("down"),
    "vm_booting": N_("booting"),
    "guest_hung": N_("guest hangs"),
    "vm_reset": N_("reset"),
    "host_repaired": N_("repaired"),
    # the other kinds, said as their name with spaces in English
    "host_powered_off": N_("host powered off"),
    "host_powered_on": N_("host powered on"),
    "guest_hang_skipped": N_("guest hang skipped"),
    "action": N_("action"),
    "vmotion_started": N_("vmotion started"),
    "vmotion_refused": N_("vmotion refused"),
    "vmotion_aborted": N_("vmotion aborted"),
    "vmotion_failed": N_("vmotion failed"),
    "vmotion_completed": N_("vmotion completed"),
    "vm_stunned": N_("vm stunned"),
    "network_announced": N_("network announced"),
    "maintenance_requested": N_("maintenance requested"),
    "maintenance_blocked": N_("maintenance blocked"),
    "host_in_maintenance": N_("host in maintenance"),
    "maintenance_exited": N_("maintenance exited"),
    "maintenance_not_entered": N_("maintenance not entered"),
    "vm_reset_skipped": N_("vm reset skipped"),
    "ft_failover": N_("ft failover"),
    "ft_unprotected": N_("ft unprotected"),
    "ft_secondary_starting": N_("ft secondary starting"),
    "ft_secondary_created": N_("ft secondary created"),
    "ft_secondary_failed": N_("ft secondary failed"),
    "ft_secondary_lost": N_("ft secondary lost"),
    "ft_secondary_moved": N_("ft secondary moved"),
    "ft_no_secondary": N_("ft no secondary"),
    "ft_restart": N_("ft restart"),
    "ft_restart_waiting": N_("ft restart waiting"),
    "ft_logging_cut": N_("ft logging cut"),
    "ft_test_and_set": N_("ft test and set"),
    "datastore_apd": N_("datastore apd"),
    "datastore_pdl": N_("datastore pdl"),
    "apd_timeout": N_("apd timeout"),
    "datastore_recovered": N_("datastore recovered"),
    "vmcp_warning": N_("vmcp warning"),
    "vmcp_terminated": N_("vmcp terminated"),
    "vmcp_cancelled": N_("vmcp cancelled"),
    "vmcp_not_terminated": N_("vmcp not terminated"),
    "host_degraded": N_("host degraded"),
    "host_quarantined": N_("host quarantined"),
    "proactive_ha_recommendation": N_("proactive ha recommendation"),
}

PRIORITY_WORDS = {
    # TRANSLATORS: a VM's restart priority, in "web-03 restarts … medium priority"
    "highest": N_("highest priority"),
    "high": N_("high priority"),
    "medium": N_("medium priority"),
    "low": N_("low priority"),
    "lowest": N_("lowest priority"),
    "disabled": N_("disabled priority"),
}
"""A restart priority in words (``_(PRIORITY_WORDS[p])``: "medium priority", "中优先级")."""


def priority_words(priority: str) -> str:
    """``'medium'`` → ``'medium priority'`` in the current language."""
    text = PRIORITY_WORDS.get(priority)
    return _(text) if text else _("{priority} priority").format(priority=priority)


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

        checks.choices(kinds, [k.value for k in EventKind], N_("Event kind"))
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
        who = r.vm or r.host
        known = _PHRASES.get(r.kind)
        phrase = _(known) if known else r.kind.replace("_", " ")
        if r.kind == "restart_issued":
            # TRANSLATORS: after a VM's name: "web-03 restarts on esx-01"
            phrase = _("restarts on {host}").format(host=r.host)
        if r.kind == "host_unreachable" and not who:
            phrase = _("hosts unreachable")
        text = " ".join(x for x in (format_clock(r.t_s), who, phrase) if x)
        lines.append(f"{text} — {r.detail}" if r.detail else text)
    if max_lines is not None and len(lines) > max_lines:
        rest = len(lines) - max_lines
        more = ngettext("… {n} more event", "… {n} more events", rest).format(n=rest)
        lines = lines[:max_lines] + [more]
    return "\n".join(lines)
