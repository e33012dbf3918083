"""The fuzz layer (issue 11): bad values of every kind at every public entry point.

Every public function, method, plot and widget factory of vmlab (listed in
``tests/fuzz_entries.py``, :data:`ENTRIES`) is called with each argument replaced, one at a
time, by every value of a catalogue (negative, zero, NaN, ±inf, huge, strings, numeric
strings, ``None``, lists, dicts, bools, numpy scalars, unknown and unicode names) and by
values hypothesis draws. A value outside the argument's contract must be refused with a
``ValueError`` whose message a student can act on (none of the raw patterns of
``fuzz_entries.RAW``), raised by vmlab's own code, with the cluster or simulation left as it
was; a value a scheduling call accepts must not make ``sim.run()`` raise later. Widget
callbacks are driven through their controls and must never let an exception out.

A new public function, method or class that is not in the list (nor exempt, with a reason)
fails :func:`test_every_public_entry_point_is_fuzzed`.

Figures (``python tests/fuzz_entries.py``: the catalogue only; hypothesis and the widget
drives add about 1,500 more inputs, counted in the line ``test_zz_figures`` prints):

==========================================  ===========  ===========  =========
measure                                     main 815f46f main 567ed85 this layer
==========================================  ===========  ===========  =========
entry points fuzzed (+ widget classes)         111 (+5)    170 (+7)    170 (+7)
inputs tried (catalogue)                         5,458       8,644       8,644
unclear errors                                   1,741       2,761           0
deferred crashes (``run()`` raised later)           49           0           0
state changed after an error                         0           0           0
silent wrong answers (bad value accepted)          761       1,025           0
entry points with a problem                         96         145           0
==========================================  ===========  ===========  =========

815f46f is main before the engine rewrite, with the 111 entry points of that day; 567ed85
is main after it and after storage, Proactive HA, the wizard and the lesson helpers were
merged, run through the same catalogue. Widget callbacks (about 20, of 7 widgets) are
driven through their controls on top of these. The 26 public names merged while the layer
was written and not fuzzed yet (lesson helpers, PrecopySettings, the other quiz functions,
the storage panel's simulate) are listed in ``fuzz_entries.PENDING``; engine internals merged
then (storage and Proactive HA features, records) are in ``EXEMPT`` with a reason.
"""

from __future__ import annotations

import doctest
import math

import fuzz_entries as fz  # tests/ is on sys.path (rootdir conftest)
import ipywidgets as w
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

KNOWN: dict[str, str] = {}
"""Entry points still failing, with the reason (``xfail`` strict: fixing one fails the test
until it is taken off this list). Empty when every entry point passes."""


def _params():
    out = []
    for name, entry in fz.ENTRIES.items():
        marks = [pytest.mark.xfail(reason=KNOWN[name], strict=True)] if name in KNOWN else []
        out.append(pytest.param(entry, id=name.removeprefix("vmlab."), marks=marks))
    return out


def _fail_on(outcomes):
    bad = [o for o in outcomes if o.kind not in ("refused", "accepted")]
    if bad:
        shown = "\n".join(str(o) for o in bad[:12])
        more = f"\n… and {len(bad) - 12} more" if len(bad) > 12 else ""
        pytest.fail(f"{len(bad)} of {len(outcomes)} inputs went wrong:\n{shown}{more}")


# ----------------------------------------------------------------------------------------
# Coverage: every public entry point is in the list
# ----------------------------------------------------------------------------------------


def test_every_public_entry_point_is_fuzzed():
    missing = fz.uncovered()
    assert not missing, (
        "New public entry points the fuzz layer does not call: add them to "
        "tests/fuzz_entries.py (ENTRIES, with each argument's domain) or to EXEMPT with a "
        f"reason: {missing}"
    )


def test_the_list_names_only_real_entry_points():
    public = set(fz.public_entry_points())
    stale = [q for q in fz.ENTRIES if q not in public and not q.endswith((".rounds", ".summary"))]
    assert not stale, f"ENTRIES lists names that are not public any more: {stale}"
    gone = [q for q in fz.PENDING if q not in public]
    assert not gone, f"PENDING lists names that are not public any more: {gone}"
    done = sorted(set(fz.PENDING) & set(fz.ENTRIES))
    assert not done, f"Fuzzed now: take these off PENDING: {done}"


