"""Entity resolution of trade parties: every spelling of a firm in one cluster.

``cluster_parties(ws)`` collects every party mention (importers and exporters of
``shipments``, payers and payees of ``payments``, names and aliases of ``parties``) as
distinct (source, role, name, tax id, country, address) rows with counts, then:

1. **deterministic rules** (:mod:`~tradetrace.resolve.cluster_graph`): aliases of one
   registry entry; equal tax ids (checksums checked with python-stdnum where a scheme is
   known); equal name keys of firms in one country, across scripts (Cyrillic, Chinese,
   Turkish names reduced to Latin keys, :mod:`~tradetrace.resolve.cluster_keys`); people
   are joined by the register and identifiers only;
2. **probabilistic linkage** with splink on DuckDB for the rest
   (:mod:`~tradetrace.resolve.cluster_splink`);
3. a **constrained union-find**: no cluster holds two different tax ids of one kind, two
   countries (except through a tax id), or a person and a company.

It writes ``party_mentions`` and ``party_clusters``. Ids are content hashes: the same input
gives the same ids, and a cluster's id follows its best key (its tax id, else its country
and canonical name key), so it survives re-runs. Each cluster keeps every original spelling.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from tradetrace.engine.base import runs_as
from tradetrace.model.records import CODE, NAME, Column, TableSpec
from tradetrace.progress import NullProgress, Progress
from tradetrace.resolve.cluster_graph import Edge, Mention, Merger, deterministic_edges
from tradetrace.resolve.cluster_keys import address_key, many_name_keys, name_keys, tax_key
from tradetrace.workspace import Workspace

__all__ = ["PARTY_CLUSTERS", "PARTY_MENTIONS", "ClusterResult", "cluster_parties", "collect_mentions"]

DEFAULT_THRESHOLD = 0.9

PARTY_MENTIONS = TableSpec(
    "party_mentions",
    "Every distinct way a party is written: one row per source table, role, name, tax id, "
    "country and address, with how many rows write it so. Rewritten by `resolve`.",
    (
        Column("mention_id", "VARCHAR", "stable id: hash of the columns that make the mention", True, CODE),
        Column("source_table", "VARCHAR", "shipments, payments or parties", True),
        Column("role", "VARCHAR", "importer, exporter, payer, payee or party", True),
        Column("name", "VARCHAR", "the name as written", True, NAME),
        Column("tax_id", "VARCHAR", "the tax id as written", max_len=CODE),
        Column("country", "VARCHAR", "ISO alpha-2, when the source gives one"),
        Column("address", "VARCHAR", "the address as written", max_len=NAME),
        Column("entity_id", "VARCHAR", "the registry's id of the party (parties only)", max_len=CODE * 4),
        Column("kind", "VARCHAR", "company or person when the source says"),
        Column("is_alias", "BOOLEAN", "a registry alias rather than its main name"),
        Column("rows", "BIGINT", "source rows that write the party this way", True),
        Column("name_key", "VARCHAR", "the name in Latin words, sorted, legal forms removed", max_len=NAME),
        Column(
            "name_fold",
            "VARCHAR",
            "the same with romanisation variants folded: what clustering compares",
            max_len=NAME,
        ),
    ),
    primary_key=("mention_id",),
)

PARTY_CLUSTERS = TableSpec(
    "party_clusters",
    "Which cluster (entity) each mention belongs to, the cluster's canonical name, and the "
    "rule that put the mention there. Detectors work on cluster ids. Rewritten by `resolve`.",
    (
        Column("cluster_id", "VARCHAR", "stable id: hash of the cluster's best key", True, CODE),
        Column("mention_id", "VARCHAR", "the mention (see party_mentions)", True, CODE),
        Column("name", "VARCHAR", "the mention's name as written", True, NAME),
        Column(
            "canonical_name",
            "VARCHAR",
            "the cluster's name: registry main name, else most written",
            True,
            NAME,
        ),
        Column("cluster_country", "VARCHAR", "the cluster's country (most written)"),
        Column("cluster_tax_id", "VARCHAR", "the cluster's tax id (most written), if any", max_len=CODE),
        Column("cluster_key", "VARCHAR", "the key the cluster id hashes: tax:<id> or name:<cc>:<key>"),
        Column("mentions", "INTEGER", "mentions in the cluster"),
        Column("rule", "VARCHAR", "how the mention joined: register, tax_id, name, splink, or single"),
        Column("probability", "DOUBLE", "1 for rules, splink's match probability for splink links"),
        Column("linked_mention_id", "VARCHAR", "the mention it was linked to by that rule", max_len=CODE),
    ),
    primary_key=("mention_id",),
)

CLUSTER_TABLES = (PARTY_MENTIONS, PARTY_CLUSTERS)

_MENTIONS_SQL = """
SELECT source_table, role, trim(name) AS name, nullif(trim(tax_id), '') AS tax_id, country, address, entity_id,
       lower(kind) AS kind, is_alias, sum(n) AS n FROM (
  SELECT 'shipments' AS source_table, 'importer' AS role, importer_name AS name, importer_tax_id AS tax_id,
         importer_country AS country, importer_address AS address, NULL AS entity_id, NULL AS kind,
         false AS is_alias, count(*) AS n
  FROM shipments GROUP BY ALL
  UNION ALL
  SELECT 'shipments', 'exporter', exporter_name, exporter_tax_id, exporter_country, exporter_address,
         NULL, NULL, false, count(*)
  FROM shipments GROUP BY ALL
  UNION ALL
  SELECT 'payments', 'payer', payer_name, payer_tax_id, NULL, NULL, NULL, NULL, false, count(*)
  FROM payments GROUP BY ALL
  UNION ALL
  SELECT 'payments', 'payee', payee_name, payee_tax_id, NULL, NULL, NULL, NULL, false, count(*)
  FROM payments GROUP BY ALL
  UNION ALL
  SELECT 'parties', 'party', name, tax_id, country, address, entity_id, kind, false, count(*)
  FROM parties GROUP BY ALL
  UNION ALL
  SELECT 'parties', 'party', alias, tax_id, country, address, entity_id, kind, true, count(*)
  FROM (SELECT unnest(string_split(aliases, ';')) AS alias, * FROM parties WHERE aliases IS NOT NULL)
  GROUP BY ALL
)
WHERE name IS NOT NULL AND trim(name) <> ''
GROUP BY ALL
"""


@dataclass
class ClusterResult:
    """What a clustering run did."""

    mentions: int
    clusters: int
    rows: int  # source rows covered
    by_rule: dict[str, int]  # mentions by the rule that took them in
    refused: dict[str, int]  # links refused, by rule and reason
    pairs_scored: int
    m_source: str  # where splink's m and u came from (data or priors), or "off"
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        rules = ", ".join(f"{k} {v:,}" for k, v in sorted(self.by_rule.items()))
        return (
            f"{self.mentions:,} party mentions ({self.rows:,} rows) in {self.clusters:,} clusters; "
            f"joined by {rules}; splink scored {self.pairs_scored:,} pairs ({self.m_source})"
        )


def _hash(*parts: object) -> str:
    text = "\x1f".join("\x00" if p is None else str(p) for p in parts)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def collect_mentions(ws: Workspace) -> list[Mention]:
    """Every distinct party mention of the workspace, sorted by id."""
    rows = ws.engine.arrow(_MENTIONS_SQL).to_pylist()
    keys = many_name_keys([(r["name"], r["kind"]) for r in rows])
    out = []
    for r in rows:
        parts = (
            r["source_table"],
            r["role"],
            r["name"],
            r["tax_id"],
            r["country"],
            r["address"],
            r["entity_id"],
        )
        out.append(
            Mention(
                mention_id=_hash(*parts, r["is_alias"]),
                source_table=r["source_table"],
                role=r["role"],
                name=r["name"],
                tax_id=r["tax_id"],
                country=r["country"],
                address=r["address"],
                entity_id=r["entity_id"],
                kind=r["kind"],
                count=int(r["n"]),
                primary=r["source_table"] == "parties" and not r["is_alias"],
                keys=keys[(r["name"], r["kind"])],
                tax=tax_key(r["tax_id"], r["country"]),
                addr=address_key(r["address"]),
            )
        )
    out.sort(key=lambda m: m.mention_id)
    return out


def _canonical(mentions: Sequence[Mention], members: list[int]) -> str:
    """The registry's main name if the cluster has one, else the most written spelling."""
    written: Counter[str] = Counter()
    for i in members:
        written[mentions[i].name] += mentions[i].count
    primaries = {mentions[i].name for i in members if mentions[i].primary}
    return min(written, key=lambda n: (n not in primaries, -written[n], n))


