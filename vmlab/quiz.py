"""Self-checks for the lessons' exercises: answer, run the cell, read the feedback at once.

The answers live here, not in the notebooks, and many are computed by running the model, so
they stay true when the model changes::

    >>> from vmlab.quiz import check
    >>> check("00.2", "b")
    ✔ Right. Nothing restarts them: they wait, down, until the host is repaired, then boot.
    >>> check("00.2", None)
    ✎ Put your answer in place of None and run the cell again.

A question is multiple choice (answer with the letter) or numeric (a number, within a
tolerance). Wrong answers get a hint, not the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from vmlab.cluster import Cluster
from vmlab.sim import Simulation


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer; printing it shows the message."""

    correct: bool
    message: str

    def __repr__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return self.correct


@dataclass(frozen=True)
class Choice:
    """A multiple-choice question. ``options`` maps a letter to its text; ``why`` maps a letter
    to the feedback given when it is chosen."""

    id: str
    prompt: str
    options: dict[str, str]
    correct: str
    why: dict[str, str] = field(default_factory=dict)

    def judge(self, answer: object) -> Feedback:
        letter = str(answer).strip().lower().rstrip(")").strip()
        if letter not in self.options:
            valid = ", ".join(f"'{k}'" for k in self.options)
            return Feedback(False, f"✎ Answer with one letter: {valid}.")
        ok = letter == self.correct
        note = self.why.get(letter, "")
        if ok:
            return Feedback(True, f"✔ Right. {note}".rstrip())
        return Feedback(False, f"✘ Not quite. {note or 'Read the question again.'}".rstrip())


@dataclass(frozen=True)
class Number:
    """A numeric question. ``answer`` is computed when asked (often by running the model);
    an answer within ``tolerance`` (relative) or ``abs_tolerance`` counts."""

    id: str
    prompt: str
    answer: Callable[[], float]
    unit: str
    explain: str
    hint: str
    tolerance: float = 0.02
    abs_tolerance: float = 0.0

    def judge(self, answer: object) -> Feedback:
        try:
            given = float(answer)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return Feedback(False, f"✎ Answer with a number (in {self.unit}), not {answer!r}.")
        truth = float(self.answer())
        slack = max(abs(truth) * self.tolerance, self.abs_tolerance)
        if abs(given - truth) <= slack:
            return Feedback(True, f"✔ Right: {truth:g} {self.unit}. {self.explain}")
        direction = "too high" if given > truth else "too low"
        return Feedback(False, f"✘ {given:g} {self.unit} is {direction}. Hint: {self.hint}")


Question = Choice | Number
QUESTIONS: dict[str, Question] = {}


def register(question: Question) -> Question:
    """Add a question to the bank (ids look like ``'00.1'``: lesson, number)."""
    if question.id in QUESTIONS:
        raise ValueError(f"Question {question.id!r} is already in the bank")
    QUESTIONS[question.id] = question
    return question


def check(question_id: str, answer: object) -> Feedback:
    """Judge ``answer`` to question ``question_id`` and return the feedback (it prints itself).

    Raises
    ------
    ValueError
        The question does not exist; the message lists the questions there are.
    """
    if question_id not in QUESTIONS:
        raise ValueError(
            f"There is no question {question_id!r}; questions are {', '.join(sorted(QUESTIONS))}"
        )
    if answer is None or answer is Ellipsis:
        return Feedback(False, "✎ Put your answer in place of None and run the cell again.")
    return QUESTIONS[question_id].judge(answer)


def show(question_id: str) -> str:
    """The question's text (and options), as the lesson shows it."""
    if question_id not in QUESTIONS:
        check(question_id, None)
    q = QUESTIONS[question_id]
    if isinstance(q, Choice):
        return q.prompt + "\n" + "\n".join(f"  {k}) {v}" for k, v in q.options.items())
    return f"{q.prompt} (answer in {q.unit})"


# ----------------------------------------------------------------------------------------
# Lesson 00 — the cluster and a failing host
# ----------------------------------------------------------------------------------------


def _outage_of(service_vm: str, host: str, fail_at: float, repair_at: float) -> float:
    sim = Simulation(Cluster.example(), seed=0)
    sim.fail_host(host, at_s=fail_at)
    sim.repair_host(host, at_s=repair_at)
    out = sim.run(until_s=repair_at + 3600).outages()
    return float(out.loc[out.vm == service_vm, "down_s"].iloc[0])


