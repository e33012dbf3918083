"""CPU generations a host can have, and what vMotion and FT need of them."""

from __future__ import annotations

__all__ = ["CPU_MODELS"]

CPU_MODELS: dict[str, tuple[str, int, str]] = {
    # name: (vendor, generation within the vendor, what a person calls it)
    "intel-skylake": ("intel", 1, "Intel Skylake"),
    "intel-cascadelake": ("intel", 2, "Intel Cascade Lake"),
    "intel-icelake": ("intel", 3, "Intel Ice Lake"),
    "intel-sapphirerapids": ("intel", 4, "Intel Sapphire Rapids"),
    "intel-emeraldrapids": ("intel", 5, "Intel Emerald Rapids"),
    "amd-zen2": ("amd", 2, "AMD Zen 2"),
    "amd-zen3": ("amd", 3, "AMD Zen 3"),
    "amd-zen4": ("amd", 4, "AMD Zen 4"),
}
"""CPU generations a host can have. vMotion needs the same CPU features on both hosts;
a newer generation has every feature of an older one of the same vendor, never of the other
vendor (VMware documentation, "vMotion CPU compatibility"; EVC masks hosts down to a
common baseline)."""
