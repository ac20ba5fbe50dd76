"""Which samples should Whisper hear? The WER of subtitler's whole default pipeline on each clip of `peers.py`,
fed the same audio decoded four ways:

- "float32": subtitler's `media.decode_audio`, PyAV's resampler straight to float32, where a decoded MP3 can go
  past full scale (dosparlants.mp3 peaks at 1.48);
- "16-bit, as the peer": faster-whisper's own `decode_audio` (whisper-ctranslate2's samples): the resampler to
  16-bit integers, clipped at full scale, then divided by 32768;
- "float32 clipped": the first, clipped at full scale but not rounded to 16 bits, and "float32 rounded": rounded
  to 16-bit steps but not clipped (which of the two differences matters).

Everything else is subtitler's defaults, in this process (the model loaded once), the clip's language forced, as
`peers.py` runs it; WER after `run.py`'s normalisation, from `<stem>.json`'s segments as `peers.py` reads them,
and pooled (every clip's errors over every clip's reference words). It also says whether `media.decode_audio`
gives exactly faster-whisper's samples.

    SUBTITLER_HOME=/tmp/subhome .venv/bin/python benchmark/samples.py     # about a minute on 2 cores
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import jiwer  # noqa: E402
from faster_whisper.audio import decode_audio as peer_decode  # noqa: E402

import subtitler  # noqa: E402
from benchmark.peers import find_clips, reference_text  # noqa: E402
from benchmark.run import normalise, versions  # noqa: E402
from subtitler.adapters import media  # noqa: E402

RESULTS = REPO / "benchmark" / "results" / "samples.json"


DECODERS: dict[str, Callable[[Path], np.ndarray]] = {
    "float32": lambda path: media.decode_audio(path),
    "16-bit, as the peer": lambda path: peer_decode(str(path)),
    "float32 clipped": lambda path: np.clip(media.decode_audio(path), -1.0, 1.0),
    "float32 rounded": lambda path: np.round(media.decode_audio(path) * 32768.0) / 32768.0,
}


def pipeline_text(path: Path, language: str, samples: np.ndarray, out: Path) -> tuple[str, float]:
    """The default pipeline on `path` with `samples` as its audio: the segments' text as peers.py reads it, and
    the seconds the run took."""
    decode = media.decode_audio
    media.decode_audio = lambda *args, **kwargs: samples  # type: ignore[assignment]  # what the extract_audio stage gets
    try:
        started = time.perf_counter()
        subtitler.run(path, out, options={"transcribe": {"language": language},
                                          "output": {"mux": False, "formats": ["json"]}})  # fmt: skip
        seconds = time.perf_counter() - started
    finally:
        media.decode_audio = decode  # type: ignore[assignment]
    data = json.loads((out / path.stem / f"{path.stem}.json").read_text(encoding="utf-8"))
    return "".join(s["text"] for s in data["segments"]), seconds


def main() -> None:
    clips = find_clips()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="subtitler-samples-") as work:
        for clip in clips:
            reference = normalise(reference_text(clip.reference))
            mine = media.decode_audio(clip.audio, None, clip.duration)
            row: dict = {"clip": clip.name, "language": clip.language, "reference_kind": clip.reference_kind,
                         "reference_words": len(reference.split()),
                         "decode_audio_is_the_peers": bool(np.array_equal(mine, peer_decode(str(clip.audio)))),
                         "wer": {}, "errors": {}, "seconds": {}, "peak": {}, "texts": {}}  # fmt: skip
            for number, (name, decoder) in enumerate(DECODERS.items()):
                samples = decoder(clip.audio)
                text, seconds = pipeline_text(clip.audio, clip.language, samples, Path(work) / f"{clip.audio.stem}-{number}")
                measures = jiwer.process_words(reference, normalise(text))
                row["wer"][name] = measures.wer
                row["errors"][name] = measures.substitutions + measures.deletions + measures.insertions
                row["seconds"][name], row["peak"][name], row["texts"][name] = seconds, float(np.abs(samples).max()), text
            print(f"{clip.name}: " + ", ".join(f"{n} {w:.1%}" for n, w in row["wer"].items()), file=sys.stderr)
            rows.append(row)
    words = sum(r["reference_words"] for r in rows)
    pooled = {name: sum(r["errors"][name] for r in rows) / words for name in DECODERS}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"versions": versions(), "clips": rows, "pooled_wer": pooled}, indent=2,
                                  ensure_ascii=False) + "\n", encoding="utf-8")  # fmt: skip
    names = list(DECODERS)
    print("| clip | peak level (float32) | " + " | ".join(f"WER, {n}" for n in names) + " | decode_audio = the peer's |")
    print("|---|---:|" + "---:|" * len(names) + "---|")
    for r in rows:
        cells = " | ".join(f"{r['wer'][n]:.1%}" for n in names)
        print(f"| {r['clip']} | {r['peak']['float32']:.2f} | {cells} | {'yes' if r['decode_audio_is_the_peers'] else 'no'} |")
    print(f"| pooled ({words} words) | | " + " | ".join(f"{pooled[n]:.1%}" for n in names) + " | |")
    print(f"raw numbers: {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
