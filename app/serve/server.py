"""Running textual-serve's server with Tether's access rules.

We do not fork textual-serve: ``TetherServer`` subclasses its ``Server`` and
takes its aiohttp application as it builds it (``_make_app``), puts
``guard.access_guard`` in front of every route, and serves the page with
URLs made from the request's own (checked) ``Host``, so the page's websocket
goes back to the address the browser used. It runs the application itself
(``AppRunner``) instead of ``Server.serve`` so that a port in use is one
clear error, the URL is printed only once the port is bound, aiohttp's
access log (which would show ``?token=`` in request lines) is off, and
stopping closes every seat's websocket, so each app process is told to quit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from app.core.errors import TetherError
from app.serve.guard import access_guard, is_loopback


class TetherServer(Server):
    def __init__(
        self, command: str, *, host: str, port: int, token: str | None, title: str
    ) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.token = token
        self._seats: set[asyncio.Task[Any]] = set()

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(access_guard(token=self.token, loopback_only=is_loopback(self.host)))
        return app

    async def on_startup(self, app: web.Application) -> None:
        pass  # textual-serve prints a banner here; `tether serve` prints its own line

    async def on_shutdown(self, app: web.Application) -> None:
        # A seat's handler closes its websocket when cancelled and then tells
        # its app process to quit; otherwise aiohttp would wait for each
        # browser to hang up.
        for task in list(self._seats):
            task.cancel()

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        task = asyncio.current_task()
        assert task is not None
        self._seats.add(task)
        try:
            return await super().handle_websocket(request)
        finally:
            self._seats.discard(task)

    async def handle_index(self, request: web.Request) -> web.Response:  # type: ignore[override]
        base = f"{request.scheme}://{request.host}"
        ws = ("wss" if request.scheme == "https" else "ws") + f"://{request.host}"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": ws + str(request.app.router["websocket"].url_for()),
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def run(self, ready: Callable[[], None]) -> None:
        """Serve until SIGINT or SIGTERM; ``ready`` is called once the port is bound."""
        logging.basicConfig(level=logging.WARNING, format="tether serve: %(message)s")
        runner = web.AppRunner(await self._make_app(), access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            # asyncio's bind message repeats the address; the errno says it
            # plainly. A name that does not resolve has its own words.
            if isinstance(exc, socket.gaierror) or not exc.errno:
                reason = exc.strerror or str(exc)
            else:
                reason = os.strerror(exc.errno)
            raise TetherError(f"cannot listen on {self.host}:{self.port}: {reason}") from None
        # With --port 0 the OS picked a free port: the URL must name it.
        self.port = int(runner.addresses[0][1])
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            ready()
            await stop.wait()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(Exception):
                    loop.remove_signal_handler(sig)
            await runner.cleanup()