register(
    Number(
        "00.1",
        "In Cluster.example(), how many VMs stop when esx-09 fails?",
        answer=lambda: len(Cluster.example().vms_on("esx-09")),
        unit="VMs",
        explain="Every VM registered on a host stops with it, whatever its service.",
        hint="list the VMs of that host: cluster.vms_on('esx-09').",
        abs_tolerance=0,
    )
)
register(
    Choice(
        "00.2",
        "With no protection, when does a failed host's VM serve its clients again?",
        {
            "a": "at once, on another host",
            "b": "after the host is repaired and the guest has booted",
            "c": "15 seconds later",
            "d": "never",
        },
        "b",
        {
            "a": "That is what HA and FT are for (lessons 03 and 04); here nothing is enabled.",
            "b": "Nothing restarts them: they wait, down, until the host is repaired, then boot.",
            "c": "15 s is when HA would declare the host failed — but HA is not on here.",
            "d": "They come back once their host is repaired and they have booted.",
        },
    )
)
register(
    Number(
        "00.3",
        "esx-11 fails at t = 60 s and is repaired at t = 960 s. For how many seconds is its "
        "database (db-03) out of service?",
        answer=lambda: _outage_of("db-03", "esx-11", 60, 960),
        unit="s",
        explain="900 s waiting for the repair, then 300 s for the database to boot and recover.",
        hint="add the time until the repair to the VM's boot time (cluster.vms['db-03'].boot_s).",
        abs_tolerance=1,
    )
)
register(
    Choice(
        "00.4",
        "A host's CPU must be swapped on a Wednesday and its services must keep running. "
        "Which kind of problem is it?",
        {
            "a": "planned work: we choose when, so we can move the VMs away first",
            "b": "a sudden failure: we must restart the VMs elsewhere",
        },
        "a",
        {
            "a": "The tool for it is vMotion — lessons 01 and 02.",
            "b": "Nothing has failed yet: we know the time in advance, so nothing needs to stop.",
        },
    )
)


# ----------------------------------------------------------------------------------------
# Lesson 01 — planned maintenance with vMotion
# ----------------------------------------------------------------------------------------


def _slowest_move_s() -> float:
    sim = Simulation(Cluster.example(), seed=0)
    sim.enter_maintenance("esx-09", at_s=60)
    return float(sim.run(until_s=3600).migrations.total_time_s.max())


def _idle_move_s() -> float:
    from vmlab.migration import precopy

    return precopy(16, 0, 0, 10).total_time_s


register(
    Number(
        "01.1",
        "Entering maintenance on esx-09: how long does the slowest vMotion take?",
        answer=_slowest_move_s,
        unit="s",
        explain="The 64 GiB database: the most memory to copy and the busiest writer.",
        hint="weekday_run.migrations.total_time_s.max()",
        abs_tolerance=1.5,
    )
)
register(
    Number(
        "01.2",
        "How long does the vMotion of an idle 16 GiB VM take over 10 Gbit/s?",
        answer=_idle_move_s,
        unit="s",
        explain="One full copy (16 GiB ÷ ~1.16 GiB/s) and nothing to re-send.",
        hint="an idle VM dirties nothing: one round of memory ÷ bandwidth.",
        tolerance=0.1,
    )
)
register(
    Choice(
        "01.3",
        "Why does the dirty working set matter more than the dirty rate for convergence?",
        {
            "a": "the rate is measured wrongly",
            "b": "rewriting the same pages many times dirties them only once per round",
            "c": "the working set is copied first",
        },
        "b",
        {
            "a": "The rate is right; it just counts rewrites of the same page again and again.",
            "b": "A round re-sends each dirty page once, however often it was written: the "
            "dirty set can never outgrow the working set (Clark et al.'s observation).",
            "c": "Round 0 copies memory in order; the working set gets no head start.",
        },
    )
)
register(
    Choice(
        "01.4",
        "esx-02 has a Cascade Lake CPU, esx-05 an Ice Lake, no EVC. Which way can a running "
        "VM move?",
        {"a": "esx-02 → esx-05 only", "b": "esx-05 → esx-02 only", "c": "both", "d": "neither"},
        "a",
        {
            "a": "Ice Lake has every Cascade Lake feature; the reverse is not true. "
            "An EVC baseline of intel-cascadelake would allow both ways.",
            "b": "The other way round: a guest started on the newer CPU may use features the "
            "older one lacks.",
            "c": "Only with an EVC baseline that masks the newer host down.",
            "d": "Same vendor, older to newer generation: allowed.",
        },
    )
)


# ----------------------------------------------------------------------------------------
# Lesson 02 — relieving an overloaded host
# ----------------------------------------------------------------------------------------


def _moves_needed(threshold_pct: float) -> int:
    from vmlab.scenarios import overloaded_cluster
    from vmlab.vmotion import propose_moves

    return len(propose_moves(overloaded_cluster(), threshold_pct=threshold_pct))


register(
    Number(
        "02.1",
        "How many vMotions bring esx-05 under 80 %?",
        answer=lambda: _moves_needed(80),
        unit="moves",
        explain="Each move frees the VM's memory on esx-05; the plan stops once it is under.",
        hint="len(moves)",
        abs_tolerance=0,
    )
)
register(
    Number(
        "02.2",
        "With a 60 % threshold, how many moves are proposed?",
        answer=lambda: _moves_needed(60),
        unit="moves",
        explain="A lower threshold means more memory to free, so more VMs must go.",
        hint="propose_moves(cluster, threshold_pct=60) and count the rows.",
        abs_tolerance=0,
    )
)
register(
    Choice(
        "02.3",
        "Why does the balancer move dc-01 before batch-01?",
        {
            "a": "dc-01 is bigger",
            "b": "dc-01 dirties memory slowly, so it moves in few rounds with a short stun",
            "c": "batch VMs cannot be migrated",
        },
        "b",
        {
            "a": "It is smaller (8 GiB against 24 GiB); size is only the tie-breaker.",
            "b": "Cheapest first: a quiet VM converges quickly and pauses for the shortest time.",
            "c": "They can — it would just take longer and need SDPS.",
        },
    )
)
