"""A terminal seat and a browser seat on one live review (issue 15's "done
when"): ``tether watch`` owns the working tree's review in a real pty,
``tether serve`` serves browser seats attached to it, headless chromium
presses ``y``; the terminal shows the decision live with the browser seat's
name, the journal attributes it, and another seat's ``y`` on the same hunk
is refused, naming who decided. Real processes, sockets, git and browser;
every wait is on a condition (the screen, the index, the journal)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

from conftest import REPORT, staged_names
from serve_helpers import (
    START_TIMEOUT,
    chromium,
    need_chromium,
    press,
    screen_text,
    serving,
    wait_for,
)
from test_serve_browser import journal
from test_tui_pty import STARTUP_TIMEOUT, tether_in_pty

from app.core.locations import state_dir_for
from app.gate.seat_link import seat_request


def stderr_until(proc: subprocess.Popen[bytes], needle: bytes) -> bytes:
    """What ``proc`` wrote to stderr, up to ``needle`` (bounded: never hangs)."""
    assert proc.stderr is not None
    fd, said = proc.stderr.fileno(), [b""]

    def heard() -> bool:
        if select.select([fd], [], [], 0.2)[0]:
            said[0] += os.read(fd, 4096)
        return needle in said[0]

    wait_for(heard, f"{needle!r} on tether serve's stderr")
    return said[0]


def test_a_terminal_seat_and_a_browser_seat_review_together(
    sample_repo: Path, tmp_path: Path
) -> None:
    need_chromium()
    with tether_in_pty(sample_repo, "watch") as terminal:
        terminal.wait_for("0 decided", STARTUP_TIMEOUT)
        with (
            serving(sample_repo, "--seat", "pat") as served,
            chromium(tmp_path / "profile") as browser,
        ):
            # tether serve found the running Tether: the tab is a seat on its review.
            said = stderr_until(served.proc, b"owns")
            assert b"a seat on the review the running Tether owns" in said
            browser.get(served.url)
            wait_for(
                lambda: "0 decided" in screen_text(browser), "the review in the page", START_TIMEOUT
            )
            press(browser, "y")
            wait_for(lambda: staged_names(sample_repo) == [REPORT], "the hunk staged by the owner")
            # The terminal seat shows it live, attributed to the browser seat.
            terminal.wait_for(f"pat accepted in {REPORT}")
            terminal.wait_for("1 decided")
            (accept,) = [e for e in journal(sample_repo) if e.get("op") == "accept"]
            assert accept["seat"] == "pat" and accept["path"] == REPORT
            # A second seat's y on the same hunk: refused, naming who decided.
            late = seat_request(
                state_dir_for(sample_repo),
                {
                    "type": "decide",
                    "seat": "sam",
                    "op": "accept",
                    "path": REPORT,
                    "hunks": accept["hunk_id"].split(","),
                },
            )
            assert late["type"] == "refused"
            assert "pat accepted it" in late["message"] and "first decision wins" in late["message"]
            assert [e["seat"] for e in journal(sample_repo) if e.get("op") == "accept"] == ["pat"]
        terminal.send(b"q")


def test_a_driver_browser_seat_watches_and_its_y_is_refused(
    sample_repo: Path, tmp_path: Path
) -> None:
    """`tether serve --role driver`: each tab is a driver seat; the owner (here
    tether serve itself) refuses its decision, the page says so, nothing is staged."""
    need_chromium()
    with (
        serving(sample_repo, "--role", "driver", "--seat", "dan") as served,
        chromium(tmp_path / "profile") as browser,
    ):
        browser.get(served.url)
        wait_for(
            lambda: "0 decided" in screen_text(browser), "the review in the page", START_TIMEOUT
        )
        assert "seat dan (driver)" in screen_text(browser)
        press(browser, "y")
        wait_for(
            lambda: "dan is the driver seat" in screen_text(browser), "the refusal in the page"
        )
        assert staged_names(sample_repo) == []
        assert not [e for e in journal(sample_repo) if e.get("op") in ("accept", "reject")]


def test_an_unknown_role_is_said_before_serving(sample_repo: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())"]
        + ["serve", "--port", "0", "--role", "boss"],
        cwd=sample_repo,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "unknown seat role 'boss'" in done.stderr
    assert "serving" not in done.stdout
