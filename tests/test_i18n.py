"""The two languages: choosing one, and Chinese glyphs in plots from the bundled font."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from fontTools.ttLib import TTFont  # noqa: E402

from vmlab import i18n  # noqa: E402

SOURCE_TERMS = (
    "热迁移 高可用性 容错 准入控制 隔离响应 重新启动优先级 共享存储 故障切换 数据存储检测信号"
)


@pytest.fixture(autouse=True)
def english_after():
    yield
    i18n.use_language("en")


def test_only_english_and_chinese_are_known():
    assert i18n.use_language("zh") == "zh" and i18n.language() == "zh"
    for bad in ("fr", "ZH", None, ["zh"]):
        with pytest.raises(ValueError, match="choose 'en'"):
            i18n.use_language(bad)  # type: ignore[arg-type]
    assert i18n.language() == "zh", "a refused choice changes nothing"


def test_an_untranslated_sentence_is_said_in_english():
    i18n.use_language("zh")
    assert i18n._("A sentence no catalog has") == "A sentence no catalog has"
    assert i18n.ngettext("1 move", "%d moves", 3) == "%d moves"


def test_the_bundled_font_covers_the_courses_terms_and_has_its_licence():
    font = TTFont(i18n.FONT_PATH)
    cmap = font.getBestCmap()
    missing = [ch for ch in SOURCE_TERMS.replace(" ", "") if ord(ch) not in cmap]
    assert not missing
    assert len(cmap) > 3755  # GB 2312 level 1 and more
    assert (i18n.FONT_PATH.parent / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE") >= 1
    assert i18n.FONT_PATH.stat().st_size < 3_000_000


def test_a_chinese_plot_draws_every_glyph():
    i18n.use_language("zh")
    fig, ax = plt.subplots()
    ax.set_title("主机故障后，高可用性 (HA) 在其他主机上重新启动虚拟机")
    ax.set_xlabel("模拟时间 (s)")
    ax.plot([0, 1], [0, 1], label="热迁移 vMotion")
    ax.legend()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" would be a warning
        fig.canvas.draw()
    used = {t.get_fontname() for t in [ax.title, ax.xaxis.label]}
    plt.close(fig)
    assert matplotlib.rcParams["font.family"][-1] == i18n.FONT_FAMILY
    assert used  # drawn
