"""A video's own glossary, added to in the editor: `glossary.toml` in its output folder (the glossary's TOML
format), read by every later run and publish of that video, and followed by its copies for other networks."""

from __future__ import annotations

import unicodedata
from typing import Any

from subtitler import glossary
from subtitler.edits import write_job_glossary
from subtitler.studio.opened import Opened
from subtitler.studio.requests import Refused, text

MAX_TERMS, MAX_TERM_CHARS = 500, 100


def glossary_terms(opened: Opened) -> list[glossary.Term]:
    path = opened.folder / glossary.JOB_FILE
    return list(glossary.load(path).terms) if path.is_file() else []


def add_term(opened: Opened, given: Any) -> list[glossary.Term]:
    """The term (one word or a few, punctuation around it left out) added to the video's glossary: its terms."""
    term = text(given, "the term", MAX_TERM_CHARS).strip(".,;:!?¿¡\"'«»“”‘’()[]{}")
    if not term or all(unicodedata.category(char)[0] in "PSZ" for char in term):
        raise Refused("the term must hold a word")
    terms = glossary_terms(opened)
    if any(t.text == term for t in terms):
        return terms
    if len(terms) >= MAX_TERMS:
        raise Refused(f"the glossary holds {MAX_TERMS} terms already")
    terms.append(glossary.Term(term))
    write_job_glossary(opened.folder, terms)
    return terms
