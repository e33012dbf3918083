"""Every widget speaks Chinese after ``vmlab.use_language("zh")`` (issue 12, item 3).

Each widget exported by :mod:`vmlab.widgets` is built in Chinese and driven through its
callbacks (buttons pressed, sliders and dropdowns moved, an impossible action tried). Every
string a student reads is collected — descriptions, option labels, tooltips, HTML and label
values, the text area, the outputs' text, the widget's ``message`` — and checked with
:func:`tests.zh_text.english_left` (no English sentence left) and ``has_chinese``.

A widget also shows words that are not its own: the engine's messages (a refused action's
``ValueError``, an event's ``detail``, ``readable_log``, a migration's ``summary()``, a plan's
``why``), which other files translate. Each driver names those texts; the widget's own words
must be Chinese around them, and English still left inside them is reported as a warning
(once the other catalogs are merged there should be none).
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import ipywidgets as w
import matplotlib
import pytest

matplotlib.use("Agg")

import vmlab.widgets as widgets  # noqa: E402
from tests.zh_text import english_left, has_chinese  # noqa: E402
from vmlab import Cluster, i18n  # noqa: E402
from vmlab.lessons import admission_warning  # noqa: E402
from vmlab.scenarios import overloaded_cluster  # noqa: E402
from vmlab.widgets.messages import _CALL, for_widget  # noqa: E402


@pytest.fixture(autouse=True)
def zh() -> Iterator[None]:
    i18n.use_language("zh")
    yield
    i18n.use_language("en")


# -- reading what a student reads ---------------------------------------------------------

_TAG = re.compile(r"</?[a-z]+\b[^<>]*>")


def _walk(widget: Any) -> Iterator[Any]:
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def texts(widget: Any) -> list[str]:
    """Every string the student can read on ``widget`` now (HTML without its tags)."""
    found: list[str] = []
    for part in _walk(widget):
        for attr in ("description", "tooltip", "placeholder"):
            value = getattr(part, attr, None)
            if isinstance(value, str) and value:
                found.append(value)
        if isinstance(part, w.widgets.widget_selection._Selection):
            found += [str(label) for label in part._options_labels]
            found += [str(t) for t in getattr(part, "tooltips", None) or ()]
        if isinstance(part, w.HTML | w.HTMLMath):
            found.append(html.unescape(_TAG.sub(" ", part.value)))
        elif isinstance(part, w.Label | w.Textarea | w.Text):
            found.append(part.value)
        if isinstance(part, w.Output):
            for out in part.outputs:
                if out.get("output_type") == "stream":
                    found.append(out["text"])
                else:
                    found.append(out.get("data", {}).get("text/plain", ""))
    message = getattr(widget, "message", "")
    if message:
        found.append(message)
    return [t for t in found if t and t.strip()]


class Reader:
    """What a widget showed over all its states, and which of it is the engine's words."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.engine: set[str] = set()

    def read(self, widget: Any) -> None:
        self.seen += texts(widget)

    def engine_words(self, *parts: object) -> None:
        """Texts the engine wrote (and other files translate), shown inside the widget's."""
        for part in parts:
            if isinstance(part, str) and part.strip():
                self.engine.add(part)
                self.engine.add(html.escape(part))

    def check(self, name: str) -> None:
        assert self.seen, f"{name}: nothing was read"
        left_own, left_engine = [], []
        for text in self.seen:
            own = text
            for part in sorted(self.engine, key=len, reverse=True):
                own = own.replace(part, " ")
            left_own += [(run, text) for run in english_left(own)]
        for part in self.engine:
            left_engine += english_left(part)
        assert not left_own, f"{name}: English left in the widget's own words: {left_own[:5]}"
        assert has_chinese("\n".join(self.seen)), f"{name}: no Chinese at all"
        if left_engine:
            warnings.warn(
                f"{name}: English still in the engine's texts it shows (other catalogs): "
                f"{sorted(set(left_engine))[:8]}",
                stacklevel=2,
            )


