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

Predictions (bottom of this module) come *before* an experiment: ``predict(qid)`` records the
student's answer with a Lock button, ``reveal(qid, run)`` sets it against the result read
from the run, and holds back the run's figures until a prediction is locked in.
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
        "Host A has a Cascade Lake CPU, host B an Ice Lake, no EVC. Which way can a running "
        "VM move?",
        {"a": "A → B only", "b": "B → A only", "c": "both ways", "d": "neither"},
        "a",
        {
            "a": "Ice Lake has every Cascade Lake feature; the reverse is not true. "
            "An EVC baseline of intel-cascadelake would allow both ways.",
            "b": "Ask which CPU has features the other lacks, and where a running guest "
            "may already be using them.",
            "c": "Only with an EVC baseline that masks the newer host down.",
            "d": "Both are Intel: at least one direction keeps every feature the guest saw.",
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
        "Why does the plan start with a 24 GiB batch server rather than the small web and "
        "directory VMs?",
        {
            "a": "batch VMs migrate faster per GiB",
            "b": "no VM frees enough alone, so the largest one saves the most moves",
            "c": "small VMs cannot be migrated",
        },
        "b",
        {
            "a": "Round 0 copies every GiB once, whatever the VM: the time per GiB is about "
            "the same for all of them (compare a few with precopy()).",
            "b": "Best fit: fewer moves means fewer stuns and less network time; the second "
            "move is then the smallest VM that covers what is left.",
            "c": "Any running VM with a compatible target can move; look at lesson 01.",
        },
    )
)


# ----------------------------------------------------------------------------------------
# Lesson 04 — FT: no outage at all (issue 5)
# ----------------------------------------------------------------------------------------


def _ft_run(*steps: tuple[str, str, float], until_s: float = 900, vm: str = "db-01"):
    """Cluster.example() with HA on (FT needs it) and FT on ``vm`` (db-01: primary esx-09,
    secondary esx-01), then ``steps``."""
    cluster = Cluster.example()
    cluster.enable_ha()
    cluster.enable_ft(vm)
    sim = Simulation(cluster, seed=0)
    for kind, target, at in steps:
        getattr(sim, kind)(target, at_s=at)
    return sim.run(until_s=until_s)


def _ft_pause_ms() -> float:
    out = _ft_run(("fail_host", "esx-09", 60)).outages()
    return 1000 * float(out.loc[out.vm == "db-01", "down_s"].iloc[0])


def _ft_reprotect_s(vm: str = "app-01") -> float:
    host = Cluster.example().vms[vm].host
    ev = _ft_run(("fail_host", host, 60), vm=vm).events
    mine = ev[ev.vm == vm].set_index("kind").t_s
    return float(mine["ft_secondary_created"] - mine["ft_failover"])


def _ft_memory_cost_gib(vms: tuple[str, ...] = ("db-01", "app-02", "mail-03")) -> float:
    before = Cluster.example()
    before.enable_ha()
    after = Cluster.example()
    after.enable_ha()
    for vm in vms:
        after.enable_ft(vm)
    return sum(after.used_memory_gib(h) for h in after.hosts) - sum(
        before.used_memory_gib(h) for h in before.hosts
    )


