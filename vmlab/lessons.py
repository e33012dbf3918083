"""Small helpers the lessons call, so that lesson cells stay a few lines of calls.

Each returns a table, a run or a number a lesson shows; the tests in
``tests/test_lesson_claims.py`` read the same runs to check the lessons' sentences.

>>> from vmlab import Cluster
>>> float(service_table(Cluster.example()).loc["db", "boot_s"])
300.0
"""

from __future__ import annotations

import pandas as pd

from vmlab import checks
from vmlab.cluster import RESTART_PRIORITIES, SERVICE_PROFILES, Cluster
from vmlab.events import EventKind
from vmlab.i18n import N_, _, ngettext
from vmlab.sim import Simulation, Timeline


def _lacks_capacity(causes: pd.Series) -> pd.Series:
    """Which outage causes (``outages().cause``) say that no host had room, in either language
    (the cause is written in the language of the run)."""
    words = {"insufficient capacity", _("insufficient capacity")}
    return causes.map(lambda cause: any(w in str(cause) for w in words))


# ----------------------------------------------------------------------------------------
# Lesson 00
# ----------------------------------------------------------------------------------------


def service_table(cluster: Cluster) -> pd.DataFrame:
    """One row per service: what it is, how many VMs run it, their size and boot time.

    >>> service_table(Cluster.example()).vms.sum()
    np.int64(76)
    """
    checks.cluster(cluster)
    services = (
        cluster.vm_table()
        .groupby("service", sort=False)
        .agg(
            vms=("vm", "count"),
            vcpus=("vcpus", "first"),
            memory_gib=("memory_gib", "first"),
            boot_s=("boot_s", "first"),
        )
    )
    services.insert(0, "what it is", [_(SERVICE_PROFILES[s].description) for s in services.index])
    return services


def fail_and_repair(
    cluster: Cluster,
    host: str,
    *,
    fail_at_s: float,
    repair_at_s: float,
    seed: int = 0,
    until_s: float | None = None,
) -> Timeline:
    """``host`` fails at ``fail_at_s`` and is repaired at ``repair_at_s``, nothing protects it.

    The run lasts until ``until_s`` or, if later, until every VM of ``host`` has booted again
    (plus a minute), so no outage is cut short by the end of the run.

    >>> tl = fail_and_repair(Cluster.example(), "esx-11", fail_at_s=60, repair_at_s=960)
    >>> tl.outages().set_index("vm").down_s["db-03"]
    np.float64(1200.0)
    """
    checks.cluster(cluster)
    checks.name(host, cluster.hosts, "Host")
    checks.time_s(repair_at_s, "repair_at_s")  # fail_at_s: checked by sim.fail_host
    if until_s is not None:
        checks.time_s(until_s, "until_s", zero_ok=False)
    checks.seed(seed)
    boots = [vm.boot_s for vm in cluster.vms_on(host)] or [0.0]
    end = float(repair_at_s) + max(boots) + 60
    sim = Simulation(cluster, seed=seed)
    sim.fail_host(host, at_s=fail_at_s)
    sim.repair_host(host, at_s=repair_at_s)
    return sim.run(until_s=max(end, float(until_s or 0)))


def longest_outage_min(timeline: Timeline) -> float:
    """The longest service outage of a run, in minutes (0 if nothing stopped)."""
    checks.timeline(timeline)
    out = timeline.outages()
    return float(out.down_s.max() / 60) if len(out) else 0.0


def who_stopped(timeline: Timeline, host: str | None = None) -> str:
    """Which VMs stopped when ``host`` (default: the first host that failed) failed, in the
    words of prediction ``00.who``: ``'some of its VMs'``, ``'all of its VMs'`` or
    ``'VMs on other hosts too'``. (With no protection nothing moves, so the VMs on ``host``
    at the end of the run are those it carried.)"""
    checks.timeline(timeline)
    if host is not None:
        checks.name(host, timeline.spec.hosts, "Host")
    if host is None:
        ev = timeline.events
        host = str(ev[ev.kind == "host_failed"].host.iloc[0])
    stopped = set(timeline.outages().vm)
    on_host = {vm.name for vm in timeline.final.vms_on(host)}
    if stopped - on_host:
        return "VMs on other hosts too"
    return "all of its VMs" if stopped >= on_host else "some of its VMs"


