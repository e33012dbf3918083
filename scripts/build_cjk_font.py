#!/usr/bin/env python3
"""Cut the CJK font vmlab ships: Noto Sans CJK SC Regular, subset with fontTools.

    python scripts/build_cjk_font.py          # rewrites vmlab/fonts/NotoSansCJKsc-vmlab.otf

Run it on a machine with Debian's fonts-noto-cjk (the source font is read from there; nothing
is downloaded). The subset keeps:

- the 3,755 most common hanzi (GB 2312 level 1), which covers ordinary Chinese text and so
  the labels a student types;
- every character in vmlab's sources, catalogs, lessons and READMEs (so nothing the lab
  itself prints is missing), the CJK punctuation and full-width forms, and ASCII.

Noto Sans CJK is under the SIL Open Font License 1.1, whose text goes beside the font
(vmlab/fonts/OFL.txt): a subset is a Modified Version, which the licence allows under a name
that is not the Reserved Font Name, hence "vmlab" in the family name.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_INDEX = 2  # Noto Sans CJK SC in Debian's collection
LICENCE = Path("/usr/share/doc/fonts-noto-cjk/copyright")
OUT = ROOT / "vmlab" / "fonts" / "NotoSansCJKsc-vmlab.otf"
FAMILY = "Noto Sans CJK SC vmlab"


def gb2312_level1() -> str:
    """The 3,755 level-1 hanzi of GB 2312 (rows 16–55)."""
    chars = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.append(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def project_text() -> str:
    parts = []
    for pattern in ("vmlab/**/*.py", "vmlab/**/*.po", "po/**/*.po", "notebooks/**/*.ipynb", "*.md"):
        for path in ROOT.glob(pattern):
            parts.append(path.read_text(encoding="utf-8", errors="ignore"))
    text = "".join(parts)
    return "".join(sorted(set(re.findall(r"[^\x00-\x7f]", text))))


def main() -> int:
    if not SOURCE.exists():
        print(f"{SOURCE} is missing: sudo apt-get install fonts-noto-cjk", file=sys.stderr)
        return 1
    font = TTCollection(str(SOURCE)).fonts[SC_INDEX]
    notice = font["name"].getDebugName(0)  # the font's own copyright notice
    punctuation = "".join(chr(c) for c in range(0x3000, 0x3040)) + "".join(
        chr(c) for c in range(0xFF00, 0xFFF0)
    )
    ascii_ = "".join(chr(c) for c in range(0x20, 0x7F))
    wanted = set(gb2312_level1() + project_text() + punctuation + ascii_)
    cmap = font.getBestCmap()
    codepoints = sorted(ord(ch) for ch in wanted if ord(ch) in cmap)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.desubroutinize = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = FAMILY
        elif record.nameID == 6:
            record.string = FAMILY.replace(" ", "")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(OUT))
    licence = LICENCE.read_text(encoding="utf-8")
    ofl = licence[licence.index("License: SIL-1.1", licence.index("Files: *") + 100) :]
    (OUT.parent / "OFL.txt").write_text(
        f"Noto Sans CJK SC. {notice}\nSubset for vmlab by scripts/build_cjk_font.py (a Modified "
        f"Version under the name '{FAMILY}').\n\n" + ofl,
        encoding="utf-8",
    )
    print(
        f"{OUT.relative_to(ROOT)}: {len(codepoints)} characters, {OUT.stat().st_size / 1e6:.2f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
