"""Charts as inline SVG (matplotlib, no JavaScript, nothing fetched)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any


def plain(text: str) -> str:
    """Text matplotlib draws as written: no maths between dollar signs."""
    return text.replace("$", r"\$")


def svg_of(fig: Any) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog, no date or creator), closed after."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


ROUTE_COLOURS = ("#1f4e79", "#c0392b", "#e67e22", "#8e44ad", "#16a085", "#7f8c8d", "#d35400", "#2c3e50")


def monthly_routes_svg(
    monthly: Mapping[str, Mapping[str, float]],
    markers: Sequence[tuple[date, str]] = (),
    title: str = "Monthly value by route (USD)",
    labels: Mapping[str, str] | None = None,
) -> str:
    """Stacked monthly bars: direct first, then each hub; vertical lines at ``markers``.
    ``labels`` names the series (default: "direct from origin", "via <hub>")."""
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
    peak = max((sum(monthly[m].values()) for m in months), default=0.0)
    scale, unit = (1e6, "million") if peak >= 1e6 else (1e3, "thousand")
    with plt.rc_context({"svg.fonttype": "none", "font.size": 9}):
        fig, ax = plt.subplots(figsize=(9, 3.6), dpi=100)
        bottom = [0.0] * len(months)
        for i, route in enumerate(routes):
            values = [monthly[m].get(route, 0.0) / scale for m in months]
            label = (labels or {}).get(route) or (
                "direct from origin" if route == "direct" else f"via {route}"
            )
            label = plain(label)
            ax.bar(
                xs, values, width=25, bottom=bottom, label=label, color=ROUTE_COLOURS[i % len(ROUTE_COLOURS)]
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        top = max(bottom, default=1.0) or 1.0
        for i, (when, label) in enumerate(sorted(markers)):
            x = float(to_num(when))
            ax.axvline(x, color="#333", linestyle="--", linewidth=1)
            ax.text(x, top * (1.04 + 0.09 * i), " " + plain(label), fontsize=8, va="bottom", ha="left",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})  # fmt: skip
        ax.set_ylim(0, top * (1.12 + 0.09 * len(markers)))
        ax.set_ylabel(f"USD {unit}")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.2f}".rstrip("0").rstrip(".")))
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))  # type: ignore[no-untyped-call]
        ax.set_title(title, loc="left", fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="upper left", frameon=False, ncol=min(4, len(routes)), bbox_to_anchor=(0, 1.0))
        fig.tight_layout()
        return svg_of(fig)


def flow_svg(
    flows: Sequence[tuple[str, str, str, float]],
    columns: tuple[str, str, str] = ("origin of the goods", "dispatched from", "destination"),
    title: str = "Flow of the cited shipments (USD)",
) -> str:
    """Three-column flow diagram: ``flows`` are (origin, middle, destination, value); band widths are
    proportional to value, each column's boxes stacked largest first."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path as MPath

    flows = [f for f in flows if f[3] > 0]
    if not flows:
        return ""
    total = sum(f[3] for f in flows)
    gap = 0.03
    width = 0.12
    boxes: list[dict[str, tuple[float, float]]] = []  # per column: label -> (bottom, height)
    for col in range(3):
        sums: dict[str, float] = {}
        for f in flows:
            label = str(f[col])
            sums[label] = sums.get(label, 0.0) + f[3]
        ordered = sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))
        free = 1.0 - gap * (len(ordered) - 1)
        y = 1.0
        placed: dict[str, tuple[float, float]] = {}
        for label, value in ordered:
            h = free * value / total
            placed[label] = (y - h, h)
            y -= h + gap
        boxes.append(placed)
    xs = (0.0, 1.0, 2.0)
    colour_of = {label: ROUTE_COLOURS[i % len(ROUTE_COLOURS)] for i, label in enumerate(boxes[1])}
    with plt.rc_context({"svg.fonttype": "none", "font.size": 9}):
        fig, ax = plt.subplots(figsize=(9, 3.8), dpi=100)
        # bands: stack each link inside its source box (left side) and target box (right side)
        for left, right in ((0, 1), (1, 2)):
            links: dict[tuple[str, str], float] = {}
            for f in flows:
                pair = (str(f[left]), str(f[right]))
                links[pair] = links.get(pair, 0.0) + f[3]
            out_cursor = {k: b + h for k, (b, h) in boxes[left].items()}
            in_cursor = {k: b + h for k, (b, h) in boxes[right].items()}
            free_l = sum(h for _, h in boxes[left].values())
            for (a, b), value in sorted(
                links.items(),
                key=lambda kv: (list(boxes[left]).index(kv[0][0]), list(boxes[right]).index(kv[0][1])),
            ):
                h = free_l * value / total
                y0_top = out_cursor[a]
                y1_top = in_cursor[b]
                out_cursor[a] -= h
                in_cursor[b] -= h
                x0, x1 = xs[left] + width / 2, xs[right] - width / 2
                xm = (x0 + x1) / 2
                verts = [
                    (x0, y0_top), (xm, y0_top), (xm, y1_top), (x1, y1_top),
                    (x1, y1_top - h), (xm, y1_top - h), (xm, y0_top - h), (x0, y0_top - h), (x0, y0_top),
                ]  # fmt: skip
                codes = [MPath.MOVETO, MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.LINETO,
                         MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.CLOSEPOLY]  # fmt: skip
                colour = colour_of.get(b if left == 0 else a, "#7f8c8d")
                ax.add_patch(PathPatch(MPath(verts, codes), facecolor=colour, edgecolor="none", alpha=0.45))
        for col, placed in enumerate(boxes):
            for label, (bottom, h) in placed.items():
                colour = colour_of.get(label, "#34495e") if col == 1 else "#34495e"
                ax.add_patch(
                    Rectangle((xs[col] - width / 2, bottom), width, h, facecolor=colour, edgecolor="white")
                )
                value = sum(f[3] for f in flows if f[col] == label)
                text = plain(label) + f"\n\\${value / 1e6:,.2f}M ({value / total:.0%})"
                ha = "right" if col == 0 else "left"
                dx = -width / 2 - 0.03 if col == 0 else width / 2 + 0.03
                ax.text(xs[col] + dx, bottom + h / 2, text, ha=ha, va="center", fontsize=8)
        for col, name in enumerate(columns):
            ax.text(xs[col], 1.06, name, ha="center", va="bottom", fontsize=9, fontweight="bold")
        ax.set_xlim(-0.75, 2.75)
        ax.set_ylim(-0.02, 1.15)
        ax.set_axis_off()
        ax.set_title(title, loc="left", fontsize=10)
        fig.tight_layout()
        return svg_of(fig)


