"""Lesson 07's predictions and self-checks (model vs QEMU): imported by the lesson, they join
vmlab.quiz.

    >>> import vmlab.reality_quiz
    >>> from vmlab.quiz import PREDICTION_QUESTIONS
    >>> "07.error" in PREDICTION_QUESTIONS and "07.converge" in PREDICTION_QUESTIONS
    True
"""

from __future__ import annotations

from typing import Any

from vmlab.i18n import N_
from vmlab.quiz import QUESTIONS, Choice, Number, register, register_prediction
from vmlab.reality import (
    HOT_RUN,
    KNIFE_EDGE_RUN,
    SCAN_RUN,
    converges_up_to_mib_s,
    model_for,
    run_row,
    what_if,
)

__all__ = ["ERROR_BANDS", "time_error_band"]


def _hot_as_uniform_is_slower() -> bool:
    return what_if(HOT_RUN, pattern="uniform").total_time_s > model_for(HOT_RUN).total_time_s


ERROR_BANDS = (N_("within 5 %"), N_("between 5 and 20 %"), N_("more than 20 %"))


def time_error_band(run: str | Any) -> int:
    """Which of ``ERROR_BANDS`` the model's time error for a converged run falls in."""
    row = run_row(run)
    error = abs(model_for(row).total_time_s / ((row.total_time_ms - row.setup_time_ms) / 1000) - 1)
    return 0 if error <= 0.05 else 1 if error <= 0.20 else 2


def _register_questions() -> None:
    register_prediction(
        "07.error",
        N_(
            "The model is given the random writer's four numbers and QEMU's rules, nothing fitted. "
            "How far off will its migration time be from QEMU's?"
        ),
        choices=ERROR_BANDS,
        measure=time_error_band,
        explain=N_(
            "Saturating random writes, pending pages not dirtied twice and QEMU's re-sync "
            "rule are enough: see describe() under the plot for the exact figure."
        ),
    )
    register_prediction(
        "07.converge",
        N_(
            "94 MiB/s of random writes into a 64 MiB working set, over a 64 MiB/s link, 40 s "
            "allowed. Will the migration converge?"
        ),
        choices=(N_("yes: random writes saturate"), N_("no")),
        measure=lambda run: 0 if bool(run_row(run).converged) else 1,
        explain=N_(
            "QEMU cancelled it after 40 s and the model agrees: in every 100 ms slice the "
            "guest dirties about as many new pages as the link sends."
        ),
    )
    if "07.1" in QUESTIONS:
        return
    register(
        Choice(
            "07.1",
            N_(
                "Run {run}: a scan of 125 MiB/s through a 64 MiB working set, over a "
                "64 MiB/s link. Did QEMU finish it within 40 s?"
            ),
            {"a": N_("yes"), "b": N_("no")},
            correct="a" if bool(run_row(SCAN_RUN).converged) else "b",
            why={
                "a": N_(
                    "A scan re-dirties every page it passes, so it saturates at once; "
                    "look at what each round leaves and at the threshold."
                ),
                "b": N_(
                    "A scan dirties 125 MiB/s of distinct pages until it covers the working "
                    "set: every 100 ms slice leaves more dirty than it sent, so the 64 MiB never "
                    "shrinks under the 19 MiB threshold. plot_model_vs_qemu shows it."
                ),
            },
            params={"run": SCAN_RUN},
        )
    )
    register(
        Number(
            "07.2",
            N_(
                "With what_if({run!r}, writes_mib_s=…), find the highest write rate "
                "at which the model still converges within the run's 40 s cap."
            ),
            answer=lambda: converges_up_to_mib_s(KNIFE_EDGE_RUN),
            unit="MiB/s",
            explain=N_(
                "Random writes into a small working set saturate, and pages already "
                "pending are not dirtied again, so a guest can write faster than the 64 MiB/s "
                "link and still converge."
            ),
            hint=N_(
                "start at the run's 62 MiB/s and raise it until what_if(...).converged is False"
            ),
            tolerance=0.05,
            params={"run": KNIFE_EDGE_RUN},
        )
    )
    register(
        Choice(
            "07.3",
            N_(
                "Make the hot guest ({run}) write uniformly instead "
                "(what_if(..., pattern='uniform')): does its migration take longer or shorter?"
            ),
            {"a": N_("longer"), "b": N_("shorter"), "c": N_("the same")},
            correct="a" if _hot_as_uniform_is_slower() else "b",
            why={
                "a": N_(
                    "Spread over the whole working set, the same writes dirty more distinct "
                    "pages: the hot part of a hot/cold guest saturates and stops adding."
                ),
                "b": N_("Compare total_time_s of the two results again."),
                "c": N_("Compare total_time_s of the two results again."),
            },
            params={"run": HOT_RUN},
        )
    )


_register_questions()
