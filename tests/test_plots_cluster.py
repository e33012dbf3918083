"""The cluster map, the stack and the VM timeline draw what the results say."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from vmlab import Cluster, Simulation
from vmlab.plots import STATE_COLOURS, plot_cluster_map, plot_stack, plot_timeline


@pytest.fixture
def failure_timeline():
    sim = Simulation(Cluster.example(), seed=0)
    sim.fail_host("esx-03", at_s=60)
    sim.repair_host("esx-03", at_s=600)
    return sim.run(until_s=900)


def facecolours(ax):
    return [to_hex(p.get_facecolor()) for p in ax.patches]


def test_cluster_map_has_a_tile_per_host_and_a_box_per_vm():
    c = Cluster.example()
    fig, ax = plt.subplots()
    assert plot_cluster_map(c, ax=ax) is ax
    assert len(ax.patches) == len(c.hosts) + len(c.vms)
    assert facecolours(ax).count(STATE_COLOURS["running"].lower()) == len(c.vms)
    texts = {t.get_text() for t in ax.texts}
    assert {"esx-01", "esx-16", "db-08"} <= texts
    plt.close(fig)


def test_cluster_map_of_a_timeline_shows_the_moment_asked(failure_timeline):
    fig, (before, during) = plt.subplots(1, 2)
    plot_cluster_map(failure_timeline, t_s=30, ax=before)
    plot_cluster_map(failure_timeline, t_s=300, ax=during)
    down = STATE_COLOURS["down"].lower()
    assert down not in facecolours(before)
    assert facecolours(during).count(down) == 5
    assert "esx-03  DOWN" in {t.get_text() for t in during.texts}
    assert during.get_title() == "The cluster at 05:00"
    plt.close(fig)


def test_timeline_rows_are_the_interrupted_vms(failure_timeline):
    fig, ax = plt.subplots()
    assert plot_timeline(failure_timeline, ax=ax) is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(labels) == sorted(
        f"{vm.name} ({vm.service})" for vm in Cluster.example().vms_on("esx-03")
    )
    assert ax.get_xlabel() == "simulated time (s)"
    assert any("esx-03 fails" in t.get_text() for t in ax.texts)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["running", "down", "booting"]
    plt.close(fig)


def test_timeline_of_chosen_vms_and_unknown_names(failure_timeline):
    fig, ax = plt.subplots()
    plot_timeline(failure_timeline, vms=["web-01", "web-03"], ax=ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["web-03 (web)", "web-01 (web)"]
    with pytest.raises(KeyError, match="VM 'web-99' does not exist"):
        plot_timeline(failure_timeline, vms=["web-99"], ax=ax)
    plt.close(fig)


def test_stack_draws_four_layers_for_each_vm():
    c = Cluster.example()
    fig, ax = plt.subplots()
    plot_stack(c, "esx-03", ax=ax)
    n = len(c.vms_on("esx-03"))
    assert len(ax.patches) == 2 + 2 * n
    assert any(t.get_text().startswith("physical server esx-03") for t in ax.texts)
    plt.close(fig)
