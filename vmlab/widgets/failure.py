"""Lesson 00's widget: pick a host, fail it, and see which services stop and for how long."""

from __future__ import annotations

import ipywidgets as w
from matplotlib.figure import Figure

from vmlab import checks
from vmlab.cluster import Cluster
from vmlab.i18n import N_, _, ngettext
from vmlab.lessons import fail_and_repair
from vmlab.plots.cluster import plot_timeline
from vmlab.sim import Timeline
from vmlab.units import format_clock, format_duration
from vmlab.widgets.messages import for_widget, then
from vmlab.widgets.render import Placeholder, busy, figure_output

_CONTROLS = {
    "repair_host": N_("the Repair after slider"),
    "fail_host": N_("the Fail this host button"),
}


class FailurePicker(Placeholder, w.VBox):
    """Fail one host of a cluster with no protection and show the damage.

    Controls: ``host`` (Dropdown), ``repair_after`` (how many minutes until the host is
    repaired), ``fail_button``. After a press, ``timeline`` holds the run and ``message``
    says what happened in words; the ``output`` area shows the timeline plot.
    """

    def __init__(
        self, cluster: Cluster, *, fail_at_s: float = 60, until_s: float = 1800, seed: int = 0
    ) -> None:
        checks.cluster(cluster)
        if not cluster.hosts:
            raise ValueError(
                _(
                    "failure_picker needs a cluster with hosts; try failure_picker() for the "
                    "example cluster"
                )
            )
        fail_at_s = checks.time_s(fail_at_s, "fail_at_s")
        until_s = checks.time_s(until_s, "until_s", zero_ok=False)
        if until_s - fail_at_s < 120:
            raise ValueError(
                _(
                    "until_s ({until_s:g} s) must be at least 2 minutes after fail_at_s "
                    "({fail_at_s:g} s), so that the host can be repaired a minute or more "
                    "after it fails; try until_s={suggested:g}"
                ).format(until_s=until_s, fail_at_s=fail_at_s, suggested=fail_at_s + 1800)
            )
        checks.seed(seed)
        self.cluster = cluster
        self.fail_at_s = float(fail_at_s)
        self.until_s = float(until_s)
        self.seed = seed
        self.timeline: Timeline | None = None
        self.message = ""
        self.host = w.Dropdown(options=list(cluster.hosts), description=_("Host"))
        self.repair_after = w.IntSlider(
            value=10,
            min=1,
            max=repair_max_min(self.until_s - self.fail_at_s),
            description=_("Repair after"),
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.repair_unit = w.Label("min")
        self.fail_button = w.Button(
            description=_("Fail this host"),
            button_style="danger",
            icon="bolt",
            tooltip=_("Cut the power of the chosen host and run the simulation"),
        )
        self.summary = w.HTML(_("<i>Pick a host and press <b>Fail this host</b>.</i>"))
        self.output = w.Output(layout=w.Layout(min_height="340px"))
        self.fail_button.on_click(self.on_fail)
        super().__init__(
            [
                w.HBox([self.host, self.repair_after, self.repair_unit, self.fail_button]),
                self.summary,
                self.output,
            ]
        )

    @busy
    @checks.widget_callback
    def on_fail(self, _button: w.Button | None = None) -> None:
        """Run the simulation for the chosen host and redraw."""
        try:
            self.timeline = self.simulate(self.host.value, self.repair_after.value * 60)
        except (ValueError, KeyError) as err:  # a readable message, never a traceback
            self.message = _("Cannot do that: {error}").format(
                error=for_widget(str(err), _CONTROLS)
            )
            self.summary.value = f"<b style='color:#D55E00'>{self.message}</b>"
            return
        self.message = describe_failure(self.timeline, self.host.value)
        self.summary.value = self.message.replace("\n", "<br>")
        fig = Figure(figsize=(9, 3.2), dpi=90)
        ax = fig.add_subplot()
        plot_timeline(self.timeline, ax=ax)
        fig.tight_layout()
        self.output.outputs = (
            figure_output(fig, _("<timeline: {host} failed>").format(host=self.host.value)),
        )

    def simulate(self, host: str, repair_after_s: float) -> Timeline:
        """The run behind a press: ``host`` fails at ``fail_at_s`` and is repaired later.

        The run lasts ``until_s`` or, with a long repair, until every VM has booted again,
        so an outage is never cut short by the end of the run."""
        checks.name(host, self.cluster.hosts, "Host")
        checks.positive(repair_after_s, "repair_after_s", unit="s", high=1e9)
        return fail_and_repair(
            self.cluster,
            host,
            fail_at_s=self.fail_at_s,
            repair_at_s=self.fail_at_s + repair_after_s,
            seed=self.seed,
            until_s=self.until_s,
        )


def repair_max_min(window_s: float) -> int:
    """The Repair after slider's end, in whole minutes, for ``window_s`` seconds between the
    failure and the end of the run: at least a minute before the end, and a round number
    (a multiple of 10 minutes from 30 on, of 5 from 10 on) rather than 38.

    >>> [repair_max_min(s) for s in (2340, 1740, 1140, 600, 120)]
    [30, 25, 15, 9, 1]
    """
    room = int(window_s // 60) - 1
    if room >= 30:
        return room // 10 * 10
    if room >= 10:
        return room // 5 * 5
    return max(room, 1)


def describe_failure(timeline: Timeline, host: str) -> str:
    """A few sentences on what a host failure cost: which services stopped, for how long."""
    checks.timeline(timeline)
    checks.name(host, timeline.spec.hosts, "Host")
    out = timeline.outages()
    failed = timeline.events[
        (timeline.events.kind == "host_failed") & (timeline.events.host == host)
    ]
    when = format_clock(failed.t_s.iloc[0]) if len(failed) else "?"
    if out.empty:
        return _("{host} failed at {when}, but no VM was running on it.").format(
            host=host, when=when
        )
    services = ", ".join(f"{n} {s}" for s, n in out.service.value_counts().sort_index().items())
    shortest, longest = out.down_s.min(), out.down_s.max()
    span = (
        format_duration(shortest)
        if shortest == longest
        else _("{shortest} to {longest}").format(
            shortest=format_duration(shortest), longest=format_duration(longest)
        )
    )
    still = int(out.ongoing.sum())
    first = ngettext(
        "{host} failed at {when}: {n} VM stopped ({services}).",
        "{host} failed at {when}: {n} VMs stopped ({services}).",
        len(out),
    ).format(host=host, when=when, n=len(out), services=services)
    second = _(
        "Their services were out for {span}: until the host was repaired, plus each guest's boot."
    ).format(span=span)
    if still:
        second = then(second, _("{n} were still down when the run ended.").format(n=still))
    return f"{first}\n{second}"


def failure_picker(
    cluster: Cluster | None = None, *, fail_at_s: float = 60, until_s: float = 1800, seed: int = 0
) -> FailurePicker:
    """Build the fail-a-host widget for ``cluster`` (default: :meth:`Cluster.example`).

    >>> picker = failure_picker()
    >>> picker.host.options[:3]
    ('esx-01', 'esx-02', 'esx-03')

    In a notebook, show it as the last line of a cell; press the button, or in code::

        picker.host.value = "esx-05"
        picker.fail_button.click()
        print(picker.message)
    """
    if cluster is not None:
        checks.cluster(cluster)
    return FailurePicker(
        cluster or Cluster.example(), fail_at_s=fail_at_s, until_s=until_s, seed=seed
    )
