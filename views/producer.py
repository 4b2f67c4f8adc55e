"""The producer page (a thin script for st.navigation; the page lives in ui/pages)."""

from ui.pages.producer import render

render()
