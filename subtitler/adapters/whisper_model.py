"""faster-whisper's WhisperModel, its encoder given two 30 s windows at a time on a CPU.

Batched decoding hands the encoder every window of a batch at once (8 on a CPU). Its self-attention then holds
8 heads x 1500 x 1500 scores for each window, about 90 MiB a window, and on a CPU the big batch is slower too:
on 2 cores, 8 windows took 3.25 s at once, 2.8 s four at a time, 2.35 s two at a time and 2.4 s one at a time
(`base`, int8). A window's encoder output is the same, bit for bit, in a batch of 8 as in a pair
(tests/test_transcribe.py checks it), so the windows go through the encoder in pairs and their outputs are
joined for the decoder, which still decodes the whole batch at once. On a GPU the batch is left whole.

Imported when a model is loaded, not at start-up: it imports faster-whisper and CTranslate2.
"""

from __future__ import annotations

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel

CPU_ENCODE_AT_ONCE = 2  # windows the encoder takes at once on a CPU


class Model(WhisperModel):
    """A WhisperModel whose encoder, on a CPU, takes at most CPU_ENCODE_AT_ONCE windows at once."""

    def encode(self, features: np.ndarray) -> ctranslate2.StorageView:
        whole = super().encode
        at_once = CPU_ENCODE_AT_ONCE if self.model.device == "cpu" else 0
        if not at_once or features.ndim == 2 or len(features) <= at_once:
            return whole(features)
        parts = [np.asarray(whole(features[i : i + at_once])) for i in range(0, len(features), at_once)]
        return ctranslate2.StorageView.from_array(np.concatenate(parts))
