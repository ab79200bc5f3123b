"""Who may reach a served review: the rules in front of every route.

textual-serve has no authentication, and each websocket it accepts starts an
app process that can decide hunks. So every request passes this middleware
before any of textual-serve's handlers run: a refused request gets a bare
403, and no app process is ever started for it.

- **Token** (any bind but 127.0.0.1, localhost and ::1, or when asked): the request presents it
  as ``?token=`` (the URL printed at start) or as the cookie set on the first
  valid page load. The page is then redirected to itself without the token,
  so it stays out of the address bar, history and ``Referer``.
- **Host** (loopback binds): the ``Host`` header must name a loopback
  address, so a web page whose domain resolves to 127.0.0.1 (DNS rebinding)
  cannot reach the review.
- **Origin** (websockets): a browser's ``Origin`` must be the page's own, so
  another site open in the same browser cannot drive the review.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import hdrs, web

COOKIE = "tether_token"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def needs_token(host: str) -> bool:
    """Every bind but the default loopback ones: even 127.0.0.2 is an address
    someone chose on purpose, so it is treated as shared."""
    return host.strip("[]").lower() not in LOOPBACK_NAMES


def is_loopback(host: str) -> bool:
    """A loopback name or address (any of 127/8, ::1): only this machine."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _host_name(netloc: str) -> str:
    """``Host`` header -> host name, without the port (IPv6 keeps no brackets)."""
    return (urlsplit(f"//{netloc}").hostname or "").lower()


def cookie_name(host: str) -> str:
    """The token's cookie for the server at ``host`` (a ``Host`` header).
    Browsers keep cookies per host name, not per port, so two servers on one
    host must not share a name: the second would overwrite the first's."""
    port = urlsplit(f"//{host}").port or 80
    return f"{COOKIE}_{port}"


def _same(presented: str | None, token: str) -> bool:
    # Constant time: the comparison must not tell an attacker how much matched.
    return presented is not None and hmac.compare_digest(presented.encode(), token.encode())


def forbidden() -> web.Response:
    # Nothing else: no page, no hint which rule refused.
    return web.Response(status=403, text="403: Forbidden\n")


def access_guard(
    *, token: str | None, loopback_only: bool
) -> Callable[..., Awaitable[web.StreamResponse]]:
    """The middleware for a server bound to a loopback address only
    (``loopback_only``) and/or requiring ``token``."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if loopback_only and not is_loopback(_host_name(request.host)):
            return forbidden()
        origin = request.headers.get(hdrs.ORIGIN)
        if (
            request.headers.get(hdrs.UPGRADE, "").lower() == "websocket"
            and origin is not None
            and urlsplit(origin).netloc.lower() != request.host.lower()
        ):
            return forbidden()
        if token is None:
            return await handler(request)
        if _same(request.cookies.get(cookie_name(request.host)), token):
            return await handler(request)
        if not _same(request.query.get("token"), token):
            return forbidden()
        if request.method != "GET" or request.path != "/":
            return await handler(request)
        # The first page load: keep the token in a cookie the page's own
        # requests (static files, the websocket) send back, and drop it from
        # the URL.
        query = request.rel_url.query.copy()
        del query["token"]
        response = web.Response(
            status=302, headers={hdrs.LOCATION: str(request.rel_url.with_query(query))}
        )
        response.set_cookie(
            cookie_name(request.host), token, httponly=True, samesite="Strict", path="/"
        )
        return response

    return guard
