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

A language that cannot be made for one file (its spoken language, known only once detected, has no
route to it, or an engine fails on it) costs only that language's outputs, and the burned copy if it
was the burned language: everything else is written, and the job's `problems` name what is missing
(`{"translation:de": "no engine here translates ...", "burned:de": "no de subtitles to burn"}`), as
does job.json's `problems`. `run_many` gives such a file a `Result` with `ok` and `partial` true.

A person's corrections are kept beside the machine's subtitles, as versions (`subtitler.edits.EditStore`), and
every output of a corrected language is made from them, by every later run too:

    job = subtitler.apply("out/talk/talk.en.srt")              # a corrected file: saved, its outputs made again
    job = subtitler.apply("out/talk", "es")                     # the corrections saved in the store, applied
    job = subtitler.apply("out/talk/talk.en.srt", retranslate=True)   # the other languages from the corrected English
    job.edited                                                  # {"en": 3}: the version each language was made from
    job = subtitler.apply("out/talk/talk.en.srt", also=["youtube"])   # and a copy for YouTube in out/talk/youtube/
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from subtitler import edits
from subtitler.edits import EditStore, Recorded, discard_others, language_code, locate, recorded, save_correction
from subtitler.errors import SubtitlerError, UsageError
from subtitler.inputs import name_outputs
from subtitler.job import Job, JobSettings, Result
from subtitler.model import Cue
from subtitler.names import shown
from subtitler.options import for_picture, load_options
from subtitler.outputs import ensure_folder, folder_lock
from subtitler.pipeline import run_batch
from subtitler.settings import job_settings
from subtitler.stages import build_stages
from subtitler.stages.edited import read_cues
from subtitler.watch.watcher import watcher_pid

log = logging.getLogger(__name__)

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
    Result (`ok` false, `error`) and the others go on. A Result that is `ok` and `partial` ran to its end
    without some outputs: `problems` (output key -> why) names them, everything else was written."""
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
    SubtitlerError with the reason when it fails. A job that ran to its end is returned even when some
    outputs could not be made: `job.problems` names them (empty when everything was made)."""
    result = run_many([source], out, preset, options, force, settings)[0]
    if not result.ok or result.job is None:
        raise SubtitlerError(f"{source}: {result.error}")
    return result.job


def apply(
    folder_or_srt: str | Path,
    language: str | None = None,
    cues: Sequence[Cue] | None = None,
    retranslate: bool = False,
    *,
    out: str | Path | None = None,
    retranslate_edited: bool = False,
    lenient: bool = False,
    note: str = "",
    also: Sequence[str] = (),
    on_copy: Callable[[str, Job], None] | None = None,
) -> Job:
    """Every output of a language made again from a person's correction, without transcribing; the finished Job.

    `folder_or_srt` is a corrected subtitle file (SRT, VTT or ASS: `OUT/<stem>/<stem>.<lang>.srt` as `run` wrote it,
    or a file named so anywhere, with `out`), read strictly (`lenient`: malformed cues skipped), or a job folder
    (`OUT/<stem>/`) with `language`. The file's cues, or `cues`, are saved as the newest version of the language's
    corrections: taken as made from the subtitles the job's outputs show (job.json's `edited`), so that when another
    version was saved since, EditConflict says so instead of setting it aside unseen (`EditStore.save` checks against
    the version an edit started from). Given a folder and no cues, the corrections already saved are applied (none:
    the machine's subtitles). The job then runs again from its job.json (its source, preset and options): the
    transcript and the other languages' outputs are kept; the language's SRT, VTT, ASS and TXT, the soft-subtitled
    copy, its burned copy and the review report are made from the correction. `retranslate`: when the spoken
    language was corrected, the other languages are translated again from the corrected sentences, and follow the
    correction from then on; a language a person corrected keeps its correction unless `retranslate_edited` (then
    set aside, its history kept).

    `also`: presets (names or files) to make a copy of the job for, each in `OUT/<stem>/<preset>/`, made again by
    every later apply (the copies noted in `edits/copies.json`): the same transcript and translations (nothing
    transcribed), each correction followed (`edits.follow_corrections`: as it is where the preset cuts cues as the
    job's does, else its words cut again by the preset's rules), each preset's own layout, style, outputs and review;
    burned where the preset burns. `on_copy(preset, job)` is called with each copy made.
    SubtitlerError with the reason when it cannot be applied or the job fails."""
    path = Path(folder_or_srt)
    if not path.exists():
        raise UsageError(f"{shown(path)}: no such job folder or subtitle file")
    if path.is_dir():
        if not language:
            raise UsageError(f"{shown(path)}: give the language of the corrections to apply")
        folder, code = path, language_code(language)
    else:
        folder, code = locate(path, Path(out) if out is not None else None, language)
        cues = read_cues(path, code, lenient) if cues is None else cues
        note = note or f"from {path.name}"
    record = recorded(folder)
    if code not in record.languages:
        made = ", ".join(record.languages) or "no language"
        raise UsageError(f"{shown(folder)} has subtitles in {made}, not in {code}: `subtitler run --to {code}` adds them")
    copies = _copies(folder, record, also)  # every preset checked before any work
    settings = job_settings(record.preset, record.overrides())
    options = dataclasses.replace(settings.options, retranslate=retranslate or retranslate_edited)
    settings = dataclasses.replace(settings, options=options)
    if watcher_pid(folder.parent):
        raise UsageError(f"a watcher is writing into {shown(folder.parent)}: stop it first")
    with folder_lock(folder.parent):  # one run at a time writes into an output folder
        if cues is not None:
            shown_version = recorded(folder).edited.get(code, 0)  # read again: a run may have ended since
            version = save_correction(folder, record.stem, code, cues, note, shown_version=shown_version)
            log.info("%s: your %s corrections saved as version %d", record.stem, code, version)
        if options.retranslate:
            if record.language not in EditStore(folder).languages():
                log.info("%s: nothing to translate again: the %s subtitles were not corrected", record.stem, record.language)
            elif retranslate_edited:
                keep = [record.language or "", code]
                for dropped in discard_others(folder, keep, "set aside to translate again from the corrected speech"):
                    log.info("%s: your %s corrections set aside (kept as history): translated again", record.stem, dropped)
        job = Job.of(record.source, folder, record.stem, settings)
        result = run_batch([job], build_stages(options))[0]
        if not result.ok or result.job is None:
            raise SubtitlerError(f"{shown(record.source)}: {result.error}")
        for preset in copies:
            copy_job = _make_copy(recorded(folder), preset, options.retranslate)
            if on_copy is not None:
                on_copy(preset, copy_job)
    return result.job


