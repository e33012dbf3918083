"""vmlab's refusals, placement reasons and summaries in Chinese (issue 12, item 3; the errors area).

With ``use_language("zh")``, every kind of error the shared validator (:mod:`vmlab.checks`),
the cluster, HA's settings, FT's rules, placement, pre-copy and the unit conversions raise is
triggered (the fuzz layer's bad values at each of those entry points, and the validator's
functions one by one), and each message must hold Chinese and no English sentence
(:func:`zh_text.english_left`). Placement reasons, admission-control notes and pre-copy
summaries are read the same way, and their numbers must be the English edition's. The
catalog entries of these files must be translated, not fuzzy, with the msgid's placeholders.
"""

from __future__ import annotations

import copy
import math
import pickle
import re
from pathlib import Path

import fuzz_entries as fz  # tests/ is on sys.path (rootdir conftest)
import numpy as np
import pandas as pd
import pytest
from babel.messages.pofile import read_po
from zh_text import english_left, has_chinese

from vmlab import Cluster, checks, i18n, units
from vmlab.cpus import CPU_MODELS
from vmlab.ha_settings import FailoverHostsPolicy, SlotPolicy, slot_failover_capacity
from vmlab.migration import XEN_RULES, PrecopySettings, precopy
from vmlab.placement import cpus_compatible, place
from vmlab.state import RunState
from vmlab.words import Reason

MODULES = ("checks", "units", "cluster", "cpus", "words", "placement", "state", "ha_settings",
           "ft_rules", "migration", "events")  # fmt: skip
ENTRY_PREFIXES = tuple(f"vmlab.{m}." for m in MODULES)
PO = Path(__file__).parent.parent / "vmlab/locale/zh_CN/LC_MESSAGES/vmlab.po"

_PY_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")
"""Python's own repr of a value a student passed (``object()``): the value, not a sentence."""

_CPU_NAMES = re.compile("|".join(re.escape(label) for _v, _g, label in CPU_MODELS.values()))
"""CPU generations are names ("AMD Zen 3"), printed as they are in both editions."""


@pytest.fixture(autouse=True)
def zh():
    i18n.use_language("zh")
    yield
    i18n.use_language("en")


def assert_chinese(text: str, where: str = "") -> None:
    left = english_left(_CPU_NAMES.sub("", _PY_REPR.sub("", text)))
    assert left == [], f"English left in {where}: {left}\n{text}"
    assert has_chinese(text), f"no Chinese in {where}: {text}"


