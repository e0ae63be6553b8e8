"""Charts as inline SVG (matplotlib, no JavaScript, nothing fetched)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date

ROUTE_COLOURS = ("#1f4e79", "#c0392b", "#e67e22", "#8e44ad", "#16a085", "#7f8c8d", "#d35400", "#2c3e50")


def monthly_routes_svg(
    monthly: Mapping[str, Mapping[str, float]],
    markers: Sequence[tuple[date, str]] = (),
    title: str = "Monthly value by route (USD)",
) -> str:
    """Stacked monthly bars: direct first, then each hub; vertical lines at ``markers``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    months = sorted(monthly)
    routes = sorted({r for m in months for r in monthly[m]}, key=lambda r: (r != "direct", r))

    def to_num(d: date) -> float:  # matplotlib's date numbers: days since 1970-01-01
        return float((d - date(1970, 1, 1)).days)

    xs = [float(to_num(date(int(m[:4]), int(m[5:7]), 15))) for m in months]
    with plt.rc_context({"svg.fonttype": "none", "font.size": 9}):
        fig, ax = plt.subplots(figsize=(9, 3.6), dpi=100)
        bottom = [0.0] * len(months)
        for i, route in enumerate(routes):
            values = [monthly[m].get(route, 0.0) / 1e6 for m in months]
            label = "direct from origin" if route == "direct" else f"via {route}"
            ax.bar(
                xs, values, width=25, bottom=bottom, label=label, color=ROUTE_COLOURS[i % len(ROUTE_COLOURS)]
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        top = max(bottom, default=1.0) or 1.0
        for i, (when, label) in enumerate(sorted(markers)):
            x = float(to_num(when))
            ax.axvline(x, color="#333", linestyle="--", linewidth=1)
            ax.text(x, top * (1.04 + 0.09 * i), f" {label}", fontsize=8, va="bottom", ha="left",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})  # fmt: skip
        ax.set_ylim(0, top * (1.12 + 0.09 * len(markers)))
        ax.set_ylabel("USD million")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.1f}"))
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))  # type: ignore[no-untyped-call]
        ax.set_title(title, loc="left", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="upper left", frameon=False, ncol=min(4, len(routes)), bbox_to_anchor=(0, 1.0))
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]