# ----------------------------------------------------------------------------------------
# Lesson 02
# ----------------------------------------------------------------------------------------


def plan_moves(cluster: Cluster, *, threshold_pct: float) -> pd.DataFrame:
    """:func:`vmlab.vmotion.propose_moves`, with what the plan achieves in ``plan.attrs``:

    * ``reaches_threshold`` — after the moves, is every host that is up under the threshold?
    * ``still_over`` — the hosts still over it after the moves;
    * ``average_pct`` — the memory the whole cluster uses, as a share of all its memory: no
      plan can bring every host under a threshold below it;
    * ``why`` — one sentence on why the plan falls short ('' when it does not).

    >>> from vmlab.scenarios import overloaded_cluster
    >>> plan = plan_moves(overloaded_cluster(), threshold_pct=30)
    >>> plan.attrs["reaches_threshold"], round(plan.attrs["average_pct"], 1)
    (False, 32.8)
    """
    from vmlab.vmotion import propose_moves

    plan = propose_moves(cluster, threshold_pct=threshold_pct)
    after = cluster.copy()
    for move in plan.itertuples():
        after.vms[move.vm].host = move.to_host
    up = [h for h in after.hosts if after.hosts[h].state == "up"]

    def pct(c: Cluster, host: str) -> float:
        return 100 * c.used_memory_gib(host) / c.hosts[host].memory_gib

    still_over = [h for h in up if pct(after, h) > threshold_pct]
    average = (
        100 * sum(after.used_memory_gib(h) for h in up) / sum(after.hosts[h].memory_gib for h in up)
        if up
        else 0.0
    )
    reaches = bool(plan.attrs.get("reaches_threshold", not still_over))
    if reaches:
        why = ""
    elif average > threshold_pct:
        # Percentages as fields: gettext would read "% o" / "% i" as %-format fields.
        why = _(
            "the cluster as a whole uses {average} of its memory, so however the VMs are "
            "spread, some host stays above {threshold}"
        ).format(average=f"{average:.1f} %", threshold=f"{threshold_pct:g} %")
    else:
        why = _(
            "no other VM on {hosts} has a host that would take it and stay "
            "under {threshold} itself (the balancer moves whole VMs, greedily)"
        ).format(hosts=", ".join(still_over), threshold=f"{threshold_pct:g} %")
    plan.attrs.update(
        reaches_threshold=reaches, still_over=still_over, average_pct=average, why=why
    )
    return plan


def plural(n: int, word: str) -> str:
    """``'1 move'``, ``'2 moves'``.

    >>> plural(1, "move"), plural(3, "VM")
    ('1 move', '3 VMs')
    """
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def pauses(timeline: Timeline) -> pd.DataFrame:
    """The moves of a run with each VM's pause in milliseconds and who shared its link: one
    row per migration (``vm, from_host, to_host, pause_ms, moved_with``), ``moved_with``
    naming the other VMs leaving the same host while it moved."""
    checks.timeline(timeline)
    mig = timeline.migrations
    rows = []
    for m in mig.itertuples():
        others = mig[
            (mig.from_host == m.from_host)
            & (mig.vm != m.vm)
            & (mig.start_s < m.end_s)
            & (mig.end_s > m.start_s)
        ]
        rows.append(
            {
                "vm": m.vm,
                "from_host": m.from_host,
                "to_host": m.to_host,
                "pause_ms": round(1000 * float(m.downtime_s)),
                "moved_with": ", ".join(others.vm) or "—",
            }
        )
    return pd.DataFrame(rows, columns=["vm", "from_host", "to_host", "pause_ms", "moved_with"])


def longest_pause_kind(timeline: Timeline) -> str:
    """The longest pause of a run in the words of prediction ``02.pause``."""
    checks.timeline(timeline)
    out = timeline.outages()
    longest = float(out.down_s.max()) if len(out) else 0.0
    if longest == 0:
        return "none at all"
    if longest < 1:
        return "well under a second"
    if longest < 60:
        return "a few seconds"
    return "minutes, like a restart"


# ----------------------------------------------------------------------------------------
# Lesson 05
# ----------------------------------------------------------------------------------------

