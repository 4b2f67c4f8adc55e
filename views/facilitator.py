"""The facilitator page (a thin script for st.navigation; the page lives in ui/pages)."""

from ui.pages.facilitator import render

render()
