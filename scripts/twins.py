#!/usr/bin/env python3
"""The Chinese lessons are generated from the English ones: one course, two languages.

    python scripts/twins.py update          # po/zh_CN/NN-*.po follow the English lessons
    python scripts/twins.py build [--run]   # notebooks/zh/NN-*.ipynb from English + .po
    python scripts/twins.py check           # fail on any drift or any untranslated cell
    python scripts/twins.py export NN       # the lesson's cells as one Markdown file (to translate)
    python scripts/twins.py import NN FILE  # take the translations back from such a file

The English notebook ``notebooks/NN-name.ipynb`` is the one source of a lesson's code, its
order of cells, its widgets and its self-check ids. Its Chinese twin
``notebooks/zh/NN-name.ipynb`` is written by this script and never edited by hand: every code
cell is copied as it is, except that the first one starts with :data:`LANGUAGE_LINE`; every
Markdown cell is replaced by its translation from ``po/zh_CN/NN-name.po``, a gettext catalog
whose msgid is the English cell and whose msgstr is the Chinese one. ``update`` uses Babel's
catalog update: a new English cell arrives untranslated, an edited one arrives *fuzzy* with its
old translation beside it, so a translator sees exactly what changed.

``check`` (run by ``make test``, see ``tests/test_twins.py``) fails when a twin is not what
``build`` would write from the current English lesson and catalog (so editing an English code
cell without ``make twins`` fails at once), when a cell is untranslated or fuzzy, when a
translation changes the lesson's headings (their number and levels) or its link targets, leaves
out a number or a piece of code (`` `…` ``) of its English cell (the two editions state the
same figures and name the same calls), and when a link from the Chinese lesson does not resolve.
"""

from __future__ import annotations

import argparse
import copy
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
LOCALE = "zh_CN"
EDITION = "zh"
TWINS = NOTEBOOKS / EDITION
PO_DIR = REPO / "po" / LOCALE
LANGUAGE_LINE = 'import vmlab; vmlab.use_language("zh")  # 本课程的中文版：vmlab 说中文'
"""The one line by which a Chinese lesson's code differs from the English one."""

_HEADING = re.compile(r"^(#{1,6})\s", re.MULTILINE)
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_CODE_SPAN = re.compile(r"`([^`]+)`")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?!\w)")
# Fixed header dates, so that `update` rewrites a catalog only when a cell changed.
_DATE = datetime(2026, 12, 1, tzinfo=UTC)
_CELL_MARK = re.compile(r"^<!-- cell (\d+)(?: \w+)? -->$", re.MULTILINE)


def lessons() -> list[Path]:
    """The English lessons, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def po_path(lesson: Path) -> Path:
    return PO_DIR / f"{lesson.stem}.po"


def twin_path(lesson: Path) -> Path:
    return TWINS / lesson.name


def lesson_by_number(number: str) -> Path:
    found = [p for p in lessons() if p.name.startswith(f"{int(number):02d}-")]
    if not found:
        raise SystemExit(f"no lesson {number!r} in {NOTEBOOKS}")
    return found[0]


# ---------------------------------------------------------------- catalogs


def template(lesson: Path) -> Catalog:
    """A catalog with one message per Markdown cell of the English lesson."""
    nb = nbformat.read(lesson, as_version=4)
    cat = Catalog(locale=None, project="vmlab lessons", version="0.1.0", fuzzy=False,
                  creation_date=_DATE, revision_date=_DATE)  # fmt: skip
    for i, cell in enumerate(nb.cells, 1):
        if cell.cell_type == "markdown" and cell.source.strip():
            cat.add(cell.source, locations=[(f"notebooks/{lesson.name}", i)])
    return cat


def read_catalog(lesson: Path) -> Catalog:
    path = po_path(lesson)
    if not path.exists():
        return Catalog(locale=LOCALE, project="vmlab lessons", version="0.1.0", fuzzy=False,
                       creation_date=_DATE, revision_date=_DATE)  # fmt: skip
    with path.open("rb") as f:
        return read_po(f, locale=LOCALE)


def write_catalog(lesson: Path, cat: Catalog) -> None:
    path = po_path(lesson)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, cat, width=76, ignore_obsolete=True, include_previous=False,
                 omit_header=False, sort_by_file=True)  # fmt: skip


def update(lesson: Path) -> Catalog:
    """Bring the lesson's catalog in step with the English cells (Babel's fuzzy matching)."""
    cat = read_catalog(lesson)
    cat.update(template(lesson), update_header_comment=False)
    cat.revision_date = _DATE
    cat.last_translator = "vmlab developers"
    cat.language_team = "vmlab developers"
    cat.header_comment = (
        f"# Simplified Chinese edition of notebooks/{lesson.name}.\n"
        "# One message per Markdown cell: msgid is the English cell, msgstr the Chinese one.\n"
        "# Written by scripts/twins.py update; translate here, then run `make twins`."
    )
    write_catalog(lesson, cat)
    return cat


def translation(cat: Catalog, english: str) -> str | None:
    """The cell's finished translation, or None (missing, empty or fuzzy)."""
    msg = cat.get(english)
    if msg is None or not msg.string or msg.fuzzy:
        return None
    return str(msg.string)


