"""Benchmark 8: press-to-picture in a real browser (JupyterLab + Debian's Chromium).

What a student feels is the time from a click to the new picture on the screen, not the
time Python takes. Each widget is built in a notebook exactly as its lesson builds it, shown
in JupyterLab (a private server, the browser tests' settings), and pressed ≥ 20 times by
Playwright driving ``/usr/bin/chromium`` (never a browser download). One sample is timed in
the page: from the DOM ``click`` (or the slider readout's ``Enter``) to the moment the
widget's **new** ``<img>`` has been decoded and the next frame painted.

- migration explorer: the dirty-rate slider set to 24 values (typed into its readout);
- balancer: "Run the moves" at thresholds that have moves (each threshold set from the
  kernel between presses, its redraw waited for, then the press timed);
- HA dashboard with 1, 6 and 12 hosts already failed: Fail / Isolate / Repair in turn,
  7 of each; before each press the scenario is reset from the kernel to the L failures
  (so every sample simulates L + 1 actions, not a growing scenario);
- FT panel: its four buttons, 5 presses each;
- lesson 00's failure picker: "Fail this host", a different host each press;
- the migrate wizard (lesson 01): "Migrate", a different VM each press (set from the
  kernel between presses).

Baseline, same run: a button that draws an empty figure of the same size by the widget's
own path (``render.figure_output`` into ``Output.outputs``, or pyplot + ``display`` inside
the ``Output`` for the HA dashboard and the FT panel), timed the same way; the ratio reads
"this press costs N empty redraws".

Quick mode skips this benchmark (starting JupyterLab and Chromium alone takes ~20 s on two
cores); it is also skipped when ``/usr/bin/chromium`` is missing. Screenshots of the
dashboard with 16 failed hosts and of the widgets go to ``tests/browser/artifacts/``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
from common import Measurement, median, p95

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BROWSER_TESTS = REPO / "tests" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
START_TIMEOUT_S = 120
PRESS_TIMEOUT_S = 30
SLIDER_TARGET_S = 0.200
PRESS_TARGET_S = 0.400
PRESS_P95_TARGET_S = 0.800
DASHBOARD_LEVELS = (1, 6, 12)

# The notebook the browser opens: each widget built as its lesson builds it, plus the
# baselines and the kernel-side helpers that reset a widget between presses.
# BENCH_VMLAB=/path/to/other/checkout measures that vmlab instead (a "before" run): the
# editable install's finder would win over sys.path, so it is taken out first.
USE_OTHER_VMLAB = """
import os as _os, sys as _sys
if _os.environ.get("BENCH_VMLAB"):
    _sys.meta_path[:] = [f for f in _sys.meta_path
                         if not getattr(f, "__module__", "").startswith("__editable__")]
    _sys.path.insert(0, _os.environ["BENCH_VMLAB"])
