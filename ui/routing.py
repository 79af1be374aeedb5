"""Keeps every page behind ``app.py``'s ``st.navigation``.

Streamlit auto-discovers a ``pages/`` folder until a script has called
``st.navigation`` in the process. When the very first request after a server start
is a page's own URL (``/compare``), that page would run without ``app.py`` (no wide
layout, an auto-discovered menu). A page that finds ``app.py`` has not run in this
session asks for it, remembering where the user wanted to go.
"""

import streamlit as st

ROUTED = "_vse_routed"
WANTED = "_vse_wanted_page"


def mark_routed() -> None:
    """Called by app.py on every run."""
    st.session_state[ROUTED] = True


def require_app(url_path: str) -> None:
    """Called first by every page: hands over to app.py when it has not run yet."""
    if not st.session_state.get(ROUTED):
        st.session_state[WANTED] = url_path
        st.switch_page("app.py")


def wanted_page(pages: dict):
    """The page a handed-over request asked for (a value of ``pages``, keyed by url path), or None."""
    return pages.get(st.session_state.pop(WANTED, None))
