"""Lesson 03's cluster dashboard: fail, isolate and repair hosts and watch HA bring the
services back.

::

    board = ha_dashboard()
    board.host.value = "esx-03"
    board.fail_button.click()
    board.event_log.value.splitlines()[2]
    # '01:15 esx-03 declared failed — restarting 5 VMs… (15.0 s without heartbeat, …)'

The factory returns the container; it never displays itself. Every press adds one action to
the scenario (at the time on the ``at (s)`` slider), runs the whole scenario again and shows
the HA timeline, the host tiles and the event log. Impossible actions become a message.
"""

from __future__ import annotations

import html

import ipywidgets as w
from matplotlib.axes import Axes

from vmlab import checks
from vmlab.cluster import RESTART_PRIORITIES, Cluster
from vmlab.ha import ISOLATION_RESPONSES, readable_log
from vmlab.i18n import N_, _, ngettext
from vmlab.lessons import admission_warning
from vmlab.plots.ha import ha_timeline_rows, plot_ha_timeline
from vmlab.plots.style import HOST_COLOURS, OKABE_ITO
from vmlab.sim import Simulation, Timeline
from vmlab.units import format_clock, format_duration
from vmlab.widgets.messages import for_widget, state_words, then
from vmlab.widgets.render import FigureSlot, Placeholder, busy

ADMISSION_CHOICES = (
    (N_("off (no reserve)"), "none"),
    (N_("percentage: 1 host's share (default)"), "percentage"),
    (N_("slot policy: 1 host"), "slots"),
    (N_("dedicated failover host"), "failover_hosts"),
)
"""The admission-control dropdown: (label, policy); the label is said in the lesson's
language when the dashboard is built."""

# The option labels of the isolation and priority dropdowns. Isolation responses are
# labelled as the vSphere 8 Client names them (vSphere Availability, "Host Isolation
# Response"); the values stay vmlab's identifiers (``leave_powered_on`` is the vSphere 6.0-era
# name "Leave powered on").
_ISOLATION_LABELS = {
    # TRANSLATORS: an HA isolation response, as the vSphere 8 Client names it (the default)
    "leave_powered_on": N_("Disabled (VMs stay powered on)"),
    # TRANSLATORS: an HA isolation response, as the vSphere 8 Client names it
    "power_off": N_("Power off and restart VMs"),
    # TRANSLATORS: an HA isolation response, as the vSphere 8 Client names it
    "shutdown": N_("Shut down and restart VMs"),
}
_PRIORITY_LABELS = {
    # TRANSLATORS: a VM restart priority (no restart)
    "disabled": N_("disabled"),
    # TRANSLATORS: a VM restart priority
    "lowest": N_("lowest"),
    # TRANSLATORS: a VM restart priority
    "low": N_("low"),
    # TRANSLATORS: a VM restart priority
    "medium": N_("medium"),
    # TRANSLATORS: a VM restart priority
    "high": N_("high"),
    # TRANSLATORS: a VM restart priority
    "highest": N_("highest"),
}

_ACTIONS = {"fail": "fail_host", "isolate": "isolate_host", "repair": "repair_host"}
_WORDS = {"fail": "fails", "isolate": "loses its network", "repair": "is repaired"}
_STEPS = {
    "fail": N_("{clock} {host} fails"),
    "isolate": N_("{clock} {host} loses its network"),
    "repair": N_("{clock} {host} is repaired"),
}
"""One step of the scenario, as the summary says it (``_WORDS``' words, a whole phrase)."""
_STEP_S = 60
"""After each press the ``at (s)`` slider moves on by this much (said in the summary)."""
_CONTROLS = {
    "repair_host": N_("the Repair host button, at an earlier time on the at (s) slider"),
    "fail_host": N_("the Fail host button, at an earlier time on the at (s) slider"),
    "isolate_host": N_("the Isolate host button"),
    "enable_ha": N_("ticking HA on"),
    "disable_ha": N_("unticking HA on"),
    "disable_ft": N_("the lesson's code (this dashboard has no FT switch)"),
    "enable_ft": N_("the lesson's code (this dashboard has no FT switch)"),
}


