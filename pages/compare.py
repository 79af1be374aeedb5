"""Compare: one clip under several methods in one player (panels in step); several checkpoints' saliency in one
player, side by side, and their time-step importance."""

from pathlib import Path

import numpy as np
import streamlit as st

from engine import UserError, analyse_clip, get_method, list_methods
from engine.saliency import REDUCTIONS
from engine.viz import figures as plots
from ui import analysis_view, cache, foreign, player, routing, state, widgets

P = "compare"
routing.require_app(P)
DEFAULT_METHODS = ["gradient", "input_x_gradient", "gradcam"]
st.title("Compare")
form_area = st.container()

with st.sidebar:
    device = widgets.device_picker(P)
    loaded = widgets.checkpoint_picker(P, device, label="Checkpoint A", form_area=form_area)
    spec = loaded.meta.input_spec if loaded is not None else None
    picked = widgets.clip_picker(P, spec.num_frames, spec.frame_step) if spec is not None else None
    names = list_methods()
    methods = st.multiselect("Methods", names, [m for m in DEFAULT_METHODS if m in names], key=f"{P}_methods",
                             format_func=lambda n: get_method(n).label, max_selections=6)
if loaded is None or picked is None:
    widgets.missing_input(P, "Choose a checkpoint and a clip in the sidebar to compare.")
clip, clip_digest = picked


def run(model, method: str, the_clip, digest: str):
    """One analysis with the method's default parameters, cached and stoppable."""
    key = cache.analysis_key(model, the_clip, digest, method)
    label = f"{get_method(method).label} · {Path(model.meta.path).stem}"
    return widgets.compute_or_stop(P, key, lambda p, c: analyse_clip(model, the_clip, method, on_progress=p,
                                                                     cancel=c), label), key


st.subheader("Methods on one clip")
if not methods:
    st.info("Choose at least one method in the sidebar.")
    st.stop()
results = {m: run(loaded, m, clip, clip_digest) for m in methods}
results = {m: r for m, r in results.items() if r[0] is not None}


def grid():
    reduction = st.columns([1, 3])[0].selectbox("Saliency sign", REDUCTIONS, key=f"{P}_reduction")
    labels = {get_method(m).label: analysis for m, (analysis, _) in results.items()}
    keys = tuple(key for _, key in results.values())
    shown = player.frame_player(f"{P}_player", cache.compare_payload(keys, reduction, _analyses=labels))
    t = shown["frame"]
    st.markdown(f"**Frame {t + 1} / {clip.num_frames}** (settled) · source frame {int(clip.indices[t])}")


if results:
    st.fragment(grid)()
    rows = [analysis_view.method_row(get_method(m).label, analysis) for m, (analysis, _) in results.items()]
    st.dataframe(rows, hide_index=True)

st.subheader("Checkpoints on one clip")
st.caption("Where does each model's saliency sit in time? A last-step LSTM piles it onto the last frames; "
           "the input-cell attention model spreads it over the clip; a 3D CNN has no recurrence at all.")
checkpoints = state.list_checkpoints()
with st.sidebar:
    bundled = [name for name in checkpoints if name.endswith("(bundled)")]
    chosen = st.multiselect("Checkpoints to compare", list(checkpoints), bundled[:4], key=f"{P}_b_checkpoints",
                            max_selections=4, help="The bundled recurrent models and 3D CNN by default.")
    shared_method = st.selectbox("Method for the checkpoints", names, index=names.index("gradient"),
                                 format_func=lambda n: get_method(n).label, key=f"{P}_b_method")
if not chosen:
    st.info("Choose checkpoints to compare in the sidebar.")
    st.stop()
curves, table, maps = {}, [], {}
for number, choice in enumerate(chosen):
    path = checkpoints[choice]
    digest = cache.digest_of(path)
    try:
        model = foreign.load_with_form(f"{P}_b{number}", digest, path.name,
                                       lambda fields, p=path, d=digest: cache.load_model(str(p), d, device, fields))
    except UserError as exc:
        st.error(f"{choice}: {exc}")
        continue
    if model is None:
        continue
    spec = model.meta.input_spec
    the_clip = clip
    if (spec.num_frames, spec.frame_step) != (loaded.meta.input_spec.num_frames, loaded.meta.input_spec.frame_step):
        if not Path(clip.path).is_file():
            st.error(f"{path.name} samples its frames differently; choose a sample or data-folder clip.")
            continue
        the_clip = cache.read_clip_file(clip.path, clip_digest, spec.num_frames, spec.frame_step)
    analysis, analysis_key = run(model, shared_method, the_clip, clip_digest)
    if analysis is None:
        continue
    name = f"{model.meta.model_name} ({path.stem})"
    curves[name] = analysis.result.timestep_importance()
    table.append(analysis_view.checkpoint_row(name, analysis))
    maps[name] = (analysis, analysis_key)


def checkpoint_grid():
    """Each checkpoint's saliency in one player, panels in step (those sampling the first one's frames)."""
    first = next(iter(maps.values()))[0].clip
    same = {n: m for n, m in maps.items() if np.array_equal(m[0].clip.indices, first.indices)}
    reduction = st.columns([1, 3])[0].selectbox("Saliency sign", REDUCTIONS, key=f"{P}_b_reduction")
    keys = tuple(key for _, key in same.values())
    shown = player.frame_player(f"{P}_b_player", cache.compare_payload(
        keys, reduction, _analyses={n: a for n, (a, _) in same.items()}))
    st.markdown(f"**Frame {shown['frame'] + 1} / {first.num_frames}** (settled) · source frame "
                f"{int(first.indices[shown['frame']])}")
    if len(same) < len(maps):
        st.caption(f"Not in the player (they sample other frames): {', '.join(n for n in maps if n not in same)}.")


if curves:
    if st.toggle("Their saliency side by side in one player", key=f"{P}_b_maps"):
        st.fragment(checkpoint_grid)()
    st.plotly_chart(plots.importance_curves(curves), key=f"{P}_curves")
    st.dataframe(table, hide_index=True)
