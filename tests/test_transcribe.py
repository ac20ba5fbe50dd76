"""The real Whisper base model on real speech, checked against reference transcripts."""

import dataclasses
import itertools
import threading
from pathlib import Path

import numpy as np
import pytest

from subtitler.adapters import media, whisper
from subtitler.cues import Rule, cue_violations, make_cues
from subtitler.errors import ModelError
from subtitler.options import load_options

from .conftest import AUDIO, ffmpeg, wer

pytestmark = pytest.mark.slow


def transcribe(path: Path, base_model, **settings):
    options = load_options("default", {"transcribe": settings}).transcribe
    return whisper.transcribe(base_model.path, media.decode_audio(path), options)


def reference(path: Path) -> str:
    return path.with_suffix(".txt").read_text(encoding="utf-8")


def test_english_matches_its_reference(base_model, shared):
    path = AUDIO / "en/jfk.flac"
    transcript = transcribe(path, base_model)
    assert transcript.language == "en"
    assert wer(reference(path), transcript.text) <= 0.1
    words = transcript.words
    assert all(w.start <= w.end for w in words)
    assert all(0 <= w.probability <= 1 for w in words)
    assert words[-1].end <= 11.05


def test_french_forced_matches_its_reference(base_model, shared):
    path = AUDIO / "fr/sous_le_consulat.wav"
    transcript = transcribe(path, base_model, language="fr")
    assert transcript.language == "fr"
    assert wer(reference(path), transcript.text) <= 0.2


@pytest.mark.parametrize(
    "path, language", [("fr/sous_le_consulat.wav", "fr"), ("es/las_arenas.wav", "es"), ("de/leichenhalle.wav", "de")]
)
def test_language_is_detected(base_model, shared, path, language):
    transcript = transcribe(AUDIO / path, base_model)
    assert transcript.language == language
    assert transcript.language_probability > 0.5


@pytest.mark.parametrize("batch_size", [-1, 0], ids=["default", "sequential"])
@pytest.mark.parametrize("path", ["edge/empty_3s.mp3", "edge/empty_noise_8s.wav"])
def test_silence_gives_no_cues(base_model, shared, path, batch_size):
    transcript = transcribe(AUDIO / path, base_model, batch_size=batch_size)
    assert transcript.segments == ()
    assert make_cues(transcript.words, load_options().cues, transcript.duration) == ()


FORMATS = [
    "audio-mono-8-bit-44100Hz.wav", "audio-mono-24-bit-44100Hz.flac", "audio-mono-32-bit-44100Hz.wav",
    "audio-stereo-16-bit-44100Hz.aiff", "audio-stereo-24-bit-44100Hz.flac",
]  # fmt: skip


@pytest.mark.parametrize("name", FORMATS)
def test_every_audio_format_is_read(base_model, shared, name):
    transcript = transcribe(AUDIO / "formats" / name, base_model, language="en")
    assert wer("one two three", transcript.text.replace("1", "one").replace("2", "two").replace("3", "three")) <= 0.34


def test_hotwords_bring_in_a_brand_name(base_model, shared):
    transcript = transcribe(AUDIO / "en/hotwords_comfyui.mp3", base_model, hotwords="ComfyUI")
    assert "ComfyUI" in transcript.text


@pytest.mark.parametrize("path, bound", [("en/jfk.flac", 0.1), ("en/sonnet001_librivox.mp3", 0.15)])
def test_batched_decoding_by_default_gives_the_same_words(base_model, shared, path, bound):
    path = AUDIO / path
    batched = transcribe(path, base_model, language="en")  # the default: batch size auto, 8 on a CPU
    sequential = transcribe(path, base_model, language="en", batch_size=0)
    assert wer(reference(path), batched.text) <= bound
    assert wer(sequential.text, batched.text) <= 0.1  # the same words, in the same order
    words = batched.words
    assert len(words) >= 0.9 * len(sequential.words)
    assert all(0 <= w.start <= w.end <= batched.duration + 0.05 for w in words)  # word timestamps kept
    assert all(a.start <= b.start for a, b in itertools.pairwise(words))


