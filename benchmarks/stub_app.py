"""The comparison app for the rerun benchmark: the overview's widgets (its inputs are text
fields) and metrics, drawn with fixed values and no engine call."""

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(layout="wide")
st.sidebar.selectbox("Scenario", ["modhupur_pineapple"], key="scenario_ref")
st.title("Modhupur Pineapple Association")
st.markdown("**verdict**")
cols = st.columns(3) + st.columns(3)
for c, label in zip(cols, ["Exit month", "OSS month", "Minimum cash", "Peak working capital",
                           "SDI", "Income per member / month"], strict=True):
    c.metric(label, "0")
st.plotly_chart(go.Figure(), key="chart")
for key in ["members", "opening_cash", "cash_reserve", "distribution_share",
            "credit_line_limit", "credit_line_rate"]:
    st.text_input(key, value="25,000", key=key)
