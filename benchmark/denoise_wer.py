"""Does denoising the audio that Whisper hears lower the word error rate? Real clips, the real base model.

Clips: two noisy real recordings, the clean sonnet as a control, and two real readings with stationary
noise mixed in (ffmpeg's anoisesrc, fixed seed), the case a spectral denoiser is made for.
For each clip, the audio is decoded as the pipeline decodes it (`media.decode_audio`: float32, 16 kHz,
mono), and again from a WAV that ffmpeg wrote through each denoiser (float samples, the clip's own rate),
decoded the same way; both go through `adapters.whisper.transcribe` with the default preset's options.

    SUBTITLER_HOME=/tmp/subhome .venv/bin/python benchmark/denoise_wer.py [--filter FILTER ...]

References: the sonnet's is the exact text read (a clean control). The two radio clips' are Whisper
outputs kept by linto-ai/whisper-timestamped (large for Apollo 11, medium with French forced for BFM TV):
approximate, with their own errors, so a WER against them is a distance to a bigger model, good for
comparing two runs of the base model, not an absolute error rate. The plain audio is transcribed twice,
to show how much the numbers move between identical runs (Whisper's temperature fallback samples).

Prints a Markdown table; raw numbers go to benchmark/results/denoise_wer.json (git-ignored).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from subtitler import loudness, model_store  # noqa: E402
from subtitler.adapters import ffmpeg, media, whisper  # noqa: E402
from subtitler.options import load_options  # noqa: E402

AUDIO = REPO.parent / "shared" / "data" / "audio"
# (name, clip, reference, language forced or "" for detection, what the reference is)
CLIPS = (
    ("apollo11 radio (en, 89 s)", "en/apollo11_radio_89s.mp3", "en/apollo11_radio_89s.model.txt", "", "Whisper large"),
    ("BFM TV radio (fr, 120 s)", "fr/radio_bfmtv_120s.mp3", "fr/radio_bfmtv_120s.model.txt", "fr", "Whisper medium"),
    ("sonnet 1, clean (en, 53 s)", "en/sonnet001_librivox.mp3", "en/sonnet001_librivox.txt", "", "exact text"),
)
# (name, speech, reference, anoisesrc colour, amplitude): real speech under generated noise
MIXES = (
    ("sonnet 1 + white noise (en, 53 s)", "en/sonnet001_librivox.mp3", "en/sonnet001_librivox.txt", "white", 0.18),
    ("JFK + pink noise (en, 11 s)", "en/jfk.flac", "en/jfk.txt", "pink", 0.6),
)
STRONGER = "afftdn=nr=20:nf=-20"  # the highest floor afftdn takes


def rms_db(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(samples.astype(np.float64) ** 2)) + 1e-12))


def mixed_clip(speech: Path, colour: str, amplitude: float, folder: Path) -> tuple[Path, Path, float]:
    """`speech` under noise as a float WAV at 44.1 kHz (both readings' rate), and the signal-to-noise ratio
    (whole-file RMS, dB, as Whisper hears them)."""
    noise, mix = folder / f"{speech.stem}.{colour}.wav", folder / f"{speech.stem}.{colour}.mix.wav"
    heard = media.decode_audio(speech)
    source = f"anoisesrc=c={colour}:a={amplitude}:r=44100:seed=1:d={len(heard) / media.SAMPLE_RATE + 1:.1f}"
    ffmpeg.run(["-f", "lavfi", "-i", source, "-c:a", "pcm_f32le", ffmpeg.media_arg(noise)])
    ffmpeg.run(["-i", ffmpeg.media_arg(speech), "-i", ffmpeg.media_arg(noise),
                "-filter_complex", "[0:a]aformat=channel_layouts=mono[s];[s][1:a]amix=inputs=2:normalize=0:duration=first",
                "-c:a", "pcm_f32le", ffmpeg.media_arg(mix)])  # fmt: skip
    return mix, noise, rms_db(heard) - rms_db(media.decode_audio(noise))


def words(text: str) -> list[str]:
    """tests/conftest.py's normalisation: lower case, runs of word characters and apostrophes."""
    return re.findall(r"[\w']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    distance = list(range(len(hyp) + 1))  # edit distance from an empty reference prefix
    for i, ref_word in enumerate(ref, 1):
        diagonal, distance[0] = distance[0], i
        for j, hyp_word in enumerate(hyp, 1):
            substitution = diagonal + (ref_word != hyp_word)
            diagonal, distance[j] = distance[j], min(distance[j] + 1, distance[j - 1] + 1, substitution)
    return distance[-1] / max(1, len(ref))


def filtered_wav(clip: Path, audio_filter: str, output: Path) -> Path:
    """The clip's first audio stream through `audio_filter`, as float samples at its own rate."""
    ffmpeg.run(
        ["-i", ffmpeg.media_arg(clip), "-map", "0:a:0", "-af", audio_filter, "-c:a", "pcm_f32le", ffmpeg.media_arg(output)]
    )
    return output


def transcribe(model_path: Path, audio: np.ndarray, language: str) -> dict[str, object]:
    options = load_options().transcribe
    if language:
        options = dataclasses.replace(options, language=language)
    started = time.perf_counter()
    transcript = whisper.transcribe(model_path, audio, options)
    return {
        "text": " ".join(segment.text.strip() for segment in transcript.segments),
        "language": transcript.language,
        "seconds": round(time.perf_counter() - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filter", action="append", help=f"denoiser filter strings (default: {loudness.AFFTDN} and {STRONGER})")
    args = parser.parse_args()
    filters = args.filter or [loudness.AFFTDN, STRONGER]
    model = model_store.resolve("base")
    version = subprocess.run([ffmpeg.ffmpeg_exe(), "-version"], capture_output=True, text=True).stdout.split("\n")[0]
    record: dict[str, object] = {
        "model": str(model.path),
        "ffmpeg": version,
        "options": dataclasses.asdict(load_options().transcribe),
    }
    entries: list[dict[str, object]] = []
    rows: list[tuple[str, str, str, float | None, list[float], float]] = []
    with tempfile.TemporaryDirectory(prefix="denoise-wer-") as folder:
        scratch = Path(folder)
        clips: list[tuple[str, Path, Path, str, str, Path | None, float | None]] = [
            (name, AUDIO / clip, AUDIO / ref, language, kind, None, None) for name, clip, ref, language, kind in CLIPS
        ]
        for name, speech, ref, colour, amplitude in MIXES:
            mix, noise, snr = mixed_clip(AUDIO / speech, colour, amplitude, scratch)
            clips.append((f"{name}, SNR {snr:.0f} dB", mix, AUDIO / ref, "", "exact text", noise, snr))
        for name, clip, reference_path, language, reference_kind, noise, snr in clips:
            reference = reference_path.read_text(encoding="utf-8")
            plain_audio = media.decode_audio(clip)
            # Control: the same way through ffmpeg with no filter: the WAV round trip itself changes nothing.
            control = media.decode_audio(filtered_wav(clip, "anull", scratch / f"{clip.stem}.anull.wav"))
            size = min(len(control), len(plain_audio))
            plain = [transcribe(model.path, plain_audio, language) for _ in range(2)]
            for run in plain:
                run["wer"] = round(word_error_rate(reference, str(run["text"])), 4)
            plain_wers = [float(str(run["wer"])) for run in plain]
            denoised = []
            for index, audio_filter in enumerate(filters):
                audio = media.decode_audio(filtered_wav(clip, audio_filter, scratch / f"{clip.stem}.{index}.wav"))
                run = {"filter": audio_filter, **transcribe(model.path, audio, language)}
                run["wer"] = round(word_error_rate(reference, str(run["text"])), 4)
                removed = None
                if noise is not None:  # how much of the mixed-in noise the filter takes away, as Whisper hears it
                    cleaned = media.decode_audio(filtered_wav(noise, audio_filter, scratch / f"{noise.stem}.{index}.wav"))
                    removed = rms_db(media.decode_audio(noise)) - rms_db(cleaned)
                run["noise_removed_db"] = removed
                denoised.append(run)
                rows.append((name, reference_kind, audio_filter, removed, plain_wers, float(str(run["wer"]))))
            entries.append({
                "clip": name,
                "file": str(clip.relative_to(AUDIO)) if clip.is_relative_to(AUDIO) else clip.name,
                "snr_db": snr,
                "reference": str(reference_path.relative_to(AUDIO)),
                "reference_kind": reference_kind,
                "language_forced": language,
                "reference_words": len(words(reference)),
                "wav_round_trip_max_abs_diff": float(np.max(np.abs(control[:size] - plain_audio[:size]))),
                "plain": plain,
                "denoised": denoised,
            })  # fmt: skip
    record["clips"] = entries
    print("| clip | reference | denoiser | noise removed | WER plain (2 runs) | WER denoised | ratio (to the plain mean) |")
    print("|---|---|---|---:|---:|---:|---:|")
    for name, reference_kind, audio_filter, removed, plain_wers, denoised_wer in rows:
        plain_text = " / ".join(f"{w:.1%}" for w in plain_wers)
        plain_mean = sum(plain_wers) / len(plain_wers)
        ratio = denoised_wer / plain_mean if plain_mean else float("nan")
        removed_text = f"{removed:.1f} dB" if removed is not None else ""
        cells = [name, reference_kind, f"`{audio_filter}`", removed_text, plain_text, f"{denoised_wer:.1%}", f"{ratio:.2f}"]
        print("| " + " | ".join(cells) + " |")
    results = REPO / "benchmark" / "results"
    results.mkdir(exist_ok=True)
    (results / "denoise_wer.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\n{version}; Whisper base, default preset options; raw numbers in {results / 'denoise_wer.json'}")


if __name__ == "__main__":
    main()
