"""The studio's pages: Jinja2 templates (autoescaped) from `templates/`, laid out by `base.html`, their scripts
and styles from `static/` only. `render(request, name, **context)` is what every page route calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from subtitler.studio import offer, upload_presets, uploads
from subtitler.studio.state import Studio
from subtitler.version import __version__

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

_environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
templates = Jinja2Templates(env=_environment)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """The template `name` with `context`, inside the layout: the page's title, its CSRF token, the navigation.
    Pass `scripts=["editor.js"]` and `styles=["editor.css"]` for the page's own files in static/."""
    studio: Studio = request.app.state.studio
    context.setdefault("title", "Studio")
    context.setdefault("scripts", [])
    context.setdefault("styles", [])
    context.setdefault("page", name.removesuffix(".html"))
    context.update(csrf_token=request.app.state.csrf, version=__version__, root=studio.root)
    return templates.TemplateResponse(request, name, context, status_code=status_code)


async def jobs_page(request: Request) -> Response:
    """`/`: drop videos, choose the network and the languages, follow every job."""
    studio: Studio = request.app.state.studio
    found = await run_in_threadpool(offer.offer, studio.model)
    return render(
        request, "jobs.html", title="Studio: videos and subtitles", scripts=["jobs.js"], offer=found,
        burns=[(upload_presets.AS_PRESET, "as the network's preset says"), (upload_presets.NO_BURN, "nothing"),
               ("spoken", "the spoken language")],
        max_upload_bytes=studio.max_upload_bytes, max_upload_text=uploads.size_text(studio.max_upload_bytes), inbox=studio.inbox,
    )  # fmt: skip
