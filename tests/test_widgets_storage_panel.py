"""Lesson 06's storage panel: its VMCP dropdown shows vSphere's words and keeps vmlab's values."""

from __future__ import annotations

import pytest

from vmlab import i18n
from vmlab.widgets import storage_panel


def test_vmcp_labels_are_vsphere_8_words_and_the_values_stay():
    panel = storage_panel()
    assert panel.vmcp.options == (
        ("Disabled", "disabled"),
        ("Issue events", "issue_events"),
        ("Power off and restart VMs (conservative)", "conservative"),
        ("Power off and restart VMs (aggressive)", "aggressive"),
    )
    assert panel.vmcp.value == "conservative"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_vmcp_dropdown_is_wide_enough_for_its_longest_label(language):
    i18n.use_language(language)
    try:
        panel = storage_panel()
    finally:
        i18n.use_language("en")
    rough = [sum(13 if ord(ch) >= 0x2E80 else 6 for ch in t) for t in panel.vmcp._options_labels]
    need = sum(13 if ord(ch) >= 0x2E80 else 6 for ch in panel.vmcp.description) + max(rough) + 30
    assert panel.vmcp.layout.width.endswith("px") and int(panel.vmcp.layout.width[:-2]) >= need
    assert panel.vmcp.layout.flex == "0 0 auto"
