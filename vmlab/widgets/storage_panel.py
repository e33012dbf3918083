"""Lesson 06's widget: take a datastore away from some hosts (APD or PDL), choose VMCP's
response, let the paths come back or not, and see what the VMs went through."""

from __future__ import annotations

import ipywidgets as w
from matplotlib.figure import Figure

from vmlab import checks
from vmlab.cluster import Cluster
from vmlab.ha_settings import VMCP_RESPONSES
from vmlab.i18n import N_, _, ngettext
from vmlab.plots.storage import plot_datastore_map, plot_storage_timeline
from vmlab.sim import Simulation, Timeline
from vmlab.storage import affected_vms
from vmlab.units import format_duration
from vmlab.widgets.dashboard import text_width_px
from vmlab.widgets.render import Placeholder, figure_output

__all__ = ["StoragePanel", "describe_storage", "storage_panel"]

# TRANSLATORS: the last choice of the "Lost by" dropdown (a datastore lost by every host)
EVERY_HOST = N_("every host")
"""The ``hosts`` dropdown's value for "every host" (its label is said in the lesson's language)."""

_VMCP_LABELS = {
    # The vSphere 8 Client's words for the APD response (vmlab uses one response for APD and
    # PDL); the values stay vmlab's identifiers.
    # TRANSLATORS: a VMCP response, as the vSphere 8 Client names it
    "disabled": N_("Disabled"),
    # TRANSLATORS: a VMCP response, as the vSphere 8 Client names it
    "issue_events": N_("Issue events"),
    # TRANSLATORS: a VMCP response ("Power off and restart VMs - Conservative restart policy")
    "conservative": N_("Power off and restart VMs (conservative)"),
    # TRANSLATORS: a VMCP response ("Power off and restart VMs - Aggressive restart policy")
    "aggressive": N_("Power off and restart VMs (aggressive)"),
}


class StoragePanel(Placeholder, w.VBox):
    """Schedule one storage fault on a copy of a cluster with HA and show the result.

    Controls: ``datastore``, ``hosts`` (one host, or every host), ``kind`` (APD / PDL),
    ``vmcp`` (the response), ``heal`` and ``heal_after`` (the paths come back after that many
    seconds), ``run_button``. After a press, ``timeline`` holds the run, ``message`` says what
    happened, and ``output`` shows the affected VMs over time and the datastore map.
    """

    def __init__(
        self, cluster: Cluster, *, fault_at_s: float = 60, until_s: float = 1200, seed: int = 0
    ) -> None:
        checks.cluster(cluster)
        fault_at_s = checks.time_s(fault_at_s, "fault_at_s")
        if checks.time_s(until_s, "until_s", zero_ok=False) <= fault_at_s:
            raise ValueError(
                _("until_s ({until_s}) must come after fault_at_s ({fault_at_s})").format(
                    until_s=repr(until_s), fault_at_s=repr(fault_at_s)
                )
            )
        checks.seed(seed)
        self.cluster = cluster
        self.fault_at_s = float(fault_at_s)
        self.until_s = float(until_s)
        self.seed = seed
        self.timeline: Timeline | None = None
        self.message = ""
        used = [
            d for d in cluster.datastores if any(v.datastore == d for v in cluster.vms.values())
        ]
        self.datastore = w.Dropdown(
            options=used or list(cluster.datastores), description=_("Datastore")
        )
        hosts = list(cluster.hosts)
        self.hosts = w.Dropdown(
            options=[*((h, h) for h in hosts), (_(EVERY_HOST), EVERY_HOST)],
            value=hosts[2] if len(hosts) > 2 else hosts[0],
            description=_("Lost by"),
        )
        self.kind = w.ToggleButtons(
            options=[(_("APD (all paths down)"), "apd"), (_("PDL (device lost)"), "pdl")],
            description=_("Fault"),
            style={"button_width": "auto"},
        )
        labels = [(_(_VMCP_LABELS.get(r, r)), r) for r in VMCP_RESPONSES]
        width = text_width_px(_("VMCP")) + max(text_width_px(t) for t, _v in labels) + 48
        self.vmcp = w.Dropdown(
            options=labels,
            value="conservative",
            description=_("VMCP"),
            style={"description_width": "initial"},
            layout=w.Layout(width=f"{width}px", flex="0 0 auto"),  # no label cut off
        )
        self.heal = w.Checkbox(value=False, description=_("the paths come back after"))
        self.heal_after = w.IntSlider(
            value=200, min=10, max=int(self.until_s - self.fault_at_s) - 10, step=10,
            continuous_update=False, description="", readout_format="d",
        )  # fmt: skip
        self.heal_unit = w.Label("s")
        self.run_button = w.Button(
            description=_("Lose the datastore"),
            button_style="danger",
            icon="hdd-o",
            tooltip=_("Schedule the storage fault and run the simulation"),
            layout=w.Layout(width="auto"),
        )
        self.summary = w.HTML(_("<i>Choose a fault and press <b>Lose the datastore</b>.</i>"))
        self.output = w.Output(layout=w.Layout(min_height="360px"))
        self.run_button.on_click(self.on_run)
        super().__init__(
            [
                w.HBox(
                    [self.datastore, self.hosts, self.vmcp],
                    layout=w.Layout(flex_flow="row wrap"),  # a narrow page: next line
                ),
                self.kind,
                w.HBox([self.heal, self.heal_after, self.heal_unit, self.run_button]),
                self.summary,
                self.output,
            ]
        )

    @checks.widget_callback
    def on_run(self, _button: w.Button | None = None) -> None:
        """Run the chosen fault and redraw (a bad choice becomes a message, never a
        traceback)."""
        heal = self.heal_after.value if self.heal.value else None
        try:
            self.timeline = self.simulate(
                self.datastore.value, self.hosts.value, self.kind.value, self.vmcp.value, heal
            )
        except (ValueError, KeyError) as err:
            self.message = _("Cannot do that: {error}").format(error=err)
            self.summary.value = f"<b style='color:#D55E00'>{self.message}</b>"
            return
        self.message = describe_storage(self.timeline)
        self.summary.value = self.message.replace("\n", "<br>")
        fig = Figure(figsize=(11, 3.8), dpi=90)
        left, right = fig.subplots(1, 2, width_ratios=[1.5, 1])
        plot_storage_timeline(self.timeline, max_rows=12, ax=left)
        plot_datastore_map(self.timeline, at_s=self.fault_at_s + 1, ax=right)
        fig.tight_layout()
        self.output.outputs = (figure_output(fig, _("<storage fault timeline and map>")),)

    def simulate(
        self, datastore: str, hosts: str, kind: str, vmcp: str, heal_after_s: float | None
    ) -> Timeline:
        """The run behind a press, on a copy of the cluster with HA and the chosen VMCP."""
        c = self.cluster.copy()
        if c.ha is None:
            c.enable_ha(vmcp=vmcp)
        elif vmcp not in VMCP_RESPONSES:
            raise ValueError(_("VMCP response {vmcp} is not known").format(vmcp=repr(vmcp)))
        else:
            c.ha.vmcp = vmcp
        sim = Simulation(c, seed=self.seed)
        heal = None if heal_after_s is None else self.fault_at_s + heal_after_s
        sim.storage_fault(
            datastore, kind=kind, at_s=self.fault_at_s,
            hosts=None if hosts == EVERY_HOST else [hosts], heal_at_s=heal,
        )  # fmt: skip
        return sim.run(until_s=self.until_s)


