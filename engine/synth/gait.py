"""Side-view gait kinematics of a walker or a runner.

Units and axes (the *body frame*): x points in the direction of travel and is
measured from the hip, y points up from the ground, and one unit is the leg
length L (hip to ankle with a straight knee). Angles are in radians from the
downward vertical, positive forward.

Stance legs are solved by inverse kinematics so the foot stays planted: the
ankle stays put while the foot is flat, then the foot rolls about its planted
toe (heel rise). Swing ankles follow an explicit path, so a swinging foot never
goes below the ground. The hip height is a smooth bob capped by what the stance
legs can reach, which yields the inverted-pendulum bob of walking and the low
stance and high flight of running.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

THIGH = 0.49
SHANK = 0.51
LEG_REACH = 0.995 * (THIGH + SHANK)
TORSO = 0.55
UPPER_ARM = 0.35
FOREARM = 0.42
NECK = 0.08
HEAD_RADIUS = 0.12
FOOT_FORWARD = 0.22
FOOT_BACK = 0.06
HEEL_STRIKE_TOE_UP = np.deg2rad(12.0)
TOUCHDOWN_SHARE = 0.42  # share of the stance travel done before the hip passes the ankle


@dataclass(frozen=True)
class Gait:
    """One person's gait, in body-frame units (leg lengths, seconds, degrees).

    Attributes:
        running: True for a run (flight phase), False for a walk.
        cadence_hz: steps per second (two steps make a stride).
        stance_fraction: share of a stride each foot is on the ground.
        step_length: hip travel per step, leg lengths.
        swing_lift: highest ankle height in swing, leg lengths.
        swing_lift_at: swing progress (0-1) at which the ankle is highest.
        heel_rise_deg: foot roll at toe-off.
        bob: amplitude of the hip-height oscillation, leg lengths.
        hip_height: mean hip height before the stance-leg cap, leg lengths.
        lean_deg: forward lean of the torso.
        arm_swing_deg: shoulder swing amplitude (each way).
        elbow_deg: mean elbow flexion.
        elbow_swing_deg: extra elbow flexion when the arm is forward.
    """

    running: bool
    cadence_hz: float
    stance_fraction: float
    step_length: float
    swing_lift: float
    swing_lift_at: float
    heel_rise_deg: float
    bob: float
    hip_height: float
    lean_deg: float
    arm_swing_deg: float
    elbow_deg: float
    elbow_swing_deg: float

    @property
    def speed(self) -> float:
        """Horizontal speed in leg lengths per second."""
        return self.step_length * self.cadence_hz

    @property
    def stride_seconds(self) -> float:
        return 2.0 / self.cadence_hz


def sample_gait(running: bool, rng: np.random.Generator) -> Gait:
    """Draws a plausible walk or run (ranges from gait-analysis literature)."""
    u = rng.uniform
    if running:
        return Gait(True, u(2.6, 3.2), u(0.30, 0.40), u(1.0, 1.45), u(0.32, 0.45), u(0.30, 0.38),
                    u(25, 35), u(0.06, 0.09), u(0.93, 0.97), u(5, 10), u(28, 40), u(80, 100), u(5, 15))
    return Gait(False, u(1.7, 2.1), u(0.58, 0.64), u(0.70, 0.90), u(0.08, 0.11), u(0.25, 0.32),
                u(30, 40), u(0.02, 0.03), u(0.96, 0.99), u(0, 3), u(15, 20), u(15, 25), u(5, 15))


def sample_gait_wide(running: bool, rng: np.random.Generator) -> Gait:
    """Draws from wider ranges than :func:`sample_gait`: slow to brisk walks, jogs to sprints.

    Walking: 95-130 steps/min, 56-66% stance, no flight. Running: an effort from a jog
    (155-170 steps/min, 38-42% stance, low knees, little lean) to a sprint (200-230 steps/min,
    22-30% stance, heel near the buttock, 15-21 deg lean, strong arm drive), always with a
    flight phase.
    """
    u = rng.uniform
    if not running:
        return Gait(False, u(95, 130) / 60, u(0.56, 0.66), u(0.60, 0.95), u(0.07, 0.13), u(0.25, 0.34),
                    u(25, 40), u(0.015, 0.035), u(0.95, 0.99), u(0, 6), u(8, 25), u(8, 35), u(3, 15))
    effort = u(0.0, 1.0)

    def lerp(low: float, high: float, spread: float) -> float:
        return low + (high - low) * effort + u(-spread, spread)

    return Gait(True, lerp(155, 220, 10) / 60, lerp(0.40, 0.26, 0.02), lerp(0.85, 1.75, 0.1),
                lerp(0.22, 0.60, 0.04), u(0.30, 0.40), lerp(20, 40, 5), lerp(0.08, 0.07, 0.01),
                lerp(1.0, 0.98, 0.01), lerp(3, 18, 3), lerp(22, 50, 5), u(70, 110), u(5, 20))


def _smooth(s: np.ndarray) -> np.ndarray:
    return s * s * (3.0 - 2.0 * s)


def _stance_reach(gait: Gait) -> tuple[float, float]:
    """How far the ankle lands ahead of the hip, and how far the hip travels in stance."""
    travel = 2.0 * gait.stance_fraction * gait.step_length
    return TOUCHDOWN_SHARE * travel, travel


def _stance_ankle(gait: Gait, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ankle (x, y) relative to the hip and foot angle during stance, p in [0, beta)."""
    beta = gait.stance_fraction
    ahead, travel = _stance_reach(gait)
    flat_x = ahead - travel * p / beta
    heel_off = 0.55 * beta if not gait.running else 0.3 * beta
    roll = np.clip((p - heel_off) / (beta - heel_off), 0.0, 1.0) ** 1.5 * np.deg2rad(gait.heel_rise_deg)
    toe_up = HEEL_STRIKE_TOE_UP * np.clip(1.0 - p / (0.12 * beta), 0.0, 1.0)
    x = flat_x + FOOT_FORWARD * (1.0 - np.cos(roll))
    y = FOOT_FORWARD * np.sin(roll) + FOOT_BACK * np.sin(toe_up)
    return x, y, np.where(roll > 0, -roll, toe_up)


