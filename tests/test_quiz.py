"""The self-check helper: right, wrong, malformed and missing answers."""

from __future__ import annotations

import pytest

from vmlab.quiz import QUESTIONS, Choice, Number, check, register, show


def test_choice_questions():
    assert check("00.2", "b").correct
    assert check("00.2", " B) ").correct
    wrong = check("00.2", "a")
    assert not wrong and wrong.message.startswith("✘ Not quite.")
    assert "Answer with one letter" in check("00.2", "z").message


def test_numeric_answers_are_computed_by_the_model():
    # 00.3: db-03 on esx-11, failed at 60 s, repaired at 960 s, boots in 300 s
    assert check("00.3", 1200).correct
    assert "too low" in check("00.3", 900).message
    assert "too high" in check("00.3", 2000).message
    assert check("00.1", 5).correct and not check("00.1", 4)
    assert "Answer with a number" in check("00.1", "five").message


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


def test_ids_are_unique():
    with pytest.raises(ValueError, match="already in the bank"):
        register(Choice("00.2", "?", {"a": "x"}, "a"))
