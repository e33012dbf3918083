"""The pre-copy model beside a real hypervisor: fourteen measured QEMU live migrations.

``qemu_runs()`` loads the sample shipped inside vmlab (``vmlab/data/qemu_sample/``; its
README says what was measured, how and when). It works offline and on Binder: the files
are package data, read with :mod:`importlib.resources`.

``model_for(run)`` runs :func:`vmlab.migration.precopy` with the same parameters as a
sample run and QEMU's own rules (``QEMU_SETTINGS``: re-sync when what is left of a pass
falls below bandwidth × downtime-limit, no auto-converge), ``compare()`` sets every run
beside the model's prediction, and ``agreement()`` sums that up per write pattern::

    >>> from vmlab.reality import agreement, compare, qemu_runs
    >>> sample = qemu_runs()
    >>> len(sample.runs)
    14
    >>> table = compare()
    >>> bool(table.verdict_agrees.all())
    True

What the model leaves out, and the comparison therefore leaves out too: QEMU's setup
(``setup_time_ms``, 0.2–1.3 s here, subtracted from QEMU's time), the time each dirty
bitmap sync costs, and the VM's own boot state. QEMU's stop-and-copy is not rate-limited
(``migration_completion``), so its downtimes sit far below the 300 ms limit; the model
sends its final copy at ``LOOPBACK_GBIT_S`` and its downtime is checked against the limit,
not against QEMU's figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from vmlab import checks
from vmlab.i18n import N_, _
from vmlab.migration import QEMU_SETTINGS, MigrationResult, PrecopySettings, precopy
from vmlab.units import BYTES_PER_MIB, PAGES_PER_MIB, mib_s_to_gbit_s

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LOOPBACK_GBIT_S",
    "PATTERNS",
    "QemuSample",
    "agreement",
    "compare",
    "converges_up_to_mib_s",
    "describe",
    "measured_curve",
    "model_for",
    "model_inputs",
    "qemu_runs",
    "run_row",
    "sample_table",
    "what_if",
]

PATTERNS = {"seq": "sequential", "uniform": "uniform", "hot": "hot"}
"""The sample's ``pattern`` names → :func:`precopy`'s."""

_PATTERN_WORDS = {
    # TRANSLATORS: a write pattern, as in "sequential writes, 64 MiB working set, …"
    "sequential": N_("sequential"),
    # TRANSLATORS: a write pattern (random writes spread evenly over the working set)
    "uniform": N_("uniform"),
    # TRANSLATORS: a write pattern (most writes go to a small hot part of the memory)
    "hot": N_("hot"),
}

LOOPBACK_GBIT_S = 10.0
"""The speed the model gives QEMU's stop-and-copy, which QEMU does not rate-limit: the
sample ran source and destination on one machine over TCP loopback. The sample's final
copies (10–38 MiB) took 12–24 ms of downtime, about 0.6–2 GiB/s (median 1.3 GiB/s);
10 Gbit/s (1.16 GiB/s) stands for that. A property of that machine, not of QEMU."""

_DATA = "vmlab.data.qemu_sample"


@dataclass(frozen=True)
class QemuSample:
    """The three tables of the sample (columns as in its README).

    ``runs``: one row per run (parameters and QEMU's own totals); ``polls``: QEMU's
    ``query-migrate`` every ~100 ms (``t_ms``, ``remaining`` bytes, …); ``rounds``: one
    row per dirty-bitmap sync."""

    runs: pd.DataFrame
    polls: pd.DataFrame
    rounds: pd.DataFrame

    def __iter__(self):  # runs, polls, rounds = qemu_runs()
        return iter((self.runs, self.polls, self.rounds))


_CACHE: dict[str, QemuSample] = {}


def qemu_runs() -> QemuSample:
    """The fourteen QEMU 7.2 live migrations shipped with vmlab, as DataFrames.

    Returns
    -------
    QemuSample
        ``.runs``, ``.polls`` and ``.rounds`` (fresh copies: change them freely).

    Examples
    --------
    >>> runs, polls, rounds = qemu_runs()
    >>> sorted(runs.pattern.unique())
    ['hot', 'seq', 'uniform']
    >>> int(runs.converged.sum()), len(runs)
    (11, 14)
    """
    if "sample" not in _CACHE:
        import pandas as pd

        files = resources.files(_DATA)
        tables = {}
        for name in ("runs", "polls", "rounds"):
            with files.joinpath(f"{name}.csv").open("r", encoding="utf-8") as handle:
                tables[name] = pd.read_csv(handle)
        _CACHE["sample"] = QemuSample(**tables)
    sample = _CACHE["sample"]
    return QemuSample(sample.runs.copy(), sample.polls.copy(), sample.rounds.copy())


def run_row(run: str | Any) -> pd.Series:
    """One run of the sample, by its ``run_id`` (or a row of ``qemu_runs().runs``).

    Raises
    ------
    ValueError
        For a run id that is not in the sample; the message lists a few that are.
    """
    if not isinstance(run, str) and not hasattr(run, "run_id"):
        checks.text(run, "run")  # a run id, such as the ones in sample_table().run_id
    import pandas as pd

    if isinstance(run, pd.Series):
        return run
    runs = _CACHE["sample"].runs if "sample" in _CACHE else qemu_runs().runs
    match = runs[runs.run_id == run]
    if match.empty:
        known = ", ".join(runs.run_id.head(4))
        raise ValueError(
            _(
                "There is no run {run!r} in the QEMU sample; run ids look like {known}, … "
                "(see qemu_runs().runs.run_id)."
            ).format(run=run, known=known)
        )
    return match.iloc[0]


def _setup_s(row: pd.Series) -> float:
    """QEMU's setup time for the run: from runs.csv, or from its polls when the run did
    not converge (runs.csv leaves it empty then)."""
    import pandas as pd

    if pd.notna(row.setup_time_ms):
        return float(row.setup_time_ms) / 1000
    polls = _CACHE["sample"].polls if "sample" in _CACHE else qemu_runs().polls
    return float(polls.loc[polls.run_id == row.run_id, "setup_time_ms"].max()) / 1000


def model_inputs(run: str | Any) -> tuple[tuple[float, float, float, float], PrecopySettings]:
    """The :func:`precopy` arguments and settings that describe a sample run.

    The four numbers are the guest's memory (GiB), its achieved write rate (MiB/s: page
    writes per second × 4 KiB), its working set (GiB) and ``max-bandwidth`` as Gbit/s.
    The settings are QEMU's rules (``QEMU_SETTINGS``) with the run's ``downtime-limit``,
    pattern, auto-converge setting, the zero pages QEMU found (``duplicate_pages``) and
    the run's time cap (``wall_cap_s`` less QEMU's setup).

    >>> args, settings = model_inputs("m512_hot_w256_r8000_b128_d300_ac0")
    >>> [round(a, 3) for a in args], settings.pattern, settings.resync
    ([0.5, 31.25, 0.25, 1.074], 'hot', 'qemu')
    """
    row = run_row(run)
    pages = float(row.guest_mem_mib) * PAGES_PER_MIB
    settings = QEMU_SETTINGS.replace(
        pattern=PATTERNS[row.pattern],
        switchover_target_ms=float(row.downtime_limit_ms),
        on_no_convergence="sdps" if int(row.auto_converge) else "abort",
        zero_fraction=min(float(row.duplicate_pages) / pages, 0.9),
        max_precopy_s=float(row.wall_cap_s) - _setup_s(row),
        final_copy_gbit_s=LOOPBACK_GBIT_S,
    )
    args = (
        float(row.guest_mem_mib) / 1024,
        float(row.achieved_dirty_pages_per_s) / PAGES_PER_MIB,
        float(row.workingset_mib) / 1024,
        mib_s_to_gbit_s(float(row.max_bandwidth_mib_s)),
    )
    return args, settings


def model_for(run: str | Any, **overrides: Any) -> MigrationResult:
    """The model's migration for a sample run (``overrides`` change settings, e.g.
    ``model='pages'`` or ``resync='pass'`` to see what QEMU's re-sync rule does).

    >>> r = model_for("m512_uniform_w64_r24000_b64_d300_ac0")
    >>> r.outcome, r.switched_over
    ('aborted', False)
    """
    args, settings = model_inputs(run)
    return precopy(*args, settings=settings.replace(**overrides) if overrides else settings)


def measured_curve(run: str | Any) -> pd.DataFrame:
    """QEMU's ``remaining`` memory over time for one run, from its polls: ``t_s`` (since
    copying began, i.e. after QEMU's setup) and ``remaining_mib``; the last point is the
    end of the migration (0 left) when it converged."""
    import pandas as pd

    row = run_row(run)
    polls = _CACHE["sample"].polls if "sample" in _CACHE else qemu_runs().polls
    mine = polls[(polls.run_id == row.run_id) & polls.remaining.notna()]
    setup = _setup_s(row)
    curve = pd.DataFrame(
        {
            "t_s": mine.t_ms.to_numpy() / 1000 - setup,
            "remaining_mib": mine.remaining.to_numpy() / BYTES_PER_MIB,
        }
    )
    if int(row.converged):
        end = float(row.total_time_ms) / 1000 - setup
        curve = pd.concat(
            [curve[curve.t_s < end], pd.DataFrame({"t_s": [end], "remaining_mib": [0.0]})],
            ignore_index=True,
        )
    return curve


def compare(model: str = "expected", **overrides: Any) -> pd.DataFrame:
    """Every sample run beside the model's prediction for it.

    Columns: ``run_id``, ``pattern``, ``qemu_converged``, ``model_converged`` (switched
    over within the run's time cap), ``verdict_agrees``, ``qemu_time_s`` (QEMU's total
    less its setup), ``model_time_s``, ``time_error`` (model / QEMU − 1), ``qemu_mib``
    (transferred), ``model_mib``, ``volume_error``, ``model_downtime_s``,
    ``downtime_limit_s``. Times and volumes are compared only where both converged.

    >>> t = compare()
    >>> list(t.columns[:4])
    ['run_id', 'pattern', 'qemu_converged', 'model_converged']
    """
    import numpy as np
    import pandas as pd

    runs = qemu_runs().runs
    rows = []
    for _index, row in runs.iterrows():
        r = model_for(row, model=model, **overrides)
        converged = bool(row.converged)
        model_converged = r.converged
        both = converged and model_converged
        q_time = float(row.total_time_ms - row.setup_time_ms) / 1000 if converged else np.nan
        rows.append(
            {
                "run_id": row.run_id,
                "pattern": row.pattern,
                "qemu_converged": converged,
                "model_converged": model_converged,
                "verdict_agrees": converged == model_converged,
                "qemu_time_s": q_time,
                "model_time_s": r.total_time_s,
                "time_error": r.total_time_s / q_time - 1 if both else np.nan,
                "qemu_mib": float(row.transferred_mib),
                "model_mib": r.transferred_mib,
                "volume_error": r.transferred_mib / float(row.transferred_mib) - 1
                if both
                else np.nan,
                "model_downtime_s": r.downtime_s,
                "downtime_limit_s": float(row.downtime_limit_ms) / 1000,
            }
        )
    return pd.DataFrame(rows)


def agreement(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per pattern (and ``all``): runs, the share whose verdict the model got right, and
    the median and 90th percentile of |time error| and |volume error| over the runs both
    converged.

    >>> a = agreement()
    >>> list(a.columns)
    ['runs', 'verdict_right', 'time_median', 'time_p90', 'volume_median', 'volume_p90']
    """
    import pandas as pd

    table = compare() if table is None else table

    def summary(group: pd.DataFrame) -> dict[str, float]:
        t, v = group.time_error.abs().dropna(), group.volume_error.abs().dropna()
        return {
            "runs": len(group),
            "verdict_right": float(group.verdict_agrees.mean()),
            "time_median": float(t.median()) if len(t) else float("nan"),
            "time_p90": float(t.quantile(0.9)) if len(t) else float("nan"),
            "volume_median": float(v.median()) if len(v) else float("nan"),
            "volume_p90": float(v.quantile(0.9)) if len(v) else float("nan"),
        }

    out = {pattern: summary(group) for pattern, group in table.groupby("pattern")}
    out["all"] = summary(table)
    return pd.DataFrame(out).T.astype({"runs": "int64"})


