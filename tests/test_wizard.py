"""The migrate wizard (lesson 01): the vSphere Client's Migrate steps, driven without a browser."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from vmlab import Cluster
from vmlab.widgets import migrate_wizard
from vmlab.widgets.wizard import _shared_nothing_in_engine


def mixed_cluster() -> Cluster:
    c = Cluster.example()
    c.add_host("esx-old", cpu="intel-skylake", cores=32, memory_gib=256)
    c.add_host("esx-amd", cpu="amd-zen4", cores=32, memory_gib=256)
    c.add_datastore("local-05", shared=False, hosts=["esx-05"])
    c.add_vm("build-01", host="esx-05", service="app", datastore="local-05")
    return c


def by_name(wizard):
    return {c.name: c for c in wizard.checks}


def test_a_plain_migration_moves_the_vm_and_shows_its_timeline() -> None:
    wizard = migrate_wizard(Cluster.example())
    assert wizard.vm.value == "web-01" and wizard.host.value != "esx-01"
    assert all(c.passed for c in wizard.checks) and not wizard.migrate_button.disabled
    wizard.migrate_button.click()
    moves = wizard.timeline.migrations
    assert moves.vm.tolist() == ["web-01"] and moves.to_host.iloc[0] == wizard.host.value
    assert "MAC and IP" in wizard.message and "stunned" in wizard.message
    (shown,) = wizard.output.outputs
    assert shown["output_type"] == "display_data" and "image/png" in shown["data"]
    assert (wizard.timeline.events.kind == "network_announced").any()


def test_the_cluster_is_not_changed_by_a_migration() -> None:
    cluster = Cluster.example()
    wizard = migrate_wizard(cluster)
    wizard.migrate_button.click()
    assert cluster.vms["web-01"].host == "esx-01"


def test_an_incompatible_cpu_fails_its_check_with_a_reason() -> None:
    wizard = migrate_wizard(mixed_cluster())
    wizard.host.value = "esx-amd"
    cpu = by_name(wizard)["CPU compatibility"]
    assert not cpu.passed and "amd" in cpu.reason.lower()
    assert wizard.migrate_button.disabled
    assert "✘" in wizard.check_view.value and "CPU compatibility" in wizard.check_view.value
    wizard.on_migrate()  # even if called: a message, no traceback, no run
    assert "refuse" in wizard.message and wizard.timeline is None


def test_local_disks_need_the_storage_to_move_too() -> None:
    wizard = migrate_wizard(mixed_cluster())
    wizard.vm.value = "build-01"
    wizard.host.value = "esx-06"
    storage = by_name(wizard)["Storage"]
    assert not storage.passed and "Change both compute resource and storage" in storage.reason
    assert wizard.datastore.layout.display == "none"
    wizard.kind.value = "both"
    assert wizard.datastore.layout.display == ""
    wizard.datastore.value = "local-05"  # esx-06 cannot see it
    assert not by_name(wizard)["Storage"].passed
    wizard.datastore.value = "san-01"
    assert by_name(wizard)["Storage"].passed and not wizard.migrate_button.disabled
    wizard.migrate_button.click()
    if _shared_nothing_in_engine():
        assert wizard.timeline is not None and "moved" in wizard.message
        assert "disks were copied to san-01" in wizard.message
        assert wizard.timeline.migrations.to_host.iloc[-1] == "esx-06"
    else:
        assert wizard.timeline is None and "not in this version" in wizard.message


def test_memory_and_host_state_are_checked() -> None:
    c = Cluster.example()
    wizard = migrate_wizard(c)
    wizard.vm.value = "db-01"
    memory = by_name(wizard)["Memory"]
    assert memory.passed and "GiB free" in memory.reason


def test_no_running_vm_is_a_message() -> None:
    c = Cluster()
    c.add_host("esx-01", cpu="intel-icelake", cores=32, memory_gib=256)
    wizard = migrate_wizard(c)
    assert "nothing to migrate" in wizard.message and wizard.migrate_button.disabled


def test_a_non_cluster_is_refused_readably() -> None:
    with pytest.raises(ValueError, match="needs a Cluster"):
        migrate_wizard("esx-01")


def test_a_slow_vmotion_network_is_refused_with_its_speed() -> None:
    c = Cluster.example()
    c.add_network("vmotion", bandwidth_gbit_s=0.5)
    wizard = migrate_wizard(c)
    network = by_name(wizard)["vMotion network"]
    assert not network.passed and "0.5 Gbit/s" in network.reason and "at least 1" in network.reason
    assert wizard.migrate_button.disabled


def test_the_engines_other_rules_are_checked_too() -> None:
    """FT anti-affinity is not one of the wizard's named checks; the engine's own check
    catches it and the wizard says so in its words."""
    c = Cluster.example()
    c.enable_ha()
    c.enable_ft("web-01")  # its secondary goes to esx-02
    wizard = migrate_wizard(c)
    wizard.host.value = "esx-02"
    other = by_name(wizard)["Other rules"]
    assert not other.passed and "FT secondary" in other.reason
    assert wizard.migrate_button.disabled
    wizard.host.value = "esx-03"
    assert by_name(wizard)["Other rules"].passed and not wizard.migrate_button.disabled
