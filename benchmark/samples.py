"""Which samples should Whisper hear? The WER of subtitler's whole default pipeline on each clip of `peers.py`,
fed the same audio decoded four ways:

- "float32": PyAV's resampler straight to float32 (what subtitler gave Whisper before 2026-11-28), where a
  decoded MP3 can go past full scale (dosparlants.mp3 peaks at 1.48);
- "16-bit": subtitler's `media.decode_audio`, the resampler to 16-bit integers, clipped at full scale, then
  divided by 32768: the same, bit for bit, as faster-whisper's own `decode_audio` (whisper-ctranslate2's samples);
- "float32 clipped": float32 clipped at full scale but not rounded to 16 bits, and "float32 rounded": rounded
  to 16-bit steps but not clipped (which of the two differences matters).

Everything else is the preset's (the default one unless --preset), in this process (the model loaded once), the
clip's language forced, as `peers.py` runs it; WER after `run.py`'s normalisation, from `<stem>.json`'s segments
as `peers.py` reads them, and pooled (every clip's errors over every clip's reference words). Beside them, the
peer's own words (whisper-ctranslate2's batched call, in this process: `peer_text`) and whether they are
subtitler's; and whether `media.decode_audio` gives exactly faster-whisper's samples.

    SUBTITLER_HOME=/tmp/subhome .venv/bin/python benchmark/samples.py          # the clips of peers.py, 2 minutes
    SUBTITLER_HOME=/tmp/subhome .venv/bin/python benchmark/samples.py --all    # every clip with a reference
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
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


def float32_samples(path: Path) -> np.ndarray:
    """The first audio stream, mono at 16 kHz, from PyAV's resampler straight to float32 (not clipped)."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=media.SAMPLE_RATE)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        frames = [out.to_ndarray().reshape(-1) for frame in container.decode(stream) for out in resampler.resample(frame)]
    return np.concatenate(frames + [out.to_ndarray().reshape(-1) for out in resampler.resample(None)])


SUBTITLER = "16-bit (subtitler, the peer)"
DECODERS: dict[str, Callable[[Path], np.ndarray]] = {
    SUBTITLER: lambda path: media.decode_audio(path),
    "float32": float32_samples,
    "float32 clipped": lambda path: np.clip(float32_samples(path), -1.0, 1.0),
    "float32 rounded": lambda path: np.round(float32_samples(path) * 32768.0) / 32768.0,
}


def pipeline_text(path: Path, language: str, samples: np.ndarray, out: Path, preset: str) -> tuple[str, float]:
    """The default pipeline on `path` with `samples` as its audio: the segments' text as peers.py reads it, and
    the seconds the run took."""
    decode = media.decode_audio
    media.decode_audio = lambda *args, **kwargs: samples  # type: ignore[assignment]  # what the extract_audio stage gets
    try:
        started = time.perf_counter()
        subtitler.run(path, out, preset, options={"transcribe": {"language": language},
                                                  "output": {"mux": False, "formats": ["json"]}})  # fmt: skip
        seconds = time.perf_counter() - started
    finally:
        media.decode_audio = decode  # type: ignore[assignment]
    data = json.loads((out / path.stem / f"{path.stem}.json").read_text(encoding="utf-8"))
    return "".join(s["text"] for s in data["segments"]), seconds


def peer_text(path: Path, language: str) -> str:
    """whisper-ctranslate2 --batched True --vad_filter True --word_timestamps False, in this process: faster-whisper's
    batched decoding of its own samples, its VAD defaults, beam 5, the model built as subtitler builds it."""
    from faster_whisper import BatchedInferencePipeline

    from subtitler import model_store
    from subtitler.adapters import whisper

    model = whisper.load_model(str(model_store.resolve_auto("cpu", None).path), "cpu", "int8", whisper.resolve_threads(0))
    segments, _ = BatchedInferencePipeline(model).transcribe(peer_decode(str(path)), language=language, beam_size=5,
                                                             vad_filter=True, vad_parameters={})  # fmt: skip
    return "".join(segment.text for segment in segments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="every clip with a reference, short ones too")
    parser.add_argument("--preset", default="default", help="subtitler's preset (name or FILE.toml)")
    args = parser.parse_args()
    # edge/ holds no speech, formats/ one reading in every format, with no language to force
    clips = [c for c in find_clips(0.0) if c.audio.parent.name not in ("edge", "formats")] if args.all else find_clips()
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
                text, seconds = pipeline_text(
                    clip.audio, clip.language, samples, Path(work) / f"{clip.audio.stem}-{number}", args.preset
                )
                measures = jiwer.process_words(reference, normalise(text))
                row["wer"][name] = measures.wer
                row["errors"][name] = measures.substitutions + measures.deletions + measures.insertions
                row["seconds"][name], row["peak"][name], row["texts"][name] = seconds, float(np.abs(samples).max()), text
            peer = peer_text(clip.audio, clip.language)
            measures = jiwer.process_words(reference, normalise(peer))
            row["peer"] = {"wer": measures.wer, "errors": measures.substitutions + measures.deletions + measures.insertions,
                           "text": peer, "same_words": normalise(peer) == normalise(row["texts"][SUBTITLER])}  # fmt: skip
            print(f"{clip.name}: " + ", ".join(f"{n} {w:.1%}" for n, w in row["wer"].items()) + f", peer {measures.wer:.1%}",
                  file=sys.stderr)  # fmt: skip
            rows.append(row)
    words = sum(r["reference_words"] for r in rows)
    pooled = {name: sum(r["errors"][name] for r in rows) / words for name in DECODERS}
    pooled["the peer"] = sum(r["peer"]["errors"] for r in rows) / words
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"versions": versions(), "clips": rows, "pooled_wer": pooled}, indent=2,
                                  ensure_ascii=False) + "\n", encoding="utf-8")  # fmt: skip
    names = list(DECODERS)
    print("| clip | peak level (float32) | " + " | ".join(f"WER, {n}" for n in names)
          + " | WER, the peer | the peer's words | decode_audio = the peer's |")  # fmt: skip
    print("|---|---:|" + "---:|" * (len(names) + 1) + "---|---|")
    for r in rows:
        cells = " | ".join(f"{r['wer'][n]:.1%}" for n in names)
        same = "the same" if r["peer"]["same_words"] else "differ"
        print(f"| {r['clip']} | {r['peak']['float32']:.2f} | {cells} | {r['peer']['wer']:.1%} | {same} | "
              f"{'yes' if r['decode_audio_is_the_peers'] else 'no'} |")  # fmt: skip
    print(f"| pooled ({words} words) | | " + " | ".join(f"{pooled[n]:.1%}" for n in [*names, "the peer"]) + " | | |")
    print(f"raw numbers: {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