def _best_key(
    mentions: Sequence[Mention], members: list[int], canonical: str
) -> tuple[str, str | None, str | None]:
    """(cluster key, country, tax id): the most written tax id (checked ones first), else the name."""
    taxes: Counter[tuple[bool, str]] = Counter()
    countries: Counter[str] = Counter()
    for i in members:
        m = mentions[i]
        if m.tax:
            taxes[(m.tax.checked, m.tax.key)] += m.count
        if m.country:
            countries[m.country] += m.count
    country = min(countries, key=lambda c: (-countries[c], c)) if countries else None
    if taxes:
        _checked, key = min(taxes, key=lambda t: (not t[0], -taxes[t], t[1]))
        return f"tax:{key}", country, key
    kind = next((mentions[i].kind for i in members if mentions[i].kind), None)
    return f"name:{country or ''}:{name_keys(canonical, kind).fold_key}", country, None


def _cluster_rows(mentions: Sequence[Mention], merger: Merger) -> pa.Table:
    groups: dict[int, list[int]] = defaultdict(list)
    for i, root in enumerate(merger.roots()):
        groups[root].append(i)
    taken: set[str] = set()
    cols: dict[str, list[object]] = defaultdict(list)
    # clusters in a total order (by their smallest mention id) so that id collisions resolve the same way
    for members in sorted(groups.values(), key=lambda ms: mentions[ms[0]].mention_id):
        canonical = _canonical(mentions, members)
        key, country, tax = _best_key(mentions, members, canonical)
        cluster_id = "pc_" + _hash(key)[:16]
        if cluster_id in taken:  # two clusters with one best key (kept apart by a conflict)
            cluster_id = "pc_" + _hash(key, mentions[members[0]].mention_id)[:16]
        taken.add(cluster_id)
        for i in members:
            link = merger.link[i]
            cols["cluster_id"].append(cluster_id)
            cols["mention_id"].append(mentions[i].mention_id)
            cols["name"].append(mentions[i].name)
            cols["canonical_name"].append(canonical)
            cols["cluster_country"].append(country)
            cols["cluster_tax_id"].append(tax)
            cols["cluster_key"].append(key)
            cols["mentions"].append(len(members))
            cols["rule"].append(link[0] if link else "single")
            cols["probability"].append(link[1] if link else 1.0)
            cols["linked_mention_id"].append(mentions[link[2]].mention_id if link else None)
    types = {"mentions": pa.int32(), "probability": pa.float64()}
    return pa.table(
        {c.name: pa.array(cols[c.name], type=types.get(c.name, pa.string())) for c in PARTY_CLUSTERS.columns}
    )


