"""ffmpeg argument lists for the video outputs (pure): the soft-subtitled copy, the burned copy, and
both in one enhance pass. Mux, burn and enhance build theirs from the same pieces here, so the
burn look, the video encode, the audio rules and the subtitle tracks are each decided once.

No user path ever enters a filter string: the burn filter names only `SUBTITLE_FILE`, a file the
program wrote in its own scratch folder (ffmpeg's working directory), and every path is passed as
an absolute `file:` argument (`adapters.ffmpeg.media_arg`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from subtitler import choices, languages
from subtitler.adapters.ffmpeg import media_arg
from subtitler.model import MediaInfo, VideoInfo
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


# HEVC tagged hvc1 (ffmpeg writes hev1 in MP4 and MOV), the tag Apple's players expect; Matroska takes it too.
HEVC_CODECS = frozenset({"libx265", "hevc_nvenc"})


def _quality_args(encode: EncodeOptions, codec: str) -> list[str]:
    """The quality and speed keys of the codec's family."""
    if codec in choices.NVENC_CODECS:
        # Constant quality: VBR steered by -cq alone; -b:v 0, or ffmpeg's 2 Mbit/s NVENC default would be its target.
        return ["-preset", encode.nvenc_preset, "-tune", "hq", "-rc", "vbr", "-cq", str(encode.nvenc_cq), "-b:v", "0"]
    return ["-crf", str(encode.crf), "-preset", encode.x264_preset]


def video_args(encode: EncodeOptions) -> list[str]:
    """The video encode of every re-encoded output: x264 and x265 with -crf and -preset, NVENC with -cq and
    -preset p1..p7. `auto` is made a codec before any work (`adapters.ffmpeg.resolve_encoder`); a caller that
    skipped that gets the CPU encoder it falls back to."""
    codec = choices.AUTO_CODECS[-1] if encode.video_codec == choices.AUTO_CODEC else encode.video_codec
    tag = ["-tag:v", "hvc1"] if codec in HEVC_CODECS else []
    return ["-c:v", codec, *_quality_args(encode, codec), "-pix_fmt", encode.pixel_format, *tag]


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
    """ffmpeg arguments: streams copied, one new tagged track per (language, file), the first new one default.
    `+genpts` gives packets without a timestamp one (an AVI of H.264 with B-frames has such packets)."""
    args = ["-fflags", "+genpts", "-i", media_arg(source)]
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


# --- colour: an upscaled picture keeps the source's ---------------------------------------------------------
# A source's Y'CbCr matrix in the names scale's in_/out_color_matrix take; a source tagged with none of these (or
# not tagged) is read with the matrix players guess for its size.
SCALE_MATRICES = {"bt709": "bt709", "smpte170m": "smpte170m", "bt470bg": "bt470bg", "fcc": "fcc",
                  "smpte240m": "smpte240m", "bt2020nc": "bt2020"}  # fmt: skip
SD_PRIMARIES = {576: "bt470bg", 480: "smpte170m", 486: "smpte170m"}  # PAL and NTSC; other SD sizes: BT.709's
SDR_TRANSFER = "bt709"  # an untagged transfer: players take every SDR curve (BT.709's, BT.601's) as BT.1886


@dataclass(frozen=True)
class Colour:
    """The colour an upscaled picture is converted into and tagged with: the source's, in ffmpeg's names, with
    what the source did not tag guessed as players guess it (`assumed` names those fields)."""

    space: str  # the Y'CbCr matrix, one of SCALE_MATRICES
    primaries: str
    transfer: str
    range: str  # "tv" (limited) or "pc" (full)
    assumed: tuple[str, ...] = ()  # "space", "primaries", "transfer", "range": not tagged in the source
    rgb_source: bool = False  # the source's pixels are RGB: no matrix or range to read them with


def is_hd(width: int, height: int) -> bool:
    """What players take for HD when a stream does not say its matrix (mpv, libplacebo, VLC and browsers)."""
    return width >= 1280 or height > 576