def describe_storage(timeline: Timeline) -> str:
    """A few sentences on a storage fault: how many VMs stopped, what VMCP did, how long the
    services were out.

    >>> from vmlab import Cluster, Simulation
    >>> c = Cluster.example()
    >>> _ = c.enable_ha(vmcp="aggressive")
    >>> sim = Simulation(c, seed=0)
    >>> sim.storage_fault("san-01", kind="pdl", at_s=60, hosts="esx-03")
    >>> print(describe_storage(sim.run(until_s=900)))
    5 VMs stopped when their disks stopped answering.
    VMCP terminated 5 and HA restarted them on hosts that still see the datastore.
    Their services were out for 45.0 s to 2 min 30 s.
    """
    hit = affected_vms(timeline)
    if not hit:
        return _("No VM keeps its disks there on the hosts that lost it: nothing stopped.")
    ev = timeline.events
    terminated = int((ev.kind == "vmcp_terminated").sum())
    lines = [
        ngettext(
            "{n} VM stopped when its disks stopped answering.",
            "{n} VMs stopped when their disks stopped answering.",
            len(hit),
        ).format(n=len(hit))
    ]
    if terminated:
        lines.append(
            _(
                "VMCP terminated {n} and HA restarted them on hosts that still see the datastore."
            ).format(n=terminated)
        )
    elif (ev.kind == "vmcp_cancelled").any():
        lines.append(_("The paths came back before VMCP's delay ended: VMCP cancelled."))
    elif (ev.kind == "vmcp_not_terminated").any():
        detail = str(ev[ev.kind == "vmcp_not_terminated"].detail.iloc[0])
        # drop the per-host reasons: "no host can take it (…): VMCP …" (or in Chinese: "（…）：")
        for opening, closing, colon in (("（", "）：", "："), (" (", "): ", ": ")):
            if closing in detail:
                detail = detail.split(opening)[0] + colon + detail.rsplit(closing, 1)[1]
                break
        lines.append(_("VMCP did not terminate them: {detail}.").format(detail=detail))
    elif (ev.kind == "vmcp_warning").any():
        lines.append(_("VMCP only raised events: nobody restarted them."))
    out = timeline.outages()
    out = out[out.vm.isin(hit)]
    lo, hi = out.down_s.min(), out.down_s.max()
    span = (
        format_duration(lo)
        if lo == hi
        else _("{shortest} to {longest}").format(
            shortest=format_duration(lo), longest=format_duration(hi)
        )
    )
    still = int(out.ongoing.sum())
    if still:
        lines.append(
            _("Their services were out for {span}; {n} were still down when the run ended.").format(
                span=span, n=still
            )
        )
    else:
        lines.append(_("Their services were out for {span}.").format(span=span))
    return "\n".join(lines)


def storage_panel(
    cluster: Cluster | None = None,
    *,
    fault_at_s: float = 60,
    until_s: float = 1200,
    seed: int = 0,
) -> StoragePanel:
    """Build the storage-fault widget for ``cluster`` (default: :meth:`Cluster.example`).

    >>> panel = storage_panel()
    >>> panel.datastore.value, panel.hosts.value, panel.vmcp.value
    ('san-01', 'esx-03', 'conservative')

    In code::

        panel.kind.value = "pdl"
        panel.run_button.click()
        print(panel.message)
    """
    if cluster is not None:
        checks.cluster(cluster)
    return StoragePanel(
        cluster or Cluster.example(), fault_at_s=fault_at_s, until_s=until_s, seed=seed
    )
