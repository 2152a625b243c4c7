"""NMF as a recommender: predict the ratings nobody gave yet, and say why."""

import streamlit as st

from nmf_core.ui import lessons, runs
from nmf_core.ui import recommend as rec

st.title("NMF as a recommender")
st.markdown(
    "The documents open with it: NMF \"is most commonly used in recommender systems\". "
    "Users rate a few items each; most of the users × items matrix is **missing**, not zero. "
    "NMF is fitted to the **observed** ratings only: each user gets non-negative tastes "
    "(one per factor), each item non-negative shares of those factors, and a predicted rating "
    "is the baseline (an offset plus the user's and the item's bias) plus the sum of "
    "taste × share. A share of the ratings is held out; the bars compare the model's error "
    "on them with four simple baselines, so you can see what the factors add.")

with runs.page_guard():
    ratings, data_key = rec.data_controls()
    values = rec.model_controls()
    model, scores = rec.run(ratings, data_key, values)
    rec.error_view(model, scores)
    rec.user_view(model)
    lessons.share_link("recommend")
