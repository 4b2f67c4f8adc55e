"""The compare page (a thin script for st.navigation; the page lives in ui/pages)."""

from ui.pages.compare import render

render()
