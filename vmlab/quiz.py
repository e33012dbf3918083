"""Self-checks for the lessons' exercises: answer, run the cell, read the feedback at once.

The answers live here, not in the notebooks, and many are computed by running the model, so
they stay true when the model changes::

    >>> from vmlab.quiz import check
    >>> check("00.1", 5)
    ✔ Right: 5 VMs. Every VM registered on a host stops with it, whatever its service.
    >>> check("00.1", None)
    ✎ Put your answer in place of None and run the cell again.

A question is multiple choice (answer with the letter) or numeric (a number, within a
tolerance). Wrong answers get a hint, not the answer.

Predictions (bottom of this module) come *before* an experiment: ``predict(qid)`` records the
student's answer with a Lock button, ``reveal(qid, run)`` sets it against the result read
from the run, and holds back the run's figures until a prediction is locked in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vmlab import checks
from vmlab.cluster import SERVICE_PROFILES, Cluster
from vmlab.i18n import N_, _
from vmlab.sim import Simulation


def _t(text: str) -> str:
    """``text`` (a question bank's sentence, marked with ``N_``) in the current language;
    ``''`` stays ``''`` (gettext would return the catalog's header)."""
    return _(text) if text else ""


# Units that are words, not symbols: they are said in the student's language.
_WORD_UNITS = (
    # TRANSLATORS: a unit after a number: "5 VMs"
    N_("VMs"),
    # TRANSLATORS: a unit after a number: "3 moves" (vMotions in a plan)
    N_("moves"),
    # TRANSLATORS: a unit after a number: "4 hosts"
    N_("hosts"),
    # TRANSLATORS: a unit after a number: "2 host failures" (a failover capacity)
    N_("host failures"),
    # TRANSLATORS: a unit after a number: "5 nines" (of availability, 99.999 %)
    N_("nines"),
)


def _unit_text(unit: str | None) -> str:
    """A question's unit as the student reads it: symbols (s, ms, GiB) as they are, words
    (VMs, moves, nines) in the current language."""
    if not unit:
        return ""
    return _(unit) if unit in _WORD_UNITS else unit


# How a number from the model is printed in feedback: 3 significant digits, and never more
# decimals than the tolerance's own digit and one more (within ±1.9 ms: 38.3 ms; within ±5 ms:
# 268 ms; within ±0.5 nines: 5); whole numbers as whole numbers, no trailing zeros (1200, 15.2).
# The student's own number is printed as given ({given:g}).
SIGNIFICANT_DIGITS = 3


def _decimals(value: float, slack: float) -> int:
    """The decimals ``value`` is shown with when answers within ``slack`` count.

    >>> _decimals(38.2618, 1.9), _decimals(267.708, 5), _decimals(15.167, 0.455)
    (1, 0, 1)
    >>> _decimals(11.5, 1.15), _decimals(2160, 43.2), _decimals(0.01234, 0)
    (1, 0, 4)
    """
    if value == 0 or not math.isfinite(value):
        return 0
    places = SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(value)))
    if slack > 0:
        places = min(places, 1 - math.floor(math.log10(slack)))
    return max(places, 0)


def _shown(value: float, places: int) -> str:
    """``value`` with ``places`` decimals, without trailing zeros: 1200, 38, 15.2, 5.

    >>> _shown(38.2618, 0), _shown(15.167, 1), _shown(4.99579, 1), _shown(-0.01, 1)
    ('38', '15.2', '5', '0')
    """
    text = f"{value:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _apart(result: float, places: int, given: float) -> str:
    """``result`` shown so that it reads on the right side of ``given`` (printed ``:g``):
    more decimals only where the usual ones would make a miss look like a hit."""
    for more in range(places, places + 10):
        text = _shown(result, more)
        if text != f"{given:g}" and (float(text) < given) == (result < given):
            return text
    return f"{result:g}"


def _verdict(given: float, truth: float, slack: float) -> tuple[str, str]:
    """How ``given`` stands against ``truth``: ('right' | 'high' | 'low', the truth as shown).

    'right' when it reads the same as the truth at the precision shown (and is within
    ``slack``); otherwise the direction, with the truth shown apart from ``given``.

    >>> _verdict(38.3, 38.2618, 1.9), _verdict(38, 38.2618, 1.9), _verdict(2, 2, 0)
    (('right', '38.3'), ('low', '38.3'), ('right', '2'))
    """
    places = _decimals(truth, slack)
    shown = _shown(truth, places)
    if abs(given - truth) <= slack and _shown(given, places) == shown:
        return "right", shown
    return ("high" if given > truth else "low"), _apart(truth, places, given)


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
    params: dict[str, str] = field(default_factory=dict)

    def judge(self, answer: object) -> Feedback:
        letter = str(answer).strip().lower().rstrip(")").strip()
        if letter not in self.options:
            valid = ", ".join(f"'{k}'" for k in self.options)
            return Feedback(False, _("✎ Answer with one letter: {valid}.").format(valid=valid))
        ok = letter == self.correct
        note = _t(self.why.get(letter, ""))
        if ok:
            return Feedback(True, _("✔ Right. {note}").format(note=note).rstrip())
        note = note or _("Read the question again.")
        return Feedback(False, _("✘ Not quite. {note}").format(note=note).rstrip())

    def text(self) -> str:
        """The prompt in the current language, its ``params`` filled in."""
        return _t(self.prompt).format(**self.params) if self.params else _t(self.prompt)


