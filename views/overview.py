"""The overview page (a thin script for st.navigation; the page lives in ui/pages)."""

from ui.pages.overview import render

render()
