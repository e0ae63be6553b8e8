"""The network of a case: its parties and the ties among them, as data and as a drawing.

The parties are the graph nodes of the case's findings and cited records (see
:class:`tradetrace.export.scope.Scope`), plus the people and firms tied to them by a register
relation (owner, director, officer ...): that is how a sales director who once co-owned the buyer
enters the picture. Trade and payments are drawn only among those parties, so the buyer's
hundreds of ordinary counterparties stay out of the drawing.

Each party gets one role for its colour, the strongest the case's findings give it (buyer,
supplier, intermediary, listed party, payer, related party), else ``person`` or ``firm``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from tradetrace.report.charts import plain, svg_of
from tradetrace.resolve.normalize import name_key, tax_key
from tradetrace.workspace import Workspace

__all__ = ["ROLE_COLOURS", "case_network", "network_svg"]

ROLE_ORDER = (
    "listed_party",
    "importer",
    "supplier",
    "intermediary",
    "exporter",
    "related_party",
    "payer",
    "end_user",
)
ROLE_COLOURS = {
    "listed_party": "#c0392b",
    "importer": "#1f4e79",
    "supplier": "#16a085",
    "intermediary": "#e67e22",
    "exporter": "#e67e22",
    "related_party": "#2c7fb8",
    "payer": "#95a5a6",
    "end_user": "#95a5a6",
    "person": "#8e44ad",
    "firm": "#bdc3c7",
}
ROLE_LABELS = {
    "listed_party": "listed party",
    "importer": "buyer",
    "supplier": "supplier / maker",
    "intermediary": "intermediary",
    "exporter": "intermediary",
    "related_party": "related party",
    "payer": "payer",
    "end_user": "payer",
    "person": "person",
    "firm": "firm",
}
EDGE_STYLES: dict[str, tuple[str, Any]] = {"trade": ("#1f4e79", "solid"), "payment": ("#27ae60", "dashed")}
RELATION_STYLE: tuple[str, Any] = ("#8e44ad", "dotted")


def _roles(findings: list[dict[str, Any]]) -> dict[str, str]:
    """tax:/name: key -> strongest role the findings give that party."""
    out: dict[str, str] = {}
    for f in findings:
        for e in f["entities"]:
            role = str(e["role"])
            if role not in ROLE_ORDER:
                continue
            keys = []
            if (tk := tax_key(str(e["id"] or ""))) and any(c.isdigit() for c in tk):
                keys.append("tax:" + tk)
            name = str(e["name"] or "")
            if name.endswith(")") and " (" in name:
                name = name.rsplit(" (", 1)[0]
            if nk := name_key(name):
                keys.append("name:" + nk)
            for k in keys:
                old = out.get(k)
                if old is None or ROLE_ORDER.index(role) < ROLE_ORDER.index(old):
                    out[k] = role
    return out


def _node_role(node: dict[str, Any], roles: dict[str, str]) -> str:
    attrs = json.loads(node.get("attributes") or "{}")
    keys = [
        "tax:" + tk for t in [node.get("tax_id"), *attrs.get("tax_ids", [])] if (tk := tax_key(str(t or "")))
    ]
    names = [node.get("name"), *(n.get("name") for n in attrs.get("names", []))]
    keys += ["name:" + nk for n in names if (nk := name_key(str(n or "")))]
    found = [roles[k] for k in keys if k in roles]
    if node.get("listed"):
        found.append("listed_party")
    if found:
        return min(found, key=ROLE_ORDER.index)
    return "person" if node.get("kind") == "person" else "firm"


def case_network(
    ws: Workspace, case_id: str, findings: list[dict[str, Any]], max_nodes: int = 70
) -> dict[str, Any]:
    """Nodes and aggregated edges of the case whose ``findings`` are given (see the module
    docstring); builds the graph if needed."""
    from tradetrace.export.scope import Scope
    from tradetrace.graph.build import ensure_graph
    from tradetrace.graph.tables import RELATION_KINDS

    ensure_graph(ws)
    e = ws.engine
    if not e.table_exists("graph_nodes"):
        return {"nodes": [], "edges": [], "note": "no graph yet: run `tradetrace graph`", "dropped_nodes": 0}
    roles = _roles(findings)
    try:
        scope = Scope(e, case_id, hops=1, hop_kinds=RELATION_KINDS, graph_only=True)
    except LookupError as exc:
        return {"nodes": [], "edges": [], "note": str(exc), "dropped_nodes": 0}
    with scope:
        nodes: list[dict[str, Any]] = e.arrow(
            "SELECT node_id, name, kind, country, tax_id, listed, list_entries, attributes "
            f"FROM {scope.relation('graph_nodes')} ORDER BY node_id"
        ).to_pylist()
        edges: list[dict[str, Any]] = e.arrow(
            # trade and payments: one tie per pair; register relations: one per relation and period
            "SELECT source, target, kind, sum(value_usd) AS value_usd, sum(count) AS count, "
            "min(first_date) AS first_date, max(last_date) AS last_date, max(share_pct) AS share_pct, "
            "min(start_date) AS start_date, max(end_date) AS end_date "
            f"FROM {scope.relation('graph_edges')} WHERE source <> target "
            "GROUP BY source, target, kind, CASE WHEN kind IN ('trade', 'payment') THEN '' ELSE edge_id END "
            "ORDER BY source, target, kind, start_date NULLS FIRST"
        ).to_pylist()
    for n in nodes:
        n["role"] = _node_role(n, roles)
        n["list_entries"] = json.loads(n.get("list_entries") or "[]")
        n.pop("attributes", None)
    dropped = 0
    if len(nodes) > max_nodes:  # keep the parties with the most tie value, and every non-payer role first
        weight: dict[str, float] = {n["node_id"]: 0.0 for n in nodes}
        for ed in edges:
            w = float(ed["value_usd"] or 0.0) + (1e12 if ed["kind"] not in ("trade", "payment") else 0.0)
            weight[ed["source"]] += w
            weight[ed["target"]] += w
        rank = sorted(
            nodes,
            key=lambda n: (n["role"] in ("payer", "firm", "end_user"), -weight[n["node_id"]], n["node_id"]),
        )
        keep = {n["node_id"] for n in rank[:max_nodes]}
        dropped = len(nodes) - len(keep)
        nodes = [n for n in nodes if n["node_id"] in keep]
        edges = [ed for ed in edges if ed["source"] in keep and ed["target"] in keep]
    return {"nodes": nodes, "edges": edges, "dropped_nodes": dropped}


def _short(name: str, limit: int = 30) -> str:
    """A name shortened for a drawing; ``$`` escaped (matplotlib would read it as maths)."""
    name = " ".join(str(name).split())
    name = name if len(name) <= limit else name[: limit - 1] + "…"
    return plain(name)


def edge_label(ed: dict[str, Any]) -> str:
    """A tie in words: ``owner 30% 2011-03-15 to 2015-10-02``, ``paid $1,234 (3)``, ``trade $5M (12)``."""
    kind = str(ed["kind"])
    if kind in ("trade", "payment"):
        verb = "paid" if kind == "payment" else "shipped"
        return f"{verb} ${float(ed['value_usd'] or 0):,.0f} in {int(ed['count'] or 0)}"
    share = f" {float(ed['share_pct']):g}%" if ed.get("share_pct") is not None else ""
    start = ed.get("start_date")
    end = ed.get("end_date")
    period = ""
    if start or end:
        period = f" {start or '?'} to {end or 'now'}"
    return f"{kind}{share}{period}"


OUTER_ROLES = ("payer", "end_user", "firm", "listed_party")


def layout(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """Positions on two rings around the buyer (the most connected core party when there is no
    buyer). The inner ring holds the core of the case: suppliers, the people and firms with
    register ties, intermediaries; the outer ring the parties tied only by payments or trade
    (payers, listed payers), listed ones spread evenly so that their labels do not collide."""
    related = {
        x for ed in edges if ed["kind"] not in ("trade", "payment") for x in (ed["source"], ed["target"])
    }
    core = [n for n in nodes if n["role"] not in OUTER_ROLES or n["node_id"] in related]
    degree: dict[str, int] = {n["node_id"]: 0 for n in nodes}
    for ed in edges:
        degree[ed["source"]] = degree.get(ed["source"], 0) + 1
        degree[ed["target"]] = degree.get(ed["target"], 0) + 1
    pool = core or nodes
    centre = min(pool, key=lambda n: (n["role"] != "importer", -degree.get(n["node_id"], 0), n["node_id"]))
    pos: dict[str, tuple[float, float]] = {centre["node_id"]: (0.0, 0.0)}
    order = (
        "supplier",
        "person",
        "related_party",
        "intermediary",
        "exporter",
        "importer",
        "firm",
        "listed_party",
    )
    inner = sorted(
        (n for n in core if n is not centre),
        key=lambda n: (order.index(n["role"]) if n["role"] in order else len(order), str(n["name"])),
    )
    for i, n in enumerate(inner):
        angle = math.pi + 2 * math.pi * (i + 0.5) / max(len(inner), 1)
        pos[n["node_id"]] = (0.6 * math.cos(angle), 0.6 * math.sin(angle))
    outer = [n for n in nodes if n["node_id"] not in pos]
    listed = sorted((n for n in outer if n.get("listed")), key=lambda n: str(n["name"]))
    rest = sorted((n for n in outer if not n.get("listed")), key=lambda n: str(n["name"]))
    slots = {round(i * len(outer) / len(listed)) for i in range(len(listed))} if listed else set()
    ring = [
        listed.pop(0) if i in slots and listed else rest.pop(0) if rest else listed.pop(0)
        for i in range(len(outer))
    ]
    for i, n in enumerate(ring):
        angle = math.pi / 2 + 2 * math.pi * i / max(len(ring), 1)
        pos[n["node_id"]] = (math.cos(angle), math.sin(angle))
    return pos


def network_svg(net: dict[str, Any], title: str = "Network of the case") -> str:
    """The case's parties and ties drawn with networkx and matplotlib, as inline SVG."""
    nodes, edges = net.get("nodes") or [], net.get("edges") or []
    if not nodes:
        return ""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    pos = layout(nodes, edges)
    by_id = {n["node_id"]: n for n in nodes}
    max_value = max((float(ed["value_usd"] or 0.0) for ed in edges), default=0.0) or 1.0
    with plt.rc_context({"svg.fonttype": "none", "font.size": 7}):
        fig, ax = plt.subplots(figsize=(10, 7.2), dpi=100)
        stacked: dict[frozenset[str], int] = {}
        for ed in edges:
            (x0, y0), (x1, y1) = pos[ed["source"]], pos[ed["target"]]
            colour, style = EDGE_STYLES.get(str(ed["kind"]), RELATION_STYLE)
            width = 0.6 + 3.4 * math.sqrt(float(ed["value_usd"] or 0.0) / max_value)
            if ed["kind"] not in ("trade", "payment"):
                width = 1.6
            ax.annotate(
                "", xy=(x1, y1), xytext=(x0, y0),
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": width, "linestyle": style,
                            "shrinkA": 7, "shrinkB": 7, "alpha": 0.75, "mutation_scale": 8},
            )  # fmt: skip
            if ed["kind"] not in ("trade", "payment"):
                nth = stacked[frozenset((ed["source"], ed["target"]))] = (
                    stacked.get(frozenset((ed["source"], ed["target"])), -1) + 1
                )
                far = (
                    0.62 if math.hypot(x1, y1) >= math.hypot(x0, y0) else 0.38
                )  # away from the crowded centre
                ax.text(x0 + (x1 - x0) * far, y0 + (y1 - y0) * far - 0.035 * nth, plain(edge_label(ed)),
                        va="center", bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.8})  # fmt: skip
        for node_id, (x, y) in pos.items():
            n = by_id[node_id]
            role = n["role"]
            size = 140 if role in ("payer", "firm", "end_user") else 260
            marker = "s" if n.get("kind") == "person" else "o"
            ax.scatter([x], [y], s=size, c=ROLE_COLOURS.get(role, "#bdc3c7"), marker=marker, zorder=3,
                       edgecolors="#222" if n.get("listed") else "white", linewidths=1.2)  # fmt: skip
            if role not in ("payer", "end_user", "firm") or n.get("listed"):
                label = _short(n["name"], 24 if role in ("listed_party", "payer") else 34)
                if n.get("country") and role not in ("payer", "listed_party"):
                    label += f" ({n['country']})"
                r = math.hypot(x, y)
                if r > 0.0:  # on a ring: the label points outwards
                    ux, uy = x / r, y / r
                    where: dict[str, Any] = {
                        "x": x + 0.05 * ux,
                        "y": y + 0.05 * uy,
                        "ha": "left" if ux > 0.15 else "right" if ux < -0.15 else "center",
                        "va": "bottom" if uy > 0.9 else "top" if uy < -0.9 else "center",
                    }
                else:  # the centre: above the node, bold
                    where = {"x": x, "y": y + 0.05, "ha": "center", "va": "bottom", "fontweight": "bold"}
                ax.text(s=label, fontsize=6.5 if role == "listed_party" else 7.5, zorder=4,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.3, "alpha": 0.7}, **where)  # fmt: skip
        present = sorted({n["role"] for n in nodes}, key=lambda r: list(ROLE_COLOURS).index(r))
        handles: list[Any] = [
            Line2D([], [], marker="o", linestyle="", color=ROLE_COLOURS[r], label=ROLE_LABELS[r])
            for r in present
        ]
        kinds = sorted({str(ed["kind"]) for ed in edges})
        for kind in kinds:
            colour, style = EDGE_STYLES.get(kind, RELATION_STYLE)
            handles.append(Line2D([], [], color=colour, linestyle=style, label=kind))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=7)
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_axis_off()
        ax.margins(0.08)
        fig.tight_layout()
        return svg_of(fig)