@dataclass(frozen=True)
class Number:
    """A numeric question. ``answer`` is computed when asked (often by running the model);
    an answer within ``tolerance`` (relative) or ``abs_tolerance`` counts. ``params`` fill
    the prompt's ``{fields}`` (the prompt stays a catalog entry)."""

    id: str
    prompt: str
    answer: Callable[[], float]
    unit: str
    explain: str
    hint: str
    tolerance: float = 0.02
    abs_tolerance: float = 0.0
    params: dict[str, str] = field(default_factory=dict)

    def judge(self, answer: object) -> Feedback:
        unit = _unit_text(self.unit)
        try:
            given = float(answer)  # type: ignore[arg-type]
            if not math.isfinite(given):
                raise ValueError(answer)
        except (TypeError, ValueError, OverflowError):
            return Feedback(
                False,
                _("✎ Answer with a number (in {unit}), not {answer!r}.").format(
                    unit=unit, answer=answer
                ),
            )
        truth = float(self.answer())
        slack = max(abs(truth) * self.tolerance, self.abs_tolerance)
        way, shown = _verdict(given, truth, slack)
        fields = {"given": given, "truth": shown, "unit": unit, "explain": _t(self.explain)}
        if way == "right":
            return Feedback(True, _("✔ Right: {given:g} {unit}. {explain}").format(**fields))
        if abs(given - truth) <= slack:
            if way == "high":
                text = _(
                    "✔ Close enough: {given:g} {unit} is a little high; the model gives "
                    "{truth} {unit}. {explain}"
                )
            else:
                text = _(
                    "✔ Close enough: {given:g} {unit} is a little low; the model gives "
                    "{truth} {unit}. {explain}"
                )
            return Feedback(True, text.format(**fields))
        if given > truth:
            text = _("✘ {given:g} {unit} is too high. Hint: {hint}")
        else:
            text = _("✘ {given:g} {unit} is too low. Hint: {hint}")
        return Feedback(False, text.format(given=given, unit=unit, hint=_t(self.hint)))

    def text(self) -> str:
        """The prompt in the current language, its ``params`` filled in."""
        return _t(self.prompt).format(**self.params) if self.params else _t(self.prompt)


Question = Choice | Number
QUESTIONS: dict[str, Question] = {}


def register(question: Question) -> Question:
    """Add a question to the bank (ids look like ``'00.1'``: lesson, number)."""
    if question.id in QUESTIONS:
        raise ValueError(_("Question {id!r} is already in the bank").format(id=question.id))
    QUESTIONS[question.id] = question
    return question


def check(question_id: str, answer: object) -> Feedback:
    """Judge ``answer`` to question ``question_id`` and return the feedback (it prints itself).

    Raises
    ------
    ValueError
        The question does not exist; the message lists the questions there are.
    """
    checks.text(question_id, "question_id")
    if question_id not in QUESTIONS:
        raise ValueError(
            _("There is no question {id!r}; questions are {ids}").format(
                id=question_id, ids=", ".join(sorted(QUESTIONS))
            )
        )
    if answer is None or answer is Ellipsis:
        return Feedback(False, _("✎ Put your answer in place of None and run the cell again."))
    return QUESTIONS[question_id].judge(answer)


def show(question_id: str) -> str:
    """The question's text (and options), as the lesson shows it."""
    checks.text(question_id, "question_id")
    if question_id not in QUESTIONS:
        check(question_id, None)
    q = QUESTIONS[question_id]
    if isinstance(q, Choice):
        return q.text() + "\n" + "\n".join(f"  {k}) {_t(v)}" for k, v in q.options.items())
    return _("{prompt} (answer in {unit})").format(prompt=q.text(), unit=_unit_text(q.unit))


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
        N_("In Cluster.example(), how many VMs stop when esx-09 fails?"),
        answer=lambda: len(Cluster.example().vms_on("esx-09")),
        unit="VMs",
        explain=N_("Every VM registered on a host stops with it, whatever its service."),
        hint=N_("list the VMs of that host: cluster.vms_on('esx-09')."),
        abs_tolerance=0,
    )
)
register(
    Number(
        "00.2",
        N_(
            "esx-16 fails at t = 60 s and is repaired 30 minutes later. At what time (in seconds "
            "from the start of the run) does the last of its services answer again?"
        ),
        answer=lambda: _last_back_s("esx-16", 60, 60 + 30 * 60),
        unit="s",
        explain=N_(
            "The failure time, plus the 1,800 s repair, plus the slowest guest's boot: "
            "esx-16 carries a database, which needs 300 s."
        ),
        hint=N_(
            "run it: fail_and_repair(cluster, 'esx-16', fail_at_s=60, repair_at_s=1860), "
            "then look at the end_s column of .outages()."
        ),
        abs_tolerance=1,
    )
)
register(
    Number(
        "00.3",
        N_(
            "esx-11 fails at t = 60 s and is repaired at t = 960 s. For how many seconds is its "
            "database (db-03) out of service?"
        ),
        answer=lambda: _outage_of("db-03", "esx-11", 60, 960),
        unit="s",
        explain=N_(
            "900 s waiting for the repair, then 300 s for the database to boot and recover."
        ),
        hint=N_(
            "add the time until the repair to the VM's boot time (cluster.vms['db-03'].boot_s)."
        ),
        abs_tolerance=1,
    )
)
register(
    Choice(
        "00.4",
        N_(
            "A host's disk controller starts logging errors; the vendor says it will fail within "
            "a week. Which kind of problem is it today?"
        ),
        {
            "a": N_("planned work: it has not failed yet, so we can choose when to move its VMs"),
            "b": N_("a sudden failure: a controller that dies is one, so we must restart its VMs"),
        },
        "a",
        {
            "a": N_(
                "A warning turns a failure into planned work, if we act before it happens "
                "(vSphere's Proactive HA does exactly this: it moves the VMs off a degraded host "
                "with vMotion)."
            ),
            "b": N_("Has anything stopped yet? Ask whether we still know the moment in advance."),
        },
    )
)