def sample_table() -> pd.DataFrame:
    """The sample's runs by the three numbers that decide convergence, in MiB and MiB/s
    (no outcome: predict it first). Columns: ``run_id``, ``pattern``,
    ``working_set_mib``, ``writes_mib_s`` (achieved page writes × 4 KiB), ``link_mib_s``
    (``max-bandwidth``), ``downtime_limit_ms``.

    >>> t = sample_table()
    >>> list(t.columns[1:]), len(t)
    (['pattern', 'working_set_mib', 'writes_mib_s', 'link_mib_s', 'downtime_limit_ms'], 14)
    """
    import pandas as pd

    runs = qemu_runs().runs
    return pd.DataFrame(
        {
            "run_id": runs.run_id,
            "pattern": runs.pattern,
            "working_set_mib": runs.workingset_mib.astype(float),
            "writes_mib_s": runs.achieved_dirty_pages_per_s / PAGES_PER_MIB,
            "link_mib_s": runs.max_bandwidth_mib_s.astype(float),
            "downtime_limit_ms": runs.downtime_limit_ms,
        }
    )


def describe(run: str | Any) -> str:
    """One run in words: what QEMU measured and what the model predicts, with the errors.

    >>> print(describe("m512_uniform_w64_r24000_b64_d300_ac0"))  # doctest: +ELLIPSIS
    uniform writes, 64 MiB working set, 94 MiB/s of writes, 64 MiB/s link:
      QEMU:  did not finish within its 40 s cap (cancelled)
      model: does not converge: after 40 s, ... MiB is still dirty, above the 19 MiB ...
    """
    row = run_row(run)
    r = model_for(row)
    (_m, rate, ws, _b), _s = model_inputs(row)
    head = _(
        "{pattern} writes, {ws_mib:.0f} MiB working set, {rate:.0f} MiB/s of "
        "writes, {link:.0f} MiB/s link:"
    ).format(
        pattern=_(_PATTERN_WORDS[PATTERNS[row.pattern]]),
        ws_mib=ws * 1024,
        rate=rate,
        link=row.max_bandwidth_mib_s,
    )
    if int(row.converged):
        q_time = (row.total_time_ms - row.setup_time_ms) / 1000
        qemu = _(
            "converged in {time_s:.1f} s (setup left out), {sent_mib:.0f} MiB "
            "sent, downtime {downtime_ms:.0f} ms"
        ).format(time_s=q_time, sent_mib=row.transferred_mib, downtime_ms=row.downtime_ms)
    else:
        qemu = _("did not finish within its {cap_s:g} s cap (cancelled)").format(
            cap_s=row.wall_cap_s
        )
    if r.converged:
        fields = {
            "time_s": r.total_time_s,
            "sent_mib": r.transferred_mib,
            "downtime_ms": r.downtime_s * 1000,
            "limit_ms": row.downtime_limit_ms,
        }
        if int(row.converged):
            model = _(
                "converges in {time_s:.1f} s, {sent_mib:.0f} MiB sent, "
                "downtime {downtime_ms:.0f} ms (limit {limit_ms:g} ms); "
                "time {time_error:+.1%}, volume {volume_error:+.1%}"
            ).format(
                **fields,
                time_error=r.total_time_s / q_time - 1,
                volume_error=r.transferred_mib / row.transferred_mib - 1,
            )
        else:
            model = _(
                "converges in {time_s:.1f} s, {sent_mib:.0f} MiB sent, "
                "downtime {downtime_ms:.0f} ms (limit {limit_ms:g} ms)"
            ).format(**fields)
    else:
        left = float(r.rounds.remaining_mib.iloc[-1])
        model = _(
            "does not converge: after {time_s:.0f} s, {left_mib:.0f} MiB is still dirty, "
            "above the {threshold_mib:.0f} MiB it may leave for the stop-and-copy"
        ).format(time_s=r.total_time_s, left_mib=left, threshold_mib=r.switchover_threshold_mib)
    return "\n".join(
        (head, _("  QEMU:  {qemu}").format(qemu=qemu), _("  model: {model}").format(model=model))
    )