# ---------------------------------------------------------------- twins


def build_twin(lesson: Path, cat: Catalog) -> tuple[nbformat.NotebookNode, list[int]]:
    """The Chinese notebook (no outputs) and the numbers of the cells left in English."""
    nb = copy.deepcopy(nbformat.read(lesson, as_version=4))
    missing: list[int] = []
    first_code = True
    for i, cell in enumerate(nb.cells, 1):
        if cell.cell_type == "markdown" and cell.source.strip():
            zh = translation(cat, cell.source)
            if zh is None:
                missing.append(i)
            else:
                cell.source = zh
        elif cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            if first_code:
                cell.source = f"{LANGUAGE_LINE}\n{cell.source}"
                first_code = False
    nb.metadata["vmlab"] = {"edition": EDITION, "generated_from": f"notebooks/{lesson.name}"}
    return nb, missing


def _shape(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    """What must be equal between a stored twin and a fresh build: types, sources, tags."""
    return [(c.cell_type, c.source, tuple(c.metadata.get("tags", ()))) for c in nb.cells]


def build(run: bool = False) -> int:
    """Write every twin whose cells changed; with ``run``, execute those (make twins)."""
    changed, untranslated = [], 0
    for lesson in lessons():
        nb, missing = build_twin(lesson, read_catalog(lesson))
        untranslated += len(missing)
        target = twin_path(lesson)
        if target.exists():
            stored = nbformat.read(target, as_version=4)
            if (
                _shape(stored) == _shape(nb)
                and stored.metadata.get("vmlab") == nb.metadata["vmlab"]
            ):
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        changed.append(target)
        note = f" ({len(missing)} cells still in English: {missing})" if missing else ""
        print(f"wrote {target.relative_to(REPO)}{note}")
    if not changed:
        print("every Chinese lesson is up to date")
    if run and changed:
        cmd = [sys.executable, str(REPO / "scripts" / "run_notebooks.py"), *map(str, changed)]
        if subprocess.call(cmd):
            return 1
    if untranslated:
        print(f"{untranslated} cells are not translated yet (see po/{LOCALE}/)")
    return 0


@dataclass
class Drift:
    """What `check` found for one lesson."""

    lesson: str
    problems: list[str] = field(default_factory=list)


def check_lesson(lesson: Path) -> Drift:
    drift = Drift(lesson.name)
    if not po_path(lesson).exists():
        drift.problems.append(f"no catalog {po_path(lesson).relative_to(REPO)} (run: make twins)")
        return drift
    cat = read_catalog(lesson)
    nb, missing = build_twin(lesson, cat)
    if missing:
        drift.problems.append(
            f"cells {missing} are untranslated or fuzzy in {po_path(lesson).name}"
        )
    target = twin_path(lesson)
    if not target.exists():
        drift.problems.append(f"{target.relative_to(REPO)} is missing (run: make twins)")
        return drift
    stored = nbformat.read(target, as_version=4)
    if _shape(stored) != _shape(nb):
        diff = [
            i for i, (a, b) in enumerate(zip(_shape(stored), _shape(nb), strict=False), 1) if a != b
        ]
        if len(stored.cells) != len(nb.cells):
            diff.append(f"{len(stored.cells)} cells stored, {len(nb.cells)} in the English lesson")
        drift.problems.append(
            f"{target.relative_to(REPO)} differs from the English lesson at cells {diff} "
            "(run: make twins)"
        )
    english = nbformat.read(lesson, as_version=4)
    for i, cell in enumerate(english.cells, 1):
        if cell.cell_type != "markdown":
            continue
        zh = translation(cat, cell.source)
        if zh is None:
            continue
        if _HEADING.findall(cell.source) != _HEADING.findall(zh):
            drift.problems.append(f"cell {i}: the translation's headings differ from the English")
        if sorted(_LINK.findall(cell.source)) != sorted(_LINK.findall(zh)):
            drift.problems.append(
                f"cell {i}: the translation's link targets differ from the English"
            )
        lost = sorted(
            (Counter(_NUMBER.findall(cell.source)) - Counter(_NUMBER.findall(zh))).elements()
        )
        if lost:
            drift.problems.append(f"cell {i}: the translation leaves out the numbers {lost}")
        dropped = sorted(set(_CODE_SPAN.findall(cell.source)) - set(_CODE_SPAN.findall(zh)))
        if dropped:
            drift.problems.append(f"cell {i}: the translation leaves out the code {dropped}")
        for link in _LINK.findall(zh):
            if "://" in link or link.startswith("#"):
                continue
            if not (TWINS / link.split("#")[0]).resolve().exists():
                drift.problems.append(
                    f"cell {i}: link {link!r} does not resolve from {TWINS.name}/"
                )
    return drift


def check() -> int:
    found = [d for d in map(check_lesson, lessons()) if d.problems]
    extra = sorted(
        p.name for p in TWINS.glob("*.ipynb") if not (NOTEBOOKS / p.name).exists()
    ) if TWINS.exists() else []  # fmt: skip
    for d in found:
        for problem in d.problems:
            print(f"{d.lesson}: {problem}", file=sys.stderr)
    for name in extra:
        print(f"zh/{name}: no English lesson of that name", file=sys.stderr)
    if found or extra:
        return 1
    print(f"{len(lessons())} Chinese lessons match their English sources")
    return 0


# ---------------------------------------------------------------- translating


def export(lesson: Path) -> str:
    """Every Markdown cell as ``<!-- cell N -->`` + text: English, or its translation if any."""
    nb = nbformat.read(lesson, as_version=4)
    cat = read_catalog(lesson)
    parts = []
    for i, cell in enumerate(nb.cells, 1):
        if cell.cell_type == "markdown" and cell.source.strip():
            zh = translation(cat, cell.source)
            state = "done" if zh is not None else "todo"
            parts.append(f"<!-- cell {i} {state} -->\n{zh if zh is not None else cell.source}\n")
    return "\n".join(parts)


def import_translations(lesson: Path, text: str) -> int:
    """Set the catalog's msgstr of every cell given in ``text`` (the format of :func:`export`)."""
    nb = nbformat.read(lesson, as_version=4)
    cat = update(lesson)
    marks = list(_CELL_MARK.finditer(text))
    count = 0
    for mark, after in zip(marks, [*marks[1:], None], strict=False):
        i = int(mark.group(1))
        body = text[mark.end() : after.start() if after else len(text)].strip("\n")
        cell = nb.cells[i - 1]
        if cell.cell_type != "markdown":
            raise SystemExit(f"cell {i} of {lesson.name} is not a Markdown cell")
        msg = cat.get(cell.source)
        assert msg is not None, "update() added every Markdown cell"
        msg.string = body
        msg.flags.discard("fuzzy")
        msg.previous_id = []
        count += 1
    write_catalog(lesson, cat)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("update", help="update po/zh_CN/*.po from the English lessons")
    b = sub.add_parser("build", help="write notebooks/zh/ from the English lessons + catalogs")
    b.add_argument("--run", action="store_true", help="execute the twins that changed")
    sub.add_parser("check", help="fail on drift or untranslated cells")
    e = sub.add_parser("export", help="print a lesson's cells as one Markdown file")
    e.add_argument("number")
    i = sub.add_parser("import", help="take translations from a file written like `export`")
    i.add_argument("number")
    i.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    if args.command == "update":
        for lesson in lessons():
            cat = update(lesson)
            todo = sum(1 for m in cat if m.id and (not m.string or m.fuzzy))
            print(f"{po_path(lesson).relative_to(REPO)}: {len(cat)} cells, {todo} to translate")
        return 0
    if args.command == "build":
        return build(run=args.run)
    if args.command == "check":
        return check()
    if args.command == "export":
        print(export(lesson_by_number(args.number)))
        return 0
    lesson = lesson_by_number(args.number)
    n = import_translations(lesson, args.file.read_text(encoding="utf-8"))
    print(f"{n} cells of {lesson.name} translated in {po_path(lesson).relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
