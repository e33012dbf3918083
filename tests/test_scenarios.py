"""The ready-made scenarios of the source article."""

from __future__ import annotations

from vmlab.scenarios import OVERLOADED_HOST, overloaded_cluster, rebalance


def test_the_overloaded_host_is_relieved_while_its_services_run():
    c = overloaded_cluster()
    before = 100 * c.used_memory_gib(OVERLOADED_HOST) / c.hosts[OVERLOADED_HOST].memory_gib
    assert before > 90
    t = rebalance(c, threshold_pct=80)
    after = t.cluster
    pct = {h: 100 * after.used_memory_gib(h) / after.hosts[h].memory_gib for h in after.hosts}
    assert max(pct.values()) <= 80
    assert len(t.migrations) >= 1 and set(t.migrations.from_host) == {OVERLOADED_HOST}
    assert t.outages().down_s.max() < 1
    assert c.used_memory_gib(OVERLOADED_HOST) == before * 256 / 100, "input left unchanged"


import math  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from vmlab.plots.compare import plot_availability, plot_costs, plot_downtime  # noqa: E402
from vmlab.scenarios import (  # noqa: E402
    REPAIR_AFTER_S,
    SOURCE_TABLE,
    SUBJECT_VM,
    YEAR_S,
    availability,
    compare,
    costs,
    host_failure,
    nines,
)


@pytest.fixture(scope="module")
def table():
    return compare(seed=0)


def test_compare_rebuilds_the_source_table(table):
    """The source's table: vMotion and FT do not stop the VM (time 0), HA does (minutes)."""
    assert table.feature.tolist() == ["vMotion", "HA", "FT", "none"]
    assert table.vm_stops.tolist() == [False, True, False, True]
    assert table.trigger.tolist() == ["manual", "automatic", "automatic", "manual"]
    assert (
        table.configured_on.tolist()[:3]
        == SOURCE_TABLE["设置对象"].str.replace("Cluster", "cluster").tolist()
    )
    d = table.set_index("feature").downtime_s
    assert 0 < d["vMotion"] < 1 and 0 < d["FT"] < 1, "a pause, well under a second"
    assert 60 <= d["HA"] < 15 * 60, "HA: minutes (detection + boot)"
    assert d["none"] >= REPAIR_AFTER_S, "nothing: until the repair"


def test_ha_downtime_is_detection_plus_boot(table):
    from vmlab import Cluster
    from vmlab.ha import FAILURE_DETECTION_S

    boot = Cluster.example().vms[SUBJECT_VM].boot_s
    assert table.set_index("feature").downtime_s["HA"] == pytest.approx(
        FAILURE_DETECTION_S + boot, abs=5
    )


def test_availability_arithmetic_by_hand():
    table = pd.DataFrame(
        {"feature": ["vMotion", "HA", "FT", "none"], "downtime_s": [0.5, 300.0, 0.25, 3600.0]}
    )
    a = availability(
        table, host_failures_per_year=2, maintenance_per_year=4, weekend_outage_s=7200
    ).set_index("protection")
    assert a.loc["none", "downtime_s_per_year"] == 2 * 3600 + 4 * 7200
    assert a.loc["vMotion", "downtime_s_per_year"] == 2 * 3600 + 4 * 0.5
    assert a.loc["vMotion + HA", "downtime_s_per_year"] == 2 * 300 + 4 * 0.5
    assert a.loc["vMotion + FT", "downtime_s_per_year"] == 2 * 0.25 + 4 * 0.5
    assert a.loc["vMotion + HA", "availability"] == pytest.approx(1 - 602 / YEAR_S)
    # 602 s a year is 99.998 % available: log10(YEAR_S / 602) = 4.72 nines
    assert a.loc["vMotion + HA", "nines"] == pytest.approx(math.log10(YEAR_S / 602), abs=1e-6)
    with pytest.raises(ValueError, match="host_failures_per_year must be 0 or more"):
        availability(table, host_failures_per_year=-1, maintenance_per_year=1)


def test_nines():
    assert nines(0.9) == 1 and nines(0.99999) == pytest.approx(5)
    assert math.isinf(nines(1.0))
    with pytest.raises(ValueError, match="between 0 and 1"):
        nines(1.5)


def test_costs_of_protecting_the_database():
    c = costs().set_index("feature")
    assert c.loc["vMotion", "always_reserved_gib"] == 0
    assert c.loc["FT", "always_reserved_gib"] == 64 and c.loc["FT", "always_reserved_vcpus"] == 8
    assert 0 < c.loc["HA", "always_reserved_gib"] < c.loc["FT", "always_reserved_gib"]
    assert "10 Gbit/s" in c.loc["FT", "networks"]


def test_host_failure_rejects_an_unknown_protection():
    with pytest.raises(ValueError, match="choose one of none, ha, ft"):
        host_failure("raid")


def test_comparison_plots(table):
    fig, axes = plt.subplots(1, 3)
    plot_downtime(table, ax=axes[0])
    assert axes[0].get_xscale() == "log"
    labels = [t.get_text() for t in axes[0].get_yticklabels()]
    assert labels == ["vMotion", "HA", "FT", "none"]
    assert list(axes[0].get_yticks()) == [3, 2, 1, 0], "vMotion on top, none at the bottom"
    assert any("the VM stops" in t.get_text() for t in axes[0].texts)
    a = availability(table, host_failures_per_year=1, maintenance_per_year=4)
    plot_availability(a, ax=axes[1])
    assert len(axes[1].patches) == 4 and any("nines" in t.get_text() for t in axes[1].texts)
    plot_costs(costs(), ax=axes[2])
    assert axes[2].get_ylabel() == "memory (GiB)"
    plt.close(fig)
