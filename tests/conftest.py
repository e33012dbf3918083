"""Shared fixtures. Plots render with the Agg backend: no screen needed."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture
def small_cluster():
    """Three hosts, a shared datastore and five VMs: small enough to reason about by hand."""
    from vmlab import Cluster

    c = Cluster(name="small")
    for i in (1, 2, 3):
        c.add_host(f"esx-{i:02d}", cpu="intel-icelake", cores=16, memory_gib=64)
    c.add_datastore("san-01", shared=True)
    c.add_network("vmotion", bandwidth_gbit_s=10)
    c.add_vm("web-01", host="esx-01", service="web")
    c.add_vm("db-01", host="esx-01", vcpus=8, memory_gib=32, service="db", boot_s=300)
    c.add_vm("web-02", host="esx-02", service="web")
    c.add_vm("app-01", host="esx-02", service="app")
    c.add_vm("mail-01", host="esx-03", service="mail")
    return c
