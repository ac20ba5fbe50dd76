"""Frame upscaling with OpenCV: Lanczos, or a learned model (FSRCNN, ESPCN, LapSRN); PSNR and SSIM.

The learned models are luma networks: they take Y' and give Y' `scale` times larger. Here the luma goes
through the network in floating point (`cv2.dnn`, the graph `dnn_superres` loads) and comes back made
consistent with the input by one back-projection step (Irani and Peleg): the output, shrunk back by area
averaging, is compared with the input and the difference, enlarged, is added. The networks alone shift the
mean level (ESPCN +0.2 to +0.4 luma levels, FSRCNN -0.06 to -0.16 on real footage) and the step removes that,
and gains PSNR (+0.9 dB on film at 2x). Chroma is enlarged by bicubic interpolation. `upscale_ycbcr` does this
on a video frame's own Y'CbCr planes (no colour conversion: the frame keeps its matrix and range);
`upscale` on an RGB image, through BT.601 Y'CbCr in floating point (as `dnn_superres` does, but without its
8-bit round trips, which move flat colours by up to a level).

Threads: one network must not run in two threads at once. Measured with opencv-contrib 5.0.0: two threads
calling `dnn_superres`'s `upsample` on one shared instance return corrupt frames (pixels off by up to 255)
and raise nothing, while two instances, one per thread, give exactly the single-thread output. So the video
pipeline builds one `Upscaler` per worker thread. An Upscaler that is shared anyway is serialised by its own
lock: correct, but no faster than one thread.
"""

from __future__ import annotations

import logging
import threading

import cv2
import numpy as np

from subtitler.errors import ModelError
from subtitler.superres import LANCZOS, SuperResModel

log = logging.getLogger(__name__)

# --upscale-method -> the algorithm name dnn_superres knows (FSRCNN-small is an FSRCNN with fewer filters).
DNN_NAMES = {"fsrcnn": "fsrcnn", "fsrcnn-small": "fsrcnn", "espcn": "espcn", "lapsrn": "lapsrn"}
UNSHARP_SIGMA = 1.0  # at output resolution: a light mask that restores edges, not a halo maker
SSIM_WINDOW, SSIM_SIGMA, SSIM_K1, SSIM_K2 = 11, 1.5, 0.01, 0.03
_PROBE_SIZE = 16
# dnn_superres registers its DepthToSpace layer on first use, unguarded: two threads loading at once fail with
# 'Layer "DepthToSpace" already was registered' (seen with two workers). Models are loaded one at a time.
_LOADING = threading.Lock()
Planes = tuple[np.ndarray, np.ndarray, np.ndarray]  # Y', Cb, Cr (uint8; the chroma may be subsampled)


