"""Every plot of vmlab.plots speaks Chinese after ``use_language("zh")``, with real glyphs.

For each public plot function (``vmlab.plots.__all__``: a new plot fails here until it has a
representative input in :data:`CASES`), drawn in Chinese at an ordinary and at an extreme
input: every text it draws (title, axis labels, tick labels, legend entries, annotations) has
no English sentence left (:func:`tests.zh_text.english_left`), the figure says something in
Chinese, no "Glyph … missing from font" warning is raised while it is laid out and drawn
(warnings are errors), every Chinese text can fall back on the bundled font, and titles,
axis labels and legends stay inside the figure. Also: the catalog's entries for the plots
are translated with their placeholders, and a reset of matplotlib's ``rcParams`` after
``use_language("zh")`` does not bring the boxes back.
"""

from __future__ import annotations

import re
import string
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import vmlab.plots as plots  # noqa: E402
from tests.zh_text import _CODE, KEPT, english_left, has_chinese  # noqa: E402
from vmlab import Cluster, Simulation, i18n, scenarios  # noqa: E402
from vmlab.ft import table1  # noqa: E402
from vmlab.migration import precopy  # noqa: E402

PO = Path(__file__).resolve().parents[1] / "vmlab/locale/zh_CN/LC_MESSAGES/vmlab.po"

NAMES = ("Oracle Swingbench", "MS-SQL DVD Store")
"""Benchmark names of Scales et al.'s Table 1: names, the same in both editions."""

_WORD = re.compile(r"(?<![\w-])[A-Za-z]{2,}(?![\w-])")  # a name with a digit or hyphen is none


@pytest.fixture(autouse=True)
def chinese():
    i18n.use_language("zh")
    yield
    i18n.use_language("en")
    plt.close("all")


# ------------------------------------------------------------------ the runs the plots draw


@cache
def host_failures(n: int, *, ha: bool = True):
    """``n`` hosts of the example cluster fail at 60 s (one host is repaired at 600 s)."""
    c = Cluster.example()
    if ha:
        c.enable_ha()
    sim = Simulation(c, seed=0)
    for host in list(c.hosts)[:n]:
        sim.fail_host(host, at_s=60)
    if n == 1:
        sim.repair_host("esx-01", at_s=600)
    return sim.run(until_s=900)


@cache
def ft_failover():
    c = Cluster.example()
    c.enable_ha()
    c.enable_ft("db-01")
    sim = Simulation(c, seed=0)
    sim.fail_host(c.vms["db-01"].host, at_s=60)
    return sim.run(until_s=300)


@cache
def ft_logging_cut():
    c = Cluster.example()
    c.enable_ha()
    c.enable_ft("db-01")
    sim = Simulation(c, seed=0)
    sim.cut_ft_logging("db-01", at_s=60)
    return sim.run(until_s=300)


@cache
def isolated(response: str = "power_off"):
    c = Cluster.example()
    c.enable_ha(isolation_response=response)
    sim = Simulation(c, seed=0)
    sim.isolate_host("esx-03", at_s=60)
    return sim.run(until_s=600)


@cache
def apd():
    c = Cluster.example()
    c.enable_ha(vmcp="conservative")
    sim = Simulation(c, seed=0)
    sim.storage_fault("san-01", kind="apd", at_s=60, hosts=["esx-01"])
    return sim.run(until_s=900)


@cache
def maintenance():
    sim = Simulation(Cluster.example(), seed=0)
    sim.enter_maintenance("esx-01", at_s=10)
    return sim.run(until_s=300)


@cache
def one_vmotion(to_host: str = "esx-02"):
    sim = Simulation(Cluster.example(), seed=0)
    sim.migrate("web-01", to_host, at_s=10)
    return sim.run(until_s=60)


@cache
def paged():
    return precopy(1, 40, 0.25, bandwidth_gbit_s=1, model="pages", seed=0)


def storage_cases() -> dict[str, float]:
    five = scenarios.storage_outages()
    return dict(zip(five.case, five.downtime_s, strict=True))


