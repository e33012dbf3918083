"""The two languages of vmlab: which one speaks, its catalog, and a font that has its glyphs.

    >>> from vmlab import i18n
    >>> i18n.use_language("zh")
    'zh'
    >>> i18n.language()
    'zh'
    >>> i18n.use_language("en")
    'en'

Everything vmlab says to a student goes through :func:`_` (and :func:`ngettext`), which look
the English sentence up in the chosen language's gettext catalog
(``vmlab/locale/<lang>/LC_MESSAGES/vmlab.mo``, built from the ``.po`` with Babel); a sentence
not in the catalog is said in English. Numbers, DataFrame columns and event kinds are never
translated, so both editions print the same figures.

Plots with Chinese text need glyphs a pip-only install may lack: :func:`register_fonts` adds
the subset of Noto Sans CJK SC that ships in ``vmlab/fonts`` (SIL Open Font License, see
``OFL.txt`` there; cut by ``scripts/build_cjk_font.py``) to matplotlib, at the end of
``font.family``: matplotlib falls back along that list glyph by glyph, so Latin text keeps its
usual font and Chinese characters come from the bundled one. It touches no network and no
system font directory.
"""

from __future__ import annotations

import dataclasses
import gettext
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["FONT_FAMILY", "FONT_PATH", "LANGUAGES", "N_", "_", "language", "ngettext", "pgettext",
           "register_fonts", "use_language"]  # fmt: skip

LANGUAGES = ("en", "zh")
"""English (the default) and Simplified Chinese."""

FONT_PATH = Path(__file__).parent / "fonts" / "NotoSansCJKsc-vmlab.otf"
FONT_FAMILY = "Noto Sans CJK SC vmlab"
LOCALE_DIR = Path(__file__).parent / "locale"
_CATALOG_NAMES = {"zh": ["zh_CN"], "en": ["en"]}

_state: dict[str, Any] = {"language": "en"}


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    return gettext.translation(
        "vmlab", localedir=LOCALE_DIR, languages=_CATALOG_NAMES[lang], fallback=True
    )


def use_language(lang: str) -> str:
    """Make vmlab speak ``'en'`` or ``'zh'`` from now on (plots, widgets, logs, messages).

    Raises
    ------
    ValueError
        Another language; the message lists the two.
    """
    if not isinstance(lang, str) or lang not in LANGUAGES:
        raise ValueError(
            f"Language {lang!r} is not known; choose 'en' (English) or 'zh' (简体中文)"
        )
    _state["language"] = lang
    if lang == "zh":
        register_fonts()
    return lang


def language() -> str:
    """The language vmlab speaks now."""
    return str(_state["language"])


def _(message: str) -> str:
    """``message`` in the current language (English when the catalog has no translation)."""
    return _catalog(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message, in the current language."""
    return _catalog(language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` as said in ``context``, in the current language: for a short English word
    that means two things (``"VMs"`` after a count is 台虚拟机; a layer called "VMs" is 虚拟机).

        >>> pgettext("a layer of the host's stack", "VMs")
        'VMs'
    """
    return _catalog(language()).pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it now.

    For sentences kept in module-level tables (defined when the module is imported, before a
    lesson chooses its language): mark them with ``N_`` and translate with ``_(text)`` where
    they are shown.

        >>> N_("Host failed")
        'Host failed'
    """
    return message


@cache
def register_fonts() -> str:
    """Add the bundled CJK font to matplotlib's font list once, behind DejaVu Sans.

    Returns the family name. Safe to call again (it does the work once).
    """
    import matplotlib
    from matplotlib import font_manager

    manager = font_manager.fontManager
    manager.addfont(str(FONT_PATH))
    # The subset has one weight: bold text (host names on the cluster map) uses it too,
    # instead of matplotlib logging "findfont: Failed to find font weight bold" under a plot.
    regular = [f for f in manager.ttflist if f.name == FONT_FAMILY]
    if regular and dataclasses.is_dataclass(regular[0]):
        manager.ttflist.append(dataclasses.replace(regular[0], weight=700))
        cached = getattr(manager, "_findfont_cached", None)  # a lookup made before this
        if cached is not None:
            cached.cache_clear()
    families = list(matplotlib.rcParams["font.family"])
    if FONT_FAMILY not in families:  # matplotlib falls back along this list, glyph by glyph
        matplotlib.rcParams["font.family"] = [*families, FONT_FAMILY]
    return FONT_FAMILY
