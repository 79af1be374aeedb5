"""Work done once when the app's server starts, so that the first page view does not pay for it.

On two CPU cores, importing torch, OpenCV and Plotly takes about 3 s, and the first
forward and backward pass, the first Plotly figure and the first player payload
of a process each pay a one-off set-up cost. :func:`warm_up` does all of it once,
on the first bundled checkpoint and sample clip; what it computes is thrown away
(the pages compute their own results, through their caches).
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)


def warm_up(device: str | None = None) -> dict[str, float]:
    """Import the first view's modules and run its pipeline once; returns seconds per stage.

    Stages: ``imports``, then ``analysis`` and ``views`` when a bundled checkpoint
    and sample clip exist. Never raises: a failed warm-up only makes the first view
    slower, so it is logged and the rest skipped.
    """
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    try:
        from engine import analyse_clip, load_checkpoint, read_clip
        from engine.models import default_device
        from engine.viz import figures as plots
        from engine.viz import player
        from ui import state

        seconds["imports"] = time.perf_counter() - started
        checkpoints, samples = state.list_checkpoints(), state.list_sample_clips()
        if not checkpoints or not samples:
            return seconds
        started = time.perf_counter()
        loaded = load_checkpoint(next(iter(checkpoints.values())), device=device or default_device())
        spec = loaded.meta.input_spec
        clip = read_clip(next(iter(samples.values())), spec.num_frames, frame_step=spec.frame_step)
        analysis = analyse_clip(loaded, clip)
        seconds["analysis"] = time.perf_counter() - started
        started = time.perf_counter()
        player.explore_payload(analysis)  # the browser player's data (JPEG and PNG encoders)
        result = analysis.result
        plots.probability_bars(result.classes, result.probabilities, result.target).to_json()
        seconds["views"] = time.perf_counter() - started
    except Exception:  # a warm-up must never stop the server
        log.exception("warm-up failed; the first page view will be slower")
    return seconds
