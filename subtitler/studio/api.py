"""The JSON API of the jobs page. Jobs and files are named by id, never by path; every answer is JSON but the
files, the zip and the event stream.

    GET  /api/jobs                           every job, newest first
    GET  /api/jobs/{id}                      one job
    POST /api/jobs/{id}/retry                run it again through the watcher
    GET  /api/jobs/{id}/files                its output files, each with an id; with `groups`, per network preset:
                                             the video's, then each of its copies' for other networks
    GET  /api/jobs/{id}/files/{file_id}      one file (?inline=1 to show it in the page rather than download it)
    GET  /api/jobs/{id}/download.zip         every output file in one zip (a folder per network with copies)
    PUT  /api/uploads/{name}?preset=&to=&burn=&glossary=&also=   a video, as the raw body (`also`: networks to
                                             make copies for, once it is done)
    PUT  /api/glossaries/{name}              a glossary (TOML or CSV), as the raw body: its id
    GET  /api/events                         server-sent events: `jobs` (the whole list, when it changes), and
                                             whatever `Studio.notify` sends
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from subtitler.names import safe_stem
from subtitler.studio import copies, events, files, listing, offer, upload_presets, uploads
from subtitler.studio.state import JobRef, Studio, job_id

log = logging.getLogger(__name__)
_FOLLOW_S = 1.0  # how often the ledger is read for changes while a page listens


def _studio(request: Request) -> Studio:
    studio: Studio = request.app.state.studio
    return studio


def error(status: int, why: str) -> JSONResponse:
    return JSONResponse({"error": why}, status_code=status)


async def _record(request: Request) -> Any:
    try:
        return await run_in_threadpool(_studio(request).record, request.path_params["job_id"])
    except LookupError:
        return None


async def jobs(request: Request) -> Response:
    return JSONResponse({"jobs": await run_in_threadpool(listing.views, _studio(request))})


async def job(request: Request) -> Response:
    found = await _record(request)
    if found is None:
        return error(404, "no such job")
    return JSONResponse(listing.view(_studio(request), *found))


async def retry(request: Request) -> Response:
    studio = _studio(request)
    try:
        await run_in_threadpool(studio.requeue, request.path_params["job_id"])
    except LookupError:
        return error(404, "no such job")
    return JSONResponse({"ok": True}, status_code=202)


def _groups(studio: Studio, ref: JobRef) -> list[tuple[JobRef, list[files.OutputFile]]]:
    """The job's files, then each of its copies' (for other networks), each copy that has a folder."""
    groups = [(ref, files.listing(studio.outbox, ref.folder))]
    for copy in copies.read(studio, ref.id).ids().values():
        try:
            made = studio.resolve(copy)
        except LookupError:
            continue
        groups.append((made, files.listing(studio.outbox, made.folder)))
    return groups


async def job_files(request: Request) -> Response:
    found = await _record(request)
    if found is None:
        return error(404, "no such job")
    studio, ref = _studio(request), found[0]
    groups = await run_in_threadpool(_groups, studio, ref)
    shown = [{"job": made.id, "network": upload_presets.network(studio, made.preset),
              "preset": upload_presets.describe(studio, made.preset), "files": [f.as_json(made.id) for f in listed]}
             for made, listed in groups]  # fmt: skip
    return JSONResponse({"files": shown[0]["files"], "groups": shown, "zip": f"/api/jobs/{ref.id}/download.zip"})


async def job_file(request: Request) -> Response:
    found = await _record(request)
    if found is None:
        return error(404, "no such job")
    try:
        output = await run_in_threadpool(files.find, _studio(request).outbox, found[0].folder, request.path_params["file_id"])
    except LookupError:
        return error(404, "no such file")
    inline = request.query_params.get("inline") == "1"
    return FileResponse(output.path, filename=output.name, content_disposition_type="inline" if inline else "attachment")


async def job_zip(request: Request) -> Response:
    found = await _record(request)
    if found is None:
        return error(404, "no such job")
    studio, ref = _studio(request), found[0]
    groups = [(made, listed) for made, listed in await run_in_threadpool(_groups, studio, ref) if listed]
    if not groups:
        return error(404, "this job has no files yet")
    if len(groups) == 1 and groups[0][0] == ref:
        folders = [(ref.stem, groups[0][1])]
    else:  # the video's files and each copy's, a folder per network: clip/tiktok/, clip/youtube/
        folders = [(f"{ref.stem}/{safe_stem(upload_presets.network(studio, made.preset))}", listed) for made, listed in groups]
    return StreamingResponse(files.zipped(folders), media_type="application/zip",
                             headers=_attachment(f"{ref.stem}.zip"))  # fmt: skip


def _attachment(name: str) -> dict[str, str]:
    """A Content-Disposition for `name`, any characters in it (RFC 6266), as Starlette's FileResponse writes it."""
    quoted = quote(name)
    value = f'attachment; filename="{name}"' if quoted == name else f"attachment; filename*=utf-8''{quoted}"
    return {"content-disposition": value}


