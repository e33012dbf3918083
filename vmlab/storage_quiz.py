"""Lesson 06's self-checks (questions ``06.1`` … ``06.5``), added to :mod:`vmlab.quiz`.

Importing this module registers them; the lesson then asks with ``check("06.1", answer)``.
The answers are computed by running the model, so they stay true when the model changes.

    >>> import vmlab.storage_quiz
    >>> from vmlab.quiz import check
    >>> check("06.2", "a")
    ✘ Not quite. Run it: the restart is cancelled when the paths come back in time.
"""

from __future__ import annotations

from typing import Any

from vmlab import checks
from vmlab.i18n import N_, _
from vmlab.quiz import QUESTIONS, Choice, Number, Question, register, register_prediction
from vmlab.scenarios import EVENT_AT_S, SUBJECT_VM, degraded_host, storage_failure


def back_after_s(timeline: object, vm: str = SUBJECT_VM) -> float:
    """Seconds from the fault (:data:`vmlab.scenarios.EVENT_AT_S`) until ``vm`` serves
    again (its first outage's end)."""
    checks.name(vm, checks.timeline(timeline).cluster.vms, "VM")
    out = timeline.outages()  # type: ignore[attr-defined]
    return float(out.loc[out.vm == vm, "end_s"].iloc[0]) - EVENT_AT_S


def _short_delay() -> float:
    return back_after_s(storage_failure("apd", vmcp="aggressive", vmcp_apd_delay_s=60))


def _pdl_mail() -> float:
    t = storage_failure("pdl", vmcp="conservative")
    out = t.outages()
    return float(out.loc[out.vm == SUBJECT_VM, "down_s"].iloc[0])


def _manual_proactive() -> float:
    t = degraded_host(automation="manual")
    out = t.outages()
    return float(out.loc[out.vm == SUBJECT_VM, "down_s"].iloc[0])


_QUESTIONS: list[Question] = [
    Number(
        "06.1",
        N_(
            "An APD hits the host of {vm} (scenarios.storage_failure); VMCP is aggressive "
            "but its delay for VM failover is set to 60 s instead of 180 s "
            "(vmcp_apd_delay_s=60). How many seconds after the fault does the database serve "
            "again?"
        ),
        _short_delay,
        "s",
        N_("The 140 s APD timeout still comes first, then the 60 s delay, then the 5 min boot."),
        N_("Add up: the APD timeout, the delay you set, and the database's boot (boot_s)."),
        tolerance=0.02,
        params={"vm": SUBJECT_VM},
    ),
    Choice(
        "06.2",
        N_(
            "An APD with VMCP aggressive (default delays); the paths come back 200 s after the "
            "fault. "
            "What happens to the VMs?"
        ),
        {
            "a": N_("VMCP restarts them elsewhere at 320 s anyway"),
            "b": N_("VMCP cancels; their I/O resumes on the same host; nothing restarts"),
            "c": N_("HA restarts them 18 s after the fault"),
        },
        "b",
        {
            "b": N_(
                "VMCP acts on an APD only once the APD timeout and its delay are over; before "
                "that the paths came back, the I/O resumed where it was, and nothing restarted."
            ),
            "a": N_("Run it: the restart is cancelled when the paths come back in time."),
            "c": N_("HA sees a host that is up and heartbeating: for plain HA nothing failed."),
        },
    ),
    Number(
        "06.3",
        N_(
            "A PDL on the host of {vm} with VMCP on (conservative): how many seconds "
            "is the database out?"
        ),
        _pdl_mail,
        "s",
        N_("A PDL is acted on at once: the outage is just the restart's boot."),
        N_("No timeout for a PDL. What is left?"),
        tolerance=0.02,
        params={"vm": SUBJECT_VM},
    ),
    Choice(
        "06.4",
        N_(
            "No heartbeat datastores (enable_ha(heartbeat_datastores=0)); esx-03 is cut off "
            "from the others by a partition (sim.partition('esx-03', at_s=60)). What does the "
            "main side's primary do?"
        ),
        {
            "a": N_("it leaves the VMs alone: it knows the host is only partitioned"),
            "b": N_(
                "it declares esx-03 failed and tries to restart its VMs; their files are locked "
                "by the running copies, so the restarts fail"
            ),
            "c": N_("it restarts them elsewhere: two copies of each VM run"),
        },
        "b",
        {
            "b": N_(
                "Without datastore heartbeats the primary cannot tell partitioned from "
                "failed (and esx-03's side thinks the same of the others); the file locks keep "
                "either from starting a second copy."
            ),
            "a": N_("Without a heartbeat datastore nothing says the host is alive. Run it."),
            "c": N_("A running VM holds the lock on its files: no second copy can power on."),
        },
    ),
    Number(
        "06.5",
        N_(
            "Proactive HA with automation 'manual': the host of db-01 is reported severely "
            "degraded and fails 10 minutes later (scenarios.degraded_host(automation='manual')). "
            "How many seconds is db-01 out?"
        ),
        _manual_proactive,
        "s",
        N_("Manual only recommends: nobody moved the VMs, so HA restarts them after the failure."),
        N_("With nothing moved, it is lesson 03 again: detection plus the database's boot."),
        tolerance=0.02,
    ),
]

