"""Pre-copy live migration: how vMotion moves a running VM's memory, round by round.

The model is a pure function, :func:`precopy`. It knows nothing about clusters or
simulated time; ``vmlab.vmotion`` calls it and places the result on the clock.

How pre-copy works (Clark et al., "Live Migration of Virtual Machines", NSDI 2005;
VMware, "vMotion Architecture, Performance and Best Practices in vSphere 5"):

1. **Round 0** copies all of the VM's memory while the VM keeps running. Pages that hold
   only zeros cost almost nothing to send (``zero_fraction``).
2. Meanwhile the guest keeps writing. Every page it writes is marked *dirty* and must be
   sent again; a page already dirty and still waiting to be sent is not counted twice.
   The guest writes inside its *writable working set* (Clark's term): a set of pages it
   rewrites again and again, so the dirty set can never grow beyond it. It writes at
   random (``'uniform'``), in a scan (``'sequential'``) or mostly in a hot part
   (``'hot'``).
3. **Switchover**: as soon as the memory still dirty can be sent within the switchover
   target at the link's speed (QEMU's rule), the VM is *stunned*: its vCPUs stop, the
   last dirty pages and the device state are sent, and the VM resumes on the target
   host, which announces the VM's MAC address to the physical switches.
4. When the guest dirties memory faster than the link can carry it, pre-copy cannot
   converge by itself. vSphere's answer, the default here, is SDPS (Stun During Page
   Send): it slows the guest's vCPUs until pre-copy converges. And vSphere fails any
   migration whose switchover would take longer than ``vmotion.maxSwitchoverSeconds``
   (100 s by default): the VM keeps running on the source (Broadcom KB 2141355).
   Other hypervisors' rules are kept as named comparisons: ``XEN_RULES`` (force the
   switchover after 30 rounds), ``QEMU_RULES`` (QEMU's re-sync rule, no throttle).

Outcomes (``MigrationResult.outcome``): ``'converged'``, ``'sdps'`` (converged because
SDPS slowed the guest), ``'forced'`` (switched over without converging: a long stun;
only when a policy other than vSphere's asks for it) and ``'aborted'`` (did not switch
over: the VM stays on the source, e.g. because the switchover would exceed
``max_switchover_s``).

Two ways of counting dirty pages give the same answer on average:
``model='expected'`` uses the expected number of distinct pages dirtied per round (a
closed form: fast, smooth curves), ``model='pages'`` tracks a real bitmap of 4 KiB
pages with a seeded random generator and also records a memory map per round.
``vmlab.reality`` sets both beside fourteen real QEMU migrations.

Every default that stands for a real product's behaviour names its source below; see
``reference/figures.md`` in the shared documents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from dataclasses import replace as dataclass_replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from vmlab import checks
from vmlab.checks import number_in, one_of, whole_in
from vmlab.i18n import N_, _
from vmlab.units import (
    KIB_PER_MIB,
    PAGE_KIB,
    format_duration,
    gbit_s_to_mib_s,
    gib_to_mib,
    mib_to_pages,
    pages_to_mib,
)
from vmlab.words import Reason

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ANNOUNCE_MS",
    "ANNOUNCE_SCHEDULE_MS",
    "DEVICE_STATE_MIB",
    "MAP_STATES",
    "MAX_ROUNDS",
    "MAX_SWITCHOVER_S",
    "MigrationResult",
    "OUTCOMES",
    "PrecopySettings",
    "QEMU_AUTO_CONVERGE",
    "QEMU_RULES",
    "QEMU_SETTINGS",
    "RESUME_MS",
    "ROUND_COLUMNS",
    "SWITCHOVER_TARGET_MS",
    "VSPHERE_SETTINGS",
    "XEN_RULES",
    "XEN_SETTINGS",
    "compare_policies",
    "precopy",
]

Pattern = Literal["uniform", "sequential", "hot"]
Resync = Literal["pass", "qemu"]
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
"""Xen's round limit (``XEN_RULES``): round 0, later pre-copy rounds and the final
stop-and-copy round together, ``DEF_MAX_ITERS 29`` live iterations then the final one
(``tools/libxc/xc_domain_save.c``). vSphere publishes no round limit, so the lab's
default has none (``PrecopySettings.max_rounds`` None).
"""

MAX_SWITCHOVER_S = 100.0
"""vSphere fails a migration whose switchover would take longer than this, and the VM
keeps running on the source: ``vmotion.maxSwitchoverSeconds``, default 100 s (Broadcom
KB 2141355, "The migration has exceeded the maximum switchover time of 100 second(s)";
figures.md row "vMotion switchover limit")."""

QEMU_RATE_WINDOW_S = 0.1
"""QEMU enforces ``max-bandwidth`` per 100 ms window (``BUFFER_DELAY`` in
``migration/migration.c``) and checks what is pending after each window's slice, so with
``resync='qemu'`` a pass is sent in slices of bandwidth × 100 ms. Read from the source (and
seen in the sample's ~100 ms mini-rounds); not in figures.md. The re-sync rule itself is
``ram_save_pending`` in QEMU 7.2's ``migration/ram.c``: the dirty bitmap is synced only when
the bytes still pending fall below the switchover threshold."""

HOT_FRACTION = 0.1
HOT_SHARE = 0.9
"""``pattern='hot'`` defaults: 90 % of the writes in the first 10 % of the working set,
as the guest of the QEMU sample writes (``vmlab/data/qemu_sample/README.md``). Not a
product figure."""

STALL_SYNCS = 5
STALL_S = 5.0
STALL_TOLERANCE = 0.01
"""With no round limit, pre-copy stops as hopeless when the dirty memory left has not
shrunk by 1 % for 5 re-syncs and 5 s, and SDPS (if on) cannot slow the guest further.
A modelling choice: QEMU would go on until cancelled; vSphere does not publish when it
gives up."""

SAFETY_ROUNDS = 100_000
"""The most rounds the model computes in any case."""

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


ROUND_COLUMNS = (
    "round",
    "start_s",
    "duration_s",
    "sent_mib",
    "dirtied_mib",
    "remaining_mib",
    "throttle_pct",
    "unsent_mib",
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
        ``'forced'`` (switched over without converging: a long stun; only with a
        non-vSphere policy) or ``'aborted'`` (did not switch over: the VM still runs on
        the source host, e.g. because the switchover would exceed
        ``max_switchover_s``).
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
    settings : PrecopySettings
        Every setting the migration was run with.
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
    settings: PrecopySettings | None = None
    _table: tuple[tuple[float, ...], ...] = field(default=(), repr=False)

    @cached_property
    def rounds(self) -> pd.DataFrame:
        """One row per copy round (built on first use).

        Columns: ``round`` (0 = the full copy), ``start_s``, ``duration_s``,
        ``sent_mib`` (what the round put on the wire), ``dirtied_mib`` (distinct memory
        the guest dirtied during the round), ``remaining_mib`` (dirty memory still to
        send when the round ends), ``throttle_pct`` (share of time SDPS held the guest's
        vCPUs back), ``unsent_mib`` (what the round's pass had not sent yet when the
        dirty bitmap was read again: 0 with ``resync='pass'``; ``remaining_mib`` =
        ``unsent_mib`` + ``dirtied_mib``). When the VM switched over, the last row is the
        stop-and-copy round: the VM is stopped, so it dirties nothing and leaves nothing
        behind.
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

    def remaining_curve(self) -> pd.DataFrame:
        """Memory still to send over time, as QEMU's ``remaining`` counts it (zero pages
        included): columns ``t_s`` and ``remaining_mib``, one point at each round's start,
        at each re-read of the dirty bitmap (before and after) and at the end.

        >>> precopy(1, 0, 0, 1).remaining_curve().round(2).values.tolist()[:2]
        [[0.0, 1024.0], [8.59, 0.0]]
        """
        import pandas as pd

        points = [(0.0, self.memory_mib)]
        rows = self._table
        last_pre = len(rows) - (1 if self.switched_over else 0)
        for k, row in enumerate(rows[:last_pre]):
            end = row[1] + row[2]
            points += [(end, row[7]), (end, row[5])]
            del k
        if self.switched_over:
            final = rows[-1]
            points.append((final[1] + final[2], 0.0))
        return pd.DataFrame(points, columns=["t_s", "remaining_mib"])

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
        verdict = _(_VERDICTS[self.outcome])
        if self.switched_over:
            rounds = _("Rounds: {n} (round 0 and the final stop-and-copy included)")
        else:
            rounds = _("Rounds: {n} (no stop-and-copy: aborted)")
        return "\n".join(
            [
                rounds.format(n=self.n_rounds),
                _("Total time: {time}").format(time=_fmt_s(self.total_time_s)),
                _("Downtime: {time}").format(time=_fmt_s(self.downtime_s)),
                _("Data sent: {sent} ({ratio:.2f} × memory)").format(
                    sent=_fmt_mib(self.transferred_mib),
                    ratio=self.transferred_mib / self.memory_mib,
                ),
                _("Result: {verdict}").format(verdict=verdict),
                self.reason,
            ]
        )


# ---------------------------------------------------------------------------------------
# Settings: one object for the choices a migration is run with
# ---------------------------------------------------------------------------------------

_VERDICTS = {
    # TRANSLATORS: the result of a pre-copy migration
    "converged": N_("converged"),
    "sdps": N_("converged with SDPS"),
    "forced": N_("did NOT converge: switched over anyway (a forced stun: not vSphere's rule)"),
    "aborted": N_("did NOT converge: aborted, the VM stays on the source"),
}

_PATTERNS = {
    "uniform": N_("random writes in the working set"),
    "sequential": N_("a scan through it"),
    "hot": N_("most writes in a hot part of it (hot_fraction, hot_share)"),
}
_POLICIES = {
    "sdps": N_("slow the guest down until it converges (vSphere's SDPS)"),
    "force": N_("switch over anyway when pre-copy stops (Xen's rule)"),
    "abort": N_("give up; the VM stays on the source"),
}
_MODELS = {"expected": N_("closed-form expected volumes"), "pages": N_("a bitmap of 4 KiB pages")}
_RESYNCS = {
    "pass": N_("re-read the dirty bitmap when a pass has sent everything (Clark's rounds)"),
    "qemu": N_("re-read it when what is left of the pass falls below the threshold (QEMU)"),
}


@dataclass(frozen=True)
class PrecopySettings:
    """How one pre-copy migration is run: the guest's write pattern, the switchover rule,
    what happens when it cannot converge, and the model's own choices.

    The defaults are vSphere's as far as VMware publishes them: SDPS slows a guest that
    cannot converge, there is no round limit, and a switchover that would take longer than
    ``vmotion.maxSwitchoverSeconds`` (100 s) fails the migration so the VM keeps running on
    the source (Broadcom KB 2141355; figures.md). VMware does not publish vMotion's
    switchover target or its round structure; the model takes QEMU's 300 ms
    ``downtime-limit`` and Clark's rounds for them (a simplification).

    Other hypervisors' rules are named comparisons: ``precopy(..., **XEN_RULES)``,
    ``precopy(..., **QEMU_RULES)`` or ``precopy(..., settings=QEMU_SETTINGS)``.

    Fields (each is also a keyword of :func:`precopy`)
    ---------------------------------------------------
    pattern : {'uniform', 'sequential', 'hot'}
        How the guest writes inside its working set (see :func:`precopy`).
    hot_fraction, hot_share : float
        ``pattern='hot'`` only: a share ``hot_share`` (0–1, default 0.9) of the writes
        falls uniformly in the first ``hot_fraction`` (0–1, default 0.1) of the working
        set, the rest uniformly over all of it (the sample's guest, ``vmlab.reality``).
    switchover_target_ms : float
        Switch over once the dirty memory left can be sent within this time; default
        300 ms (QEMU's ``downtime-limit``, see ``SWITCHOVER_TARGET_MS``).
    resync : {'pass', 'qemu'}
        When the dirty bitmap is read again. ``'pass'`` (default): when a pass has sent
        everything it had (Clark's rounds; VMware does not publish vMotion's rule).
        ``'qemu'``: as QEMU does (``ram_save_pending`` in ``migration/ram.c``), when what
        is left of the current pass falls below bandwidth × target; the pass is sent in
        100 ms slices of the rate limit (``BUFFER_DELAY``), so near the edge a migration
        makes many ~100 ms mini-rounds.
    on_no_convergence : {'sdps', 'force', 'abort'}
        ``'sdps'`` (default) throttles the guest by QEMU's auto-converge rule, the model's
        stand-in for SDPS (VMware publishes no SDPS numbers); ``'force'`` switches over
        when pre-copy stops; ``'abort'`` gives up and the VM stays on the source.
    max_rounds : int or None
        The most copy rounds (round 0 and the stop-and-copy included). None (default):
        no limit, as in vSphere and QEMU; pre-copy then stops only when it converges,
        runs out of ``max_precopy_s`` or (with neither limit) makes no more progress
        (the dirty memory left has not shrunk for ``STALL_SYNCS`` re-syncs and
        ``STALL_S`` seconds, with SDPS at its strongest).
        Xen: 30.
    max_switchover_s : float or None
        A switchover that would stun the VM longer than this fails the migration and
        the VM keeps running on the source; default 100 s, vSphere's
        ``vmotion.maxSwitchoverSeconds``. None: no limit (Xen, QEMU). The model fails it
        before the stun; ESX may have stunned the VM already when it gives up (a
        simplification).
    max_precopy_s : float or None
        Give up (then apply ``on_no_convergence``) once pre-copy has run this long; None
        (default): no limit. The QEMU sample cancelled runs after 40 s.
    model : {'expected', 'pages'}
        ``'expected'``: closed-form expected volumes (fast). ``'pages'``: a seeded bitmap
        of 4 KiB pages, with a memory map per round (VMs up to 256 GiB).
    zero_fraction : float
        Share of memory that holds only zeros (0 ≤ z < 1), sent as 9-byte markers.
    seed : int
        Seed of the random generator (``model='pages'`` only).
    device_state_mib, resume_ms, announce_ms : float
        Device state sent during the stun (1 MiB, an assumption), time to resume on the
        target (9 ms, Clark et al. 2005) and outage added by the network announcement
        (0 ms, QEMU ``net/announce.c``).
    min_dirty_pages : int or None
        Also switch over when fewer than this many pages are dirty after a round (Xen:
        50). None: not used.
    max_transfer_factor : float or None
        Stop pre-copy once more than this × memory has been sent (Xen: 3). None: not used.
    final_copy_gbit_s : float or None
        Bandwidth of the stop-and-copy, Gbit/s. None (default): the same link. QEMU does
        not rate-limit its stop-and-copy (``migration_completion``), so a QEMU run over a
        fast link stops for far less than the target.

    Examples
    --------
    >>> s = PrecopySettings(pattern="hot")
    >>> s.on_no_convergence, s.max_switchover_s, s.max_rounds
    ('sdps', 100.0, None)
    >>> precopy(8, 500, 1, 10, settings=s).outcome
    'converged'
    >>> s.replace(colour="red")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: precopy() has no setting 'colour'; its settings are pattern, ...final_copy_gbit_s.
    """

    pattern: Pattern = "uniform"
    hot_fraction: float = HOT_FRACTION
    hot_share: float = HOT_SHARE
    switchover_target_ms: float = SWITCHOVER_TARGET_MS
    resync: Resync = "pass"
    on_no_convergence: Policy = "sdps"
    max_rounds: int | None = None
    max_switchover_s: float | None = MAX_SWITCHOVER_S
    max_precopy_s: float | None = None
    model: Model = "expected"
    zero_fraction: float = 0.0
    seed: int = 0
    device_state_mib: float = DEVICE_STATE_MIB
    resume_ms: float = RESUME_MS
    announce_ms: float = ANNOUNCE_MS
    min_dirty_pages: int | None = None
    max_transfer_factor: float | None = None
    final_copy_gbit_s: float | None = None

    def replace(self, **changes: Any) -> PrecopySettings:
        """A copy with some settings changed (checked; unknown names are refused)."""
        known = [f.name for f in fields(self)]
        for name in changes:
            if name not in known:
                raise ValueError(
                    _("precopy() has no setting {name}; its settings are {names}.").format(
                        name=repr(name), names=", ".join(known)
                    )
                )
        return dataclass_replace(self, **changes).checked()

    def checked(self) -> PrecopySettings:
        """Itself, once every setting is checked (``ValueError`` naming the bad one)."""
        one_of(self.pattern, _PATTERNS, name="pattern")
        number_in(
            self.hot_fraction,
            N_("the hot part's share of the working set"),
            name="hot_fraction",
            low=0,
            low_ok=False,
            high=1,
        )
        number_in(
            self.hot_share,
            N_("the share of writes that land in the hot part"),
            name="hot_share",
            low=0,
            high=1,
        )
        number_in(
            self.switchover_target_ms,
            N_("the longest stun pre-copy aims for"),
            name="switchover_target_ms",
            low=0,
            unit="ms",
        )
        one_of(self.resync, _RESYNCS, name="resync")
        one_of(self.on_no_convergence, _POLICIES, name="on_no_convergence")
        if self.max_rounds is not None:
            whole_in(
                self.max_rounds,
                N_("round 0 plus at least the final stop-and-copy round; None for no limit"),
                name="max_rounds",
                low=2,
                high=SAFETY_ROUNDS,
            )
        if self.max_switchover_s is not None:
            number_in(
                self.max_switchover_s,
                N_("the longest switchover allowed; vSphere's default is 100 s"),
                name="max_switchover_s",
                low=0,
                low_ok=False,
                unit="s",
            )
        if self.max_precopy_s is not None:
            number_in(
                self.max_precopy_s,
                N_("give up after this much pre-copy"),
                name="max_precopy_s",
                low=0,
                low_ok=False,
                unit="s",
            )
        one_of(self.model, _MODELS, name="model")
        number_in(
            self.zero_fraction,
            N_("the share of memory holding only zeros, from 0 up to (not including) 1"),
            name="zero_fraction",
            low=0,
            high=1,
            high_ok=False,
        )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int | np.integer):
            raise ValueError(
                _("seed must be a whole number, e.g. 0; got {value}.").format(value=repr(self.seed))
            )
        checks.seed(self.seed)
        number_in(
            self.device_state_mib,
            N_("device state sent during the stun"),
            name="device_state_mib",
            low=0,
            unit="MiB",
        )
        number_in(self.resume_ms, N_("resume time"), name="resume_ms", low=0, unit="ms")
        number_in(
            self.announce_ms,
            N_("outage added by the network announcement"),
            name="announce_ms",
            low=0,
            unit="ms",
        )
        if self.min_dirty_pages is not None:
            whole_in(
                self.min_dirty_pages,
                N_("pages; Xen uses 50; None: not used"),
                name="min_dirty_pages",
                low=0,
                high=2**40,
            )
        if self.max_transfer_factor is not None:
            number_in(
                self.max_transfer_factor,
                N_("stop once this many times the memory has been sent; Xen uses 3"),
                name="max_transfer_factor",
                low=1,
                unit=N_("× memory"),
            )
        if self.final_copy_gbit_s is not None:
            number_in(
                self.final_copy_gbit_s,
                N_("the stop-and-copy's bandwidth; None: the link's"),
                name="final_copy_gbit_s",
                low=0,
                low_ok=False,
                unit="Gbit/s",
            )
        return self