def source_colour(video: VideoInfo) -> Colour:
    """The source's colour, the fields it does not tag guessed from its stored size as players do: BT.601
    (SMPTE 170M) for SD and BT.709 for HD, limited range, BT.709 primaries except for 576-line (BT.470BG) and
    480-line (SMPTE 170M) pictures, the SDR transfer."""
    hd = is_hd(video.width, video.height)
    assumed = []
    space = video.colour_space
    if space not in SCALE_MATRICES:
        space = "bt709" if hd else "smpte170m"
        assumed.append("space")
    primaries = video.colour_primaries
    if not primaries:
        primaries = "bt709" if hd else SD_PRIMARIES.get(video.height, "bt709")
        assumed.append("primaries")
    transfer = video.colour_transfer or SDR_TRANSFER
    if not video.colour_transfer:
        assumed.append("transfer")
    rgb = video.colour_space == "gbr"
    colour_range = "tv" if rgb else video.colour_range or "tv"  # an RGB source's own range is not the output's
    if rgb or not video.colour_range:
        assumed.append("range")
    return Colour(space, primaries, transfer, colour_range, tuple(assumed), rgb_source=rgb)


def _scale_colour(colour: Colour | None) -> str:
    """scale's options that read its input in `colour`'s matrix and range and write the same: the source's pixels
    resized in their own Y'CbCr, converted by nothing, whatever swscale would guess for an untagged source."""
    if colour is None:
        return ""
    matrix = SCALE_MATRICES[colour.space]
    read = "" if colour.rgb_source else f":in_color_matrix={matrix}:in_range={colour.range}"
    return f"{read}:out_color_matrix={matrix}:out_range={colour.range}"


def colour_tags(colour: Colour) -> str:
    """Tags the frames (and so the encoded streams) with `colour`; converts nothing."""
    tags = f"colorspace={colour.space}:color_primaries={colour.primaries}:color_trc={colour.transfer}"
    return f"setparams={tags}:range={colour.range}"


# --- upscaling inside ffmpeg ---------------------------------------------------------------------------------
SHARPEN_STEPS = 20  # [enhance] sharpen is applied in steps of 1/20: the mask is an integer kernel


@dataclass(frozen=True)
class Upscale:
    """An upscale ffmpeg does itself (lanczos): the output size, the factor and the unsharp mask's strength."""

    width: int
    height: int
    factor: int
    sharpen: float = 0.0