for _q in _QUESTIONS:
    if _q.id not in QUESTIONS:
        register(_q)


# ----------------------------------------------------------------------------------------
# Predictions (vmlab.quiz.predict / reveal): the lesson locks one in before each experiment
# ----------------------------------------------------------------------------------------

_READINGS = (
    # TRANSLATORS: how many VMs HA restarts when a host fails / is isolated / is partitioned
    N_("failed: 5 restarted · isolated: 0 · partitioned: 0"),
    N_("failed: 5 restarted · isolated: 5 · partitioned: 0"),
    N_("failed: 5 restarted · isolated: 5 · partitioned: 5"),
    N_("failed: 5 restarted · isolated: 0 · partitioned: 5"),
)


def _reading(readings: dict[str, tuple[str, int]]) -> str:
    """The choice that matches the restarts counted in ``readings`` (fail / isolate /
    partition → (reading, restarts))."""
    counts = (
        readings["fail_host"][1], readings["isolate_host"][1], readings["partition"][1],
    )  # fmt: skip
    text = f"failed: {counts[0]} restarted · isolated: {counts[1]} · partitioned: {counts[2]}"
    return text  # a reading that matches no choice makes reveal() say so


def _outage_of(vm: str) -> Any:
    def measure(timeline: Any) -> float:
        out = timeline.outages()
        return float(out.loc[out.vm == vm, "down_s"].iloc[0])

    return measure


def _restarts(timeline: Any) -> int:
    return int((timeline.events.kind == "restart_issued").sum())


def _healed(timeline: Any) -> str:
    ev = timeline.events
    if (ev.kind == "vmcp_cancelled").any() and not (ev.kind == "restart_issued").any():
        return "b"
    return "a" if (ev.kind == "vmcp_terminated").any() else "c"


register_prediction(
    "06.readings",
    N_(
        "esx-03 fails; then (another run) it is only isolated; then it is cut off by a partition. "
        "HA has heartbeat datastores. How many of its 5 VMs does HA restart each time?"
    ),
    choices=_READINGS,
    measure=_reading,
    explain=N_(
        "Only a host whose datastore heartbeats stopped has failed; an isolated or "
        "partitioned host still writes them, so its VMs are left alone."
    ),
)
register_prediction(
    "06.blind",
    N_(
        "No heartbeat datastores. esx-03 is isolated and leaves its 5 VMs running. How many VMs "
        "have an outage?"
    ),
    unit="VMs",
    tolerance=0,
    measure=lambda t: len(t.outages()),
    explain=N_(
        "The primary declares esx-03 failed and tries to restart its VMs, but the running "
        "copies hold their file locks: every restart fails, and nothing stops."
    ),
)
register_prediction(
    "06.apd_plain",
    N_(
        "HA is on with its defaults (VMCP disabled). esx-03 loses every path to san-01 (APD). How "
        "many of its 5 VMs does HA restart?"
    ),
    unit="VMs",
    tolerance=0,
    measure=_restarts,
    explain=N_("For plain HA nothing failed: the host still sends its network heartbeats."),
)
register_prediction(
    "06.apd_vmcp",
    N_(
        "The same APD with VMCP on (conservative). web-03's guest and service need 45 s to start. "
        "How many seconds is web-03 out?"
    ),
    unit="s",
    tolerance=0.2,
    measure=_outage_of("web-03"),
    explain=lambda r: _(
        "{r:g} s: the 140 s APD timeout, the 180 s VMCP delay, then the 45 s "
        "boot on a host that still sees san-01."
    ).format(r=r),
)
register_prediction(
    "06.healed",
    N_("The same APD with VMCP, but the paths come back 200 s after they went. What happens?"),
    choices=(
        N_("VMCP restarts the VMs elsewhere anyway"),
        N_("VMCP cancels: the I/O resumes on esx-03, nothing restarts"),
        N_("HA restarts the VMs at once"),
    ),
    measure=_healed,
    explain=N_(
        "VMCP acts on an APD only after the timeout and its delay; the paths came back first."
    ),
)
register_prediction(
    "06.pdl",
    N_("The device is reported gone instead (PDL), VMCP on. How many seconds is web-03 out?"),
    unit="s",
    tolerance=0.2,
    measure=_outage_of("web-03"),
    explain=lambda r: _("{r:g} s: a PDL is acted on at once, so only the boot is left.").format(
        r=r
    ),
)
register_prediction(
    "06.proactive",
    N_(
        "Proactive HA (mixed remediation) hears that esx-03 is severely degraded at 01:00; the "
        "host "
        "fails at 11:00. What is the longest outage of its VMs, in seconds?"
    ),
    unit="s",
    tolerance=0.5,
    abs_tolerance=1.0,
    measure=lambda table: float(table["Proactive HA"].max()),
    explain=lambda r: _(
        "{r:.3f} s: maintenance mode emptied the host by vMotion long before it "
        "failed; each VM paused only for its switchover."
    ).format(r=r),
)
