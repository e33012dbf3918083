"""Lesson 04's widget: an FT VM, its two copies, and four ways to hurt them."""

from __future__ import annotations

import html

import ipywidgets as w
import matplotlib.pyplot as plt
from IPython.display import display

from vmlab import checks
from vmlab.cluster import Cluster
from vmlab.i18n import N_, _
from vmlab.plots.ft import plot_ft_copies
from vmlab.sim import Simulation, Timeline
from vmlab.units import format_clock, format_duration
from vmlab.widgets.dashboard import text_width_px
from vmlab.widgets.messages import for_widget
from vmlab.widgets.render import Placeholder, busy

_AUTO = w.Layout(width="auto")
_CONTROLS = {"enable_ft": N_("the lesson's code (this panel has no FT switch)")}
_NO_RACE = N_("no secondary in step, so there is nothing to race for")
"""The engine's detail of a cut that changes nothing (the VM has no secondary in step)."""


class FTPanel(Placeholder, w.VBox):
    """Fail the hosts of an FT VM, or cut its logging link, and see which copy goes on.

    Controls: ``vm`` (Dropdown of the cluster's VMs), ``second_after`` (seconds between the two
    failures of "fail both in turn") and four buttons, each with a named callback:
    :meth:`on_fail_primary`, :meth:`on_fail_secondary`, :meth:`on_cut_logging`,
    :meth:`on_fail_both`. After a press, ``timeline`` holds the run, ``message`` says what
    happened, ``primary_host`` / ``secondary_host`` where the copies ended up, ``outage_s`` the
    longest outage of the VM (0 when there was none); ``status`` shows the copies and
    ``output`` the picture. An impossible action (a VM without FT) leaves a message, never a
    traceback.
    """

    def __init__(
        self,
        cluster: Cluster,
        *,
        vm: str | None = None,
        fail_at_s: float = 60,
        until_s: float = 900,
        seed: int = 0,
    ) -> None:
        checks.cluster(cluster)
        if not cluster.vms:
            raise ValueError(
                _(
                    "ft_panel needs a cluster with VMs (one of them with FT); try ft_panel() "
                    "for the example cluster with FT on db-01"
                )
            )
        if vm is not None:
            checks.name(vm, cluster.vms, "VM")
        fail_at_s = checks.time_s(fail_at_s, "fail_at_s")
        until_s = checks.time_s(until_s, "until_s", zero_ok=False)
        if until_s <= fail_at_s:
            raise ValueError(
                _(
                    "until_s ({until_s:g} s) must come after fail_at_s ({fail_at_s:g} s); "
                    "try until_s={suggested:g}"
                ).format(until_s=until_s, fail_at_s=fail_at_s, suggested=fail_at_s + 840)
            )
        checks.seed(seed)
        self.cluster = cluster
        self.fail_at_s = float(fail_at_s)
        self.until_s = float(until_s)
        self.seed = seed
        self.timeline: Timeline | None = None
        self.message = ""
        self.outage_s: float | None = None
        with_ft = [v.name for v in cluster.vms.values() if v.secondary_host]
        if vm is None:
            vm = with_ft[0] if with_ft else next(iter(cluster.vms))
        cluster.vms[vm]  # unknown name → NotFoundError listing the VMs
        self.vm = w.Dropdown(options=list(cluster.vms), value=vm, description=_("VM"))
        self.second_after = w.IntSlider(
            value=30,
            min=5,
            max=300,
            step=5,
            description=_("2nd failure after (s)"),
            continuous_update=False,
            style={"description_width": "initial"},
            # the description's own width plus a track a student can drag (not 70 px)
            layout=w.Layout(width=f"{text_width_px(_('2nd failure after (s)')) + 280}px"),
        )
        self.fail_primary_button = w.Button(
            description=_("Fail the primary's host"),
            button_style="danger",
            icon="bolt",
            layout=_AUTO,
        )
        self.fail_secondary_button = w.Button(
            description=_("Fail the secondary's host"),
            button_style="warning",
            icon="bolt",
            layout=_AUTO,
        )
        self.cut_button = w.Button(description=_("Cut the logging link"), icon="cut", layout=_AUTO)
        self.fail_both_button = w.Button(
            description=_("Fail both in turn"), button_style="danger", icon="bomb", layout=_AUTO
        )
        self.fail_primary_button.on_click(self.on_fail_primary)
        self.fail_secondary_button.on_click(self.on_fail_secondary)
        self.cut_button.on_click(self.on_cut_logging)
        self.fail_both_button.on_click(self.on_fail_both)
        self.vm.observe(self.on_vm_change, names="value")
        self.status = w.HTML()
        self.summary = w.HTML(_("<i>Choose what breaks.</i>"))
        self.output = w.Output(layout=w.Layout(min_height="300px"))
        self.primary_host, self.secondary_host = self._copies_before()
        self._label_buttons()
        self._show_status("before")
        super().__init__(
            [
                w.HBox([self.vm, self.second_after], layout=w.Layout(flex_flow="row wrap")),
                w.HBox(
                    [
                        self.fail_primary_button,
                        self.fail_secondary_button,
                        self.cut_button,
                        self.fail_both_button,
                    ],
                    layout=w.Layout(flex_flow="row wrap"),  # long labels wrap, not cut off
                ),
                self.status,
                self.summary,
                self.output,
            ]
        )

    # -- callbacks -------------------------------------------------------------------------

    @checks.widget_callback
    def on_vm_change(self, _change: object = None) -> None:
        """A new VM is chosen: show its copies, forget the last run."""
        self.timeline, self.outage_s = None, None
        self.primary_host, self.secondary_host = self._copies_before()
        self._label_buttons()
        self._show_status("before")
        self.summary.value = _("<i>Choose what breaks.</i>")
        self.output.clear_output()

    @busy
    @checks.widget_callback
    def on_fail_primary(self, _button: w.Button | None = None) -> None:
        """The primary's host fails at ``fail_at_s``."""
        self._act("fail_primary")

    @busy
    @checks.widget_callback
    def on_fail_secondary(self, _button: w.Button | None = None) -> None:
        """The secondary's host fails at ``fail_at_s``."""
        self._act("fail_secondary")

    @busy
    @checks.widget_callback
    def on_cut_logging(self, _button: w.Button | None = None) -> None:
        """The logging link between the two copies is cut at ``fail_at_s``."""
        self._act("cut")

    @busy
    @checks.widget_callback
    def on_fail_both(self, _button: w.Button | None = None) -> None:
        """The primary's host fails, then ``second_after`` s later the secondary's host."""
        self._act("fail_both")

    # -- the work behind a press ---------------------------------------------------------------

    def simulate(self, action: str) -> Timeline:
        """Run ``action`` (``fail_primary``, ``fail_secondary``, ``cut``, ``fail_both``)."""
        name = self.vm.value
        vm = self.cluster.vms[name]
        if vm.secondary_host is None:
            with_ft = [v.name for v in self.cluster.vms.values() if v.secondary_host]
            raise ValueError(
                _(
                    "{vm} has no FT, so it has no secondary to take over. This panel cannot "
                    "turn FT on (the lesson's code does, with enable_ft); choose a VM with FT "
                    "in the VM list: {vms}"
                ).format(vm=name, vms=", ".join(with_ft) or _("(none in this cluster yet)"))
            )
        sim = Simulation(self.cluster, seed=self.seed)
        t = self.fail_at_s
        if action == "fail_primary":
            sim.fail_host(vm.host, at_s=t)
        elif action == "fail_secondary":
            sim.fail_host(vm.secondary_host, at_s=t)
        elif action == "cut":
            sim.cut_ft_logging(name, at_s=t)
        elif action == "fail_both":
            sim.fail_host(vm.host, at_s=t)
            sim.fail_host(vm.secondary_host, at_s=t + self.second_after.value)
        else:
            raise ValueError(
                f"Unknown action {action!r}; actions are fail_primary, fail_secondary, cut, "
                "fail_both"
            )
        return sim.run(until_s=self.until_s)

    def _act(self, action: str) -> None:
        try:
            self.timeline = self.simulate(action)
        except (ValueError, KeyError) as err:  # a readable message, never a traceback
            self.message = _("Cannot do that: {error}").format(
                error=for_widget(str(err), _CONTROLS)
            )
            self.summary.value = f"<b style='color:#D55E00'>{html.escape(self.message)}</b>"
            return
        name = self.vm.value
        final = self.timeline.final.vms[name]
        self.primary_host, self.secondary_host = final.host, final.secondary_host
        out = self.timeline.outages().query("vm == @name")
        self.outage_s = float(out.down_s.max()) if len(out) else 0.0
        self.message = describe_ft_run(self.timeline, name, self.cluster.vms[name].host)
        self._show_status("after")
        self.summary.value = html.escape(self.message).replace("\n", "<br>")
        with self.output:
            self.output.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(9, 2.8))
            plot_ft_copies(self.timeline, name, ax=ax)
            fig.tight_layout()
            display(fig)
            plt.close(fig)

    def _label_buttons(self) -> None:
        """Name, on each button, the host it fails: every press starts again from the
        cluster as it is now, so the hosts do not change from press to press."""
        vm = self.cluster.vms[self.vm.value]
        primary, secondary = vm.host, vm.secondary_host
        if secondary is None:
            self.fail_primary_button.description = _("Fail the primary's host")
            self.fail_secondary_button.description = _("Fail the secondary's host (no FT)")
            self.fail_both_button.description = _("Fail both in turn")
            return
        self.fail_primary_button.description = _("Fail the primary's host ({host})").format(
            host=primary
        )
        self.fail_secondary_button.description = _("Fail the secondary's host ({host})").format(
            host=secondary
        )
        self.fail_both_button.description = _(
            "Fail both in turn ({primary}, then {secondary})"
        ).format(primary=primary, secondary=secondary)

    def _copies_before(self) -> tuple[str, str | None]:
        vm = self.cluster.vms[self.vm.value]
        return vm.host, vm.secondary_host

    def _show_status(self, when: str) -> None:
        before_primary, before_secondary = self._copies_before()
        start = _(
            "Every press starts again from here: {vm}'s primary on <b>{primary}</b> · "
            "secondary on <b>{secondary}</b>"
        ).format(
            vm=self.vm.value,
            primary=before_primary,
            secondary=before_secondary or _("none (no FT)"),
        )
        if when == "before" or self.outage_s is None:
            self.status.value = start
            return
        secondary = self.secondary_host or _("none (unprotected)")
        outage = (
            _("outage: <b>none</b>")
            if self.outage_s == 0
            else _("outage: <b>{duration}</b>").format(duration=format_duration(self.outage_s))
        )
        end = _(
            "At the end of that run: primary on <b>{primary}</b> · secondary on "
            "<b>{secondary}</b> · {outage}"
        ).format(primary=self.primary_host, secondary=secondary, outage=outage)
        self.status.value = f"{start}<br>{end}"


