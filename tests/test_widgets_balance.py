"""Lesson 02's balancer widget, driven from pytest."""

from __future__ import annotations

from vmlab.scenarios import OVERLOADED_HOST, overloaded_cluster
from vmlab.widgets.balance import balancer


def test_threshold_changes_the_proposal_and_run_applies_it():
    b = balancer(overloaded_cluster(), threshold_pct=80)
    n = len(b.moves)
    assert n >= 1 and b.message.startswith(f"{n} moves bring every host under 80 %")
    b.threshold.value = 60
    assert len(b.moves) > n and "under 60 %" in b.message
    b.run_button.click()
    t = b.timeline
    assert t is not None and len(t.migrations) == len(b.moves)
    end = t.cluster
    assert 100 * end.used_memory_gib(OVERLOADED_HOST) / 256 <= 60
    assert b.message.startswith(f"Done: {len(b.moves)} VMs moved while running")


def test_nothing_to_move_is_a_message():
    b = balancer(overloaded_cluster(), threshold_pct=100)
    assert b.moves.empty and "nothing to move" in b.message
    b.run_button.click()
    assert b.timeline is None and b.message.startswith("Nothing to move")