"""

SETUP = (
    USE_OTHER_VMLAB
    + '''
import matplotlib.pyplot as plt
import ipywidgets as w
from IPython.display import display
from matplotlib.figure import Figure

import vmlab.widgets as vw
from vmlab import Cluster
from vmlab.scenarios import overloaded_cluster
from vmlab.widgets import balancer, failure_picker, ft_panel, ha_dashboard, migration_explorer
from vmlab.widgets.render import figure_output


class Baseline(w.VBox):
    """Draws an empty figure of a widget's size by that widget's path, on each press."""

    def __init__(self, name, figsize, dpi=None, inline=False, margins=None):
        self.figsize, self.dpi, self.inline, self.margins, self.n = figsize, dpi, inline, margins, 0
        self.button = w.Button(description=f"Baseline {name}")
        self.output = w.Output()
        self.button.on_click(self.draw)
        super().__init__([self.button, self.output])

    def draw(self, _button=None):
        self.n += 1
        if self.inline:  # the HA dashboard's and the FT panel's path
            with self.output:
                self.output.clear_output(wait=True)
                fig, ax = plt.subplots(figsize=self.figsize)
                fig.tight_layout()
                display(fig)
                plt.close(fig)
            return
        fig = Figure(figsize=self.figsize, dpi=self.dpi)  # the render.figure_output path
        fig.add_subplot()
        if self.margins:
            fig.subplots_adjust(**self.margins)
        else:
            fig.tight_layout()
        self.output.outputs = (figure_output(fig, f"<empty figure {self.n}>"),)


from vmlab.plots.ha import plot_ha_timeline
from vmlab.widgets.dashboard import HADashboard

try:
    from vmlab.widgets.render import FigureSlot
except ImportError:  # an older vmlab (a "before" run): no proposed path to compare
    FigureSlot = None


class SlotBoard(HADashboard):
    """The HA dashboard drawing its plot through render.FigureSlot (one reused figure,
    one draw per press) instead of pyplot + tight_layout + display: the proposed path."""

    def _draw_plot(self):
        t = self.timeline
        rows = len(t.outages().vm.unique())
        if not hasattr(self, "_slot"):
            self._slot = FigureSlot((9.5, 4), dpi=plt.rcParams["figure.dpi"])
        height = 1.6 + 0.32 * min(max(rows, 2), 24)
        self.output.outputs = (self._slot.render(lambda ax: plot_ha_timeline(t, ax=ax),
                                                 height_in=height, text="<HA timeline>"),)


def lesson03_board(kind=HADashboard):
    """The HA dashboard as lesson 03 builds it: the example cluster with HA on."""
    c = Cluster.example()
    c.enable_ha()
    return kind(c, until_s=900, seed=0)


def reset_board(board, level, action, host):
    """The scenario back to `level` hosts failed at 60 s; the next press acts at 120 s."""
    hosts = list(board.cluster.hosts)
    board.actions = [("fail", h, 60.0) for h in hosts[:level]]
    board.at_s.value = 120
    board.host.value = host


def board_height_in(level):
    """The dashboard's figure height after one more host fails (its own formula)."""
    c = Cluster.example()
    rows = sum(len(c.vms_on(h)) for h in list(c.hosts)[: level + 1])
    return 1.6 + 0.32 * min(max(rows, 2), 24)
