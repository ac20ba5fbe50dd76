"""Every error a user can meet. Messages are written for a person, on one line."""

from __future__ import annotations

from typing import Literal


class SubtitlerError(Exception):
    """Base: its message is shown to the user as it is."""

    exit_code = 1


class UsageError(SubtitlerError):
    """The command line or its inputs are wrong before any work starts."""

    exit_code = 2


class PresetError(UsageError):
    """A preset file is missing, malformed, has keys that do not exist, or a value that is not allowed.

    The evidence: `table` ("style", "portrait.cues"), `key`, the `value` given, what is `allowed` (in words)
    and, where the allowed values are a list, `valid`."""

    def __init__(
        self,
        message: str,
        key: str | None = None,
        valid: tuple[str, ...] = (),
        *,
        table: str | None = None,
        value: object = None,
        allowed: str = "",
    ):
        super().__init__(message)
        self.key = key
        self.valid = valid
        self.table = table
        self.value = value
        self.allowed = allowed


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


Step = Literal["download", "size", "sha256", "structure"]


class FetchError(ModelError):
    """Fetching or checking a model file failed.

    `step` says where: "download" (the transfer, the disk or the rename), "size" (not the expected size, or
    over the cap), "sha256" or "structure". `source` is the URL or the file, `reason` what went wrong in a few
    words, `expected` and `actual` the values compared (hex digests, byte counts) where there were any.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str,
        step: Step,
        reason: str,
        expected: str | int | None = None,
        actual: str | int | None = None,
    ) -> None:
        super().__init__(message)
        self.source = source
        self.step = step
        self.reason = reason
        self.expected = expected
        self.actual = actual

    def reworded(self, message: str) -> FetchError:
        """The same failure, with its evidence, told in a caller's words."""
        return FetchError(
            message, source=self.source, step=self.step, reason=self.reason, expected=self.expected, actual=self.actual
        )


class SubtitleFileError(UsageError):
    """A subtitle file given to burn is malformed or over a limit (one line per problem, each naming its line)."""

    def __init__(self, message: str, path: str, problems: tuple[tuple[int, str], ...]):
        super().__init__(message)
        self.path = path
        self.problems = problems  # (line number, rule), the line 0 for the file as a whole


class EditConflict(SubtitlerError):
    """A correction was made from a version of the subtitles that is no longer the newest: saving it would
    overwrite, unseen, what someone saved since. `current` is the newest version (0: none yet), `base` the one
    the refused correction was made from."""

    exit_code = 2

    def __init__(self, message: str, language: str, current: int, base: int):
        super().__init__(message)
        self.language = language
        self.current = current
        self.base = base
