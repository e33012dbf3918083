"""Fixtures for the browser layer: a private JupyterLab server and headless Chromium.

Every test under ``tests/browser`` is marked ``browser``. The server is started once per
session with its own token, port, config, settings and workspace directories, so nothing
from the user's own Jupyter set-up leaks in and nothing is left behind. The browser is
Debian's ``/usr/bin/chromium`` driven by Playwright; Playwright's own browser download is
never used.

Where ``/usr/bin/chromium`` is missing the tests are skipped, except under ``CI=true``
where that is an error: CI must run every layer.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
INSTALL_HINT = "install it with: sudo apt-get install chromium"

SERVER_START_TIMEOUT_S = 120
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# JupyterLab user settings written for the test server (JUPYTERLAB_SETTINGS_DIR).
LAB_SETTINGS = {
    # Render every cell, not only the visible ones, so selectors find all outputs.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # Never write a lesson back to disk while a test runs it.
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    # No news pop-up in the bottom-right corner and no update check: no network at run time.
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


# The test server cannot write files: the lessons on disk stay exactly as committed,
# whatever a test clicks. Attempts are refused (JupyterLab then shows an error dialog,
# which the harness reports) and logged for the end-of-session check.
READ_ONLY_CONTENTS = """
import os
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado import web


class ReadOnlyContentsManager(AsyncLargeFileManager):
    def _refuse(self, what, path):
        with open(os.environ["VMLAB_REFUSED_WRITES"], "a") as log:
            log.write(f"{what} {path}\\n")
        raise web.HTTPError(403, f"the browser tests never {what} files ({path})")

    async def save(self, model, path=""):
        self._refuse("save", path)

    async def delete_file(self, path):
        self._refuse("delete", path)

    async def rename_file(self, old_path, new_path):
        self._refuse("rename", old_path)


c.ServerApp.contents_manager_class = ReadOnlyContentsManager
"""


@dataclass(frozen=True)
class LabServer:
    """A running JupyterLab: ``url`` ends with ``/``; ``root`` is the repository."""

    url: str
    token: str
    root: Path
    log: Path
    refused_writes: Path

    def lab_url(self, path: str) -> str:
        """URL that opens ``path`` (relative to the repository) in JupyterLab, fresh layout."""
        return f"{self.url}lab/tree/{path}?token={self.token}&reset"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    # Remember each phase's report on the item, so the page fixture can tell a failure.
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing; the browser tests need Debian's Chromium ({INSTALL_HINT})"
    if IN_CI:
        pytest.fail(message + ". Under CI=true a missing browser is a failure.", pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server and its kernels (they share its process group)."""
    if proc.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def lab_home(home: Path) -> tuple[dict[str, str], Path]:
    """Lay out a private JupyterLab home in ``home`` (settings, read-only contents config) and
    return the server's environment and the file where refused writes are logged. Also used
    by benchmarks/bench_browser.py, so both drive the same lab."""
    settings = home / "lab-settings"
    for rel, value in LAB_SETTINGS.items():
        target = settings / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value, indent=2))
    config = home / "config"
    config.mkdir()
    (config / "jupyter_server_config.py").write_text(READ_ONLY_CONTENTS)
    refused = home / "refused-writes.log"
    env = dict(os.environ)
    env.update(
        VMLAB_REFUSED_WRITES=str(refused),
        JUPYTER_CONFIG_DIR=str(config),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        PYTHONUNBUFFERED="1",
    )
    return env, refused


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """Start JupyterLab on a free local port with a random token; stop it after the session."""
    _require_chromium()
    home = tmp_path_factory.mktemp("jupyter")
    env, saves = lab_home(home)
    port = _free_port()
    token = secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--ServerApp.terminals_enabled=False",
        f"--ServerApp.root_dir={REPO}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = home / "jupyterlab.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{_tail(log)}")
            try:
                with urllib.request.urlopen(f"{url}api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"JupyterLab did not answer within {SERVER_START_TIMEOUT_S} s:\n{_tail(log)}"
                )
            time.sleep(0.5)
        yield LabServer(url=url, token=token, root=REPO, log=log, refused_writes=saves)
    finally:
        _stop(proc)
    refused = saves.read_text() if saves.exists() else ""
    assert not refused, f"JupyterLab tried to write files during the browser tests:\n{refused}"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright (never Playwright's own download)."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, lab_server: LabServer, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser page; on a failure its screenshot goes to tests/browser/artifacts/."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    console: list[str] = []
    page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: (
            console.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = request.node.name.replace("/", "_")
            try:
                page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}.png"))
            except Exception as exc:  # the page may be gone; the failure is what matters
                print(f"could not save a screenshot: {exc}")
            print("browser console errors:", *console[-20:], sep="\n  ")
            print("JupyterLab log (tail):\n" + _tail(lab_server.log))
        context.close()