VSPHERE_SETTINGS = PrecopySettings()
"""The lab's default: vSphere's published behaviour (SDPS, no round limit, the 100 s
switchover limit) with QEMU's 300 ms target and Clark's rounds where VMware publishes
nothing."""

XEN_RULES: dict[str, Any] = {
    "switchover_target_ms": 0.0,
    "max_rounds": MAX_ROUNDS,
    "min_dirty_pages": 50,
    "max_transfer_factor": 3.0,
    "on_no_convergence": "force",
    "max_switchover_s": None,
}
"""Xen 3.x's stop rules (``xc_domain_save.c``: DEF_MAX_ITERS 29, DEF_MAX_FACTOR 3): stop
when fewer than 50 pages were dirtied in a round, after 30 rounds, or once 3 × RAM has
been sent; then always do the final stop-and-copy, however long. A comparison, not
vSphere: use as ``precopy(..., **XEN_RULES)``."""

QEMU_RULES: dict[str, Any] = {
    "switchover_target_ms": 300.0,
    "resync": "qemu",
    "on_no_convergence": "abort",
    "max_switchover_s": None,
}
"""QEMU's defaults (``migration/options.c``, ``migration/ram.c``): switch over when the
pending dirty bytes fit in ``downtime-limit`` (300 ms) at the bandwidth, re-read the dirty
bitmap when what is left of a pass falls below that threshold, no auto-converge, no round
limit and no switchover limit. QEMU never gives up by itself (an operator cancels); the
model stops when pre-copy makes no more progress, or at ``max_precopy_s``."""