register(
    Number(
        "04.1",
        "With FT on db-01, its primary's host esx-09 fails at t = 60 s. For how many "
        "milliseconds does db-01 pause?",
        answer=_ft_pause_ms,
        unit="ms",
        explain="Failure detection plus the secondary's lag: a pause well under a second, "
        "not a restart.",
        hint="run the failure and read timeline.outages() (down_s is in seconds).",
        abs_tolerance=5,
    )
)
register(
    Number(
        "04.2",
        "Protect app-01 (16 GiB, primary on esx-09) with FT instead of db-01, and fail "
        "esx-09 at t = 60 s. For how many seconds is app-01 unprotected (from ft_failover to "
        "ft_secondary_created)?",
        answer=_ft_reprotect_s,
        unit="s",
        explain="Its 16 GiB are copied by pre-copy over the 10 Gbit/s FT logging network; a "
        "smaller VM with a smaller working set is protected again sooner than db-01.",
        hint="repeat the lesson's run on a fresh Cluster.example() with enable_ha() and "
        "enable_ft('app-01'), then subtract the two events' t_s in timeline.events.",
        tolerance=0.03,
    )
)
register(
    Choice(
        "04.3",
        "With FT on db-01, the host of its secondary (esx-01) fails. What do db-01's clients "
        "notice?",
        {
            "a": "nothing: the primary runs on; FT starts a new secondary elsewhere",
            "b": "a pause of a few hundred milliseconds",
            "c": "a restart of a few minutes",
        },
        "a",
        {
            "a": "Only the shadow copy was lost. The VM is unprotected until a new one is in step.",
            "b": "Which copy serves the clients, and was that the one on esx-01? Look at when "
            "the lesson's runs showed a pause.",
            "c": "How many copies were lost here? Think about what must be gone before anything "
            "has to boot.",
        },
    )
)
register(
    Number(
        "04.4",
        "In Cluster.example() with HA on, FT protects db-01, app-02 and mail-03. How many GiB "
        "of the cluster's memory does FT take in addition to the same cluster without FT?",
        answer=_ft_memory_cost_gib,
        unit="GiB",
        explain="Each secondary's memory is fully reserved on its host: FT doubles each "
        "protected VM's memory (and its vCPUs).",
        hint="look up each VM's memory_gib in cluster.vms, or turn FT on for the three and "
        "compare cluster.used_memory_gib(h) summed over the hosts, before and after.",
        abs_tolerance=0.5,
    )
)
register(
    Choice(
        "04.5",
        "Which VM deserves FT rather than HA?",
        {
            "a": "one of 24 identical web front ends behind a load balancer",
            "b": "the single order database, where a 5-minute restart loses orders and sessions",
            "c": "a file server whose users can wait a few minutes",
        },
        "b",
        {
            "a": "What does the load balancer already do when one of 24 copies disappears?",
            "b": "One copy of a service that must not stop: worth twice the memory and CPU.",
            "c": "What do a few minutes of outage cost this service, against a second full "
            "copy's memory and CPU?",
        },
    )
)


# ----------------------------------------------------------------------------------------
# Lesson 05 — comparing vMotion, HA and FT
# ----------------------------------------------------------------------------------------


def _compared(feature: str) -> float:
    from vmlab.scenarios import compare

    return float(compare().set_index("feature").downtime_s[feature])


def _yearly_with_ha(failures: float, works: float) -> float:
    from vmlab.scenarios import availability, compare

    year = availability(compare(), host_failures_per_year=failures, maintenance_per_year=works)
    return float(year.set_index("protection").downtime_s_per_year["vMotion + HA"])


register(
    Number(
        "05.1",
        "How many seconds is the database out when its host dies with HA on?",
        answer=lambda: _compared("HA"),
        unit="s",
        explain="15 s until the host is declared failed, then the database's 300 s boot.",
        hint="look at the HA row of compare(); then split it into detection and boot.",
        abs_tolerance=2,
    )
)
register(
    Choice(
        "05.2",
        "Which feature does the source configure on the cluster, not on a VM?",
        {"a": "vMotion", "b": "HA", "c": "FT"},
        "b",
        {
            "a": "vMotion is started per VM (right-click, Migrate).",
            "b": "HA is switched on for a whole cluster; every VM in it is then protected.",
            "c": "FT is switched on per VM: each protected VM gets its own secondary.",
        },
    )
)
register(
    Choice(
        "05.3",
        "A 2-vCPU payment gateway's open connections must survive a host failure. Which feature?",
        {"a": "vMotion", "b": "HA", "c": "FT", "d": "none is needed"},
        "c",
        {
            "a": "vMotion cannot help once the host is dead: there is nothing left to copy from.",
            "b": "HA restarts the VM: minutes of outage and every connection lost.",
            "c": "FT's secondary takes over within a pause; 2 vCPUs is within FT's limits.",
            "d": "Without protection the gateway is down until the host is repaired.",
        },
    )
)
register(
    Number(
        "05.4",
        "With vMotion + HA, two host failures and four planned works a year: seconds of "
        "downtime per year?",
        answer=lambda: _yearly_with_ha(2, 4),
        unit="s",
        explain="2 × the HA outage + 4 × the vMotion pause: the failures dominate.",
        hint="availability(table, host_failures_per_year=2, maintenance_per_year=4)",
        tolerance=0.01,
    )
)
register(
    Choice(
        "05.5",
        "Which feature does not help at all when a host dies suddenly?",
        {"a": "vMotion", "b": "HA", "c": "FT"},
        "a",
        {
            "a": "vMotion moves running VMs; a dead host's VMs are not running any more.",
            "b": "HA restarts the VMs elsewhere.",
            "c": "FT's secondary takes over.",
        },
    )
)