def test_auto_batch_size_follows_the_device():
    auto = whisper.auto_batch_size
    assert auto("cpu", vad=True) == whisper.CPU_BATCH == 8
    assert auto("cpu", vad=False) == 0  # batched decoding decodes what VAD finds
    assert auto("cuda", vad=True, free_gpu_mib=None) == 8  # free memory not known
    assert auto("cuda", vad=True, free_gpu_mib=80_000, model_mib=1545) == 16  # turbo on an H100: the cap
    assert auto("cuda", vad=True, free_gpu_mib=5120, model_mib=1545) == 4  # turbo with 5 GiB free
    assert auto("cuda", vad=True, free_gpu_mib=8000, model_mib=2950) == 4  # large-v3: a GiB a window
    assert auto("cuda", vad=True, free_gpu_mib=2000, model_mib=1545) == 1  # never 0: batched, one at a time
    assert auto("cuda", vad=True, free_gpu_mib=5120, model_mib=1545, beam_size=1) == 9  # fewer beams, more windows


def test_batch_size_option_is_resolved_per_device():
    options = load_options().transcribe
    assert options.batch_size == whisper.AUTO_BATCH
    folder = Path("/nonexistent")
    assert whisper.resolve_batch_size(options, "cpu", folder) == 8
    assert whisper.resolve_batch_size(dataclasses.replace(options, batch_size=4), "cpu", folder) == 4
    assert whisper.resolve_batch_size(dataclasses.replace(options, batch_size=0), "cpu", folder) == 0
    assert whisper.resolve_batch_size(dataclasses.replace(options, vad=False), "cpu", folder) == 0
    assert whisper.resolve_batch_size(dataclasses.replace(options, batch_size=4, vad=False), "cpu", folder) == 0


# A phone call made of real recordings: 27 s of a French newscast, 2 s of silence, then a quieter speaker
# (two read sentences, 15 dB down), 2 s of silence, 20 s more news, all through a phone line (300-3400 Hz,
# 8 kHz) over line noise (a real empty recording, 26 dB down). The quiet sentence starts at 29.2 s.
QUIET = (29.2, 38.9)


@pytest.fixture(scope="module")
def phone_call(media_dir: Path, shared: Path) -> Path:
    path = media_dir / "phone_call.wav"
    graph = (
        "[0:a]aresample=16000,asplit[r1][r2];[r1]atrim=45:72.2,asetpts=N/SR/TB[a];[r2]atrim=72.2:92.2,asetpts=N/SR/TB[b];"
        "[1:a]aresample=16000,volume=-15dB,apad=pad_dur=0.5[c];"
        "[2:a]aresample=16000,aformat=channel_layouts=mono,volume=-15dB,apad=pad_dur=2[d];"
        "[a]apad=pad_dur=2[a2];anullsrc=r=16000:cl=mono,atrim=0:2[p];"
        "[a2][p][c][d][b]concat=n=5:v=0:a=1,highpass=f=300,lowpass=f=3400,aresample=8000,aresample=16000[call];"
        "[3:a]aresample=16000,volume=-26dB[line];[call][line]amix=inputs=2:duration=first:normalize=0"
    )
    ffmpeg("-i", str(AUDIO / "fr/radio_bfmtv_120s.mp3"), "-i", str(AUDIO / "fr/sous_le_consulat.wav"),
           "-i", str(AUDIO / "fr/dictee_numero_un.aiff"), "-stream_loop", "-1", "-i", str(AUDIO / "edge/empty_noise_8s.wav"),
           "-filter_complex", graph, "-ac", "1", "-ar", "16000", str(path))  # fmt: skip
    return path


def band_limited(samples: np.ndarray) -> np.ndarray:
    """A phone line that passes 300 to 3400 Hz and nothing else."""
    spectrum = np.fft.rfft(samples)
    hertz = np.fft.rfftfreq(len(samples), 1 / whisper.SAMPLE_RATE)
    spectrum[(hertz < 300) | (hertz > 3400)] = 0
    return np.fft.irfft(spectrum, len(samples)).astype(np.float32)