def _around_calls(message: str) -> list[str]:
    """The engine's words of ``message`` around the calls a widget replaces by its own."""
    return [part.strip() for part in _CALL.sub("\0", message.strip("'\"")).split("\0")]


def _error_of(call: Callable[[], object]) -> str:
    """The message of the ValueError ``call`` raises (the engine's words)."""
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


# -- one driver per widget ----------------------------------------------------------------


def drive_failure_picker(r: Reader) -> None:
    picker = widgets.failure_picker(until_s=1800)
    r.read(picker)
    picker.host.value = "esx-03"
    picker.fail_button.click()
    assert picker.timeline is not None and picker.output.outputs
    r.read(picker)
    # a long repair: some VMs are still down when the run ends
    picker.repair_after.value = picker.repair_after.max
    picker.on_fail()
    r.read(picker)

    # an impossible action: the run refuses it; the widget names its controls
    def refused(host: str, repair_after_s: float) -> None:
        raise ValueError("esx-03 已停机。请先用 sim.repair_host('esx-03', at_s=…) 修复它。")

    picker.simulate = refused  # type: ignore[method-assign,assignment]
    picker.on_fail()
    assert "「多久后修复」滑块" in picker.message, picker.message
    r.read(picker)


def drive_failure_on_an_empty_host(r: Reader) -> None:
    c = Cluster.example()
    c.add_host("esx-99", cpu="intel-icelake", cores=32, memory_gib=256)
    picker = widgets.failure_picker(c, until_s=600)
    picker.host.value = "esx-99"
    picker.fail_button.click()
    assert "没有正在运行的虚拟机" in picker.message, picker.message
    r.read(picker)


def drive_migrate_wizard(r: Reader) -> None:
    c = Cluster.example()
    c.add_host("esx-amd", cpu="amd-zen4", cores=32, memory_gib=256)
    c.add_datastore("local-05", shared=False, hosts=["esx-05"])
    c.add_vm("build-01", host="esx-05", service="app", datastore="local-05")
    c.add_network("vmotion", bandwidth_gbit_s=0.5)  # too slow: a refused check
    wizard = widgets.migrate_wizard(c)
    r.read(wizard)
    wizard.host.value = "esx-amd"  # another CPU vendor: refused
    r.read(wizard)
    r.engine_words(*(check.reason for check in wizard.checks if check.name == "CPU 兼容性"))
    wizard.on_migrate()  # refused: a message
    assert "vCenter 会拒绝这次迁移" in wizard.message
    r.read(wizard)
    fast = Cluster.example()
    fast.add_datastore("local-05", shared=False, hosts=["esx-05"])
    fast.add_vm("build-01", host="esx-05", service="app", datastore="local-05")
    wizard = widgets.migrate_wizard(fast)
    wizard.migrate_button.click()  # web-01 moves
    assert wizard.timeline is not None
    r.read(wizard)
    wizard.vm.value = "build-01"
    wizard.host.value = "esx-06"  # cannot see local-05
    r.read(wizard)
    wizard.kind.value = "both"
    wizard.datastore.value = "san-01"
    wizard.migrate_button.click()  # shared-nothing vMotion
    r.read(wizard)
    ft = Cluster.example()
    ft.enable_ha()
    ft.enable_ft("web-01")
    wizard = widgets.migrate_wizard(ft)
    wizard.host.value = wizard.cluster.vms["web-01"].secondary_host
    r.engine_words(*(check.reason for check in wizard.checks if check.name == "其他规则"))
    r.read(wizard)
    from vmlab.widgets.wizard import explain_checks

    r.seen.append(explain_checks(c, "build-01", "esx-06", datastore="local-05"))
    nothing = Cluster()
    nothing.add_host("esx-01", cpu="intel-icelake", cores=32, memory_gib=256)
    r.read(widgets.migrate_wizard(nothing))