'''
)

CELLS = {
    "explorer": "explorer = migration_explorer()\nexplorer",
    "balancer": "bal = balancer(overloaded_cluster(), threshold_pct=80, seed=0)\nbal",
    **{
        f"dashboard-{level}": (
            f"board{level} = lesson03_board()\n"
            f"reset_board(board{level}, {level}, 'fail', 'esx-16')\nboard{level}"
        )
        for level in DASHBOARD_LEVELS
    },
    "dashboard-slot-12": (
        "boardslot = lesson03_board(SlotBoard if FigureSlot else HADashboard)\n"
        "reset_board(boardslot, 12, 'fail', 'esx-16')\nboardslot"
    ),
    "ft": (
        "ftc = Cluster.example()\nftc.enable_ha()\nftc.enable_ft('db-01')\n"
        "ftp = ft_panel(ftc, vm='db-01', fail_at_s=60, until_s=900, seed=0)\nftp"
    ),
    "picker": "picker = failure_picker(Cluster.example(), fail_at_s=60, until_s=2400, seed=0)\n"
    "picker",
    "wizard": "wizard = vw.migrate_wizard(Cluster.example(), seed=0) "
    "if hasattr(vw, 'migrate_wizard') else w.HTML('no migrate_wizard on this branch')\nwizard",
    "board16": ("board16 = lesson03_board()\nreset_board(board16, 15, 'fail', 'esx-16')\nboard16"),
    "base-explorer": "Baseline('explorer', (8.0, 3.8), 90, margins={'left': 0.09, "
    "'right': 0.98, 'bottom': 0.13, 'top': 0.91})",
    "base-balancer": "Baseline('balancer', (9, 3), 90)",
    "base-picker": "Baseline('picker', (9, 3.2), 90)",
    "base-wizard": "Baseline('wizard', (8.5, 2.9), 90, margins={'left': 0.16, 'right': 0.98, "
    "'bottom': 0.18, 'top': 0.88})",
    **{
        f"base-dashboard-{level}": (
            f"Baseline('dashboard-{level}', (9.5, board_height_in({level})), inline=True)"
        )
        for level in DASHBOARD_LEVELS
    },
    "base-ft": "Baseline('ft', (9, 2.8), inline=True)",
}

# Armed before an interaction: resolves with the ms from the trigger event (a click, or
# Enter in a slider's readout) to a new <img> in `out` decoded and painted.
ARM_JS = """
([out, trigger, timeoutMs]) => {
  const before = new Map([...out.querySelectorAll('img')].map(i => [i, i.src]));
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  // the kernel's busy/idle for the widget message: where the time goes
  const phases = window.__benchPhases = {busy: null, idle: null, image: null, total: null,
                                         shown: null};
  let t0 = null;
  const onMsg = (_, msg) => {
    if (t0 === null || msg.header.msg_type !== 'status') return;
    if (!msg.parent_header || msg.parent_header.msg_type !== 'comm_msg') return;
    const now = performance.now() - t0;
    if (msg.content.execution_state === 'busy' && phases.busy === null) phases.busy = now;
    if (msg.content.execution_state === 'idle' && phases.idle === null) phases.idle = now;
  };
  kernel.iopubMessage.connect(onMsg);
  window.__benchPress = new Promise((resolve, reject) => {
    const type = trigger === 'enter' ? 'keydown' : 'click';
    const start = e => {
      if (t0 === null && (type === 'click' || e.key === 'Enter')) t0 = performance.now();
    };
    document.addEventListener(type, start, true);
    let finished = false;
    const stop = () => {
      obs.disconnect();
      document.removeEventListener(type, start, true);
      clearTimeout(timer);
    };
    const finish = async img => {
      finished = true;
      stop();
      phases.image = performance.now() - t0;
      try { await img.decode(); } catch (e) { /* a broken image still counts as drawn */ }
      await new Promise(r => requestAnimationFrame(() => r()));
      phases.total = performance.now() - t0;
      setTimeout(() => kernel.iopubMessage.disconnect(onMsg), 5000);
      resolve(phases.total);
    };
    const look = () => {
      if (finished || t0 === null) return;
      // the busy indicator: a disabled button and the "simulating…" line
      if (phases.shown === null && out.querySelector('button:disabled')
          && out.textContent.includes('simulating')) phases.shown = performance.now() - t0;
      const fresh = [...out.querySelectorAll('img')].filter(i => before.get(i) !== i.src);
      if (fresh.length) finish(fresh[fresh.length - 1]);
    };
    const obs = new MutationObserver(look);
    obs.observe(out, {childList: true, subtree: true, characterData: true, attributes: true,
                      attributeFilter: ['src', 'disabled']});
    const timer = setTimeout(() => {
      stop();
      kernel.iopubMessage.disconnect(onMsg);
      reject(new Error('no new image within ' + timeoutMs + ' ms'));
    }, timeoutMs);
  });
  return true;
}
"""

KERNEL_JS = """
async (code) => {
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const reply = await k.requestExecute({code, store_history: false}).done;
  return reply.content.status === 'ok' ? 'ok' : reply.content.evalue;
}
"""


def _write_notebook(folder: Path) -> tuple[str, list[str]]:
    cells = [nbformat.v4.new_code_cell(SETUP.strip())]
    cells += [nbformat.v4.new_code_cell(src) for src in CELLS.values()]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    (folder / "bench").mkdir()
    nbformat.write(nb, folder / "bench" / "bench.ipynb")
    return "bench/bench.ipynb", list(CELLS)  # a path with "/": the harness opens it as is


@contextlib.contextmanager
def lab_server(root: Path) -> Iterator[object]:
    """The browser tests' private JupyterLab (same settings, token, read-only contents)
    serving ``root``; stopped with its kernels on exit."""
    sys.path.insert(0, str(BROWSER_TESTS))
    import conftest  # the browser tests' fixtures module: settings and helpers reused

    home = Path(tempfile.mkdtemp(prefix="vmlab-bench-lab-"))
    env, refused = conftest.lab_home(home)
    port = conftest._free_port()
    token = secrets.token_hex(16)
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
        f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly", "--ServerApp.terminals_enabled=False",
        f"--ServerApp.root_dir={root}",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = home / "jupyterlab.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdin=subprocess.DEVNULL,
                                stdout=log_file, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited:\n{conftest._tail(log)}")
            try:
                with urllib.request.urlopen(f"{url}api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start:\n{conftest._tail(log)}")
            time.sleep(0.5)
        server = conftest.LabServer(url=url, token=token, root=root, log=log,
                                    refused_writes=refused)  # fmt: skip
        SERVER_PIDS[server.url] = proc.pid
        yield server
    finally:
        conftest._stop(proc)


SERVER_PIDS: dict[str, int] = {}


def rss_mib(pid: int) -> float | None:
    """A process's resident memory now (VmRSS), MiB; None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class Bench:
    """One open bench notebook in one page: locate cells, reset widgets, time presses."""

    def __init__(self, page, names: list[str]) -> None:
        import harness

        self.h = harness
        self.page = page
        self.phases: list[dict] = []  # per press: ms from the trigger to busy, idle, image
        self.cells = {name: page.locator(harness.CODE_CELL).nth(i + 1)
                      for i, name in enumerate(names)}  # fmt: skip

    def kernel(self, code: str) -> None:
        status = self.page.evaluate(KERNEL_JS, code)
        if status != "ok":
            raise RuntimeError(f"kernel code failed: {code!r}: {status}")
        self.h.wait_until_idle(self.page)

    def settle(self, name: str, wait_s: float = 0.3) -> None:
        """Wait until the kernel is idle and the cell's images stop changing."""
        self.h.wait_until_idle(self.page)
        out = self.cells[name].locator(self.h.CELL_OUTPUT)
        last = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            now = out.locator("img").evaluate_all(
                "is => is.map(i => i.src.length + i.src.slice(-40))"
            )
            if now == last:
                return
            last = now
            time.sleep(wait_s)

    def press(self, name: str, act, trigger: str = "click") -> float:
        """Seconds from the trigger to the new picture; ``act()`` performs the interaction."""
        out = self.cells[name].locator(self.h.CELL_OUTPUT).element_handle()
        self.page.evaluate(ARM_JS, [out, trigger, PRESS_TIMEOUT_S * 1000])
        act()
        ms = self.page.evaluate("() => window.__benchPress")
        self.h.wait_until_idle(self.page)
        self.phases.append(self.page.evaluate("() => window.__benchPhases"))
        return ms / 1000

    def click(self, name: str, label: str) -> float:
        """Press the button whose label starts with ``label`` (the FT panel's labels end
        with the host they act on, which changes)."""
        button = self.cells[name].locator(
            self.h.WIDGET_BUTTON, has_text=re.compile(rf"^\s*{re.escape(label)}")
        )

        def act() -> None:
            button.first.scroll_into_view_if_needed()
            button.first.click()

        return self.press(name, act)


def _phases(phases: list[dict]) -> dict:
    """Medians, in s, of where a press's time went (from the trigger event in the page)."""

    def med(values: list) -> float | None:
        values = [v for v in values if v is not None]
        return round(median(values) / 1000, 4) if values else None

    return {
        "to_kernel_busy_s": med([p["busy"] for p in phases]),
        "kernel_busy_s": med(
            [
                None if p["busy"] is None or p["idle"] is None else p["idle"] - p["busy"]
                for p in phases
            ]
        ),  # fmt: skip
        "to_image_in_page_s": med([p["image"] for p in phases]),
        "to_image_decoded_s": med([p["total"] for p in phases]),
        # click to "simulating…" and disabled buttons on screen (None: the widget has none)
        "to_busy_shown_s": med([p.get("shown") for p in phases]),
        "busy_shown_in": sum(p.get("shown") is not None for p in phases),
    }


def _rows(name: str, samples: list[float], base: list[float], target: float,
          p95_target: float | None, details: dict, phases: list[dict]
          ) -> list[Measurement]:  # fmt: skip
    baseline_name = "empty figure, same size, same path"
    details = {"presses": len(samples), "samples_s": [round(s, 4) for s in samples],
               "phases": _phases(phases), **details}  # fmt: skip
    return [
        Measurement("8 browser", f"{name}: click to picture, median", median(samples), "s",
                    baseline_name, median(base), target=target, details=details),
        Measurement("8 browser", f"{name}: click to picture, p95", p95(samples), "s",
                    baseline_name, p95(base), target=p95_target),
    ]  # fmt: skip


def _measure(bench: Bench, presses: int) -> list[Measurement]:
    from vmlab import Cluster
    from vmlab.scenarios import overloaded_cluster
    from vmlab.vmotion import propose_moves

    rows: list[Measurement] = []
    reps = max(presses // 2, 3)

    def baseline(name: str) -> list[float]:
        label = f"Baseline {name}"
        return [bench.click(f"base-{name}", label) for _ in range(reps)]

    # 1. the explorer's dirty-rate slider, typed into its readout
    cell = bench.cells["explorer"]
    values = [100 + (4900 * i) // max(presses + 3, 1) // 10 * 10 for i in range(presses + 4)]
    mark = len(bench.phases)
    samples = [bench.press("explorer",
                           lambda v=v: bench.h.set_slider(cell, "Dirty rate (MiB/s)", v),
                           trigger="enter")
               for v in values]  # fmt: skip
    phases = bench.phases[mark:]  # this widget's presses only
    rows += _rows("explorer slider", samples, baseline("explorer"), SLIDER_TARGET_S, None,
                  {"values_mib_s": values}, phases)  # fmt: skip

    # 2. the balancer's "Run the moves", at thresholds that have moves
    cluster = overloaded_cluster()
    thresholds = [t for t in range(40, 95, 5) if len(propose_moves(cluster, threshold_pct=t))]
    mark = len(bench.phases)
    samples = []
    for i in range(presses):
        bench.kernel(f"bal.threshold.value = {thresholds[i % len(thresholds)]}")
        bench.settle("balancer")
        samples.append(bench.click("balancer", "Run the moves"))
    phases = bench.phases[mark:]  # this widget's presses only
    rows += _rows("balancer run the moves", samples, baseline("balancer"), PRESS_TARGET_S,
                  PRESS_P95_TARGET_S, {"thresholds_pct": thresholds}, phases)  # fmt: skip

    # 3. the HA dashboard with 1, 6 and 12 hosts already failed
    hosts = list(Cluster.example().hosts)
    labels = {"fail": "Fail host", "isolate": "Isolate host", "repair": "Repair host"}
    for level in DASHBOARD_LEVELS:
        name = f"dashboard-{level}"
        healthy, failed = hosts[level:], hosts[:level]
        mark = len(bench.phases)
        samples, kinds = [], []
        for i in range(presses + 1):
            action = ("fail", "isolate", "repair")[i % 3]
            pool = failed if action == "repair" else healthy
            host = pool[(i // 3) % len(pool)]
            bench.kernel(f"reset_board(board{level}, {level}, {action!r}, {host!r})")
            samples.append(bench.click(name, labels[action]))
            kinds.append(f"{action} {host}")
        phases = bench.phases[mark:]  # this widget's presses only
        rows += _rows(f"HA dashboard, {level} failed", samples, baseline(name),
                      PRESS_TARGET_S, PRESS_P95_TARGET_S, {"presses_made": kinds},
                      phases)  # fmt: skip

    # 3b. the same at 12 failed through render.FigureSlot (the proposed drawing path)
    try:  # only where the kernel's vmlab has it (not in a "before" run)
        bench.kernel("assert FigureSlot is not None")
        has_slot = True
    except RuntimeError:
        has_slot = False
    if has_slot:
        mark = len(bench.phases)
        samples = []
        for i in range(presses + 1):
            action = ("fail", "isolate", "repair")[i % 3]
            host = (hosts[:12] if action == "repair" else hosts[12:])[(i // 3) % 4]
            bench.kernel(f"reset_board(boardslot, 12, {action!r}, {host!r})")
            samples.append(bench.click("dashboard-slot-12", labels[action]))
        phases = bench.phases[mark:]  # this widget's presses only
        rows += _rows("HA dashboard, 12 failed, via FigureSlot (proposed)", samples,
                      baseline("dashboard-12"), PRESS_TARGET_S, PRESS_P95_TARGET_S,
                      {"path": "render.FigureSlot, one draw per press"}, phases)  # fmt: skip

    # 4. the FT panel's four buttons
    buttons = ["Fail the primary's host", "Fail the secondary's host", "Cut the logging link",
               "Fail both in turn"]  # fmt: skip
    mark = len(bench.phases)
    samples = [bench.click("ft", buttons[i % 4]) for i in range(presses)]
    phases = bench.phases[mark:]  # this widget's presses only
    rows += _rows("FT panel buttons", samples, baseline("ft"), PRESS_TARGET_S,
                  PRESS_P95_TARGET_S, {"buttons": buttons}, phases)  # fmt: skip

    # 5. lesson 00's failure picker, a different host each press
    mark = len(bench.phases)
    samples = []
    for i in range(presses):
        bench.kernel(f"picker.host.value = {hosts[i % len(hosts)]!r}")
        samples.append(bench.click("picker", "Fail this host"))
    phases = bench.phases[mark:]  # this widget's presses only
    rows += _rows("failure picker", samples, baseline("picker"), PRESS_TARGET_S,
                  PRESS_P95_TARGET_S, {}, phases)  # fmt: skip

    # 6. the migrate wizard (lesson 01), a different VM each press, when there is one
    wizard = bench.cells["wizard"]
    if wizard.locator(bench.h.WIDGET_BUTTON, has_text="Migrate").count():
        vms = [v for v in Cluster.example().vms if v.startswith(("web", "app", "file"))]
        mark = len(bench.phases)
        samples = []
        for i in range(presses):
            bench.kernel(f"wizard.vm.value = {vms[i % len(vms)]!r}")
            samples.append(bench.click("wizard", "Migrate"))
        phases = bench.phases[mark:]  # this widget's presses only
        rows += _rows("migrate wizard", samples, baseline("wizard"), PRESS_TARGET_S,
                      PRESS_P95_TARGET_S, {"vms": vms[:presses]}, phases)  # fmt: skip
    else:
        print("  migrate wizard: not on this branch, not measured", flush=True)
    return rows


def _screenshots(bench: Bench, tag: str = os.environ.get("BENCH_TAG", "")) -> list[str]:
    """The dashboard with 16 failed hosts (15 set from the kernel, the 16th pressed)."""
    h = bench.h
    bench.click("board16", "Fail host")
    # tall enough for the whole dashboard: JupyterLab clips a cell to its scrolling panel
    bench.page.set_viewport_size({"width": 1400, "height": 2600})
    board16 = bench.cells["board16"]
    shots = [h.screenshot(bench.page, f"bench{tag}-dashboard-16-failed", scope=board16)]
    for name in ("explorer", "balancer", "ft", "picker", "dashboard-12", "wizard"):
        shots.append(h.screenshot(bench.page, f"bench{tag}-{name}", scope=bench.cells[name]))
    return [str(p) for p in shots]


def browser(quick: bool) -> list[Measurement]:
    if quick:
        print("  8 browser: skipped in quick mode (JupyterLab + Chromium take ~20 s to start; "
              "run without --quick)", flush=True)  # fmt: skip
        return []
    if not CHROMIUM.exists():
        print(f"  8 browser: skipped, {CHROMIUM} is missing (sudo apt-get install chromium)",
              flush=True)  # fmt: skip
        return []
    presses = int(os.environ.get("BENCH_PRESSES", "20"))
    exec(USE_OTHER_VMLAB)  # noqa: S102 - this process imports vmlab too (moves, hosts)
    sys.path.insert(0, str(BROWSER_TESTS))
    import harness
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(BROWSER_TESTS))
    import conftest

    with tempfile.TemporaryDirectory(prefix="vmlab-bench-nb-") as tmp:
        path, names = _write_notebook(Path(tmp))
        with lab_server(Path(tmp)) as server, sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                          args=conftest.CHROMIUM_ARGS)  # fmt: skip
            try:
                context = chromium.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                page.set_default_timeout(PRESS_TIMEOUT_S * 1000)
                started = time.perf_counter()
                harness.open_lesson(page, server, path)
                harness.run_all_cells(page)
                harness.assert_no_errors(page)
                ready_s = time.perf_counter() - started
                bench = Bench(page, names)
                rows = _measure(bench, presses)
                shots = _screenshots(bench)
                harness.assert_no_errors(page)
                server_rss = rss_mib(SERVER_PIDS[server.url])
            finally:
                chromium.close()
    for row in rows:
        row.details.update(notebook_ready_s=ready_s)
    rows[0].details["screenshots"] = shots
    # what a hub user's own server costs next to the kernel (bench 9 measures the kernels)
    rows[0].details["jupyter_server_rss_mib"] = server_rss
    return rows


if __name__ == "__main__":  # run this benchmark alone (prints; writes only with --output)
    import run

    sys.exit(run.main(["--only", "browser", *sys.argv[1:]]))