def what_if(
    run: str | Any,
    *,
    writes_mib_s: float | None = None,
    working_set_mib: float | None = None,
    link_mib_s: float | None = None,
    **settings: Any,
) -> MigrationResult:
    """The model's migration for a sample run with some of its numbers changed: the write
    rate, the working set, the link (all in MiB and MiB/s, like :func:`sample_table`), or
    any :class:`~vmlab.migration.PrecopySettings` field (e.g. ``pattern='uniform'``).

    >>> what_if("m512_uniform_w64_r24000_b64_d300_ac0", link_mib_s=128).converged
    True
    """
    for arg, value in (("writes_mib_s", writes_mib_s), ("working_set_mib", working_set_mib)):
        if value is not None:
            checks.non_negative(value, arg, high=1e9)
    if link_mib_s is not None:
        checks.positive(link_mib_s, "link_mib_s", unit="MiB/s", high=1e9)
    (memory, rate, ws, link), base = model_inputs(run)
    if writes_mib_s is not None:
        rate = float(writes_mib_s)
    if working_set_mib is not None:
        ws = float(working_set_mib) / 1024
    if link_mib_s is not None:
        link = mib_s_to_gbit_s(float(link_mib_s)) if float(link_mib_s) > 0 else -1.0
    return precopy(memory, rate, ws, link, settings=base.replace(**settings) if settings else base)


