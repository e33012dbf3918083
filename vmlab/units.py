"""Unit conversions: the one place where GiB, MiB, Gbit/s and pages meet.

vmlab keeps units in names (``memory_gib``, ``dirty_rate_mib_s``, ``bandwidth_gbit_s``)
and converts only here. Memory is binary (1 GiB = 1024 MiB, a page is 4 KiB, as on x86);
link speeds are decimal, as network vendors quote them (1 Gbit/s = 10**9 bit/s).

>>> gib_to_mib(2)
2048.0
>>> round(gbit_s_to_mib_s(10), 1)
1192.1
>>> mib_to_pages(1)
256

Each function takes a real, finite number of 0 or more (numpy scalars too) and refuses
anything else with a ``ValueError`` (see :mod:`vmlab.checks`): ``gib_to_mib("2")`` is a
quoting slip, not 2 GiB.
"""

from __future__ import annotations

from vmlab.checks import non_negative

PAGE_KIB = 4
"""x86 base page size used by ESXi, Xen and KVM for guest memory tracking."""

MIB_PER_GIB = 1024
KIB_PER_MIB = 1024
PAGES_PER_MIB = KIB_PER_MIB // PAGE_KIB
BYTES_PER_MIB = 1024 * 1024


def gib_to_mib(gib: float) -> float:
    """GiB → MiB."""
    return non_negative(gib, "gib", unit="GiB") * MIB_PER_GIB


def mib_to_gib(mib: float) -> float:
    """MiB → GiB."""
    return non_negative(mib, "mib", unit="MiB") / MIB_PER_GIB


def gbit_s_to_mib_s(gbit_s: float) -> float:
    """A link's decimal Gbit/s → binary MiB/s of payload (1 Gbit/s ≈ 119.2 MiB/s)."""
    return non_negative(gbit_s, "gbit_s", unit="Gbit/s") * 1e9 / 8 / BYTES_PER_MIB


def mib_s_to_gbit_s(mib_s: float) -> float:
    """MiB/s → decimal Gbit/s."""
    return non_negative(mib_s, "mib_s", unit="MiB/s") * BYTES_PER_MIB * 8 / 1e9


def mbit_s_to_mib_s(mbit_s: float) -> float:
    """Decimal Mbit/s → MiB/s."""
    return non_negative(mbit_s, "mbit_s", unit="Mbit/s") * 1e6 / 8 / BYTES_PER_MIB


def mib_to_pages(mib: float) -> int:
    """MiB → whole 4 KiB pages (rounded)."""
    return int(round(non_negative(mib, "mib", unit="MiB", high=1e12) * PAGES_PER_MIB))


def pages_to_mib(pages: float) -> float:
    """4 KiB pages → MiB."""
    return non_negative(pages, "pages") / PAGES_PER_MIB


def format_duration(seconds: float) -> str:
    """A duration the way a person says it: ``'210 ms'``, ``'4.2 s'``, ``'3 min 20 s'``…

    >>> format_duration(0.21), format_duration(4.25), format_duration(200), format_duration(7500)
    ('210 ms', '4.2 s', '3 min 20 s', '2 h 05 min')
    """
    s = non_negative(seconds, "seconds", unit="s")
    if s < 1:
        return f"{s * 1000:.0f} ms"
    if s < 60:
        return f"{s:.1f} s"
    if s < 3600:
        m, r = divmod(round(s), 60)
        return f"{m} min {r:02d} s" if r else f"{m} min"
    h, r = divmod(round(s), 3600)
    return f"{h} h {r // 60:02d} min"


def format_clock(t_s: float) -> str:
    """Simulated time as a clock, ``mm:ss`` (or ``h:mm:ss`` past an hour).

    >>> format_clock(75), format_clock(3725)
    ('01:15', '1:02:05')
    """
    t = int(round(non_negative(t_s, "t_s", unit="s")))
    h, rem = divmod(t, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
