"""NMF Explorer: `streamlit run app.py`.  Page scripts live in app_pages/; logic in nmf_core/.

The folder is not called ``pages/``: Streamlit treats a ``pages/`` folder next
to the entry point as a legacy multipage app until the first run of this file,
so a shared link such as ``/compare`` opened first after a server start would
run that page alone, without this navigation or the page config.
"""

import streamlit as st

from nmf_core.ui import guide, numbers, widgets

st.set_page_config(page_title="NMF Explorer", page_icon=":material/grid_on:", layout="wide")
st.html(numbers.METRIC_CSS)  # metric values shrink with the window (projector view)
widgets.start_link()  # each run's share link holds only the controls that run draws

pages = [
    st.Page("app_pages/workbench.py", title="Workbench", icon=":material/science:",
            default=True),
    st.Page("app_pages/factory.py", title="Factory example", icon=":material/factory:"),
    st.Page("app_pages/compare.py", title="Compare methods", icon=":material/show_chart:"),
    st.Page("app_pages/choose_k.py", title="Choose k", icon=":material/tune:"),
    st.Page("app_pages/recommend.py", title="Recommend", icon=":material/movie:"),
]
page = st.navigation(pages)
guide.lesson_sidebar(page, pages)  # the lesson picker, its goal and question, reset
page.run()