def _last_back_s(host: str, fail_at_s: float, repair_at_s: float) -> float:
    from vmlab.lessons import fail_and_repair

    out = fail_and_repair(
        Cluster.example(), host, fail_at_s=fail_at_s, repair_at_s=repair_at_s
    ).outages()
    return float(out.end_s.max())


def _lesson00_predictions() -> None:
    from vmlab.lessons import longest_outage_min, who_stopped

    register_prediction(
        "00.who",
        N_("At 01:00 the power supply of esx-03 dies and no protection is on. Which VMs stop?"),
        choices=(N_("some of its VMs"), N_("all of its VMs"), N_("VMs on other hosts too")),
        measure=who_stopped,
        explain=N_(
            "Every VM registered on a host runs on its CPUs and memory: when the host "
            "stops, all of them stop at once, and nothing else does."
        ),
    )
    register_prediction(
        "00.longest",
        N_(
            "esx-03 is repaired at 10:00 (nine minutes after it died). How many minutes is the "
            "longest of its services' outages?"
        ),
        unit="min",
        tolerance=0.1,
        measure=longest_outage_min,
        explain=lambda r: _(
            "{r:.1f} min: the wait for the repair, then the slowest guest's boot. "
            "Outage = time to repair + boot."
        ).format(r=r),
    )
    register_prediction(
        "00.db",
        N_(
            "Now esx-11 fails instead, with the same repair at 10:00. It carries a database "
            "(db-03). How many minutes is its longest outage?"
        ),
        unit="min",
        tolerance=0.1,
        measure=longest_outage_min,
        explain=lambda r: _(
            "{r:.1f} min: the same wait for the repair, then the database's "
            "{boot_min:g} min of boot and recovery. A slow-booting "
            "service makes every failure of its host longer."
        ).format(r=r, boot_min=SERVICE_PROFILES["db"].boot_s / 60),
    )


# ----------------------------------------------------------------------------------------
# Lesson 01 — planned maintenance with vMotion
# ----------------------------------------------------------------------------------------


def _idle_move_s() -> float:
    from vmlab.migration import precopy

    return precopy(16, 0, 0, 10).total_time_s


