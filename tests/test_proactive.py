"""Proactive HA and the DRS settings it requires (vmlab.proactive): remediation by severity,
automation, the outage compared with plain HA, and readable errors (figures.md "vSphere HA",
Proactive HA row; DRS row)."""

from __future__ import annotations

import pytest
from invariants import violations

from vmlab import Cluster, Simulation, ha
from vmlab.proactive import (
    DEFAULT_MIGRATION_THRESHOLD,
    DRS_AUTOMATION_LEVELS,
    REMEDIATIONS,
    drs_of,
    enable_drs,
    enable_proactive_ha,
    proactive_ha_of,
)

ON_ESX03 = ["web-03", "web-19", "app-11", "mail-03", "file-11"]


def run(*, remediation=None, automation="automated", severity="severe", fail_at=600):
    c = Cluster.example()
    c.enable_ha()
    if remediation is not None:
        enable_drs(c)
        enable_proactive_ha(c, remediation=remediation, automation=automation)
    sim = Simulation(c, seed=0)
    sim.degrade_host("esx-03", at_s=60, severity=severity)
    sim.fail_host("esx-03", at_s=fail_at)
    t = sim.run(until_s=1500)
    assert violations(t) == []
    return t


def kinds(t):
    return t.events.kind.tolist()


def test_drs_and_proactive_ha_settings_match_figures_md():
    assert DRS_AUTOMATION_LEVELS == ("manual", "partially_automated", "fully_automated")
    assert DEFAULT_MIGRATION_THRESHOLD == 3
    assert REMEDIATIONS == ("quarantine", "maintenance", "mixed")
    c = Cluster.example()
    assert drs_of(c) is None and proactive_ha_of(c) is None
    assert enable_drs(c).migration_threshold == 3
    for level in (1, 5):
        assert enable_drs(c, migration_threshold=level).migration_threshold == level


def test_proactive_ha_requires_drs_and_bad_settings_change_nothing():
    c = Cluster.example()
    with pytest.raises(ValueError, match="requires DRS"):
        enable_proactive_ha(c)
    assert proactive_ha_of(c) is None
    for bad in (0, 6, 2.5, "3", True):
        with pytest.raises(ValueError, match="1 \\(conservative\\) to 5"):
            enable_drs(c, migration_threshold=bad)
    with pytest.raises(ValueError, match="fully_automated"):
        enable_drs(c, automation="auto")
    assert drs_of(c) is None
    enable_drs(c)
    with pytest.raises(ValueError, match="quarantine, maintenance, mixed"):
        enable_proactive_ha(c, remediation="evacuate")
    with pytest.raises(ValueError, match="manual, automated"):
        enable_proactive_ha(c, automation="fully")
    assert proactive_ha_of(c) is None


def test_maintenance_remediation_empties_the_host_before_it_fails():
    t = run(remediation="maintenance")
    assert t.host_state_at("esx-03", 599) == "maintenance"
    moved = t.migrations
    assert sorted(moved.vm) == sorted(ON_ESX03)
    assert (moved.end_s < 600).all()
    out = t.outages()
    assert sorted(out.vm) == sorted(ON_ESX03)
    # each outage is the vMotion's stun only, milliseconds
    for vm in ON_ESX03:
        stun = moved[moved.vm == vm].downtime_s.iloc[0]
        assert out[out.vm == vm].down_s.iloc[0] == pytest.approx(stun)
    assert out.down_s.max() < 1
    declared = t.events[t.events.kind == "host_declared_failed"]
    assert declared.detail.iloc[0].startswith("restarting 0 VMs")


def test_plain_ha_costs_detection_and_a_boot_for_the_same_failure():
    t = run(remediation=None)
    assert "host_quarantined" not in kinds(t) and t.migrations.empty
    out = t.outages().set_index("vm")
    for vm in ON_ESX03:
        expected = ha.FAILURE_DETECTION_WITH_DATASTORES_S + t.spec.vms[vm].boot_s
        assert out.loc[vm, "down_s"] == pytest.approx(expected)
    proactive = run(remediation="maintenance").outages().down_s.max()
    assert out.down_s.min() > 100 * proactive  # minutes against milliseconds


def test_mixed_quarantines_a_moderate_host_and_maintains_a_severe_one():
    moderate = run(remediation="mixed", severity="moderate")
    assert "host_quarantined" in kinds(moderate)
    assert moderate.host_state_at("esx-03", 599) == "up"
    assert moderate.final.vms_on("esx-03") == []
    assert moderate.outages().down_s.max() < 1
    severe = run(remediation="mixed", severity="severe")
    assert "host_quarantined" not in kinds(severe)
    assert severe.host_state_at("esx-03", 599) == "maintenance"


def test_a_quarantined_host_takes_no_new_vm():
    c = Cluster.example()
    c.enable_ha()
    enable_drs(c)
    enable_proactive_ha(c, remediation="quarantine")
    sim = Simulation(c, seed=0)
    sim.degrade_host("esx-02", at_s=10, severity="severe")
    sim.migrate("web-01", "esx-02", at_s=300)
    t = sim.run(until_s=600)
    refused = t.events[(t.events.kind == "vmotion_refused") & (t.events.vm == "web-01")]
    assert "quarantine" in refused.detail.iloc[0]
    assert violations(t) == []


def test_manual_automation_only_recommends():
    t = run(remediation="maintenance", automation="manual")
    assert "proactive_ha_recommendation" in kinds(t)
    assert t.migrations.empty
    assert t.outages().down_s.min() > 60  # HA restarts them after the failure


def test_degrading_a_host_that_is_not_up_is_refused_at_the_call():
    sim = Simulation(Cluster.example(), seed=0)
    sim.fail_host("esx-03", at_s=10)
    with pytest.raises(ValueError, match="Cannot degrade esx-03 at 20 s: it is down"):
        sim.degrade_host("esx-03", at_s=20)
    with pytest.raises(ValueError, match="severity"):
        sim.degrade_host("esx-04", at_s=20, severity="bad")
    with pytest.raises(ValueError, match="esx-99"):
        sim.degrade_host("esx-99", at_s=20)
    assert len(sim._actions) == 1
    sim.degrade_host("esx-03", at_s=5)  # before the failure: fine
    assert len(sim._actions) == 2
