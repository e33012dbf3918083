"""Lesson 01's predictions and self-checks (vMotion): imported by the lesson, they join vmlab.quiz.

>>> import vmlab.vmotion_quiz
>>> from vmlab.quiz import PREDICTION_QUESTIONS
>>> "01.outage" in PREDICTION_QUESTIONS and "01.policy" in PREDICTION_QUESTIONS
True
"""

from __future__ import annotations

from typing import Any

from vmlab.cluster import Cluster
from vmlab.i18n import N_
from vmlab.migration import precopy
from vmlab.quiz import QUESTIONS, Number, register, register_prediction

__all__ = ["OUTAGE_BANDS", "POLICY_OUTCOMES", "first_sdps_rate_mib_s", "outage_band",
           "vsphere_outcome"]  # fmt: skip


OUTAGE_BANDS = (N_("less than a second"), N_("a few seconds"), N_("a few minutes"), N_("hours"))
POLICY_OUTCOMES = (
    N_("pre-copy converges on its own"),
    N_("SDPS slows the guest until it converges"),
    N_("it switches over anyway, with a long pause"),
    N_("the migration fails; the VM stays on the source"),
)


def outage_band(timeline: Any, vm: str = "db-01") -> int:
    """Which of ``OUTAGE_BANDS`` ``vm``'s longest outage in ``timeline`` (a Timeline) falls
    in."""
    out = timeline.outages()
    down = float(out.loc[out.vm == vm, "down_s"].max()) if (out.vm == vm).any() else 0.0
    return 0 if down < 1 else 1 if down < 60 else 2 if down < 3600 else 3


def vsphere_outcome(table: Any) -> int:
    """Which of ``POLICY_OUTCOMES`` vSphere's row of a ``compare_policies`` table shows."""
    outcome = table.iloc[0]["outcome"]
    return {"converged": 0, "sdps": 1, "forced": 2, "aborted": 3}[outcome]


def _db_alone_on_1_gbit_min() -> float:
    db = Cluster.example().vms["db-01"]
    return precopy(db.memory_gib, db.dirty_rate_mib_s, db.working_set_gib, 1).total_time_s / 60


def first_sdps_rate_mib_s(
    memory_gib: float = 16, working_set_gib: float = 4, bandwidth_gbit_s: float = 1
) -> float:
    """The lowest dirty rate (MiB/s, in steps of 10) at which vSphere's default policy needs
    SDPS for this VM: below it, pre-copy converges on its own (the explorer's task)."""
    for rate in range(0, 5001, 10):
        if precopy(memory_gib, rate, working_set_gib, bandwidth_gbit_s).outcome == "sdps":
            return float(rate)
    return float("nan")


def _register_lesson_01() -> None:
    register_prediction(
        "01.outage",
        N_(
            "With maintenance mode, how long will the database db-01 be out of service while "
            "esx-09's CPU is swapped?"
        ),
        choices=OUTAGE_BANDS,
        measure=outage_band,
        explain=N_("vMotion moved it while it ran; it stopped only for the switchover."),
    )
    register_prediction(
        "01.policy",
        N_(
            "An 8 GiB VM rewrites 6 GiB at 2 GiB/s over a 1 Gbit/s link (119 MiB/s). With "
            "vSphere's defaults, what happens?"
        ),
        choices=POLICY_OUTCOMES,
        measure=vsphere_outcome,
        explain=N_(
            "vSphere's SDPS slows the guest's vCPUs until pre-copy catches up; vSphere has "
            "no 'force after N rounds'."
        ),
    )
    if "01.5" in QUESTIONS:
        return
    register(
        Number(
            "01.5",
            N_(
                "db-01 alone, but over a 1 Gbit/s vMotion network instead of 10 Gbit/s: how "
                "many minutes does its vMotion take (total_time_s)?"
            ),
            answer=_db_alone_on_1_gbit_min,
            unit="min",
            explain=N_(
                "Ten times less bandwidth: round 0 alone takes ten times longer, and the "
                "guest dirties more during it."
            ),
            hint=N_("run precopy() with db-01's memory, dirty rate and working set, over 1 Gbit/s"),
            tolerance=0.05,
        )
    )
    register(
        Number(
            "01.6",
            N_(
                "With vSphere's policy, what is the lowest dirty rate (MiB/s, in steps of 10) "
                "at which a 16 GiB VM with a 4 GiB working set, over 1 Gbit/s, needs SDPS?"
            ),
            answer=first_sdps_rate_mib_s,
            unit="MiB/s",
            explain=N_(
                "Below it the dirty set shrinks each round by itself; from there on it "
                "shrinks too slowly and SDPS steps in — well below the link's 119 MiB/s."
            ),
            hint=N_(
                "move the explorer's dirty-rate slider (or loop over precopy) and watch the "
                "result turn to 'converged with SDPS'"
            ),
            abs_tolerance=10,
        )
    )


_register_lesson_01()