QEMU_AUTO_CONVERGE: dict[str, Any] = {**QEMU_RULES, "on_no_convergence": "sdps"}
"""QEMU with ``auto-converge`` on: the throttle steps of ``THROTTLE_*``."""

QEMU_SETTINGS = PrecopySettings(**QEMU_RULES)
XEN_SETTINGS = PrecopySettings(**XEN_RULES)


# ---------------------------------------------------------------------------------------
# Memory: which pages the guest dirties and which are still to send (two models)
# ---------------------------------------------------------------------------------------
#
# How many distinct pages the guest dirties, and why pending pages are not dirtied again:
# the derivation is in precopy()'s docstring (Notes); _regions gives its N and q per region.

_ZERO_WIRE = ZERO_PAGE_BYTES / (PAGE_KIB * _BYTES_PER_KIB)


def _regions(
    memory_mib: float, ws_mib: float, settings: PrecopySettings
) -> tuple[list[float], list[float]]:
    """Region sizes (MiB: outside the working set, then its parts) and the chance per MiB
    written that a page of each is hit (the q of the derivation, per MiB)."""
    ws = ws_mib
    if settings.pattern == "hot" and ws > 0:
        h, s = settings.hot_fraction, settings.hot_share
        return [memory_mib - ws, h * ws, (1 - h) * ws], [0.0, (s / h + 1 - s) / ws, (1 - s) / ws]
    return [memory_mib - ws, ws], [0.0, 1.0 / ws if ws > 0 else 0.0]


