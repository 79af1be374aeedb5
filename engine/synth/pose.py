"""Joint positions of the articulated figure over time, from a :class:`Gait`.

Positions are in the body frame of :mod:`engine.synth.gait` (leg lengths, x
forward from the hip, y up from the ground). The *near* limbs face the camera
and are drawn last; the *far* limbs are half a stride out of phase.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.synth.gait import (
    FOOT_BACK,
    FOOT_FORWARD,
    FOREARM,
    HEAD_RADIUS,
    NECK,
    SHANK,
    THIGH,
    TORSO,
    UPPER_ARM,
    Gait,
    ankle_paths,
    direction,
    hip_heights,
    two_link_ik,
)

LIMB_JOINTS = ("knee", "ankle", "toe", "heel", "elbow", "hand")


@dataclass(frozen=True)
class Pose:
    """A figure's joints at T instants.

    Attributes:
        joints: name -> (T, 2) body-frame positions; names are ``hip``,
            ``shoulder``, ``neck``, ``head`` and ``near_<j>`` / ``far_<j>`` for
            j in knee, ankle, toe, heel, elbow, hand.
        stance: (T, 2) bool, whether the near / far foot is on the ground.
        knee_flexion: (T, 2) radians, near / far knee.
    """

    joints: dict[str, np.ndarray]
    stance: np.ndarray
    knee_flexion: np.ndarray

    def lowest_foot_heights(self) -> np.ndarray:
        """(T, 2) height of the lowest point (ankle, heel or toe) of each foot."""
        out = []
        for side in ("near", "far"):
            ys = [self.joints[f"{side}_{j}"][:, 1] for j in ("ankle", "toe", "heel")]
            out.append(np.min(ys, axis=0))
        return np.stack(out, axis=1)


def stride_phases(gait: Gait, times: np.ndarray, start_phase: float) -> np.ndarray:
    """(T,) stride phase in [0, 1) of the near leg at ``times`` seconds."""
    return (start_phase + np.asarray(times, dtype=np.float64) / gait.stride_seconds) % 1.0


def _leg(gait: Gait, leg_phase: np.ndarray, hip_y: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    ax, ay, foot_angle, stance = ankle_paths(gait, leg_phase)
    thigh, flex = two_link_ik(ax, ay - hip_y, THIGH, SHANK)
    hip = np.stack([np.zeros_like(hip_y), hip_y], axis=-1)
    knee = hip + THIGH * direction(thigh)
    ankle = knee + SHANK * direction(thigh - flex)
    toe_dir = np.stack([np.cos(foot_angle), np.sin(foot_angle)], axis=-1)
    joints = {"knee": knee, "ankle": ankle, "toe": ankle + FOOT_FORWARD * toe_dir, "heel": ankle - FOOT_BACK * toe_dir}
    return joints, stance, flex


def _arm(gait: Gait, leg_phase: np.ndarray, shoulder: np.ndarray) -> dict[str, np.ndarray]:
    """Arm swinging opposite the leg of the same side (forward when that leg is back)."""
    swing = -np.cos(2 * np.pi * leg_phase)
    upper = np.deg2rad(gait.arm_swing_deg) * swing + (np.deg2rad(-5.0) if gait.running else 0.0)
    flex = np.deg2rad(gait.elbow_deg + gait.elbow_swing_deg * np.clip(swing, 0.0, 1.0))
    elbow = shoulder + UPPER_ARM * direction(upper)
    return {"elbow": elbow, "hand": elbow + FOREARM * direction(upper + flex)}


def body_pose(gait: Gait, times: np.ndarray, start_phase: float = 0.0) -> Pose:
    """Joints of the figure at ``times``.

    Args:
        gait: the gait.
        times: (T,) seconds.
        start_phase: stride phase of the near leg at time 0, in [0, 1).

    Returns:
        The pose, body frame (hip at x = 0).
    """
    phase = stride_phases(gait, times, start_phase)
    hip_y = hip_heights(gait, phase)
    lean = np.deg2rad(gait.lean_deg) + 0.03 * np.sin(4 * np.pi * phase)
    hip = np.stack([np.zeros_like(hip_y), hip_y], axis=-1)
    up = np.stack([np.sin(lean), np.cos(lean)], axis=-1)
    shoulder = hip + TORSO * up
    neck = shoulder + NECK * up
    joints = {"hip": hip, "shoulder": shoulder, "neck": neck, "head": neck + 0.9 * HEAD_RADIUS * up}
    stances, flexions = [], []
    for side, offset in (("near", 0.0), ("far", 0.5)):
        leg_phase = (phase + offset) % 1.0
        leg, stance, flex = _leg(gait, leg_phase, hip_y)
        leg.update(_arm(gait, leg_phase, shoulder))
        joints.update({f"{side}_{name}": leg[name] for name in LIMB_JOINTS})
        stances.append(stance)
        flexions.append(flex)
    return Pose(joints, np.stack(stances, axis=1), np.stack(flexions, axis=1))