class HADashboard(Placeholder, w.VBox):
    """A cluster with HA you can break.

    Controls (all attributes, so tests drive them): ``host``, ``at_s``, ``fail_button``,
    ``isolate_button``, ``repair_button``, ``clear_button``; ``ha_on``, ``admission``,
    ``isolation``; ``vm`` and ``priority``. Results: ``actions`` (the scenario),
    ``timeline``, ``message`` (what happened, in words), ``tiles`` (one per host), ``event_log``
    (the readable event log) and ``output`` (the timeline plot).
    """

    def __init__(self, cluster: Cluster, *, until_s: float = 900, seed: int = 0) -> None:
        checks.cluster(cluster)
        if not cluster.hosts or not cluster.vms:
            raise ValueError(
                _(
                    "ha_dashboard needs a cluster with hosts and VMs; try ha_dashboard() for "
                    "the example cluster"
                )
            )
        checks.time_s(until_s, "until_s", zero_ok=False)
        checks.seed(seed)
        self.cluster = cluster.copy()
        self.until_s = float(until_s)
        self.seed = seed
        self.actions: list[tuple[str, str, float]] = []
        self.timeline: Timeline | None = None
        self.message = ""
        hosts = list(self.cluster.hosts)
        narrow = {"description_width": "initial"}
        self.host = _dropdown([(h, h) for h in hosts], hosts[min(2, len(hosts) - 1)], _("Host"))
        self.at_s = w.IntSlider(value=60, min=0, max=1800, step=15, description=_("at (s)"),
                                continuous_update=False, style=narrow,
                                layout=w.Layout(width="260px"))  # fmt: skip
        self.fail_button = w.Button(description=_("Fail host"), button_style="danger", icon="bolt")
        self.isolate_button = w.Button(description=_("Isolate host"), button_style="warning",
                                       icon="unlink")  # fmt: skip
        self.repair_button = w.Button(description=_("Repair host"), button_style="success",
                                      icon="wrench")  # fmt: skip
        self.clear_button = w.Button(description=_("Clear scenario"), icon="undo")
        self.ha_on = w.Checkbox(value=True, description=_("HA on"), indent=False,
                                layout=w.Layout(width="80px"))  # fmt: skip
        ha = getattr(self.cluster, "ha", None)
        known = {value for _, value in ADMISSION_CHOICES}
        start = ha.policy_name if ha is not None and ha.policy_name in known else "percentage"
        self.admission = _dropdown(
            [(_(label), value) for label, value in ADMISSION_CHOICES], start,
            _("Admission control"))  # fmt: skip
        self.isolation = _dropdown(
            [(_(_ISOLATION_LABELS.get(r, r)), r) for r in ISOLATION_RESPONSES],
            "leave_powered_on", _("Isolation response"))  # fmt: skip
        vms = list(self.cluster.vms)
        self.vm = _dropdown([(v, v) for v in vms], vms[0], _("VM"))
        self.priority = _dropdown(
            [(_(_PRIORITY_LABELS.get(p, p)), p) for p in RESTART_PRIORITIES],
            self.cluster.vms[vms[0]].restart_priority, _("restart priority"))  # fmt: skip
        self.summary = w.HTML(_("<i>Pick a host and press <b>Fail host</b>.</i>"))
        self.capacity = w.HTML(layout=w.Layout(width="100%"))  # a row of its own, full width
        self.tiles = [w.HTML(layout=w.Layout(width="96px")) for _ in hosts]
        grid = w.GridBox(self.tiles, layout=w.Layout(
            grid_template_columns="repeat(8, 100px)", grid_gap="3px"))  # fmt: skip
        self.event_log = w.Textarea(value="", disabled=True, description="",
                              layout=w.Layout(width="100%", height="150px"))  # fmt: skip
        self.output = w.Output(layout=w.Layout(min_height="260px"))

        self.fail_button.on_click(self.on_fail)
        self.isolate_button.on_click(self.on_isolate)
        self.repair_button.on_click(self.on_repair)
        self.clear_button.on_click(self.on_clear)
        self.ha_on.observe(self.on_settings, names="value")
        self.admission.observe(self.on_settings, names="value")
        self.isolation.observe(self.on_settings, names="value")
        self.vm.observe(self.on_vm, names="value")
        self.priority.observe(self.on_priority, names="value")
        for button in (
            self.fail_button,
            self.isolate_button,
            self.repair_button,
            self.clear_button,
        ):
            button.layout = w.Layout(width="auto", flex="0 0 auto")  # the whole label shows
        wrap = {"flex_flow": "row wrap", "align_items": "center"}  # a narrow page: next line
        super().__init__([
            w.HBox([self.host, self.at_s, self.fail_button, self.isolate_button,
                    self.repair_button, self.clear_button], layout=w.Layout(**wrap)),
            w.HBox([self.ha_on, self.admission, self.isolation], layout=w.Layout(**wrap)),
            w.HBox([self.vm, self.priority], layout=w.Layout(**wrap)),
            self.capacity, grid, self.summary, self.output, self.event_log,
        ])  # fmt: skip
        self.refresh(draw=False)  # no plot until a press: nothing has happened yet

    # -- callbacks (named, so tests call them or press the buttons) ---------------------------

    @busy
    @checks.widget_callback
    def on_fail(self, _button: w.Button | None = None) -> None:
        """Add "the chosen host fails at ``at_s``" to the scenario and run it."""
        self.add_action("fail")

    @busy
    @checks.widget_callback
    def on_isolate(self, _button: w.Button | None = None) -> None:
        """Add "the chosen host loses its management network at ``at_s``"."""
        self.add_action("isolate")

    @busy
    @checks.widget_callback
    def on_repair(self, _button: w.Button | None = None) -> None:
        """Add "the chosen host is repaired (or gets its network back) at ``at_s``"."""
        self.add_action("repair")

    @busy
    @checks.widget_callback
    def on_clear(self, _button: w.Button | None = None) -> None:
        """Forget every action: the cluster as it started."""
        self.actions = []
        self.at_s.value = 60
        self.refresh()

    @checks.widget_callback
    def on_settings(self, change: dict | None = None) -> None:
        """HA on/off, admission control or isolation response changed: run again. A change
        the cluster refuses (HA off while FT protects a VM) springs back, with a message."""
        if not self.refresh() and change is not None:
            owner = change["owner"]
            owner.unobserve(self.on_settings, names="value")
            owner.value = change["old"]
            owner.observe(self.on_settings, names="value")
            name = getattr(owner, "description", "") or _("setting")
            self.message = then(self.message, _("({name} is back as it was.)").format(name=name))
            colour = OKABE_ITO["vermillion"]
            self.summary.value = f"<b style='color:{colour}'>{html.escape(self.message)}</b>"

    @checks.widget_callback
    def on_vm(self, change: dict) -> None:
        """Show the chosen VM's restart priority (no new run)."""
        self.priority.unobserve(self.on_priority, names="value")
        self.priority.value = self.cluster.vms[change["new"]].restart_priority
        self.priority.observe(self.on_priority, names="value")

    @checks.widget_callback
    def on_priority(self, change: dict) -> None:
        """Give the chosen VM a new restart priority and run again."""
        self.cluster.vms[self.vm.value].restart_priority = change["new"]
        self.refresh()

    # -- the work ------------------------------------------------------------------------------

    def add_action(self, what: str) -> None:
        """Add one action; an impossible one (fail a host that is down) becomes a message."""
        action = (what, self.host.value, float(self.at_s.value))
        try:
            self.build(self.actions + [action])
        except (ValueError, KeyError) as err:
            self._say_error(err)
            return
        self.actions.append(action)
        before = self.at_s.value
        self.at_s.value = min(self.at_s.max, int(action[2]) + _STEP_S)
        self.refresh()
        if self.at_s.value > before:
            self.message += "\n" + _(
                "The at (s) slider moved on to {t} s for your next action "
                "(drag it to choose another time)."
            ).format(t=self.at_s.value)
        else:  # at its end already: it cannot move on
            self.message += "\n" + _(
                "The at (s) slider is at its end ({t} s): drag it back to choose the time "
                "of your next action."
            ).format(t=self.at_s.value)
        self.summary.value = html.escape(self.message).replace("\n", "<br>")

    def spec(self) -> Cluster:
        """The cluster with the dashboard's HA settings. A run never changes it, so it is made
        again only when a setting changes (no copy per press)."""
        key = (self.ha_on.value, self.admission.value, self.isolation.value,
               tuple(vm.restart_priority for vm in self.cluster.vms.values()))  # fmt: skip
        if getattr(self, "_spec_key", None) != key:
            cluster = self.cluster.copy()
            if self.ha_on.value:
                cluster.enable_ha(admission_control=self.admission.value,
                                  isolation_response=self.isolation.value)  # fmt: skip
            else:
                cluster.disable_ha()
            self._spec, self._spec_key = cluster, key
        return self._spec

    def build(self, actions: list[tuple[str, str, float]]) -> Simulation:
        """The simulation behind the dashboard: the cluster, its settings, ``actions``."""
        sim = Simulation(self.spec(), seed=self.seed)
        for what, host, t in actions:
            getattr(sim, _ACTIONS[what])(host, at_s=t)
        return sim

    def refresh(self, draw: bool = True) -> bool:
        """Run the scenario and redraw everything (the plot only when ``draw``); False when
        the scenario cannot run (the message says why)."""
        try:
            sim = self.build(self.actions)
            config = sim.spec.ha
            capacity = None if config is None else config.failover_capacity
            warning = admission_warning(config)  # the cluster as it starts, before the run
            last = max((t for _, _, t in self.actions), default=0.0)
            self.timeline = sim.run(until_s=max(self.until_s, last + 600))
        except (ValueError, KeyError) as err:
            self._say_error(err)
            return False
        if config is None:
            self.capacity.value = _("<b>HA is off</b>: nothing restarts a failed host's VMs.")
        else:
            self.capacity.value = ngettext(
                "{primary} at the end of the run · failover capacity <b>{capacity}</b> "
                "host before any failure",
                "{primary} at the end of the run · failover capacity <b>{capacity}</b> "
                "hosts before any failure",
                capacity or 0,
            ).format(
                primary=primary_at_end(self.timeline, self.timeline.final.primary),
                capacity=capacity,
            )
            if warning:
                colour = OKABE_ITO["vermillion"]
                self.capacity.value += f"<br><b style='color:{colour}'>⚠ {html.escape(warning)}</b>"
        self.message = describe_ha(self.timeline, self.actions)
        self.summary.value = html.escape(self.message).replace("\n", "<br>")
        self.event_log.value = readable_log(self.timeline, max_lines=60) or _(
            "(nothing happened yet)"
        )
        self._draw_tiles()
        if draw:
            self._draw_plot()
        return True

    def _say_error(self, err: Exception) -> None:
        self.message = _("Cannot do that: {error}").format(error=for_widget(str(err), _CONTROLS))
        colour = OKABE_ITO["vermillion"]
        self.summary.value = f"<b style='color:{colour}'>{html.escape(self.message)}</b>"

    def _draw_tiles(self) -> None:
        t = self.timeline
        assert t is not None
        hit = {h for _, h, _ in self.actions}
        for tile, host in zip(self.tiles, t.final.hosts, strict=True):
            state = t.final.hosts[host].state
            n = len(t.final.vms_on(host))
            border = "2px solid #D55E00" if host in hit else "1px solid #888"
            line = ngettext("{state} · {n} VM", "{state} · {n} VMs", n).format(
                state=state_words(state), n=n
            )
            tile.value = (
                f"<div style='background:{HOST_COLOURS.get(state, 'white')};border:{border};"
                f"padding:2px 4px;font-size:11px;line-height:1.3'><b>{host}</b><br>"
                f"{line}</div>"
            )

    def _draw_plot(self) -> None:
        t = self.timeline
        assert t is not None
        if not hasattr(self, "_slot"):
            self._slot = FigureSlot((9.5, 4), dpi=90)  # one figure, redrawn in place
        rows = ha_timeline_rows(t)

        def draw(ax: Axes) -> None:
            plot_ha_timeline(t, ax=ax)
            if t.spec.ha is None:
                ax.set_title(_("What happened — HA is off, so nothing restarts"))

        height = 1.6 + 0.32 * min(max(rows, 2), 24)
        self.output.outputs = (self._slot.render(draw, height_in=height, text=_("<HA timeline>")),)


