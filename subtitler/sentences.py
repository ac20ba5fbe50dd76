"""Sentences for translation, and translated text timed back onto the speech (pure).

Subtitles are translated a sentence at a time, not a cue at a time: a cue often holds half a
sentence, and half a sentence translates badly. The translation of a sentence is then spread
over the sentence's speech in proportion to its characters, anchored on the source words, so
that `make_cues` can cut it into cues under the same rules as the source language.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from subtitler.lines import SENTENCE_END
from subtitler.model import Sentence, Word

# Languages written without spaces between words: a translation into them is cut between characters.
UNSPACED = frozenset({"zh", "yue", "ja", "th", "lo", "my", "bo"})
_CLOSERS = "\"'”’»›)]}」』）】"
_CLAUSE_END = frozenset(",;:—–、，；：")
_EDGE = 0.05  # seconds: how far outside a sentence's span a source word may start or end and still anchor it


def split_sentences(words: Sequence[Word], max_pause: float, max_chars: int) -> tuple[Sentence, ...]:
    """The words (as `clean_words` returns them) grouped into sentences.

    A sentence ends at sentence-final punctuation, at a pause longer than `max_pause` (no cue
    spans one either), or, when it runs past `max_chars`, after its last clause mark (or word).
    """
    sentences: list[Sentence] = []
    group: list[Word] = []

    def close(upto: int) -> None:
        chunk, rest = group[:upto], group[upto:]
        sentences.append(Sentence(chunk[0].start, chunk[-1].end, "".join(w.text for w in chunk).strip()))
        group[:] = rest

    for word in words:
        if group and word.start - group[-1].end > max_pause:
            close(len(group))
        group.append(word)
        mark = word.text.rstrip(_CLOSERS)[-1:]
        if mark in SENTENCE_END:
            close(len(group))
        elif sum(len(w.text) for w in group) > max_chars:
            clause = [k + 1 for k, w in enumerate(group[:-1]) if w.text.rstrip(_CLOSERS)[-1:] in _CLAUSE_END]
            close(clause[-1] if clause else len(group))
    if group:
        close(len(group))
    return tuple(sentences)


def target_words(text: str, language: str) -> list[str]:
    """A translation as words the way Whisper writes them: " word", or one character each without spaces."""
    if language in UNSPACED:
        return [char for char in "".join(text.split())]
    return [" " + word for word in text.split()]


def anchors_for(sentence: Sentence, words: Sequence[Word]) -> list[Word]:
    """The source words spoken within the sentence's span (`words` sorted by start)."""
    first = bisect.bisect_left([w.start for w in words], sentence.start - _EDGE)
    found = []
    for word in words[first:]:
        if word.start > sentence.end + _EDGE:
            break
        if word.end <= sentence.end + _EDGE:
            found.append(word)
    return found


def spread(sentence: Sentence, anchors: Sequence[Word], language: str) -> list[Word]:
    """The sentence's text as timed words: the n-th share of its characters is spoken when the n-th
    share of the source's characters was. Without anchors the span is shared out evenly."""
    pieces = target_words(sentence.text, language)
    if not pieces:
        return []
    if not anchors:
        anchors = [Word(sentence.start, max(sentence.end, sentence.start + 0.01), "x")]
    lengths = [max(1, len(w.text.strip())) for w in anchors]
    edges = [0]
    for length in lengths:
        edges.append(edges[-1] + length)
    total_source = edges[-1]
    total_target = sum(max(1, len(p.strip())) for p in pieces)

    def time_at(position: float, leaving: bool) -> float:
        """Time at a share of the source characters; at a word boundary, the end of the word
        before (`leaving`) or the start of the next one, so that a pause stays a pause."""
        k = bisect.bisect_right(edges, position) - 1
        if leaving and k > 0 and position == edges[k]:
            k -= 1
        k = min(max(k, 0), len(anchors) - 1)
        word = anchors[k]
        share = (position - edges[k]) / lengths[k]
        return word.start + min(max(share, 0.0), 1.0) * (word.end - word.start)

    timed = []
    done = 0
    for piece in pieces:
        begin = done * total_source / total_target
        done += max(1, len(piece.strip()))
        finish = done * total_source / total_target
        timed.append(Word(time_at(begin, leaving=False), time_at(finish, leaving=True), piece))
    return timed


def timed_words(sentences: Sequence[Sentence], source_words: Sequence[Word], language: str) -> list[Word]:
    """Every translated sentence as timed words, in order, ready for `make_cues`."""
    ordered = sorted(source_words, key=lambda w: w.start)
    words: list[Word] = []
    for sentence in sentences:
        words.extend(spread(sentence, anchors_for(sentence, ordered), language))
    return words
