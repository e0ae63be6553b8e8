"""Request guards of the web app, as one ASGI middleware.

- **Token.** Off loopback a token is required on every request: ``Authorization:
  Bearer TOKEN``, the ``tt_token`` cookie, or ``?token=TOKEN`` once (which sets
  the cookie and redirects to the same address without it).
- **Host.** On loopback the ``Host`` header must name the loopback host, so a
  page elsewhere cannot reach the server through DNS rebinding.
- **Size.** A request body over ``MAX_BODY`` bytes is refused with 413, whether
  it announces its length or not.
- **Cross-site writes.** Forms carry a CSRF token that must equal the
  ``tt_csrf`` cookie (SameSite=Strict); API writes must be JSON and, when the
  browser says where they come from (``Origin``), come from this site.
- **Headers.** A Content-Security-Policy that allows scripts, styles and data
  from this server only, and no framing.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY = 1 << 20  # 1 MiB: a batch of 1,000 queries fits many times over
CSRF_COOKIE = "tt_csrf"
TOKEN_COOKIE = "tt_token"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
WRITE_PREFIXES = ("/api/findings/", "/api/matches/", "/api/cases/")


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def csrf_ok(request: Request, value: str) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    return bool(cookie) and hmac.compare_digest(cookie, value or "")


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _host_only(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Guard:
    def __init__(self, app: ASGIApp, token: str | None = None, loopback: bool = True) -> None:
        self.app = app
        self.token = token
        self.loopback = loopback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        path = scope.get("path", "")
        if self.loopback and _host_only(headers.get("host", "")) not in LOOPBACK_HOSTS:
            await _refuse(send, 421, "this server answers to its loopback address only (Host header refused)")
            return
        if self.token:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            given = query.get("token")
            if given is not None and hmac.compare_digest(given, self.token):
                rest = urlencode(
                    [(k, v) for k, v in parse_qsl(scope["query_string"].decode()) if k != "token"]
                )
                await _redirect_with_cookie(send, path + (f"?{rest}" if rest else ""), self.token)
                return
            if not self._authorised(headers):
                await _refuse(
                    send, 401, "a token is required: Authorization: Bearer TOKEN, or open ?token=TOKEN once"
                )
                return
        if scope.get("method") == "POST":
            origin = headers.get("origin")
            if origin and _host_only(origin.split("://", 1)[-1]) != _host_only(headers.get("host", "")):
                await _refuse(send, 403, f"cross-site request refused (Origin {origin})")
                return
            kind = headers.get("content-type", "").split(";")[0].strip()
            if (path.startswith(WRITE_PREFIXES) or path == "/api/match") and kind != "application/json":
                await _refuse(send, 415, "send JSON (Content-Type: application/json)")
                return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            await _refuse(send, 413, f"request body over {MAX_BODY:,} bytes")
            return
        if length is None and scope.get("method") in ("POST", "PUT", "PATCH"):
            # a body without a length: read it here, within the bound, and hand it on
            chunks, size = [], 0
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    break
                size += len(message.get("body", b""))
                if size > MAX_BODY:
                    await _refuse(send, 413, f"request body over {MAX_BODY:,} bytes")
                    return
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    break
            body, sent = b"".join(chunks), False

            async def replay() -> Message:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            receive = replay

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (
                        b"referrer-policy",
                        b"same-origin",
                    ),  # "no-referrer" makes browsers send Origin: null on forms
                    (b"x-frame-options", b"DENY"),
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)

    def _authorised(self, headers: dict[str, str]) -> bool:
        assert self.token is not None
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip(), self.token):
            return True
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:
            return False
        given = cookie.get(TOKEN_COOKIE)
        return given is not None and hmac.compare_digest(given.value, self.token)


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _redirect_with_cookie(send: Send, location: str, token: str) -> None:
    cookie = f"{TOKEN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode()),
                (b"set-cookie", cookie.encode()),
                (b"content-length", b"0"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})