async def upload(request: Request) -> Response:
    studio = _studio(request)
    params = request.query_params
    reachable = (await run_in_threadpool(offer.offer, studio.model)).language_codes()
    try:
        choice = upload_presets.parse(studio, params.get("preset", studio.default_preset), params.get("to", ""),
                                      params.get("burn", ""), params.get("glossary", ""), reachable)  # fmt: skip
        also = [name.strip() for name in params.get("also", "").split(",") if name.strip()]
        also = copies.check_networks(studio, choice.preset, list(dict.fromkeys(also)))
    except (upload_presets.ChoiceError, copies.CopyRefused) as exc:
        return error(400, str(exc))
    try:
        final = await uploads.receive_media(request, studio, request.app.state.slots, request.path_params["name"], choice)
    except (uploads.UploadRefused, upload_presets.ChoiceError) as exc:
        log.info("refused %s: %s", request.path_params["name"], exc)
        return error(getattr(exc, "status", 400), str(exc))
    key = final.relative_to(studio.inbox).as_posix()
    log.info("upload  %s%s", key, f" (copies for {', '.join(also)})" if also else "")
    await run_in_threadpool(copies.want, studio, job_id(key), also)
    return JSONResponse({"id": job_id(key), "name": key, "file": final.name, "also": also}, status_code=201)


async def glossary(request: Request) -> Response:
    try:
        glossary_id, terms = await uploads.receive_glossary(request, _studio(request), request.path_params["name"])
    except uploads.UploadRefused as exc:
        return error(exc.status, str(exc))
    return JSONResponse({"id": glossary_id, "terms": terms}, status_code=201)


async def event_stream(request: Request) -> Response:
    studio = _studio(request)
    first = [{"type": "jobs", "jobs": await run_in_threadpool(listing.views, studio)}]
    return StreamingResponse(events.stream(studio.events, first), media_type="text/event-stream",
                             headers={"cache-control": "no-store", "x-accel-buffering": "no"})  # fmt: skip


async def follow_ledger(studio: Studio) -> None:
    """While a page listens: read the jobs every second, send the list when it changed (run as a task)."""
    last: list[dict[str, Any]] | None = None
    while True:
        await asyncio.sleep(_FOLLOW_S)
        if not studio.events.listeners:
            last = None
            continue
        try:
            found = await run_in_threadpool(listing.views, studio)
        except Exception:  # a ledger busy or a folder gone for a moment: the next turn tries again
            log.exception("cannot read the jobs")
            continue
        if found != last:
            studio.notify({"type": "jobs", "jobs": found})
            last = found


async def make_copies(studio: Studio) -> None:
    """Every second: the copies for other networks asked for at upload time, made for the videos done since (run
    as a task; the making itself in a thread)."""
    while True:
        await asyncio.sleep(_FOLLOW_S)
        try:
            await run_in_threadpool(copies.make_wanted, studio)
        except Exception:  # a folder gone for a moment: the next turn tries again
            log.exception("cannot make the copies asked for")


routes = [
    Route("/api/jobs", jobs),
    Route("/api/jobs/{job_id}", job),
    Route("/api/jobs/{job_id}/retry", retry, methods=["POST"]),
    Route("/api/jobs/{job_id}/files", job_files),
    Route("/api/jobs/{job_id}/files/{file_id}", job_file),
    Route("/api/jobs/{job_id}/download.zip", job_zip),
    Route("/api/uploads/{name}", upload, methods=["PUT"]),
    Route("/api/glossaries/{name}", glossary, methods=["PUT"]),
    Route("/api/events", event_stream),
]