def drive_migration_explorer(r: Reader) -> None:
    explorer = widgets.migration_explorer(dirty_rate_mib_s=2000, bandwidth_gbit_s=1)
    r.engine_words(explorer.message, *explorer.message.splitlines())
    r.read(explorer)
    for policy in ("abort", "xen"):
        explorer.policy.value = policy
        r.engine_words(explorer.message, *explorer.message.splitlines())
        r.read(explorer)
    explorer.working_set.value = 200  # larger than the 8 GiB memory: refused
    assert explorer.result is None
    r.engine_words(_error_of(explorer.compute))
    r.read(explorer)


def drive_balancer(r: Reader) -> None:
    for threshold in (90, 30, 100):  # one move, an unreachable threshold, nothing to move
        b = widgets.balancer(overloaded_cluster(), threshold_pct=threshold)
        r.engine_words(b.moves.attrs.get("why", ""))
        r.read(b)
        b.run_button.click()
        r.read(b)
    b.threshold.value = 75  # a new plan after a run: it says it starts from the original cluster
    r.engine_words(b.moves.attrs.get("why", ""))
    r.read(b)


def drive_ha_dashboard(r: Reader) -> None:
    board = widgets.ha_dashboard(until_s=600)
    r.read(board)
    board.fail_button.click()
    r.engine_words(board.event_log.value, *board.event_log.value.splitlines())
    r.read(board)
    # an impossible action: esx-03 is already down
    action = ("fail", board.host.value, float(board.at_s.value))
    error = _error_of(lambda: board.build(board.actions + [action]))
    board.fail_button.click()
    assert board.message.startswith("无法执行："), board.message
    r.engine_words(*_around_calls(error))
    r.read(board)
    board.host.value = "esx-05"
    board.isolation.value = "power_off"
    board.isolate_button.click()
    board.repair_button.click()
    board.vm.value = "db-01"
    board.priority.value = "high"
    board.admission.value = "slots"
    for text in (board.event_log.value, admission_warning(board.spec().ha) or ""):
        r.engine_words(text, *text.splitlines())
    r.read(board)
    board.ha_on.value = False
    r.engine_words(board.event_log.value, *board.event_log.value.splitlines())
    r.read(board)
    board.clear_button.click()
    r.read(board)
    board.ha_on.value = True
    board.at_s.value = board.at_s.max  # the slider's end: it cannot move on
    board.fail_button.click()
    r.engine_words(board.event_log.value, *board.event_log.value.splitlines())
    r.read(board)


def drive_ft_panel(r: Reader) -> None:
    panel = widgets.ft_panel()
    r.read(panel)
    for press in ("on_fail_primary", "on_fail_secondary", "on_cut_logging", "on_fail_both"):
        getattr(panel, press)()
        assert panel.timeline is not None
        for detail in panel.timeline.events.detail:
            r.engine_words(str(detail), "The" + str(detail)[3:])
        r.read(panel)
    panel.vm.value = "web-01"  # no FT: the buttons say so, a press is a message
    r.read(panel)
    panel.on_fail_primary()
    assert panel.message.startswith("无法执行："), panel.message
    r.read(panel)


def _storage_details(r: Reader, panel: Any) -> None:
    assert panel.timeline is not None
    for detail in panel.timeline.events.detail:
        text = str(detail)
        r.engine_words(text, text.split(" (")[0], text.rsplit("): ", 1)[-1])
    r.read(panel)


def drive_storage_panel(r: Reader) -> None:
    panel = widgets.storage_panel(until_s=700)
    r.read(panel)
    for kind, vmcp, heal in (("apd", "conservative", False), ("apd", "conservative", True),
                             ("apd", "issue_events", False)):  # fmt: skip
        panel.kind.value, panel.vmcp.value, panel.heal.value = kind, vmcp, heal
        panel.run_button.click()
        _storage_details(r, panel)
    panel.hosts.value, panel.kind.value, panel.vmcp.value = "every host", "pdl", "aggressive"
    panel.run_button.click()  # no host sees the datastore: VMCP cannot terminate
    _storage_details(r, panel)
    c = Cluster(name="empty")
    c.add_host("esx-01")
    c.add_datastore("san-01")
    empty = widgets.StoragePanel(c)
    error = _error_of(lambda: empty.simulate("san-01", "esx-01", "apd", "conservative", None))
    empty.run_button.click()
    assert empty.message.startswith("无法执行："), empty.message
    r.engine_words(error)
    r.read(empty)


