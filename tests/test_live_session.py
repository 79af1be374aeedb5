"""The live loop: the shared pool, one job per session on the newest window, stale work dropped, clean stop."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from engine import load_checkpoint
from engine.io.tensors import frames_to_tensor
from engine.live import ClipCamera, LivePool, LiveSession, LiveSettings
from engine.paths import assets_dir
from ui.state import list_sample_clips

WAIT_S = 60.0


@pytest.fixture(scope="module")
def loaded():
    return load_checkpoint(assets_dir() / "models" / "cnnlstm.pt")


@pytest.fixture
def pool():
    pool = LivePool(workers=1, idle_s=0.2, name="test-live")
    yield pool
    assert pool.close(timeout=WAIT_S)
    assert not [t for t in threading.enumerate() if t.name.startswith("test-live")]


def play(session: LiveSession, clip: str, seconds: float, start: float = 0.0) -> float:
    """Pushes ``seconds`` of a bundled clip, ping-ponged at 25 fps, with capture times from ``start``."""
    camera = ClipCamera.from_file(str(list_sample_clips()[clip]), max_side=160)
    steps = int(seconds * camera.fps)
    for step in range(steps):
        session.push(camera.frame(step)[0], start + step / camera.fps)
    return start + (steps - 1) / camera.fps


def wait_until(condition, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def blocked(pool: LivePool) -> threading.Event:
    """Occupies the pool's one worker until the returned Event is set."""
    release, running = threading.Event(), threading.Event()
    pool.submit(lambda: (running.set(), release.wait(WAIT_S)))
    running.wait(WAIT_S)
    return release


def test_the_pool_starts_threads_on_demand_and_they_end_when_idle():
    pool = LivePool(workers=2, idle_s=0.1, name="test-idle")
    done = []
    for n in range(6):
        pool.submit(lambda n=n: done.append(n))
    wait_until(lambda: len(done) == 6)
    assert pool.threads() <= 2
    wait_until(lambda: pool.threads() == 0)
    assert not [t for t in threading.enumerate() if t.name.startswith("test-idle")]
    pool.submit(lambda: done.append(6))  # a new job after the idle end starts a thread again
    wait_until(lambda: len(done) == 7)
    assert pool.close()
    assert not pool.submit(lambda: done.append(8))


def test_a_session_explains_the_newest_window_and_blends_it(loaded, pool):
    session = LiveSession(loaded, pool, LiveSettings(method="gradient"))
    play(session, "walking_right", 2.0)
    wait_until(lambda: session.latest() is not None)
    update = session.latest()
    result = update.result
    assert result.classes[result.predicted] == "walking"
    assert not update.nobody_moving  # a walker moves
    assert update.importance.shape == (16,) and update.importance.sum() == pytest.approx(1.0, abs=1e-5)
    # the window is the exact input: the same frames give the same probabilities
    probs = loaded.predict(frames_to_tensor(update.window.frames, loaded.meta.input_spec))[0].numpy()
    assert np.allclose(probs, result.probabilities, atol=1e-5)
    clip = session.frozen_clip()
    assert np.array_equal(clip.frames, update.window.frames) and clip.num_frames == 16
    assert clip.indices.tolist() == list(range(0, 31, 2)) and clip.fps == pytest.approx(25)  # camera frames
    frame = np.full((120, 160, 3), 90, np.uint8)
    assert not np.array_equal(session.blend(frame), frame)
    assert session.stop()


def test_a_queued_job_takes_the_newest_window_when_it_starts(loaded, pool):
    session = LiveSession(loaded, pool)
    release = blocked(pool)
    play(session, "walking_right", 1.5)  # the first push queues one job; it cannot start yet
    newest = play(session, "walking_right", 1.0, start=10.0)  # a newer second (a new stream's clock)
    release.set()
    wait_until(lambda: session.latest() is not None)
    assert session.latest().window.newest_time == newest
    assert session.counts["updates"] == 1 and session.stop()


def test_each_session_has_at_most_one_job_queued(loaded):
    submitted = []

    class CountingPool(LivePool):
        def submit(self, job):
            submitted.append(job)
            return super().submit(job)

    pool = CountingPool(workers=1, idle_s=0.2)
    release = blocked(pool)
    submitted.clear()
    sessions = [LiveSession(loaded, pool) for _ in range(2)]
    for session in sessions:
        play(session, "running_right", 2.0)  # 50 frames each
    assert len(submitted) == 2  # one per session, not one per frame
    release.set()
    wait_until(lambda: all(s.latest() is not None for s in sessions))
    assert all(s.stop() for s in sessions) and pool.close()


def test_a_result_computed_under_old_settings_is_dropped(loaded, pool):
    session = LiveSession(loaded, pool, LiveSettings(method="gradient"))
    release = blocked(pool)
    play(session, "walking_right", 1.5)
    started = threading.Event()
    real = session._explain_newest

    def slow(settings, latest):  # the job has started; the user changes the method meanwhile
        started.set()
        update = real(settings, latest)
        wait_until(lambda: session.settings.method == "input_x_gradient")
        return update

    session._explain_newest = slow
    release.set()
    started.wait(WAIT_S)
    session.update_settings(LiveSettings(method="input_x_gradient"))
    wait_until(lambda: session.counts["dropped"] == 1 and not session._in_flight)
    assert session.latest() is None and session.counts["updates"] == 0
    session._explain_newest = real
    play(session, "walking_right", 1.5, start=20.0)
    wait_until(lambda: session.latest() is not None)
    assert session.latest().result.method == "input_x_gradient"
    assert session.stop()


