"""The web view (``serve``, the ``web`` extra): textual-serve behind a token and two checks.

Whoever drives the page types into a dashboard that writes broadcasts, which the
hooks put into every agent's context; and any web page the user opens can make
their browser talk to ``127.0.0.1``. So, as Jupyter does, every request must
carry a secret token, random per start and printed as a URL: the first visit
with ``?token=…`` sets a cookie (``HttpOnly``, ``SameSite=Lax``) and is
redirected to the bare address, so the token stays out of the history. On top
of the token, the ``Host`` header must name loopback or the public URL (a page
that rebinds its own DNS name to ``127.0.0.1`` sends its own name), and an
``Origin``, when sent — always on a WebSocket — must be this server's. Anything
else is answered ``403`` and nothing more: no page, no file, no socket.

The checks are an aiohttp middleware added to textual-serve's own application
(``GuardedServer._make_app``), so they hold for every route it has (the page,
``/ws``, ``/static``, ``/download``) and for any it adds later.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlencode, urlsplit

from coordinator_tui.render.sanitize import display

if TYPE_CHECKING:
    from aiohttp import web

TOKEN_PARAMETER = "token"
COOKIE_PREFIX = "coordinator-tui-"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
REFUSED = "403: Forbidden\n"
DEFAULT_PORTS = {"http": 80, "https": 443}
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}
"""Sent with every page and file: no other site may frame the dashboard (and click in
it), and no address leaves in a Referer."""


class WebExtraMissing(ImportError):
    """textual-serve is not installed (``pip install 'coordinator-tui[web]'``)."""


def default_public_url(host: str, port: int) -> str:
    """The address browsers use when none is given (textual-serve's own rule)."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    if port == 80:
        return f"http://{shown}"
    if port == 443:
        return f"https://{shown}"
    return f"http://{shown}:{port}"


def _authorities(scheme: str, name: str, port: int) -> set[str]:
    """``Host`` values naming ``name`` on ``port``: with the port, and without it when it
    is the scheme's default (browsers leave it out then)."""
    found = {f"{name}:{port}"}
    if DEFAULT_PORTS.get(scheme) == port:
        found.add(name)
    return found


@dataclass(frozen=True)
class Access:
    """Who may use the server: the token, and the hosts and origins it answers to."""

    token: str
    port: int
    public_url: str
    hosts: frozenset[str]
    origins: frozenset[str]
    public_hosts: frozenset[str]
    """The hosts of the public URL (a cookie set through an ``https`` one is ``Secure``)."""

    @property
    def cookie(self) -> str:
        """The cookie's name: one per port, since cookies do not tell ports apart."""
        return f"{COOKIE_PREFIX}{self.port}"

    @property
    def login_url(self) -> str:
        """The address to open first (the only place the token is shown)."""
        return f"{self.public_url.rstrip('/')}/?{urlencode({TOKEN_PARAMETER: self.token})}"

    def _has_token(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def refusal(
        self,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        cookies: Mapping[str, str],
    ) -> str | None:
        """Why a request is refused, or None: it names an allowed host, comes from an
        allowed origin (a WebSocket must say), and carries the token or the cookie."""
        host = headers.get("Host", "").lower()
        if host not in self.hosts:
            return f"Host {host!r} is neither loopback nor the public URL"
        origin = headers.get("Origin")
        socket = headers.get("Upgrade", "").lower() == "websocket"
        if origin is None and socket:
            return "a WebSocket without an Origin"
        if origin is not None and origin.lower() not in self.origins:
            return f"Origin {origin!r} is not this server"
        if not (
            self._has_token(query.get(TOKEN_PARAMETER)) or self._has_token(cookies.get(self.cookie))
        ):
            return "no token"
        return None

    def logs_in(self, query: Mapping[str, str]) -> bool:
        """Whether this request brings the token in its address (to set the cookie)."""
        return self._has_token(query.get(TOKEN_PARAMETER))


def access_for(port: int, public_url: str, token: str | None = None) -> Access:
    """The access rules for a server on ``port`` that browsers reach at ``public_url``
    (and at loopback); a fresh random token unless one is given."""
    parts = urlsplit(public_url)
    scheme = parts.scheme.lower()
    hosts: set[str] = set()
    origins: set[str] = set()
    for name in LOOPBACK_NAMES:
        hosts |= _authorities("http", name, port)
        origins |= {f"http://{authority}" for authority in _authorities("http", name, port)}
    public_hosts: set[str] = set()
    if parts.hostname:
        name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        public_port = parts.port or DEFAULT_PORTS.get(scheme, port)
        public_hosts = _authorities(scheme, name.lower(), public_port)
        hosts |= public_hosts
        # Browsers send an origin without its default port.
        origins.add(f"{scheme}://{min(public_hosts, key=len)}")
    return Access(
        token=token or secrets.token_urlsafe(32),
        port=port,
        public_url=public_url,
        hosts=frozenset(hosts),
        origins=frozenset(origins),
        public_hosts=frozenset(public_hosts),
    )


Handler = Callable[["web.Request"], Awaitable["web.StreamResponse"]]


def guard(access: Access, log: TextIO | None = None) -> Any:
    """The aiohttp middleware that enforces ``access`` on every request."""
    from aiohttp import web

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        why = access.refusal(request.headers, request.query, request.cookies)
        if why is not None:
            if log is not None:
                print(
                    f"coordinator-tui serve: refused {display(request.method)} "
                    f"{display(request.path, 80)}: {display(why, 120)}",
                    file=log,
                    flush=True,
                )
            return web.Response(status=403, text=REFUSED, headers=PAGE_HEADERS)
        if access.logs_in(request.query) and request.method == "GET" and request.path == "/":
            rest = [(key, value) for key, value in request.query.items() if key != TOKEN_PARAMETER]
            location = "/" + (f"?{urlencode(rest)}" if rest else "")
            response: web.StreamResponse = web.Response(status=302, headers={"Location": location})
            secure = urlsplit(access.public_url).scheme == "https" and (
                request.headers.get("Host", "").lower() in access.public_hosts
            )
            response.set_cookie(
                access.cookie, access.token, path="/", httponly=True, samesite="Lax", secure=secure
            )
        else:
            response = await handler(request)
        if not response.prepared:
            response.headers.update(PAGE_HEADERS)
        return response

    return check


def guarded_server(
    command: str, host: str, port: int, access: Access, out: TextIO = sys.stdout
) -> Any:
    """A textual-serve ``Server`` for ``command`` with ``guard`` on every route, which
    prints the login URL when it starts instead of textual-serve's banner."""
    try:
        from textual_serve.server import Server
    except ImportError as error:
        raise WebExtraMissing(str(error)) from None

    class GuardedServer(Server):
        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(guard(access, sys.stderr))
            return app

        async def on_startup(self, app: web.Application) -> None:
            # Called before the socket listens: the URL is printed once it answers.
            self._announcing = asyncio.get_running_loop().create_task(self._announce())

        async def _announce(self) -> None:
            probe = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host
            for _attempt in range(200):
                try:
                    _reader, writer = await asyncio.open_connection(probe, port)
                except OSError:
                    await asyncio.sleep(0.05)
                    continue
                writer.close()
                break
            print(f"coordinator-tui serve: open {access.login_url}", file=out, flush=True)
            print("  (the token changes at each start; press Ctrl+C to stop)", file=out, flush=True)

    return GuardedServer(
        command, host=host, port=port, title="coordinator-tui", public_url=access.public_url
    )


def serve_dashboard(command: str, host: str, port: int, access: Access) -> None:
    """Serve ``command`` (the dashboard's shell command) to browsers until interrupted."""
    guarded_server(command, host, port, access).serve()
