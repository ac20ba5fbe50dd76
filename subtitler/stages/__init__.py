"""The stages, each a module with one `run(job) -> job`, and the list a run goes through.

No stage imports another: what two stages share lives in modules that are not stages
(`digests`, `subtitle_files`, `canvas`, `burning`, `ffmpeg_args`, `audio`, `targets`).
"""

from __future__ import annotations

from subtitler.job import Stage
from subtitler.options import Options
from subtitler.stages.burn import Burn
from subtitler.stages.enhance import Enhance
from subtitler.stages.extract_audio import ExtractAudio
from subtitler.stages.mux import Mux
from subtitler.stages.probe import Probe
from subtitler.stages.record import Record
from subtitler.stages.resume import Resume
from subtitler.stages.review import Review
from subtitler.stages.segment import Segment
from subtitler.stages.transcribe import Transcribe
from subtitler.stages.translate import Translate
from subtitler.stages.write import Write


def build_stages(options: Options) -> list[Stage]:
    """The stages a run with these options needs, in order."""
    stages: list[Stage] = [Probe(), Resume(), ExtractAudio(), Transcribe(), Segment(), Translate(), Write()]
    if options.enhance.upscale > 1 or options.enhance.audio:
        stages.append(Enhance())  # both video outputs in one pass
    else:
        if options.output.mux:
            stages.append(Mux())
        if options.output.burn:
            stages.append(Burn())
    if options.review.report:
        stages.append(Review())
    stages.append(Record())
    return stages
