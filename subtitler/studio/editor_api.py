"""The editor's routes: a job's cues by language, corrected, checked against the preset's rules as they are typed,
drawn on a frame exactly as they will be burned, and published (the job run again, and its copies for other
networks with it: every output of the corrected languages made from the correction, nothing transcribed).

Every route names a job by its id (`Studio.resolve`), never a path, and every field of a request is checked where
it enters (requests.py): types, finite times, a start before its end, at most `MAX_CUES` cues of at most
`MAX_CUE_CHARS` characters, language codes through `languages.normalize`, presets by name only. A copy of a video
for another network (copies.py) is not corrected by itself: its routes send the person to the video's editor.

    GET  /jobs/{id}                          the editor page
    GET  /api/jobs/{id}/video                the video to play (the soft-subtitled copy, else the source), by ranges
    GET  /api/jobs/{id}/cues/{lang}          {"language", "version", "edited", "cues", "rules", "unsure_below", "fps", "style"}
    PUT  /api/jobs/{id}/cues/{lang}          {"base", "cues"} -> {"version"}; 409 {"current"} when someone saved since
    POST /api/jobs/{id}/check                {"cues"} -> {"cues": [[problem, ...], ...]}: the pipeline's rules, gaps too
    GET  /api/jobs/{id}/frame?lang=&t=       PNG: the frame at t with the saved cues burned by the job's style
    GET  /api/jobs/{id}/still?preset=&lang=&t=   PNG: the same, styled by another preset (how it would look there)
    POST /api/jobs/{id}/publish              {"languages", "retranslate", "presets"} -> 202: the job and its copies
                                             (and a new copy for each of `presets`) run again through the watcher;
                                             progress through Studio.notify (events of type "publish", publish.py)
    GET  /api/jobs/{id}/publish              where the last publish is
    GET  /api/jobs/{id}/glossary             {"terms"}
    POST /api/jobs/{id}/glossary             {"term"} -> {"terms"}: the job's own glossary, glossary.toml in its folder
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from subtitler import edits, languages
from subtitler.edits import EditStore
from subtitler.sentences import UNSPACED
from subtitler.studio import copies, publish, upload_presets
from subtitler.studio.frames import draw_frame, known_presets, preset_options, style_json
from subtitler.studio.job_cues import RULE_LABELS, check_cues, cue_json, current_cues, source_sentences
from subtitler.studio.job_glossary import add_term, glossary_terms
from subtitler.studio.opened import Opened, language_of, open_id
from subtitler.studio.pages import render
from subtitler.studio.requests import MAX_NOTE_CHARS, Refused, answered, cues_to_check, json_body, names, text
from subtitler.studio.state import Studio

PLAYABLE = (".mp4", ".m4v", ".mov", ".webm")  # what a browser plays; another soft copy (MKV) leaves the source


def _studio(request: Request) -> Studio:
    studio: Studio = request.app.state.studio
    return studio


def _open(request: Request) -> Opened:
    """The finished job the path names, not a copy of another video; Refused (404, 409) otherwise."""
    studio = _studio(request)
    job = str(request.path_params["job_id"])
    first = copies.first_of(studio, job)
    if first is not None:
        try:
            name = studio.resolve(first[0]).name
        except LookupError:
            name = "its video"
        raise Refused(f"this is the {first[1]} copy of {name}: correct {name}, publishing it makes this copy again", 409)
    return open_id(studio, job)


async def editor_page(request: Request) -> Response:
    """The editor of one job; a page that says why when the job is unknown, not finished yet, or a copy."""
    page: dict[str, Any] = {"scripts": ["editor.js"], "styles": ["editor.css"]}
    studio = _studio(request)
    try:
        ref = studio.resolve(str(request.path_params["job_id"]))
    except LookupError:
        return render(request, "editor.html", 404, ref=None, ready=False, reason="There is no such video in the studio.",
                      title="Studio: not found", **page)  # fmt: skip
    title = f"Studio: correct {ref.name}"
    first = await run_in_threadpool(copies.first_of, studio, ref.id)
    try:
        opened = await run_in_threadpool(_open, request)
    except Refused as refused:
        return render(request, "editor.html", ref=ref, ready=False, reason=str(refused).capitalize() + ".", title=title,
                      first=first[0] if first else "", **page)  # fmt: skip
    if not opened.languages:
        return render(request, "editor.html", ref=ref, ready=False, title=title, **page,
                      reason="This video has no subtitles to correct: no speech was found in it.")  # fmt: skip
    names = {code: languages.get(code).name for code in opened.languages}
    spoken = opened.record.get("language") or ""
    made = await run_in_threadpool(copies.read, studio, ref.id)
    offered = await run_in_threadpool(copies.offered, studio, ref.preset)
    return render(request, "editor.html", ref=ref, ready=True, languages=names, presets=sorted(known_presets()), spoken=spoken,
                  preset=_preset_name(opened.options.preset), networks=offered, copies=sorted(made.made), title=title,
                  network=upload_presets.network(studio, ref.preset),
                  **page)  # fmt: skip


def _preset_name(preset: str) -> str:
    """The job's preset as the still's menu names it: a preset file made for an upload extends a network's preset."""
    return preset if preset in known_presets() else Path(preset).stem


