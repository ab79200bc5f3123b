"""The access rules of `tether serve`, on textual-serve's own aiohttp
application as `TetherServer` builds it (in this process, real sockets).
Each seat's command here only leaves a mark, so a test can tell whether a
refused request started one."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import shlex
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app.serve.command import seat_argv
from app.serve.guard import cookie_name, is_loopback, needs_token
from app.serve.server import TetherServer

TOKEN = "s3cret-token-for-the-test"


def marking(mark: Path) -> str:
    # Only leaves the mark: whether a seat was started is all these tests ask.
    code = f"import pathlib; pathlib.Path({str(mark)!r}).touch()"
    return shlex.join([sys.executable, "-c", code])


async def served(mark: Path, *, host: str, token: str | None) -> TestServer:
    server = TetherServer(marking(mark), host=host, port=0, token=token, title="t")
    test_server = TestServer(await server._make_app(), host="127.0.0.1")
    await test_server.start_server()
    return test_server


def unreaped_children() -> list[str]:
    """This process's children, exited-but-unreaped ones too."""
    mine = str(os.getpid())
    found = []
    for entry in os.listdir("/proc"):
        with contextlib.suppress(OSError):
            if (
                entry.isdigit()
                and Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1] == mine
            ):
                found.append(entry)
    return found


async def closed(server: TestServer) -> None:
    """Close the server, then let asyncio reap the seats it started.
    textual-serve never waits for a seat's process: without this its
    transport is finalised after the test's loop closed, and complains."""
    await server.close()
    deadline = time.monotonic() + 60
    while unreaped_children() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)  # polling for the child watcher to reap it
    for _ in range(10):
        await asyncio.sleep(0)  # the watcher's callback runs on this loop
    gc.collect()


@pytest.fixture
async def shared(tmp_path: Path) -> AsyncIterator[tuple[TestServer, Path]]:
    """As bound to a shared address: the token is required."""
    mark = tmp_path / "seat-started"
    server = await served(mark, host="192.0.2.1", token=TOKEN)
    yield server, mark
    await closed(server)


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[tuple[TestServer, Path]]:
    """As bound to 127.0.0.1: no token, but only loopback names in Host."""
    mark = tmp_path / "seat-started"
    server = await served(mark, host="127.0.0.1", token=None)
    yield server, mark
    await closed(server)


async def status(
    server: TestServer, path: str, *, headers: dict[str, str] | None = None
) -> tuple[int, str, dict[str, str]]:
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
        session.get(server.make_url(path), headers=headers, allow_redirects=False) as response,
    ):
        return response.status, await response.text(), dict(response.headers)


def cookie(server: TestServer) -> str:
    return cookie_name(f"{server.host}:{server.port}")


