"""Pure data that flows through the pipeline. Times are float seconds everywhere."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str  # as Whisper wrote it, leading space included (" Hello")
    probability: float = 1.0


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


@dataclass(frozen=True)
class Transcript:
    language: str
    language_probability: float
    duration: float
    segments: tuple[Segment, ...] = ()

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.segments for w in s.words)

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())


@dataclass(frozen=True)
class Sentence:
    """A stretch of speech translated as one unit: its span, and its text in one language."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Translation:
    """One target language's sentences, and the route of engines that made them ("argos:de>en, argos:en>it")."""

    language: str
    source_language: str
    route: str
    sentences: tuple[Sentence, ...] = ()


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]
    words: tuple[Word, ...] = ()  # the words shown, with their spoken times (for word-by-word highlighting)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class StreamInfo:
    index: int
    kind: str  # "video" | "audio" | "subtitle" | "data" | "attachment"
    codec: str
    language: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class VideoInfo:
    width: int  # stored size, in pixels
    height: int
    fps: float
    rotation: int = 0  # degrees, as the display matrix says (-90 = portrait phone clip)
    sar: float = 1.0  # sample (pixel) aspect ratio
    # Colour as the stream tags it, in ffmpeg's names; "" = not tagged (players then guess from the size).
    colour_space: str = ""  # the Y'CbCr matrix: "bt709", "smpte170m", "bt470bg"...; "gbr" for RGB-coded pictures
    colour_primaries: str = ""  # "bt709", "smpte170m", "bt470bg"...
    colour_transfer: str = ""  # "bt709", "smpte170m", "iec61966-2-1"...
    colour_range: str = ""  # "tv" (limited, 16-235) or "pc" (full, 0-255)

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as a player shows the picture: pixel aspect applied, then rotation."""
        width = 2 * round(self.width * self.sar / 2)
        if self.rotation % 180:
            return self.height, width
        return width, self.height

    @property
    def displayed_sar(self) -> float:
        """Pixel aspect of the frames a filter sees after ffmpeg's autorotation."""
        return 1.0 / self.sar if self.rotation % 180 else self.sar


@dataclass(frozen=True)
class MediaInfo:
    path: str
    container: str  # PyAV's format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    duration: float
    size_bytes: int
    mtime: float
    streams: tuple[StreamInfo, ...] = ()
    video: VideoInfo | None = None
    audio_codec: str | None = None

    @property
    def has_video(self) -> bool:
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    @property
    def subtitle_streams(self) -> tuple[StreamInfo, ...]:
        return tuple(s for s in self.streams if s.kind == "subtitle")