class Upscaler:
    """Upscales RGB uint8 frames (H, W, 3), or a video frame's Y'CbCr planes, exactly `scale` times.

    `sharpen` is the strength of the light unsharp mask applied after a Lanczos resize (0 = none); the
    learned models restore edges themselves and ignore it. Build one per worker thread (see the module
    docstring). The model is loaded and tried on a small frame here, so a wrong file fails before any
    video is decoded.
    """

    def __init__(self, model: SuperResModel, sharpen: float = 0.0):
        if sharpen < 0:
            raise ValueError(f"sharpen must be >= 0, not {sharpen}")
        self.model = model
        self.sharpen = float(sharpen) if model.method == LANCZOS else 0.0
        self._lock = threading.Lock()
        self._net = None if model.method == LANCZOS else self._load(model)

    @property
    def scale(self) -> int:
        return self.model.scale

    @staticmethod
    def _load(model: SuperResModel):
        if model.path is None or model.method not in DNN_NAMES:
            raise ModelError(f"upscale method {model.method} needs a model file; known methods: lanczos, {', '.join(DNN_NAMES)}")
        with _LOADING:
            return Upscaler._load_alone(model)

    @staticmethod
    def _load_alone(model: SuperResModel):
        checker = cv2.dnn_superres.DnnSuperResImpl_create()  # type: ignore[attr-defined]  # contrib module, not in the stubs
        try:
            # dnn_superres checks the graph, and registers the DepthToSpace layer that cv2.dnn needs to run it.
            checker.readModel(str(model.path))
            checker.setModel(DNN_NAMES[model.method], model.scale)
            probe = checker.upsample(np.zeros((_PROBE_SIZE, _PROBE_SIZE, 3), np.uint8))
            net = cv2.dnn.readNetFromTensorflow(str(model.path))
        except cv2.error as exc:
            reason = str(exc).strip().splitlines()[-1]
            raise ModelError(f"{model.path} cannot be used as a {model.method} x{model.scale} model: {reason}") from exc
        if probe.shape[:2] != (_PROBE_SIZE * model.scale,) * 2:
            raise ModelError(
                f"{model.path} upscales by {probe.shape[0] / _PROBE_SIZE:g}, not by {model.scale} as a {model.method} "
                f"x{model.scale} model should"
            )
        log.debug("loaded %s x%d from %s", model.method, model.scale, model.path)
        return net

    def upscale(self, frame: np.ndarray) -> np.ndarray:
        """One RGB uint8 (H, W, 3) frame, `scale` times larger in both directions."""
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 (H, W, 3) frame, got {frame.dtype} {frame.shape}")
        height, width = frame.shape[:2]
        if self._net is None:
            out = cv2.resize(frame, (width * self.scale, height * self.scale), interpolation=cv2.INTER_LANCZOS4)
            return unsharp(out, self.sharpen) if self.sharpen else out
        ycrcb = cv2.cvtColor(frame.astype(np.float32) / 255, cv2.COLOR_RGB2YCrCb)  # BT.601, Y' 0..1, chroma around 0.5
        luma = self.upscale_luma(ycrcb[..., 0] * 255) / 255
        chroma = cv2.resize(ycrcb[..., 1:], (width * self.scale, height * self.scale), interpolation=cv2.INTER_CUBIC)
        rgb = cv2.cvtColor(np.dstack([luma, chroma]), cv2.COLOR_YCrCb2RGB)
        return _to_uint8(rgb * 255)

    def upscale_ycbcr(self, planes: Planes, full_range: bool = False) -> Planes:
        """A video frame's Y'CbCr planes (uint8, limited range unless `full_range`), each `scale` times larger:
        the luma by the model (or Lanczos and the unsharp mask), the chroma by bicubic interpolation. The
        matrix is whatever the frame's is: nothing here depends on it."""
        luma, cb, cr = planes
        black, span = (0.0, 255.0) if full_range else (16.0, 219.0)
        normalised = (luma.astype(np.float32) - black) * (255.0 / span)  # the 0..255 luma the models learned from
        if self._net is None:
            grown = cv2.resize(normalised, None, fx=self.scale, fy=self.scale, interpolation=cv2.INTER_LANCZOS4)
            out = unsharp(grown, self.sharpen) if self.sharpen else grown
        else:
            out = self.upscale_luma(normalised)
        interpolation = cv2.INTER_LANCZOS4 if self._net is None else cv2.INTER_CUBIC
        chroma = [cv2.resize(c, None, fx=self.scale, fy=self.scale, interpolation=interpolation) for c in (cb, cr)]
        return _to_uint8(out * (span / 255.0) + black), chroma[0], chroma[1]

    def upscale_luma(self, luma: np.ndarray) -> np.ndarray:
        """A float32 luma plane on 0..255 through the model, `scale` times larger, made consistent with it (one
        back-projection step); float32, not rounded."""
        if self._net is None:
            raise ValueError("lanczos has no luma model")
        height, width = luma.shape
        with self._lock:
            self._net.setInput(cv2.dnn.blobFromImage(np.ascontiguousarray(luma, dtype=np.float32) / 255.0))
            out = self._net.forward()[0, 0] * 255.0
        shrunk = cv2.resize(out, (width, height), interpolation=cv2.INTER_AREA)
        return out + cv2.resize(luma - shrunk, (out.shape[1], out.shape[0]), interpolation=cv2.INTER_CUBIC)


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def unsharp(image: np.ndarray, amount: float, sigma: float = UNSHARP_SIGMA) -> np.ndarray:
    """image + amount * (image - blurred), saturated to 0..255."""
    blurred = cv2.GaussianBlur(image, (0, 0), sigma)
    return cv2.addWeighted(image, 1.0 + amount, blurred, -amount, 0)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 images of the same shape (inf when identical)."""
    _same_shape(a, b)
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM (Wang et al. 2004) of two uint8 images on luma: 11x11 Gaussian window (sigma 1.5),
    K1 = 0.01, K2 = 0.03, averaged where the window fits (no border padding). RGB frames use BT.601 luma."""
    _same_shape(a, b)
    x, y = _luma(a), _luma(b)
    c1, c2 = (SSIM_K1 * 255) ** 2, (SSIM_K2 * 255) ** 2

    def blur(image: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(image, (SSIM_WINDOW, SSIM_WINDOW), SSIM_SIGMA)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    pad = SSIM_WINDOW // 2
    valid = ssim_map[pad:-pad, pad:-pad] if min(ssim_map.shape) > 2 * pad else ssim_map
    return float(valid.mean())


def _luma(image: np.ndarray) -> np.ndarray:
    pixels = image.astype(np.float64)
    if pixels.ndim == 2:
        return pixels
    return pixels[..., 0] * 0.299 + pixels[..., 1] * 0.587 + pixels[..., 2] * 0.114


def _same_shape(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} and {b.shape}")
