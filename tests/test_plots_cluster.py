"""The cluster map, the stack and the VM timeline draw what the results say."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from vmlab import Cluster, Simulation
from vmlab.plots import STATE_COLOURS, plot_cluster_map, plot_stack, plot_timeline
from vmlab.plots.style import MIN_LABEL_PT


def big_cluster(hosts: int = 64, vms: int = 600) -> Cluster:
    """The engine's larger example: 64 hosts and 600 VMs in the example's service mix."""
    return Cluster.example(hosts=hosts, vms=vms)


@pytest.fixture
def failure_timeline():
    sim = Simulation(Cluster.example(), seed=0)
    sim.fail_host("esx-03", at_s=60)
    sim.repair_host("esx-03", at_s=600)
    return sim.run(until_s=900)


def facecolours(ax):
    """The colour of every VM box: one entry per box of each state's collection."""
    return [to_hex(c.get_facecolor()[0]) for c in ax.collections for _ in c.get_paths()]


def boxes(ax):
    return sum(len(c.get_paths()) for c in ax.collections)


def test_cluster_map_has_a_tile_per_host_and_a_box_per_vm():
    c = Cluster.example()
    fig, ax = plt.subplots(figsize=(9, 8))  # the lesson's size
    assert plot_cluster_map(c, ax=ax) is ax
    assert len(ax.patches) == len(c.hosts) and boxes(ax) == len(c.vms)
    assert facecolours(ax).count(STATE_COLOURS["running"].lower()) == len(c.vms)
    texts = {t.get_text() for t in ax.texts}
    assert {"esx-01", "esx-16", "db-08"} <= texts
    plt.close(fig)


def test_cluster_map_of_a_timeline_shows_the_moment_asked(failure_timeline):
    fig, (before, during) = plt.subplots(1, 2, figsize=(18, 8))
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


def vm_names(ax, cluster):
    return [t for t in ax.texts if t.get_text() in cluster.vms]


def test_cluster_map_vm_names_are_readable_or_left_out_with_a_note():
    c = Cluster.example()
    fig, ax = plt.subplots(figsize=(9, 8))
    plot_cluster_map(c, ax=ax)
    names = vm_names(ax, c)
    assert len(names) == len(c.vms)
    assert min(t.get_fontsize() for t in names) >= MIN_LABEL_PT
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(4, 3))  # too small for names of 8 pt
    plot_cluster_map(c, ax=ax)
    assert vm_names(ax, c) == []
    assert "names are left out" in ax.get_title()
    assert boxes(ax) == len(c.vms)  # every VM still has its square
    plt.close(fig)


def test_cluster_map_of_64_hosts_and_600_vms_stays_legible():
    c = big_cluster()
    assert len(c.hosts) == 64 and len(c.vms) >= 550
    fig, ax = plt.subplots(figsize=(12, 12))
    plot_cluster_map(c, ax=ax)
    assert len(ax.patches) == len(c.hosts) and boxes(ax) == len(c.vms)
    assert vm_names(ax, c) == [] and "names are left out" in ax.get_title()
    captions = [t for t in ax.texts if t.get_text().startswith("esx-")]
    assert len(captions) == 64
    assert min(t.get_fontsize() for t in ax.texts) >= 7  # every caption drawn is readable
    # each caption stays inside its tile
    fig.canvas.draw()
    tiles = ax.patches[:64]
    for text, tile in zip(captions, tiles, strict=True):
        assert tile.get_window_extent().contains(*text.get_window_extent().p1), text.get_text()
    plt.close(fig)


def test_timeline_groups_rows_by_host_then_by_service():
    c = big_cluster()
    sim = Simulation(c, seed=0)
    for h in list(c.hosts)[:3]:
        sim.fail_host(h, at_s=60)
    three = sim.run(until_s=900)
    fig, ax = plt.subplots(figsize=(9, 4))
    plot_timeline(three, ax=ax)  # ~28 VMs on 3 hosts: one row per host
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert [lab.split(":")[0] for lab in labels] == ["esx-03", "esx-02", "esx-01"]
    assert sum(int(lab.split()[1]) for lab in labels) == len(three.outages().vm.unique())
    assert "one row per host" in ax.get_title()
    assert len(ax.collections) <= 7  # one collection per state, not one bar per record
    plt.close(fig)
    sim = Simulation(c, seed=0)
    for h in c.hosts:
        sim.fail_host(h, at_s=60)
    every = sim.run(until_s=900)
    fig, ax = plt.subplots(figsize=(9, 4))
    plot_timeline(every, ax=ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 6 and labels[-1].startswith("web:")  # one row per service
    marks = [t.get_text() for t in ax.texts]
    assert marks == ["64 hosts fail"]  # one label for the 64 failures at the same instant
    plt.close(fig)
    with pytest.raises(ValueError, match="group_by must be"):
        plot_timeline(every, group_by="rack")
