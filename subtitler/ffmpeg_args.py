"""ffmpeg argument lists for the video outputs (pure): the soft-subtitled copy, the burned copy, and
both in one enhance pass. Mux, burn and enhance build theirs from the same pieces here, so the
burn look, the video encode, the audio rules and the subtitle tracks are each decided once.

No user path ever enters a filter string: the burn filter names only `SUBTITLE_FILE`, a file the
program wrote in its own scratch folder (ffmpeg's working directory), and every path is passed as
an absolute `file:` argument (`adapters.ffmpeg.media_arg`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from subtitler import languages
from subtitler.adapters.ffmpeg import media_arg
from subtitler.model import MediaInfo
from subtitler.options import EncodeOptions, OutputOptions

# Audio codecs an MP4 file can carry as they are; anything else is re-encoded.
MP4_AUDIO = frozenset({"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"})
SUBTITLE_FILE = "burn.ass"
EVEN_SIZE = "scale=trunc(iw/2)*2:trunc(ih/2)*2"  # yuv420p needs an even width and height
MP4_FAMILY = (".mp4", ".m4v", ".mov")


@dataclass(frozen=True)
class Container:
    extension: str
    subtitle_codec: str  # what ffmpeg encodes the new tracks as
    source_format: str  # the file format handed to ffmpeg for each track
    bibliographic_tags: bool  # Matroska players expect ISO 639-2/B ("fre"), MP4 expects /T ("fra")
    mp4_family: bool = False


def container_for(source: Path, mkv_codec: str, fallback: str = "mkv") -> Container:
    """The container the soft-subtitled copy is written in: the input's own where it can hold text
    subtitles, else `fallback` (Matroska)."""
    extension = source.suffix.lower()
    if extension in MP4_FAMILY:
        return Container(extension, "mov_text", "srt", False, mp4_family=True)
    if extension == ".webm":
        return Container(".webm", "webvtt", "vtt", True)
    codec = "ass" if mkv_codec == "ass" else "srt"
    return Container(f".{fallback}", codec, codec, True)


def soft_container(source: Path, output: OutputOptions) -> Container:
    return container_for(source, output.mkv_subtitle_codec, output.fallback_container)


def is_odd(media: MediaInfo) -> bool:
    video = media.video
    return video is not None and bool(video.width % 2 or video.height % 2)


def burn_chain(odd_size: bool) -> str:
    """The filters that draw the subtitles (libass, on the autorotated frame), made even-sized for yuv420p."""
    chain = f"subtitles=filename={SUBTITLE_FILE}"
    return f"{chain},{EVEN_SIZE}" if odd_size else chain


def video_args(encode: EncodeOptions) -> list[str]:
    """The video encode of every re-encoded output."""
    return ["-c:v", encode.video_codec, "-crf", str(encode.crf), "-preset", encode.x264_preset, "-pix_fmt", encode.pixel_format]


def audio_args(encode: EncodeOptions, fits: bool, filtered: bool, webm: bool = False) -> list[str]:
    """The audio copied when it is unchanged and the container can hold it; else encoded (Opus in WebM)."""
    if fits and not filtered:
        return ["-c:a", "copy"]
    codec = "libopus" if webm else encode.audio_fallback_codec
    return ["-c:a", codec, "-b:a", encode.audio_fallback_bitrate]


def fits_mp4(media: MediaInfo) -> bool:
    return media.audio_codec in MP4_AUDIO


def track_args(tracks: list[tuple[str, Path]], first_input: int, existing_subtitles: int, container: Container) -> list[str]:
    """Map and tag one new subtitle track per (language, file), the files being inputs `first_input`...;
    the tracks already in the input lose their default flag, the first new one gets it."""
    args = []
    for number in range(len(tracks)):
        args += ["-map", f"{first_input + number}:0"]
    for position in range(existing_subtitles):
        args += [f"-disposition:s:{position}", "0"]
    for number, (language, _) in enumerate(tracks):
        index = existing_subtitles + number
        info = languages.get(language)
        args += [
            f"-c:s:{index}", container.subtitle_codec,
            f"-metadata:s:s:{index}", f"language={languages.iso639_2(language, container.bibliographic_tags)}",
            f"-metadata:s:s:{index}", f"title={info.native}",
            f"-disposition:s:{index}", "default" if number == 0 else "0",
        ]  # fmt: skip
    return args


def faststart(mp4: bool = True) -> list[str]:
    """MP4 with its index first, so that a network can play it while it downloads."""
    return ["-movflags", "+faststart"] if mp4 else []


def mux_args(
    source: Path, tracks: list[tuple[str, Path]], existing_subtitles: int, container: Container, output: Path
) -> list[str]:
    """ffmpeg arguments: streams copied, one new tagged track per (language, file), the first new one default."""
    args = ["-i", media_arg(source)]
    for _, path in tracks:
        args += ["-i", media_arg(path)]
    args += ["-map", "0:v?", "-map", "0:a?", "-map", "0:s?"]
    if not container.mp4_family:
        args += ["-map", "0:t?"]
    args += ["-c", "copy", "-map_metadata", "0", "-map_chapters", "0"]
    args += track_args(tracks, 1, existing_subtitles, container)
    return [*args, *faststart(container.mp4_family), media_arg(output)]


def burn_args(source: Path, media: MediaInfo, encode: EncodeOptions, output: Path) -> list[str]:
    """ffmpeg arguments for a burn run in the scratch folder; frames are autorotated before the filter."""
    return [
        "-i", media_arg(source),
        "-map", "0:V:0", "-map", "0:a?",
        "-vf", burn_chain(is_odd(media)),
        *video_args(encode),
        *audio_args(encode, fits_mp4(media), filtered=False),
        "-fps_mode", "passthrough", "-map_metadata", "0", *faststart(),
        media_arg(output),
    ]  # fmt: skip


@dataclass(frozen=True)
class Plan:
    """What one enhance pass writes: from where, into which files, with which filters."""

    source: Path
    media: MediaInfo
    upscale: bool  # the frames come upscaled from Python on stdin (NUT) instead of from the source
    audio_filter: str  # "" = the audio is copied
    tracks: list[tuple[str, Path]]  # soft-copy subtitle tracks (language, file in the scratch folder)
    container: Container
    soft: Path | None  # temp paths
    burned: Path | None
    encode: EncodeOptions
    odd_size: bool = False  # frames of odd width or height: yuv420p needs even ones


def _pad(stream: str) -> str:
    """A stream or a label as a filter graph's input pad."""
    return stream if stream.startswith("[") else f"[{stream}]"


