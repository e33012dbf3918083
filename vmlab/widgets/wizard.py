"""The migrate wizard: the vSphere Client's "Migrate" steps for one running VM.

Pick a running VM, choose the migration type (compute resource only, or compute resource
and storage: shared-nothing vMotion, vSphere 5.1+), a destination host and, for
shared-nothing, a datastore; read the compatibility checks, each passed or failed with its
reason; press **Migrate** and watch that VM's timeline: the copy while it runs, the stun,
and the VM running on the destination with the same MAC and IP::

    wizard = migrate_wizard(cluster)
    wizard              # last line of a cell shows it

In code (and tests) set ``wizard.vm.value``, ``wizard.kind.value``, ``wizard.host.value``,
``wizard.datastore.value`` and call ``wizard.migrate_button.click()``; ``wizard.checks``
holds the checks, ``wizard.timeline`` the last run, ``wizard.message`` what was said.
Nothing a student chooses raises: problems become messages.
"""

from __future__ import annotations

import html
import inspect
from dataclasses import dataclass
from typing import Any

import ipywidgets as w
from matplotlib.figure import Figure

from vmlab import checks
from vmlab import checks as argchecks  # where a local variable is called checks
from vmlab.cluster import Cluster
from vmlab.i18n import N_, _
from vmlab.migration import precopy
from vmlab.plots.vmotion import plot_vm_migration
from vmlab.sim import Simulation, Timeline
from vmlab.units import format_duration
from vmlab.vmotion import MIN_VMOTION_GBIT_S, cpus_compatible
from vmlab.vmotion import check as vmotion_check
from vmlab.widgets.messages import state_words, then
from vmlab.widgets.render import Placeholder, busy, figure_output, text_output

__all__ = [
    "KINDS",
    "Check",
    "MigrateWizard",
    "checks_table",
    "compatibility",
    "explain_checks",
    "migrate_wizard",
]

KINDS = {
    "compute": N_("Change compute resource only"),
    "both": N_("Change both compute resource and storage"),
}
"""The migration types the wizard offers, named as in the vSphere Client (said in the
lesson's language where shown: ``_(KINDS[key])``)."""

START_S = 10.0
"""When the wizard's migration starts in its simulated run."""

_FIGSIZE_IN = (8.5, 2.9)
_DPI = 90
_PLOT_HEIGHT = "290px"


@dataclass(frozen=True)
class Check:
    """One compatibility check: what is checked, whether it passed, and why."""

    name: str
    passed: bool
    reason: str


def _shared_nothing_in_engine() -> bool:
    """True once ``Simulation.migrate`` takes ``datastore=`` (shared-nothing vMotion)."""
    return "datastore" in inspect.signature(Simulation.migrate).parameters