_SOURCE_COLUMNS = {
    # TRANSLATORS: a gloss of the source table's column 目的 (in Chinese: a plainer wording)
    "目的": N_("purpose"),
    # TRANSLATORS: a gloss of the source table's column 设置对象
    "设置对象": N_("configured on"),
    # TRANSLATORS: a gloss of the source table's column VM是否停止
    "VM是否停止": N_("does the VM stop?"),
    # TRANSLATORS: a gloss of the source table's column 停止时间
    "停止时间": N_("how long"),
    # TRANSLATORS: a gloss of the source table's column 设定 (what starts the feature)
    "设定": N_("trigger"),
}
# TRANSLATORS: a cell of the source-vs-model table: the source and the model agree
_YES = N_("yes")
# TRANSLATORS: a cell of the source-vs-model table: they do not agree
_NO = N_("no")
_FACT = N_("a fact of the product, not measured")


def _said(text: object) -> object:
    """A cell another module wrote (a purpose, a trigger), in the current language when the
    catalog has it."""
    return _(text) if isinstance(text, str) and text else text


def source_vs_model(table: pd.DataFrame) -> pd.DataFrame:
    """The source's summary table set against :func:`vmlab.scenarios.compare`'s, cell by cell.

    One row per cell of the source (feature × column): what the source says, what the model
    gives, whether they agree, and what the model's value rests on — a measurement of a run,
    a measurement whose inputs are assumptions, or a fact of the product (not measured).

    >>> from vmlab.scenarios import compare
    >>> cells = source_vs_model(compare())
    >>> len(cells), cells.agrees.value_counts().to_dict()["yes"] >= 9
    (15, True)
    """
    from vmlab.ft import FAILOVER_DETECTION_S
    from vmlab.scenarios import SOURCE_TABLE, SUBJECT_VM
    from vmlab.units import format_duration

    ours = table.set_index("feature")
    boot = Cluster.example().vms[SUBJECT_VM].boot_s
    rows = []
    for src in SOURCE_TABLE.itertuples(index=False):
        feature = src[0]
        mine = ours.loc[feature]
        said = dict(zip(SOURCE_TABLE.columns[1:], src[1:], strict=True))
        stops_said = said["VM是否停止"] == "有"
        down = float(mine.downtime_s)
        yes, no = _(_YES), _(_NO)
        if feature == "HA":
            length_ok = yes if 60 <= down < 3600 else no
            length_basis = _(
                "measured, from inputs: HA's failure detection (VMware's published timing) "
                "and the database's {boot} boot (an assumption of the model)"
            ).format(boot=format_duration(boot))
        else:
            length_ok = (
                _("yes, as a pause: not 0, but under a second")
                if 0 < down < 1
                else (yes if down == 0 else no)
            )
            length_basis = (
                _("measured, from the pre-copy model (the database's dirty rate is an assumption)")
                if feature == "vMotion"
                else _(
                    "measured, from inputs: FT's failure detection "
                    "({detection}, an assumption: no figure is "
                    "published) and the secondary's lag (Scales et al.'s bound)"
                ).format(detection=format_duration(FAILOVER_DETECTION_S))
            )
        trigger_said = "manual" if "手动" in said["设定"] else "automatic"
        trigger_ok = trigger_said == mine.trigger
        if feature == "vMotion":
            trigger_agrees = (
                _(
                    "yes: an administrator starts it (or DRS, when fully automated); here "
                    "maintenance mode picks the destination, where the source picks it by hand "
                    "(lesson 01's Migrate wizard)"
                )
                if trigger_ok
                else _(
                    "no: an administrator starts it (or DRS, when fully automated); here "
                    "maintenance mode picks the destination, where the source picks it by hand "
                    "(lesson 01's Migrate wizard)"
                )
            )
        else:
            trigger_agrees = yes if trigger_ok else no
        cells = [
            ("目的", said["目的"], _said(mine.purpose), yes, _(_FACT)),
            (
                "设置对象",
                said["设置对象"],
                _said(mine.configured_on),
                yes if said["设置对象"].lower() == str(mine.configured_on).lower() else no,
                _(_FACT),
            ),
            (
                "VM是否停止",
                said["VM是否停止"],
                yes if mine.vm_stops else no,
                yes if stops_said == bool(mine.vm_stops) else no,
                _("measured: was the VM ever powered off and started again?"),
            ),
            ("停止时间", said["停止时间"], format_duration(down), length_ok, length_basis),
            (
                "设定",
                said["设定"],
                _said(mine.trigger),
                trigger_agrees,
                _("measured: did HA or FT act on their own in the log?"),
            ),
        ]
        for column, source_says, model_gives, agrees, basis in cells:
            rows.append(
                {
                    "feature": feature,
                    "column": _("{column} ({gloss})").format(
                        column=column, gloss=_(_SOURCE_COLUMNS[column])
                    ),
                    "source": source_says,
                    "model": model_gives,
                    "agrees": agrees,
                    "rests on": basis,
                }
            )
    return pd.DataFrame(
        rows, columns=["feature", "column", "source", "model", "agrees", "rests on"]
    )


