"""What a real camera does to a clip: exposure, colour, optics, sensor noise and compression.

Each step is one pure function of (T, H, W, 3) uint8 RGB (or (T, H, W) grey) frames and
the parameters a clip drew, in the order a camera applies them: exposure and white
balance, grey conversion (for a grey clip), optical blur and sensor noise, then lossy
compression.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from engine.synth.scene import gaussian_noise_table


@dataclass(frozen=True)
class Exposure:
    """Brightness, contrast, gamma, slow exposure drift and white balance.

    Attributes:
        gain: brightness multiplier.
        contrast: contrast about mid-grey.
        gamma: output = input ** gamma (on 0-1 values).
        drift: amplitude of a slow brightness oscillation (auto exposure), share of the gain.
        drift_hz: its frequency.
        channel_gains: (3,) white-balance gains of R, G, B.
        saturation: colour saturation multiplier.
    """

    gain: float = 1.0
    contrast: float = 1.0
    gamma: float = 1.0
    drift: float = 0.0
    drift_hz: float = 0.2
    channel_gains: tuple[float, float, float] = (1.0, 1.0, 1.0)
    saturation: float = 1.0


def draw_lighting(rng: np.random.Generator) -> dict:
    """Exposure fields of a random scene: dim to bright, flat to contrasty, with drift."""
    return {"gain": float(rng.uniform(0.8, 1.35)), "contrast": float(rng.uniform(0.8, 1.3)),
            "gamma": float(rng.uniform(0.7, 1.2)), "drift": float(rng.uniform(0.0, 0.08)),
            "drift_hz": float(rng.uniform(0.1, 0.6))}


def draw_white_balance(rng: np.random.Generator) -> dict:
    """Exposure fields of a colour cast (warm, cool, green or magenta) and saturation."""
    gains = np.exp(rng.normal(0.0, 0.05, 3))
    return {"channel_gains": tuple(float(g) for g in gains / gains.mean()), "saturation": float(rng.uniform(0.8, 1.35))}


def exposure_tables(exposure: Exposure, times: np.ndarray) -> np.ndarray:
    """(T, 256, 3) uint8 lookup tables of each frame: gain (with drift), white balance, contrast, gamma."""
    levels = np.arange(256, dtype=np.float32)[None, :, None] / 255.0
    drift = 1.0 + exposure.drift * np.sin(2 * np.pi * exposure.drift_hz * np.asarray(times, dtype=np.float32))
    gains = exposure.gain * drift[:, None, None] * np.asarray(exposure.channel_gains, dtype=np.float32)[None, None, :]
    value = np.clip((levels * gains - 0.5) * exposure.contrast + 0.5, 0.0, 1.0) ** exposure.gamma
    return np.round(value * 255).astype(np.uint8)


def expose(frames: np.ndarray, exposure: Exposure, times: np.ndarray) -> np.ndarray:
    """Applies exposure and white balance through per-frame lookup tables, then the saturation.

    Args:
        frames: (T, H, W, 3) uint8 RGB.
        exposure: the parameters.
        times: (T,) seconds (for the drift).

    Returns:
        (T, H, W, 3) uint8 new array.
    """
    tables = exposure_tables(exposure, times)
    out = np.empty_like(frames)
    for i, frame in enumerate(frames):
        out[i] = cv2.LUT(frame, tables[i][:, None, :])
        if exposure.saturation != 1.0:
            grey = cv2.cvtColor(cv2.cvtColor(out[i], cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
            out[i] = cv2.addWeighted(out[i], exposure.saturation, grey, 1.0 - exposure.saturation, 0.0)
    return out


def frames_to_grey(frames: np.ndarray) -> np.ndarray:
    """(T, H, W, 3) uint8 RGB -> (T, H, W) uint8 luma (ITU-R BT.601, as OpenCV)."""
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


def optics_and_noise(frames: np.ndarray, rng: np.random.Generator, blur_sigma: float, noise_sigma: float,
                     chroma_sigma: float = 0.0) -> np.ndarray:
    """Optical blur, then Gaussian luma noise (shared by the channels) and chroma noise.

    Args:
        frames: (T, H, W, 3) or (T, H, W) uint8.
        rng: randomness of the noise.
        blur_sigma: Gaussian blur in pixels (0 for none).
        noise_sigma: luma noise, grey levels.
        chroma_sigma: per-channel noise, grey levels (colour frames only).

    Returns:
        A new array shaped like ``frames``.
    """
    out = np.empty_like(frames)
    luma_table = gaussian_noise_table(noise_sigma)
    chroma_table = gaussian_noise_table(chroma_sigma) if frames.ndim == 4 and chroma_sigma > 0 else None
    plane = frames.shape[1] * frames.shape[2]
    for i, frame in enumerate(frames):
        image = cv2.GaussianBlur(frame, (0, 0), blur_sigma) if blur_sigma > 0 else frame
        noise = cv2.LUT(np.frombuffer(rng.bytes(plane), np.uint8).reshape(frame.shape[:2]), luma_table)
        if frame.ndim == 3:
            noise = cv2.merge((noise, noise, noise))
            if chroma_table is not None:
                chroma = cv2.LUT(np.frombuffer(rng.bytes(frame.size), np.uint8).reshape(frame.shape), chroma_table)
                noise = cv2.add(noise, chroma, dtype=cv2.CV_16S)
        out[i] = cv2.add(image, noise, dtype=cv2.CV_8U)
    return out


def jpeg_recode(frames: np.ndarray, quality: int, downscale: float = 1.0) -> np.ndarray:
    """Re-encodes every frame as a JPEG at ``quality``, optionally at a reduced resolution.

    Args:
        frames: (T, H, W, 3) or (T, H, W) uint8.
        quality: JPEG quality 1-100.
        downscale: resolution factor of the encoded frames (1 keeps the size).

    Returns:
        A new array shaped like ``frames``.
    """
    out = np.empty_like(frames)
    height, width = frames.shape[1:3]
    small = (max(8, round(width * downscale)), max(8, round(height * downscale)))
    for i, frame in enumerate(frames):
        image = cv2.resize(frame, small, interpolation=cv2.INTER_AREA) if downscale < 1.0 else frame
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
        decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
        if downscale < 1.0:
            decoded = cv2.resize(decoded, (width, height), interpolation=cv2.INTER_LINEAR)
        out[i] = decoded.reshape(frame.shape)
    return out