class MigrateWizard(Placeholder, w.VBox):
    """The Migrate steps for one VM of ``cluster`` (the cluster itself is never changed:
    each press runs a fresh simulation of it)."""

    def __init__(self, cluster: Cluster, *, seed: int = 0) -> None:
        checks.cluster(cluster, "migrate_wizard()")
        checks.seed(seed)
        if not isinstance(cluster, Cluster):
            raise ValueError(
                _("migrate_wizard() needs a Cluster, e.g. Cluster.example(); got {what}").format(
                    what=repr(cluster)
                )
            )
        self.cluster = cluster
        self.seed = seed
        self.checks: list[Check] = []
        self.timeline: Timeline | None = None
        self.message = ""
        self._quiet = False
        running = [v.name for v in cluster.vms.values() if v.state == "running"]
        style = {"description_width": "150px"}
        self.vm = w.Dropdown(options=running, description=_("1 · Virtual machine"), style=style)
        self.kind = w.ToggleButtons(
            options=[(_(label), key) for key, label in KINDS.items()],
            value="compute",
            description=_("2 · Migration type"),
            style={"description_width": "150px", "button_width": "340px"},
        )
        self.host = w.Dropdown(description=_("3 · Destination host"), style=style)
        self.datastore = w.Dropdown(
            options=list(cluster.datastores), description=_("4 · Datastore"), style=style
        )
        self.check_view = w.HTML()
        self.migrate_button = w.Button(
            description=_("Migrate"), button_style="primary", icon="truck"
        )
        self.status = w.HTML()
        self._figure = Figure(figsize=_FIGSIZE_IN, dpi=_DPI)
        self._axes = self._figure.add_subplot()
        self._figure.subplots_adjust(left=0.16, right=0.98, bottom=0.18, top=0.88)
        self.output = w.Output(layout=w.Layout(height=_PLOT_HEIGHT, overflow="hidden"))
        self.vm.observe(self.on_vm, names="value")
        for control in (self.kind, self.host, self.datastore):
            control.observe(self.on_change, names="value")
        self.migrate_button.on_click(self.on_migrate)
        super().__init__(
            [
                self.vm,
                self.kind,
                self.host,
                self.datastore,
                self.check_view,
                self.migrate_button,
                self.status,
                self.output,
            ]
        )
        if not running:
            self._say(
                _("No VM is running in this cluster: there is nothing to migrate."), error=True
            )
            self.migrate_button.disabled = True
            return
        self.on_vm()

    # -- the steps -------------------------------------------------------------------------

    @checks.widget_callback
    def on_vm(self, _change: dict | None = None) -> None:
        """A VM was picked: offer every other host, the first one that passes first."""
        vm = self.cluster.vms[self.vm.value]
        others = [h for h in self.cluster.hosts if h != vm.host]
        fits = [h for h in others if all(c.passed for c in self.evaluate(h))]
        self._quiet = True  # one check for the new VM, not one per option change
        try:
            self.host.options = others
            self.host.value = fits[0] if fits else (others[0] if others else None)
        finally:
            self._quiet = False
        self.on_change()

    @checks.widget_callback
    def on_change(self, _change: dict | None = None) -> None:
        """Re-run the compatibility checks for the current choices."""
        if self._quiet:
            return
        self.datastore.layout.display = "" if self.kind.value == "both" else "none"
        if self.host.value is None:
            self.checks = []
            self.check_view.value = ""
            self.migrate_button.disabled = True
            return
        self.checks = self.evaluate(self.host.value)
        rows = "".join(
            f"<li style='color:{'#009E73' if c.passed else '#D55E00'}'>{'✔' if c.passed else '✘'} "
            + _("{name}: {reason}").format(
                name=f"<b>{html.escape(c.name)}</b>", reason=html.escape(c.reason)
            )
            + "</li>"
            for c in self.checks
        )
        title = _("5 · Compatibility")
        self.check_view.value = f"<b>{title}</b><ul style='margin:2px 0'>{rows}</ul>"
        self.migrate_button.disabled = not all(c.passed for c in self.checks)

    def evaluate(self, target: str) -> list[Check]:
        """The compatibility checks for moving the chosen VM to ``target``."""
        datastore = self.datastore.value if self.kind.value == "both" else None
        return compatibility(self.cluster, self.vm.value, target, datastore=datastore)

    @busy
    @checks.widget_callback
    def on_migrate(self, _button: Any = None) -> None:
        """Run the migration in a fresh simulation and show the VM's timeline."""
        if not self.checks or not all(c.passed for c in self.checks):
            # TRANSLATORS: between two reasons a migration is refused
            failed = _("; ").join(c.reason for c in self.checks if not c.passed)
            self._say(
                _("vCenter would refuse this migration: {reasons}.").format(
                    reasons=failed or _("choose a destination")
                ),
                error=True,
            )
            return
        vm_name, target = self.vm.value, self.host.value
        vm = self.cluster.vms[vm_name]
        kwargs: dict[str, Any] = {}
        if self.kind.value == "both" and self.datastore.value != vm.datastore:
            if not _shared_nothing_in_engine():
                self._say(
                    _(
                        "Shared-nothing vMotion (moving the disks in the same live move) is not "
                        "in this version of the lab's engine yet. Choose a destination host that "
                        "sees {datastore} with '{kind}'."
                    ).format(datastore=vm.datastore, kind=_(KINDS["compute"])),
                    error=True,
                )
                return
            kwargs["datastore"] = self.datastore.value
        try:
            sim = Simulation(self.cluster, seed=self.seed)
            sim.migrate(vm_name, target, at_s=START_S, **kwargs)
            guess = precopy(vm.memory_gib, vm.dirty_rate_mib_s, vm.working_set_gib, 1).total_time_s
            timeline = sim.run(until_s=START_S + max(60.0, 3 * guess))
        except ValueError as err:
            self._say(_("The migration could not run: {error}").format(error=err), error=True)
            return
        self.timeline = timeline
        self._axes.clear()
        plot_vm_migration(timeline, vm_name, ax=self._axes)
        self.output.outputs = (
            figure_output(self._figure, _("<timeline of {vm}>").format(vm=vm_name)),
        )
        moves = timeline.migrations
        move = moves[moves.vm == vm_name].iloc[-1]
        if move.outcome in ("converged", "sdps"):
            text = _(
                "{vm} moved from {source} to {target} in {total} while it ran; it was stunned "
                "for {stun} and kept its MAC and IP address."
            ).format(
                vm=vm_name,
                source=move.from_host,
                target=move.to_host,
                total=format_duration(move.total_time_s),
                stun=format_duration(move.downtime_s),
            )
            if "datastore" in kwargs:
                text = then(
                    text,
                    _(
                        "Its disks were copied to {datastore} in the same live move "
                        "(shared-nothing vMotion)."
                    ).format(datastore=kwargs["datastore"]),
                )
            self._say(text)
        else:
            events = timeline.events
            why = events[(events.vm == vm_name) & events.kind.str.startswith("vmotion_")].detail
            self._say(
                _("{vm} did not move ({outcome}): {why}").format(
                    vm=vm_name, outcome=move.outcome, why=why.iloc[-1] if len(why) else ""
                ),
                error=True,
            )

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message = text
        colour = "#D55E00" if error else "#000000"
        self.status.value = f"<span style='color:{colour}'>{html.escape(text)}</span>"
        if error:
            self.output.outputs = (text_output(text),)


