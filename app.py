"""NMF Explorer: `streamlit run app.py`.  Pages live in pages/; logic in nmf_core/."""

import streamlit as st

st.set_page_config(page_title="NMF Explorer", page_icon=":material/grid_on:", layout="wide")

st.navigation([
    st.Page("pages/workbench.py", title="Workbench", icon=":material/science:", default=True),
    st.Page("pages/factory.py", title="Factory example", icon=":material/factory:"),
    st.Page("pages/compare.py", title="Compare methods", icon=":material/show_chart:"),
]).run()
