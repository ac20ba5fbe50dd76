"""subtitler: video in, readable subtitles in every language out.

The Python API (`subtitler.api`): `run(source, out, preset, options)` returns the finished Job,
`run_many` a Result per source, `prepare` the checked settings a batch shares, `apply(corrected.srt)` a person's
correction made into every output of its language.
"""

from __future__ import annotations

from typing import Any

from subtitler.version import __version__

__all__ = ["Job", "JobSettings", "Result", "SubtitlerError", "__version__", "apply", "prepare", "run", "run_many"]


def __getattr__(name: str) -> Any:
    """The API is imported on first use, so that `import subtitler.options` stays light."""
    if name in __all__:
        from subtitler import api

        return getattr(api, name)
    raise AttributeError(f"module 'subtitler' has no attribute {name!r}")