def nines_text(nines: float) -> str:
    """A number of nines as the model can honestly state it: to the nearest half nine, and
    "more than 6" beyond six (at that level, causes the model leaves out — software,
    storage, people — decide the year).

    >>> nines_text(2.85), nines_text(4.9999), nines_text(7.51)
    ('about 3', 'about 5', 'more than 6')
    """
    if nines != nines:
        return "?"
    if nines > 6:
        # TRANSLATORS: a number of nines of availability
        return _("more than 6")
    half = round(nines * 2) / 2
    # TRANSLATORS: a number of nines of availability, "about 5"
    return _("about {nines:g}").format(nines=half)


def yearly_table(year: pd.DataFrame) -> pd.DataFrame:
    """:func:`vmlab.scenarios.availability`'s result as a student reads it: downtime per
    year as a duration, availability as a percentage, nines rounded (:func:`nines_text`)."""
    from vmlab.units import format_duration

    return pd.DataFrame(
        {
            "protection": year.protection,
            "downtime per year": year.downtime_s_per_year.map(format_duration),
            "availability": [
                _("more than 99.9999 %") if n > 6 else f"{100 * a:.4f} %"
                for a, n in zip(year.availability, year.nines, strict=True)
            ],
            "nines": year.nines.map(nines_text),
        }
    )


def advise(services: pd.DataFrame, table: pd.DataFrame) -> str:
    """:func:`vmlab.scenarios.choose_feature` for each row of ``services`` (columns
    ``service, max_outage_s, vcpus, boot_s``), one paragraph per service, to print."""
    from vmlab.scenarios import choose_feature

    return "\n\n".join(
        _("{service}: {advice}").format(
            service=s.service,
            advice=choose_feature(
                max_outage_s=s.max_outage_s, vcpus=s.vcpus, boot_s=s.boot_s, table=table
            ),
        )
        for s in services.itertuples()
    )


def plot_downtime_points(table: pd.DataFrame, *, ax=None):
    """Each feature's measured downtime (:func:`vmlab.scenarios.compare`) as a point on a log
    scale, labelled with its value. Returns the Axes.

    Points, not bars: a bar on a log axis starts at an arbitrary value, so its length says
    nothing (a 317 ms bar drawn from 1 ms looks like a third of a 315 s one).
    """
    from vmlab.units import format_duration

    notes = [
        (_("{duration} — the VM stops") if stops else _("{duration} — a pause")).format(
            duration=format_duration(down)
        )
        for down, stops in zip(table.downtime_s, table.vm_stops, strict=True)
    ]
    return _log_points(
        list(table.feature),
        list(table.downtime_s),
        notes,
        _(
            "outage of the service (s, log scale: each step ×10; points, because a bar's "
            "length on a log axis means nothing)"
        ),
        _("How long the database is out, measured in each scenario"),
        ax,
    )


def plot_yearly_points(year: pd.DataFrame, *, ax=None):
    """Expected downtime per year (:func:`vmlab.scenarios.availability`) as points on a log
    scale, labelled with the duration and the nines as :func:`nines_text` states them."""
    from vmlab.units import format_duration

    notes = [
        # TRANSLATORS: "5 min — about 5 nines" (nines of availability)
        _("{duration} — {nines} nines").format(duration=format_duration(v), nines=nines_text(n))
        for v, n in zip(year.downtime_s_per_year, year.nines, strict=True)
    ]
    return _log_points(
        list(year.protection),
        list(year.downtime_s_per_year),
        notes,
        _(
            "downtime per year (s, log scale: each step ×10; points, because a bar's "
            "length on a log axis means nothing)"
        ),
        _("One VM's expected downtime in a year, with the assumptions above"),
        ax,
    )


