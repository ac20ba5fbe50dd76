"""Stage: `<stem>.review.json` and `<stem>.review.html`, the cues that break the rules and the unsure words."""

from __future__ import annotations

import json
import logging
import os

from subtitler import placement, report_html
from subtitler.digests import cues_digest
from subtitler.formats.json import translation_from_json, untranslated_from_json
from subtitler.job import Job
from subtitler.outputs import write_text
from subtitler.reuse import digest
from subtitler.review import REPORT_VERSION, review

log = logging.getLogger(__name__)


def video_for_page(job: Job) -> str | None:
    """The video the page plays, relative to the job folder: the soft-subtitled copy, else the source.

    None for audio-only inputs, and when the media is unknown."""
    subtitled = job.files.get("subtitled")
    if subtitled is not None:
        return os.path.relpath(subtitled, job.folder)
    if job.media is None or not job.media.has_video:
        return None
    try:
        return os.path.relpath(job.source.absolute(), job.folder.absolute())
    except ValueError:  # on another Windows drive: no relative path leads there
        return str(job.source.absolute())


def untranslated(job: Job) -> dict[str, list[tuple[float, float, tuple[str, ...]]]]:
    """Per translated language, each sentence's span and the words its engine left untranslated, read from the
    translation file (`<stem>.<lang>.json`); none for a language a person corrected, whose cues are theirs."""
    found = {}
    for language in job.cues:
        path = job.files.get(f"translation:{language}")
        if path is None or language in job.edited:
            continue
        try:
            text = path.read_text(encoding="utf-8")
            sentences = translation_from_json(text).sentences
            missed = untranslated_from_json(text)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("%s: cannot read the untranslated words of %s (%s)", job.stem, path.name, exc)
            continue
        found[language] = [(s.start, s.end, words) for s, words in zip(sentences, missed, strict=False) if words]
    return found


class Review:
    name = "review"

    def run(self, job: Job) -> Job:
        options = job.options.review
        if not options.report or job.silent:
            return job
        json_path = job.output(f"{job.stem}.review.json")
        html_path = job.output(f"{job.stem}.review.html")
        moved = placement.moved(job)  # the burned cues moved clear of faces and text
        left = untranslated(job)  # words the engines left untranslated, per translated language
        json_from = digest(cues_digest(job), options, job.options.cues, REPORT_VERSION, moved, left)
        video = video_for_page(job)
        html_from = digest(json_from, video, REPORT_VERSION, report_html.page_digest())
        kept_json = job.keeps("review:json", json_path, json_from)
        kept_html = job.keeps("review:html", html_path, html_from)
        if not (kept_json and kept_html):
            report = review(job.cues, job.options.cues, options.unsure_below, job.dropped, moved, left)
            if not kept_json:
                write_text(json_path, json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
            if not kept_html:
                write_text(html_path, report_html.render(report, job.stem, video))
            for language, part in report["languages"].items():
                counts = part["counts"]
                broken = ", ".join(f"{report['rules'][rule]}: {count}" for rule, count in part["summary"].items() if count)
                log.info(
                    "%s: %s: %d of %d cues break a rule%s, %d unsure words",
                    job.stem, language, counts["with_problems"], counts["cues"], f" ({broken})" if broken else "",
                    counts["unsure_words"],
                )  # fmt: skip
        job = job.with_file("review:json", json_path, json_from)
        return job.with_file("review:html", html_path, html_from)
