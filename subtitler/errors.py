"""Every error a user can meet. Messages are written for a person, on one line."""

from __future__ import annotations


class SubtitlerError(Exception):
    """Base: its message is shown to the user as it is."""

    exit_code = 1


class UsageError(SubtitlerError):
    """The command line or its inputs are wrong before any work starts."""

    exit_code = 2


class PresetError(UsageError):
    """A preset file is missing, malformed, or has keys that do not exist."""

    def __init__(self, message: str, key: str | None = None, valid: tuple[str, ...] = ()):
        super().__init__(message)
        self.key = key
        self.valid = valid


class MediaError(SubtitlerError):
    """The input cannot be read as media."""

    def __init__(self, message: str, path: str):
        super().__init__(message)
        self.path = path


class NoAudioError(MediaError):
    """The input has no audio stream, so there is nothing to transcribe."""


class FFmpegError(SubtitlerError):
    """ffmpeg exited with an error; the tail of its stderr is kept."""

    def __init__(self, message: str, command: list[str], stderr_tail: str, returncode: int):
        super().__init__(message)
        self.command = command
        self.stderr_tail = stderr_tail
        self.returncode = returncode


class ModelError(SubtitlerError):
    """A Whisper model cannot be found, assembled or verified (found before any work: exit 2)."""

    exit_code = 2


class OutputError(SubtitlerError):
    """An output cannot be written where it was asked for."""


class MissingPairError(UsageError):
    """No translation engine here goes from one language to another (found before any work: exit 2)."""

    def __init__(self, message: str, source: str | None, target: str):
        super().__init__(message)
        self.source = source
        self.target = target


class EngineError(SubtitlerError):
    """A translation engine failed on this input."""


class FontError(SubtitlerError):
    """No installed font can draw some characters of the subtitles to burn."""

    def __init__(self, message: str, uncovered: str):
        super().__init__(message)
        self.uncovered = uncovered