# Where the log axis's gridlines are, and their labels.
_LOG_MARKS = (
    (1, "1 s"),
    (60, "1 min"),
    (3600, "1 h"),
    # TRANSLATORS: a gridline's label on a log time axis
    (86400, N_("1 day")),
)


# TRANSLATORS: the comparison's row without any protection (its key in the tables is "none")
_NO_PROTECTION = N_("no protection")


def _row_label(label: str) -> str:
    """A row of the comparison as the plot names it: its key ("vMotion", "none", …) in English,
    "none" said as "no protection" in another language (the key itself stays)."""
    from vmlab.i18n import language

    return _(_NO_PROTECTION) if label == "none" and language() != "en" else label


def _log_points(labels, values_s, notes, xlabel, title, ax):
    """Points on a log axis; ``notes`` are the whole annotations, ``xlabel`` the axis's."""
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    rows = list(reversed(range(len(labels))))
    shown = [max(float(v), 1e-2) for v in values_s]
    ax.scatter(shown, rows, s=60, color="#0072B2", zorder=3)
    for y, x, note in zip(rows, shown, notes, strict=True):
        ax.annotate(
            note,
            (x, y),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
        )
    ax.set_xscale("log")
    ax.set_xlim(1e-2, 1e7)
    for x, name in _LOG_MARKS:
        ax.axvline(x, color="#CCCCCC", linewidth=0.8, zorder=0)
        ax.annotate(_(name), (x, len(labels) - 0.5), fontsize=8, color="#555555", ha="center")
    ax.set_yticks(rows)
    ax.set_yticklabels([_row_label(label) for label in labels])
    ax.set_ylim(-0.6, len(labels) - 0.2)
    ax.grid(axis="y", color="#EEEEEE")
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return ax


# ----------------------------------------------------------------------------------------
# Lesson 04
# ----------------------------------------------------------------------------------------


def outage_s(timeline: Timeline, vm: str) -> float:
    """The longest outage of ``vm`` in a run, in seconds (0 when it never stopped)."""
    checks.timeline(timeline)
    checks.name(vm, timeline.spec.vms, "VM")
    out = timeline.outages()
    mine = out[out.vm == vm]
    return float(mine.down_s.max()) if len(mine) else 0.0


def ft_vm_of(timeline: Timeline) -> str:
    """The first VM FT acted on in a run (the lesson's ``FT_VM``, whichever it is)."""
    ev = timeline.events
    return str(ev[ev.kind.str.startswith("ft_") & (ev.vm != "")].vm.iloc[0])


def outage_kind(timeline: Timeline, vm: str) -> str:
    """``vm``'s longest outage in the words of predictions ``04.pause`` and ``04.second``."""
    checks.timeline(timeline)
    checks.name(vm, timeline.spec.vms, "VM")
    down = outage_s(timeline, vm)
    if down == 0:
        return "nothing at all"
    if down < 1:
        return "a pause under a second"
    if down < 60:
        return "a few seconds to a minute"
    return "minutes: a restart"


def fail_in_turn(
    cluster: Cluster,
    first: str,
    second: str,
    *,
    at_s: float,
    after_s: float,
    until_s: float,
    seed: int = 0,
) -> Timeline:
    """``first`` fails at ``at_s``, ``second`` ``after_s`` later; returns the run."""
    sim = Simulation(cluster, seed=seed)
    sim.fail_host(first, at_s=at_s)
    sim.fail_host(second, at_s=at_s + after_s)
    return sim.run(until_s=until_s)


def vm_story(timeline: Timeline, vm: str, kinds: list[str] | None = None) -> str:
    """The log lines of a run that concern ``vm``, the hosts failing, and HA's primary
    (elections and hosts declared failed) — not the other VMs."""
    checks.timeline(timeline)
    checks.name(vm, timeline.spec.vms, "VM")
    if kinds is not None:
        checks.choices(
            kinds, set(timeline.events.kind) | {k.value for k in EventKind}, N_("Event kind")
        )
    ev = timeline.events if kinds is None else timeline.events[timeline.events.kind.isin(kinds)]
    lines = timeline.log(kinds).splitlines()
    keep = (" host_", " election ", " primary")
    # HA's own lines by kind too: their details (about the primary) are written in the
    # language of the run, where " primary" may not appear.
    ha_kinds = ("election", "heartbeat_missed", "partition_healed")
    return "\n".join(
        ln
        for ln, kind in zip(lines, ev.kind, strict=True)
        if f" {vm} " in ln
        or any(k in ln for k in keep)
        or str(kind).startswith("host_")
        or kind in ha_kinds
    )


