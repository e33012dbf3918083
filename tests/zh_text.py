"""Is a text that vmlab printed in Chinese really Chinese? The tests' one yardstick.

:func:`english_left` finds the English a translation forgot: two or more English words in a
row (``"primary on"``, ``"moves bring every host"``). Single words are allowed, because the
Chinese edition keeps product names and terms in Latin letters (vMotion, HA, FT, ESXi, SDPS,
APD …), and so are names with digits (``esx-03``, ``web-01``), units (``GiB``, ``ms``) and
code (anything between backticks, and Python calls such as ``sim.run(...)``).

    >>> english_left("esx-03 发生故障，5 台虚拟机 (VM) 同时停止")
    []
    >>> english_left("主虚拟机 primary on esx-01")
    ['primary on']
"""

from __future__ import annotations

import re

__all__ = ["english_left", "has_chinese"]

_CJK = re.compile(r"[\u4e00-\u9fff]")
_CODE = re.compile(r"`[^`]*`|\b[\w.]+\([^()]*\)|https?://\S+|\S+\.(?:ipynb|py|md|csv)\b")
# Two or more words of Latin letters in a row (a name with a digit or a hyphen is not a word).
_RUN = re.compile(r"(?<![\w-])[A-Za-z]{2,}(?:[ ]+[A-Za-z]{2,}(?![\w-]))+(?![\w-])")
# Terms the Chinese edition keeps in Latin letters, also when two stand side by side.
KEPT = {
    "vmotion", "ha", "ft", "drs", "evc", "esxi", "vsphere", "vcenter", "sdps", "apd",
    "pdl", "vmcp", "fdm", "qemu", "xen", "remus", "kvm", "vm", "vms", "cpu", "cpus", "vcpu",
    "vcpus", "ip", "mac", "rarp", "smp", "gib", "mib", "kib", "tib", "gbit", "mbit", "ms", "min",
    "ice", "lake", "skylake", "cascade", "intel", "amd", "epyc", "milan", "genoa", "rome",
    "xeon", "sapphire", "rapids",
    "emerald", "zen", "fault", "tolerance", "broadwell", "haswell", "numpy", "pandas", "simpy",
    "jupyter",
    "jupyterlab", "python", "binder", "seed", "until", "vmkernel", "nic", "ssd", "san", "nfs",
    "vsan", "vmfs", "iscsi", "fc", "io", "os", "tools", "vmware", "proactive",
}  # fmt: skip


def has_chinese(text: str) -> bool:
    """Does ``text`` hold at least one Chinese character?"""
    return bool(_CJK.search(text))


def english_left(text: str) -> list[str]:
    """Runs of two or more English words in ``text`` that are not kept terms."""
    found = []
    for run in _RUN.findall(_CODE.sub(" ", text)):
        words = run.split()
        if not all(w.lower() in KEPT for w in words):
            found.append(run)
    return found