# ----------------------------------------------------------------------------------------
# Predictions: the student commits to an answer before the experiment runs
# ----------------------------------------------------------------------------------------
#
#     predict("00.outage")                          # question, choices or a number box, a
#                                                   # "Lock in my prediction" button
#     timeline = sim.run(until_s=1800)              # the experiment
#     reveal("00.outage", timeline, show=figure)    # the model's own result against the
#                                                   # locked-in prediction; ``show`` appears
#                                                   # only once a prediction is locked in
#
# ``reveal`` reads the result from the run: a question registered with ``measure=`` applies
# it to what ``reveal`` is given (a Timeline, a table, …); without ``measure`` the value given
# is the result itself (computed in the lesson by a vmlab call, never typed in).

LOCK_LABEL = "Lock in my prediction"


@dataclass(frozen=True)
class PredictionQuestion:
    """A question the student answers *before* running an experiment.

    ``choices`` (texts, shown as a), b), …) make it multiple choice; otherwise the answer is a
    number in ``unit``, close enough when within ``tolerance`` (relative) or ``abs_tolerance``.
    ``measure`` turns what :func:`reveal` is given (a run) into the result; ``explain`` (a
    string, or a function of the result) is shown with the verdict.
    """

    id: str
    question: str
    choices: tuple[str, ...] | None = None
    unit: str | None = None
    tolerance: float = 0.2
    abs_tolerance: float = 0.0
    explain: str | Callable[[object], str] = ""
    measure: Callable[[object], object] | None = None

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple("abcdefghij"[: len(self.choices or ())])

    def label(self, value: object) -> str:
        """``value`` as the student reads it: 'b) the text' or '42 s'."""
        if self.choices is not None:
            letter = self.letter_of(value)
            return f"{letter}) {self.choices[self.letters.index(letter)]}"
        return f"{float(value):g} {self.unit or ''}".rstrip()  # type: ignore[arg-type]

    def letter_of(self, value: object) -> str:
        """The letter of a choice given by letter, by index or by its text."""
        assert self.choices is not None
        is_index = isinstance(value, int) and not isinstance(value, bool)
        if is_index and 0 <= value < len(self.choices):  # type: ignore[operator]
            return self.letters[value]  # type: ignore[index]
        text = str(value).strip()
        if text.lower().rstrip(")") in self.letters:
            return text.lower().rstrip(")")
        for letter, choice in zip(self.letters, self.choices, strict=True):
            if text == choice:
                return letter
        raise ValueError(
            f"{value!r} is not one of question {self.id!r}'s choices "
            f"({', '.join(self.letters)} or their texts)"
        )

    def result_of(self, run: object) -> object:
        """The experiment's result: ``measure(run)``, or ``run`` itself without ``measure``."""
        value = self.measure(run) if self.measure is not None else run
        if self.choices is not None:
            return self.letter_of(value)
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(
                f"Question {self.id!r} expects a number as its result, not {value!r}"
            ) from None

    def compare(self, predicted: object, result: object) -> tuple[bool, str]:
        """(close enough?, one sentence setting the prediction against the result)."""
        if self.choices is not None:
            ok = self.letter_of(predicted) == self.letter_of(result)
            if ok:
                return True, f"✔ You predicted {self.label(predicted)} — and so it was."
            return False, (
                f"✘ You predicted {self.label(predicted)}; the run shows {self.label(result)}."
            )
        p, r = float(predicted), float(result)  # type: ignore[arg-type]
        slack = max(abs(r) * self.tolerance, self.abs_tolerance)
        unit = f" {self.unit}" if self.unit else ""
        if abs(p - r) <= slack:
            return True, f"✔ You predicted {p:g}{unit}; the run gave {r:g}{unit}. Close enough."
        if r and p and (p / r >= 2 or r / p >= 2) and (p > 0) == (r > 0):
            ratio = p / r if abs(p) > abs(r) else r / p
            way = "high" if p > r else "low"
            size = f"{ratio:.0f}×" if ratio >= 3 else f"{ratio:.1f}×"
            return False, (
                f"✘ You predicted {p:g}{unit}; the run gave {r:g}{unit} — {size} too {way}."
            )
        way = "high" if p > r else "low"
        return False, f"✘ You predicted {p:g}{unit}; the run gave {r:g}{unit}: too {way}."

    def explanation(self, result: object) -> str:
        return self.explain(result) if callable(self.explain) else self.explain


