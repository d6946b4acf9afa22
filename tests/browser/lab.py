"""Start a real JupyterLab on loopback and drive it with Debian's Chromium via Playwright.

Everything is temporary and owned by the test: a free port, a random token, settings,
workspaces and runtime files in a temp dir. Nothing is downloaded: Playwright drives the
system browser at /usr/bin/chromium.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags the closed network here needs: without them Chromium keeps trying to reach Google.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Lab settings for a test: no news or update checks, and every cell kept in the DOM so the
# test can see all outputs (JupyterLab 4 otherwise virtualises off-screen cells).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """A JupyterLab server rooted at ``root`` with temporary settings; use as a context manager."""

    def __init__(self, root: Path, tmp: Path, *, extra_args: tuple[str, ...] = (), env: dict | None = None,
                 cwd: Path | None = None, startup_timeout: float = 90.0):
        self.root, self.tmp, self.extra_args = Path(root), Path(tmp), list(extra_args)
        self.extra_env, self.cwd, self.startup_timeout = env or {}, cwd, startup_timeout
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.proc: subprocess.Popen | None = None
        self.log_path = self.tmp / "lab.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict:
        settings = self.tmp / "lab-settings"
        for name, values in LAB_SETTINGS.items():
            plugin, file = name.rsplit("/", 1)
            target = settings / plugin / file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values))
        env = dict(os.environ)
        bindir = str(Path(sys.executable).parent)
        env.update({
            "PATH": bindir + os.pathsep + env.get("PATH", ""),
            "JUPYTER_CONFIG_DIR": str(self.tmp / "config"),
            "JUPYTER_RUNTIME_DIR": str(self.tmp / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.tmp / "workspaces"),
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        })
        env.update(self.extra_env)
        return env

    def __enter__(self) -> LabServer:
        jupyter = Path(sys.executable).parent / "jupyter"
        cmd = [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               "--LabApp.expose_app_in_browser=True", "--ServerApp.port_retries=0",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *self.extra_args]
        if os.geteuid() == 0:  # containers and CI machines often run as root
            cmd.append("--allow-root")
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, cwd=self.cwd or self.root, env=self._env(), stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early; log:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise TimeoutError(f"JupyterLab did not answer within {self.startup_timeout} s")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self._log.close()

    def page_url(self, path: str) -> str:
        return f"{self.url}/{path.lstrip('/')}{'&' if '?' in path else '?'}token={self.token}"


# JavaScript run in the page through the app object JupyterLab exposes (--expose-app-in-browser).
JS_NOTEBOOK_PROGRESS = """() => {
  const nb = window.jupyterapp.shell.currentWidget;
  if (!nb || !nb.content || !nb.content.model) return null;
  const cells = nb.content.model.cells;
  let total = 0, done = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code' || !c.sharedModel.getSource().trim()) continue;
    total += 1;
    if (c.executionCount) done += 1;
  }
  const kernel = nb.sessionContext.session && nb.sessionContext.session.kernel;
  return {total, done, status: kernel ? kernel.status : 'none'};
}"""

JS_NOTEBOOK_JSON = "() => window.jupyterapp.shell.currentWidget.content.model.toJSON()"


def open_notebook(page, lab: LabServer, name: str, timeout_ms: int = 60_000) -> None:
    """Open ``name`` in a fresh workspace and wait until its kernel is idle."""
    page.goto(lab.page_url(f"lab/tree/{name}?reset"), wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext", timeout=timeout_ms)
    page.wait_for_function("() => { const s = window.jupyterapp.shell.currentWidget.sessionContext;"
                           " return s.session && s.session.kernel && s.session.kernel.status === 'idle'; }",
                           timeout=timeout_ms)


def run_all_cells(page, timeout_s: float = 180.0) -> dict:
    """Clear outputs, run every cell, wait until all have run and the kernel is idle; return the notebook JSON."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    deadline = time.monotonic() + timeout_s
    progress = None
    while time.monotonic() < deadline:
        progress = page.evaluate(JS_NOTEBOOK_PROGRESS)
        if progress and progress["done"] == progress["total"] and progress["status"] == "idle":
            break
        time.sleep(0.5)
    else:
        raise TimeoutError(f"cells did not finish within {timeout_s} s: {progress}")
    page.wait_for_timeout(1500)  # let widget views and images finish rendering
    return page.evaluate(JS_NOTEBOOK_JSON)


JS_WIDGET_REPORT = """() => {
  const rendered = document.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets').length;
  const text = document.body.innerText;
  return {rendered, errorBoxes: (text.match(/Error displaying widget/g) || []).length,
          loading: (text.match(/Loading widget\\.\\.\\./g) || []).length};
}"""


def widget_outputs(nb_json: dict) -> int:
    """Number of top-level widget views the kernel displayed."""
    return sum("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for c in nb_json["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))


def error_outputs(nb_json: dict) -> list[str]:
    return [f"{o['ename']}: {o['evalue']}" for c in nb_json["cells"] if c["cell_type"] == "code"
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


def images_in(locator) -> list[str]:
    """The src of every image inside a locator (figures drawn in Output widgets)."""
    return locator.locator("img").evaluate_all("els => els.map(e => e.src)")


def nudge_slider(page, widget, presses: int = 3, timeout_ms: int = 30_000) -> tuple[list[str], list[str]]:
    """Press ArrowRight on the first slider inside ``widget``; return its images before and after."""
    before = images_in(widget)
    handle = widget.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.click()
    for _ in range(presses):
        handle.press("ArrowRight")
    deadline = time.monotonic() + timeout_ms / 1000
    after = before
    while time.monotonic() < deadline:
        page.wait_for_timeout(500)
        after = images_in(widget)
        if after and after != before:
            break
    return before, after