def compatibility(
    cluster: Cluster, vm: str, target: str, *, datastore: str | None = None
) -> list[Check]:
    """The checks vCenter makes before it moves ``vm`` to ``target``, each passed or failed
    with its reason: VM state, destination host, CPU compatibility (EVC), storage, the
    vMotion network and memory. ``datastore``: move the disks there too (shared-nothing
    vMotion, vSphere 5.1+); None keeps them where they are, which the target must see.

    >>> from vmlab import Cluster
    >>> [c.passed for c in compatibility(Cluster.example(), "web-01", "esx-02")]
    [True, True, True, True, True, True, True]
    """
    argchecks.cluster(cluster)
    argchecks.name(vm, cluster.vms, "VM")
    argchecks.name(target, cluster.hosts, "Host")
    if datastore is not None:
        argchecks.name(datastore, cluster.datastores, "Datastore")
    c = cluster
    vm_obj = c.vms[vm]
    host = c.hosts[target]
    checks = [
        Check(
            # TRANSLATORS: the name of one compatibility check of the Migrate wizard
            _("VM state"),
            vm_obj.state == "running",
            _("running: it can move live")
            if vm_obj.state == "running"
            else _("{state}: vMotion moves running VMs only").format(
                state=state_words(vm_obj.state)
            ),
        ),
        Check(
            _("Destination host"),
            host.state == "up",
            _("{host} is up").format(host=target)
            if host.state == "up"
            else _("{host} is {state}").format(host=target, state=state_words(host.state)),
        ),
    ]
    cpu = cpus_compatible(c, vm_obj.host, target)
    checks.append(
        Check(
            _("CPU compatibility"),
            cpu is None,
            cpu
            or (
                _(
                    "the cluster's EVC baseline ({evc}) shows the VM only features {host} has"
                ).format(evc=c.evc, host=target)
                if c.evc is not None and host.cpu != c.hosts[vm_obj.host].cpu
                else _("{host} offers every CPU feature the VM may use ({cpu})").format(
                    host=target, cpu=host.cpu
                )
            ),
        )
    )
    if datastore is not None:
        ds = datastore
        seen = c.datastores[ds].visible_from(target)
        checks.append(
            Check(
                _("Storage"),
                seen,
                _(
                    "the disks are copied to {datastore}, which {host} sees (shared-nothing "
                    "vMotion)"
                ).format(datastore=ds, host=target)
                if seen
                else _("{host} cannot see datastore {datastore}: pick one it sees").format(
                    host=target, datastore=repr(ds)
                ),
            )
        )
    else:
        store = c.datastores[vm_obj.datastore] if vm_obj.datastore else None
        seen = store is None or store.visible_from(target)
        checks.append(
            Check(
                _("Storage"),
                seen,
                _("{host} sees {datastore}, where the disks stay").format(
                    host=target, datastore=vm_obj.datastore
                )
                if seen
                else _(
                    "{host} cannot see {datastore}, where the disks of {vm} live: choose '{kind}'"
                ).format(
                    host=target, datastore=repr(vm_obj.datastore), vm=vm, kind=_(KINDS["both"])
                ),
            )
        )
    net = c.networks.get("vmotion")
    ok = net is not None and net.bandwidth_gbit_s >= MIN_VMOTION_GBIT_S
    checks.append(
        Check(
            _("vMotion network"),
            ok,
            f"{net.bandwidth_gbit_s:g} Gbit/s"
            if ok and net
            else (
                _(
                    "the vMotion network runs at {gbit_s:g} Gbit/s; vSphere needs at least "
                    "{needed:g} Gbit/s"
                ).format(gbit_s=net.bandwidth_gbit_s, needed=MIN_VMOTION_GBIT_S)
                if net is not None
                else _(
                    "the cluster has no vMotion network; vSphere needs at least {needed:g} Gbit/s"
                ).format(needed=MIN_VMOTION_GBIT_S)
            ),
        )
    )
    free = c.free_memory_gib(target)
    checks.append(
        Check(
            _("Memory"),
            vm_obj.memory_gib <= free,
            _("{host} has {free:g} GiB free, {vm} needs {needed:g} GiB").format(
                host=target, free=free, vm=vm, needed=vm_obj.memory_gib
            ),
        )
    )
    # everything else vCenter checks (FT anti-affinity, maintenance, …), in the engine's words
    engine = vmotion_check(c, vm, target, datastore=datastore)
    if all(check.passed for check in checks):
        checks.append(
            Check(
                _("Other rules"),
                not engine,
                # TRANSLATORS: between two reasons a migration is refused
                _("; ").join(engine)
                if engine
                else _("FT, maintenance mode, placement: nothing against it"),
            )
        )
    return checks