def test_checks_examples():
    import vmlab.checks

    result = doctest.testmod(vmlab.checks, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 20


# ----------------------------------------------------------------------------------------
# The catalogue at every argument of every entry point
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", _params())
def test_catalogue(entry):
    _fail_on(fz.probe_entry(entry))


# ----------------------------------------------------------------------------------------
# Hypothesis: more values of every kind, drawn deterministically
# ----------------------------------------------------------------------------------------

bad_values = st.one_of(
    st.sampled_from([make for _, make in fz.CATALOG]).map(lambda make: make()),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.text(max_size=8),
    st.sampled_from(["esx-1", "ESX-01", "web_01", "db-01 ", "\u200besx-01", "ɛsx-01"]),
    st.lists(st.one_of(st.integers(), st.text(max_size=4)), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(np.float64, st.floats(allow_nan=True)),
    st.builds(np.int64, st.integers(-(2**40), 2**40)),
    st.tuples(st.floats(), st.floats()),
    st.none(),
    st.booleans(),
)


@pytest.mark.parametrize("entry", [p for p in _params() if p.values[0].domains])
@settings(max_examples=12, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(data=st.data())
def test_hypothesis(entry, data):
    if entry.slow:  # a widget or the example cluster: the catalogue covers it
        examples = data.draw(st.integers(0, 2), label="skip")
        if examples:
            return
    arg = data.draw(st.sampled_from(sorted(entry.domains)), label="argument")
    value = data.draw(bad_values, label="value")
    _fail_on([fz.probe(entry, arg, repr(value)[:40], value)])


# ----------------------------------------------------------------------------------------
# Widget callbacks: driven through their controls, they never let an exception out
# ----------------------------------------------------------------------------------------


def _widgets():
    from vmlab import widgets
    from vmlab.widgets.dashboard import ha_dashboard
    from vmlab.widgets.storage_panel import storage_panel
    from vmlab.widgets.wizard import migrate_wizard

    return {
        "balancer": lambda: widgets.balancer(fz.small_cluster(), threshold_pct=50),
        "failure_picker": lambda: widgets.failure_picker(fz.small_cluster(), until_s=900),
        "ft_panel": lambda: widgets.ft_panel(fz.small_cluster(ft=True), vm="web-01"),
        "ha_dashboard": lambda: ha_dashboard(fz.small_cluster(ft=True)),
        "migration_explorer": lambda: widgets.migration_explorer(),
        "migrate_wizard": lambda: migrate_wizard(fz.small_cluster()),
        "storage_panel": lambda: storage_panel(fz.small_cluster(ha=True)),
    }


def _controls(widget):
    """(name, control) for every button and value control that is an attribute of ``widget``."""
    out = []
    for attr, value in sorted(vars(widget).items()):
        if isinstance(value, w.Button) or (
            isinstance(value, w.ValueWidget) and not getattr(value, "disabled", False)
            and isinstance(value, w.Dropdown | w.Checkbox | w.IntSlider | w.FloatSlider
                           | w.ToggleButtons | w.RadioButtons | w.SelectionSlider)
        ):  # fmt: skip
            out.append((attr, value))
    return out


def _act(control, data):
    if isinstance(control, w.Button):
        control.click()
    elif isinstance(control, w.Checkbox):
        control.value = not control.value
    elif isinstance(control, w.IntSlider | w.FloatSlider):
        lo, hi = control.min, control.max
        control.value = data.draw(st.sampled_from([lo, hi, (lo + hi) / 2 if isinstance(
            control, w.FloatSlider) else (lo + hi) // 2]), label="slider")  # fmt: skip
    else:
        options = [o[1] if isinstance(o, tuple) else o for o in control.options]
        control.value = data.draw(st.sampled_from(options), label="option")


@pytest.mark.parametrize("name", sorted(_widgets()))
@settings(max_examples=3, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(data=st.data())
def test_widget_callbacks_never_raise(name, data):
    widget = _widgets()[name]()
    controls = _controls(widget)
    assert controls, f"{name} has no controls to drive"
    for _ in range(3):
        attr, control = data.draw(st.sampled_from(controls), label="control")
        _act(control, data)  # an exception escaping a callback fails the test here
        message = getattr(widget, "message", "")
        assert isinstance(message, str)
        assert "Traceback" not in message
        assert fz.readable(ValueError(message or "(no message yet, fine)")) is None, message
        if name == "ha_dashboard":  # the HA box says what the last run had
            assert widget.ha_on.value == (widget.timeline.cluster.ha is not None)


def test_refused_ha_toggle_springs_back():
    """On an FT cluster, switching HA off is refused (FT needs HA): the box is ticked again,
    the message says why, and the next press is not refused again."""
    from vmlab.widgets.dashboard import ha_dashboard

    board = ha_dashboard(fz.small_cluster(ft=True))
    board.ha_on.value = False
    assert board.ha_on.value is True
    assert "FT needs HA" in board.message
    board.host.value = "esx-03"
    board.fail_button.click()
    assert board.actions == [("fail", "esx-03", 60.0)], board.message


def test_widget_messages_in_the_issue():
    """Messages the issue found empty or misleading."""
    from vmlab import Cluster
    from vmlab.widgets import failure_picker, ft_panel
    from vmlab.widgets.dashboard import ha_dashboard

    for factory in (ha_dashboard, ft_panel):
        with pytest.raises(ValueError, match="needs a cluster with"):
            factory(Cluster())
    with pytest.raises(ValueError, match="until_s"):
        failure_picker(until_s=120)
    with pytest.raises(ValueError, match="seed"):
        failure_picker(seed=None)


def test_numbers_are_checked_the_same_way_everywhere():
    """The rule of vmlab.checks, on a few entry points: numeric strings, bools and NaN are
    refused; numpy scalars and whole floats are taken."""
    from vmlab import units
    from vmlab.checks import whole

    assert units.gib_to_mib(np.float64(2)) == 2048
    assert whole(np.int64(4), "n") == 4 and whole(4.0, "n") == 4
    for bad in ("2", True, math.nan):
        with pytest.raises(ValueError, match="gib must be a (finite )?number of GiB"):
            units.gib_to_mib(bad)


def test_the_issues_silent_answers_raise():
    """Every silent wrong answer the issue lists is now a ValueError at the call."""
    from vmlab import Simulation, ft, scenarios
    from vmlab.ha import readable_log

    t = fz.a_timeline()
    for bad in (-5, math.nan, None):
        with pytest.raises(ValueError, match="t_s"):
            t.state_at("web-01", bad)
    with pytest.raises(ValueError, match="VM 'typo' does not exist"):
        scenarios.vm_impact(t, "typo")
    with pytest.raises(ValueError, match="as a list"):
        readable_log(t, kinds="host_failed")
    sim = Simulation(fz.small_cluster(), seed=0)
    with pytest.raises(ValueError, match="web-02"):
        sim.migrate_many([("web-02", "esx-03"), ("web-02", "esx-01")], at_s=10)
    sim.migrate("web-02", "esx-03", at_s=10)
    with pytest.raises(ValueError, match="already has a vMotion scheduled"):
        sim.migrate("web-02", "esx-03", at_s=10)
    table = fz.a_comparison()
    with pytest.raises(ValueError, match="weekend_outage_s must be 0 or more"):
        scenarios.availability(table, host_failures_per_year=1, maintenance_per_year=4,
                               weekend_outage_s=-1)  # fmt: skip
    for vcpus in (-1, 2.5):
        with pytest.raises(ValueError, match="vcpus must be a whole number"):
            scenarios.choose_feature(max_outage_s=60, vcpus=vcpus, table=table)
    with pytest.raises(ValueError, match="at most"):
        ft.checkpointing(1e308, 1e308)


def test_zz_figures(capsys):
    """The layer's figures, printed at the end of its run (this test runs last in the file)."""
    tally = fz.TALLY
    if not tally:
        pytest.skip("run with the rest of the file to get the figures")
    callbacks = [
        q
        for q in fz.public_entry_points()
        if q.rpartition(".")[0] in fz.ALIASES and q.rpartition(".")[2].startswith("on_")
    ]
    entries = len(fz.ENTRIES) + len(fz.ALIASES) + len(callbacks)  # fmt: skip
    with capsys.disabled():
        print(
            f"\nfuzz layer: {entries} entry points (functions, methods, classes, widget "
            f"callbacks), {sum(tally.values())} inputs tried: "
            + ", ".join(f"{kind} {tally.get(kind, 0)}" for kind in
                        ("refused", "accepted", "unclear", "deferred", "state changed", "silent"))
        )  # fmt: skip
    assert sum(tally.values()) > 1000
