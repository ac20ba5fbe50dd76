"""The studio's Starlette app: the pages, the API, the editor's routes, the static files, behind the guard."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from subtitler.studio import api, editor_api, pages, security, uploads
from subtitler.studio.state import Studio


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    why = {404: "not found", 405: "method not allowed"}.get(status, "the studio could not answer this request")
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": why}, status_code=status)
    return PlainTextResponse(f"Studio: {why}.", status_code=status)


def create_app(studio: Studio, token: str | None) -> Starlette:
    """The app for `studio`; with `token`, every request must carry it (see security.py)."""
    csrf, _ = security.secret(studio.private, security.CSRF)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        followers = [asyncio.create_task(api.follow_ledger(studio)), asyncio.create_task(api.make_copies(studio))]
        try:
            yield
        finally:
            studio.close()
            for follower in followers:
                follower.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await follower

    routes: list[BaseRoute] = [Route("/", pages.jobs_page, name="jobs"), *api.routes, *editor_api.routes,
                               Mount("/static", StaticFiles(directory=pages.STATIC), name="static")]  # fmt: skip
    app = Starlette(routes=routes, middleware=[Middleware(security.Guard, token=token, csrf=csrf)], lifespan=lifespan,
                    exception_handlers={HTTPException: _http_error, 500: _http_error})  # fmt: skip
    app.state.studio = studio
    app.state.csrf = csrf
    app.state.slots = uploads.Slots(studio.max_uploads)
    return app