def text_width_px(text: str) -> int:
    """A generous estimate of ``text``'s width in px in a widget's 13 px font: 6.5 px per
    Latin letter, 14 px per Chinese character (full width; measured in Chromium)."""
    return round(sum(14 if ord(ch) >= 0x2E80 else 6.5 for ch in text))


def _dropdown(options: list[tuple[str, str]], value: str, description: str) -> w.Dropdown:
    """A dropdown as wide as its description and its longest option label, so that no label
    is cut off ("percentage: 1 host's shar") and the row around it cannot squeeze it."""
    longest = max((text_width_px(label) for label, _value in options), default=0)
    width = text_width_px(description) + longest + 48  # gaps, padding and the arrow
    return w.Dropdown(options=options, value=value, description=description,
                      style={"description_width": "initial"},
                      layout=w.Layout(width=f"{width}px", flex="0 0 auto"))  # fmt: skip


def primary_at_end(timeline: Timeline, primary: str | None) -> str:
    """HA's primary at the end of the run, in words for the dashboard: none when every host
    is down, and not a host that is down or isolated."""
    t = timeline
    up = [h for h in t.cluster.hosts if t.host_state_at(h, t.until_s) == "up"]
    if not up:
        return _("<b>no primary</b>: every host is down")
    if primary is None or primary not in up:
        if not primary:
            return _("<b>no primary</b> yet")
        state = t.host_state_at(primary, t.until_s)
        return _("<b>no primary</b> yet ({primary} is {state})").format(
            primary=primary, state=state_words(state)
        )
    return _("primary <b>{primary}</b>").format(primary=primary)


