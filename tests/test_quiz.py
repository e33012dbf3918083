"""The self-check helper: right, wrong, malformed and missing answers."""

from __future__ import annotations

import re

import pytest

from vmlab.quiz import QUESTIONS, Choice, Number, check, register, show


def test_choice_questions():
    assert check("00.4", "a").correct
    assert check("00.4", " A) ").correct
    wrong = check("00.4", "b")
    assert not wrong and wrong.message.startswith("✘ Not quite.")
    assert "Answer with one letter" in check("00.4", "z").message


def test_numeric_answers_are_computed_by_the_model():
    # 00.3: db-03 on esx-11, failed at 60 s, repaired at 960 s, boots in 300 s
    assert check("00.3", 1200).correct
    assert "too low" in check("00.3", 900).message
    assert "too high" in check("00.3", 2000).message
    assert check("00.1", 5).correct and not check("00.1", 4)
    assert "Answer with a number" in check("00.1", "five").message
    for endless in (float("nan"), float("inf"), "-inf"):  # not a number to judge
        assert check("02.1", endless).message.startswith("✎ Answer with a number (in ms)")


def test_placeholder_and_unknown_questions():
    assert check("00.1", None).message.startswith("✎ Put your answer")
    with pytest.raises(ValueError, match="There is no question '09.9'; questions are 00.1"):
        check("09.9", 1)


def test_every_question_has_a_correct_answer_that_passes():
    for qid, q in QUESTIONS.items():
        if isinstance(q, Choice):
            assert check(qid, q.correct).correct, qid
            assert q.correct in q.options
        else:
            assert isinstance(q, Number)
            assert check(qid, q.answer()).correct, qid
        assert show(qid)


