"""Where lines and cues break, and how many cues read too fast, on real speech: this code against an earlier copy.

Every clip of ../shared/data/audio with speech is transcribed once with the Whisper base model (language
forced, the default preset's decoding; BFM TV from 29 s) and the transcript cached as JSON in `--cache`
(the system's temporary folder by default); then the cues of the default, linkedin and tiktok presets are
made from it twice: by the cue code given with `--before` (a folder holding a copy of an earlier `cues.py`
and `lines.py`) and by this checkout's. Both are judged by this checkout's grammar
(`subtitler/grammar/<language>.toml`): a line or a cue that ends on a word binding to the next one (an
article, a preposition, a conjunction, a subject pronoun or a clitic before its verb, an auxiliary, a
negation particle, a number before its unit).

    mkdir -p /tmp/before && for f in cues lines; do git show 5965fc6:subtitler/$f.py > /tmp/before/$f.py; done
    .venv/bin/python benchmark/line_breaks.py --before /tmp/before

Prints two Markdown tables (line and cue ends; cues breaking the reading speed on fast speech, default
and broadcast presets) and, with `--show`, each bad end in context.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import sys
import tempfile
import types
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from subtitler import cues as cues_now  # noqa: E402
from subtitler import grammar, model_store  # noqa: E402
from subtitler.formats.json import transcript_from_json, transcript_to_json  # noqa: E402
from subtitler.model import Cue, Transcript, Word  # noqa: E402
from subtitler.options import CueOptions, load_options  # noqa: E402

AUDIO = REPO.parent / "shared" / "data" / "audio"
# (file under AUDIO, language, first second): every clip with speech; the same speech only once.
CLIPS = [
    ("en/jfk.flac", "en", 0.0),
    ("en/one_two_three.wav", "en", 0.0),
    ("en/mr_quilter.wav", "en", 0.0),
    ("en/three_speakers.wav", "en", 0.0),
    ("en/stereo_two_speakers.wav", "en", 0.0),
    ("en/hotwords_comfyui.mp3", "en", 0.0),
    ("en/apollo11_radio_89s.mp3", "en", 0.0),
    ("en/sonnet001_librivox.mp3", "en", 0.0),
    ("mixed/mit_license_en_de.mp3", "en", 0.0),
    ("fr/dictee_numero_un.aiff", "fr", 0.0),
    ("fr/sous_le_consulat.wav", "fr", 0.0),
    ("fr/bonjour.wav", "fr", 0.0),
    ("fr/bonjour_vous_allez_bien.mp3", "fr", 0.0),
    ("fr/radio_bfmtv_120s.mp3", "fr", 29.0),  # the first 29 s are an ad soundtrack with little speech
    ("de/leichenhalle.wav", "de", 0.0),
    ("de/gaenswein15.mp3", "de", 0.0),
    ("es/las_arenas.wav", "es", 0.0),
    ("it/sempre_alla_radio.wav", "it", 0.0),
    ("pt/uma_raposa_velha.wav", "pt", 0.0),
    ("ca/dosparlants.mp3", "ca", 0.0),
    ("ja/kyakkanteki.wav", "ja", 0.0),
    ("ko/geuneun.wav", "ko", 0.0),
    ("zh/za_ziji_de_jiao.flac", "zh", 0.0),
]
LAYOUTS = ["default", "linkedin", "tiktok"]  # 42, 32 and 20 characters a line
FAST = [  # the fastest speech here: characters a second over the whole clip, pauses included
    "fr/radio_bfmtv_120s.mp3",  # 14.4, 21.5 while speaking
    "ca/dosparlants.mp3",  # 13.5, 20.3
    "mixed/mit_license_en_de.mp3",  # 14.6, 18.5
    "en/stereo_two_speakers.wav",  # 22.7
    "en/mr_quilter.wav",  # 17.5
]

MakeCues = Callable[[Sequence[Word], CueOptions, float | None, str], tuple[Cue, ...]]


def transcripts(cache: Path) -> list[tuple[str, Transcript]]:
    """Each clip's transcript, from the cache, else transcribed now (and cached)."""
    cache.mkdir(parents=True, exist_ok=True)
    found = []
    for name, language, start in CLIPS:
        path = cache / (name.replace("/", "__") + f".{language}.{start:g}.json")
        if not path.is_file():
            path.write_text(transcript_to_json(transcribe(AUDIO / name, language, start), {}), encoding="utf-8")
        found.append((name, transcript_from_json(path.read_text(encoding="utf-8"))[0]))
    return found


def transcribe(clip: Path, language: str, start: float) -> Transcript:
    from subtitler.adapters import media, whisper

    options = dataclasses.replace(load_options().transcribe, language=language)
    audio = media.decode_audio(clip)[int(start * media.SAMPLE_RATE) :]
    print(f"transcribing {clip.name} ({language}) ...", file=sys.stderr)
    return whisper.transcribe(model_store.resolve("base").path, audio, options)