def refusal(fn, *args, **kwargs) -> str:
    with pytest.raises(ValueError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def numbers_in(text: str) -> list[str]:
    return sorted(re.findall(r"\d+(?:\.\d+)?", text))


# ----------------------------------------------------------------------------------------
# Every refusal the fuzz layer provokes at these modules' entry points, in Chinese
# ----------------------------------------------------------------------------------------


def _mine():
    return [e for q, e in fz.ENTRIES.items() if q.startswith(ENTRY_PREFIXES)]


def test_the_fuzz_layer_covers_these_modules():
    names = {e.qualname.split(".")[1] for e in _mine()}
    assert {"cluster", "ha_settings", "placement", "migration", "units"} <= names
    assert len(_mine()) >= 40


@pytest.mark.parametrize("entry", _mine(), ids=lambda e: e.qualname.removeprefix("vmlab."))
def test_every_refusal_of_the_fuzz_catalogue_is_chinese(entry):
    messages = []
    for arg in entry.domains:
        for label, make in fz.catalog_values(entry):
            call = entry.make()
            kwargs = {**call.kwargs, arg: make()}
            try:
                call.fn(**kwargs)
            except ValueError as err:
                messages.append((f"{arg}={label}", str(err)))
    for label, overrides in entry.extra:
        call = entry.make()
        kwargs = dict(call.kwargs)
        for k, v in overrides.items():
            if k == "__before__":
                v(call.state)
            else:
                kwargs[k] = fz._empty_cluster() if v == "__empty__" else v
        try:
            call.fn(**kwargs)
        except ValueError as err:
            messages.append((label, str(err)))
    if entry.domains:
        assert messages, "no bad value was refused"
    for where, text in messages:
        assert_chinese(text, f"{entry.qualname}({where})")


# ----------------------------------------------------------------------------------------
# The shared validator, one kind of refusal at a time
# ----------------------------------------------------------------------------------------

HOSTS = [f"esx-{i:02d}" for i in range(1, 17)]

VALIDATOR_CASES = {
    "numeric string": lambda: checks.time_s("60", "at_s"),
    "bool": lambda: checks.number(True, "memory_gib", unit="GiB"),
    "nan": lambda: checks.number(math.nan, "memory_gib", unit="GiB"),
    "inf": lambda: checks.number(math.inf, "x"),
    "huge int": lambda: checks.number(10**400, "x"),
    "complex": lambda: checks.number(1 + 2j, "x"),
    "greater than": lambda: checks.number(
        -1, "bandwidth_gbit_s", unit="Gbit/s", low=0, low_open=True
    ),  # fmt: skip
    "or more": lambda: checks.non_negative(-1, "dirty_rate_mib_s", unit="MiB/s"),
    "between": lambda: checks.percent(120, "threshold_pct"),
    "at most": lambda: checks.number(5, "x", high=1),
    "less than": lambda: checks.number(5, "x", high=1, high_open=True),
    "open range": lambda: checks.number(5, "x", low=0, high=1, low_open=True, high_open=True),
    "half-open": lambda: checks.number(5, "x", low=0, high=1, low_open=True),
    "or more, less than": lambda: checks.number(5, "x", unit="s", low=0, high=1, high_open=True),
    "capped": lambda: checks.non_negative(1e20, "x", high=1e12),
    "positive": lambda: checks.positive(0, "memory_gib", unit="GiB"),
    "whole 2.5": lambda: checks.whole(2.5, "vcpus", low=1),
    "whole nan": lambda: checks.whole(math.nan, "vcpus", low=1),
    "whole low": lambda: checks.whole(-1, "vcpus", low=1),
    "whole high": lambda: checks.whole(9, "vcpus", low=None, high=8),
    "whole both": lambda: checks.whole(9, "vcpus", low=1, high=8),
    "whole with unit": lambda: checks.whole(20, "threshold_pct", low=30, high=100, unit="%"),
    "whole low unit": lambda: checks.whole(-1, "t", unit="s"),
    "seed": lambda: checks.seed(-1),
    "time below 0": lambda: checks.time_s(-5, "t_s"),
    "time not 0": lambda: checks.time_s(0, "until_s", zero_ok=False),
    "time high": lambda: checks.time_s(5000, "t_s", high=600),
    "time high not 0": lambda: checks.time_s(0, "t_s", zero_ok=False, high=600),
    "range string": lambda: checks.time_range("0-600"),
    "range length": lambda: checks.time_range((0, 1, 2)),
    "range length 1": lambda: checks.time_range([5]),
    "range order": lambda: checks.time_range((600, 0)),
    "name list": lambda: checks.name(["esx-01"], HOSTS, "Host"),
    "name number": lambda: checks.name(3, HOSTS, "Host"),
    "name unknown": lambda: checks.name("esx-17", HOSTS, "Host"),
    "name close": lambda: checks.name("esx01", HOSTS, "Host"),
    "vm name": lambda: checks.name("web01", ["web-01"], "VM"),
    "names dict": lambda: checks.names({"a": 1}, HOSTS, "Host"),
    "names empty": lambda: checks.names([], HOSTS, "Host"),
    "names twice": lambda: checks.names(["esx-01", "esx-01"], HOSTS, "Host"),
    "choice type": lambda: checks.choice(3, ["web", "db"], "CPU model"),
    "choice unknown": lambda: checks.choice("Web", ["web", "db"], "Network kind"),
    "choices string": lambda: checks.choices("web", ["web", "db"], "Protection"),
    "choices number": lambda: checks.choices(5, ["web", "db"], "Protection"),
    "flag": lambda: checks.flag("no", "affected_only"),
    "text type": lambda: checks.text(5, "question_id"),
    "text empty": lambda: checks.text("  ", "question_id"),
    "function": lambda: checks.function(None, "action"),
    "numbers by name": lambda: checks.numbers_by_name([], "outages_s", unit="s"),
    "numbers by name, no unit": lambda: checks.numbers_by_name(None, "weights"),
    "numbers by name label": lambda: checks.numbers_by_name({3: 1}, "outages_s", unit="s"),
    "timeline": lambda: checks.timeline("t"),
    "cluster": lambda: checks.cluster(None),
    "cluster needed": lambda: checks.cluster(None, "Simulation()"),
    "frame type": lambda: checks.frame([], "table", ["feature"], "scenarios.compare()"),
    "frame column": lambda: checks.frame(
        pd.DataFrame({"x": [1]}), "table", ["feature"], "scenarios.compare()"
    ),  # fmt: skip
    "frame columns": lambda: checks.frame(
        pd.DataFrame({"x": [1]}), "table", ["a", "b"], "scenarios.compare()"
    ),  # fmt: skip
    "axes": lambda: checks.axes("top"),
    "cluster or timeline": lambda: checks.cluster_or_timeline(3),
    "migration result": lambda: checks.migration_result(3),
    "number_in type": lambda: checks.number_in("3", "the VM's memory", name="memory_gib"),
    "number_in huge": lambda: checks.number_in(10**400, "the VM's memory", name="memory_gib"),
    "number_in nan": lambda: checks.number_in(
        np.float64("nan"), "the VM's memory", name="memory_gib"
    ),  # fmt: skip
    "number_in low": lambda: checks.number_in(
        -1, "the VM's memory", name="memory_gib", low=0, unit="GiB"
    ),  # fmt: skip
    "number_in low open": lambda: checks.number_in(
        0, "the VM's memory", name="memory_gib", low=0, low_ok=False
    ),  # fmt: skip
    "number_in high": lambda: checks.number_in(2, "resume time", name="x", high=1),
    "number_in high open": lambda: checks.number_in(
        1, "resume time", name="x", high=1, high_ok=False
    ),  # fmt: skip
    "number_in unit word": lambda: checks.number_in(
        0.5,
        "stop once this many times the memory has been sent; Xen uses 3",
        name="max_transfer_factor",
        low=1,
        unit="× memory",
    ),  # fmt: skip
    "whole_in": lambda: checks.whole_in(1, "rounds", name="max_rounds", low=2, high=100),
    "one_of": lambda: checks.one_of(
        "x", {"sdps": "give up; the VM stays on the source"}, name="on_no_convergence"
    ),  # fmt: skip
}


@pytest.mark.parametrize("case", VALIDATOR_CASES, ids=str)
def test_every_kind_of_validator_refusal_is_chinese(case):
    zh_text = refusal(VALIDATOR_CASES[case])
    assert_chinese(zh_text, case)
    i18n.use_language("en")
    en_text = refusal(VALIDATOR_CASES[case])
    assert not has_chinese(en_text), "English stays English"
    assert numbers_in(zh_text) == numbers_in(en_text), "the two editions print the same figures"


def test_a_refused_name_lists_the_names_and_suggests_one():
    text = refusal(checks.name, "esx01", HOSTS, "Host")
    assert text.startswith("主机 'esx01' 不存在") and "esx-01 … esx-16" in text
    assert "'esx-01'" in text


def test_the_same_parameter_name_stays_as_it_is():
    # a parameter's own name is code: it is printed as the student wrote it
    assert refusal(checks.time_s, -5, "at_s").startswith("at_s ")
    assert checks.what_text("at_s") == "at_s" and checks.what_text("Host") == "主机"


def test_units_refuse_in_chinese():
    for fn in (units.gib_to_mib, units.mib_to_gib, units.gbit_s_to_mib_s, units.mib_s_to_gbit_s,
               units.mbit_s_to_mib_s, units.mib_to_pages, units.pages_to_mib,
               units.format_duration, units.format_clock):  # fmt: skip
        for bad in ("2", -1, math.nan, None, True):
            assert_chinese(refusal(fn, bad), f"{fn.__name__}({bad!r})")
    # durations keep their unit symbols in both editions
    assert units.format_duration(200) == "3 min 20 s" and units.format_clock(75) == "01:15"


def test_widget_error_messages_are_chinese():
    class Widget:
        message = ""
        summary = None

    w = Widget()
    checks.show_error(w, ValueError(refusal(checks.flag, "no", "affected_only")))
    assert_chinese(w.message, "show_error(ValueError)")
    checks.show_error(w, KeyError("x"))
    assert_chinese(w.message, "show_error(KeyError)")


# ----------------------------------------------------------------------------------------
# The cluster, HA's settings and FT's rules
# ----------------------------------------------------------------------------------------


def test_cluster_refusals_are_chinese():
    c = Cluster.example()
    cases = {
        "unknown host": lambda: c.hosts["esx-17"],
        "unknown vm": lambda: c.vms["nope"],
        "no name": lambda: c.add_host(""),
        "taken host": lambda: c.add_host("esx-01"),
        "taken datastore": lambda: c.add_datastore("san-01"),
        "taken vm": lambda: c.add_vm("web-01", host="esx-01"),
        "vm without name": lambda: c.add_vm("", host="esx-01"),
        "local datastore": lambda: c.add_datastore("local", shared=False),
        "working set": lambda: c.add_vm("x", host="esx-01", memory_gib=4, working_set_gib=8),
        "ft protection": lambda: c.add_vm("x", host="esx-01", protection="ft"),
        "too large": lambda: c.add_vm("x", host="esx-01", memory_gib=1024),
        "too many vcpus": lambda: c.add_vm("x", host="esx-01", vcpus=64),
        "no room": lambda: c.add_vm("x", host="esx-01", memory_gib=250),
        "bad cpu": lambda: c.add_host("esx-99", cpu="intel-486"),
        "evc": lambda: setattr(c, "evc", "intel-skylake"),
        "ft without ha": lambda: c.enable_ft("web-01"),
        "no ft": lambda: c.disable_ft("web-01"),
        "bad admission": lambda: c.enable_ha(admission_control="x"),
        "bad isolation": lambda: c.enable_ha(isolation_response="x"),
        "bad monitoring": lambda: c.enable_ha(vm_monitoring="x"),
        "heartbeat datastores": lambda: c.enable_ha(heartbeat_datastores=9),
        "unknown timing": lambda: c.enable_ha(colour_s=3),
        "every host failover": lambda: c.enable_ha(
            admission_control="failover_hosts", failover_hosts=list(c.hosts)
        ),  # fmt: skip
        "bad readiness": lambda: c.enable_ha(restart_readiness="x"),
        "bad vmcp": lambda: c.enable_ha(vmcp="x"),
    }
    for name, fn in cases.items():
        assert_chinese(refusal(fn), name)
    empty = Cluster()
    assert_chinese(refusal(empty.enable_ha), "HA without hosts")
    d = Cluster()
    d.add_host("esx-01")
    assert_chinese(refusal(d.add_vm, "x", host="esx-01"), "no datastore")
    d.add_host("esx-02")
    d.add_datastore("local-01", shared=False, hosts=["esx-01"])
    assert_chinese(refusal(d.add_vm, "x", host="esx-02", datastore="local-01"), "cannot see")


def test_ft_refusals_are_chinese():
    c = Cluster.example()
    c.enable_ha()
    assert_chinese(refusal(c.enable_ft, "db-01", edition="standard"), "vCPU limit")
    c.enable_ft("web-01")
    assert_chinese(refusal(c.enable_ft, "web-01"), "FT already on")
    assert_chinese(refusal(c.disable_ha), "HA off while FT")
    assert_chinese(refusal(c.enable_ft, "web-02", secondary_host="esx-02"), "secondary host")
    for h in c.hosts:
        c.hosts[h].state = "down" if h != c.vms["web-03"].host else "up"
    assert_chinese(refusal(c.enable_ft, "web-03"), "no host for the secondary")
    slow = Cluster.example()
    slow.enable_ha()
    slow.add_network("ft_logging", bandwidth_gbit_s=1)
    assert_chinese(refusal(slow.enable_ft, "web-01"), "slow logging network")
    del slow.networks["ft_logging"]
    assert_chinese(refusal(slow.enable_ft, "web-01"), "no logging network")
    local = Cluster()
    for h in ("esx-01", "esx-02"):
        local.add_host(h)
    local.add_datastore("local-01", shared=False, hosts=["esx-01"])
    local.add_network("ft_logging", bandwidth_gbit_s=10)
    local.add_vm("web-01", host="esx-01", service="web")
    local.enable_ha()
    assert_chinese(refusal(local.enable_ft, "web-01"), "disks not shared")
    full = Cluster.example()
    full.enable_ha()
    text = None
    for vm in [v.name for v in full.vms_on("esx-01")]:
        try:
            full.enable_ft(vm)
        except ValueError as err:
            text = str(err)
            break
    assert text is not None, "the per-host FT limits refuse at last"
    assert_chinese(text, "FT limits on the primary's host")


def test_admission_control_refusals_and_report_are_chinese():
    c = Cluster.example()
    c.enable_ha(admission_control="percentage", percent=60)
    assert_chinese(refusal(c.add_vm, "x", host="esx-01", memory_gib=128), "percentage policy")
    s = Cluster.example()
    s.enable_ha(admission_control=SlotPolicy(host_failures=15))
    assert_chinese(refusal(s.add_vm, "x", host="esx-01"), "slot policy")
    f = Cluster.example()
    f.enable_ha(admission_control="failover_hosts")
    assert_chinese(refusal(f.add_vm, "x", host="esx-16"), "failover host")
    for policy in ("percentage", "slots", "failover_hosts"):
        report = Cluster.example().enable_ha(admission_control=policy).report()
        assert list(report.columns) == ["figure", "value", "note"]
        values = report.set_index("figure").value
        assert values["policy satisfied"] in (True, False), "figures are still the keys"
        assert "current failover capacity (hosts)" in set(report.figure)
        for figure in report.figure:
            assert_chinese(str(figure), f"report figure ({policy})")
        assert "策略已满足" in report.to_html()
        for note in report.note:
            if note:
                assert_chinese(note, f"report note ({policy})")
    for bad in (lambda: FailoverHostsPolicy(()), lambda: SlotPolicy(slot_vcpus=-1),
                lambda: slot_failover_capacity("x", []),
                lambda: slot_failover_capacity([(9,)], []),
                lambda: slot_failover_capacity([(9, -1)], []),
                lambda: slot_failover_capacity([(9, 9)], [], slot=3),
                lambda: slot_failover_capacity([(9, 9)], [], slot=(0, 1))):  # fmt: skip
        assert_chinese(refusal(bad), "slot policy arguments")


def test_reprs_a_student_sees_are_chinese():
    c = Cluster.example()
    c.enable_ha()
    c.enable_ft("web-01")
    c.add_datastore("local-01", shared=False, hosts=["esx-01"])
    c.add_datastore("pair-01", shared=True, hosts=["esx-01", "esx-02"])
    state = RunState(c)
    shown = [c, c.hosts, c.vms, c.datastores, c.vms["web-01"], c.vms["web-02"],
             c.datastores["san-01"], c.datastores["local-01"], c.datastores["pair-01"], state,
             state.vms["web-01"], state.vms["web-02"]]  # fmt: skip
    for obj in shown:
        assert_chinese(repr(obj), f"repr of {type(obj).__name__}")
    # a host's repr has one word, "cores" (the rest is names, numbers and its state)
    assert "个核心" in repr(c.hosts["esx-01"])
    assert "16" in repr(c.hosts) and "76" in repr(c)
    i18n.use_language("en")
    assert repr(c) == "<Cluster 'example': 16 hosts, 76 VMs>"
    assert repr(c.hosts) == "<16 hosts: esx-01 … esx-16>"
    assert (
        repr(c.vms["web-01"])
        == "VM('web-01' on esx-01, 2 vCPU, 4 GiB, web, FT secondary on esx-02)"
    )


def test_service_descriptions_print_in_chinese_and_equal_the_english():
    from vmlab.cluster import SERVICE_PROFILES

    table = pd.DataFrame({"what it is": [p.description for p in SERVICE_PROFILES.values()]})
    for text in table["what it is"]:
        assert_chinese(str(text), "service description")
    assert "数据库" in table.to_html() and SERVICE_PROFILES["db"].description == (
        "database (PostgreSQL)"
    )


# ----------------------------------------------------------------------------------------
# Placement: every rule's reason in Chinese
# ----------------------------------------------------------------------------------------


def _reasons_cluster():
    """A cluster in which each placement rule refuses at least one host."""
    c = Cluster.example()
    c.add_host("amd-01", cpu="amd-zen3")
    c.add_host("old-01", cpu="intel-skylake")
    c.add_host("tiny-01", cores=2, memory_gib=8)
    c.add_datastore("local-01", shared=False, hosts=["esx-01"])
    c.enable_ha(admission_control="failover_hosts", failover_hosts=["esx-16"])
    c.enable_ft("web-01")
    c.hosts["esx-03"].state = "down"
    c.hosts["esx-04"].state = "maintenance"
    c.hosts["esx-05"].state = "isolated"
    return c


PLACEMENTS = (("web-01", "vmotion"), ("db-01", "vmotion"), ("web-02", "secondary"),
              ("db-01", "restart"), ("app-01", "evacuate"))  # fmt: skip


def test_every_placement_rule_gives_its_reason_in_chinese():
    c = _reasons_cluster()
    zh_reasons = {}
    for vm, purpose in PLACEMENTS:
        p = place(c, vm, purpose)
        zh_reasons[vm, purpose] = p.rejected
        for host, why in p.rejected.items():
            assert_chinese(why, f"{vm} {purpose} {host}")
        assert_chinese(p.why_not(), f"why_not {vm} {purpose}")
        assert_chinese(p.why_not(most=100), f"why_not {vm} {purpose}, all")
    i18n.use_language("en")
    english = []
    for vm, purpose in PLACEMENTS:
        p = place(c, vm, purpose)
        assert p.rejected.keys() == zh_reasons[vm, purpose].keys(), "the same hosts left out"
        english += p.rejected.values()
    english_text = " | ".join(english)
    for rule in ("already runs on", "is down", "is maintenance", "is isolated",
                 "dedicated failover host", "cores", "GiB of memory free",
                 "FT secondary of web-01", "CPUs are not compatible", "runs the primary",
                 "the secondary follows the primary"):  # fmt: skip
        assert rule in english_text, f"no host refused for {rule!r}"
    assert place(c, "web-02", "vmotion").rejected["esx-03"] == "is down"


def test_run_time_reasons_are_chinese():
    c = Cluster.example()
    c.enable_ha()
    c.enable_ft("web-01")
    state = RunState(c)
    state.evacuating.add("esx-02")
    state.quarantined.add("esx-06")
    state.lost_datastores["esx-07"] = {"san-01": "apd"}
    state.reserve("esx-08", 250, vm="web-08", why="vMotion from esx-02")
    p = place(state, "db-01", "vmotion")
    for host in ("esx-02", "esx-06", "esx-07", "esx-08"):
        assert_chinese(p.rejected[host], f"run state, {host}")
    secondary_host = c.vms["web-01"].secondary_host
    assert_chinese(", ".join(state.live_copies_on(secondary_host)), "live copies")
    gone = place(state, "web-02", "restart", candidates=["esx-01"]).rejected["esx-03"]
    assert_chinese(gone, "a host the primary cannot reach")
    i18n.use_language("en")
    assert "web-01 (secondary)" in state.live_copies_on(secondary_host)
    assert (
        place(state, "web-02", "restart", candidates=["esx-01"])
        .rejected["esx-03"]
        .startswith("not reachable")
    )


def test_reasons_keep_their_translation_through_copy_and_pickle():
    r = Reason("{vm} already runs on {host}", vm="web-01", host="esx-01")
    j = Reason.joined([r, Reason("is down")])
    for again in (copy.deepcopy(j), pickle.loads(pickle.dumps(j))):
        assert again == "web-01 already runs on esx-01; is down"
        assert str(again) == "web-01 已经在 esx-01 上运行；已停机"


def test_cpu_reasons_are_chinese():
    c = Cluster()
    c.add_host("intel", cpu="intel-icelake")
    c.add_host("amd", cpu="amd-zen3")
    c.add_host("old", cpu="intel-skylake")
    for a, b in (("intel", "amd"), ("intel", "old")):
        why = cpus_compatible(c, a, b)
        assert why is not None
        assert_chinese(why, f"{a} → {b}")


def test_a_refused_vmotion_says_its_cpu_reason_in_chinese():
    from vmlab import Simulation

    c = Cluster.example()
    c.add_host("amd-01", cpu="amd-zen3")
    assert_chinese(refusal(Simulation(c).migrate, "web-01", "amd-01", at_s=5), "sim.migrate")


# ----------------------------------------------------------------------------------------
# Pre-copy: summaries and explanations
# ----------------------------------------------------------------------------------------

PRECOPY_CASES = {
    "converged": ((4, 0, 0, 10), {}),
    "few dirty left": ((4, 50, 1, 10), {}),
    "sdps, faster than the link": ((8, 2048, 6, 1), {}),
    "sdps, catching up slowly": ((16, 100, 12, 1), {}),
    "forced (Xen)": ((8, 2048, 6, 1), XEN_RULES),
    "few pages (Xen)": ((4, 1, 1, 10), XEN_RULES),
    "aborted": ((8, 2048, 6, 1), {"on_no_convergence": "abort"}),
    "time limit": ((8, 2048, 6, 1), {"on_no_convergence": "abort", "max_precopy_s": 5}),
    "round limit": ((8, 2048, 6, 1), {"on_no_convergence": "force", "max_rounds": 3}),
    "switchover limit": (
        (64, 2048, 60, 1),
        {"on_no_convergence": "force", "max_switchover_s": 1},
    ),  # fmt: skip
    "too close to the link": ((8, 100, 6, 1), {"on_no_convergence": "abort", "max_rounds": 4}),
    "pages model": ((2, 200, 1, 1), {"model": "pages", "on_no_convergence": "force"}),
}


@pytest.mark.parametrize("case", PRECOPY_CASES, ids=str)
def test_precopy_summaries_are_chinese_with_the_same_figures(case):
    args, rules = PRECOPY_CASES[case]
    zh_summary = precopy(*args, **rules).summary()
    for line in zh_summary.splitlines():
        assert_chinese(line, f"{case} summary")
    i18n.use_language("en")
    r = precopy(*args, **rules)
    en_summary = r.summary()
    assert not has_chinese(en_summary)
    assert numbers_in(zh_summary) == numbers_in(en_summary), "the same figures in both"


def test_precopy_explanations_cover_every_outcome():
    outcomes = set()
    for args, rules in PRECOPY_CASES.values():
        outcomes.add(precopy(*args, **rules).outcome)
    assert outcomes == {"converged", "sdps", "forced", "aborted"}


def test_the_policy_table_labels_its_rows_in_chinese():
    from vmlab.migration import compare_policies

    zh_table = compare_policies(8, 2048, 6, 1)
    for label in zh_table.index:
        assert_chinese(str(label), "compare_policies row")
    assert zh_table.loc["vSphere: SDPS (default)", "outcome"] == "sdps", "rows keep their keys"
    i18n.use_language("en")
    en_table = compare_policies(8, 2048, 6, 1)
    assert list(en_table.index)[0] == "vSphere: SDPS (default)"
    assert list(zh_table.columns) == list(en_table.columns), "columns stay as they are"
    assert zh_table.to_numpy().tolist() == en_table.to_numpy().tolist(), "the same figures"


def test_precopy_refusals_are_chinese():
    for fn in (lambda: precopy(4, 0, 8, 10),
               lambda: precopy(4, 0, 0, 10, settings="qemu"),
               lambda: precopy(4096, 0, 0, 10, model="pages"),
               lambda: precopy(4, 0, 0, 10, colour=1),
               lambda: PrecopySettings(seed=2.5).checked(),
               lambda: precopy(4, 0, 0, 10, max_transfer_factor=0.5)):  # fmt: skip
        assert_chinese(refusal(fn), "precopy")


# ----------------------------------------------------------------------------------------
# The catalog entries of these files
# ----------------------------------------------------------------------------------------

_FIELD = re.compile(r"\{[^{}]*\}")


def _my_entries():
    catalog = read_po(PO.open("rb"))
    return [m for m in catalog if m.id and any(
        loc in {f"vmlab/{m}.py" for m in MODULES} for loc, _line in m.locations
    )]  # fmt: skip


def test_every_entry_of_these_files_is_translated_with_its_placeholders():
    entries = _my_entries()
    assert len(entries) >= 230
    for m in entries:
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        assert all(strings) and not m.fuzzy, f"untranslated or fuzzy: {m.id!r}"
        for msgid in ids:
            for msgstr in strings:
                assert set(_FIELD.findall(msgid)) == set(_FIELD.findall(msgstr)), (
                    f"placeholders differ: {msgid!r} → {msgstr!r}"
                )
        if re.search("[A-Za-z]{2,}", _FIELD.sub("", ids[0])):  # a word, not only punctuation
            assert has_chinese(strings[0]), f"no Chinese in {strings[0]!r}"


@pytest.mark.parametrize("outcome", ["converged", "sdps", "forced", "aborted"])
@pytest.mark.parametrize("stop", ["few_pages", "target", "switchover", "volume", "time", "stalled",
                                  "rounds"])  # fmt: skip
@pytest.mark.parametrize("rate_mib_s", [0.0, 100.0, 2048.0])
def test_every_explanation_sentence_is_chinese(outcome, stop, rate_mib_s):
    from vmlab.migration import XEN_RULES as xen
    from vmlab.migration import _explain

    settings = PrecopySettings(**{**xen, "max_precopy_s": 30})
    args = dict(outcome=outcome, stop=stop, n_rounds=5, remaining_mib=0.0 if rate_mib_s == 0
                else 700.0, threshold_mib=36.0, target_ms=300.0, rate_mib_s=rate_mib_s,
                ws_mib=6144.0, bandwidth_mib_s=119.2, bandwidth_gbit_s=1.0,
                throttle_pct=0.0 if outcome == "converged" else 60.0, downtime_s=0.2,
                would_stun_s=515.0, settings=settings)  # fmt: skip
    zh_text = _explain(**args)
    assert_chinese(zh_text, f"{outcome}/{stop}/{rate_mib_s}")
    i18n.use_language("en")
    assert numbers_in(zh_text) == numbers_in(_explain(**args))


# ----------------------------------------------------------------------------------------
# A run is the same run in both languages (placement reasons compare as English)
# ----------------------------------------------------------------------------------------


def _busy_run():
    from vmlab import Simulation

    c = Cluster.example()
    c.enable_ha()
    c.enable_ft("web-01")
    c.enable_ft("app-01")
    sim = Simulation(c)
    sim.migrate("web-03", "esx-05", at_s=5)
    sim.enter_maintenance("esx-05", at_s=6)  # web-03 switches over while esx-05 is entering it
    sim.migrate("web-01", c.vms["web-01"].secondary_host, at_s=6)  # the FT rule refuses
    sim.enter_maintenance(c.vms["web-01"].secondary_host, at_s=10)
    sim.fail_host("esx-12", at_s=20)
    sim.enter_maintenance("esx-03", at_s=40)
    sim.fail_host(c.vms["web-01"].host, at_s=60)
    return sim.run(until_s=900)


def test_a_run_is_the_same_run_in_both_languages():
    zh_events = _busy_run().events
    i18n.use_language("en")
    en_events = _busy_run().events
    columns = ["t_s", "kind", "host", "vm"]
    rules_at_work = {"vmotion_refused", "vmotion_failed", "maintenance_blocked", "ft_failover",
                     "restart_issued", "host_in_maintenance"}  # fmt: skip
    assert rules_at_work <= set(en_events.kind), "the run exercises placement's rules"
    pd.testing.assert_frame_equal(zh_events[columns], en_events[columns])
