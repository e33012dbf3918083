"""The quiz area in Chinese: every self-check and prediction, the lesson helpers' sentences and
reality.py's model-vs-QEMU texts come out in Chinese, with no English sentence left.

For every question id of every bank: the question as shown, check()'s feedback to a right, a
wrong and a malformed answer; for every prediction: the predict widget (question, choices or
number box, Lock button), its messages, and reveal()'s panel for a right and a wrong prediction.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

import vmlab.ha_quiz  # noqa: E402, F401  (registers lesson 03's questions)
import vmlab.reality_quiz  # noqa: E402, F401  (registers lesson 07's questions)
import vmlab.storage_quiz  # noqa: E402, F401  (registers lesson 06's questions)
import vmlab.vmotion_quiz  # noqa: E402, F401  (registers lesson 01's questions)
from tests.zh_text import english_left, has_chinese  # noqa: E402
from vmlab import i18n, lessons, quiz, reality  # noqa: E402
from vmlab.quiz import (  # noqa: E402
    PREDICTION_QUESTIONS,
    QUESTIONS,
    Choice,
    Number,
    check,
    forget_predictions,
    lock_prediction,
    predict,
    show,
)

PO = Path(vmlab.__file__).parent / "locale" / "zh_CN" / "LC_MESSAGES" / "vmlab.po"
MINE = {
    "vmlab/quiz.py",
    "vmlab/lessons.py",
    "vmlab/ha_quiz.py",
    "vmlab/storage_quiz.py",
    "vmlab/reality.py",
    "vmlab/reality_quiz.py",
    "vmlab/vmotion_quiz.py",
}
# Questions registered from a module of another area: checked once their texts are translated.
OTHER_AREAS: set[str] = set()
TAG = re.compile(r"<[^>]+>")


@pytest.fixture(autouse=True)
def chinese():
    i18n.use_language("zh")
    forget_predictions()
    yield
    i18n.use_language("en")
    forget_predictions()
    plt.close("all")


def chinese_only(text: str, what: str = "") -> None:
    """``text`` (HTML allowed) is Chinese: Chinese characters and no English sentence."""
    plain = html.unescape(TAG.sub(" ", str(text)))
    assert has_chinese(plain), f"{what}: no Chinese in {plain!r}"
    assert english_left(plain) == [], f"{what}: English left in {plain!r}"


def _translated_elsewhere(qid: str, text: str) -> None:
    if qid in OTHER_AREAS and i18n._(text) == text:
        pytest.skip(f"{qid} is registered by vmlab/widgets/wizard.py, not yet translated there")


# ---- self-checks: check() and show() ---------------------------------------------------------


@pytest.mark.parametrize("qid", sorted(QUESTIONS))
def test_every_self_check_speaks_chinese(qid):
    q = QUESTIONS[qid]
    _translated_elsewhere(qid, q.prompt)
    chinese_only(show(qid), f"{qid} shown")
    chinese_only(check(qid, None).message, f"{qid} no answer")
    if isinstance(q, Choice):
        assert check(qid, q.correct).correct
        for letter in q.options:
            feedback = check(qid, letter)
            assert feedback.correct == (letter == q.correct)
            chinese_only(feedback.message, f"{qid} answered {letter}")
        chinese_only(check(qid, "z").message, f"{qid} answered z")
    else:
        assert isinstance(q, Number)
        truth = float(q.answer())
        right = check(qid, truth)
        assert right.correct and f"{truth:g}" in right.message
        chinese_only(right.message, f"{qid} right")
        for wrong in (truth * 3 + 7, truth / 3 - 7):
            feedback = check(qid, wrong)
            assert not feedback.correct
            chinese_only(feedback.message, f"{qid} answered {wrong:g}")
        chinese_only(check(qid, "five").message, f"{qid} answered 'five'")


def test_the_same_answers_are_judged_the_same_in_both_languages():
    # Multiple choice only: a numeric answer is judged by the model's number, which no
    # language touches (and running every model twice would make this test slow).
    choices = {qid: q for qid, q in sorted(QUESTIONS.items()) if isinstance(q, Choice)}
    verdicts = {}
    for lang in ("en", "zh"):
        i18n.use_language(lang)
        verdicts[lang] = [
            check(qid, letter).correct for qid, q in choices.items() for letter in q.options
        ]
    assert verdicts["en"] == verdicts["zh"] and sum(verdicts["zh"]) == len(choices)


def test_a_lesson_that_chose_chinese_before_importing_gets_the_same_banks():
    import json
    import subprocess
    import sys

    code = (
        "import json, vmlab.i18n as i; i.use_language('zh'); "
        "import vmlab.ha_quiz, vmlab.storage_quiz, vmlab.reality_quiz, vmlab.vmotion_quiz; "
        "from vmlab import quiz; "
        "print(json.dumps({k: getattr(q, 'correct', '') for k, q in quiz.QUESTIONS.items()})); "
        "print(json.dumps(sorted(quiz.PREDICTION_QUESTIONS)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.splitlines()
    mine = {k: getattr(q, "correct", "") for k, q in QUESTIONS.items() if k not in OTHER_AREAS}
    assert {k: v for k, v in json.loads(out[0]).items() if k in mine} == mine
    assert set(json.loads(out[1])) >= {k for k in PREDICTION_QUESTIONS if k[:2].isdigit()} - (
        OTHER_AREAS
    )


def test_a_word_unit_is_said_in_chinese_and_a_symbol_is_kept():
    assert "5 台虚拟机" in check("00.1", 5).message
    assert "1200 s" in check("00.3", 1200).message
    assert "(answer in" not in show("00.3") and "（单位：s）" in show("00.3")


def test_unknown_question_is_refused_in_chinese():
    with pytest.raises(ValueError) as err:
        check("09.9", 1)
    chinese_only(str(err.value), "unknown question")
    assert "'09.9'" in str(err.value) and "00.1" in str(err.value)


# ---- predictions: the widget, its messages and the reveal panel -------------------------------


def _right_and_wrong(q):
    """A result, a prediction that matches it and one that does not."""
    if q.choices is not None:
        return "a", "a", "b"
    return 100.0, 100.0, 1000.0


@pytest.mark.parametrize("qid", sorted(k for k in PREDICTION_QUESTIONS if k[:2].isdigit()))
def test_every_prediction_speaks_chinese(qid):
    q = PREDICTION_QUESTIONS[qid]
    _translated_elsewhere(qid, q.question)
    _widget_cls, panel_cls = quiz._classes()
    result, right, wrong = _right_and_wrong(q)

    panel = panel_cls(q, result, ())  # no prediction yet: it asks for one
    assert panel.verdict is None
    chinese_only(panel.message, f"{qid} waiting panel")

    box = predict(qid)
    head = box.children[0].value
    chinese_only(head, f"{qid} question")
    chinese_only(box.lock_button.description, f"{qid} lock button")
    chinese_only(box.lock_button.tooltip, f"{qid} tooltip")
    if q.choices is not None:
        for label, letter in box.answer.options:
            assert label.startswith(f"{letter}) ")
            chinese_only(label, f"{qid} choice {letter}")
    else:
        chinese_only(box.answer.description, f"{qid} number box")
        chinese_only(box.answer.placeholder, f"{qid} placeholder")
    box.lock_button.click()  # nothing chosen yet
    chinese_only(box.message, f"{qid} empty lock")
    assert qid not in quiz.PREDICTIONS
    box.answer.value = "abc" if q.choices is None else right
    box.lock_button.click()
    if q.choices is None:  # not a number: refused, said in Chinese
        chinese_only(box.message, f"{qid} bad number")
        box.answer.value = str(right)
        box.lock_button.click()
    assert quiz.PREDICTIONS[qid].value == right
    chinese_only(box.message, f"{qid} locked")
    assert box.lock_button.disabled

    assert panel.verdict is True, "the waiting panel fills in when the prediction is locked"
    chinese_only(panel.message, f"{qid} right reveal")
    chinese_only(panel.text.value, f"{qid} right reveal HTML")

    lock_prediction(qid, wrong)
    late = panel_cls(q, result, ())
    assert late.verdict is False
    chinese_only(late.message, f"{qid} wrong reveal (after a result)")
    assert "（你是在看到结果之后才锁定" in late.message


@pytest.mark.parametrize(
    ("predicted", "result"), [(10, 11), (100, 1000), (1000, 100), (100, 150), (150, 100)]
)
def test_every_numeric_verdict_is_chinese(predicted, result):
    q = PREDICTION_QUESTIONS["00.longest"]
    ok, sentence = q.compare(predicted, result)
    assert ok == ((predicted, result) == (10, 11))
    chinese_only(sentence, f"{predicted} vs {result}")
    assert f"{predicted:g} min" in sentence and f"{result:g} min" in sentence


def test_reveal_reads_the_run_and_speaks_chinese():
    from vmlab import Cluster
    from vmlab.lessons import fail_and_repair
    from vmlab.quiz import reveal

    run = fail_and_repair(Cluster.example(), "esx-03", fail_at_s=60, repair_at_s=600)
    lock_prediction("00.who", "b")
    panel = reveal("00.who", run)
    assert panel.verdict is True
    chinese_only(panel.message, "00.who revealed")
    assert "b) 它的全部虚拟机" in panel.message


def test_prediction_errors_are_chinese():
    for call in (
        lambda: predict("09.nothing"),
        lambda: lock_prediction("00.who", "z"),
        lambda: lock_prediction("00.longest", "many"),
        lambda: lock_prediction("00.longest", float("inf")),
    ):
        with pytest.raises(ValueError) as err:
            call()
        chinese_only(str(err.value), "prediction error")


def test_a_choice_may_be_given_by_its_chinese_text():
    q = PREDICTION_QUESTIONS["00.who"]
    assert q.letter_of("它的全部虚拟机") == "b" == q.letter_of("all of its VMs")


# ---- lesson helpers ---------------------------------------------------------------------------


def test_plan_moves_says_why_it_falls_short_in_chinese():
    from vmlab.scenarios import overloaded_cluster

    whys = [
        lessons.plan_moves(overloaded_cluster(), threshold_pct=t).attrs["why"] for t in (30, 20)
    ]
    for why in whys:
        chinese_only(why, "plan_moves why")
    assert "%" in whys[0]


def test_yearly_table_and_nines_in_chinese():
    from vmlab.scenarios import availability, compare

    table = compare(seed=0)
    year = availability(table, host_failures_per_year=1, maintenance_per_year=4)
    shown = lessons.yearly_table(year)
    assert list(shown.columns) == ["protection", "downtime per year", "availability", "nines"]
    for text in shown.nines:
        chinese_only(text, "nines")
    chinese_only(lessons.nines_text(7.5), "more than 6")
    chinese_only(lessons.yearly_table(year.assign(nines=7.0)).availability.iloc[0], "availability")


def test_source_vs_model_columns_of_ours_in_chinese():
    from vmlab.scenarios import compare

    cells = lessons.source_vs_model(compare(seed=0))
    assert list(cells.columns) == ["feature", "column", "source", "model", "agrees", "rests on"]
    for column in ("column", "agrees", "rests on"):
        for text in cells[column]:
            chinese_only(text, f"source_vs_model {column}")


def test_log_point_plots_in_chinese():
    from vmlab.scenarios import availability, compare

    table = compare(seed=0)
    year = availability(table, host_failures_per_year=1, maintenance_per_year=4)
    for draw, arg in ((lessons.plot_downtime_points, table), (lessons.plot_yearly_points, year)):
        fig, ax = plt.subplots()
        draw(arg, ax=ax)
        for text in (ax.get_title(), ax.get_xlabel()):
            chinese_only(text, draw.__name__)
        notes = [t.get_text() for t in ax.texts]
        for note in notes:
            assert english_left(note) == [], note
        assert "1 天" in notes
        rows = [t.get_text() for t in ax.get_yticklabels()]
        assert "无保护" in rows and "none" not in rows
        points = [n for n in notes if "——" in n]
        assert len(points) == len(arg)
        for note in points:
            chinese_only(note, draw.__name__)


def test_lesson_helper_sentences_in_chinese():
    from vmlab import Cluster, Simulation

    cluster = Cluster.example()
    cluster.enable_ha()
    cluster.enable_ft("db-01")
    sim = Simulation(cluster, seed=0)
    sim.fail_host("esx-09", at_s=60)
    chinese_only(lessons.unprotected_window(sim.run(until_s=900), "db-01"), "unprotected")
    for policy in ("slots", "failover_hosts"):
        warning = lessons.admission_warning(Cluster.example().enable_ha(admission_control=policy))
        chinese_only(warning, f"admission {policy}")
    from vmlab.ft import Workload, record_replay

    netperf = Workload("netperf", events_per_s=10_000, net_in_mbit_s=940)
    for line, link in zip(lessons.logging_link_limit(940).splitlines(), (1, 10), strict=True):
        ours = line.replace(record_replay(netperf, logging_gbit_s=link).summary(), "")
        chinese_only(ours, "logging link line (without ft.py's summary)")


def test_vm_story_keeps_its_lines_whatever_the_language():
    from vmlab import Cluster

    cluster = Cluster.example()
    cluster.enable_ha()
    cluster.enable_ft("db-01")
    lines = {}
    for lang in ("en", "zh"):
        i18n.use_language(lang)
        twice = lessons.fail_in_turn(
            cluster, "esx-09", "esx-01", at_s=60, after_s=30, until_s=900, seed=0
        )
        lines[lang] = len(lessons.vm_story(twice, "db-01").splitlines())
    assert lines["zh"] == lines["en"] > 10


def test_lacks_capacity_reads_either_language():
    causes = pd.Series(["esx-03 failed; insufficient capacity", "esx-03 故障；容量不足", "x"])
    assert list(lessons._lacks_capacity(causes)) == [True, True, False]


# ---- reality.py -------------------------------------------------------------------------------


def test_describe_every_sample_run_in_chinese():
    for run_id in reality.qemu_runs().runs.run_id:
        text = reality.describe(run_id)
        assert len(text.splitlines()) == 3
        for line in text.splitlines():
            chinese_only(line, run_id)
    with pytest.raises(ValueError) as err:
        reality.run_row("no-such-run")
    chinese_only(str(err.value), "run_row")


def test_describe_prints_the_same_figures_in_both_languages():
    numbers = {}
    for lang in ("en", "zh"):
        i18n.use_language(lang)
        text = reality.describe(reality.HOT_RUN)
        numbers[lang] = re.findall(r"[-+]?\d+(?:\.\d+)?%?", text.replace("\n", " "))
    assert numbers["zh"] == numbers["en"]


# ---- the catalog entries of this area ---------------------------------------------------------

FIELD = re.compile(r"\{[^{}]*\}")


def _my_entries():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    return [m for m in catalog if m.id and {loc[0] for loc in m.locations} & MINE]


def test_every_entry_of_this_area_is_translated_with_the_same_placeholders():
    entries = _my_entries()
    assert len(entries) > 300
    for m in entries:
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        assert "fuzzy" not in m.flags, m.id
        for text in strings:
            assert text, f"untranslated: {m.id!r}"
            for msgid in ids:
                assert sorted(FIELD.findall(text)) == sorted(FIELD.findall(msgid)), m.id
            # Chinese, or code / names / a layout only: a hint that is a call, "{column}（{gloss}）"
            assert has_chinese(text) or text in ids or not english_left(FIELD.sub(" ", text)), m.id
