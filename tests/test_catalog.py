"""vmlab's own sentences: every one is in the Chinese catalog, translated, with its placeholders.

The catalog is ``vmlab/locale/zh_CN/LC_MESSAGES/vmlab.po`` (``make catalog`` extracts it with
Babel from every ``_()``, ``N_()`` and ``ngettext()`` in vmlab/ and compiles the ``.mo``).
"""

from __future__ import annotations

import io
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parents[1]
PO = REPO / "vmlab" / "locale" / "zh_CN" / "LC_MESSAGES" / "vmlab.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="zh_CN")


@pytest.fixture(scope="module")
def extracted() -> dict[str, str]:
    """Every msgid in vmlab's source → where it is (file:line)."""
    found: dict[str, str] = {}
    method_map = [("vmlab/**.py", "python")]
    for filename, lineno, message, _comments, _context in extract_from_dir(
        REPO, method_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def _fields(text: str) -> list[tuple[str, str]]:
    """The ``{name:spec}`` placeholders of a format string, sorted."""
    out = []
    for _literal, name, spec, _conv in string.Formatter().parse(text):
        if name is not None:
            out.append((name, spec or ""))
    return sorted(out)


def test_every_sentence_of_vmlab_is_in_the_catalog_and_translated(catalog, extracted):
    untranslated = []
    for msgid, where in extracted.items():
        msg = catalog.get(msgid)
        strings = msg.string if msg is not None and isinstance(msg.string, tuple) else (
            (msg.string,) if msg is not None else ()
        )  # fmt: skip
        if msg is None or msg.fuzzy or not all(strings) or not strings:
            untranslated.append(f"{where}: {msgid!r}")
    assert not untranslated, (
        f"{len(untranslated)} of {len(extracted)} sentences have no finished Chinese "
        "translation (run `make catalog`, translate in vmlab.po):\n" + "\n".join(untranslated[:40])
    )


def test_no_translation_is_left_fuzzy_or_stale(catalog, extracted):
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    stale = [m.id for m in catalog if m.id and (m.id[0] if isinstance(m.id, tuple) else m.id)
             not in extracted]  # fmt: skip
    assert not fuzzy, f"fuzzy entries: {fuzzy[:10]}"
    assert not stale, f"entries no code uses any more (run `make catalog`): {stale[:10]}"


def test_translations_keep_the_placeholders_of_their_english(catalog):
    wrong = []
    for msg in catalog:
        if not msg.id or not msg.string:
            continue
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
        strs = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        want = _fields(ids[-1])
        for s in strs:
            if s and _fields(s) != want:
                wrong.append(f"{ids[0]!r}: {want} vs {_fields(s)} in {s!r}")
    assert not wrong, "\n".join(wrong[:20])


def test_the_compiled_catalog_is_the_po_file_compiled(catalog):
    # vmlab reads the .mo (stdlib gettext); it must say what the .po says.
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    assert MO.read_bytes() == buffer.getvalue(), "vmlab.mo is stale: run `make catalog`"


def test_the_catalog_speaks_to_vmlab(catalog):
    from vmlab import i18n

    translated = [m for m in catalog if m.id and m.string and not isinstance(m.id, tuple)]
    if not translated:
        pytest.skip("the catalog is empty")
    sample = translated[len(translated) // 2]
    try:
        i18n.use_language("zh")
        assert i18n._(sample.id) == sample.string
    finally:
        i18n.use_language("en")
    assert i18n._(sample.id) == sample.id


def test_the_bundled_font_has_every_character_vmlab_prints(catalog):
    # Plots draw the catalog's Chinese with the bundled subset, behind matplotlib's own DejaVu
    # Sans (which has the marks ✔ ✘ ✎ that no CJK font has): a character in neither would be a
    # box. scripts/build_cjk_font.py re-cuts the subset from the catalogs.
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    from vmlab import i18n

    cmap = set(TTFont(i18n.FONT_PATH).getBestCmap())
    cmap |= set(TTFont(font_manager.findfont("DejaVu Sans")).getBestCmap())
    text = "".join(
        s
        for m in catalog
        if m.id
        for s in (m.string if isinstance(m.string, tuple) else (m.string,))
    )
    missing = sorted({ch for ch in text if ord(ch) > 0x7F and ord(ch) not in cmap})
    assert not missing, (
        f"not in {i18n.FONT_PATH.name}: {''.join(missing)} (re-run build_cjk_font.py)"
    )
