"""A pinhole view of the 3-D gait: side, oblique, towards- and away-from-camera walks.

The gait of :mod:`engine.synth.pose` is a side view in the body frame (x forward, y up,
leg lengths). Here each joint also gets a lateral offset (the near limbs on the side
facing the camera, the far limbs on the other), the body is turned to its heading and
placed on the ground at its world position, and a pinhole camera (focal length ``f``
pixels, height ``camera_height`` leg lengths, level, horizon at row ``horizon``)
projects it. A side view keeps its depth, so its scale stays fixed; a walk towards the
camera grows and its stride is foreshortened into the depth.

World axes: X to the right, Z away from the camera (depth), Y up; all in leg lengths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.synth.figure import SUBPIXEL_BITS
from engine.synth.pose import Pose

HIP_HALF_WIDTH = 0.11  # leg lengths from the body's midline to a hip joint
SHOULDER_HALF_WIDTH = 0.21
HAND_HALF_WIDTH = 0.25


@dataclass(frozen=True)
class Pinhole:
    """A level pinhole camera.

    Attributes:
        focal: focal length in pixels.
        centre_x: image column of the optical axis.
        horizon: image row of the horizon (may lie outside the frame).
        height: camera height above the ground, leg lengths.
    """

    focal: float
    centre_x: float
    horizon: float
    height: float

    def depth_for_height(self, height_px: float, height_in_legs: float) -> float:
        """The depth at which a person ``height_in_legs`` tall is ``height_px`` pixels tall."""
        return self.focal * height_in_legs / height_px


def heading_axes(heading_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """(forward, near-side) unit vectors in the (X, Z) ground plane for a heading.

    Heading 0 walks to the right across the view, 180 to the left, +90 straight away
    from the camera, -90 straight towards it. The near side is the body side with
    the smaller depth.
    """
    angle = np.deg2rad(heading_deg)
    forward = np.array([np.cos(angle), np.sin(angle)])
    side = np.array([np.sin(angle), -np.cos(angle)])
    return forward, (side if side[1] <= 0 else -side)


def _lateral_offsets(width: float) -> dict[str, float]:
    """Joint name -> lateral offset in leg lengths (positive towards the near side)."""
    offsets = {"hip": 0.0, "shoulder": 0.0, "neck": 0.0, "head": 0.0, "near_knee_mid": HIP_HALF_WIDTH * width / 2}
    for sign, side in ((1.0, "near"), (-1.0, "far")):
        for joint in ("hip", "knee", "ankle", "toe", "heel"):
            offsets[f"{side}_{joint}"] = sign * HIP_HALF_WIDTH * width
        offsets[f"{side}_shoulder"] = sign * SHOULDER_HALF_WIDTH * width
        offsets[f"{side}_elbow"] = sign * (SHOULDER_HALF_WIDTH + 0.02) * width
        offsets[f"{side}_hand"] = sign * HAND_HALF_WIDTH * width
    return offsets


def body_joints(pose: Pose) -> dict[str, np.ndarray]:
    """The pose's joints plus left/right hips and shoulders and the coat's thigh point, (T, 2) each."""
    joints = dict(pose.joints)
    for side in ("near", "far"):
        joints[f"{side}_hip"] = pose.joints["hip"]
        joints[f"{side}_shoulder"] = pose.joints["shoulder"]
    joints["near_knee_mid"] = 0.5 * (pose.joints["hip"] + pose.joints["near_knee"])
    return joints


def project_person(pose: Pose, root: np.ndarray, heading_deg: float, camera: Pinhole, width: float = 1.0,
                   shift_x: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Image positions of a person's joints.

    Args:
        pose: body-frame joints over T instants.
        root: (T, 2) ground position (X, Z) of the hip, leg lengths.
        heading_deg: direction of travel (see :func:`heading_axes`).
        camera: the pinhole.
        width: build multiplier of the lateral offsets.
        shift_x: (T,) pixels subtracted from every column (a panning camera), or None.

    Returns:
        joint name -> (T, 2) int32 fixed-point (x, y) positions, and (T,) pixels per leg
        length at the hip's depth.
    """
    forward, near = heading_axes(heading_deg)
    offsets = _lateral_offsets(width)
    shift = np.zeros(len(root)) if shift_x is None else np.asarray(shift_x, dtype=np.float64)
    out = {}
    for name, xy in body_joints(pose).items():
        ground = root + xy[:, :1] * forward + offsets[name] * near
        depth = np.maximum(ground[:, 1], 1e-3)
        u = camera.centre_x + camera.focal * ground[:, 0] / depth - shift
        v = camera.horizon + camera.focal * (camera.height - xy[:, 1]) / depth
        out[name] = np.round(np.stack([u, v], axis=1) * (1 << SUBPIXEL_BITS)).astype(np.int32)
    return out, camera.focal / np.maximum(root[:, 1], 1e-3)