def logging_cut_winners(
    cluster: Cluster, vm: str, *, at_s: float, seeds: range = range(10)
) -> list[str]:
    """Cut ``vm``'s FT logging link at ``at_s`` once per seed; which copy won the atomic
    test-and-set each time (``'primary'`` or ``'secondary'``)."""
    primary = cluster.vms[vm].host
    winners = []
    for seed in seeds:
        sim = Simulation(cluster, seed=seed)
        sim.cut_ft_logging(vm, at_s=at_s)
        run = sim.run(until_s=at_s + 240)
        ev = run.events
        winner = ev[(ev.kind == "ft_test_and_set") & (ev.vm == vm)].host.iloc[0]
        winners.append("primary" if winner == primary else "secondary")
    return winners


def usual_winner(winners: list[str]) -> str:
    """The words of prediction ``04.winner`` for a list from :func:`logging_cut_winners`."""
    p = winners.count("primary") / len(winners)
    if p >= 0.7:
        return "the primary, nearly always"
    if p <= 0.3:
        return "the secondary, nearly always"
    return "each about half the time"


def ft_price(without: Cluster, with_ft: Cluster) -> dict[str, str]:
    """Memory and vCPUs in use in a cluster without FT and the same cluster with it."""
    mem = [sum(c.used_memory_gib(h) for h in c.hosts) for c in (without, with_ft)]
    cpu = [sum(c.used_vcpus(h) for h in c.hosts) for c in (without, with_ft)]
    # The keys are marked for the catalog, not translated (dict keys stay the same in both
    # languages); whoever shows them can say them with _(key).
    return {
        N_("memory in use"): f"{mem[0]:g} GiB → {mem[1]:g} GiB",
        N_("vCPUs in use"): f"{cpu[0]} → {cpu[1]}",
    }


def one_failure_four_ways(
    vm: str,
    host: str,
    *,
    at_s: float,
    until_s: float,
    ft_run: Timeline,
    twice_run: Timeline,
    seed: int = 0,
) -> dict[str, float]:
    """``vm``'s outage (s) when ``host`` fails in the example cluster with no protection, with
    HA, with FT (``ft_run``) and with FT and a second failure in the window (``twice_run``)."""
    plain = Simulation(Cluster.example(), seed=seed)
    plain.fail_host(host, at_s=at_s)
    ha = Cluster.example()
    ha.enable_ha()
    ha_sim = Simulation(ha, seed=seed)
    ha_sim.fail_host(host, at_s=at_s)
    return {
        # Keys marked for the catalog, not translated: a plot may say them with _(key).
        N_("no protection (still down at the end)"): outage_s(plain.run(until_s=until_s), vm),
        "HA": outage_s(ha_sim.run(until_s=until_s), vm),
        "FT": outage_s(ft_run, vm),
        N_("FT, second host lost in the window"): outage_s(twice_run, vm),
    }


def logging_link_limit(net_in_mbit_s: float = 940, links_gbit_s: tuple = (1, 10)) -> str:
    """What record/replay makes of a network-heavy workload (netperf receiving
    ``net_in_mbit_s``) on logging links of ``links_gbit_s``: one line per link."""
    from vmlab.ft import Workload, record_replay

    netperf = Workload("netperf", events_per_s=10_000, net_in_mbit_s=net_in_mbit_s)
    lines = []
    for link in links_gbit_s:
        r = record_replay(netperf, logging_gbit_s=link)
        lines.append(
            _(
                "{link:>2} Gbit/s logging link: receives {received_mbit_s:.0f} Mbit/s ({summary})"
            ).format(
                link=link,
                received_mbit_s=net_in_mbit_s * r.performance_ratio,
                summary=r.summary(),
            )
        )
    return "\n".join(lines)


