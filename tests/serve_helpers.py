"""`tether serve` as a real process, and a headless chromium to open it.

Waits are on conditions (a line printed, a frame received, a file staged),
each with a generous timeout: the machine running the tests is busy.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

START_TIMEOUT = 60.0  # a server, or a browser, starting on a loaded machine
STEP_TIMEOUT = 60.0

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# The flags a closed network needs (no update, sync or font fetch may stall
# the page) and a machine without a display or a user namespace sandbox.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")
_URL = re.compile(r"at (http://\S+)")

# Before the page's own script runs: keep every frame the app sends down the
# websocket, so a test can read what the terminal in the page was given
# (xterm.js draws on a canvas; there is no text in the DOM to read).
_RECORD_FRAMES = """
window.__tetherFrames = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = function (...args) {
  const socket = new NativeWebSocket(...args);
  const decoder = new TextDecoder();
  socket.addEventListener("message", (event) => {
    if (typeof event.data !== "string") {
      window.__tetherFrames.push(decoder.decode(event.data, {stream: true}));
    }
  });
  return socket;
};
window.WebSocket.prototype = NativeWebSocket.prototype;
"""


def wait_for(condition: Callable[[], object], what: str, timeout: float = STEP_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)  # polling interval, not a wait for anything


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (the seats a server started)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # it exited while we looked
        # The name (field 2) may hold spaces; the parent id follows its ")".
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(entry))
    return found


def can_bind(host: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, 0))
        except OSError:
            return False
    return True


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    url: str  # as printed, with the token when there is one
    out: bytes  # what it printed before the URL, and the URL line

    @property
    def base(self) -> str:
        return self.url.split("?", 1)[0]

    @property
    def token(self) -> str | None:
        return self.url.split("token=", 1)[1] if "token=" in self.url else None


def _read_url(proc: subprocess.Popen[bytes]) -> tuple[str, bytes]:
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    out = b""
    deadline = time.monotonic() + START_TIMEOUT
    while not (found := _URL.search(out.decode("utf-8", "replace"))):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr and proc.poll() is not None else ""
            pytest.fail(f"tether serve printed no URL: {out!r} {err}")
        if select.select([fd], [], [], min(remaining, 0.5))[0]:
            out += os.read(fd, 4096)
    return found.group(1), out


@contextlib.contextmanager
def serving(repo: Path, *args: str, **env_extra: str) -> Iterator[Served]:
    """``tether serve --port 0 ARGS`` in ``repo``; stopped (SIGTERM) on the way out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "PYTEST"))}
    env.update(env_extra)
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())"]
        + ["serve", "--port", "0", *args],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        url, out = _read_url(proc)
        yield Served(proc, url, out)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STEP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def need_chromium() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    if missing:
        pytest.skip(
            f"no {' or '.join(missing)}: `make test` installs Debian's chromium and "
            "chromium-driver (apt-get, as root or with sudo)"
        )
    pytest.importorskip("selenium", reason="selenium is in the [test] extra")


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[WebDriver]:
    """A headless chromium with a fresh profile, driven by the system chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    need_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _RECORD_FRAMES})
        yield driver
    finally:
        driver.quit()


def screen_text(driver: WebDriver) -> str:
    """Everything the app has drawn in the page so far, escapes removed."""
    frames = driver.execute_script("return (window.__tetherFrames || []).join('')")
    return _ANSI.sub("", frames or "")


def press(driver: WebDriver, keys: str) -> None:
    """Type into the page's terminal, as a user who clicked it would."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, ".xterm-screen").click()
    ActionChains(driver).send_keys(keys).perform()
