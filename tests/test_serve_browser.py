"""`tether serve` in a real headless chromium: the page renders the review,
`y` in the browser stages the hunk, a read-only seat's `y` is refused, and
a bind that needs the token gives nothing to a request without it.

Real processes throughout: `tether serve` (textual-serve starts one
`tether review` per browser connection), Debian's chromium through the
system chromedriver (`make test` installs both where missing), real git.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest
from conftest import REPORT, git, staged_names
from serve_helpers import (
    START_TIMEOUT,
    can_bind,
    children,
    chromium,
    need_chromium,
    press,
    screen_text,
    serving,
    wait_for,
)

from app.serve.guard import cookie_name

SHARED = "127.0.0.2"  # a loopback address, but not the default: the token rule applies


def shared_host() -> str:
    if not can_bind(SHARED):
        pytest.skip(f"cannot bind {SHARED} here (only 127.0.0.1 is configured)")
    return SHARED


def journal(repo: Path) -> list[dict]:
    out = subprocess.run(
        [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())"]
        + ["journal", "--json"],
        cwd=repo,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return [json.loads(line) for line in out.decode().splitlines()]


def test_browser_seat_stages_a_hunk(sample_repo: Path, tmp_path: Path) -> None:
    need_chromium()
    with (
        serving(sample_repo, "--host", shared_host()) as served,
        chromium(tmp_path / "profile") as browser,
    ):
        assert served.token, "a bind other than 127.0.0.1 prints a URL with a token"
        browser.get(served.url)
        # The page drops the token from its address once the cookie holds it.
        assert "token=" not in browser.current_url
        wait_for(
            lambda: "0 decided" in screen_text(browser), "the review in the page", START_TIMEOUT
        )
        assert "inventory/report.py" in screen_text(browser)

        press(browser, "y")
        wait_for(lambda: staged_names(sample_repo) == [REPORT], "the hunk staged in the index")
        wait_for(
            lambda: f"accepted 11 lines of {REPORT}" in screen_text(browser),
            "the page to show the decision",
        )
        # The decision is journaled like one made in a terminal.
        accepts = [e for e in journal(sample_repo) if e.get("op") == "accept"]
        assert [e["path"] for e in accepts] == [REPORT]

        # Quitting the review ends that seat, not the server: the page says
        # the session ended, and a reload starts a new seat on the review.
        seats = children(served.proc.pid)
        press(browser, "q")
        wait_for(lambda: "enter/q quit" in screen_text(browser), "the summary in the page")
        press(browser, "\ue007")  # enter
        wait_for(
            lambda: "-closed" in browser.execute_script("return document.body.className"),
            "the page to show the session ended",
        )
        wait_for(lambda: not set(seats) & set(children(served.proc.pid)), "the seat to end")
        assert served.proc.poll() is None
        assert staged_names(sample_repo) == [REPORT]  # quitting undoes nothing
        browser.refresh()
        wait_for(
            lambda: "1 decided · 2 pending" in screen_text(browser),
            "a new seat on the same review (the decision still shown, by the review's owner)",
        )
    # The token was printed once, on stdout, for the user to share; never on stderr.
    stderr = served.proc.stderr.read() if served.proc.stderr else b""
    assert served.token.encode() not in stderr
    assert not list_files_holding(sample_repo / ".git" / "tether", served.token)


def list_files_holding(folder: Path, needle: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def test_read_only_seat_cannot_decide(sample_repo: Path, tmp_path: Path) -> None:
    need_chromium()
    with serving(sample_repo, "--read-only") as served, chromium(tmp_path / "profile") as browser:
        assert served.token is None, "127.0.0.1 needs no token"
        browser.get(served.url)
        wait_for(
            lambda: "0 decided" in screen_text(browser), "the review in the page", START_TIMEOUT
        )
        assert "is a read-only seat" not in screen_text(browser)
        press(browser, "y")
        wait_for(lambda: "is a read-only seat" in screen_text(browser), "the refusal in the page")
        assert staged_names(sample_repo) == []
        assert not [e for e in journal(sample_repo) if e.get("op") in ("accept", "reject")]
        assert git(sample_repo, "diff", "--name-only").decode().split()  # still all pending


def test_two_browser_seats_share_one_review_live(sample_repo: Path, tmp_path: Path) -> None:
    """Each tab is its own app process, attached to the one review `tether
    serve` owns: a decision in one tab shows in the other at once (no reload),
    attributed to the seat. Stopping the server with both tabs open ends both
    seats' processes."""
    need_chromium()
    with (
        serving(sample_repo) as served,
        chromium(tmp_path / "a") as first,
        chromium(tmp_path / "b") as second,
    ):
        first.get(served.url)
        second.get(served.url)
        for browser in (first, second):
            wait_for(
                lambda b=browser: "0 decided" in screen_text(b),
                "the review in a tab",
                START_TIMEOUT,
            )
        seats = children(served.proc.pid)
        assert len(seats) == 2, "one app process per browser connection"

        press(first, "y")
        wait_for(lambda: staged_names(sample_repo) == [REPORT], "the first seat's hunk staged")
        wait_for(
            lambda: "1 decided" in screen_text(second),
            "the other tab to show the decision live",
        )
        accepts = [e for e in journal(sample_repo) if e.get("op") == "accept"]
        assert [(e["path"], e.get("seat")) for e in accepts] == [(REPORT, "browser")]

        served.proc.terminate()
        assert served.proc.wait(timeout=START_TIMEOUT) == 0
        assert served.proc.stderr is not None
        assert b"Traceback" not in served.proc.stderr.read(), "stopped cleanly"
        wait_for(
            lambda: not [pid for pid in seats if Path(f"/proc/{pid}").exists()],
            "both seats' app processes to end with the server",
        )