def test_stop_cancels_and_waits_and_leaves_no_thread(loaded):
    before = {t.ident for t in threading.enumerate()}
    pool = LivePool(workers=1, idle_s=0.1, name="test-stop")
    for _ in range(3):  # several start and stop cycles
        session = LiveSession(loaded, pool, LiveSettings(method="gradcam"))
        play(session, "running_left", 1.5)
        assert session.stop(timeout=WAIT_S)
        session.push(np.zeros((120, 160, 3), np.uint8), 99.0)  # a frame after STOP queues nothing
        assert not session._in_flight
    assert pool.close(timeout=WAIT_S)
    assert {t.ident for t in threading.enumerate()} <= before


def test_recent_frames_play_back_at_the_cameras_rate(loaded, pool):
    session = LiveSession(loaded, pool, ring_seconds=3.0)
    for n in range(100):  # 4 s at 25 fps with every 5th frame lost
        if n % 5 != 4:
            session.push(np.full((12, 16, 3), n, np.uint8), n / 25)
    frames, fps = session.recent_frames(1.98)
    assert fps == pytest.approx(25.0)
    assert len(frames) == 49 and frames[0][0, 0, 0] == 50 and frames[-1][0, 0, 0] == 98  # 2.00 s to 3.92 s (49 lost)
    assert frames[-2][0, 0, 0] == 97  # present: itself
    assert frames[44][0, 0, 0] in (93, 95)  # 3.76 s is frame 94, lost: a neighbour stands in
    assert session.stop()


def test_an_unknown_method_is_a_clear_error(loaded, pool):
    from engine import UserError

    with pytest.raises(UserError, match="Unknown saliency method"):
        LiveSession(loaded, pool, LiveSettings(method="nope"))



def test_pool_workers_run_torch_on_their_own_thread_count():
    import torch

    seen = []
    pool = LivePool(workers=1, idle_s=0.1, torch_threads=1)
    before = torch.get_num_threads()
    pool.submit(lambda: seen.append(torch.get_num_threads()))
    wait_until(lambda: seen)
    assert seen == [1]
    assert torch.get_num_threads() == before  # the caller's own count is untouched
    assert pool.close()


def test_a_still_scene_says_no_one_moving(loaded, pool):
    session = LiveSession(loaded, pool)
    still = ClipCamera.from_file(str(list_sample_clips()["walking_right"]), max_side=160).frames[0]
    for step in range(2000):  # one frame over and over: an empty scene, until the first update
        session.push(still, step / 25)
        if session.latest() is not None:
            break
        time.sleep(0.01)
    update = session.latest()
    assert update.nobody_moving and update.motion.moving_share < update.motion.threshold
    assert np.array_equal(session.blend(still), still)  # no verdict, no heatmap over the video
    assert session.stop()


def test_the_next_job_starts_when_frames_came_during_the_last_one(loaded, pool):
    session = LiveSession(loaded, pool)
    camera = ClipCamera.from_file(str(list_sample_clips()["walking_right"]), max_side=160)
    for step in range(40):  # a burst: the first push queues the only job
        session.push(camera.frame(step)[0], step / camera.fps)
    wait_until(lambda: session.latest() is not None)
    first = session.latest()
    started = threading.Event()
    real = session._explain_newest

    def slow(settings, latest):
        started.set()
        update = real(settings, latest)
        time.sleep(0.3)  # frames arrive while this job runs
        return update

    session._explain_newest = slow
    wait_until(lambda: not session._in_flight)
    session.push(camera.frame(40)[0], 40 / camera.fps)  # queues a job
    started.wait(WAIT_S)
    session.push(camera.frame(41)[0], 41 / camera.fps)  # arrives during it: no push comes after
    wait_until(lambda: session.latest().window.newest_time == 41 / camera.fps)
    assert session.latest() is not first and session.stop()


@pytest.mark.parametrize("name, method", [("cnn_ica_lstm", "gradcam"), ("c3d", "gradcam_pp"), ("c3d", "gradient")])
def test_other_bundled_checkpoints_and_methods_run_live(pool, name, method):
    other = load_checkpoint(assets_dir() / "models" / f"{name}.pt")
    session = LiveSession(other, pool, LiveSettings(method=method))
    camera = ClipCamera.from_file(str(list_sample_clips()["running_right"]), max_side=160)
    for step in range(2000):  # until the first update
        session.push(camera.frame(step)[0], step / camera.fps)
        if session.latest() is not None:
            break
        time.sleep(0.01)
    update = session.latest()
    assert update.result.method == method and update.result.attributions.shape[0] == other.meta.input_spec.num_frames
    assert session.error is None and session.stop()
