"""What the editor's routes take from a request, checked at the door (types, finite times, sizes, no control
characters), and the answer to a request they refuse: `Refused`, answered as JSON `{"error": message}`."""

from __future__ import annotations

import json
import math
import unicodedata
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from subtitler import edits, subtitle_reader
from subtitler.errors import EditConflict, SubtitlerError
from subtitler.model import Cue

MAX_BODY_BYTES = 32_000_000  # a request: 20,000 cues with their words fit
MAX_CUES = subtitle_reader.MAX_CUES  # as many as a subtitle file may hold (edits.cues_from_data checks a save)
MAX_LINES = subtitle_reader.MAX_LINES_PER_CUE
MAX_CUE_CHARS = subtitle_reader.MAX_CHARS_PER_CUE
MAX_NOTE_CHARS = 200


class Refused(Exception):
    """A request the editor will not act on: its status and a message for a person."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


async def json_body(request: Request) -> dict[str, Any]:
    """The request's body: a JSON object of at most MAX_BODY_BYTES; Refused otherwise."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
        raise Refused("the request is too large", 413)
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise Refused("the request is too large", 413)
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise Refused("the request must be JSON") from exc
    if not isinstance(data, dict):
        raise Refused("the request must be a JSON object")
    return data


def answered(handler: Any) -> Any:
    """A handler whose refusals are answered as JSON `{"error": message}` with their status."""

    async def answer(request: Request) -> Response:
        try:
            return await handler(request)
        except Refused as refused:
            return JSONResponse({"error": str(refused)}, refused.status)
        except EditConflict as conflict:
            return JSONResponse({"error": str(conflict), "current": conflict.current}, 409)
        except SubtitlerError as exc:
            return JSONResponse({"error": str(exc)}, 422)

    answer.__name__ = handler.__name__
    return answer


def text(value: Any, where: str, limit: int) -> str:
    """One line of text: a string of at most `limit` characters with no control characters (a tab is a space)."""
    if not isinstance(value, str):
        raise Refused(f"{where} must be text")
    if len(value) > limit:
        raise Refused(f"{where} is longer than {limit} characters")
    value = value.replace("\t", " ")
    if any(unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") for char in value):
        raise Refused(f"{where} holds a control character")
    return " ".join(value.split())


def seconds(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Refused(f"{where} must be a number of seconds")
    if not 0 <= value <= edits.MAX_SECONDS:
        raise Refused(f"{where} must be between 0 and {edits.MAX_SECONDS:g} s")
    return float(value)


def cues_to_check(data: Any) -> tuple[Cue, ...]:
    """The cues of a check, in the page's order, text not required yet (a cue just inserted): times and lines,
    checked as a save checks them (`edits.cues_from_data`, which also wants text and sorts)."""
    if not isinstance(data, list) or len(data) > MAX_CUES:
        raise Refused(f"cues must be a list of at most {MAX_CUES}")
    cues = []
    for number, item in enumerate(data, 1):
        if not isinstance(item, dict):
            raise Refused(f"cue {number} must be an object")
        start, end = seconds(item.get("start"), f"cue {number}: start"), seconds(item.get("end"), f"cue {number}: end")
        lines = item.get("lines")
        if not isinstance(lines, list) or len(lines) > MAX_LINES:
            raise Refused(f"cue {number}: lines must be a list of at most {MAX_LINES}")
        shown = tuple(text(line, f"cue {number}: a line", MAX_CUE_CHARS) for line in lines)
        cues.append(Cue(start, max(start, end), tuple(line for line in shown if line)))
    return tuple(cues)


def names(value: Any, where: str, limit: int) -> list[str]:
    """A list of at most `limit` short texts (preset or language names), each once, in the order given."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > limit or not all(isinstance(item, str) for item in value):
        raise Refused(f"{where} must be a list of at most {limit} names")
    return list(dict.fromkeys(text(item, where, 100) for item in value))