class _ExpectedMemory:
    """Expected volumes: what is pending, as a queue of batches (oldest sent first), each
    split by region."""

    def __init__(self, memory_mib: float, ws_mib: float, settings: PrecopySettings) -> None:
        self.sizes, self.hazards = _regions(memory_mib, ws_mib, settings)
        self.ws = ws_mib
        self.sequential = settings.pattern == "sequential"
        wire0 = 1 - settings.zero_fraction + settings.zero_fraction * _ZERO_WIRE
        self.batches: list[tuple[list[float], float]] = [(list(self.sizes), wire0)]

    def pending(self) -> float:
        return sum(sum(parts) for parts, _unused in self.batches)

    def pending_wire(self) -> float:
        return sum(sum(parts) * wire for parts, wire in self.batches)

    def send(self, mib: float) -> float:
        """Send ``mib`` of pending memory, oldest first; return the MiB put on the wire."""
        wire_sent = 0.0
        while mib > 1e-12 and self.batches:
            parts, wire = self.batches[0]
            size = sum(parts)
            if size <= mib:
                self.batches.pop(0)
                mib -= size
                wire_sent += size * wire
            else:
                keep = 1 - mib / size
                self.batches[0] = ([p * keep for p in parts], wire)
                wire_sent += mib * wire
                mib = 0.0
        return wire_sent

    def send_all(self) -> float:
        wire = self.pending_wire()
        self.batches = []
        return wire

    def sync(self, written_mib: float) -> float:
        """Re-read the bitmap after ``written_mib`` of writes; return the new dirty MiB."""
        pending = [sum(parts[i] for parts, _unused in self.batches) for i in range(len(self.sizes))]
        if written_mib <= 0 or self.ws <= 0:
            return 0.0
        if self.sequential:
            new = [0.0, min(written_mib, self.ws) * max(0.0, 1 - pending[1] / self.ws)]
        else:
            new = [
                max(0.0, size - p) * -math.expm1(-written_mib * q)
                for size, p, q in zip(self.sizes, pending, self.hazards, strict=True)
            ]
        total = sum(new)
        if total > 0:
            self.batches.append((new, 1.0))
        return total

    def record(self, final: bool = False) -> None:
        pass