def _numbers_in(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


def _significant(number: str) -> int:
    """Significant digits of a printed number; a whole number counts as its digits less
    trailing zeros (1200 → 2), so only a fraction's digits are limited."""
    digits = number.replace(".", "").lstrip("0")
    return len(digits.rstrip("0")) if "." not in number else len(digits)


def _fractional_numbers():
    """Number questions whose model answer is not a whole number (38.2618… ms, …)."""
    return {
        qid: (q, float(q.answer()))
        for qid, q in QUESTIONS.items()
        if isinstance(q, Number) and float(q.answer()) != round(float(q.answer()))
    }


def test_an_exact_answer_is_right_not_close_enough():
    whole = {
        qid: int(q.answer())
        for qid, q in QUESTIONS.items()
        if isinstance(q, Number) and qid in ("00.1", "00.3", "02.2")
    }
    for qid, answer in whole.items():  # 5 VMs, 1200 s, 4 moves: given exactly
        message = check(qid, answer).message
        assert message.startswith(f"✔ Right: {answer} "), message
        assert "Close enough" not in message
    # a fractional answer, given as the feedback prints it, counts as right
    for qid, (q, truth) in _fractional_numbers().items():
        slack = max(abs(truth) * q.tolerance, q.abs_tolerance)
        printed = re.search(r"the model gives (\S+) ", check(qid, truth + 0.8 * slack).message)
        message = check(qid, float(printed.group(1))).message
        assert message.startswith(f"✔ Right: {printed.group(1)} "), (qid, message)


def test_a_near_miss_counts_and_says_which_way():
    for qid, (q, truth) in _fractional_numbers().items():
        slack = max(abs(truth) * q.tolerance, q.abs_tolerance)
        high, low = check(qid, truth + 0.8 * slack), check(qid, truth - 0.8 * slack)
        assert high.correct and low.correct, qid
        assert "Close enough" in high.message and "a little high" in high.message, high.message
        assert "Close enough" in low.message and "a little low" in low.message, low.message
        assert "Right" not in high.message + low.message
    # outside the tolerance, the verdict stays "too high" / "too low"
    assert check("02.1", 60).message.startswith("✘ 60 ms is too high.")
    assert check("02.1", 20).message.startswith("✘ 20 ms is too low.")


def test_the_model_s_numbers_are_rounded_in_the_feedback():
    assert _fractional_numbers(), "no question with a fractional answer left to test"
    for qid, (q, truth) in _fractional_numbers().items():
        slack = max(abs(truth) * q.tolerance, q.abs_tolerance)
        message = check(qid, round(truth - 0.8 * slack)).message  # a whole number given
        model = re.search(r"the model gives (\S+) ", message).group(1)
        assert _significant(model) <= 3, (qid, message)
        assert abs(float(model) - truth) <= slack / 10, (qid, model, truth)  # still that number
        assert f"{truth:g}" not in message, (qid, message)  # not the unrounded answer
    # 02.1 (38.26… ms, within 5 %): one decimal, not six digits
    assert "the model gives 38.3 ms" in check("02.1", 37).message


def test_ids_are_unique():
    with pytest.raises(ValueError, match="already in the bank"):
        register(Choice("00.2", "?", {"a": "x"}, "a"))


# ---- predictions: recorded before the run, compared with the run's own result ----------

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from vmlab import Cluster, Simulation  # noqa: E402
from vmlab.quiz import (  # noqa: E402
    LOCK_LABEL,
    PREDICTION_QUESTIONS,
    PREDICTIONS,
    forget_predictions,
    lock_prediction,
    predict,
    register_prediction,
    reveal,
)


def _db03_down_s(timeline) -> float:
    out = timeline.outages()
    return float(out.loc[out.vm == "db-03", "down_s"].iloc[0])


register_prediction(
    "test.outage",
    "esx-11 fails at 60 s and is repaired at 960 s: how long is db-03 out?",
    unit="s",
    tolerance=0.1,
    explain="the repair wait plus the boot",
    measure=_db03_down_s,
)
register_prediction("test.number", "How many?", unit="VMs", abs_tolerance=1)
register_prediction(
    "test.choice",
    "Which comes back first?",
    choices=("the web server", "the database"),
    explain=lambda result: f"result was {result}",
)


def _run():
    sim = Simulation(Cluster.example(), seed=0)
    sim.fail_host("esx-11", at_s=60)
    sim.repair_host("esx-11", at_s=960)
    return sim.run(until_s=2400)


@pytest.fixture(autouse=True)
def _fresh_predictions():
    forget_predictions()
    yield
    forget_predictions()


def test_lock_records_the_prediction_and_freezes_the_controls():
    box = predict("test.outage")
    assert box.lock_button.description == LOCK_LABEL
    box.lock_button.click()  # nothing typed yet
    assert "test.outage" not in PREDICTIONS and "first" in box.message
    box.answer.value = "1000"
    box.lock_button.click()
    assert PREDICTIONS["test.outage"].value == 1000.0
    assert box.answer.disabled and box.lock_button.disabled
    assert "Locked in: 1000 s" in box.message


def test_reveal_reads_the_result_from_the_run():
    timeline = _run()
    lock_prediction("test.outage", 1190)
    panel = reveal("test.outage", timeline)
    assert panel.result == _db03_down_s(timeline) == pytest.approx(1200, abs=1)
    assert panel.verdict is True
    assert "the run gave 1200 s" in panel.message and "the repair wait" in panel.message


def test_a_wrong_number_says_how_far_off():
    lock_prediction("test.outage", 300)
    panel = reveal("test.outage", _run())
    assert panel.verdict is False
    assert "4× too low" in panel.message
    lock_prediction("test.outage", 1500)
    assert "too high" in reveal("test.outage", _run()).message


def test_without_a_prediction_the_result_is_hidden_until_one_is_locked():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    panel = reveal("test.outage", _run(), show=fig)
    assert panel.verdict is None and "Make a prediction first" in panel.message
    assert panel.output.outputs == ()
    assert not plt.fignum_exists(fig.number)  # not drawn under the cell either
    box = predict("test.outage")
    box.answer.value = "1200"
    box.lock_button.click()
    assert panel.verdict is True  # the waiting panel filled in by itself
    assert panel.output.outputs[0]["data"]["image/png"]
    assert "after seeing" not in panel.message


def test_a_prediction_locked_after_seeing_a_result_is_flagged():
    lock_prediction("test.choice", "a")
    reveal("test.choice", "the database")
    lock_prediction("test.choice", "b")
    panel = reveal("test.choice", "b")
    assert panel.verdict is True and "after seeing a result" in panel.message


def test_choices_by_letter_index_or_text():
    lock_prediction("test.choice", 0)
    assert PREDICTIONS["test.choice"].value == "a"
    panel = reveal("test.choice", "the database")
    assert panel.verdict is False
    assert "You predicted a) the web server; the run shows b) the database" in panel.message
    assert "result was b" in panel.message
    box = predict("test.choice")
    box.answer.value = "b"
    box.lock_button.click()
    assert reveal("test.choice", 1).verdict is True


def test_bad_predictions_and_questions_are_readable_errors():
    with pytest.raises(ValueError, match="no prediction 'nope'"):
        predict("nope")
    with pytest.raises(ValueError, match="not one of question 'test.choice'"):
        lock_prediction("test.choice", "z")
    with pytest.raises(ValueError, match="Predict a number"):
        lock_prediction("test.outage", "soon")
    with pytest.raises(ValueError, match="expects a number"):
        reveal("test.number", "soon")
    with pytest.raises(ValueError, match="needs its unit"):
        register_prediction("test.bad", "How long?")
    with pytest.raises(ValueError, match="2 to 10 choices"):
        register_prediction("test.bad", "Which?", choices=("only",))
    with pytest.raises(ValueError, match="already registered"):
        register_prediction("test.choice", "Another question?", choices=("x", "y"))
    # the same registration again (a module imported twice) is fine
    register_prediction(
        "test.choice", "Which comes back first?", choices=("the web server", "the database")
    )
    assert "test.bad" not in PREDICTIONS


def test_an_empty_or_bad_answer_is_a_message_not_a_traceback():
    box = predict("test.choice")
    box.lock_button.click()
    assert "Pick a choice first" in box.message
    number = predict("test.number")
    number.answer.value = "about five"
    number.lock_button.click()
    assert "Predict a number (in VMs), not 'about five'" in number.message
    assert not number.lock_button.disabled
    assert not PREDICTIONS


def test_every_lesson_of_this_course_predicts_at_least_twice_and_reveals_after():
    # Every lesson: each predict("id") has a reveal("id", …) in a later cell,
    # never in the same cell (the prediction must be locked in before the run's output).
    import re
    from pathlib import Path

    import nbformat

    import vmlab.ha_quiz  # noqa: F401  (lesson 03's predictions)
    import vmlab.reality_quiz  # noqa: F401  (lesson 07's)
    import vmlab.vmotion_quiz  # noqa: F401  (lesson 01's)
    from vmlab.quiz import PREDICTION_QUESTIONS

    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    for lesson in ("00", "01", "02", "03", "04", "05", "07"):
        (path,) = notebooks.glob(f"{lesson}-*.ipynb")
        cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        asked = {m: i for i, s in enumerate(cells) for m in re.findall(r'predict\("([^"]+)"\)', s)}
        shown = {m: i for i, s in enumerate(cells) for m in re.findall(r'reveal\("([^"]+)"', s)}
        assert len(asked) >= 2, lesson
        assert set(asked) == set(shown), lesson
        for qid, i in asked.items():
            assert qid in PREDICTION_QUESTIONS, qid
            assert qid.startswith(lesson + "."), qid
            assert shown[qid] > i, f"{qid} is revealed before or with its prediction"


register_prediction(  # within 20 %
    "test.pause", "How long is the pause?", unit="ms", explain=lambda r: f"It took {r:g} ms."
)
register_prediction("test.moves", "How many moves?", unit="moves", tolerance=0)


def test_an_exact_prediction_is_right_not_close_enough():
    for qid, value in (("test.moves", 2), ("test.number", 0), ("test.pause", 11.5)):
        ok, sentence = PREDICTION_QUESTIONS[qid].compare(value, value)
        assert ok and sentence.endswith(". Right."), sentence
        assert "Close enough" not in sentence
    lock_prediction("test.outage", 1200)
    panel = reveal("test.outage", _run())  # the run's own 1200 s (a float from the model)
    assert panel.verdict is True and "the run gave 1200 s. Right." in panel.message
    # a prediction that reads as the rounded result is right too
    lock_prediction("test.pause", 38.3)
    assert "the run gave 38.3 ms. Right." in reveal("test.pause", 38.2618283497288).message


def test_a_near_miss_prediction_says_which_way():
    lock_prediction("test.outage", 1150)
    low = reveal("test.outage", _run())
    assert low.verdict is True
    assert "the run gave 1200 s. Close enough, a little low." in low.message
    lock_prediction("test.outage", 1250)
    high = reveal("test.outage", _run())
    assert high.verdict is True and "Close enough, a little high." in high.message
    q = PREDICTION_QUESTIONS["test.moves"]  # tolerance 0: one move off is a miss
    assert q.compare(3, 2) == (False, "✘ You predicted 3 moves; the run gave 2 moves: too high.")


def test_reveals_print_the_result_rounded():
    for predicted, result in ((300, 306.0639462230199), (40, 38.2618283497288), (5, 4.99579)):
        lock_prediction("test.pause", predicted)
        message = reveal("test.pause", result).message
        shown = re.search(r"the run gave (\S+) ms", message).group(1)
        assert _significant(shown) <= 3, message
        assert abs(float(shown) - result) <= 0.2 * result / 10, message  # the same number
        assert f"{result:g}" not in message, message
    lock_prediction("test.pause", 300)
    message = reveal("test.pause", 306.0639462230199).message
    assert "the run gave 306 ms. Close enough, a little low. It took 306 ms." in message
    # a miss is never shown as a hit: the result gets the decimals that tell them apart
    q = PREDICTION_QUESTIONS["test.moves"]
    assert q.compare(2.5, 2.504) == (
        False,
        "✘ You predicted 2.5 moves; the run gave 2.504 moves: too low.",
    )