def _copies(folder: Path, record: Recorded, also: Sequence[str]) -> list[str]:
    """The presets to make copies for: those made before (`edits.copy_folders`), then those asked now, each loaded
    (a bad preset fails before any work); a file by its full path, so a later apply finds it anywhere."""
    wanted = list(edits.copy_folders(folder))
    for given in also:
        preset = str(Path(given).resolve()) if given.endswith(".toml") or "/" in given else given
        load_options(preset)
        if preset == record.preset:
            raise UsageError(f"{shown(folder)} is made with the {given} preset already: --also names another preset")
        if preset not in wanted:
            wanted.append(preset)
    return wanted


def _make_copy(record: Recorded, preset: str, retranslate: bool) -> Job:
    """The copy of the job for `preset`, in its folder in the job's: heard and translated as the job was, its
    corrections following the job's, made (again) by the preset."""
    name = edits.add_copy_folder(record.folder, preset)
    copy = record.folder / name
    tables = record.overrides()
    burn = edits.copy_burn(str(tables.get("output", {}).get("burn") or ""), load_options(preset).output.burn)
    given = {"transcribe": tables.get("transcribe", {}), "translate": tables.get("translate", {}), "output": {"burn": burn}}
    settings = job_settings(preset, given)
    settings = dataclasses.replace(settings, options=dataclasses.replace(settings.options, retranslate=retranslate))
    rules = for_picture(settings.options, record.portrait).cues
    same = dataclasses.asdict(rules) == record.options.get("cues")
    if edits.seed_copy(record.folder, record.stem, copy, record.stem):
        log.info("%s: a copy for %s in %s, from the same transcript", record.stem, shown(preset), shown(copy))
    spoken = record.language or ""
    for followed in edits.follow_corrections(record.folder, copy, None if same else rules, record.duration, spoken,
                                             record.folder.name):  # fmt: skip
        if followed.kept:
            log.warning("%s: kept the %s corrections saved in the %s copy itself (version %d): not replaced by the job's",
                        record.stem, followed.language, name, followed.version)  # fmt: skip
        elif followed.changed:
            cut = " (cut again by its rules)" if followed.recut else ""
            log.info("%s: the %s copy follows your %s corrections%s", record.stem, name, followed.language, cut)
    result = run_batch([Job.of(record.source, copy, record.stem, settings)], build_stages(settings.options))[0]
    if not result.ok or result.job is None:
        raise SubtitlerError(f"{shown(record.source)}, the copy for {shown(preset)}: {result.error}")
    return result.job
