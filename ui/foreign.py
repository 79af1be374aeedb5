"""An uploaded checkpoint without our metadata: a short form for what the file cannot tell.

The engine recognises the reference cnn-lstm layouts by their keys; the form is pre-filled
with the recognised architecture and its repository's input defaults, and asks for the class
names. Once loaded, the model works like a bundled one, and "Save as project checkpoint"
downloads it with full metadata.

A file in no recognised layout can be built with the user's own model code, but only from
the folder the server was started with (``VSE_MODEL_CODE_DIR``): code is never uploaded.
"""

from __future__ import annotations

import dataclasses
from contextlib import nullcontext
from pathlib import Path

import streamlit as st

from engine import LoadedModel
from engine.io import NORMALISATIONS, PRESETS
from engine.models import CheckpointError, ForeignSettings, NeedsSettings, code_files
from ui import cache, state


def _settings_key(prefix: str) -> str:
    return f"{prefix}_foreign_settings"


def _waiting_key(prefix: str) -> str:
    return f"{prefix}_foreign_waiting"


def waiting_for(prefix: str) -> str | None:
    """What to say while a checkpoint's form waits on this page (it names the file and the button), or None."""
    return st.session_state.get(_waiting_key(prefix))


def stop_waiting(prefix: str) -> None:
    """Forgets a waiting form (the checkpoint picker calls it before it picks again)."""
    st.session_state.pop(_waiting_key(prefix), None)


def load_with_form(prefix: str, file_id: str, name: str, load, path: Path | None = None,
                   device: str = "cpu", form_area=None) -> LoadedModel | None:
    """``load(fields)`` with the session's settings for ``file_id``; a recognised foreign file shows the form.

    Args:
        prefix: the page's widget prefix.
        file_id: what identifies the file (upload id or path digest).
        name: the file name, for the download.
        load: callable taking ``ForeignSettings`` fields as a tuple (empty: none) and returning a LoadedModel.
        path: the file on the server, when it is one (then model code may build it).
        device: where a model built from code runs.
        form_area: the container the form is drawn in (the page's main pane, where the eye is); the
            current one when None. While it waits, :func:`waiting_for` names the file.
    """
    chosen = st.session_state.get(_settings_key(prefix), {}).get(file_id)
    try:
        if isinstance(chosen, dict):  # built with model code
            code_file = chosen["code"].rpartition(":")[0]
            return cache.load_code_model(str(path), file_id, device, code_digest=cache.digest_of(code_file), **chosen)
        loaded = load(dataclasses.astuple(chosen) if chosen else ())
    except NeedsSettings as exc:
        _wait_for_form(prefix, name, "Use this checkpoint", form_area,
                       lambda: settings_form(prefix, file_id, exc, chosen, name))
        return None
    except CheckpointError:
        folder = state.model_code_dir()
        if path is None or folder is None or not code_files(folder):
            raise
        st.warning(f"{name} is in no layout this tool recognises; you can build its model with your own code "
                   f"from {folder}.")
        _wait_for_form(prefix, name, "Build the model", form_area, lambda: code_form(prefix, file_id, folder))
        return None
    origin(prefix, loaded, name)
    return loaded


def _wait_for_form(prefix: str, name: str, button: str, form_area, draw) -> None:
    st.session_state[_waiting_key(prefix)] = (f"{name} needs its settings first: fill in the form above, then "
                                              f"press “{button}”.")
    if form_area is not None:
        st.warning(f"{name} needs its settings: fill in the form on the page.")
    with form_area if form_area is not None else nullcontext():
        draw()


def origin(prefix: str, loaded: LoadedModel, name: str) -> None:
    """Says where a reference-format model came from; offers the conversion only for an unconverted file."""
    training = loaded.meta.training
    if training.get("converted_from"):
        st.caption(f"A project checkpoint converted from {training['converted_from']} "
                   f"({training.get('source_layout', 'foreign')} layout): it loads with no form.")
    elif training.get("source_layout"):
        st.success(f"Loaded as {loaded.meta.model_name} ({training['source_layout']} layout).")
        st.download_button("Save as project checkpoint", data=lambda: state.checkpoint_bytes(loaded, name),
                           file_name=f"{Path(name).stem}.vse.pt", mime="application/octet-stream",
                           key=f"{prefix}_save_converted",
                           help="The same weights with full metadata: it then loads anywhere with no form.")