def describe_ft_run(timeline: Timeline, vm: str, first_primary: str) -> str:
    """A few sentences on what happened to an FT VM in a run: who took over, how long the
    service was out, how long the VM stayed unprotected."""
    checks.timeline(timeline)
    checks.name(vm, timeline.spec.vms, "VM")
    checks.name(first_primary, timeline.spec.hosts, "Host")
    ev = timeline.events
    lines = []
    told = ("ft_failover", "ft_test_and_set", "ft_secondary_lost", "ft_no_secondary")
    for r in ev.itertuples(index=False):
        when = format_clock(r.t_s)
        if r.kind == "host_failed":
            lines.append(_("{clock} {host} failed.").format(clock=when, host=r.host))
        elif r.vm != vm:
            continue
        elif r.kind in (*told, "ft_secondary_created"):
            # TRANSLATORS: a time, then an event's own sentence (said by the engine)
            lines.append(_("{clock} {detail}.").format(clock=when, detail=_sentence(r.detail)))
        elif r.kind == "ft_restart":
            lines.append(_("{clock} Restart: {detail}.").format(clock=when, detail=r.detail))
        elif r.kind == "restart_issued":
            lines.append(
                _("{clock} HA restarts {vm} on {host} ({detail}).").format(
                    clock=when, vm=vm, host=r.host, detail=r.detail
                )
            )
        elif r.kind == "ft_logging_cut" and "nothing" not in r.detail and r.detail != _(_NO_RACE):
            lines.append(_("{clock} The logging link is cut.").format(clock=when))
    out = timeline.outages().query("vm == @vm")
    if out.empty:
        verdict = _("Outage of {vm}: none — its service never paused.").format(vm=vm)
    else:
        longest = float(out.down_s.max())
        if longest < 1:
            verdict = _(
                "Outage of {vm}: a pause of {duration} — not a restart; clients keep their "
                "connections."
            ).format(vm=vm, duration=format_duration(longest))
        else:
            verdict = _(
                "Outage of {vm}: {duration} — both copies were lost, so HA restarted the VM: "
                "detection + boot."
            ).format(vm=vm, duration=format_duration(longest))
    final = timeline.final.vms[vm]
    moved = (
        _("The primary moved from {old} to {new}.").format(old=first_primary, new=final.host)
        if final.host != first_primary
        else _("The primary stayed on {host}.").format(host=first_primary)
    )
    return "\n".join([*lines, moved, verdict])