@dataclass
class LockedPrediction:
    """What the student locked in for one question, and whether it came after a result."""

    value: object
    after_result: bool = False


PREDICTION_QUESTIONS: dict[str, PredictionQuestion] = {}
PREDICTIONS: dict[str, LockedPrediction] = {}
_RESULT_SHOWN: set[str] = set()
_WAITING: dict[str, list] = {}  # reveal panels waiting for a prediction, per question


def register_prediction(
    qid: str,
    question: str,
    choices: tuple[str, ...] | list[str] | None = None,
    unit: str | None = None,
    tolerance: float | None = None,
    explain: str | Callable[[object], str] = "",
    *,
    abs_tolerance: float = 0.0,
    measure: Callable[[object], object] | None = None,
) -> PredictionQuestion:
    """Add a prediction question (ids like ``'03.readiness'``: lesson, then a word).

    Registering the same id again with the same text is a no-op (a lesson module imported
    twice); with a different question it is an error.

    >>> q = register_prediction("99.doc", "How many?", unit="VMs", tolerance=0.1)
    >>> q.compare(10, 11)
    (True, '✔ You predicted 10 VMs; the run gave 11 VMs. Close enough.')

    Raises
    ------
    ValueError
        Neither choices nor a unit, fewer than two choices, a negative tolerance, or the id is
        taken by another question.
    """
    if choices is not None:
        choices = tuple(str(c) for c in choices)
        if len(choices) < 2 or len(choices) > 10:
            raise ValueError(f"A prediction needs 2 to 10 choices, not {len(choices)}")
        if unit is not None:
            raise ValueError("Give choices or a unit, not both")
    elif not unit:
        raise ValueError(
            "A numeric prediction needs its unit (unit='s'); a multiple-choice one its choices"
        )
    tol = 0.2 if tolerance is None else float(tolerance)
    if tol < 0 or abs_tolerance < 0:
        raise ValueError("Tolerances are non-negative (tolerance=0.2 means within 20 %)")
    q = PredictionQuestion(
        qid, question, choices, unit, tol, float(abs_tolerance), explain, measure
    )
    old = PREDICTION_QUESTIONS.get(qid)
    if old is not None and (old.question, old.choices, old.unit) != (question, choices, unit):
        raise ValueError(f"Prediction {qid!r} is already registered with another question")
    PREDICTION_QUESTIONS[qid] = q
    return q


def _prediction_question(qid: str) -> PredictionQuestion:
    if qid not in PREDICTION_QUESTIONS:
        known = ", ".join(sorted(PREDICTION_QUESTIONS)) or "none yet"
        raise ValueError(
            f"There is no prediction {qid!r}; predictions are {known} (did the lesson "
            "import its quiz module?)"
        )
    return PREDICTION_QUESTIONS[qid]


