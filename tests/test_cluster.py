"""The cluster model: building it, reading it, and the errors a student meets."""

from __future__ import annotations

import pytest

from vmlab import Cluster, NotFoundError
from vmlab.cluster import CPU_MODELS, SERVICE_PROFILES


def test_example_is_the_source_documents_cluster():
    c = Cluster.example()
    assert len(c.hosts) == 16
    assert {h.cpu for h in c.hosts.values()} == {"intel-icelake"}
    assert len({(h.cores, h.memory_gib) for h in c.hosts.values()}) == 1, "hosts are identical"
    assert all(ds.shared and ds.hosts is None for ds in c.datastores.values())
    assert {vm.service for vm in c.vms.values()} == {"web", "app", "db", "mail", "file", "dc"}
    for h in c.hosts:
        assert 0 < c.used_memory_gib(h) <= c.hosts[h].memory_gib
        assert len({vm.service for vm in c.vms_on(h)}) >= 3, f"{h} runs a mix of services"


def test_example_is_the_same_every_time():
    a, b = Cluster.example(), Cluster.example()
    assert a.vm_table().equals(b.vm_table())
    assert a.host_table().equals(b.host_table())


def test_add_vm_takes_sizes_from_the_service_profile(small_cluster):
    vm = small_cluster.vms["web-01"]
    p = SERVICE_PROFILES["web"]
    assert (vm.vcpus, vm.memory_gib, vm.boot_s) == (p.vcpus, p.memory_gib, p.boot_s)
    assert vm.host == "esx-01" and vm.datastore == "san-01" and vm.state == "running"
    assert small_cluster.vms["db-01"].boot_s == 300


def test_mappings_are_read_only_and_name_the_valid_choices(small_cluster):
    with pytest.raises(TypeError):
        small_cluster.hosts["esx-09"] = None  # type: ignore[index]
    with pytest.raises(NotFoundError) as err:
        small_cluster.hosts["esx-17"]
    assert str(err.value) == "Host 'esx-17' does not exist; hosts are esx-01, esx-02, esx-03"
    with pytest.raises(KeyError):
        small_cluster.vms["nope"]
    long = Cluster.example()
    with pytest.raises(NotFoundError, match=r"hosts are esx-01 … esx-16"):
        long.hosts["esx-17"]


def test_capacity_accounting(small_cluster):
    assert small_cluster.used_memory_gib("esx-01") == 4 + 32
    assert small_cluster.free_memory_gib("esx-01") == 64 - 36
    assert small_cluster.total()["memory_gib"] == 3 * 64


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"host": "esx-09"}, "Host 'esx-09' does not exist"),
        ({"host": "esx-01", "memory_gib": 512}, "larger than any host"),
        ({"host": "esx-01", "vcpus": 64}, "larger than any host"),
        ({"host": "esx-01", "memory_gib": 40}, "hosts with room: esx-02, esx-03"),
        ({"host": "esx-01", "memory_gib": -1}, "memory_gib must be greater than 0"),
        ({"host": "esx-01", "protection": "magic"}, "choose one of none, ha, ft"),
        ({"host": "esx-01", "restart_priority": "urgent"}, "choose one of disabled, lowest"),
        ({"host": "esx-01", "working_set_gib": 9, "memory_gib": 4}, "cannot be larger"),
        ({"host": "esx-01", "datastore": "nas-9"}, "Datastore 'nas-9' does not exist"),
    ],
)
def test_bad_vm_is_refused_and_nothing_changes(small_cluster, kwargs, message):
    before = small_cluster.vm_table()
    with pytest.raises(ValueError, match=message):
        small_cluster.add_vm("new-01", **kwargs)
    assert small_cluster.vm_table().equals(before)
    assert "new-01" not in small_cluster.vms


def test_bad_hosts_datastores_and_networks(small_cluster):
    with pytest.raises(ValueError, match="already a host called 'esx-01'"):
        small_cluster.add_host("esx-01")
    with pytest.raises(ValueError, match="CPU model 'pentium' is not known; choose one of"):
        small_cluster.add_host("esx-04", cpu="pentium")
    with pytest.raises(ValueError, match="cores must be greater than 0"):
        small_cluster.add_host("esx-04", cores=0)
    with pytest.raises(ValueError, match="local datastore belongs to one host"):
        small_cluster.add_datastore("local", shared=False)
    with pytest.raises(ValueError, match="choose one of management, vmotion, ft_logging"):
        small_cluster.add_network("storage", bandwidth_gbit_s=10)
    assert list(small_cluster.hosts) == ["esx-01", "esx-02", "esx-03"]
    assert list(small_cluster.datastores) == ["san-01"]


def test_local_datastore_is_seen_by_its_host_only(small_cluster):
    small_cluster.add_datastore("local-esx-03", shared=False, hosts=["esx-03"])
    small_cluster.add_vm("file-01", host="esx-03", service="file", datastore="local-esx-03")
    with pytest.raises(ValueError, match="esx-01 cannot see datastore 'local-esx-03'"):
        small_cluster.add_vm("file-02", host="esx-01", service="file", datastore="local-esx-03")


def test_cpu_vocabulary():
    c = Cluster()
    h = c.add_host("a", cpu="amd-zen4")
    assert (h.cpu_vendor, h.cpu_generation, h.cpu_label) == ("amd", 4, "AMD Zen 4")
    assert all(vendor in ("intel", "amd") for vendor, _, _ in CPU_MODELS.values())


def test_copy_is_independent(small_cluster):
    twin = small_cluster.copy()
    twin.add_vm("web-09", host="esx-03", service="web")
    twin.hosts["esx-01"].state = "down"
    assert "web-09" not in small_cluster.vms
    assert small_cluster.hosts["esx-01"].state == "up"


def test_ft_is_switched_on_with_enable_ft_not_add_vm(small_cluster):
    with pytest.raises(ValueError, match=r"then call cluster.enable_ft\('new-01'\)"):
        small_cluster.add_vm("new-01", host="esx-03", service="web", protection="ft")
    assert "new-01" not in small_cluster.vms
    assert "secondary_host" in small_cluster.vm_table().columns