def describe_ha(timeline: Timeline, actions: list[tuple[str, str, float]]) -> str:
    """What the scenario did to the services, in a few sentences."""
    checks.timeline(timeline)
    if isinstance(actions, str) or not isinstance(actions, list | tuple):
        raise ValueError(
            _(
                "actions must be a list of (what, host, t_s), such as "
                "[('fail', 'esx-03', 60.0)], not {what}"
            ).format(what=checks.describe(actions))
        )
    for action in actions:
        if not (isinstance(action, tuple | list) and len(action) == 3):
            raise ValueError(
                _(
                    "Each action is (what, host, t_s), such as ('fail', 'esx-03', 60.0), not {what}"
                ).format(what=checks.describe(action))
            )
        checks.choice(action[0], _WORDS, "Action")
        checks.name(action[1], timeline.spec.hosts, "Host")
        checks.time_s(action[2], "t_s")
    if not actions:
        return _("Nothing has happened yet: every VM runs. Pick a host and press Fail host.")
    # TRANSLATORS: between two steps of a scenario ("01:00 esx-03 fails; 02:00 …")
    steps = _("; ").join(_(_STEPS[a]).format(clock=format_clock(t), host=h) for a, h, t in
                         sorted(actions, key=lambda x: x[2]))  # fmt: skip
    out = timeline.outages()
    if out.empty:
        return _("{steps}.\nNo service stopped.").format(steps=steps)
    back = out[~out.ongoing]
    still = out[out.ongoing]
    stopped = len(out.vm.unique())
    text = ngettext("{steps}.\n{n} VM stopped.", "{steps}.\n{n} VMs stopped.", stopped).format(
        steps=steps, n=stopped
    )
    if len(back):
        worst = back.loc[back.down_s.idxmax()]
        text = then(
            text,
            ngettext(
                "{n} outage ended; the longest, {vm} ({service}), lasted {duration}.",
                "{n} outages ended; the longest, {vm} ({service}), lasted {duration}.",
                len(back),
            ).format(
                n=len(back),
                vm=worst.vm,
                service=worst.service,
                duration=format_duration(worst.down_s),
            ),
        )
    if len(still):
        words = ("insufficient capacity", _("insufficient capacity"))  # the run's language
        lack = int(still.cause.map(lambda cause: any(w in str(cause) for w in words)).sum())
        vms = ", ".join(still.vm[:8])
        if lack:
            text = then(
                text,
                _("{n} still down at the end ({lack} for lack of capacity): {vms}.").format(
                    n=len(still), lack=lack, vms=vms
                ),
            )
        else:
            text = then(text, _("{n} still down at the end: {vms}.").format(n=len(still), vms=vms))
    return text


def ha_dashboard(cluster: Cluster | None = None, *, until_s: float = 900, seed: int = 0
                 ) -> HADashboard:  # fmt: skip
    """Build the HA dashboard for ``cluster`` (default :meth:`Cluster.example`).

    In a notebook, make it the last line of a cell. In code (the plot lands in
    ``board.output``)::

        board = ha_dashboard()
        board.host.value = "esx-05"
        board.fail_button.click()
        board.actions  # [('fail', 'esx-05', 60.0)]
        print(board.message)
    """
    if cluster is not None:
        checks.cluster(cluster)
    return HADashboard(cluster or Cluster.example(), until_s=until_s, seed=seed)


__all__ = ["HADashboard", "describe_ha", "ha_dashboard", "primary_at_end"]