async def video(request: Request) -> Response:
    opened = await run_in_threadpool(_open, request)
    soft = opened.file("subtitled")
    path = soft if soft is not None and soft.suffix.lower() in PLAYABLE else Path(opened.ref.source)
    if not path.is_file():
        raise Refused("the video is gone", 404)
    return FileResponse(path, filename=None, headers={"Cache-Control": "no-cache"})


def _cues_answer(opened: Opened, language: str) -> dict[str, Any]:
    version, cues = current_cues(opened, language)
    sources = source_sentences(opened, language, cues)
    return {
        "language": language,
        "version": version,
        "edited": version is not None,
        "cues": [cue_json(cue, source) for cue, source in zip(cues, sources, strict=True)],
        "problems": check_cues(cues, opened.options),
        "rules": dataclasses.asdict(opened.options.cues),
        "labels": RULE_LABELS,
        "unsure_below": opened.options.review.unsure_below,
        "fps": opened.fps,
        "duration": opened.media.duration,
        "spaced": language not in UNSPACED,
        "style": style_json(opened, opened.options),
    }


async def get_cues(request: Request) -> Response:
    opened = await run_in_threadpool(_open, request)
    language = language_of(opened, request.path_params["lang"])
    return JSONResponse(await run_in_threadpool(_cues_answer, opened, language))


async def put_cues(request: Request) -> Response:
    opened = await run_in_threadpool(_open, request)
    language = language_of(opened, request.path_params["lang"])
    body = await json_body(request)
    base = body.get("base")
    if base is not None and (isinstance(base, bool) or not isinstance(base, int) or base < 0):
        raise Refused("base must be the version the edit started from, or null")
    note = text(body.get("note", ""), "the note", MAX_NOTE_CHARS)
    return JSONResponse({"version": await run_in_threadpool(_save, opened, language, body.get("cues"), base, note)})


def _save(opened: Opened, language: str, data: Any, base: int | None, note: str) -> int:
    cues = edits.cues_from_data(data, language)  # every value checked, as a version file is read
    return EditStore(opened.folder).save(language, cues, base, note)


async def check(request: Request) -> Response:
    opened = await run_in_threadpool(_open, request)
    body = await json_body(request)
    cues = cues_to_check(body.get("cues"))
    return JSONResponse({"cues": check_cues(cues, opened.options), "labels": RULE_LABELS})


def _moment(opened: Opened, value: Any) -> float:
    try:
        at = float(value)
    except (TypeError, ValueError):
        at = math.nan
    if not (math.isfinite(at) and 0 <= at < opened.media.duration):
        raise Refused(f"t must be a time in the video, from 0 to {opened.media.duration:.3f} s")
    return at