def upscale_for(video: VideoInfo, factor: int, sharpen: float) -> Upscale:
    """`factor` times the displayed size (rotation applied, pixels made square), made even for yuv420p."""
    width, height = video.display_size
    return Upscale(width * factor // 2 * 2, height * factor // 2 * 2, factor, sharpen)


def sharpen_filter(sharpen: float, factor: int) -> str:
    """The light unsharp mask after an upscale, on luma: the picture plus `sharpen` times its difference from a
    binomial blur as wide as the factor spreads an edge (3x3 at 2x, 5x5 at 3x, 7x7 at 4x; 3x3 is a Gaussian of
    sigma 0.7 output pixels), one integer kernel for ffmpeg's `convolution`. Not ffmpeg's `unsharp`, the same
    mask, whose 8-bit arithmetic rounds down: -0.2 levels on average on real film."""
    size = 2 * min(max(factor, 2), 4) - 1
    amount = Fraction(sharpen).limit_denominator(SHARPEN_STEPS)
    row = [math.comb(size - 1, k) for k in range(size)]
    spread = 4 ** (size - 1)  # the 2-D binomial's sum: the kernel's divisor but for `amount`'s
    kernel = [-amount.numerator * a * b for a in row for b in row]
    kernel[len(kernel) // 2] += (amount.denominator + amount.numerator) * spread
    divisor = amount.denominator * spread
    common = math.gcd(divisor, *kernel)
    cells = " ".join(str(k // common) for k in kernel)
    return f"convolution=0m='{cells}':0rdiv=1/{divisor // common}"


def upscale_chain(upscale: Upscale, colour: Colour | None, pixel_format: str) -> str:
    """The source's frames (autorotated) resized by Lanczos straight to the output size, in their own Y'CbCr and
    the encode's pixel format, sharpened, with square pixels, tagged with the source's colour. Accurate rounding:
    without it swscale's Lanczos darkens real film by 0.06 levels."""
    scale = f"scale=w={upscale.width}:h={upscale.height}:flags=lanczos+accurate_rnd{_scale_colour(colour)}"
    chain = [scale, f"format={pixel_format}"]
    if upscale.sharpen > 0:
        chain.append(sharpen_filter(upscale.sharpen, upscale.factor))
    chain.append("setsar=1")
    if colour is not None:
        chain.append(colour_tags(colour))
    return ",".join(chain)


def piped_chain(colour: Colour, pixel_format: str) -> str:
    """The upscaled frames from the pipe (yuv420p, even-sized, still in the source's matrix and range:
    `adapters.frames`) tagged with its colour and put in the encode's pixel format (nothing else converted)."""
    return f"{colour_tags(colour)},format={pixel_format}"


@dataclass(frozen=True)
class Plan:
    """What one enhance pass writes: from where, into which files, with which filters."""

    source: Path
    media: MediaInfo
    upscale: bool  # the picture is upscaled: by ffmpeg with `scale`, else in Python, the frames coming on stdin (NUT)
    audio_filter: str  # "" = the audio is copied
    tracks: list[tuple[str, Path]]  # soft-copy subtitle tracks (language, file in the scratch folder)
    container: Container
    soft: Path | None  # temp paths
    burned: Path | None
    encode: EncodeOptions
    odd_size: bool = False  # frames of odd width or height: yuv420p needs even ones
    scale: Upscale | None = None  # ffmpeg upscales the source itself (lanczos): no frames through Python
    colour: Colour | None = None  # what the upscaled picture is converted into and tagged; None = as the frames come

    @property
    def piped(self) -> bool:
        """The upscaled frames come from Python on stdin."""
        return self.upscale and self.scale is None


def _pad(stream: str) -> str:
    """A stream or a label as a filter graph's input pad."""
    return stream if stream.startswith("[") else f"[{stream}]"


def _enhance_graph(plan: Plan, source_index: int) -> tuple[list[str], str, str, str, str]:
    """The filter graph, and the video and audio pads of the soft and the burned copy."""
    graph = []
    video = "0:v:0" if plan.piped else f"{source_index}:V:0"  # a stream; "[label]" once a filter made it
    if plan.scale is not None and plan.upscale:
        graph.append(f"{_pad(video)}{upscale_chain(plan.scale, plan.colour, plan.encode.pixel_format)}[up]")
        video = "[up]"
    elif plan.piped and plan.colour is not None:
        graph.append(f"{_pad(video)}{piped_chain(plan.colour, plan.encode.pixel_format)}[up]")
        video = "[up]"
    elif plan.piped and plan.odd_size:
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
    args: list[str] = ["-f", "nut", "-i", "pipe:0"] if plan.piped else []
    source_index = 1 if plan.piped else 0
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


# Seconds decoded before the moment previewed: ffmpeg's seek in some containers (MPEG-TS) lands on the keyframe
# after the time asked, so it is asked for earlier, and the frames before the moment are dropped by their time.
PREVIEW_PREROLL = 5.0


def preview_args(source: Path, media: MediaInfo, at: float, output: Path) -> list[str]:
    """ffmpeg arguments (run in the scratch folder) for the first frame at or after `at` seconds of the burned
    copy, as a PNG; nothing else is encoded. The input is seeked before it is opened (fast), its timestamps are
    put back where the burn has them (-ss starts them at 0) so that libass draws the cues of that moment, then
    the burn's own filters."""
    start = max(0.0, at - PREVIEW_PREROLL)
    return [
        "-ss", f"{start:.6f}", "-i", media_arg(source),
        "-map", "0:V:0",
        "-vf", f"setpts=PTS+{start:.6f}/TB,trim=start={at:.6f},{burn_chain(is_odd(media))}",
        "-frames:v", "1", "-c:v", "png", "-f", "image2", "-update", "1",  # one picture, its name taken as it is
        media_arg(output),
    ]  # fmt: skip