_BLOCK_PAGES = 1 << 20


class _PageMemory:
    """A bitmap of 4 KiB pages: what is pending, sent in address order from where the last
    pass stopped (as QEMU does), dirtied by seeded random (or sequential) writes."""

    def __init__(self, memory_mib: float, ws_mib: float, settings: PrecopySettings) -> None:
        self.rng = np.random.default_rng(int(settings.seed))
        self.n_pages = n = max(1, mib_to_pages(memory_mib))
        self.ws_pages = min(mib_to_pages(ws_mib), n)
        self.pattern = settings.pattern
        self.hot_share = settings.hot_share
        self.hot_pages = (
            max(1, round(settings.hot_fraction * self.ws_pages)) if self.ws_pages else 0
        )
        self.scan_at = 0
        self.pointer = 0
        self.ws_offset = int(self.rng.integers(0, n - self.ws_pages + 1))
        self.pending_map = np.ones(n, dtype=bool)
        self.n_pending = n
        z = settings.zero_fraction
        self.zero: np.ndarray | None = None
        self.n_pending_zero = 0
        if z > 0:
            draws = self.rng.integers(0, _UNIFORM16, n, dtype=np.uint16)
            self.zero = draws < round(z * _UNIFORM16)
            self.n_pending_zero = int(np.count_nonzero(self.zero))
        n_cells = min(n, MAP_CELLS)
        self.sample = (np.arange(n_cells, dtype=np.int64) * n) // n_cells
        self.pages_per_cell = n / n_cells
        self.cells_before = np.ones(n_cells, dtype=bool)
        self.cells_after_send = np.ones(n_cells, dtype=bool)
        self.maps: list[np.ndarray] = []

    def pending(self) -> float:
        return pages_to_mib(self.n_pending)

    def pending_wire(self) -> float:
        zero = self.n_pending_zero
        return pages_to_mib(self.n_pending - zero + zero * _ZERO_WIRE)

    def send(self, mib: float) -> float:
        self.cells_before = self.pending_map[self.sample]
        k = min(self.n_pending, round(mib * KIB_PER_MIB / PAGE_KIB))
        sent = zero_sent = 0
        ptr, n = self.pointer, self.n_pages
        while sent < k:
            end = min(ptr + _BLOCK_PAGES, n)
            block = self.pending_map[ptr:end]
            count = int(np.count_nonzero(block))
            if sent + count <= k:
                if self.zero is not None:
                    zero_sent += int(np.count_nonzero(block & self.zero[ptr:end]))
                block[:] = False
                sent += count
                ptr = 0 if end == n else end
            else:
                idx = np.flatnonzero(block)[: k - sent]
                if self.zero is not None:
                    zero_sent += int(np.count_nonzero(self.zero[ptr + idx]))
                block[idx] = False
                sent = k
                ptr = (ptr + int(idx[-1]) + 1) % n
        self.pointer = ptr
        self.n_pending -= k
        self.n_pending_zero -= zero_sent
        self.cells_after_send = self.pending_map[self.sample]
        return pages_to_mib(k - zero_sent + zero_sent * _ZERO_WIRE)

    def send_all(self) -> float:
        self.cells_before = self.pending_map[self.sample]
        wire = self.pending_wire()
        self.pending_map[:] = False
        self.n_pending = self.n_pending_zero = 0
        self.cells_after_send = self.pending_map[self.sample]
        return wire

    def _written(self, n: int) -> np.ndarray:
        """Which working-set pages ``n`` page writes touch."""
        ws, rng = self.ws_pages, self.rng
        out = np.zeros(ws, dtype=bool)
        if ws == 0 or n == 0:
            return out
        if self.pattern == "sequential":
            if n >= ws:
                out[:] = True
            else:
                end = self.scan_at + n
                out[self.scan_at : min(end, ws)] = True
                if end > ws:
                    out[: end - ws] = True
            self.scan_at = (self.scan_at + n) % ws
            return out
        hot = self.pattern == "hot"
        if n < ws * _SAMPLE_DENSE_FRACTION:  # few writes: draw each one
            n_hot = int(rng.binomial(n, self.hot_share)) if hot else 0
            out[rng.integers(0, self.hot_pages, n_hot)] = True
            out[rng.integers(0, ws, n - n_hot)] = True
            return out
        if hot:
            s = self.hot_share
            parts = [
                (0, self.hot_pages, s / self.hot_pages + (1 - s) / ws),
                (self.hot_pages, ws, (1 - s) / ws),
            ]
        else:
            parts = [(0, ws, 1.0 / ws)]
        for start, stop, q in parts:
            size = stop - start
            if size <= 0:
                continue
            p_clean = math.exp(n * math.log1p(-q)) if q < 1 else 0.0
            region = out[start:stop]
            if p_clean < _SAMPLE_DENSE_FRACTION:
                region[:] = True  # nearly all written: draw the few pages that escaped
                region[rng.integers(0, size, int(rng.binomial(size, p_clean)))] = False
            else:
                draws = rng.integers(0, _UNIFORM16, size, dtype=np.uint16)
                np.less(draws, round((1.0 - p_clean) * _UNIFORM16), out=region)
        return out

    def sync(self, written_mib: float) -> float:
        writes = written_mib * KIB_PER_MIB / PAGE_KIB
        n = int(writes)
        if self.rng.random() < writes - n:  # stochastic rounding keeps the mean exact
            n += 1
        written = self._written(n)
        lo, hi = self.ws_offset, self.ws_offset + self.ws_pages
        pending_ws = self.pending_map[lo:hi]
        if self.zero is not None:
            zero_ws = self.zero[lo:hi]
            self.n_pending_zero -= int(np.count_nonzero(written & pending_ws & zero_ws))
            zero_ws[written] = False  # a written page holds data now
        new = int(np.count_nonzero(written & ~pending_ws))
        pending_ws |= written
        self.n_pending += new
        return pages_to_mib(new)

    def record(self, final: bool = False) -> None:
        codes = np.zeros(len(self.sample), dtype=np.uint8)
        codes[self.cells_before & ~self.cells_after_send] = 1
        if not final:
            codes[self.pending_map[self.sample]] = 2
        self.maps.append(codes)


