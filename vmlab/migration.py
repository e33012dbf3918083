"""Pre-copy live migration: how vMotion moves a running VM's memory, round by round.

The model is a pure function, :func:`precopy`. It knows nothing about clusters or
simulated time; ``vmlab.vmotion`` calls it and places the result on the clock.

How pre-copy works (Clark et al., "Live Migration of Virtual Machines", NSDI 2005;
VMware, "vMotion Architecture, Performance and Best Practices in vSphere 5"):

1. **Round 0** copies all of the VM's memory while the VM keeps running. Pages that hold
   only zeros cost almost nothing to send (``zero_fraction``).
2. Meanwhile the guest keeps writing. Every page it writes is marked *dirty* and must be
   sent again. Each later round re-sends the pages dirtied during the previous round.
   The guest writes inside its *writable working set* (Clark's term): a set of pages it
   rewrites again and again, so the dirty set can never grow beyond it.
3. **Switchover**: as soon as the memory still dirty can be sent within the switchover
   target at the link's speed (QEMU's rule), the VM is *stunned*: its vCPUs stop, the
   last dirty pages and the device state are sent, and the VM resumes on the target
   host, which announces the VM's MAC address to the physical switches.
4. When the guest dirties memory faster than the link can carry it, pre-copy cannot
   converge. Then one of three things happens (``on_no_convergence``): ``'sdps'`` slows
   the guest's vCPUs step by step until it converges (vSphere's Stun During Page Send;
   QEMU calls it auto-converge), ``'force'`` switches over anyway after ``max_rounds``
   (a long stun), or ``'abort'`` gives up and leaves the VM running on the source.

Two ways of counting dirty pages give the same answer on average:
``model='expected'`` uses the expected number of distinct pages dirtied per round (a
closed form: fast, smooth curves), ``model='pages'`` tracks a real bitmap of 4 KiB
pages with a seeded random generator and also records a memory map per round.

Every default that stands for a real product's behaviour names its source below; see
``reference/figures.md`` in the shared documents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from vmlab.units import (
    KIB_PER_MIB,
    PAGE_KIB,
    format_duration,
    gbit_s_to_mib_s,
    gib_to_mib,
    mib_to_pages,
    pages_to_mib,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ANNOUNCE_MS",
    "ANNOUNCE_SCHEDULE_MS",
    "DEVICE_STATE_MIB",
    "MAP_STATES",
    "MAX_ROUNDS",
    "MigrationResult",
    "OUTCOMES",
    "QEMU_RULES",
    "RESUME_MS",
    "ROUND_COLUMNS",
    "SWITCHOVER_TARGET_MS",
    "XEN_RULES",
    "precopy",
]

Pattern = Literal["uniform", "sequential"]
Policy = Literal["sdps", "force", "abort"]
Model = Literal["expected", "pages"]
Outcome = Literal["converged", "sdps", "forced", "aborted"]

# ---------------------------------------------------------------------------------------
# Defaults that stand for real products, each with its source (reference/figures.md).
# ---------------------------------------------------------------------------------------

SWITCHOVER_TARGET_MS = 300.0
"""Switch over when the dirty memory left can be sent within this time.

QEMU's ``downtime-limit`` default, 300 ms (``migration/options.c``; older releases used
30 ms). VMware does not publish vMotion's own target; Nelson, Lim and Hutchins (USENIX
ATC 2005) report application downtime under one second, which this default respects.
"""

MAX_ROUNDS = 30
"""The most copy rounds one migration may use: round 0, later pre-copy rounds and the
final stop-and-copy round together.

Xen's limit: ``DEF_MAX_ITERS 29`` live iterations, then the final one
(``tools/libxc/xc_domain_save.c``). VMware does not publish a round limit.
"""

RESUME_MS = 9.0
"""Time to resume the VM on the target once its memory is there.

Clark et al. NSDI 2005: the SPECweb99 VM's 210 ms downtime was about 201 ms of final
copy plus 9 ms to resume (their "activation" stage: reattach devices, send the
unsolicited ARP reply). The split is from a secondary source (figures.md).
"""

ANNOUNCE_SCHEDULE_MS = (0.0, 50.0, 200.0, 450.0, 800.0)
"""When the target host announces the VM's MAC address to the switches, in ms after it
resumes: 5 announcements, the first at once, then 50 ms apart growing by 100 ms each time.

