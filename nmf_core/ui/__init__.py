"""The app's views: the only part of nmf_core that imports streamlit or plotly.

- :mod:`.figures`: plotly figures (heatmaps, convergence, comparison); no streamlit.
- :mod:`.widgets`: sidebar controls built from the parameter table, bound to the URL.
- :mod:`.data_source`: the data-source sidebar and the :class:`Matrix` a page factors.
- :mod:`.runs`: the cached, time-capped solver call and the page's error boundary.
- :mod:`.panels`: the blocks pages share (metrics, heatmaps, convergence, downloads).

Pages import the modules they need; importing this package imports nothing
heavy, so the figure tests do not start streamlit.
"""