def converges_up_to_mib_s(run: str | Any, *, step_mib_s: float = 1.0) -> float:
    """The highest write rate (MiB/s, to ``step_mib_s``) at which the model still converges
    within the run's cap, all else as in the run (a search over the model, for exercises).

    >>> converges_up_to_mib_s("m512_uniform_w64_r16000_b64_d300_ac0")
    85.0
    """
    checks.number(step_mib_s, "step_mib_s", unit="MiB/s", low=0.5, high=1e4)
    low, high = 0.0, 4096.0
    if not what_if(run, writes_mib_s=low).converged:
        return 0.0
    while high - low > step_mib_s:
        mid = (low + high) / 2
        if what_if(run, writes_mib_s=mid).converged:
            low = mid
        else:
            high = mid
    return low


# Runs the lessons and their self-checks refer to (vmlab.reality_quiz)
KNIFE_EDGE_RUN = "m512_uniform_w64_r16000_b64_d300_ac0"
HOT_RUN = "m512_hot_w256_r8000_b128_d300_ac0"
SCAN_RUN = "m512_w64_r32000_b64_d300_ac0"
UNIFORM_RUN = "m512_uniform_w64_r16000_b64_d300_ac0"
CANCELLED_RUN = "m512_uniform_w64_r24000_b64_d300_ac0"
