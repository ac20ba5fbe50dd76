"""Who may use the studio, and what a page may do, checked on every request before any route runs.

- **Access token** (on any address but the machine's own, or with --require-token): made once with `secrets`,
  kept in DIR/.studio/token (mode 600). Every request, page or API, carries it: `Authorization: Bearer TOKEN`,
  or the HttpOnly SameSite=Strict cookie that a request with `?token=TOKEN` sets (the link printed at start).
- **Host check** (without a token): only the names of this machine (127.0.0.1, localhost, ::1), so that a
  site whose name is pointed at 127.0.0.1 (DNS rebinding) cannot read or drive the studio.
- **Cross-site requests**: a request that changes something (POST, PUT, PATCH, DELETE) must come from the
  studio's own pages: no foreign `Origin` or `Sec-Fetch-Site`, and an `X-CSRF-Token` header equal to the
  token in the page's `<meta name="csrf-token">` (kept in DIR/.studio/csrf). Bearer requests, which a browser
  never sends by itself, need no CSRF token.
- **Headers** on every response: a Content-Security-Policy without inline scripts (`default-src 'self'`),
  `X-Content-Type-Options: nosniff`, no referrer, no framing, no caching of API answers.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN = "token"
CSRF = "csrf"
COOKIE = "subtitler_studio"
LOCAL_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSP = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "media-src 'self' blob:",
    "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
    "frame-ancestors 'none'",
])  # fmt: skip
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def is_local(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.1, ::1, localhost)."""
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def secret(folder: Path, name: str) -> tuple[str, bool]:
    """The secret kept in folder/name (mode 600), made now if there is none: (the secret, made now)."""
    path = folder / name
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        value = path.read_text(encoding="ascii").strip()
        if len(value) >= 32:
            return value, False
        path.unlink()  # empty or cut short (a crash while it was written): a new one
        return secret(folder, name)
    value = secrets.token_urlsafe(32)
    with os.fdopen(handle, "w", encoding="ascii") as out:
        out.write(value + "\n")
        out.flush()
        os.fsync(out.fileno())
    return value, True


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")] if "]" in host_header else host_header
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class Guard:
    """The checks above, as ASGI middleware (it leaves streamed responses and server-sent events as they are)."""

    def __init__(self, app: ASGIApp, token: str | None, csrf: str):
        self.app = app
        self.token = token
        self.csrf = csrf

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path = scope["path"]
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
        from_link = self.token is not None and secrets.compare_digest(dict(query).get(TOKEN, ""), self.token)
        refusal = self._refusal(scope, headers, from_link)
        set_cookie = b""
        if refusal is None and from_link:  # the printed link: a cookie from now on, and the token out of the query
            set_cookie = f"{COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/".encode()
            scope = {**scope, "query_string": urlencode([(k, v) for k, v in query if k != TOKEN]).encode("latin-1")}

        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(HEADERS)
                if path.startswith("/api/") and not any(k == b"cache-control" for k, _ in message.get("headers", [])):
                    extra.append((b"cache-control", b"no-store"))
                if set_cookie:
                    extra.append((b"set-cookie", set_cookie))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        if refusal is not None:
            await self._refuse(guarded, path, *refusal)
            return
        await self.app(scope, receive, guarded)

    def _refusal(self, scope: Scope, headers: Headers, from_link: bool) -> tuple[int, str] | None:
        """(status, why) when the request is refused, else None."""
        bearer = False
        if self.token is None:
            if not is_local(_host_name(headers.get("host", ""))):
                return 403, "This studio answers only on this computer (127.0.0.1): use http://127.0.0.1 in the address."
        else:
            given = headers.get("authorization", "")
            bearer = given.lower().startswith("bearer ") and secrets.compare_digest(given[7:].strip(), self.token)
            cookie = SimpleCookie()
            try:
                cookie.load(headers.get("cookie", ""))
            except Exception:  # a malformed cookie header is no cookie
                cookie = SimpleCookie()
            from_cookie = COOKIE in cookie and secrets.compare_digest(cookie[COOKIE].value, self.token)
            if not (bearer or from_cookie or from_link):
                return 401, "This studio needs its access link: open the address it printed when it started (ending in ?token=…)."
        if scope["method"] in _UNSAFE and not bearer:
            return self._cross_site(scope, headers)
        return None

    def _cross_site(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return 403, "refused: this request came from another site"
        origin = headers.get("origin")
        if origin is not None and origin != f"{scope.get('scheme', 'http')}://{headers.get('host', '')}":
            return 403, "refused: this request came from another site"
        if not secrets.compare_digest(headers.get("x-csrf-token", ""), self.csrf):
            return 403, "refused: the page's security token is missing or old: reload the page"
        return None

    @staticmethod
    async def _refuse(send: Send, path: str, status: int, why: str) -> None:
        if path.startswith("/api/"):
            body, kind = json.dumps({"error": why}).encode(), b"application/json"
        else:
            body, kind = f"<!doctype html><title>Studio</title><p>{why}</p>\n".encode(), b"text/html; charset=utf-8"
        headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
        if status == 401:
            headers.append((b"www-authenticate", b"Bearer"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