@pytest.fixture(scope="module")
def noisy_call(shared: Path) -> np.ndarray:
    """The same call built from the decoded samples: the read sentences peaking 18 dB under full scale, a sharp
    300-3400 Hz band, the line noise over everything. Whisper is unsure of the words there, which faster-whisper's
    hallucination guard (hallucination_silence_threshold) took for a hallucination: with VAD it dropped them all."""
    rate = whisper.SAMPLE_RATE
    news = media.decode_audio(AUDIO / "fr/radio_bfmtv_120s.mp3")
    read = np.concatenate([media.decode_audio(AUDIO / "fr/sous_le_consulat.wav"), np.zeros(rate // 2, np.float32),
                           media.decode_audio(AUDIO / "fr/dictee_numero_un.aiff")])  # fmt: skip
    quiet = read / np.abs(read).max() * 0.5 * 10 ** (-12 / 20)
    pause = np.zeros(2 * rate, np.float32)
    before, after = news[45 * rate : int(72.2 * rate)], news[int(72.2 * rate) : int(92.2 * rate)]
    call = band_limited(np.concatenate([before, pause, quiet, pause, after]))
    noise = media.decode_audio(AUDIO / "edge/empty_noise_8s.wav") * 10 ** (-26 / 20)
    return (call + np.resize(noise, len(call))).astype(np.float32)


def heard_in_quiet_sentence(transcript) -> list[str]:
    return [w.text.strip().lower() for w in transcript.words if QUIET[0] <= (w.start + w.end) / 2 <= QUIET[1]]


@pytest.mark.parametrize("batch_size", [0, -1], ids=["sequential", "default"])
def test_a_quiet_sentence_after_a_pause_is_kept(base_model, phone_call, batch_size):
    """Sequential decoding over the joined speech began its second window where its first one's last word
    ended, stretched over the quiet sentence: "Sous le consulat il devient conservateur des eaux et forêts" was
    skipped (8 words heard in the sentence instead of 15, "conservateur" missing). Windows now start where VAD
    found speech start, as in batched decoding."""
    transcript = transcribe(phone_call, base_model, language="fr", batch_size=batch_size)
    heard = heard_in_quiet_sentence(transcript)
    assert len(heard) >= 12, heard
    assert "conservateur" in " ".join(heard), heard
    assert len(transcript.words) >= 120  # and the news around it


def test_unsure_words_of_a_noisy_call_are_kept(base_model, noisy_call):
    """The hallucination guard only without VAD: with it, none of the sentence's words were left (0 of 14).
    The guard is sequential decoding's; batched decoding (the default) has none, and decodes this call as
    faster-whisper does (test_batched_decoding_over_vad_is_faster_whispers_own)."""
    options = load_options("default", {"transcribe": {"language": "fr", "batch_size": 0}}).transcribe
    transcript = whisper.transcribe(base_model.path, noisy_call, options)
    heard = heard_in_quiet_sentence(transcript)
    assert len(heard) >= 8, heard
    assert "conservateur" in " ".join(heard), heard


def segments_of(segments, word_text: str = "text") -> list[tuple]:
    """Each segment's times, text, and its words' times, text and probability."""
    return [(float(s.start), float(s.end), s.text,
             tuple((float(w.start), float(w.end), getattr(w, word_text), float(w.probability)) for w in s.words))
            for s in segments]  # fmt: skip


@pytest.mark.parametrize("path, language", [("fr/radio_bfmtv_120s.mp3", "fr"), ("en/sonnet001_librivox.mp3", "en")])
def test_batched_decoding_over_vad_is_faster_whispers_own(base_model, shared, path, language):
    """VAD runs before faster-whisper is called (while the model loads), and the windows it makes are handed to
    faster-whisper: the segments, words, times and probabilities are those of faster-whisper's own batched
    decoding with VAD, as whisper-ctranslate2 --batched runs it (the radio clip makes three windows)."""
    from faster_whisper import BatchedInferencePipeline

    options = load_options("default", {"transcribe": {"language": language}}).transcribe
    options = dataclasses.replace(options, batch_size=8)
    audio = media.decode_audio(AUDIO / path)
    ours = whisper.transcribe(base_model.path, audio, options)
    model = whisper.load_model(str(base_model.path), "cpu", "int8", whisper.resolve_threads(0))
    kwargs = {k: v for k, v in whisper._decode_kwargs(options, True).items() if k not in
              ("condition_on_previous_text", "hallucination_silence_threshold")}  # fmt: skip
    theirs, _ = BatchedInferencePipeline(model).transcribe(audio, batch_size=8, **kwargs)
    expected = segments_of(theirs, word_text="word")
    assert len(expected) >= 2
    assert segments_of(ours.segments) == expected


@pytest.mark.parametrize("name", ["ca/dosparlants.mp3", "en/jfk.flac", "fr/dictee_numero_un.aiff",
                                  "formats/audio-mono-8-bit-44100Hz.wav", "formats/audio-stereo-24-bit-44100Hz.flac"])
def test_whisper_hears_16_bit_samples_as_faster_whisper_decodes_them(shared, name):
    """The samples are 16-bit, as OpenAI's and faster-whisper's loaders give Whisper: the same, bit for bit, as
    faster-whisper's decode_audio. Decoded to floats, dosparlants.mp3 peaks at 1.48; here it is clipped."""
    from faster_whisper.audio import decode_audio

    ours = media.decode_audio(AUDIO / name)
    assert ours.dtype == np.float32
    assert np.array_equal(ours, decode_audio(str(AUDIO / name)))
    assert np.abs(ours).max() <= 1.0
    assert np.array_equal(ours * 32768, np.round(ours * 32768))


def test_the_whisper_model_is_built_in_a_thread_that_ends(base_model, monkeypatch):
    """Built in the main thread, CTranslate2 leaves an idle OpenMP team there, and libgomp then throttles the
    threads that decode (adapters/passing_thread.py). The model is built once, in a thread that has ended."""
    built_in: list[threading.Thread] = []
    load = whisper._load

    def recorded(*key):
        built_in.append(threading.current_thread())
        return load(*key)

    monkeypatch.setattr(whisper, "_load", recorded)
    whisper.unload_models()
    options = load_options("default", {"transcribe": {"language": "en"}}).transcribe
    whisper.preload(base_model.path, options)  # as the extract_audio stage does, before the audio is decoded
    transcript = whisper.transcribe(base_model.path, media.decode_audio(AUDIO / "en/jfk.flac"), options)
    assert "ask not" in transcript.text.lower()
    again = whisper.load_model(*whisper._model_key(base_model.path, options))
    assert len(built_in) == 1 and built_in[0] is not threading.main_thread() and not built_in[0].is_alive()
    assert again is whisper._model(base_model.path, options)


def test_a_model_that_cannot_load_fails_where_it_is_used_and_is_tried_again(tmp_path, monkeypatch):
    options = load_options("default").transcribe
    whisper.preload(tmp_path, options)  # an empty folder: the thread's failure waits for whoever uses the model
    for _ in range(2):
        with pytest.raises(ModelError, match="cannot load the Whisper model"):
            whisper.load_model(*whisper._model_key(tmp_path, options))


def test_cues_of_a_real_reading_obey_the_rules(base_model, shared):
    """Every cue of a 53 s reading counted against the preset's rules."""
    transcript = transcribe(AUDIO / "en/sonnet001_librivox.mp3", base_model, language="en")
    rules = load_options().cues
    cues = make_cues(transcript.words, rules, transcript.duration)
    assert len(cues) >= 8
    for cue in cues:
        broken = [p for p in cue_violations(cue, rules) if p.rule is not Rule.READING_SPEED]
        assert not broken, (cue, broken)
    for before, after in itertools.pairwise(cues):
        assert after.start - before.end >= rules.min_gap - 1e-6
    assert wer(reference(AUDIO / "en/sonnet001_librivox.mp3"), " ".join(c.text for c in cues)) <= 0.25


def test_the_encoder_takes_windows_in_pairs_on_a_cpu_with_the_same_output(base_model, shared, monkeypatch):
    """Batched decoding encodes a batch's windows two at a time (less memory, and faster on a CPU): the outputs are
    those of the whole batch at once, bit for bit."""
    from faster_whisper import WhisperModel

    from subtitler.adapters.whisper_model import CPU_ENCODE_AT_ONCE

    model = whisper.load_model(str(base_model.path), "cpu", "int8", 2)
    audio = media.decode_audio(AUDIO / "en/sonnet001_librivox.mp3")
    window = model.feature_extractor.n_samples
    audio = np.tile(audio, 1 + 5 * window // len(audio))
    features = np.stack([model.feature_extractor(audio[k * window : (k + 1) * window])[..., :-1] for k in range(5)])
    whole = np.asarray(WhisperModel.encode(model, features))  # faster-whisper's own: the 5 windows at once

    seen = []
    encode = WhisperModel.encode

    def counted(self, part):
        seen.append(len(part))
        return encode(self, part)

    monkeypatch.setattr(WhisperModel, "encode", counted)
    in_pairs = np.asarray(model.encode(features))
    assert seen == [2, 2, 1] and CPU_ENCODE_AT_ONCE == 2
    assert in_pairs.shape == whole.shape == (5, 1500, 512)
    assert np.array_equal(in_pairs, whole)
