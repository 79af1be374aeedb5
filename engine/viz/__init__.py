"""Pictures of an analysis: colours (colour), panels (the one drawing path), grid and video (grid),
charts (charts), Plotly figures (figures), the browser player's data (player), files and bytes (export)."""

from engine.lazy import lazy_exports

_NAMES = {
    **dict.fromkeys(("PANELS", "PANEL_SIDE", "PANEL_TITLES", "PanelSettings", "render_panels", "view_image"),
                    "engine.viz.panels"),
    **dict.fromkeys(("encode_png", "metrics_csv", "overlay_video_bytes"), "engine.viz.export"),
    "figures": "engine.viz.figures", "player": "engine.viz.player",
}
__all__ = sorted(_NAMES)
__getattr__ = lazy_exports(__name__, _NAMES)
