"""The portfolio page (a thin script for st.navigation; the page lives in ui/pages)."""

from ui.pages.portfolio import render

render()
