"""The migration explorer, driven from pytest: set a control's value, read the result."""

from __future__ import annotations

import base64
import doctest

import ipywidgets as w
import pytest

import vmlab.widgets.explorer as explorer_module
from vmlab.units import gib_to_mib
from vmlab.widgets.explorer import MigrationExplorer, migration_explorer

PNG_MAGIC = b"\x89PNG"


@pytest.fixture
def explorer() -> MigrationExplorer:
    return migration_explorer()


def walk(widget: w.Widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def shown_png(explorer: MigrationExplorer) -> bytes:
    (output,) = explorer.output.outputs
    assert output["output_type"] == "display_data"
    return base64.b64decode(output["data"]["image/png"])


def test_docstring_examples_run() -> None:
    failures, _ = doctest.testmod(explorer_module)
    assert failures == 0


def test_returns_a_container_with_every_control_and_a_first_result(explorer) -> None:
    assert isinstance(explorer, w.VBox)
    shown = set(walk(explorer))
    for control in (*explorer.controls, explorer.summary, explorer.output):
        assert control in shown
    assert explorer.result is not None and explorer.result.converged
    assert shown_png(explorer).startswith(PNG_MAGIC)
    assert "Rounds:" in explorer.summary.value and "Downtime:" in explorer.summary.value


def test_sliders_update_only_when_released(explorer) -> None:
    for slider in (
        explorer.memory,
        explorer.dirty_rate,
        explorer.working_set,
        explorer.switchover_target,
    ):
        assert slider.continuous_update is False
    assert explorer.output.layout.height  # a fixed height: the page does not jump


def test_link_and_policy_choices(explorer) -> None:
    assert [value for _, value in explorer.link.options] == [1, 10, 25]
    assert [value for _, value in explorer.policy.options] == ["sdps", "abort", "xen"]
    assert [value for _, value in explorer.pattern.options] == ["uniform", "hot", "sequential"]
    assert "vSphere" in explorer.policy.options[0][0] and "Xen" in explorer.policy.options[2][0]


def test_each_control_drives_the_migration(explorer) -> None:
    explorer.memory.value = 16
    assert explorer.result.memory_mib == gib_to_mib(16)
    before = explorer.result.total_time_s
    explorer.link.value = 1
    assert explorer.result.total_time_s > before
    explorer.working_set.value = 4
    assert explorer.result.working_set_mib == gib_to_mib(4)
    explorer.dirty_rate.value = 3000
    assert explorer.result.dirty_rate_mib_s == 3000
    assert explorer.result.outcome == "sdps"
    explorer.policy.value = "abort"
    assert explorer.result.outcome == "aborted"
    assert "aborted" in explorer.summary.value
    explorer.policy.value = "xen"
    assert explorer.result.outcome == "forced"
    assert explorer.result.downtime_s > 1
    assert explorer.result.n_rounds == 30
    explorer.pattern.value = "hot"
    assert explorer.result.pattern == "hot"
    explorer.switchover_target.value = 1000
    assert explorer.result.switchover_target_ms == 1000


def test_every_change_redraws_the_plot(explorer) -> None:
    first = shown_png(explorer)
    explorer.dirty_rate.value = 2500
    second = shown_png(explorer)
    assert second.startswith(PNG_MAGIC) and second != first
    assert len(explorer.output.outputs) == 1  # replaced, not stacked up
    assert explorer.last_redraw_s > 0


def test_callback_is_a_named_method_that_can_be_called(explorer) -> None:
    explorer.dirty_rate.unobserve(explorer.on_change, names="value")
    explorer.dirty_rate.value = 4000  # not observed: nothing recomputed yet
    assert explorer.result.dirty_rate_mib_s != 4000
    explorer.on_change({"name": "value", "new": 4000})
    assert explorer.result.dirty_rate_mib_s == 4000


def test_a_bad_setting_shows_a_message_not_a_traceback(explorer) -> None:
    explorer.memory.value = 2
    explorer.working_set.value = 6
    assert explorer.result is None
    assert "working_set_gib" in explorer.message and "memory_gib" in explorer.message
    (output,) = explorer.output.outputs
    assert output["output_type"] == "stream"
    assert "cannot be larger than memory_gib" in output["text"]
    assert "Traceback" not in output["text"]
    assert "Cannot migrate" in explorer.summary.value
    explorer.working_set.value = 1  # fixing it brings the plot back
    assert explorer.result is not None
    assert shown_png(explorer).startswith(PNG_MAGIC)


def test_initial_values_are_used() -> None:
    e = migration_explorer(
        memory_gib=32,
        dirty_rate_mib_s=100,
        working_set_gib=2,
        switchover_target_ms=100,
        bandwidth_gbit_s=25,
        on_no_convergence="xen",
        pattern="sequential",
    )
    assert (e.memory.value, e.dirty_rate.value, e.working_set.value) == (32, 100, 2)
    assert (e.switchover_target.value, e.link.value, e.policy.value) == (100, 25, "xen")
    assert e.pattern.value == "sequential" and e.result.pattern == "sequential"
    assert e.result.bandwidth_mib_s == pytest.approx(25e9 / 8 / 2**20)


@pytest.mark.parametrize(
    ("initial", "words"),
    [
        ({"memory": 8}, ["memory", "memory_gib"]),
        ({"memory_gib": 1000}, ["memory_gib", "256"]),
        ({"dirty_rate_mib_s": -5}, ["dirty_rate_mib_s", "0 to 5000"]),
        ({"bandwidth_gbit_s": 40}, ["bandwidth_gbit_s", "1, 10, 25"]),
        ({"on_no_convergence": "retry"}, ["on_no_convergence", "'abort'"]),
    ],
)
def test_bad_initial_values_are_refused_with_their_range(initial, words) -> None:
    with pytest.raises(ValueError) as err:
        migration_explorer(**initial)
    for word in words:
        assert word in str(err.value)


def test_the_lessons_task_is_answerable_with_the_default_policy() -> None:
    """Lesson 01: find the dirty rate at which a 16 GiB VM with a 4 GiB working set stops
    converging by itself on 1 Gbit/s. With vSphere's default the outcome changes from
    'converged' to 'sdps' at that rate, and the stun stays short on both sides."""
    e = migration_explorer(memory_gib=16, working_set_gib=4, bandwidth_gbit_s=1)
    outcomes = {}
    for rate in range(0, 200, 10):
        e.dirty_rate.value = rate
        outcomes[rate] = e.result.outcome
        assert e.result.downtime_s < 1
    first_sdps = min(r for r, o in outcomes.items() if o == "sdps")
    assert all(o == "converged" for r, o in outcomes.items() if r < first_sdps)
    assert 20 <= first_sdps <= 120


def test_no_stun_of_minutes_with_the_default_policy_at_the_extremes() -> None:
    e = migration_explorer(memory_gib=256, working_set_gib=256, dirty_rate_mib_s=5000)
    e.link.value = 1
    assert e.result.outcome in ("sdps", "aborted") and e.result.downtime_s < 100