register(
    Number(
        "01.2",
        N_("How long does the vMotion of an idle 16 GiB VM take over 10 Gbit/s?"),
        answer=_idle_move_s,
        unit="s",
        explain=N_("One full copy (16 GiB ÷ ~1.16 GiB/s) and nothing to re-send."),
        hint=N_("an idle VM dirties nothing: one round of memory ÷ bandwidth."),
        tolerance=0.1,
    )
)
register(
    Choice(
        "01.3",
        N_("Why does the dirty working set matter more than the dirty rate for convergence?"),
        {
            "a": N_("the rate is measured wrongly"),
            "b": N_("rewriting the same pages many times dirties them only once per round"),
            "c": N_("the working set is copied first"),
        },
        "b",
        {
            "a": N_("The rate is right; it just counts rewrites of the same page again and again."),
            "b": N_(
                "A round re-sends each dirty page once, however often it was written: the "
                "dirty set can never outgrow the working set (Clark et al.'s observation)."
            ),
            "c": N_("Round 0 copies memory in order; the working set gets no head start."),
        },
    )
)
register(
    Choice(
        "01.4",
        N_(
            "Host A has a Cascade Lake CPU, host B an Ice Lake, no EVC. Which way can a running "
            "VM move?"
        ),
        {"a": N_("A → B only"), "b": N_("B → A only"), "c": N_("both ways"), "d": N_("neither")},
        "a",
        {
            "a": N_(
                "Ice Lake has every Cascade Lake feature; the reverse is not true. "
                "An EVC baseline of intel-cascadelake would allow both ways."
            ),
            "b": N_(
                "Ask which CPU has features the other lacks, and where a running guest "
                "may already be using them."
            ),
            "c": N_("Only with an EVC baseline that masks the newer host down."),
            "d": N_("Both are Intel: at least one direction keeps every feature the guest saw."),
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


def _alone_pause_ms(vm: str = "mail-05", to_host: str = "esx-02") -> float:
    from vmlab.scenarios import overloaded_cluster

    sim = Simulation(overloaded_cluster(), seed=0)
    sim.migrate(vm, to_host, at_s=60)
    return 1000 * float(sim.run(until_s=900).migrations.downtime_s.iloc[0])


register(
    Number(
        "02.1",
        N_(
            "In the 80 % plan, mail-05 moved together with batch-01. Move mail-05 alone, from "
            "esx-05 to esx-02, in a new run. How many milliseconds is its pause now?"
        ),
        answer=_alone_pause_ms,
        unit="ms",
        explain=N_(
            "Alone, mail-05 has the whole 10 Gbit/s vMotion link: each round is shorter, "
            "fewer pages are dirtied meanwhile, and the last round is small."
        ),
        hint=N_(
            "sim = Simulation(cluster, seed=SEED); sim.migrate(...) at 60 s; run it; "
            "read .migrations.downtime_s (in seconds)."
        ),
        tolerance=0.05,
    )
)
register(
    Number(
        "02.2",
        N_("With a 60 % threshold, how many moves are proposed?"),
        answer=lambda: _moves_needed(60),
        unit="moves",
        explain=N_("A lower threshold means more memory to free, so more VMs must go."),
        hint=N_("propose_moves(cluster, threshold_pct=60) and count the rows."),
        abs_tolerance=0,
    )
)
_LAST_AT_70 = {"a": "mail-05", "b": "app-13", "c": "batch-02", "d": "web-05"}


def _last_move_letter(threshold_pct: float = 70) -> str:
    from vmlab.scenarios import overloaded_cluster
    from vmlab.vmotion import propose_moves

    last = propose_moves(overloaded_cluster(), threshold_pct=threshold_pct).vm.iloc[-1]
    return next(k for k, v in _LAST_AT_70.items() if v == last)


register(
    Choice(
        "02.3",
        N_("Set THRESHOLD_PCT to 70 and run the plan again. Which VM does it move last?"),
        _LAST_AT_70,
        _last_move_letter(),
        {
            "a": N_(
                "After two batch servers, the little that is left is covered by a 16 GiB VM; "
                "of the two, the mail server writes memory more slowly."
            ),
            "b": N_(
                "It is one of the two smallest VMs that cover what is left; which of the two "
                "does the tie rule prefer?"
            ),
            "c": N_(
                "Count: after the two largest moves, how much is still over 70 %, and is a "
                "24 GiB VM the smallest that covers it?"
            ),
            "d": N_(
                "Would moving a 4 GiB VM bring esx-05 under 70 %? The rule moves a VM that "
                "frees enough alone when there is one."
            ),
        },
    )
)


def _lesson02_predictions() -> None:
    from vmlab.lessons import longest_pause_kind

    register_prediction(
        "02.moves",
        N_("How many vMotions does the best-fit plan need to bring esx-05 under 80 %?"),
        unit="moves",
        tolerance=0,
        measure=len,
        explain=lambda r: _(
            "{r:g}: no single VM frees enough, so the largest goes first; then "
            "one VM covers what is left."
        ).format(r=r),
    )
    register_prediction(
        "02.pause",
        N_(
            "While the moves run, what is the longest interruption one of the moving services "
            "notices?"
        ),
        choices=(
            N_("none at all"),
            N_("well under a second"),
            N_("a few seconds"),
            N_("minutes, like a restart"),
        ),
        measure=longest_pause_kind,
        explain=N_(
            "Each VM is stunned once, for its last round of memory and its device state: "
            "a fraction of a second, while its clients' connections stay open."
        ),
    )
    register_prediction(
        "02.reach30",
        # "{pct}", not "30 %" in the text: gettext would read "% o" as a %-format field.
        N_("Can a balancer bring every host of this cluster under {pct} of its memory?"),
        params={"pct": "30 %"},
        choices=(N_("yes, with enough moves"), N_("no: no plan can")),
        measure=lambda plan: (
            "yes, with enough moves" if plan.attrs["reaches_threshold"] else "no: no plan can"
        ),
        explain=lambda r: _(
            "Divide the memory all VMs use by the memory of all hosts: that "
            "average is the lowest share every host can be brought under at once."
        ),
    )


# ----------------------------------------------------------------------------------------
# Lesson 04 — FT: no outage at all (issue 5)
# ----------------------------------------------------------------------------------------


def _ft_run(*steps: tuple[str, str, float], until_s: float = 900, vm: str = "db-01", seed: int = 0):
    """Cluster.example() with HA on (FT needs it) and FT on ``vm`` (db-01: primary esx-09,
    secondary esx-01), then ``steps``."""
    cluster = Cluster.example()
    cluster.enable_ha()
    cluster.enable_ft(vm)
    sim = Simulation(cluster, seed=seed)
    for kind, target, at in steps:
        getattr(sim, kind)(target, at_s=at)
    return sim.run(until_s=until_s)


def _ft_pause_ms(seed: int = 3) -> float:
    out = _ft_run(("fail_host", "esx-09", 60), seed=seed).outages()
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
        N_(
            "The lag the secondary must replay at failover is random (drawn from the seed). Run "
            "section 2's failure again with seed=3 (Simulation(cluster, seed=3)): for how many "
            "milliseconds does db-01 pause now?"
        ),
        answer=_ft_pause_ms,
        unit="ms",
        explain=N_(
            "The same 250 ms of failure detection, plus a different lag: the pause changes "
            "by tens of milliseconds from run to run, and stays well under a second."
        ),
        hint=N_(
            "copy section 2's first three lines into a new cell with seed=3, then read "
            "db-01's down_s in .outages() (in seconds)."
        ),
        abs_tolerance=5,
    )
)
register(
    Number(
        "04.2",
        N_(
            "Set FT_VM = 'app-01' (16 GiB, its primary on esx-09) in the lesson's parameter cell "
            "and run all cells again. For how many seconds is app-01 unprotected after esx-09 "
            "fails (section 2's last line)?"
        ),
        answer=_ft_reprotect_s,
        unit="s",
        explain=N_(
            "Its 16 GiB are copied by pre-copy over the 10 Gbit/s FT logging network; a "
            "smaller VM with a smaller working set is protected again sooner than db-01."
        ),
        hint=N_(
            "change one word in the parameter cell, then Run ▸ Run All Cells, and read the "
            "line 'app-01 (16 GiB) was unprotected for … s'."
        ),
        tolerance=0.03,
    )
)
register(
    Choice(
        "04.3",
        N_(
            "With FT on db-01, the host of its secondary (esx-01) fails. What do db-01's clients "
            "notice?"
        ),
        {
            "a": N_("nothing: the primary runs on; FT starts a new secondary elsewhere"),
            "b": N_("a pause of a few hundred milliseconds"),
            "c": N_("a restart of a few minutes"),
        },
        "a",
        {
            "a": N_(
                "Only the shadow copy was lost. The VM is unprotected until a new one is in step."
            ),
            "b": N_(
                "Which copy serves the clients, and was that the one on esx-01? Look at when "
                "the lesson's runs showed a pause."
            ),
            "c": N_(
                "How many copies were lost here? Think about what must be gone before anything "
                "has to boot."
            ),
        },
    )
)
register(
    Number(
        "04.4",
        N_(
            "In Cluster.example() with HA on, FT protects db-01, app-02 and mail-03. How many GiB "
            "of the cluster's memory does FT take in addition to the same cluster without FT?"
        ),
        answer=_ft_memory_cost_gib,
        unit="GiB",
        explain=N_(
            "Each secondary's memory is fully reserved on its host: FT doubles each "
            "protected VM's memory (and its vCPUs)."
        ),
        hint=N_(
            "look up each VM's memory_gib in cluster.vms, or turn FT on for the three and "
            "compare cluster.used_memory_gib(h) summed over the hosts, before and after."
        ),
        abs_tolerance=0.5,
    )
)
register(
    Choice(
        "04.5",
        N_("Which VM deserves FT rather than HA?"),
        {
            "a": N_("a 16-vCPU analytics database that must not stop"),
            "b": N_(
                "a 2-vCPU licence server, a single copy, that every engineer's tools check each "
                "minute: while it restarts, nobody can work"
            ),
            "c": N_("two clustered SQL servers that already fail over to each other by themselves"),
        },
        "b",
        {
            "a": N_("How many vCPUs may an FT VM have (section 8's table)?"),
            "b": N_(
                "One copy of a service that must not stop, small enough for FT: worth twice the "
                "memory and CPU."
            ),
            "c": N_(
                "What does the application's own clustering already do when one copy's host dies?"
            ),
        },
    )
)


def _lesson04_predictions() -> None:
    from vmlab.lessons import ft_vm_of, outage_kind, usual_winner

    kinds = (
        N_("nothing at all"),
        N_("a pause under a second"),
        N_("a few seconds to a minute"),
        N_("minutes: a restart"),
    )
    register_prediction(
        "04.pause",
        N_(
            "At one minute, esx-09 — the host of db-01's primary — loses power. FT is on for "
            "db-01. What do db-01's clients notice?"
        ),
        choices=kinds,
        measure=lambda run: outage_kind(run, ft_vm_of(run)),
        explain=N_(
            "The secondary was already running, a fraction of a second behind: it goes "
            "live after failure detection plus that lag. Nothing boots."
        ),
    )
    register_prediction(
        "04.second",
        N_(
            "esx-09 dies at one minute; 30 s later, before the new secondary is in step, esx-01 "
            "(where db-01 now runs, and HA's primary) dies too. What do db-01's clients notice?"
        ),
        choices=kinds,
        measure=lambda run: outage_kind(run, ft_vm_of(run)),
        explain=N_(
            "No copy is left to take over: HA restarts db-01 like any other VM — first "
            "an election (esx-01 was HA's primary), then detection, then the database's boot."
        ),
    )
    register_prediction(
        "04.winner",
        N_(
            "Only the logging link between db-01's two copies is cut; both race for the atomic "
            "test-and-set on shared storage. Over ten runs (ten seeds), which copy wins?"
        ),
        choices=(
            N_("the primary, nearly always"),
            N_("the secondary, nearly always"),
            N_("each about half the time"),
        ),
        measure=usual_winner,
        explain=N_(
            "The secondary must first apply what it is behind on before it can go on "
            "alone, so it reaches the disk later; exactly one copy goes on either way."
        ),
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


def _ha_outage_of(vm: str) -> float:
    from vmlab.scenarios import host_failure

    out = host_failure("ha").outages()
    return float(out.loc[out.vm == vm, "down_s"].iloc[0])


register(
    Number(
        "05.1",
        N_(
            "The HA row follows the database. Run the same HA scenario yourself "
            "(host_failure('ha') from vmlab.scenarios) and find the directory server on esx-09: "
            "how many seconds is dc-05 out?"
        ),
        answer=lambda: _ha_outage_of("dc-05"),
        unit="s",
        explain=N_(
            "The same failure detection as the database, then a directory server's much "
            "shorter boot (90 s): HA's outage is detection + this VM's own boot."
        ),
        hint=N_(
            "the run's .outages() table has one row per VM; the detection part is the same "
            "for every VM on the host."
        ),
        abs_tolerance=2,
    )
)


def _ft_pause_with_seed_ms(seed: int = 1) -> float:
    from vmlab.scenarios import compare

    return 1000 * float(compare(seed=seed).set_index("feature").downtime_s["FT"])


register(
    Number(
        "05.2",
        N_(
            "Run compare(seed=1) in a new cell. For how many milliseconds does the FT row's "
            "database pause now?"
        ),
        answer=_ft_pause_with_seed_ms,
        unit="ms",
        explain=N_(
            "The same failure detection, plus a different random lag for the secondary to "
            "replay: FT's pause varies by tens of milliseconds from run to run; HA's outage and "
            "the "
            "vMotion stun do not depend on that draw."
        ),
        hint=N_("compare(seed=1) returns the table; read its downtime_s for FT (in seconds)."),
        abs_tolerance=3,
    )
)
_FEATURE_LETTERS = {"a": "vMotion", "b": "HA", "c": "FT", "d": "Neither"}


def _advice_letter(max_outage_s: float, vcpus: int, boot_s: float) -> str:
    """The letter of the feature :func:`vmlab.scenarios.choose_feature` names first. Read from
    its English sentence: a Chinese lesson imports this module after choosing its language."""
    from vmlab import i18n
    from vmlab.scenarios import choose_feature

    was = i18n.language()
    i18n.use_language("en")
    try:
        advice = choose_feature(max_outage_s=max_outage_s, vcpus=vcpus, boot_s=boot_s)
    finally:
        i18n.use_language(was)
    first = advice.split(":")[0]
    return next(k for k, v in _FEATURE_LETTERS.items() if v == first)


register(
    Choice(
        "05.3",
        N_(
            "An order service (4 vCPUs, boots in 150 s) may be out at most 2 minutes when its host "
            "dies. Which feature does the decision rule choose?"
        ),
        {"a": "vMotion", "b": "HA", "c": "FT", "d": N_("neither")},
        _advice_letter(120, 4, 150),
        {
            "a": N_(
                "vMotion cannot help once the host is dead: there is nothing left to copy from."
            ),
            "b": N_("Add HA's detection to this service's own boot: is it within 2 minutes?"),
            "c": N_(
                "HA would be detection + 150 s of boot, over 2 minutes; 4 vCPUs is within "
                "FT's limit, so FT's pause meets it."
            ),
            "d": N_("Is 4 vCPUs over FT's limit? Look at what choose_feature says."),
        },
    )
)
register(
    Number(
        "05.4",
        N_(
            "With vMotion + HA, two host failures and four planned works a year: seconds of "
            "downtime per year?"
        ),
        answer=lambda: _yearly_with_ha(2, 4),
        unit="s",
        explain=N_("2 × the HA outage + 4 × the vMotion pause: the failures dominate."),
        hint=N_(
            "section 3's yearly formula with other assumptions: failures × the HA outage + "
            "planned works × the vMotion pause (or let the function of section 3 compute it)."
        ),
        tolerance=0.01,
    )
)


def _manual_proactive_outage_s() -> float:
    from vmlab.scenarios import degraded_host, vm_impact

    return float(vm_impact(degraded_host(automation="manual"))["downtime_s"])  # type: ignore[arg-type]


register(
    Number(
        "05.5",
        N_(
            "db-01's host reports a severe hardware degradation, then fails. Proactive HA is on, "
            "but its automation level is manual: it only recommends. For how many seconds is "
            "db-01 out? Run degraded_host(automation='manual') from vmlab.scenarios."
        ),
        answer=_manual_proactive_outage_s,
        unit="s",
        explain=N_(
            "Nobody applied the recommendation, so the VMs were still there when the host "
            "died: HA restarts db-01 as after any failure (detection + boot). Automated, the same "
            "warning costs only a vMotion stun (section 6)."
        ),
        hint=N_("vm_impact(degraded_host(automation='manual'))['downtime_s']"),
        abs_tolerance=1,
    )
)


def _lesson05_predictions() -> None:
    def stopping(table) -> str:
        stops = set(table.loc[table.vm_stops, "feature"])
        return {
            frozenset({"HA", "none"}): "HA and none",
            frozenset({"HA"}): "HA only",
            frozenset({"vMotion", "HA", "FT", "none"}): "all four",
        }.get(frozenset(stops), "vMotion and FT")

    def shorter(table) -> str:
        down = table.set_index("feature").downtime_s
        if down["vMotion"] == down["FT"]:
            return "the same"
        return "vMotion's switchover" if down["vMotion"] < down["FT"] else "FT's failover"

    register_prediction(
        "05.stops",
        N_(
            "In the rebuilt table, which rows will say that the database stops (is powered off "
            "and started again)?"
        ),
        choices=(N_("vMotion and FT"), N_("HA and none"), N_("HA only"), N_("all four")),
        measure=stopping,
        explain=N_(
            "HA restarts the VM (a boot); with nothing on, it boots after the repair. "
            "vMotion and FT only pause it."
        ),
    )
    register_prediction(
        "05.shorter",
        N_(
            "Which pauses the database for less time: vMotion's switchover, or FT's failover "
            "when its host dies?"
        ),
        choices=(N_("vMotion's switchover"), N_("FT's failover"), N_("the same")),
        measure=shorter,
        explain=N_(
            "FT must first notice that the primary is gone (failure detection) and then "
            "replay the secondary's lag; a vMotion switchover only sends the last dirty pages."
        ),
    )
    register_prediction(
        "05.nines",
        N_(
            "With vMotion for planned work and HA for failures (one failure and four planned "
            "works a year), about how many nines of availability does the database reach?"
        ),
        unit="nines",
        abs_tolerance=0.5,
        measure=lambda year: float(year.set_index("protection").nines["vMotion + HA"]),
        explain=lambda r: _(
            "One failure costs about five minutes: {five_nines} is about 5 min a year."
        ).format(five_nines="99.999 %"),
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

LOCK_LABEL = N_("Lock in my prediction")


@dataclass(frozen=True)
class PredictionQuestion:
    """A question the student answers *before* running an experiment.

    ``choices`` (texts, shown as a), b), …) make it multiple choice; otherwise the answer is a
    number in ``unit``, close enough when within ``tolerance`` (relative) or ``abs_tolerance``.
    ``measure`` turns what :func:`reveal` is given (a run) into the result; ``explain`` (a
    string, or a function of the result, rounded as the verdict prints it) is shown with the
    verdict.
    """

    id: str
    question: str
    choices: tuple[str, ...] | None = None
    unit: str | None = None
    tolerance: float = 0.2
    abs_tolerance: float = 0.0
    explain: str | Callable[[Any], str] = ""
    measure: Callable[[Any], Any] | None = None
    params: tuple[tuple[str, str], ...] = ()

    def text(self) -> str:
        """The question in the current language, its ``params`` filled in."""
        return _t(self.question).format(**dict(self.params)) if self.params else _t(self.question)

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple("abcdefghij"[: len(self.choices or ())])

    def label(self, value: object) -> str:
        """``value`` as the student reads it: 'b) the text' or '42 s'."""
        if self.choices is not None:
            letter = self.letter_of(value)
            return f"{letter}) {_t(self.choices[self.letters.index(letter)])}"
        return f"{float(value):g} {_unit_text(self.unit)}".rstrip()  # type: ignore[arg-type]

    def letter_of(self, value: object) -> str:
        """The letter of a choice given by letter, by index or by its text."""
        assert self.choices is not None
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and 0 <= value < len(self.choices)
        ):
            return self.letters[value]
        text = str(value).strip()
        if text.lower().rstrip(")") in self.letters:
            return text.lower().rstrip(")")
        for letter, choice in zip(self.letters, self.choices, strict=True):
            if text in (choice, _t(choice)):
                return letter
        raise ValueError(
            _(
                "{value!r} is not one of question {id!r}'s choices ({letters} or their texts)"
            ).format(value=value, id=self.id, letters=", ".join(self.letters))
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
                _("Question {id!r} expects a number as its result, not {value!r}").format(
                    id=self.id, value=value
                )
            ) from None

    def compare(self, predicted: object, result: object) -> tuple[bool, str]:
        """(close enough?, one sentence setting the prediction against the result)."""
        if self.choices is not None:
            ok = self.letter_of(predicted) == self.letter_of(result)
            if ok:
                return True, _("✔ You predicted {choice} — and so it was.").format(
                    choice=self.label(predicted)
                )
            return False, _("✘ You predicted {choice}; the run shows {result}.").format(
                choice=self.label(predicted), result=self.label(result)
            )
        p, r = float(predicted), float(result)  # type: ignore[arg-type]
        slack = max(abs(r) * self.tolerance, self.abs_tolerance)
        unit = f" {_unit_text(self.unit)}" if self.unit else ""
        way, shown = _verdict(p, r, slack)
        fields = {"p": p, "r": shown, "unit": unit}
        if way == "right":
            text = _("✔ You predicted {p:g}{unit}; the run gave {r}{unit}. Right.")
            return True, text.format(**fields)
        if abs(p - r) <= slack:
            if way == "high":
                text = _(
                    "✔ You predicted {p:g}{unit}; the run gave {r}{unit}. Close enough, "
                    "a little high."
                )
            else:
                text = _(
                    "✔ You predicted {p:g}{unit}; the run gave {r}{unit}. Close enough, "
                    "a little low."
                )
            return True, text.format(**fields)
        if r and p and (p / r >= 2 or r / p >= 2) and (p > 0) == (r > 0):
            ratio = p / r if abs(p) > abs(r) else r / p
            size = f"{ratio:.0f}×" if ratio >= 3 else f"{ratio:.1f}×"
            if p > r:
                text = _("✘ You predicted {p:g}{unit}; the run gave {r}{unit} — {size} too high.")
            else:
                text = _("✘ You predicted {p:g}{unit}; the run gave {r}{unit} — {size} too low.")
            return False, text.format(**fields, size=size)
        if p > r:
            text = _("✘ You predicted {p:g}{unit}; the run gave {r}{unit}: too high.")
        else:
            text = _("✘ You predicted {p:g}{unit}; the run gave {r}{unit}: too low.")
        return False, text.format(**fields)

    def explanation(self, result: object) -> str:
        """The explanation shown with the verdict, in the current language. A function gets
        a numeric result rounded as the verdict prints it, so both say the same number.

        >>> q = register_prediction(
        ...     "99.explain", "How long?", unit="s", tolerance=0.05, explain="{:g} s".format
        ... )
        >>> q.explanation(63.2500001), q.explanation(306.0639462), q.compare(60, 63.2500001)[1]
        ('63.3 s', '306 s', '✘ You predicted 60 s; the run gave 63.3 s: too low.')
        """
        if not callable(self.explain):
            return _t(self.explain)
        if self.choices is None and isinstance(result, int | float) and math.isfinite(result):
            r = float(result)
            slack = max(abs(r) * self.tolerance, self.abs_tolerance)
            result = float(_shown(r, _decimals(r, slack)))
        return self.explain(result)


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
    explain: str | Callable[[Any], str] = "",
    *,
    abs_tolerance: float = 0.0,
    measure: Callable[[Any], Any] | None = None,
    params: dict[str, str] | None = None,
) -> PredictionQuestion:
    """Add a prediction question (ids like ``'03.readiness'``: lesson, then a word).

    Registering the same id again with the same text is a no-op (a lesson module imported
    twice); with a different question it is an error.

    >>> q = register_prediction("99.doc", "How many?", unit="VMs", tolerance=0.1)
    >>> q.compare(10, 11)
    (True, '✔ You predicted 10 VMs; the run gave 11 VMs. Close enough, a little low.')
    >>> q.compare(11, 11)
    (True, '✔ You predicted 11 VMs; the run gave 11 VMs. Right.')

    Raises
    ------
    ValueError
        Neither choices nor a unit, fewer than two choices, a negative tolerance, or the id is
        taken by another question.
    """
    if choices is not None:
        choices = tuple(str(c) for c in choices)
        if len(choices) < 2 or len(choices) > 10:
            raise ValueError(
                _("A prediction needs 2 to 10 choices, not {n}").format(n=len(choices))
            )
        if unit is not None:
            raise ValueError(_("Give choices or a unit, not both"))
    elif not unit:
        raise ValueError(
            _("A numeric prediction needs its unit (unit='s'); a multiple-choice one its choices")
        )
    tol = 0.2 if tolerance is None else float(tolerance)
    if tol < 0 or abs_tolerance < 0:
        raise ValueError(_("Tolerances are non-negative (tolerance=0.2 means within 20 %)"))
    q = PredictionQuestion(
        qid,
        question,
        choices,
        unit,
        tol,
        float(abs_tolerance),
        explain,
        measure,
        tuple(sorted((params or {}).items())),
    )
    old = PREDICTION_QUESTIONS.get(qid)
    if old is not None and (old.question, old.choices, old.unit) != (question, choices, unit):
        raise ValueError(
            _("Prediction {qid!r} is already registered with another question").format(qid=qid)
        )
    PREDICTION_QUESTIONS[qid] = q
    return q


def _prediction_question(qid: str) -> PredictionQuestion:
    if qid not in PREDICTION_QUESTIONS:
        # TRANSLATORS: in "predictions are none yet"
        known = ", ".join(sorted(PREDICTION_QUESTIONS)) or _("none yet")
        raise ValueError(
            _(
                "There is no prediction {qid!r}; predictions are {known} (did the lesson "
                "import its quiz module?)"
            ).format(qid=qid, known=known)
        )
    return PREDICTION_QUESTIONS[qid]


def lock_prediction(qid: str, value: object) -> LockedPrediction:
    """Record the student's prediction (what the Lock button does); returns the record.

    Raises
    ------
    ValueError
        Unknown question, a choice that does not exist, or not a number.
    """
    checks.text(qid, "qid")
    q = _prediction_question(qid)
    if q.choices is not None:
        value = q.letter_of(value)
    else:
        try:
            value = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(
                _("Predict a number (in {unit}), not {value!r}").format(
                    unit=_unit_text(q.unit), value=value
                )
            ) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(
                _("Predict a finite number (in {unit}), not {value!r}").format(
                    unit=_unit_text(q.unit), value=value
                )
            )
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

    from vmlab.widgets.render import Placeholder

    class PredictWidget(Placeholder, w.VBox):
        """The question, its choices (or a number box with its unit) and the Lock button.

        After a press the controls are disabled and ``message`` says what was locked in.
        Tests: set ``answer.value`` and call ``lock_button.click()``.
        """

        def __init__(self, q: PredictionQuestion) -> None:
            self.question = q
            self.message = ""
            lead = _("Predict before you run:")
            head = w.HTML(f"<b>{_html(lead)}</b> {_html(q.text())}")
            if q.choices is not None:
                self.answer = w.RadioButtons(
                    options=[
                        (f"{k}) {_t(c)}", k) for k, c in zip(q.letters, q.choices, strict=True)
                    ],
                    value=None,
                    layout=w.Layout(width="auto"),
                )
                row = [self.answer]
            else:
                # Text, not FloatText: a FloatText starts at 0, which would lock in a
                # prediction nobody made.
                self.answer = w.Text(
                    value="",
                    # TRANSLATORS: placeholder of the box where a student types a prediction
                    placeholder=_("a number"),
                    description=_("My prediction"),
                )
                self.answer.style = {"description_width": "initial"}
                row = [w.HBox([self.answer, w.Label(_unit_text(q.unit))])]
            self.lock_button = w.Button(
                description=_(LOCK_LABEL),
                icon="lock",
                button_style="info",
                layout=w.Layout(width="auto"),
                tooltip=_("Your prediction is recorded; the result cell compares it with the run"),
            )
            self.status = w.HTML("")
            self.lock_button.on_click(self.on_lock)
            super().__init__([head, *row, w.HBox([self.lock_button, self.status])])

        def on_lock(self, _button=None) -> None:
            """Record the prediction and freeze the controls; an empty answer gets a note."""
            if self.answer.value is None or str(self.answer.value).strip() == "":
                if self.question.choices is not None:
                    text = _("Pick a choice first, then press {lock}.")
                else:
                    text = _("Pick a number first, then press {lock}.")
                self.message = text.format(lock=_(LOCK_LABEL))
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
            self.message = _(
                "Locked in: {choice}. Now run the experiment; "
                "the result cell will compare it with what the model does."
            ).format(choice=self.question.label(record.value))
            self.status.value = f"<span style='color:#009E73'>{_html(self.message)}</span>"

    class RevealPanel(Placeholder, w.VBox):
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
                self.message = _(
                    "Make a prediction first: answer the question above and press "
                    "{lock}. The result appears here as soon as you do."
                ).format(lock=_(LOCK_LABEL))
                self.text.value = f"<i>✎ {_html(self.message)}</i>"
                if self not in _WAITING.setdefault(q.id, []):
                    _WAITING[q.id].append(self)
                return
            ok, sentence = q.compare(record.value, self.result)
            self.verdict = ok
            extra = q.explanation(self.result)
            late = (
                " "
                + _(
                    "(You locked this prediction in after seeing a result: next time, predict "
                    "first.)"
                )
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

        out = figure_output(obj, crop=True)
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
    checks.text(qid, "qid")
    widget_cls, _panel = _classes()
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
    '✔ You predicted 300 s; the run gave 315 s. Close enough, a little low.'

    Raises
    ------
    ValueError
        No such question, or the run does not give a result of the question's kind.
    """
    checks.text(qid, "qid")
    q = _prediction_question(qid)
    result = q.result_of(run)
    shown = show if isinstance(show, tuple) else (show,)
    _widget, panel_cls = _classes()
    return panel_cls(q, result, shown)


# The lessons' predictions (defined next to each lesson's exercises above; registered here,
# once the prediction machinery exists).
_lesson00_predictions()
_lesson02_predictions()
_lesson04_predictions()
_lesson05_predictions()