# ---------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------


def precopy(
    memory_gib: float,
    dirty_rate_mib_s: float,
    working_set_gib: float,
    bandwidth_gbit_s: float,
    *,
    settings: PrecopySettings | None = None,
    **overrides: Any,
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
    settings : PrecopySettings, optional
        How to run it (default ``VSPHERE_SETTINGS``). Every field of
        :class:`PrecopySettings` can also be passed as a keyword and overrides it:
        ``pattern`` ('uniform', 'sequential' or 'hot' with ``hot_fraction`` and
        ``hot_share``), ``switchover_target_ms`` (300), ``resync`` ('pass' or 'qemu'),
        ``on_no_convergence`` ('sdps', 'force', 'abort'), ``max_rounds`` (None),
        ``max_switchover_s`` (100), ``max_precopy_s``, ``model`` ('expected' or
        'pages'), ``zero_fraction``, ``seed``, ``device_state_mib``, ``resume_ms``,
        ``announce_ms``, ``min_dirty_pages``, ``max_transfer_factor``,
        ``final_copy_gbit_s``. See :class:`PrecopySettings` for each one's source.

    The patterns: ``'uniform'`` writes random pages of the working set, ``'sequential'``
    scans it, ``'hot'`` puts a share ``hot_share`` of the writes in the first
    ``hot_fraction`` of it (see Notes for how many distinct pages each dirties).

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
        unknown setting, pattern, policy or model; the message names the argument and
        its range.

    Notes
    -----
    **Distinct pages dirtied between two reads of the dirty bitmap.** In that time the
    guest makes n = 256 · x page writes (x MiB written; 4 KiB pages). A write hits a given
    page with probability q, so the page escapes all n writes with probability
    (1 − q)^n ≈ exp(−n q), and a region of N pages gets N (1 − exp(−n q)) distinct pages
    written. With W the working set and x in MiB:

    * uniform, q = 1/W over one region: ``D(x) = W (1 - exp(-x / W))``;
    * hot/cold, a share s of the writes uniform in the first h·W, the rest uniform over
      all W: a hot page is hit with q = s/(hW) + (1 − s)/W, a cold one with (1 − s)/W, so
      ``D(x) = hW (1 - exp(-x (s/(hW) + (1-s)/W))) + (1-h)W (1 - exp(-x (1-s)/W))``; the hot
      part saturates first, and s = 0 (or h = 1) gives the uniform formula;
    * sequential, a scan: ``D(x) = min(x, W)``.

    **What is still pending is not dirtied again.** A page that is dirty and not yet sent
    stays one page to send however often it is rewritten (QEMU ORs the new bits into its
    bitmap). Writes fall independently of which pages are pending, so a region with P of
    its N pages pending adds (N − P)(1 − exp(−n q)) new pages (the scan: min(x, W)(1 − P/W)).
    With ``resync='pass'`` nothing is pending at a re-read and this is D(x) itself; with
    ``resync='qemu'`` the unsent tail of the pass is pending. The expected model keeps the
    pending memory as a queue of batches, split by region, sent oldest first; the pages
    model keeps a real bitmap and sends in address order from where the last pass stopped,
    as QEMU does.

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

    The same VM rewriting 6 GiB at 2 GiB/s over 1 Gbit/s cannot converge by itself;
    vSphere's SDPS slows it until it does. Forced without SDPS (Xen's rule), it stops
    for most of a minute:

    >>> precopy(8, 2048, 6, 1).outcome
    'sdps'
    >>> r = precopy(8, 2048, 6, 1, **XEN_RULES)
    >>> r.outcome, round(r.downtime_s)
    ('forced', 52)
    """
    memory = gib_to_mib(
        number_in(
            memory_gib, N_("the VM's memory"), name="memory_gib", low=0, low_ok=False, unit="GiB"
        )
    )
    rate = number_in(
        dirty_rate_mib_s,
        N_("how fast the guest writes memory; 0 means idle"),
        name="dirty_rate_mib_s",
        low=0,
        unit="MiB/s",
    )
    ws_gib = number_in(
        working_set_gib,
        N_("the memory the guest keeps rewriting"),
        name="working_set_gib",
        low=0,
        unit="GiB",
    )
    if ws_gib > float(memory_gib):
        raise ValueError(
            _("working_set_gib ({ws} GiB) cannot be larger than memory_gib ({memory} GiB): the "
              "guest can only rewrite memory it has. Choose a working set between 0 and "
              "{memory} GiB.").format(ws=f"{ws_gib:g}", memory=f"{float(memory_gib):g}")
        )  # fmt: skip
    ws = gib_to_mib(ws_gib)
    bw_gbit = number_in(
        bandwidth_gbit_s,
        N_("the vMotion link's speed, e.g. 1, 10 or 25"),
        name="bandwidth_gbit_s",
        low=0,
        low_ok=False,
        unit="Gbit/s",
    )
    if settings is None:
        settings = VSPHERE_SETTINGS
    elif not isinstance(settings, PrecopySettings):
        raise ValueError(
            _("settings must be a PrecopySettings (e.g. QEMU_SETTINGS) or None; got {value}.")
            .format(value=repr(settings))
        )  # fmt: skip
    s = settings.replace(**overrides) if overrides else settings.checked()
    if s.model == "pages" and float(memory_gib) > PAGES_MODEL_MAX_GIB:
        raise ValueError(
            _("memory_gib must be at most {limit} GiB with model='pages' (its page bitmap gets "
              "too big); got {value}. Use model='expected' for bigger VMs.")
            .format(limit=f"{PAGES_MODEL_MAX_GIB:g}", value=f"{float(memory_gib):g}")
        )  # fmt: skip
    return _run(memory, rate, ws, bw_gbit, s)


def _run(
    memory: float, rate: float, ws: float, bw_gbit: float, s: PrecopySettings
) -> MigrationResult:
    bandwidth = gbit_s_to_mib_s(bw_gbit)
    final_bandwidth = gbit_s_to_mib_s(s.final_copy_gbit_s) if s.final_copy_gbit_s else bandwidth
    mem: _ExpectedMemory | _PageMemory
    mem = _PageMemory(memory, ws, s) if s.model == "pages" else _ExpectedMemory(memory, ws, s)
    target_ms = float(s.switchover_target_ms)
    threshold = bandwidth * target_ms / 1000
    chunk_wire = bandwidth * QEMU_RATE_WINDOW_S
    qemu = s.resync == "qemu"
    min_dirty_mib = pages_to_mib(s.min_dirty_pages) if s.min_dirty_pages is not None else None
    max_sent_mib = memory * s.max_transfer_factor if s.max_transfer_factor is not None else None
    sdps = s.on_no_convergence == "sdps"
    round_cap = s.max_rounds if s.max_rounds is not None else SAFETY_ROUNDS
    resume_s, announce_s = s.resume_ms / 1000, s.announce_ms / 1000
    device = s.device_state_mib

    rows: list[tuple[float, ...]] = []
    t = total_sent = throttle = 0.0
    high_count = 0
    period_s = period_sent = period_dirtied = 0.0
    best, best_t, since_best = math.inf, 0.0, 0
    stop: str | None = None
    i = 0
    while True:
        pending = mem.pending()
        if qemu and pending > threshold:
            # QEMU sends the pass in rate-limit slices and re-reads the bitmap at the
            # first check that finds less than the threshold left
            per_chunk = chunk_wire * pending / max(mem.pending_wire(), 1e-12)
            slices = math.floor((pending - threshold) / per_chunk) + 1
            to_send = min(pending, slices * per_chunk)
            sent = mem.send(to_send) if to_send < pending else mem.send_all()
        else:
            sent = mem.send_all()
        unsent = mem.pending()
        duration = sent / bandwidth
        written = rate * (1.0 - throttle / 100.0) * duration
        dirtied = mem.sync(written)
        remaining = mem.pending()
        mem.record()
        rows.append((i, t, duration, sent, dirtied, remaining, throttle, unsent))
        t += duration
        total_sent += sent
        if remaining < threshold or remaining <= 0 or (not qemu and remaining <= threshold):
            stop = "target"
        elif min_dirty_mib is not None and remaining < min_dirty_mib:
            stop = "few_pages"
        elif s.max_precopy_s is not None and t >= s.max_precopy_s:
            stop = "time"
        elif max_sent_mib is not None and total_sent > max_sent_mib:
            stop = "volume"
        elif i + 2 >= round_cap:
            stop = "rounds"
        if stop is not None:
            break
        if remaining < best * (1 - STALL_TOLERANCE):
            best, best_t, since_best = remaining, t, 0
        else:
            since_best += 1
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
                        since_best, best_t = 0, t  # a stronger throttle: watch again
                period_s = period_sent = period_dirtied = 0.0
        exhausted = not sdps or throttle >= THROTTLE_MAX_PCT
        if (
            s.max_rounds is None
            and s.max_precopy_s is None
            and exhausted
            and since_best >= STALL_SYNCS
            and t - best_t >= STALL_S
        ):
            stop = "stalled"
            break
        i += 1

    converged = stop in ("target", "few_pages")
    downtime = 0.0
    total = t
    outcome: Outcome = "aborted"
    final_wire = mem.pending_wire() + device
    final_duration = final_wire / final_bandwidth
    would_stun = final_duration + resume_s + announce_s
    too_long = s.max_switchover_s is not None and would_stun > s.max_switchover_s
    if (converged or s.on_no_convergence != "abort") and not too_long:
        # the stop-and-copy round: the VM is stunned, sends the rest and its devices
        mem.send_all()
        mem.record(final=True)
        rows.append((i + 1, t, final_duration, final_wire, 0.0, 0.0, throttle, 0.0))
        t += final_duration
        total_sent += final_wire
        downtime = would_stun
        total = t + resume_s + announce_s
        outcome = ("sdps" if throttle > 0 else "converged") if converged else "forced"
    elif too_long and (converged or s.on_no_convergence != "abort"):
        stop = "switchover"
        converged = False

    reason = _explain(
        outcome=outcome,
        stop=stop or "rounds",
        n_rounds=len(rows),
        remaining_mib=rows[-1][5] if outcome == "aborted" else rows[-2][5],
        threshold_mib=threshold,
        target_ms=target_ms,
        rate_mib_s=rate,
        ws_mib=ws,
        bandwidth_mib_s=bandwidth,
        bandwidth_gbit_s=bw_gbit,
        throttle_pct=max(row[6] for row in rows),
        downtime_s=downtime,
        would_stun_s=would_stun,
        settings=s,
    )
    return MigrationResult(
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
        fixed_cost_s=device / final_bandwidth + resume_s + announce_s,
        model=s.model,
        pattern=s.pattern,
        on_no_convergence=s.on_no_convergence,
        memory_map=np.stack(mem.maps) if isinstance(mem, _PageMemory) else None,
        memory_map_pages_per_cell=mem.pages_per_cell if isinstance(mem, _PageMemory) else 1.0,
        resumed_at_s=t + resume_s if outcome != "aborted" else None,
        settings=s,
        _table=tuple(rows),
    )


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


def _then(first: str, second: str) -> str:
    """Two sentences, one after the other."""
    # TRANSLATORS: two sentences one after the other (Chinese needs no space between them)
    return _("{first} {second}").format(first=first, second=second)


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
    would_stun_s: float,
    settings: PrecopySettings,
) -> str:
    link = _("{gbit} Gbit/s link ({mib} MiB/s)").format(
        gbit=f"{bandwidth_gbit_s:g}", mib=f"{bandwidth_mib_s:.0f}"
    )
    precopy_rounds = n_rounds - 1 if outcome != "aborted" else n_rounds
    faster = rate_mib_s >= bandwidth_mib_s
    said = {
        "rounds": precopy_rounds, "left": _fmt_mib(remaining_mib), "link": link,
        "target": f"{target_ms:g}", "rate": f"{rate_mib_s:.0f}",
        "throttle": f"{throttle_pct:.0f} %",  # with its "%": see ha_settings.HAConfig.admit
        "downtime": _fmt_s(downtime_s), "threshold": _fmt_mib(threshold_mib),
    }  # fmt: skip
    if outcome in ("converged", "sdps"):
        if stop == "few_pages":
            head = _(
                "Pre-copy converged after {rounds} round(s): fewer than {pages} pages "
                "({left}) were left dirty, so the rest is sent with the VM paused."
            )
        elif remaining_mib <= 0:
            head = _("Pre-copy converged after {rounds} round(s): no memory was left dirty.")
        else:
            head = _(
                "Pre-copy converged after {rounds} round(s): only {left} was left dirty, "
                "which the {link} sends within the {target} ms switchover target."
            )
        head = head.format(pages=settings.min_dirty_pages, **said)
        if outcome == "sdps":
            if faster:
                pace = _(
                    "The guest writes {rate} MiB/s, faster than the {link} sends; SDPS "
                    "slowed its vCPUs (held back up to {throttle} of the time)."
                )
            else:
                pace = _(
                    "The guest dirtied more than half as much memory as each round sent, "
                    "so pre-copy was catching up too slowly; SDPS slowed its vCPUs (held "
                    "back up to {throttle} of the time)."
                )
            head = _then(pace.format(**said), head)
        paused = _("The VM was paused for {downtime} while it moved.").format(**said)
        return _then(head, paused)

    if stop == "switchover":
        limit = settings.max_switchover_s or 0.0
        return _(
            "Pre-copy could not bring the dirty memory down to the switchover target, and the "
            "switchover would have stunned the VM for {stun}, more than vSphere's limit of "
            "{limit} s (vmotion.maxSwitchoverSeconds): the migration failed and the VM keeps "
            "running on the source host."
        ).format(stun=_fmt_s(would_stun_s), limit=f"{limit:g}")
    if stop == "volume":
        cause = _("more than {factor} × the VM's memory had already been sent (Xen's limit)")
    elif stop == "time":
        cause = _("it had run for {time} s, the time allowed")
    elif stop == "stalled" and throttle_pct > 0:
        cause = _("the dirty memory left had stopped shrinking even with SDPS at its strongest")
    elif stop == "stalled":
        cause = _("the dirty memory left had stopped shrinking")
    else:
        cause = _("the round limit was reached ({n} rounds, the last one kept for the "
                  "stop-and-copy)")  # fmt: skip
    cause = cause.format(
        factor=f"{settings.max_transfer_factor or 0:g}", time=f"{settings.max_precopy_s or 0:g}",
        n=settings.max_rounds or SAFETY_ROUNDS,
    )  # fmt: skip
    effective = rate_mib_s * (1 - throttle_pct / 100)
    if effective >= bandwidth_mib_s * 0.5 and ws_mib > threshold_mib:
        if effective >= bandwidth_mib_s:
            because = _("The guest rewrites its {ws} working set at {rate} MiB/s, faster than "
                        "the {link} can send it, so every round leaves about as much dirty "
                        "memory as the last.")  # fmt: skip
        else:
            because = _("The guest rewrites its {ws} working set at {rate} MiB/s, too close to "
                        "what the {link} can send, so every round leaves about as much dirty "
                        "memory as the last.")  # fmt: skip
        because = because.format(ws=_fmt_mib(ws_mib), rate=f"{effective:.0f}", link=link)
    else:
        because = _(
            "The dirty memory was shrinking, but too slowly to fit the switchover target in time."
        )
    head = _("Pre-copy did not converge: {cause}, and {left} was still dirty, more than the "
             "{threshold} the link sends within the {target} ms switchover target.").format(
        cause=cause, **said)  # fmt: skip
    head = _then(head, because)
    if throttle_pct > 0:
        head = _then(
            head, _("SDPS slowed the guest (up to {throttle}), but not enough.").format(**said)
        )
    if outcome == "aborted":
        return _then(
            head, _("The migration was abandoned: the VM keeps running on the source host.")
        )
    return _then(
        head,
        _("The VM was switched over anyway and stayed paused for {downtime} (a forced "
          "switchover: Xen's rule, not vSphere's).").format(**said),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# Policies side by side (lesson 01)
# ---------------------------------------------------------------------------------------

POLICY_COMPARISON: dict[str, dict[str, Any]] = {
    N_("vSphere: SDPS (default)"): {},
    N_("pre-copy alone (no SDPS)"): {"on_no_convergence": "abort"},
    N_("Xen: force (30 rounds or 3 × RAM sent)"): XEN_RULES,
}
"""The policies :func:`compare_policies` sets side by side: vSphere's default, pre-copy
with nothing to help it, and Xen's rule (a comparison, not vSphere). The keys label the rows
of the table; each label equals the key and prints in the current language."""


def compare_policies(
    memory_gib: float, dirty_rate_mib_s: float, working_set_gib: float, bandwidth_gbit_s: float
) -> pd.DataFrame:
    """One migration under each policy of ``POLICY_COMPARISON``: one row per policy with
    ``outcome``, ``total time (s)``, ``downtime (s)``, ``rounds`` and ``max throttle (%)``.

    >>> compare_policies(8, 2048, 6, 1)["outcome"].tolist()
    ['sdps', 'aborted', 'forced']
    """
    import pandas as pd

    rows = {}
    for name, rules in POLICY_COMPARISON.items():
        r = precopy(memory_gib, dirty_rate_mib_s, working_set_gib, bandwidth_gbit_s, **rules)
        rows[Reason(name)] = {  # equals the English label, prints in the current language
            "outcome": r.outcome,
            "total time (s)": round(r.total_time_s, 1),
            "downtime (s)": round(r.downtime_s, 3),
            "rounds": r.n_rounds,
            "max throttle (%)": r.max_throttle_pct,
        }
    return pd.DataFrame(rows).T
