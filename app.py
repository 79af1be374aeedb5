"""Video saliency explorer: ``streamlit run app.py``. This file only routes to the pages."""

import streamlit as st

from ui import routing

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
