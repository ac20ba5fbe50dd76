"""Output names that are safe on every file system, and paths shown as text (pure).

A source's name can hold anything a file system allows: bytes that are not UTF-8 (Python gives
them as lone surrogates), a leading dot, `..`, characters Windows and SMB shares refuse, or 250
bytes. The name of its output folder and files keeps what it can and never escapes the output
folder, never hides, and stays short enough for every suffix the outputs add.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import unicodedata
from pathlib import Path

MAX_STEM_BYTES = 100  # the longest output name adds ".partial-<pid>", a language and ".burned.mp4": far under 255
_REFUSED = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')  # control characters, and what Windows and SMB refuse
_FALLBACK = "input"


def shown(value: str | os.PathLike[str]) -> str:
    """A name or path as text that can be printed and written as UTF-8: bytes that are not UTF-8 as \\xNN."""
    raw = os.fsencode(value)
    return raw.decode("utf-8", "backslashreplace")


def printable(value: object) -> object:
    """`value` with every string in it `shown` and every infinite or NaN number as None (the true peak of
    digital silence is -inf dB): a record that JSON and UTF-8 can hold."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable(v) for v in value]
    return value


def _shortened(text: str, original: str) -> str:
    """`text` cut to MAX_STEM_BYTES of UTF-8 on a character boundary, with a short hash of the original name."""
    tag = "-" + hashlib.sha256(os.fsencode(original)).hexdigest()[:8]
    room = MAX_STEM_BYTES - len(tag)
    cut = text.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .")
    return cut + tag


def safe_stem(name: str) -> str:
    """An output stem for a source named `name` (its stem, without the extension)."""
    text = unicodedata.normalize("NFC", shown(name))
    text = _REFUSED.sub("_", text).strip().strip(".").strip()  # no hidden names, no "." or "..", no trailing dots
    if not text:
        return _FALLBACK
    if len(text.encode("utf-8")) > MAX_STEM_BYTES:
        return _shortened(text, name)
    return text


def is_inside(root: Path, path: Path) -> bool:
    """True when `path`, its links resolved, lies inside `root` (resolved too)."""
    base = root.resolve()
    target = path.resolve()
    return target != base and base in target.parents