async def _png(request: Request, preset: str | None) -> Response:
    opened = await run_in_threadpool(_open, request)
    language = language_of(opened, request.query_params.get("lang"))
    at = _moment(opened, request.query_params.get("t"))
    options = opened.options if preset is None else preset_options(opened, preset)
    _, cues = await run_in_threadpool(current_cues, opened, language)
    png = await run_in_threadpool(draw_frame, opened, options, cues, language, at)
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


async def frame(request: Request) -> Response:
    return await _png(request, None)


async def still(request: Request) -> Response:
    return await _png(request, request.query_params.get("preset"))


async def post_publish(request: Request) -> Response:
    studio = _studio(request)
    opened = await run_in_threadpool(_open, request)
    if str(opened.ref.state) in ("waiting", "queued", "running"):
        raise Refused("this video is being subtitled now: publish once it is done", 409)
    body = await json_body(request)
    given = body.get("languages")
    edited = await run_in_threadpool(EditStore(opened.folder).languages)
    if given is None:
        codes = [code for code in opened.languages if code in edited]
    elif isinstance(given, list) and len(given) <= len(opened.languages):
        codes = list(dict.fromkeys(language_of(opened, code) for code in given))
    else:
        raise Refused("languages must be a list of this video's languages")
    retranslate = body.get("retranslate", False)
    if not isinstance(retranslate, bool):
        raise Refused("retranslate must be true or false")
    try:
        networks = copies.check_networks(studio, opened.ref.preset, names(body.get("presets"), "presets", copies.MAX_COPIES))
    except copies.CopyRefused as exc:
        raise Refused(str(exc)) from exc
    if not codes and not networks:
        raise Refused("nothing to publish: no language has been corrected")
    spoken = opened.languages[0] if opened.languages else ""
    if retranslate:  # the other languages translated again from the spoken language's correction
        if spoken not in codes:
            raise Refused("to translate the other languages again, correct the spoken language first")
        await run_in_threadpool(EditStore(opened.folder).ask_retranslation, spoken)
    return JSONResponse(await run_in_threadpool(publish.start, studio, opened, codes, networks), 202)


async def publish_state(request: Request) -> Response:
    opened = await run_in_threadpool(_open, request)
    return JSONResponse(publish.state_of(str(opened.ref.id)))


async def get_glossary(request: Request) -> Response:
    opened = await run_in_threadpool(_open, request)
    return JSONResponse({"terms": [t.text for t in await run_in_threadpool(glossary_terms, opened)]})


async def post_glossary(request: Request) -> Response:
    opened = await run_in_threadpool(_open, request)
    body = await json_body(request)
    terms = await run_in_threadpool(add_term, opened, body.get("term"))
    return JSONResponse({"terms": [t.text for t in terms]})


routes = [
    Route("/jobs/{job_id}", editor_page, methods=["GET"]),
    Route("/api/jobs/{job_id}/video", answered(video), methods=["GET", "HEAD"]),
    Route("/api/jobs/{job_id}/cues/{lang}", answered(get_cues), methods=["GET"]),
    Route("/api/jobs/{job_id}/cues/{lang}", answered(put_cues), methods=["PUT"]),
    Route("/api/jobs/{job_id}/check", answered(check), methods=["POST"]),
    Route("/api/jobs/{job_id}/frame", answered(frame), methods=["GET"]),
    Route("/api/jobs/{job_id}/still", answered(still), methods=["GET"]),
    Route("/api/jobs/{job_id}/publish", answered(post_publish), methods=["POST"]),
    Route("/api/jobs/{job_id}/publish", answered(publish_state), methods=["GET"]),
    Route("/api/jobs/{job_id}/glossary", answered(get_glossary), methods=["GET"]),
    Route("/api/jobs/{job_id}/glossary", answered(post_glossary), methods=["POST"]),
]
