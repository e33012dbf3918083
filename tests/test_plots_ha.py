"""The HA timeline stays readable with every host failed and says what it could not show."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from vmlab import Cluster, Simulation  # noqa: E402
from vmlab.plots.ha import plot_ha_timeline  # noqa: E402


def run(failed: int, *, ha: bool = True, until_s: float = 900):
    c = Cluster.example()
    if ha:
        c.enable_ha()
    sim = Simulation(c, seed=0)
    for host in list(c.hosts)[:failed]:
        sim.fail_host(host, at_s=60)
    return sim.run(until_s=until_s)


@pytest.fixture
def ax():
    fig, ax = plt.subplots(figsize=(9.5, 6))
    yield ax
    plt.close(fig)


def test_few_vms_one_row_each_and_the_title_names_the_host(ax):
    t = run(1)
    plot_ha_timeline(t, ax=ax)
    assert ax.get_title() == "HA restarts after esx-01 failed"
    assert len(ax.get_yticklabels()) == len(t.outages().vm.unique()) == 5
    assert len(ax.collections) <= 6  # one collection per state drawn, not one per bar


def test_sixteen_failed_hosts_one_row_per_host_with_a_summary(ax):
    t = run(16)
    plot_ha_timeline(t, ax=ax)
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert len(labels) == 16 and labels[-1] == "esx-01: 5 VMs"
    assert sum(int(lab.split()[1]) for lab in labels) == 76
    title = ax.get_title().splitlines()
    assert title[0] == "HA restarted no VM after all 16 hosts failed"
    assert title[1].startswith("76 VMs, one row per host")
    # 16 failures at one instant: one line and one label, not 16 on top of each other
    assert [a.get_text() for a in ax.texts] == ["16 hosts fail"]


def test_twelve_failed_hosts_restart_some_and_every_label_fits(ax):
    t = run(12)
    plot_ha_timeline(t, ax=ax)
    ax.figure.tight_layout()
    ax.figure.canvas.draw()
    fig_box = ax.figure.bbox
    for artist in [ax.title, *ax.texts, *ax.get_yticklabels()]:
        box = artist.get_window_extent()
        assert fig_box.x0 <= box.x0 and box.x1 <= fig_box.x1 + 1, artist.get_text()
        assert box.y1 <= fig_box.y1 + 1, artist.get_text()  # the title stays in the figure
    assert ax.get_title().startswith("HA restarts after 12 hosts failed")
    assert {a.get_text() for a in ax.texts} == {"12 hosts fail", "12 hosts declared failed"}


def test_ha_off_is_said_in_the_title(ax):
    plot_ha_timeline(run(1, ha=False), ax=ax)
    assert ax.get_title() == "HA is off: nothing restarts the VMs that stopped after esx-01 failed"


def test_group_by_can_be_forced_and_checked(ax):
    t = run(2)
    plot_ha_timeline(t, group_by="service", ax=ax)
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert all(":" in lab for lab in labels)
    assert sum(int(lab.split()[1]) for lab in labels) == 10
    with pytest.raises(ValueError, match="group_by must be one of"):
        plot_ha_timeline(t, group_by="rack", ax=ax)


def test_ha_timeline_rows_is_what_the_plot_draws(ax):
    from vmlab.plots.ha import ha_timeline_rows

    for failed in (1, 4, 13, 16):
        t = run(failed)
        ax.clear()
        plot_ha_timeline(t, ax=ax)
        assert ha_timeline_rows(t) == len(ax.get_yticklabels()), failed
    assert ha_timeline_rows(run(4), max_rows=5) == 4  # 20 VMs, grouped by their 4 hosts