Draw = Callable[[Axes], Any]
CASES: dict[str, list[tuple[str, tuple[float, float], Draw]]] = {
    "plot_availability": [
        ("lesson 05", (9, 4), lambda ax: plots.plot_availability(
            scenarios.availability(scenarios.compare(), host_failures_per_year=1,
                                   maintenance_per_year=4), ax=ax)),
    ],
    "plot_cluster_map": [
        ("the example", (9, 8), lambda ax: plots.plot_cluster_map(Cluster.example(), ax=ax)),
        ("a failed host", (9, 8), lambda ax: plots.plot_cluster_map(
            host_failures(1), t_s=300, ax=ax)),
        ("64 hosts, 600 VMs", (10, 9), lambda ax: plots.plot_cluster_map(
            Cluster.example(hosts=64, vms=600), ax=ax)),
        ("16 hosts down", (9, 8), lambda ax: plots.plot_cluster_map(
            host_failures(16, ha=False), t_s=300, ax=ax)),
    ],
    "plot_convergence": [
        ("converges", (9, 4.5), lambda ax: plots.plot_convergence(precopy(8, 300, 1, 10), ax=ax)),
        ("SDPS", (9, 4.5), lambda ax: plots.plot_convergence(precopy(8, 2048, 6, 1), ax=ax)),
        ("aborted", (9, 4.5), lambda ax: plots.plot_convergence(
            precopy(2, 300, 0.5, 1, on_no_convergence="abort"), ax=ax)),
    ],
    "plot_costs": [("lesson 05", (8, 4), lambda ax: plots.plot_costs(scenarios.costs(), ax=ax))],
    "plot_datastore_map": [
        ("APD on one host", (8, 3.5), lambda ax: plots.plot_datastore_map(apd(), at_s=61, ax=ax)),
        ("a cluster", (8, 3.5), lambda ax: plots.plot_datastore_map(Cluster.example(), ax=ax)),
    ],
    "plot_downtime": [
        ("lesson 05", (9, 3.5), lambda ax: plots.plot_downtime(scenarios.compare(), ax=ax)),
        ("with storage", (9, 4.5), lambda ax: plots.plot_downtime(
            scenarios.compare(storage=True), ax=ax)),
    ],
    "plot_ft_copies": [
        ("failover", (10, 3), lambda ax: plots.plot_ft_copies(ft_failover(), "db-01", ax=ax)),
        ("logging cut", (10, 3), lambda ax: plots.plot_ft_copies(
            ft_logging_cut(), "db-01", ax=ax)),
    ],
    "plot_ha_timeline": [
        ("one host", (10, 4), lambda ax: plots.plot_ha_timeline(host_failures(1), ax=ax)),
        ("12 hosts", (10, 7), lambda ax: plots.plot_ha_timeline(host_failures(12), ax=ax)),
        ("16 hosts", (10, 7), lambda ax: plots.plot_ha_timeline(host_failures(16), ax=ax)),
        ("HA off", (10, 4), lambda ax: plots.plot_ha_timeline(host_failures(1, ha=False), ax=ax)),
        ("isolated, powered off", (10, 4), lambda ax: plots.plot_ha_timeline(isolated(), ax=ax)),
        ("by service", (10, 4), lambda ax: plots.plot_ha_timeline(
            host_failures(12), group_by="service", ax=ax)),
    ],
    "plot_host_load": [
        ("threshold", (9, 3.5), lambda ax: plots.plot_host_load(
            Cluster.example(), threshold_pct=80, ax=ax)),
    ],
    "plot_maintenance": [
        ("lesson 01", (10, 3.2), lambda ax: plots.plot_maintenance(maintenance(), ax=ax)),
        ("no vMotion", (10, 3.2), lambda ax: plots.plot_maintenance(host_failures(1), ax=ax)),
    ],
    "plot_memory_map": [
        ("every round", (9, 3), lambda ax: plots.plot_memory_map(paged(), ax=ax)),
        ("the last round", (8, 5), lambda ax: plots.plot_memory_map(paged(), round=-1, ax=ax)),
    ],
    "plot_model_vs_qemu": [
        ("hot", (9, 4), lambda ax: plots.plot_model_vs_qemu(
            "m512_hot_w256_r8000_b128_d300_ac0", ax=ax)),
        ("cancelled", (9, 4), lambda ax: plots.plot_model_vs_qemu(
            "m512_uniform_w64_r24000_b64_d300_ac0", ax=ax)),
    ],
    "plot_outage_comparison": [
        ("lesson 06", (9, 3.5), lambda ax: plots.plot_outage_comparison(storage_cases(), ax=ax)),
    ],
    "plot_outages": [
        ("one host", (9, 4), lambda ax: plots.plot_outages(host_failures(1), ax=ax)),
        ("not restarted", (9, 4), lambda ax: plots.plot_outages(
            host_failures(1, ha=False), ax=ax)),
    ],
    "plot_stack": [("a host", (10, 4), lambda ax: plots.plot_stack(
        Cluster.example(), "esx-03", ax=ax))],
    "plot_storage_timeline": [
        ("APD, VMCP", (10, 4), lambda ax: plots.plot_storage_timeline(apd(), ax=ax)),
        ("rows left out", (10, 4), lambda ax: plots.plot_storage_timeline(
            apd(), max_rows=2, ax=ax)),
    ],
    "plot_table1": [("Scales et al.", (9, 4), lambda ax: plots.plot_table1(table1(), ax=ax))],
    "plot_timeline": [
        ("one host", (10, 4), lambda ax: plots.plot_timeline(host_failures(1), ax=ax)),
        ("16 hosts", (10, 7), lambda ax: plots.plot_timeline(host_failures(16), ax=ax)),
    ],
    "plot_vm_migration": [
        ("moved", (9, 3.5), lambda ax: plots.plot_vm_migration(one_vmotion(), "web-01", ax=ax)),
        ("did not move", (9, 3.5), lambda ax: plots.plot_vm_migration(
            one_vmotion(), "web-02", ax=ax)),
    ],
}  # fmt: skip