DRIVERS: dict[str, Callable[[Reader], None]] = {
    "failure_picker": drive_failure_picker,
    "failure_picker (empty host)": drive_failure_on_an_empty_host,
    "migrate_wizard": drive_migrate_wizard,
    "migration_explorer": drive_migration_explorer,
    "balancer": drive_balancer,
    "ha_dashboard": drive_ha_dashboard,
    "ft_panel": drive_ft_panel,
    "storage_panel": drive_storage_panel,
}
"""The factory behind each export; a class is built by its factory, ``describe_failure``
writes the failure picker's message."""
COVERED_BY = {
    "Balancer": "balancer",
    "FailurePicker": "failure_picker",
    "MigrateWizard": "migrate_wizard",
    "MigrationExplorer": "migration_explorer",
    "StoragePanel": "storage_panel",
    "describe_failure": "failure_picker",
}


def test_every_export_has_a_chinese_driver() -> None:
    for name in widgets.__all__:
        assert name in DRIVERS or COVERED_BY.get(name, "") in DRIVERS, (
            f"vmlab.widgets.{name} is new: drive it in Chinese here"
        )


@pytest.mark.parametrize("name", sorted(DRIVERS))
def test_the_widget_speaks_chinese(name: str) -> None:
    reader = Reader()
    DRIVERS[name](reader)
    reader.check(name)


def test_the_words_are_chosen_when_the_widget_is_built() -> None:
    """English after Chinese: a widget built after use_language('en') says nothing in
    Chinese (the labels are read when it is created)."""
    i18n.use_language("en")
    picker = widgets.failure_picker()
    picker.fail_button.click()
    assert not has_chinese("\n".join(texts(picker)))
    assert picker.fail_button.description == "Fail this host"


def test_a_message_names_the_controls_in_chinese() -> None:
    """An engine message (here already in Chinese, as its catalog will make it) with calls
    in it: the dashboard's calls become its controls' Chinese words, a call it cannot make
    says so in Chinese, and no Python call is left."""
    from vmlab.widgets.dashboard import _CONTROLS

    text = for_widget(
        "esx-03 已停机。请先用 sim.repair_host('esx-03', at_s=…) 修复它，或者用 "
        "sim.storage_fault('san-01', kind='apd', at_s=60)，或者 sim.some_new_call(1)。",
        _CONTROLS,
    )
    assert "请先用「修复主机」按钮（在「时刻 (s)」滑块上选更早的时间）修复它" in text, text
    assert "制造存储故障（在这个小部件中无法操作）" in text, text
    assert "`some_new_call`（在这个小部件中无法操作）" in text, text
    assert "sim." not in text and english_left(text) == [], text


def test_busy_line_is_chinese() -> None:
    from vmlab.widgets.render import BUSY_NOTE

    board = widgets.ha_dashboard()
    seen = []
    board.refresh = lambda draw=True: seen.append(board.summary.value) or True  # type: ignore
    board.fail_button.click()
    assert seen and "正在模拟" in seen[0] and BUSY_NOTE not in seen[0]


def test_option_values_stay_english() -> None:
    board = widgets.ha_dashboard()
    assert board.isolation.value == "leave_powered_on"
    assert board.isolation.label == "已禁用（虚拟机保持打开电源）"  # vSphere 8's "Disabled"
    assert [v for _, v in board.isolation.options] == ["leave_powered_on", "power_off", "shutdown"]
    assert board.admission.value == "percentage"
    assert board.priority.value == "medium" and has_chinese(board.priority.label)
    panel = widgets.storage_panel()
    panel.hosts.value = "every host"
    assert panel.hosts.label == "所有主机" and panel.vmcp.value == "conservative"
    assert panel.vmcp.label == "关闭电源并重新启动虚拟机（保守）"
    explorer = widgets.migration_explorer()
    assert [v for _, v in explorer.policy.options] == ["sdps", "abort", "xen"]