def lock_prediction(qid: str, value: object) -> LockedPrediction:
    """Record the student's prediction (what the Lock button does); returns the record.

    Raises
    ------
    ValueError
        Unknown question, a choice that does not exist, or not a number.
    """
    q = _prediction_question(qid)
    if q.choices is not None:
        value = q.letter_of(value)
    else:
        try:
            value = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"Predict a number (in {q.unit}), not {value!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"Predict a finite number (in {q.unit}), not {value!r}")
    record = LockedPrediction(value, after_result=qid in _RESULT_SHOWN)
    PREDICTIONS[qid] = record
    for panel in list(_WAITING.pop(qid, [])):
        panel.refresh()
    return record


def forget_predictions() -> None:
    """Forget every locked prediction and shown result (a fresh start; used by tests)."""
    PREDICTIONS.clear()
    _RESULT_SHOWN.clear()
    _WAITING.clear()


def _widget_classes():
    import ipywidgets as w

    class PredictWidget(w.VBox):
        """The question, its choices (or a number box with its unit) and the Lock button.

        After a press the controls are disabled and ``message`` says what was locked in.
        Tests: set ``answer.value`` and call ``lock_button.click()``.
        """

        def __init__(self, q: PredictionQuestion) -> None:
            self.question = q
            self.message = ""
            head = w.HTML(f"<b>Predict before you run:</b> {_html(q.question)}")
            if q.choices is not None:
                self.answer = w.RadioButtons(
                    options=[(f"{k}) {c}", k) for k, c in zip(q.letters, q.choices, strict=True)],
                    value=None,
                    layout=w.Layout(width="auto"),
                )
                row = [self.answer]
            else:
                # Text, not FloatText: a FloatText starts at 0, which would lock in a
                # prediction nobody made.
                self.answer = w.Text(value="", placeholder="a number", description="My prediction")
                self.answer.style = {"description_width": "initial"}
                row = [w.HBox([self.answer, w.Label(q.unit or "")])]
            self.lock_button = w.Button(
                description=LOCK_LABEL,
                icon="lock",
                button_style="info",
                layout=w.Layout(width="auto"),
                tooltip="Your prediction is recorded; the result cell compares it with the run",
            )
            self.status = w.HTML("")
            self.lock_button.on_click(self.on_lock)
            super().__init__([head, *row, w.HBox([self.lock_button, self.status])])

        def on_lock(self, _button=None) -> None:
            """Record the prediction and freeze the controls; an empty answer gets a note."""
            if self.answer.value is None or str(self.answer.value).strip() == "":
                what = "a choice" if self.question.choices is not None else "a number"
                self.message = f"Pick {what} first, then press {LOCK_LABEL}."
                self.status.value = f"<i style='color:#D55E00'>{self.message}</i>"
                return
            try:
                record = lock_prediction(self.question.id, self.answer.value)
            except ValueError as err:
                self.message = str(err)
                self.status.value = f"<i style='color:#D55E00'>{_html(self.message)}</i>"
                return
            self.answer.disabled = True
            self.lock_button.disabled = True
            self.message = (
                f"Locked in: {self.question.label(record.value)}. Now run the experiment; "
                "the result cell will compare it with what the model does."
            )
            self.status.value = f"<span style='color:#009E73'>🔒 {_html(self.message)}</span>"

    class RevealPanel(w.VBox):
        """The locked-in prediction set against the run's result, then ``show`` (if any).

        Until a prediction is locked in, it says so and hides the result; it fills in by
        itself as soon as the Lock button above is pressed. ``verdict`` is True (close),
        False (not) or None (no prediction yet); ``message`` is the text shown.
        """

        def __init__(self, q: PredictionQuestion, result: object, show: tuple) -> None:
            self.question = q
            self.result = result
            self.verdict: bool | None = None
            self.message = ""
            self.text = w.HTML("")
            self.output = w.Output()
            self._shown = False
            # Drawn now (a figure closed in pyplot, so it is not shown under the cell
            # anyway), kept back until a prediction is locked in.
            self._outputs = tuple(_as_output(obj) for obj in show)
            super().__init__([self.text, self.output])
            self.refresh()

        def refresh(self) -> None:
            q = self.question
            record = PREDICTIONS.get(q.id)
            if record is None:
                self.verdict = None
                self.message = (
                    f"Make a prediction first: answer the question above and press "
                    f"{LOCK_LABEL}. The result appears here as soon as you do."
                )
                self.text.value = f"<i>✎ {_html(self.message)}</i>"
                if self not in _WAITING.setdefault(q.id, []):
                    _WAITING[q.id].append(self)
                return
            ok, sentence = q.compare(record.value, self.result)
            self.verdict = ok
            extra = q.explanation(self.result)
            late = (
                " (You locked this prediction in after seeing a result: next time, predict first.)"
                if record.after_result
                else ""
            )
            self.message = " ".join(s for s in (sentence, extra) if s) + late
            colour = "#009E73" if ok else "#D55E00"
            self.text.value = (
                f"<b style='color:{colour}'>{_html(sentence)}</b> {_html(extra)}{_html(late)}"
            )
            _RESULT_SHOWN.add(q.id)
            if not self._shown:
                self._shown = True
                self.output.outputs = self._outputs

    return PredictWidget, RevealPanel