def load_before(folder: Path) -> MakeCues:
    """`make_cues` of the copies of cues.py and lines.py in `folder`, as modules of their own."""
    lines = _module("_before_lines", (folder / "lines.py").read_text(encoding="utf-8"))
    source = (folder / "cues.py").read_text(encoding="utf-8").replace("from subtitler.lines import", "from _before_lines import")
    sys.modules["_before_lines"] = lines
    return _module("_before_cues", source).make_cues  # type: ignore[no-any-return]


def _module(name: str, source: str) -> types.ModuleType:
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # a copy of this project's own code
    return module


@dataclasses.dataclass
class Ends:
    """Line ends inside cues, and cue ends, and how many of each end on a word binding to the next one."""

    breaks: int = 0
    bad_breaks: int = 0
    cue_ends: int = 0
    bad_cue_ends: int = 0
    cue_ends_at_punctuation: int = 0  # after a sentence or a clause: "." "?" "," ";"...
    cues: int = 0
    too_fast: int = 0
    shown: list[str] = dataclasses.field(default_factory=list)

    def lines(self) -> tuple[int, int]:
        return self.breaks + self.cue_ends, self.bad_breaks + self.bad_cue_ends


def judge(name: str, cues: Sequence[Cue], language: str, ends: Ends) -> None:
    """Count the line and cue ends of one transcript's cues, by the grammar of its language."""
    rules = grammar.for_language(language)
    lines = [(k, line) for k, cue in enumerate(cues) for line in cue.lines]
    for n, (k, line) in enumerate(lines[:-1]):
        following = lines[n + 1][1].split()
        last = line.split()[-1]
        bad = rules.binds(last, following[0] if following else "")
        cue_end = lines[n + 1][0] != k
        if cue_end:
            ends.cue_ends += 1
            ends.bad_cue_ends += bad
            ends.cue_ends_at_punctuation += line.rstrip(CLOSERS)[-1] in PUNCTUATION
        else:
            ends.breaks += 1
            ends.bad_breaks += bad
        if bad:
            ends.shown.append(f"{name}: {line[-40:]} {'|' if cue_end else '/'} {lines[n + 1][1][:30]}")


CLOSERS = "\"'”’»›)]}"
PUNCTUATION = set(".?!…,;:—–")


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.1%})" if whole else "0/0"


def too_fast(cues: Sequence[Cue], options: CueOptions) -> int:
    return sum(any(p.rule is cues_now.Rule.READING_SPEED for p in cues_now.cue_violations(c, options)) for c in cues)


def cps(cue: Cue) -> float:
    return sum(len(line) for line in cue.lines) / cue.duration


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="a folder with an earlier cues.py and lines.py")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "subtitler-line-breaks")
    parser.add_argument("--show", action="store_true", help="print every bad end")
    args = parser.parse_args()
    versions: list[tuple[str, MakeCues]] = [("before", load_before(args.before)), ("after", cues_now.make_cues)]
    clips = transcripts(args.cache)
    default, broadcast = load_options().cues, load_options(preset="broadcast").cues

    print("| preset | cues made by | line breaks inside cues | cue ends | all line ends | cue ends after punctuation |", end="")
    print(" cues over max_cps |\n|---|---|---:|---:|---:|---:|---:|")
    for preset in LAYOUTS:
        options = load_options(preset=preset).cues
        for label, make in versions:
            ends = Ends()
            for name, transcript in clips:
                words = list(transcript.words)
                made = make(words, options, transcript.duration, transcript.language)
                judge(name, made, transcript.language, ends)
                ends.cues += len(made)
                ends.too_fast += too_fast(made, options)
            lines, bad = ends.lines()
            cells = [preset, label, share(ends.bad_breaks, ends.breaks), share(ends.bad_cue_ends, ends.cue_ends)]
            cells += [share(bad, lines), share(ends.cue_ends_at_punctuation, ends.cue_ends), share(ends.too_fast, ends.cues)]
            print("| " + " | ".join(cells) + " |")
            if args.show:
                print("\n".join(f"{preset} {label} {line}" for line in ends.shown), file=sys.stderr)

    print("\n| clip | default preset: cues over max_cps before | after | broadcast preset: before | after |")
    print("|---|---:|---:|---:|---:|")
    by_name = dict(clips)
    over: list[list[float]] = [[] for _ in range(4)]  # characters a second of each cue over max_cps
    counts = [0] * 4
    for name in FAST:
        transcript = by_name[name]
        cells = []
        for options in (default, broadcast):
            for _, make in versions:
                made = make(list(transcript.words), options, transcript.duration, transcript.language)
                fast = [cps(c) for c in made if cps(c) > options.max_cps + 1e-6]
                over[len(cells)] += fast
                counts[len(cells)] += len(made)
                cells.append(share(len(fast), len(made)))
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("| all | " + " | ".join(share(len(fast), count) for fast, count in zip(over, counts, strict=True)) + " |")
    print("| their mean characters a second | " + " | ".join(f"{sum(f) / max(1, len(f)):.1f}" for f in over) + " |")


if __name__ == "__main__":
    main()