def _sentence(text: str) -> str:
    return "The" + text[3:] if text.startswith("the ") else text


def ft_panel(
    cluster: Cluster | None = None,
    *,
    vm: str | None = None,
    fail_at_s: float = 60,
    until_s: float = 900,
    seed: int = 0,
) -> FTPanel:
    """Build the FT panel for ``cluster`` (default: the example cluster with HA on and FT on
    db-01).

    >>> from vmlab import Cluster
    >>> c = Cluster.example()
    >>> _ = c.enable_ha()  # FT needs HA on the cluster
    >>> _ = c.enable_ft("db-01")
    >>> panel = ft_panel(c, vm="db-01")
    >>> panel.primary_host, panel.secondary_host
    ('esx-09', 'esx-01')
    >>> timeline = panel.simulate("fail_primary")  # what the first button runs
    >>> print(describe_ft_run(timeline, "db-01", "esx-09").splitlines()[-1])
    Outage of db-01: a pause of 317 ms — not a restart; clients keep their connections.

    In a notebook, show it as the last line of a cell and press its buttons; in code, call
    ``panel.on_fail_primary()`` and read ``panel.message``.
    """
    if cluster is None:
        cluster = Cluster.example()
        cluster.enable_ha()  # FT needs HA on the cluster (VMware documentation)
        cluster.enable_ft("db-01")
    return FTPanel(cluster, vm=vm, fail_at_s=fail_at_s, until_s=until_s, seed=seed)