_CLASSES: tuple | None = None


def _classes():
    global _CLASSES
    if _CLASSES is None:
        _CLASSES = _widget_classes()
    return _CLASSES


def _html(text: str) -> str:
    import html

    return html.escape(str(text))


def _as_output(obj: object) -> dict:
    """``obj`` (a Figure, Axes, DataFrame, string, or anything IPython can show) as one
    Jupyter output. A figure is closed in pyplot, so it is not also shown under the cell."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from vmlab.widgets.render import figure_output, text_output

    if isinstance(obj, Axes):
        obj = obj.figure
    if isinstance(obj, Figure):
        import matplotlib.pyplot as plt

        out = figure_output(obj)
        plt.close(obj)
        return out
    if isinstance(obj, str):
        return text_output(obj)
    from IPython.core.formatters import format_display_data

    data, metadata = format_display_data(obj)
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def predict(qid: str):
    """The prediction widget for question ``qid``: show it as a cell's last line.

    The student chooses (or types a number) and presses **Lock in my prediction**; the answer
    is recorded in the kernel before the experiment runs, and the controls freeze.

    >>> q = register_prediction("99.predict", "Faster or slower?", choices=("faster", "slower"))
    >>> box = predict("99.predict")
    >>> box.answer.value = "b"
    >>> box.lock_button.click()
    >>> PREDICTIONS["99.predict"].value
    'b'

    Raises
    ------
    ValueError
        There is no such question (the message lists those there are).
    """
    widget_cls, _ = _classes()
    return widget_cls(_prediction_question(qid))


def reveal(qid: str, run: object, *, show: object | tuple = ()):
    """Set the locked-in prediction for ``qid`` against the experiment's result.

    ``run`` is what the experiment produced (a Timeline, a table, or the number itself); the
    question's ``measure`` reads the result from it. ``show`` — a figure, a table, text, or a
    tuple of them — appears only once a prediction is locked in. Without a prediction the
    panel says "make a prediction first" and completes itself when the Lock button is pressed.

    >>> q = register_prediction("99.reveal", "How long?", unit="s", tolerance=0.1)
    >>> forget_predictions()
    >>> reveal("99.reveal", 315).verdict is None
    True
    >>> _ = lock_prediction("99.reveal", 300)
    >>> reveal("99.reveal", 315).message
    '✔ You predicted 300 s; the run gave 315 s. Close enough.'

    Raises
    ------
    ValueError
        No such question, or the run does not give a result of the question's kind.
    """
    q = _prediction_question(qid)
    result = q.result_of(run)
    shown = show if isinstance(show, tuple) else (show,)
    _, panel_cls = _classes()
    return panel_cls(q, result, shown)
