"""Keep finished outputs: a file is redone only when what it was made from has changed (or --force)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def digest(*parts: Any) -> str:
    """A short fingerprint of everything an output was made from."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]  # names may hold any bytes


def previous_digests(job_json: Path) -> dict[str, str]:
    """The digests recorded by the last finished run in this folder (empty if none or unreadable)."""
    try:
        data = json.loads(job_json.read_text(encoding="utf-8"))
        return {key: str(entry["digest"]) for key, entry in data.get("outputs", {}).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
