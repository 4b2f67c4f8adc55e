"""The risk page (a thin script for st.navigation; the page lives in ui/pages)."""

from ui.pages.risk import render

render()
