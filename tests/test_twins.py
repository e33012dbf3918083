"""The two editions of a lesson cannot drift: the Chinese one is generated from the English one.

``scripts/twins.py check`` must pass on the repository, and must fail when anyone edits an
English code cell without regenerating, edits a Chinese twin by hand, or leaves a cell untranslated.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import twins  # noqa: E402


def test_every_chinese_lesson_is_its_english_lesson_translated(capsys):
    assert twins.check() == 0, capsys.readouterr().err


def test_each_english_lesson_has_a_chinese_twin():
    assert [p.name for p in twins.lessons()] == sorted(p.name for p in twins.TWINS.glob("*.ipynb"))


def test_a_twin_differs_from_its_lesson_only_by_markdown_and_the_language_line():
    for lesson in twins.lessons():
        en = nbformat.read(lesson, as_version=4)
        zh = nbformat.read(twins.twin_path(lesson), as_version=4)
        assert [c.cell_type for c in en.cells] == [c.cell_type for c in zh.cells]
        code = [(a.source, b.source) for a, b in zip(en.cells, zh.cells, strict=True)
                if a.cell_type == "code"]  # fmt: skip
        first_en, first_zh = code[0]
        assert first_zh == f"{twins.LANGUAGE_LINE}\n{first_en}"
        assert all(a == b for a, b in code[1:]), lesson.name


@pytest.fixture
def copy_of_course(tmp_path, monkeypatch):
    """The lessons and catalogs in a scratch directory, with twins.py pointed at them."""
    notebooks = tmp_path / "notebooks"
    shutil.copytree(twins.NOTEBOOKS, notebooks)
    shutil.copytree(twins.PO_DIR.parent, tmp_path / "po")
    monkeypatch.setattr(twins, "REPO", tmp_path)
    monkeypatch.setattr(twins, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(twins, "TWINS", notebooks / "zh")
    monkeypatch.setattr(twins, "PO_DIR", tmp_path / "po" / twins.LOCALE)
    return notebooks


def _edit(path: Path, index: int, source: str) -> None:
    nb = nbformat.read(path, as_version=4)
    nb.cells[index].source = source
    nbformat.write(nb, path)


def _first(nb_dir: Path, kind: str) -> tuple[Path, int]:
    lesson = sorted(nb_dir.glob("0*.ipynb"))[0]
    nb = nbformat.read(lesson, as_version=4)
    return lesson, next(i for i, c in enumerate(nb.cells) if c.cell_type == kind and i > 2)


def test_an_english_code_edit_without_make_twins_is_caught(copy_of_course, capsys):
    lesson, i = _first(copy_of_course, "code")
    _edit(lesson, i, "SEED = 1")
    assert twins.check() == 1
    assert "differs from the English lesson" in capsys.readouterr().err


def test_a_hand_edit_of_a_chinese_twin_is_caught(copy_of_course, capsys):
    lesson, i = _first(copy_of_course, "code")
    _edit(copy_of_course / "zh" / lesson.name, i, "SEED = 1")
    assert twins.check() == 1
    assert "differs from the English lesson" in capsys.readouterr().err


def test_an_edited_english_paragraph_needs_its_translation_again(copy_of_course, capsys):
    lesson, i = _first(copy_of_course, "markdown")
    nb = nbformat.read(lesson, as_version=4)
    _edit(lesson, i, nb.cells[i].source + "\n\nOne more sentence.")
    twins.update(lesson)  # the old translation stays, marked fuzzy
    assert twins.check() == 1
    assert f"cells [{i + 1}] are untranslated or fuzzy" in capsys.readouterr().err


def test_a_translation_that_loses_a_heading_is_caught(copy_of_course, capsys):
    lesson = sorted(copy_of_course.glob("0*.ipynb"))[0]
    cat = twins.read_catalog(lesson)
    msg = next(m for m in cat if m.id and m.id.startswith("#"))
    msg.string = msg.string.lstrip("# ")
    twins.write_catalog(lesson, cat)
    twins.build()
    assert twins.check() == 1
    assert "headings differ" in capsys.readouterr().err


def test_a_translation_that_drops_a_number_or_a_call_is_caught(copy_of_course, capsys):
    lesson = sorted(copy_of_course.glob("0*.ipynb"))[0]
    cat = twins.read_catalog(lesson)
    msg = next(m for m in cat if m.id and "`" in m.id and any(ch.isdigit() for ch in m.id))
    msg.string = "这一段什么都没说。"
    twins.write_catalog(lesson, cat)
    twins.build()
    assert twins.check() == 1
    err = capsys.readouterr().err
    assert "leaves out the numbers" in err and "leaves out the code" in err
