"""The examples in the engine's docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "vmlab.events", "vmlab.words", "vmlab.state", "vmlab.placement", "vmlab.cluster",
    "vmlab.ha_settings", "vmlab.ha_log", "vmlab.ha", "vmlab.ft", "vmlab.vmotion", "vmlab.sim",
    "vmlab.storage", "vmlab.proactive", "vmlab.scenarios",
]  # fmt: skip


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    failures, tried = doctest.testmod(
        importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    )
    assert tried > 0 and failures == 0
