"""Lesson 06's self-checks (questions ``06.1`` … ``06.5``), added to :mod:`vmlab.quiz`.

Importing this module registers them; the lesson then asks with ``check("06.1", answer)``.
The answers are computed by running the model, so they stay true when the model changes.

    >>> import vmlab.storage_quiz
    >>> from vmlab.quiz import check
    >>> check("06.2", "a")
    ✘ Not quite. Run it: the restart is cancelled when the paths come back in time.
"""

from __future__ import annotations

from vmlab.quiz import QUESTIONS, Choice, Number, Question, register
from vmlab.scenarios import EVENT_AT_S, SUBJECT_VM, degraded_host, storage_failure


def back_after_s(timeline: object, vm: str = SUBJECT_VM) -> float:
    """Seconds from the fault (:data:`vmlab.scenarios.EVENT_AT_S`) until ``vm`` serves
    again (its first outage's end)."""
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
        f"An APD hits the host of {SUBJECT_VM} (scenarios.storage_failure); VMCP is aggressive "
        "but its delay for VM failover is set to 60 s instead of 180 s "
        "(vmcp_apd_delay_s=60). How many seconds after the fault does the database serve again?",
        _short_delay,
        "s",
        "The 140 s APD timeout still comes first, then the 60 s delay, then the 5 min boot.",
        "Add up: the APD timeout, the delay you set, and the database's boot (boot_s).",
        tolerance=0.02,
    ),
    Choice(
        "06.2",
        "An APD with VMCP aggressive (default delays); the paths come back 200 s after the fault. "
        "What happens to the VMs?",
        {
            "a": "VMCP restarts them elsewhere at 320 s anyway",
            "b": "VMCP cancels; their I/O resumes on the same host; nothing restarts",
            "c": "HA restarts them 18 s after the fault",
        },
        "b",
        {
            "b": "VMCP acts on an APD only once the APD timeout and its delay are over; before "
            "that the paths came back, the I/O resumed where it was, and nothing restarted.",
            "a": "Run it: the restart is cancelled when the paths come back in time.",
            "c": "HA sees a host that is up and heartbeating: for plain HA nothing failed.",
        },
    ),
    Number(
        "06.3",
        f"A PDL on the host of {SUBJECT_VM} with VMCP on (conservative): how many seconds "
        "is the database out?",
        _pdl_mail,
        "s",
        "A PDL is acted on at once: the outage is just the restart's boot.",
        "No timeout for a PDL. What is left?",
        tolerance=0.02,
    ),
    Choice(
        "06.4",
        "No heartbeat datastores (enable_ha(heartbeat_datastores=0)); esx-03 is cut off "
        "from the others by a partition (sim.partition('esx-03', at_s=60)). What does the "
        "main side's primary do?",
        {
            "a": "it leaves the VMs alone: it knows the host is only partitioned",
            "b": "it declares esx-03 failed and tries to restart its VMs; their files are locked "
            "by the running copies, so the restarts fail",
            "c": "it restarts them elsewhere: two copies of each VM run",
        },
        "b",
        {
            "b": "Without datastore heartbeats the primary cannot tell partitioned from "
            "failed (and esx-03's side thinks the same of the others); the file locks keep "
            "either from starting a second copy.",
            "a": "Without a heartbeat datastore nothing says the host is alive. Run it.",
            "c": "A running VM holds the lock on its files: no second copy can power on.",
        },
    ),
    Number(
        "06.5",
        "Proactive HA with automation 'manual': the host of db-01 is reported severely "
        "degraded and fails 10 minutes later (scenarios.degraded_host(automation='manual')). "
        "How many seconds is db-01 out?",
        _manual_proactive,
        "s",
        "Manual only recommends: nobody moved the VMs, so HA restarts them after the failure.",
        "With nothing moved, it is lesson 03 again: detection plus the database's boot.",
        tolerance=0.02,
    ),
]

for _q in _QUESTIONS:
    if _q.id not in QUESTIONS:
        register(_q)
