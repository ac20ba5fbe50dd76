"""Every closed list of values a preset key or a flag takes, each written once.

The preset validation (`options.CHOICES`), the command line (`click.Choice`) and tests/test_choices.py
(which checks the README and presets/default.toml against them) read these tuples. Two of them are
plugin registries too: each name in `FORMATS` is a module `subtitler/formats/<name>.py` and each name
in `TEXT_ENGINES` a module `subtitler/engines/<name>.py`, loaded by their packages in this order. The
names live here, at the bottom of the layers, because the options are checked before any format or
engine is loaded (and the engines sit above the core); adding a format or an engine is its module and
its name on one of these lines. The learned upscale methods are data: the super-resolution manifest's.
"""

from __future__ import annotations

import tomllib

from subtitler.resources import resource_dir

DEVICES = ("auto", "cpu", "cuda")
WHISPER = "whisper"  # the audio engine: Whisper's own translation into English
TEXT_ENGINES = ("argos", "apertium")  # the text engines, in order of preference for a pair both have
ENGINES = ("auto", WHISPER, *TEXT_ENGINES)  # [translate] engine, --engine
FORMATS = ("srt", "vtt", "ass", "json", "txt")
HIGHLIGHTS = ("none", "colour", "scale", "both")
BORDER_STYLES = ("outline", "box")
ALIGNMENTS = ("bottom", "top", "middle")
DENOISERS = ("none", "afftdn", "arnndn")
UPSCALE_FACTORS = (1, 2, 3, 4)
LANCZOS = "lanczos"  # the upscale method that needs no model
MKV_SUBTITLE_CODECS = ("srt", "ass")
FALLBACK_CONTAINERS = ("mkv",)
AVOID = ("faces", "text")  # [style] avoid: what burned subtitles are moved away from
NVENC_CODECS = ("h264_nvenc", "hevc_nvenc")  # NVIDIA's GPU encoders: -rc vbr -cq, presets p1..p7
X26X_CODECS = ("libx264", "libx265")  # the CPU encoders: -crf, presets ultrafast..placebo
AUTO_CODEC = "auto"  # the first of AUTO_CODECS that encodes here, tried before any work
AUTO_CODECS = ("h264_nvenc", "libx264")
VIDEO_CODECS = (*X26X_CODECS, *NVENC_CODECS, AUTO_CODEC)  # [encode] video_codec


def _learned_methods() -> tuple[str, ...]:
    """The methods of the super-resolution manifest (`models/superres.toml`), in its order, as
    `superres.methods()` lists them after lanczos."""
    manifest = tomllib.loads((resource_dir("models") / "superres.toml").read_text(encoding="utf-8"))
    return tuple(dict.fromkeys(str(entry["method"]) for entry in manifest.values()))


UPSCALE_METHODS = (LANCZOS, *_learned_methods())