def checks_table(cluster: Cluster, vm: str, target: str, *, datastore: str | None = None):
    """:func:`compatibility` as a table (``check``, ``passed``, ``reason``) for a lesson.

    >>> from vmlab import Cluster
    >>> checks_table(Cluster.example(), "web-01", "esx-02").passed.all()
    np.True_
    """
    argchecks.cluster(cluster)
    argchecks.name(vm, cluster.vms, "VM")
    argchecks.name(target, cluster.hosts, "Host")
    if datastore is not None:
        argchecks.name(datastore, cluster.datastores, "Datastore")
    import pandas as pd

    return pd.DataFrame(
        [
            (c.name, c.passed, c.reason)
            for c in compatibility(cluster, vm, target, datastore=datastore)
        ],
        columns=["check", "passed", "reason"],
    ).set_index("check")


def explain_checks(cluster: Cluster, vm: str, target: str, *, datastore: str | None = None) -> str:
    """:func:`compatibility` in words, one line per check (✔ passed, ✘ failed, and why).

    >>> from vmlab import Cluster
    >>> print(explain_checks(Cluster.example(), "web-01", "esx-02").splitlines()[0])
    web-01 → esx-02: allowed
    """
    argchecks.cluster(cluster)
    argchecks.name(vm, cluster.vms, "VM")
    argchecks.name(target, cluster.hosts, "Host")
    if datastore is not None:
        argchecks.name(datastore, cluster.datastores, "Datastore")
    checks = compatibility(cluster, vm, target, datastore=datastore)
    where = (
        _("{host}, disks to {datastore}").format(host=target, datastore=datastore)
        if datastore
        else target
    )
    # TRANSLATORS: the verdict of explain_checks: the move is allowed, or REFUSED (capitals)
    verdict = _("allowed") if all(c.passed for c in checks) else _("REFUSED")
    # TRANSLATORS: a check and its reason ("Memory: esx-02 has 208 GiB free, …")
    lines = [_("{name}: {reason}").format(name=f"{vm} → {where}", reason=verdict)]
    lines += [
        f"  {'✔' if c.passed else '✘'} "
        + _("{name}: {reason}").format(name=c.name, reason=c.reason)
        for c in checks
    ]
    return "\n".join(lines)


def migrate_wizard(cluster: Cluster, *, seed: int = 0) -> MigrateWizard:
    """Build the migrate wizard for ``cluster`` (returns the widget; it never displays itself).

    Parameters
    ----------
    cluster : Cluster
        The cluster to pick a VM and a destination from (it is not changed).
    seed : int
        Seed of the simulated runs.

    Returns
    -------
    MigrateWizard

    Examples
    --------
    >>> from vmlab import Cluster
    >>> wizard = migrate_wizard(Cluster.example())
    >>> wizard.vm.value, wizard.host.value
    ('web-01', 'esx-02')
    >>> all(c.passed for c in wizard.checks)
    True
    >>> wizard.migrate_button.click()
    >>> wizard.message.startswith("web-01 moved from esx-01 to esx-02")
    True
    """
    return MigrateWizard(cluster, seed=seed)