def _mention_rows(mentions: Sequence[Mention]) -> pa.Table:
    return pa.table(
        {
            "mention_id": [m.mention_id for m in mentions],
            "source_table": [m.source_table for m in mentions],
            "role": [m.role for m in mentions],
            "name": [m.name for m in mentions],
            "tax_id": [m.tax_id for m in mentions],
            "country": [m.country for m in mentions],
            "address": [m.address for m in mentions],
            "entity_id": [m.entity_id for m in mentions],
            "kind": [m.kind for m in mentions],
            "is_alias": [m.source_table == "parties" and not m.primary for m in mentions],
            "rows": pa.array([m.count for m in mentions], pa.int64()),
            "name_key": [m.keys.key for m in mentions],
            "name_fold": [m.keys.fold_key for m in mentions],
        }
    )


def _write(ws: Workspace, spec: TableSpec, table: pa.Table) -> None:
    """Replace a derived table (dropped and re-created, so that its columns follow the spec)."""
    ws.engine.execute(f"DROP TABLE IF EXISTS {spec.name}")
    ws.engine.execute(spec.ddl())
    tmp = f"_tt_{spec.name}"
    ws.engine.register(tmp, table)
    try:
        cols = ", ".join(spec.names)
        ws.engine.execute(f"INSERT INTO {spec.name} ({cols}) SELECT {cols} FROM {tmp}")
    finally:
        ws.engine.unregister(tmp)


@runs_as("resolve")
def cluster_parties(
    ws: Workspace,
    progress: Progress | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    use_splink: bool = True,
) -> ClusterResult:
    """Cluster every party mention of the workspace; rewrite party_mentions and party_clusters.

    ``threshold``: the splink match probability from which two spellings are linked;
    ``use_splink=False`` runs the deterministic rules alone.
    """
    from tradetrace.resolve.cluster_splink import link_mentions

    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], not {threshold}")
    progress = progress or NullProgress()
    seconds: dict[str, float] = {}
    task = progress.task("resolve: party mentions", total=4)
    t0 = time.perf_counter()
    mentions = collect_mentions(ws)
    seconds["mentions"] = time.perf_counter() - t0
    task.advance()
    merger = Merger(mentions)
    rule_edges = deterministic_edges(mentions)
    merger.add_all(rule_edges)
    seconds["rules"] = time.perf_counter() - t0 - sum(seconds.values())
    task.advance()
    pairs, m_source = 0, "off"
    if use_splink and len(mentions) > 1:
        linked = link_mentions(mentions, merger, rule_edges, threshold)
        merger.add_all(Edge.make("splink", a, b, p) for a, b, p in linked.edges)
        pairs, m_source = linked.pairs_scored, linked.m_source
    seconds["splink"] = time.perf_counter() - t0 - sum(seconds.values())
    task.advance()
    clusters = _cluster_rows(mentions, merger)
    with ws.engine.transaction():
        _write(ws, PARTY_MENTIONS, _mention_rows(mentions))
        _write(ws, PARTY_CLUSTERS, clusters)
    seconds["write"] = time.perf_counter() - t0 - sum(seconds.values())
    task.advance()
    task.done()
    rules = Counter(str(r) for r in clusters.column("rule").to_pylist())
    return ClusterResult(
        mentions=len(mentions),
        clusters=len(set(clusters.column("cluster_id").to_pylist())),
        rows=sum(m.count for m in mentions),
        by_rule=dict(rules),
        refused=dict(merger.refused),
        pairs_scored=pairs,
        m_source=m_source,
        seconds={k: round(v, 3) for k, v in seconds.items()},
    )
