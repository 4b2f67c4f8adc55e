"""The case-file page (a thin script for st.navigation; the page lives in ui/pages)."""

from ui.pages.casefile import render

render()
