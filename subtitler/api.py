"""subtitler from Python: run files through the whole pipeline with a preset and options, get the jobs back.

    import subtitler

    job = subtitler.run("talk.mp4", "out/", preset="youtube", options={"translate": {"to": ["es"]}})
    job.transcript.language           # "en"
    job.files["srt:es"]               # Path("out/talk/talk.es.srt")
    job.cues["es"][0].lines           # ("Hola a todos,",)

`options` holds values by preset table, as a preset file writes them (`presets/default.toml`
lists every key); they override the preset's. Everything is checked before any work: a bad value,
a missing model or a language no installed engine reaches raises a `SubtitlerError` (with the
reason as its message). The library never prints and never configures logging.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from subtitler.errors import SubtitlerError
from subtitler.inputs import name_outputs
from subtitler.job import Job, JobSettings, Result
from subtitler.outputs import ensure_folder, folder_lock
from subtitler.pipeline import run_batch
from subtitler.settings import job_settings
from subtitler.stages import build_stages

Options = Mapping[str, Mapping[str, Any]]


def prepare(preset: str = "default", options: Options | None = None, force: bool = False) -> JobSettings:
    """The settings a batch shares, checked now; give them to `run` or `run_many` to check them once."""
    return job_settings(preset, {table: dict(values) for table, values in (options or {}).items()}, force)


def run_many(
    sources: Iterable[str | Path],
    out: str | Path,
    preset: str = "default",
    options: Options | None = None,
    force: bool = False,
    settings: JobSettings | None = None,
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Every source into `out/<its name>/`, the model loaded once; a source that fails is reported in its
    Result (`ok`, `error`) and the others go on."""
    settings = settings or prepare(preset, options, force)
    folder = ensure_folder(Path(out))
    jobs = [Job.of(i.source, folder / i.stem, i.stem, settings) for i in name_outputs([Path(s) for s in sources])]
    with folder_lock(folder):  # one run at a time writes into an output folder
        return run_batch(jobs, build_stages(settings.options), on_result)


def run(
    source: str | Path,
    out: str | Path,
    preset: str = "default",
    options: Options | None = None,
    force: bool = False,
    settings: JobSettings | None = None,
) -> Job:
    """One source into `out/<its name>/`: the finished Job (its transcript, cues per language and files);
    SubtitlerError with the reason when it fails."""
    result = run_many([source], out, preset, options, force, settings)[0]
    if not result.ok or result.job is None:
        raise SubtitlerError(f"{source}: {result.error}")
    return result.job