def settings_form(prefix: str, file_id: str, exc: NeedsSettings, chosen: ForeignSettings | None,
                  name: str = "This file") -> None:
    """The form for a recognised foreign checkpoint; stores its answers in the session on submit."""
    recognised = exc.recognised
    preset = PRESETS[recognised.preset]
    summary = recognised.summary().replace("*", "\\*")  # key patterns, not Markdown emphasis
    st.warning(f"{name} has no model metadata. It is recognised as the {summary}.")
    for note in recognised.notes:
        st.info(f"Note: {note}.")
    with st.form(f"{prefix}_foreign_form"):
        classes = st.text_input(f"Class names ({recognised.num_classes}, in output order, comma-separated)",
                                value=", ".join(chosen.classes) if chosen else "", key=f"{prefix}_foreign_classes",
                                placeholder=", ".join(f"class{i + 1}" for i in range(recognised.num_classes)))
        st.caption(f"Pre-filled with the input its repository trained with ({recognised.preset}); change what "
                   "differs for your model.")
        frames = st.number_input("Frames per clip", 1, 512, int(preset["num_frames"]), key=f"{prefix}_foreign_frames")
        size = st.number_input("Input size (px)", 16, 1024, int(preset["size"]), key=f"{prefix}_foreign_size")
        names = list(NORMALISATIONS)
        normalise = st.selectbox("Normalisation", names, index=names.index(preset["normalise"]),
                                 key=f"{prefix}_foreign_normalise",
                                 help="activitynet-255: 0-255 pixels minus ActivityNet means (the reference "
                                      "cnn-lstm); activitynet-01: [0, 1] pixels minus them (the seed's training)")
        submitted = st.form_submit_button("Use this checkpoint", type="primary")
    if not submitted:
        return
    parsed = tuple(c.strip() for c in classes.split(",") if c.strip())
    if len(parsed) != recognised.num_classes:
        st.error(f"Give exactly {recognised.num_classes} class names, comma-separated; got {len(parsed)}.")
        return
    settings = ForeignSettings(classes=parsed, preset=recognised.preset, num_frames=int(frames), size=int(size), normalise=normalise)
    st.session_state.setdefault(_settings_key(prefix), {})[file_id] = settings
    st.rerun()


def code_form(prefix: str, file_id: str, folder: Path) -> None:
    """Model code (a file of ``folder`` and a function name), class names and input; stored on submit."""
    files = {p.name: p for p in code_files(folder)}
    with st.form(f"{prefix}_code_form"):
        file = st.selectbox("Model code file", list(files), key=f"{prefix}_code_file",
                            help="Files of the folder the server was started with (VSE_MODEL_CODE_DIR).")
        function = st.text_input("Builder function", "build", key=f"{prefix}_code_function",
                                 help="Called with num_classes when it takes it; returns the torch.nn.Module.")
        classes = st.text_input("Class names (in output order, comma-separated)", key=f"{prefix}_code_classes")
        frames = st.number_input("Frames per clip", 1, 512, 16, key=f"{prefix}_code_frames")
        size = st.number_input("Input size (px)", 16, 1024, 112, key=f"{prefix}_code_size")
        names = list(NORMALISATIONS)
        normalise = st.selectbox("Normalisation", names, index=names.index("kinetics"), key=f"{prefix}_code_normalise")
        submitted = st.form_submit_button("Build the model", type="primary")
    if not submitted:
        return
    parsed = tuple(c.strip() for c in classes.split(",") if c.strip())
    if not parsed or not function.strip().isidentifier():
        st.error("Give the class names and the builder function's name.")
        return
    st.session_state.setdefault(_settings_key(prefix), {})[file_id] = {
        "code": f"{files[file]}:{function.strip()}", "classes": parsed, "frames": int(frames), "size": int(size),
        "normalise": normalise}
    st.rerun()
