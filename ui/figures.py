"""Plotly figure builders: pure functions from engine outputs to figures (no Streamlit here)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

# Okabe-Ito, a colour-blind-safe palette
BLUE, ORANGE, GREEN, VERMILION, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#999999"


def cash_chart(monthly: pd.DataFrame, reserve: float, exit_month: int | None,
               title: str) -> go.Figure:
    """Cash balance with and without subsidy, the reserve line and the exit month."""
    x = monthly["date"]
    fig = go.Figure()
    fig.add_scatter(x=x, y=monthly["cash_balance"], name="cash balance (with subsidy)",
                    line={"color": BLUE, "width": 3},
                    hovertemplate="%{x}: %{y:,.0f} taka<extra>with subsidy</extra>")
    fig.add_scatter(x=x, y=monthly["cash_balance_without_subsidy"],
                    name="cash balance without any subsidy",
                    line={"color": VERMILION, "dash": "dash", "width": 2},
                    hovertemplate="%{x}: %{y:,.0f} taka<extra>without subsidy</extra>")
    fig.add_hline(y=reserve, line={"color": GREY, "dash": "dot"},
                  annotation_text=f"cash reserve {reserve:,.0f}")
    if exit_month is not None:
        fig.add_vline(x=monthly["date"].iloc[exit_month], line={"color": GREEN, "width": 2})
        fig.add_annotation(x=monthly["date"].iloc[exit_month], y=1, yref="paper",
                           text="exit month", showarrow=False, font={"color": GREEN})
    fig.update_layout(title=title, xaxis_title="month", yaxis_title="taka",
                      legend={"orientation": "h", "y": -0.2}, margin={"t": 60},
                      hovermode="x unified")
    return fig
