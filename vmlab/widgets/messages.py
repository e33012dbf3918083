"""Engine messages rewritten for a widget: name its buttons and controls, not Python calls.

The engine's errors tell a programmer what to call (``sim.repair_host('esx-03', at_s=…)``);
a student at a widget has buttons. :func:`for_widget` replaces each call the widget offers
with the control that does it, and drops the rest of the call syntax::

    >>> for_widget(
    ...     "esx-03 is down. Repair it first with sim.repair_host('esx-03', at_s=…).",
    ...     {"repair_host": "the Repair host button"},
    ... )
    'esx-03 is down. Repair it first with the Repair host button.'

The controls' words are said in the current language (mark them with ``N_`` where they are
defined, at import, and they are translated here); in Chinese no space is left around them::

    >>> from vmlab import i18n
    >>> lang = i18n.use_language("zh")
    >>> for_widget("请先用 sim.isolate_host('esx-03', at_s=…) 隔离它。",
    ...            {"isolate_host": "the Isolate host button"})
    '请先用「隔离主机」按钮隔离它。'
    >>> lang = i18n.use_language("en")
"""

from __future__ import annotations

import re

from vmlab.features import HOST_STATE_WORDS, VM_STATE_WORDS
from vmlab.i18n import N_, _, language

_CALL = re.compile(r"`?\b(?:sim|cluster|c)\.(\w+)\((?:[^()]|\([^()]*\))*\)`?")

_CALL_WORDS = {
    # TRANSLATORS: what an engine call does, in "{action} (not possible in this widget)"
    "fail_host": N_("fail host"),
    "repair_host": N_("repair host"),
    "isolate_host": N_("isolate host"),
    "partition": N_("partition"),
    "enable_ha": N_("enable ha"),
    "disable_ha": N_("disable ha"),
    "enable_ft": N_("enable ft"),
    "disable_ft": N_("disable ft"),
    "set_secondary": N_("set secondary"),
    "migrate": N_("migrate"),
    "migrate_many": N_("migrate many"),
    "evacuate": N_("evacuate"),
    "enter_maintenance": N_("enter maintenance"),
    "exit_maintenance": N_("exit maintenance"),
    "maintenance": N_("maintenance"),
    "power_on_host": N_("power on host"),
    "power_off_host": N_("power off host"),
    "degrade_host": N_("degrade host"),
    "storage_fault": N_("storage fault"),
    "cut_ft_logging": N_("cut ft logging"),
    "set_vm_state": N_("set vm state"),
    "boot_vm": N_("boot vm"),
    "run": N_("run"),
    "add_host": N_("add host"),
    "add_vm": N_("add vm"),
    "add_datastore": N_("add datastore"),
    "add_network": N_("add network"),
}
"""What each engine call does, in the words of the "(not possible in this widget)" phrase
(the English words are the call's name with spaces, as before there was a catalog)."""


def state_words(state: str) -> str:
    """A host's or VM's ``state`` (``'up'``, ``'down'``, ``'running'`` …) in the current
    language; an unknown state as it is.

    >>> state_words("isolated")
    'isolated'
    """
    word = VM_STATE_WORDS.get(state) or HOST_STATE_WORDS.get(state)
    return _(word) if word else str(state)


def then(text: str, more: str) -> str:
    """Two sentences one after the other: a space between them, except after a Chinese
    full stop (or other full-width end), which needs none.

    >>> then("Done.", "Every host is under 80 %."), then("完成。", "每台主机都低于 80 %。")
    ('Done. Every host is under 80 %.', '完成。每台主机都低于 80 %。')
    """
    return f"{text}{more}" if text.endswith(("。", "！", "？", "）", "；")) else f"{text} {more}"


def for_widget(message: str, controls: dict[str, str]) -> str:
    """``message`` with every ``sim.x(...)`` / ``cluster.x(...)`` call named in ``controls``
    replaced by its control's words; calls the widget cannot make become "(not possible in
    this widget)" phrases, so no Python is left for the student to type."""

    def swap(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in controls:
            return _(controls[name])
        if name in _CALL_WORDS:
            action = _(_CALL_WORDS[name])
        elif language() == "en":
            action = name.replace("_", " ")
        else:  # a call with no words in the catalog: its name, as code
            action = f"`{name}`"
        return _("{action} (not possible in this widget)").format(action=action)

    def words(match: re.Match[str]) -> str:
        return f"\0{swap(match)}\0"

    text = _CALL.sub(words, str(message).strip("'\""))
    # A call stood between spaces ("请先用 sim.repair_host(…) 修复它"); words in Chinese
    # need no space between them and the Chinese around them.
    text = _SPACE_BEFORE.sub("", text)
    text = _SPACE_AFTER.sub("", text)
    return text.replace("\0", "")


_WIDE = "\u3000-\u9fff\uff00-\uffef"
_SPACE_BEFORE = re.compile(f"(?<=[{_WIDE}]) (?=\0[{_WIDE}])")
_SPACE_AFTER = re.compile(f"(?<=[{_WIDE}]\0) (?=[{_WIDE}])")
