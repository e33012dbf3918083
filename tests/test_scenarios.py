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
