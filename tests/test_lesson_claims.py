"""The lessons' sentences that state a number or a comparison, checked against the same runs.

One test per claim, named after the lesson and section. Each reads the lesson's own
parameters (its UPPER_CASE cell), so a changed parameter that breaks a sentence fails here.
"""

from __future__ import annotations

import ast
import contextlib
from functools import cache
from pathlib import Path

import nbformat
import pytest

from vmlab import SERVICE_PROFILES, Cluster, Simulation
from vmlab.lessons import fail_and_repair

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@cache
def params(lesson: str) -> dict[str, object]:
    """The UPPER_CASE assignments of a lesson's code cells (its parameters)."""
    (path,) = NOTEBOOKS.glob(f"{lesson}-*.ipynb")
    found: dict[str, object] = {}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.isupper()
            ):
                with contextlib.suppress(ValueError):
                    found[node.targets[0].id] = ast.literal_eval(node.value)
    return found


def lesson_text(lesson: str) -> str:
    (path,) = NOTEBOOKS.glob(f"{lesson}-*.ipynb")
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)


# ---- lesson 00 -------------------------------------------------------------------------


@cache
def _run00():
    p = params("00")
    sim = Simulation(Cluster.example(), seed=p["SEED"])
    sim.fail_host(p["FAILED_HOST"], at_s=p["FAIL_AT_S"])
    sim.repair_host(p["FAILED_HOST"], at_s=p["REPAIR_AT_S"])
    return sim.run(until_s=p["UNTIL_S"])


def test_00_1_five_services_depend_on_one_host():
    # "Read it bottom-up: five services depend on one piece of hardware."
    assert "five services depend on one piece of hardware" in lesson_text("00")
    assert len(Cluster.example().vms_on(params("00")["FAILED_HOST"])) == 5


def test_00_2_every_host_has_room_to_spare():
    # "Every host has room to spare" / "with memory to spare"
    table = Cluster.example().host_table()
    assert table.memory_used_pct.max() < 50


def test_00_3_the_down_bars_are_equal_and_the_boot_bars_differ():
    # "the vermilion bars are all the same length … The sky-blue bars after the repair differ"
    p = params("00")
    st = _run00().states
    down = st[st.state == "down"]
    assert set((down.end_s - down.start_s).round(6)) == {p["REPAIR_AT_S"] - p["FAIL_AT_S"]}
    boot = st[st.state == "booting"]
    assert (boot.end_s - boot.start_s).nunique() > 1


def test_00_3_outage_is_repair_plus_boot():
    # "an outage lasts as long as the repair, plus the boot"
    p = params("00")
    cluster = Cluster.example()
    for row in _run00().outages().itertuples():
        wait = p["REPAIR_AT_S"] - p["FAIL_AT_S"]
        assert row.down_s == pytest.approx(wait + cluster.vms[row.vm].boot_s)


def test_00_3_a_database_boots_far_more_slowly_than_a_web_server():
    # "esx-11 carries a database, which boots far more slowly than a web server"
    assert any(vm.service == "db" for vm in Cluster.example().vms_on("esx-11"))
    assert SERVICE_PROFILES["db"].boot_s >= 5 * SERVICE_PROFILES["web"].boot_s


def test_00_3_fail_and_repair_runs_until_every_vm_is_back():
    # "fail_and_repair … runs the clock until every VM has booted again"
    p = params("00")
    tl = fail_and_repair(
        Cluster.example(), "esx-11", fail_at_s=p["FAIL_AT_S"], repair_at_s=p["REPAIR_AT_S"]
    )
    assert not tl.outages().ongoing.any()


def test_00_4_hosts_09_to_16_each_carry_a_database_that_takes_five_minutes():
    # "Hosts esx-09 to esx-16 each carry a database, which takes five minutes to start."
    cluster = Cluster.example()
    for i, host in enumerate(cluster.hosts, start=1):
        has_db = any(vm.service == "db" for vm in cluster.vms_on(host))
        assert has_db == (i >= 9), host
    assert SERVICE_PROFILES["db"].boot_s == 5 * 60