QEMU ``net/announce.c`` defaults (rounds 5, initial 50 ms, step 100 ms, max 550 ms;
figures.md: "QEMU announces 5 times, 50 ms then +100 ms steps"). vSphere sends a RARP
for the same purpose (secondary source).
"""

ANNOUNCE_MS = ANNOUNCE_SCHEDULE_MS[0]
"""Outage the announcement adds to the downtime: 0 ms by default, because the first
announcement leaves the moment the VM resumes (QEMU ``net/announce.c``); the later ones
only repair switches that missed it. Pass ``announce_ms=50`` to model a lost first one.
"""

DEVICE_STATE_MIB = 1.0
"""Device state (vCPU registers, virtual devices) sent while the VM is stunned.

An assumption, not a published figure: it is small next to memory (about 8 ms at
1 Gbit/s). Clark's 201 ms + 9 ms split counts it inside the final copy.
"""

ZERO_PAGE_BYTES = 9
"""Bytes on the wire for a page that holds only zeros: an 8-byte page header and one
byte (QEMU ``migration/ram.c``, ``save_zero_page``). Read from the source; not in
figures.md."""

# QEMU auto-converge (migration/options.c defaults, migration/ram.c
# migration_trigger_throttle and mig_throttle_guest_down; figures.md row "QEMU
# auto-converge"). We use it for SDPS too: VMware says only that SDPS slows the source
# vCPUs "a few ms at a time" until pre-copy converges and publishes no numbers.
THROTTLE_TRIGGER_PCT = 50.0
"""Dirtied bytes above this share of the bytes sent in a period count as "too fast"."""
THROTTLE_TRIGGER_COUNT = 2
"""That many "too fast" periods start or raise the throttle (QEMU counts them since the
last throttle step, not strictly in a row; figures.md says "twice in a row")."""
THROTTLE_INITIAL_PCT = 20.0
THROTTLE_INCREMENT_PCT = 10.0
THROTTLE_MAX_PCT = 99.0
THROTTLE_PERIOD_S = 1.0
"""QEMU checks the rule at a dirty-bitmap sync at most once a second."""

XEN_RULES: dict[str, Any] = {
    "switchover_target_ms": 0.0,
    "max_rounds": 30,
    "min_dirty_pages": 50,
    "max_transfer_factor": 3.0,
    "on_no_convergence": "force",
}
"""Xen 3.x's stop rules (``xc_domain_save.c``: DEF_MAX_ITERS 29, DEF_MAX_FACTOR 3): stop
when fewer than 50 pages were dirtied in a round, after 30 rounds, or once 3 × RAM has
been sent; then always do the final stop-and-copy. Use as ``precopy(..., **XEN_RULES)``."""

QEMU_RULES: dict[str, Any] = {
    "switchover_target_ms": 300.0,
    "max_rounds": 1000,
    "on_no_convergence": "sdps",
}
"""QEMU's rules: switch over when the dirty bytes fit in ``downtime-limit`` (300 ms),
auto-converge on. QEMU has no round limit; 1000 rounds stands for "never give up"."""

ROUND_COLUMNS = (
    "round",
    "start_s",
    "duration_s",
    "sent_mib",
    "dirtied_mib",
    "remaining_mib",
    "throttle_pct",
)
"""Columns of :attr:`MigrationResult.rounds`."""

MAP_STATES = ("clean", "sent", "dirty")
"""Codes of :attr:`MigrationResult.memory_map`: 0 clean (untouched this round), 1 sent
this round and still clean, 2 dirty at the end of the round (must be sent again)."""

OUTCOMES = ("converged", "sdps", "forced", "aborted")

MAP_CELLS = 4096
"""The memory map shows at most this many pages (a 64 × 64 grid), evenly spaced."""

PAGES_MODEL_MAX_GIB = 256.0
"""Largest VM the page-bitmap model accepts (a bitmap of 64 Mi pages)."""

_BYTES_PER_KIB = 1024
_SAMPLE_DENSE_FRACTION = 1 / 32
_UNIFORM16 = 65536


# ---------------------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MigrationResult:
    """What one pre-copy migration did, round by round.

    Attributes
    ----------
    converged : bool
        True when pre-copy reached the switchover target (by itself, or after SDPS
        slowed the guest). False when it was forced or aborted.
    outcome : str
        ``'converged'``, ``'sdps'`` (converged because SDPS throttled the guest),
        ``'forced'`` (switched over without converging: a long stun) or ``'aborted'``
        (gave up; the VM still runs on the source host).
    reason : str
        What happened and why, in plain words.
    n_rounds : int
        Copy rounds, round 0 and the final stop-and-copy round included.
    total_time_s : float
        From the start of round 0 until the VM runs on the target (until it gave up,
        when aborted).
    downtime_s : float
        How long the VM was stopped: final copy + device state + resume + announcement.
        0 when aborted (the VM never stopped).
    transferred_mib : float
        Everything sent over the link, re-sent pages and device state included.
    memory_mib, working_set_mib, dirty_rate_mib_s, bandwidth_mib_s : float
        The inputs, converted to MiB and MiB/s.
    switchover_target_ms, switchover_threshold_mib : float
        The switchover target and the dirty memory the link sends within it.
    fixed_cost_s : float
        The part of the downtime that does not depend on dirty memory: device state,
        resume and announcement. When converged, ``downtime_s`` ≤ target + this.
    model, pattern, on_no_convergence : str
        The choices the migration was run with.
    memory_map : numpy.ndarray or None
        ``model='pages'`` only: ``(n_rounds, n_cells)`` codes 0 clean / 1 sent / 2 dirty
        (see ``MAP_STATES``) for an evenly spaced sample of pages; None otherwise.
    memory_map_pages_per_cell : float
        How many pages each map cell stands for (the map shows one page per cell).
    resumed_at_s : float or None
        When the VM resumed on the target, s after the start; None when aborted.
    """

    converged: bool
    outcome: Outcome
    reason: str
    n_rounds: int
    total_time_s: float
    downtime_s: float
    transferred_mib: float
    memory_mib: float
    working_set_mib: float
    dirty_rate_mib_s: float
    bandwidth_mib_s: float
    switchover_target_ms: float
    switchover_threshold_mib: float
    fixed_cost_s: float
    model: Model
    pattern: Pattern
    on_no_convergence: Policy
    memory_map: np.ndarray | None = None
    memory_map_pages_per_cell: float = 1.0
    resumed_at_s: float | None = None
    _table: tuple[tuple[float, ...], ...] = field(default=(), repr=False)

    @cached_property
    def rounds(self) -> pd.DataFrame:
        """One row per copy round (built on first use).

        Columns: ``round`` (0 = the full copy), ``start_s``, ``duration_s``,
        ``sent_mib`` (what the round put on the wire), ``dirtied_mib`` (distinct memory
        the guest dirtied during the round), ``remaining_mib`` (dirty memory still to
        send when the round ends), ``throttle_pct`` (share of time SDPS held the guest's
        vCPUs back). When the VM switched over, the last row is the stop-and-copy round:
        the VM is stopped, so it dirties nothing and leaves nothing behind.
        """
        import pandas as pd

        frame = pd.DataFrame(list(self._table), columns=list(ROUND_COLUMNS))
        return frame.astype({"round": "int64"})

    @property
    def switched_over(self) -> bool:
        """True when the VM ended up running on the target host."""
        return self.outcome != "aborted"

    @property
    def precopy_time_s(self) -> float:
        """Time the VM kept running on the source while its memory was copied."""
        return self.total_time_s - self.downtime_s

    @property
    def max_throttle_pct(self) -> float:
        """The strongest SDPS throttle used (0 when SDPS never acted)."""
        return max((row[6] for row in self._table), default=0.0)

    @property
    def announce_times_s(self) -> tuple[float, ...]:
        """When the target announces the VM's MAC address to the switches, in s after the
        migration started (QEMU's schedule, ``ANNOUNCE_SCHEDULE_MS``); empty when aborted."""
        if self.resumed_at_s is None:
            return ()
        return tuple(self.resumed_at_s + ms / 1000 for ms in ANNOUNCE_SCHEDULE_MS)

    def summary(self) -> str:
        """A few lines a student can read: rounds, time, downtime, data sent, outcome.

        Examples
        --------
        >>> print(precopy(4, 0, 0, 10).summary().splitlines()[0])
        Rounds: 2 (round 0 and the final stop-and-copy included)
        """
        verdict = {
            "converged": "converged",
            "sdps": "converged with SDPS",
            "forced": "did NOT converge: switched over anyway",
            "aborted": "did NOT converge: aborted, the VM stays on the source",
        }[self.outcome]
        return "\n".join(
            [
                f"Rounds: {self.n_rounds} (round 0 and the final stop-and-copy included)"
                if self.switched_over
                else f"Rounds: {self.n_rounds} (no stop-and-copy: aborted)",
                f"Total time: {_fmt_s(self.total_time_s)}",
                f"Downtime: {_fmt_s(self.downtime_s)}",
                f"Data sent: {_fmt_mib(self.transferred_mib)} "
                f"({self.transferred_mib / self.memory_mib:.2f} × memory)",
                f"Result: {verdict}",
                self.reason,
            ]
        )


# ---------------------------------------------------------------------------------------
# Memory: how many distinct pages the guest dirties (two models)
# ---------------------------------------------------------------------------------------


class _ExpectedMemory:
    """Expected number of distinct dirty pages, in closed form."""

    def __init__(self, working_set_mib: float, pattern: Pattern) -> None:
        self.ws = working_set_mib
        self.sequential = pattern == "sequential"
        self.pending = 0.0

    def write(self, written_mib: float) -> float:
        ws = self.ws
        if ws <= 0.0 or written_mib <= 0.0:
            self.pending = 0.0
        elif self.sequential:
            # a scan: every write lands on a new page until the working set is covered
            self.pending = min(written_mib, ws)
        else:
            # uniform random writes: expected distinct pages = W (1 - exp(-writes / W))
            self.pending = -ws * math.expm1(-written_mib / ws)
        return self.pending

    def take_dirty(self) -> float:
        pending, self.pending = self.pending, 0.0
        return pending

    def record(self, final: bool = False) -> None:
        pass


class _PageMemory:
    """A bitmap of 4 KiB pages, dirtied by seeded random (or sequential) writes."""

    def __init__(
        self, memory_mib: float, working_set_mib: float, pattern: Pattern, seed: int
    ) -> None:
        self.rng = np.random.default_rng(seed)
        self.n_pages = max(1, mib_to_pages(memory_mib))
        self.ws_pages = min(mib_to_pages(working_set_mib), self.n_pages)
        self.sequential = pattern == "sequential"
        self.scan_at = 0
        self.dirty = np.zeros(self.ws_pages, dtype=bool)
        self.n_dirty = 0
        self.ws_offset = int(self.rng.integers(0, self.n_pages - self.ws_pages + 1))
        n_cells = min(self.n_pages, MAP_CELLS)
        sample = (np.arange(n_cells, dtype=np.int64) * self.n_pages) // n_cells
        in_ws = (sample >= self.ws_offset) & (sample < self.ws_offset + self.ws_pages)
        self.cell_in_ws = np.flatnonzero(in_ws)
        self.cell_ws_page = sample[in_ws] - self.ws_offset
        self.pages_per_cell = self.n_pages / n_cells
        self.sent_cells = np.ones(n_cells, dtype=bool)  # round 0 sends every page
        self.maps: list[np.ndarray] = []

    def write(self, written_mib: float) -> float:
        ws = self.ws_pages
        writes = written_mib * KIB_PER_MIB / PAGE_KIB
        n = int(writes)
        if self.rng.random() < writes - n:  # stochastic rounding keeps the mean exact
            n += 1
        dirty = self.dirty
        if ws == 0 or n == 0:
            dirty[:] = False
        elif self.sequential:
            dirty[:] = n >= ws
            if n < ws:
                end = self.scan_at + n
                dirty[self.scan_at : min(end, ws)] = True
                if end > ws:
                    dirty[: end - ws] = True
            self.scan_at = (self.scan_at + n) % ws
        elif n < ws * _SAMPLE_DENSE_FRACTION:
            # few writes: draw each one
            dirty[:] = False
            dirty[self.rng.integers(0, ws, n)] = True
        else:
            # many writes: each page stays clean with probability (1 - 1/W)^n
            p_clean = math.exp(n * math.log1p(-1.0 / ws)) if ws > 1 else 0.0
            if p_clean < _SAMPLE_DENSE_FRACTION:
                # nearly all dirty: draw the few pages that stayed clean
                dirty[:] = True
                misses = int(self.rng.binomial(ws, p_clean))
                dirty[self.rng.integers(0, ws, misses)] = False
            else:
                draws = self.rng.integers(0, _UNIFORM16, ws, dtype=np.uint16)
                np.less(draws, round((1.0 - p_clean) * _UNIFORM16), out=dirty)
        self.n_dirty = int(np.count_nonzero(dirty))
        return pages_to_mib(self.n_dirty)

    def take_dirty(self) -> float:
        self.sent_cells[:] = False
        self.sent_cells[self.cell_in_ws] = self.dirty[self.cell_ws_page]
        sent = pages_to_mib(self.n_dirty)
        self.n_dirty = 0
        return sent

    def record(self, final: bool = False) -> None:
        codes = self.sent_cells.astype(np.uint8)
        if not final:
            dirty_cells = self.cell_in_ws[self.dirty[self.cell_ws_page]]
            codes[dirty_cells] = 2
        self.maps.append(codes)


# ---------------------------------------------------------------------------------------
# Checking the input
# ---------------------------------------------------------------------------------------


def _number(name: str, value: object, *, low: float, low_ok: bool, unit: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a number ({what}); got {value!r}.")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number ({what}); got {value!r}.")
    if number < low or (number == low and not low_ok):
        bound = f"at least {low:g}" if low_ok else f"greater than {low:g}"
        raise ValueError(f"{name} must be {bound} {unit} ({what}); got {value!r}.")
    return number


def _choice(name: str, value: object, choices: dict[str, str]) -> None:
    if value not in choices:
        listed = "; ".join(f"{key!r} ({meaning})" for key, meaning in choices.items())
        raise ValueError(f"{name} must be one of: {listed}. Got {value!r}.")


# ---------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------


def precopy(
    memory_gib: float,
    dirty_rate_mib_s: float,
    working_set_gib: float,
    bandwidth_gbit_s: float,
    *,
    pattern: Pattern = "uniform",
    switchover_target_ms: float = SWITCHOVER_TARGET_MS,
    max_rounds: int = MAX_ROUNDS,
    on_no_convergence: Policy = "sdps",
    model: Model = "expected",
    zero_fraction: float = 0.0,
    seed: int = 0,
    device_state_mib: float = DEVICE_STATE_MIB,
    resume_ms: float = RESUME_MS,
    announce_ms: float = ANNOUNCE_MS,
    min_dirty_pages: int | None = None,
    max_transfer_factor: float | None = None,
) -> MigrationResult:
    """Live-migrate a running VM's memory with pre-copy, round by round.

    Parameters
    ----------
    memory_gib : float
        The VM's memory, GiB (> 0).
    dirty_rate_mib_s : float
        How fast the guest writes memory, MiB/s (≥ 0; 0 = an idle VM). Rewriting the
        same page twice counts twice here, but dirties it once.
    working_set_gib : float
        The writable working set: the memory the guest keeps rewriting, GiB
        (0 ≤ working set ≤ memory). The dirty set saturates at this size.
    bandwidth_gbit_s : float
        The vMotion link, Gbit/s (> 0). vSphere asks for at least 1 Gbit/s
        (figures.md, ``VMotionLinkCapacityLow``); concurrent migrations share it.
    pattern : {'uniform', 'sequential'}
        How the guest writes inside its working set: random pages (the distinct dirty
        set grows as ``W (1 - exp(-writes / W))``) or a scan through it (grows linearly
        until it covers ``W``).
    switchover_target_ms : float
        Switch over once the dirty memory left can be sent within this time (QEMU's
        rule); default 300 ms, QEMU's ``downtime-limit`` (see ``SWITCHOVER_TARGET_MS``).
    max_rounds : int
        The most copy rounds, round 0 and the final stop-and-copy included (≥ 2);
        default 30, Xen's limit (see ``MAX_ROUNDS``).
    on_no_convergence : {'sdps', 'force', 'abort'}
        What to do when pre-copy cannot reach the target. ``'sdps'`` throttles the
        guest's vCPUs by QEMU's auto-converge rule (20 %, then +10 % each time, at most
        99 %), which we take as the stand-in for vSphere's SDPS, whose numbers VMware
        does not publish; if even that runs out of rounds it switches over anyway.
        ``'force'`` switches over after ``max_rounds``; ``'abort'`` gives up and the VM
        stays on the source host.
    model : {'expected', 'pages'}
        ``'expected'``: closed-form expected volumes (fast). ``'pages'``: a seeded bitmap
        of 4 KiB pages, with a memory map per round (VMs up to 256 GiB).
    zero_fraction : float
        Share of memory that holds only zeros (0 ≤ z < 1); round 0 sends each such
        page as a 9-byte marker (QEMU ``save_zero_page``).
    seed : int
        Seed of the random generator (``model='pages'`` only): same seed, same rounds.
    device_state_mib : float
        Device state sent while the VM is stunned, MiB (an assumption: 1 MiB).
    resume_ms : float
        Time to resume on the target, ms; default 9 ms (Clark et al. 2005).
    announce_ms : float
        Outage added by the network announcement, ms; default 0 (QEMU sends the first
        announcement as the VM resumes; see ``ANNOUNCE_SCHEDULE_MS``).
    min_dirty_pages : int or None
        Also switch over when fewer than this many pages are dirty after a round
        (Xen: 50). None: not used.
    max_transfer_factor : float or None
        Stop pre-copy once more than this × memory has been sent (Xen: 3), then apply
        ``on_no_convergence``. None: not used.

    Returns
    -------
    MigrationResult
        ``converged``, ``outcome``, ``reason``, ``n_rounds``, ``total_time_s``,
        ``downtime_s``, ``transferred_mib``, the ``rounds`` table and, for
        ``model='pages'``, the ``memory_map``.

    Raises
    ------
    ValueError
        For a size that is zero or negative, a working set larger than memory, an
        unknown pattern, policy or model; the message names the argument and its range.

    Examples
    --------
    An 8 GiB VM that rewrites a 256 MiB working set at 200 MiB/s, over 10 Gbit/s:

    >>> r = precopy(8, 200, 0.25, 10)
    >>> r.converged, r.n_rounds
    (True, 2)
    >>> print(f"{r.total_time_s:.1f} s, downtime {r.downtime_s * 1000:.0f} ms")
    7.1 s, downtime 224 ms
    >>> r.rounds[["round", "sent_mib", "remaining_mib"]].round(0)
       round  sent_mib  remaining_mib
    0      0    8192.0          255.0
    1      1     256.0            0.0

    The same VM rewriting 6 GiB at 2 GiB/s over 1 Gbit/s cannot converge; forced, it
    stops for seconds:

    >>> r = precopy(8, 2048, 6, 1, on_no_convergence="force")
    >>> r.outcome, round(r.downtime_s)
    ('forced', 52)
    """
    memory = gib_to_mib(
        _number("memory_gib", memory_gib, low=0, low_ok=False, unit="GiB", what="the VM's memory")
    )
    rate = _number(
        "dirty_rate_mib_s",
        dirty_rate_mib_s,
        low=0,
        low_ok=True,
        unit="MiB/s",
        what="how fast the guest writes memory; 0 means idle",
    )
    ws_gib = _number(
        "working_set_gib",
        working_set_gib,
        low=0,
        low_ok=True,
        unit="GiB",
        what="the memory the guest keeps rewriting",
    )
    if ws_gib > float(memory_gib):
        raise ValueError(
            f"working_set_gib ({ws_gib:g} GiB) cannot be larger than memory_gib "
            f"({float(memory_gib):g} GiB): the guest can only rewrite memory it has. "
            f"Choose a working set between 0 and {float(memory_gib):g} GiB."
        )
    ws = gib_to_mib(ws_gib)
    bw_gbit = _number(
        "bandwidth_gbit_s",
        bandwidth_gbit_s,
        low=0,
        low_ok=False,
        unit="Gbit/s",
        what="the vMotion link's speed, e.g. 1, 10 or 25",
    )
    bandwidth = gbit_s_to_mib_s(bw_gbit)
    target_ms = _number(
        "switchover_target_ms",
        switchover_target_ms,
        low=0,
        low_ok=True,
        unit="ms",
        what="the longest stun pre-copy aims for",
    )
    if (
        isinstance(max_rounds, bool)
        or not isinstance(max_rounds, int | np.integer)
        or not 2 <= max_rounds <= 100_000
    ):
        raise ValueError(
            "max_rounds must be a whole number from 2 to 100000 (round 0 plus at least "
            f"the final stop-and-copy round); got {max_rounds!r}."
        )
    _choice(
        "pattern",
        pattern,
        {"uniform": "random writes in the working set", "sequential": "a scan through it"},
    )
    _choice(
        "on_no_convergence",
        on_no_convergence,
        {
            "sdps": "slow the guest down until it converges",
            "force": "switch over anyway after max_rounds",
            "abort": "give up; the VM stays on the source",
        },
    )
    _choice(
        "model",
        model,
        {"expected": "closed-form expected volumes", "pages": "a bitmap of 4 KiB pages"},
    )
    zero = _number(
        "zero_fraction",
        zero_fraction,
        low=0,
        low_ok=True,
        unit="",
        what="the share of memory holding only zeros, from 0 up to (not including) 1",
    )
    if zero >= 1:
        raise ValueError(
            f"zero_fraction must be at least 0 and less than 1 (the share of memory "
            f"holding only zeros); got {zero_fraction!r}."
        )
    device = _number(
        "device_state_mib",
        device_state_mib,
        low=0,
        low_ok=True,
        unit="MiB",
        what="device state sent during the stun",
    )
    resume_s = (
        _number("resume_ms", resume_ms, low=0, low_ok=True, unit="ms", what="resume time") / 1000
    )
    announce_s = (
        _number(
            "announce_ms",
            announce_ms,
            low=0,
            low_ok=True,
            unit="ms",
            what="outage added by the network announcement",
        )
        / 1000
    )
    if min_dirty_pages is not None and (
        isinstance(min_dirty_pages, bool)
        or not isinstance(min_dirty_pages, int | np.integer)
        or min_dirty_pages < 0
    ):
        raise ValueError(
            f"min_dirty_pages must be None or a whole number of pages ≥ 0 (Xen uses 50); "
            f"got {min_dirty_pages!r}."
        )
    if max_transfer_factor is not None:
        _number(
            "max_transfer_factor",
            max_transfer_factor,
            low=1,
            low_ok=True,
            unit="× memory",
            what="stop once this many times the memory has been sent; Xen uses 3",
        )
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise ValueError(f"seed must be a whole number, e.g. 0; got {seed!r}.")
    if model == "pages" and float(memory_gib) > PAGES_MODEL_MAX_GIB:
        raise ValueError(
            f"memory_gib must be at most {PAGES_MODEL_MAX_GIB:g} GiB with model='pages' "
            f"(its page bitmap gets too big); got {float(memory_gib):g}. "
            "Use model='expected' for bigger VMs."
        )

    mem: _ExpectedMemory | _PageMemory
    if model == "pages":
        mem = _PageMemory(memory, ws, pattern, int(seed))
    else:
        mem = _ExpectedMemory(ws, pattern)

    threshold = bandwidth * target_ms / 1000
    min_dirty_mib = pages_to_mib(min_dirty_pages) if min_dirty_pages is not None else None
    max_sent_mib = memory * max_transfer_factor if max_transfer_factor is not None else None
    sdps = on_no_convergence == "sdps"

    rows: list[tuple[float, ...]] = []
    zero_mib = memory * zero
    sent = (memory - zero_mib) + zero_mib * ZERO_PAGE_BYTES / (PAGE_KIB * _BYTES_PER_KIB)
    t = 0.0
    total_sent = 0.0
    throttle = 0.0
    high_count = 0
    period_s = period_sent = period_dirtied = 0.0
    stop: str | None = None  # why pre-copy ended: target / few_pages / rounds / volume
    i = 0
    while True:
        duration = sent / bandwidth
        written = rate * (1.0 - throttle / 100.0) * duration
        dirtied = mem.write(written)
        mem.record()
        rows.append((i, t, duration, sent, dirtied, dirtied, throttle))
        t += duration
        total_sent += sent
        if dirtied <= threshold:
            stop = "target"
        elif min_dirty_mib is not None and dirtied < min_dirty_mib:
            stop = "few_pages"
        elif max_sent_mib is not None and total_sent > max_sent_mib:
            stop = "volume"
        elif i + 2 >= max_rounds:
            stop = "rounds"
        if stop is not None:
            break
        if sdps:
            # QEMU migration_trigger_throttle: at a bitmap sync, at most once a second
            period_s += duration
            period_sent += sent
            period_dirtied += dirtied
            if period_s >= THROTTLE_PERIOD_S:
                if period_dirtied > period_sent * THROTTLE_TRIGGER_PCT / 100:
                    high_count += 1
                    if high_count >= THROTTLE_TRIGGER_COUNT:
                        high_count = 0
                        throttle = (
                            THROTTLE_INITIAL_PCT
                            if throttle == 0
                            else min(throttle + THROTTLE_INCREMENT_PCT, THROTTLE_MAX_PCT)
                        )
                period_s = period_sent = period_dirtied = 0.0
        sent = mem.take_dirty()
        i += 1

    remaining = rows[-1][5]
    converged = stop in ("target", "few_pages")
    if converged or on_no_convergence != "abort":
        # the stop-and-copy round: the VM is stunned, sends the rest and its devices
        final = mem.take_dirty() + device
        duration = final / bandwidth
        mem.record(final=True)
        rows.append((i + 1, t, duration, final, 0.0, 0.0, throttle))
        t += duration
        total_sent += final
        downtime = duration + resume_s + announce_s
        total = t + resume_s + announce_s
        if converged:
            outcome: Outcome = "sdps" if throttle > 0 else "converged"
        else:
            outcome = "forced"
    else:
        downtime = 0.0
        total = t
        outcome = "aborted"

    reason = _explain(
        outcome=outcome,
        stop=stop or "rounds",
        n_rounds=len(rows),
        remaining_mib=remaining,
        threshold_mib=threshold,
        target_ms=target_ms,
        rate_mib_s=rate,
        ws_mib=ws,
        bandwidth_mib_s=bandwidth,
        bandwidth_gbit_s=bw_gbit,
        throttle_pct=max(row[6] for row in rows),
        downtime_s=downtime,
        max_rounds=int(max_rounds),
        min_dirty_pages=min_dirty_pages,
        max_transfer_factor=max_transfer_factor,
    )
    result = MigrationResult(
        converged=converged,
        outcome=outcome,
        reason=reason,
        n_rounds=len(rows),
        total_time_s=total,
        downtime_s=downtime,
        transferred_mib=total_sent,
        memory_mib=memory,
        working_set_mib=ws,
        dirty_rate_mib_s=rate,
        bandwidth_mib_s=bandwidth,
        switchover_target_ms=target_ms,
        switchover_threshold_mib=threshold,
        fixed_cost_s=device / bandwidth + resume_s + announce_s,
        model=model,
        pattern=pattern,
        on_no_convergence=on_no_convergence,
        memory_map=np.stack(mem.maps) if isinstance(mem, _PageMemory) else None,
        memory_map_pages_per_cell=mem.pages_per_cell if isinstance(mem, _PageMemory) else 1.0,
        resumed_at_s=t + resume_s if outcome != "aborted" else None,
        _table=tuple(rows),
    )
    return result


# ---------------------------------------------------------------------------------------
# Plain words
# ---------------------------------------------------------------------------------------


def _fmt_mib(mib: float) -> str:
    if mib >= 1024:
        return f"{mib / 1024:.1f} GiB"
    if mib >= 10:
        return f"{mib:.0f} MiB"
    if mib >= 0.1:
        return f"{mib:.1f} MiB"
    return f"{mib * KIB_PER_MIB:.0f} KiB"


def _fmt_s(seconds: float) -> str:
    return format_duration(seconds)


def _explain(
    *,
    outcome: Outcome,
    stop: str,
    n_rounds: int,
    remaining_mib: float,
    threshold_mib: float,
    target_ms: float,
    rate_mib_s: float,
    ws_mib: float,
    bandwidth_mib_s: float,
    bandwidth_gbit_s: float,
    throttle_pct: float,
    downtime_s: float,
    max_rounds: int,
    min_dirty_pages: int | None,
    max_transfer_factor: float | None,
) -> str:
    link = f"{bandwidth_gbit_s:g} Gbit/s link ({bandwidth_mib_s:.0f} MiB/s)"
    precopy_rounds = n_rounds - 1 if outcome != "aborted" else n_rounds
    if outcome in ("converged", "sdps"):
        if stop == "few_pages":
            why = (
                f"fewer than {min_dirty_pages} pages ({_fmt_mib(remaining_mib)}) were left "
                "dirty, so the rest is sent with the VM paused"
            )
        elif remaining_mib <= 0:
            why = "no memory was left dirty"
        else:
            why = (
                f"only {_fmt_mib(remaining_mib)} was left dirty, which the {link} sends "
                f"within the {target_ms:g} ms switchover target"
            )
        head = f"Pre-copy converged after {precopy_rounds} round(s): {why}."
        if outcome == "sdps":
            head = (
                f"The guest dirtied memory too fast for the link, so SDPS slowed its vCPUs "
                f"(held back up to {throttle_pct:.0f} % of the time). " + head
            )
        return head + f" The VM was paused for {_fmt_s(downtime_s)} while it moved."

    # did not converge
    if stop == "volume":
        cause = (
            f"more than {max_transfer_factor:g} × the VM's memory had already been sent "
            "(Xen's limit)"
        )
    else:
        cause = (
            f"the round limit was reached ({max_rounds} rounds, the last one kept for "
            "the stop-and-copy)"
        )
    effective = rate_mib_s * (1 - throttle_pct / 100)
    if effective >= bandwidth_mib_s * 0.5 and ws_mib > threshold_mib:
        because = (
            f"The guest rewrites its {_fmt_mib(ws_mib)} working set at "
            f"{effective:.0f} MiB/s, "
            + (
                f"faster than the {link} can send it"
                if effective >= bandwidth_mib_s
                else f"too close to what the {link} can send"
            )
            + ", so every round leaves about as much dirty memory as the last."
        )
    else:
        because = (
            "The dirty memory was shrinking, but too slowly to fit the switchover target in time."
        )
    head = (
        f"Pre-copy did not converge: {cause}, and {_fmt_mib(remaining_mib)} was still "
        f"dirty, more than the {_fmt_mib(threshold_mib)} the link sends within the "
        f"{target_ms:g} ms switchover target. {because}"
    )
    if throttle_pct > 0:
        head += f" SDPS slowed the guest (up to {throttle_pct:.0f} %), but not enough."
    if outcome == "aborted":
        return head + " The migration was abandoned: the VM keeps running on the source host."
    return head + f" The VM was switched over anyway and stayed paused for {_fmt_s(downtime_s)}."