def timeline_svg(events: Sequence[Mapping[str, Any]], title: str = "Timeline of the case") -> str:
    """One time axis, one lane per kind of event: shipments by route, payments, register events,
    listings and the rules. Records are dots (area by value), other events are ticks; the rules
    (restriction, last direct shipment) are dashed lines across every lane."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    def num(d: date) -> float:
        return float((d - date(1970, 1, 1)).days)

    lanes = sorted(
        {str(e["lane"]) for e in events if e["kind"] not in ("restriction", "switch")}, key=_lane_order
    )
    y = {lane: i for i, lane in enumerate(reversed(lanes))}
    peak = max((float(e.get("value_usd") or 0.0) for e in events), default=0.0) or 1.0
    with plt.rc_context({"svg.fonttype": "none", "font.size": 9}):
        fig, ax = plt.subplots(figsize=(9, 0.9 + 0.42 * max(len(lanes), 2)), dpi=100)
        for i, lane in enumerate(lanes):
            mine = [e for e in events if e["lane"] == lane]
            xs = [num(e["date"]) for e in mine]
            colour = ROUTE_COLOURS[i % len(ROUTE_COLOURS)]
            if mine and mine[0]["kind"] in ("shipment", "payment"):
                sizes = [12 + 160 * (float(e.get("value_usd") or 0.0) / peak) ** 0.5 for e in mine]
                colour = "#c0392b" if "listed" in lane else colour
                ax.scatter(xs, [y[lane]] * len(xs), s=sizes, alpha=0.55, color=colour, linewidths=0)
            else:
                ax.scatter(xs, [y[lane]] * len(xs), marker="|", s=220, color="#333")
        rules = sorted((e for e in events if e["kind"] in ("restriction", "switch")), key=lambda e: e["date"])
        span = [num(e["date"]) for e in events] or [0.0]
        middle = (min(span) + max(span)) / 2
        for i, e in enumerate(rules):  # one line each, labels stacked so that close dates stay legible
            x = num(e["date"])
            ax.axvline(x, color="#333", linestyle="--", linewidth=1)
            ax.text(x, len(lanes) - 0.4 + 0.5 * i, " " + plain(f"{e['date']}: {e['label']}"), fontsize=8,
                    va="bottom", ha="right" if x > middle else "left",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})  # fmt: skip
        ax.set_yticks(list(y.values()), [plain(lane) for lane in y])
        ax.set_ylim(-0.6, len(lanes) + 0.3 + 0.5 * len(rules))
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        ax.set_title(title, loc="left", fontsize=10)
        ax.spines[["top", "right", "left"]].set_visible(False)
        ax.grid(axis="y", color="#eee")
        fig.tight_layout()
        return svg_of(fig)


def _lane_order(lane: str) -> tuple[int, str]:
    for i, prefix in enumerate(
        ("shipments direct", "shipments", "payments from listed", "payments", "register", "listings")
    ):
        if lane.startswith(prefix):
            return (i, lane)
    return (9, lane)