def unprotected_window(timeline: Timeline, vm: str) -> str:
    """One line: how long ``vm`` had no FT secondary after its failover in a run."""
    checks.timeline(timeline)
    checks.name(vm, timeline.spec.vms, "VM")
    ev = timeline.events
    mine = ev[ev.vm == vm].set_index("kind").t_s
    window_s = float(mine["ft_secondary_created"] - mine["ft_failover"])
    size = timeline.spec.vms[vm].memory_gib
    return _("{vm} ({size:g} GiB) was unprotected for {window_s:.0f} s").format(
        vm=vm, size=size, window_s=window_s
    )


def checkpoint_costs(cluster: Cluster, vms: list[str]) -> str:
    """What SMP-FT's checkpointing would cost each of ``vms``: one summary line per VM."""
    from vmlab.ft import logging_for_vm

    return "\n".join(f"{name:7} {logging_for_vm(cluster, name).summary()}" for name in vms)


# ----------------------------------------------------------------------------------------
# Lesson 03
# ----------------------------------------------------------------------------------------


def fail_first(cluster: Cluster, n: int, *, at_s: float, until_s: float, seed: int = 0) -> Timeline:
    """The first ``n`` hosts of ``cluster`` (esx-01, esx-02, …) fail together at ``at_s``."""
    sim = Simulation(cluster, seed=seed)
    for host in list(cluster.hosts)[:n]:
        sim.fail_host(host, at_s=at_s)
    return sim.run(until_s=until_s)


def left_down(timeline: Timeline) -> pd.DataFrame:
    """The outages of a run that are due to *insufficient capacity* (no host had room)."""
    checks.timeline(timeline)
    out = timeline.outages()
    return out[_lacks_capacity(out.cause)][["vm", "service", "down_s", "cause"]]


def with_priority(cluster: Cluster, priority: str, *, service: str | None = None,
                  vm: str | None = None) -> Cluster:  # fmt: skip
    """A copy of ``cluster`` where ``vm`` (or every VM of ``service``) has restart
    ``priority``."""
    checks.cluster(cluster)
    checks.choice(priority, RESTART_PRIORITIES, "Restart priority")
    if service is not None:
        checks.text(service, "service")
    if vm is not None:
        checks.name(vm, cluster.vms, "VM")
    copy = cluster.copy()
    for v in copy.vms.values():
        if v.name == vm or (service is not None and v.service == service):
            v.restart_priority = priority
    return copy


def detection_s(timeline: Timeline, host: str) -> float:
    """Seconds from ``host``'s failure to HA declaring it failed, in a run."""
    checks.timeline(timeline)
    checks.name(host, timeline.spec.hosts, "Host")
    ev = timeline.events
    failed = ev[(ev.kind == "host_failed") & (ev.host == host)].t_s.min()
    declared = ev[(ev.kind == "host_declared_failed") & (ev.host == host)].t_s.min()
    return float(declared - failed)


def admission_warning(config) -> str:
    """Why the cluster does not keep the reserve its admission control policy asks for, in
    words ('' when it does)."""
    if config is None or config.satisfied():
        return ""
    report = config.report().set_index("figure").value
    name = config.policy_name
    if name == "slots":
        return _(
            "The slot policy is violated: the cluster has {slots} "
            "slots of {slot_size} and its powered-on VMs need "
            "{used} — no room for a failed host's VMs (current failover "
            "capacity {capacity}); vSphere would refuse to "
            "power on more VMs. (A simplification: our slots count whole VM sizes, as if every "
            "VM reserved all its CPU and memory; vSphere sizes slots from reservations.)"
        ).format(
            slots=report["slots in the cluster"],
            slot_size=report["slot size"],
            used=report["slots used"],
            capacity=report["current failover capacity (hosts)"],
        )
    if name == "failover_hosts":
        busy = config.vms_on_failover_hosts()
        listing = ", ".join(
            ngettext("{host} runs {n} VM", "{host} runs {n} VMs", len(vms)).format(
                host=h, n=len(vms)
            )
            for h, vms in busy.items()
        )
        return _(
            "The dedicated-failover-host policy is violated: {listing}. vSphere keeps failover "
            "hosts empty: it refuses to power on or vMotion VMs onto them, DRS does not use "
            "them for balancing, and they receive VMs only at failover."
        ).format(listing=listing)
    return _(
        "The {name} policy is violated: the cluster does not keep free the reserve the policy "
        "asks for; vSphere would refuse to power on more VMs."
    ).format(name=name)