async def ws_status(server: TestServer, path: str, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        try:
            async with session.ws_connect(server.make_url(path), headers=headers) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


def test_which_binds_need_the_token() -> None:
    for host in ("127.0.0.1", "localhost", "::1", "[::1]"):
        assert not needs_token(host), host
    for host in ("127.0.0.2", "0.0.0.0", "::", "192.168.1.5", "myhost"):
        assert needs_token(host), host
    assert is_loopback("127.0.0.2") and is_loopback("::1") and not is_loopback("10.0.0.1")


async def test_no_token_wrong_token_nothing_but_403(shared: tuple[TestServer, Path]) -> None:
    server, mark = shared
    for path in ("/", "/?token=wrong", "/static/js/textual.js", "/download/x", "/ws"):
        code, body, _ = await status(server, path)
        assert (code, body) == (403, "403: Forbidden\n"), path
    code, _, _ = await status(server, "/", headers={"Cookie": f"{cookie(server)}=wrong"})
    assert code == 403
    assert await ws_status(server, "/ws", {}) == 403
    assert await ws_status(server, f"/ws?token={TOKEN}x", {}) == 403
    assert not mark.exists(), "a refused request started an app process"


async def test_the_token_becomes_a_cookie_and_leaves_the_url(
    shared: tuple[TestServer, Path],
) -> None:
    server, mark = shared
    code, _, headers = await status(server, f"/?fontsize=12&token={TOKEN}")
    assert code == 302
    assert headers["Location"] == "/?fontsize=12"
    set_cookie = headers["Set-Cookie"]
    assert (
        f"{cookie(server)}={TOKEN}" in set_cookie
        and "HttpOnly" in set_cookie
        and "SameSite=Strict" in set_cookie
    )

    code, page, _ = await status(server, "/", headers={"Cookie": f"{cookie(server)}={TOKEN}"})
    assert code == 200
    # The page's websocket goes back to the address the browser used.
    assert f'data-session-websocket-url="ws://{server.host}:{server.port}/ws"' in page
    assert TOKEN not in page
    # A websocket with the cookie starts the seat's app.
    assert await ws_status(server, "/ws", {"Cookie": f"{cookie(server)}={TOKEN}"}) == 101


async def test_loopback_refuses_other_host_names(local: tuple[TestServer, Path]) -> None:
    """A page whose domain resolves to 127.0.0.1 (DNS rebinding) gets nothing."""
    server, mark = local
    port = server.port
    assert (await status(server, "/"))[0] == 200
    assert (await status(server, "/", headers={"Host": f"localhost:{port}"}))[0] == 200
    assert (await status(server, "/", headers={"Host": f"evil.example:{port}"}))[0] == 403
    assert await ws_status(server, "/ws", {"Host": f"evil.example:{port}"}) == 403
    assert not mark.exists()


async def test_a_websocket_from_another_site_is_refused(local: tuple[TestServer, Path]) -> None:
    server, mark = local
    assert await ws_status(server, "/ws", {"Origin": "http://evil.example"}) == 403
    assert not mark.exists()
    own = f"http://{server.host}:{server.port}"
    assert await ws_status(server, "/ws", {"Origin": own}) == 101


def test_the_seat_command() -> None:
    """Each browser seat is a `tether attach` on the review a Tether owns."""
    assert seat_argv(read_only=False)[-3:] == ["attach", "--seat", "browser"]
    assert seat_argv(read_only=True, seat="eve")[-4:] == ["attach", "--seat", "eve", "--read-only"]
    assert seat_argv(read_only=False, role="driver")[-2:] == ["--role", "driver"]


def test_a_port_in_use_is_one_clear_line(sample_repo: Path) -> None:
    """Exit status 1 and one line naming the address; no URL printed."""
    import socket
    import subprocess

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())"]
            + ["serve", "--port", str(port)],
            cwd=sample_repo,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines()[-1] == (
        f"tether: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_not_a_repository_is_said_before_serving(tmp_path: Path, isolated_home: Path) -> None:
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())"]
        + ["serve", "--port", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "not inside a git repository" in proc.stderr


async def test_two_servers_on_one_host_keep_their_own_cookie(tmp_path: Path) -> None:
    """Cookies are not kept apart by port: one browser opening two served
    reviews (two repositories) must stay let in to both."""
    first = await served(tmp_path / "a", host="192.0.2.1", token="first-token")
    second = await served(tmp_path / "b", host="192.0.2.1", token="second-token")
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            for server, token in ((first, "first-token"), (second, "second-token")):
                async with browser.get(server.make_url(f"/?token={token}")) as response:
                    assert response.status == 200  # redirected to the page, cookie kept
            for server in (first, second):
                async with browser.get(server.make_url("/")) as response:
                    assert response.status == 200, f"port {server.port} lost its cookie"
    finally:
        await closed(first)
        await closed(second)


def test_a_host_that_does_not_resolve_is_named(sample_repo: Path) -> None:
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())"]
        + ["serve", "--host", "nosuch.invalid", "--port", "0"],
        cwd=sample_repo,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("tether: cannot listen on nosuch.invalid:0: ")
    assert "Unknown error" not in line, line
