"""Video saliency explorer: ``streamlit run app.py``. This file only routes to the pages.

``streamlit run`` finds the ``st.App`` below and serves it; its start-up hook warms
the engine in the background (imports, one analysis: ``ui/startup.py``). Each
browser session runs this same file as its page script (``__name__ == "__main__"``).
"""

import streamlit as st

from ui import routing, startup

if __name__ != "__main__":
    app = st.App("app.py", lifespan=startup.lifespan)
else:
    startup.wait_until_warm()
    st.set_page_config(page_title="Video saliency explorer", page_icon=":material/movie:", layout="wide")
    routing.mark_routed()
    pages = {
        "explore": st.Page("pages/explore.py", title="Explore", icon=":material/visibility:", default=True),
        "compare": st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
        "model": st.Page("pages/model.py", title="Model", icon=":material/model_training:"),
        "data": st.Page("pages/data.py", title="Data", icon=":material/video_library:"),
    }
    page = st.navigation(list(pages.values()))
    wanted = routing.wanted_page(pages)
    if wanted is not None and wanted is not page:
        st.switch_page(wanted)
    page.run()
