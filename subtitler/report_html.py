"""A review report -> one self-contained HTML page: the video with the cues drawn over it, and the cue list.

The page is three files in `subtitler/pages/` (review.html, .css, .js); render() puts the CSS, the JS and the
report (as JSON) inline, so the only outside file is the video. Subtitle text only ever reaches the page as
escaped JSON, and the script puts it in the DOM as text, never as markup.
"""

from __future__ import annotations

import functools
import hashlib
import html
import importlib.resources
import json
import os
import re
import urllib.parse
from pathlib import PurePath
from typing import Any

from subtitler import languages

__all__ = ["json_for_script", "page_digest", "render", "video_url"]

_MARKER = re.compile(r"@(STYLE|SCRIPT|TITLE|PLAYER|NAMES|REPORT)@")  # where render() puts its parts in review.html
# What would end the page's own inline <style> or <script> block early, or bend how the parser reads it.
_BLOCK_ENDS = {"review.css": ("</style",), "review.js": ("</script", "<!--")}
# Inside <script>, "</script" and "<!--" change how the HTML parser reads what follows: with every "<" (and,
# for good measure, ">" and "&") written as a JSON escape, no subtitle text can end or bend the block.
# U+2028 and U+2029 are escaped too, so the same text is also safe pasted into a JS string.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_for_script(data: Any) -> str:
    """`data` as JSON that can sit inside <script type="application/json"> whatever its strings hold."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return "".join(_SCRIPT_ESCAPES.get(c, c) for c in text)


def video_url(video: str) -> str:
    """A file path (relative to the page, or absolute) as a URL: "talk #1.mp4" -> "talk%20%231.mp4"."""
    if os.path.isabs(video):
        return "file://" + urllib.parse.quote(os.fsencode(video))
    return urllib.parse.quote(os.fsencode(PurePath(video).as_posix()))  # the name's own bytes, whatever they are


def _language_names(report: dict[str, Any]) -> dict[str, str]:
    names = {}
    for code in report.get("languages", {}):
        try:
            names[code] = languages.get(code).native
        except ValueError:
            names[code] = code
    return names


@functools.cache
def _page_files() -> dict[str, str]:
    """The page's HTML, CSS and JS, as shipped in the package; the CSS and JS checked to be safe inline."""
    folder = importlib.resources.files("subtitler") / "pages"
    files = {name: (folder / name).read_text(encoding="utf-8") for name in ("review.html", "review.css", "review.js")}
    for name, ends in _BLOCK_ENDS.items():
        found = [end for end in ends if end in files[name].lower()]
        if found:
            raise ValueError(f"subtitler/pages/{name} holds {found[0]!r}, which would end its inline block")
    return files


def page_digest() -> str:
    """A fingerprint of the page's files, so a page made by an older version is made again."""
    files = _page_files()
    return hashlib.sha256("\0".join(files[name] for name in sorted(files)).encode()).hexdigest()[:16]


def render(report: dict[str, Any], title: str, video: str | None) -> str:
    """The page for `report` (from `review.review`); `video` is a path relative to the page, or None."""
    if video is None:
        player = '<p class="no-video">No video for this input (audio only): click a cue to see it below.</p>'
    else:
        player = f'<video id="video" controls preload="metadata" src="{html.escape(video_url(video), quote=True)}"></video>'
    files = _page_files()
    parts = {
        "STYLE": files["review.css"],
        "SCRIPT": files["review.js"],
        "TITLE": html.escape(title),
        "PLAYER": player,
        "NAMES": json_for_script(_language_names(report)),
        "REPORT": json_for_script(report),
    }
    # One pass, so a marker inside a title or a subtitle is left as it is.
    return _MARKER.sub(lambda found: parts[found.group(1)], files["review.html"])
