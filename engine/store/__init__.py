"""The result store: result files and an SQLite index, shared by batch runs, Ray, the study and the app.

``Store`` (:mod:`engine.store.index`) reads and writes a store folder; ``result_key``
(:mod:`engine.store.keys`) names a result by everything it depends on; ``index_row``
(:mod:`engine.store.rows`) makes a result's row, thumbnail included; ``pair_rows``
(:mod:`engine.store.pairs`) pairs two models' or two methods' results on the same clips.
See docs/store.md.
"""

from engine.lazy import lazy_exports

_NAMES = {
    **dict.fromkeys(("Filters", "Store", "SORTS", "decode_json"), "engine.store.index"),
    **dict.fromkeys(("content_digest", "result_key"), "engine.store.keys"),
    **dict.fromkeys(("decode_curve", "decode_map", "index_row", "thumbnail_jpeg"), "engine.store.rows"),
    **dict.fromkeys(("pair_rows", "sort_pairs"), "engine.store.pairs"),
    "default_results_dir": "engine.store.app_results",
}
__all__ = sorted(_NAMES)
__getattr__ = lazy_exports(__name__, _NAMES)