def _enhance_graph(plan: Plan, source_index: int) -> tuple[list[str], str, str, str, str]:
    """The filter graph, and the video and audio pads of the soft and the burned copy."""
    graph = []
    video = "0:v:0" if plan.upscale else f"{source_index}:V:0"  # a stream; "[label]" once a filter made it
    if plan.upscale and plan.odd_size:
        graph.append(f"{_pad(video)}{EVEN_SIZE}[even]")
        video = "[even]"
    both = plan.soft is not None and plan.burned is not None
    soft_video = video
    if plan.burned is not None:
        if both and plan.upscale:
            graph.append(f"{_pad(video)}split=2[vsoft][vburn]")
            soft_video, video = "[vsoft]", "[vburn]"
        graph.append(f"{_pad(video)}{burn_chain(plan.odd_size and not plan.upscale)}[vburned]")
    soft_audio = burn_audio = f"{source_index}:a:0"
    if plan.audio_filter and plan.media.has_audio:
        outputs = "[asoft][aburn]" if both else "[asoft]" if plan.soft is not None else "[aburn]"
        split = f",asplit=2{outputs}" if both else outputs
        graph.append(f"[{source_index}:a:0]{plan.audio_filter}{split}")
        soft_audio, burn_audio = "[asoft]", "[aburn]"
    return graph, soft_video, soft_audio, "[vburned]", burn_audio


def enhance_args(plan: Plan) -> list[str]:
    """ffmpeg arguments (run in the scratch folder) for the soft copy and the burned copy in one process."""
    args: list[str] = ["-f", "nut", "-i", "pipe:0"] if plan.upscale else []
    source_index = 1 if plan.upscale else 0
    args += ["-i", media_arg(plan.source)]
    for _, path in plan.tracks:
        args += ["-i", media_arg(path)]
    graph, soft_video, soft_audio, burn_video, burn_audio = _enhance_graph(plan, source_index)
    if graph:
        args += ["-filter_complex", ";".join(graph)]
    filtered = bool(plan.audio_filter) and plan.media.has_audio
    if plan.soft is not None:
        container = plan.container
        args += ["-map", soft_video, *video_args(plan.encode)] if plan.upscale else ["-map", soft_video, "-c:v", "copy"]
        if plan.media.has_audio:  # the soft copy is in the input's own container (or Matroska): it holds its audio
            args += ["-map", soft_audio, *audio_args(plan.encode, True, filtered, webm=container.extension == ".webm")]
        args += ["-map", f"{source_index}:s?", "-c:s", "copy", "-map_metadata", str(source_index)]
        args += track_args(plan.tracks, source_index + 1, len(plan.media.subtitle_streams), container)
        args += [*faststart(container.mp4_family), "-fps_mode", "passthrough", media_arg(plan.soft)]
    if plan.burned is not None:
        args += ["-map", burn_video, *video_args(plan.encode)]
        if plan.media.has_audio:
            args += ["-map", burn_audio, *audio_args(plan.encode, fits_mp4(plan.media), filtered)]
        args += ["-map_metadata", str(source_index), *faststart(), "-fps_mode", "passthrough"]
        args += [media_arg(plan.burned)]
    return args