def _swing_ankle(gait: Gait, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ankle (x, y) relative to the hip and foot angle during swing, s in [0, 1)."""
    ahead, travel = _stance_reach(gait)
    roll = np.deg2rad(gait.heel_rise_deg)
    x_off = ahead - travel + FOOT_FORWARD * (1.0 - np.cos(roll))
    y_off = FOOT_FORWARD * np.sin(roll)
    y_on = FOOT_BACK * np.sin(HEEL_STRIKE_TOE_UP)
    x = x_off + (ahead - x_off) * _smooth(s)
    gamma = np.log(0.5) / np.log(gait.swing_lift_at)
    y = y_off * (1.0 - _smooth(s)) + y_on * _smooth(s) + gait.swing_lift * np.sin(np.pi * s**gamma) ** 2
    angle = -roll * (1.0 - _smooth(s)) + HEEL_STRIKE_TOE_UP * _smooth(s)
    return x, y, angle


def ankle_paths(gait: Gait, leg_phase: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ankle position, foot angle and contact for legs at stride phases.

    Args:
        gait: the gait.
        leg_phase: (...) stride phase of each leg in [0, 1); 0 is touchdown.

    Returns:
        x, y, foot angle, stance: each (...); x relative to the hip, y above ground.
    """
    beta = gait.stance_fraction
    stance = leg_phase < beta
    sx, sy, sa = _stance_ankle(gait, np.minimum(leg_phase, beta - 1e-9))
    wx, wy, wa = _swing_ankle(gait, np.clip((leg_phase - beta) / (1.0 - beta), 0.0, 1.0))
    return np.where(stance, sx, wx), np.where(stance, sy, wy), np.where(stance, sa, wa), stance


def hip_heights(gait: Gait, phase: np.ndarray) -> np.ndarray:
    """(T,) hip height for the stride phase of the near leg, capped by stance reach."""
    beta = gait.stance_fraction
    wave = np.cos(4 * np.pi * (phase - beta / 2))  # +1 at each mid-stance
    sign = -1.0 if gait.running else 1.0
    height = gait.hip_height + sign * gait.bob * (wave - 1.0 if not gait.running else wave + 1.0) / 2
    for offset in (0.0, 0.5):
        p = (phase + offset) % 1.0
        x, y, _, stance = ankle_paths(gait, p)
        reach = y + np.sqrt(np.maximum(LEG_REACH**2 - x**2, 0.0))
        height = np.where(stance, np.minimum(height, reach), height)
    return height


def two_link_ik(dx: np.ndarray, dy: np.ndarray, upper: float, lower: float) -> tuple[np.ndarray, np.ndarray]:
    """Angles of a two-segment limb reaching (dx, dy) from its root, joint bending forward.

    Returns:
        upper-segment angle and joint flexion (radians), each shaped like dx.
    """
    dist = np.clip(np.hypot(dx, dy), 1e-6, 0.9999 * (upper + lower))
    inner = np.arccos(np.clip((upper**2 + lower**2 - dist**2) / (2 * upper * lower), -1.0, 1.0))
    toward = np.arctan2(dx, -dy)
    offset = np.arccos(np.clip((upper**2 + dist**2 - lower**2) / (2 * upper * dist), -1.0, 1.0))
    return toward + offset, np.pi - inner


def direction(angle: np.ndarray) -> np.ndarray:
    """(..., 2) unit vector (x forward, y up) of an angle from the downward vertical."""
    return np.stack([np.sin(angle), -np.cos(angle)], axis=-1)
