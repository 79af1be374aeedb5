"""Video saliency explorer: ``streamlit run app.py``. This file only routes to the pages.

``streamlit run`` finds the ``st.App`` below and serves it; its start-up hook warms
the engine in the background (imports, one analysis: ``ui/startup.py``) and joins
that work when the server stops. The page icon is an emoji (drawn by the browser) and the pages have none: a
``:material/...`` icon would be fetched from a font server. Each
browser session runs this same file as its page script (``__name__ == "__main__"``).
"""

import streamlit as st

from ui import routing, startup

if __name__ != "__main__":
    app = st.App("app.py", lifespan=startup.lifespan)
else:
    startup.wait_until_warm()
    st.set_page_config(page_title="Video saliency explorer", page_icon="🎬", layout="wide")
    routing.mark_routed()
    pages = {
        "explore": st.Page("pages/explore.py", title="Explore", default=True),
        "compare": st.Page("pages/compare.py", title="Compare"),
        "model": st.Page("pages/model.py", title="Model"),
        "data": st.Page("pages/data.py", title="Data"),
        "live": st.Page("pages/live.py", title="Live"),
        "browse": st.Page("pages/browse.py", title="Browse"),
    }
    page = st.navigation(list(pages.values()))
    wanted = routing.wanted_page(pages)
    if wanted is not None and wanted is not page:
        st.switch_page(wanted)
    page.run()