def test_edit_in_a_browser_seat_says_it_needs_a_terminal(sample_repo: Path, tmp_path: Path) -> None:
    """A seat's stdout is textual-serve's pipe to the page, not a terminal:
    an editor run there would write into the frames (and break the seat)."""
    need_chromium()
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "\\033[2Jan editor drawing\\n"\necho edited >> "$1"\n')
    editor.chmod(0o755)
    with (
        serving(sample_repo, EDITOR=str(editor), VISUAL=str(editor)) as served,
        chromium(tmp_path / "profile") as browser,
    ):
        browser.get(served.url)
        wait_for(
            lambda: "0 decided" in screen_text(browser), "the review in the page", START_TIMEOUT
        )
        press(browser, "e")
        wait_for(lambda: "needs a terminal" in screen_text(browser), "the seat to say so")
        assert "an editor drawing" not in screen_text(browser)
        # The seat still works: the next key decides.
        press(browser, "y")
        wait_for(lambda: staged_names(sample_repo) == [REPORT], "the hunk staged in the index")


def _status(url: str, cookie: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the 302 itself is what the test looks at


async def _ws_status(url: str, cookie: str | None = None) -> int:
    headers = {"Cookie": cookie} if cookie else {}
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, headers=headers) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


def test_a_wrong_token_gets_403_and_starts_no_app(sample_repo: Path) -> None:
    with serving(sample_repo, "--host", shared_host()) as served:
        base, token = served.base, served.token
        assert token
        name = cookie_name(base.split("/")[2])
        ws = base.replace("http://", "ws://") + "ws?width=80&height=24"
        for url in (base, f"{base}?token=wrong", f"{base}static/js/textual.js"):
            assert _status(url) == 403, url
        assert _status(base, cookie=f"{name}=wrong") == 403
        assert asyncio.run(_ws_status(ws)) == 403
        assert asyncio.run(_ws_status(f"{ws}&token=not-{token}")) == 403
        # A refused websocket is answered before textual-serve's handler
        # runs, so no app process was started for any of them.
        assert children(served.proc.pid) == []

        # The right token: the page sets the cookie, and the cookie opens the rest.
        assert _status(f"{base}?token={token}") == 302
        assert _status(f"{base}static/js/textual.js", cookie=f"{name}={token}") == 200
        seats = asyncio.run(_seat_starts(ws, f"{name}={token}", served.proc.pid))
        # The seat's process was not given the token (environment, command line).
        for pid, environ, cmdline in seats:
            assert token.encode() not in environ + cmdline, pid


async def _seat_starts(url: str, cookie: str, server: int) -> list[tuple[int, bytes, bytes]]:
    """The positive control: a websocket with the token starts an app process.
    Returns each seat process with its environment and command line."""
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url, headers={"Cookie": cookie}) as ws,
    ):
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            None, lambda: wait_for(lambda: children(server), "the seat's app process")
        )
        seats = [
            (
                pid,
                Path(f"/proc/{pid}/environ").read_bytes(),
                Path(f"/proc/{pid}/cmdline").read_bytes(),
            )
            for pid in children(server)
        ]
        await ws.close()
    return seats


def test_the_token_on_loopback_when_asked(sample_repo: Path) -> None:
    """`--token`: a machine shared with other users needs it on 127.0.0.1 too."""
    with serving(sample_repo, "--token") as served:
        assert served.token and served.base.startswith("http://127.0.0.1:")
        assert _status(served.base) == 403
        assert _status(served.url) == 302
