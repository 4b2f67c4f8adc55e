"""The loan_officer page (a thin script for st.navigation; the page lives in ui/pages)."""

from ui.pages.loan_officer import render

render()