PLOTS = [n for n in plots.__all__ if callable(getattr(plots, n))]


def test_every_public_plot_has_a_case():
    missing = [n for n in PLOTS if n not in CASES]
    assert not missing, f"add a representative input for {missing} to CASES"
    assert not set(CASES) - set(PLOTS), "a case for a plot vmlab.plots no longer has"


def texts_of(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def draw_in_chinese(draw: Draw, size: tuple[float, float]):
    fig, ax = plt.subplots(figsize=size)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" fails the test
        draw(ax)
        fig.tight_layout()
        fig.canvas.draw()
    return fig, ax


def english_in(text: str) -> list[str]:
    for name in NAMES:
        text = text.replace(name, " ")
    return english_left(text)


@cache
def latin_allowed() -> frozenset[str]:
    """Single Latin words a Chinese plot may show: kept terms, the names in the runs (services,
    the cluster), the paper's author, ``stun`` (the glossary's 暂停 (stun)), the unit ``pt`` and
    mathtext's ``mathdefault`` (log-axis tick labels)."""
    c = Cluster.example()
    names = {vm.service for vm in c.vms.values()} | {c.name, "Scales", "stun", "pt", "mathdefault"}
    return frozenset(w.lower() for w in KEPT | names | set(" ".join(NAMES).split()))


def english_words_in(text: str) -> list[str]:
    """Single English words left (``running``, ``none``): Latin words that are no kept term
    and no name."""
    words = _WORD.findall(_CODE.sub(" ", text))
    return [w for w in words if w.lower() not in latin_allowed()]


@pytest.mark.parametrize(
    ("name", "case"),
    [(n, i) for n in PLOTS for i in range(len(CASES.get(n, [])))],
    ids=[f"{n}: {c[0]}" for n in PLOTS for c in CASES.get(n, [])],
)
def test_the_plot_speaks_chinese_with_real_glyphs(name, case):
    label, size, draw = CASES[name][case]
    fig, ax = draw_in_chinese(draw, size)
    texts = texts_of(fig)
    said = [t.get_text() for t in texts]
    english = {s: english_in(s) for s in said if english_in(s)}
    assert not english, f"{name} ({label}) still says in English: {english}"
    words = {s: english_words_in(s) for s in said if english_words_in(s)}
    assert not words, f"{name} ({label}) still has English words: {words}"
    assert has_chinese("\n".join(said)), f"{name} ({label}) says nothing in Chinese: {said}"
    assert has_chinese(ax.get_title()) or has_chinese(ax.get_xlabel()), (name, label)
    for t in texts:
        if has_chinese(t.get_text()):
            assert i18n.FONT_FAMILY in t.get_fontfamily(), (t.get_text(), t.get_fontfamily())
    # titles, axis labels and legends inside the figure (Chinese lines are not English ones)
    box = fig.bbox
    keep = [ax.title, ax.xaxis.label, ax.yaxis.label]
    if ax.get_legend() is not None:
        keep.append(ax.get_legend())
    for artist in keep:
        if isinstance(artist, Text) and not artist.get_text():
            continue
        ext = artist.get_window_extent()
        assert box.x0 - 2 <= ext.x0 and ext.x1 <= box.x1 + 2, (name, label, artist)
        assert box.y0 - 2 <= ext.y0 and ext.y1 <= box.y1 + 2, (name, label, artist)


def test_an_rcparams_reset_after_choosing_chinese_does_not_bring_boxes_back():
    # A lesson (or a style) may reset matplotlib after use_language("zh"): the axes made then
    # have no CJK font in their title and tick labels; the plot gives them the fallback.
    matplotlib.rcdefaults()
    assert i18n.FONT_FAMILY not in matplotlib.rcParams["font.family"]
    label, size, draw = CASES["plot_ha_timeline"][2]
    fig, ax = draw_in_chinese(draw, size)
    assert i18n.FONT_FAMILY in ax.title.get_fontfamily()
    assert has_chinese(ax.get_title())
    plt.style.use("default")
    fig, ax = draw_in_chinese(CASES["plot_cluster_map"][0][2], (9, 8))
    assert has_chinese(ax.get_title())


def test_english_plots_are_left_in_english():
    i18n.use_language("en")
    fig, ax = plt.subplots(figsize=(10, 7))
    plots.plot_ha_timeline(host_failures(16), ax=ax)
    said = "\n".join(t.get_text() for t in texts_of(fig))
    assert not has_chinese(said)
    assert ax.get_title().splitlines()[0] == "HA restarted no VM after all 16 hosts failed"
    assert "16 hosts fail" in said and "esx-01: 5 VMs" in said


def _fields(text: str) -> list[tuple[str, str]]:
    return sorted((name, spec or "") for _lit, name, spec, _conv in string.Formatter().parse(text)
                  if name is not None)  # fmt: skip


def test_the_plots_catalog_entries_are_translated_with_their_placeholders():
    with PO.open("rb") as f:
        catalog = read_po(f, locale="zh_CN")
    mine = [m for m in catalog if m.id and m.locations
            and all(path.startswith("vmlab/plots/") for path, _line in m.locations)]  # fmt: skip
    assert len(mine) > 150
    for m in mine:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strs = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(strs) and not m.fuzzy, m.id
        for s in strs:
            assert _fields(s) == _fields(ids[0]) == _fields(ids[-1]), (m.id, s)
            assert english_in(s) == [], (m.id, s)


def test_bold_text_in_chinese_logs_no_missing_weight(caplog):
    # The subset has one weight; without a bold entry matplotlib logs "findfont: Failed to
    # find font weight bold …" (shown under the plot in a notebook) for the bold host names.
    from matplotlib import font_manager

    font_manager.fontManager._findfont_cached.cache_clear()  # type: ignore[attr-defined]
    with caplog.at_level("WARNING", logger="matplotlib.font_manager"):
        fig, ax = draw_in_chinese(CASES["plot_stack"][0][2], (10, 4))
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    assert any(t.get_fontweight() == "bold" and has_chinese(t.get_text()) for t in ax.texts)


@pytest.mark.parametrize(
    "call",
    [
        lambda ax: plots.plot_timeline(host_failures(1), group_by="rack", ax=ax),
        lambda ax: plots.plot_ha_timeline(host_failures(1), group_by="rack", ax=ax),
        lambda ax: plots.plot_memory_map(precopy(8, 300, 1, 10), ax=ax),
        lambda ax: plots.plot_memory_map(paged(), round=99, ax=ax),
    ],
    ids=["timeline group_by", "ha_timeline group_by", "no memory map", "no such round"],
)
def test_a_plots_own_errors_are_said_in_chinese(call):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError) as error:
        call(ax)
    message = str(error.value)
    assert has_chinese(message) and english_left(message) == [], message
