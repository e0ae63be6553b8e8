"""Merging party mentions into clusters: deterministic rules and a constrained union-find.

Edges come in order of strength: the register (aliases of one registry entry), equal tax
ids (unless both the name and the address say otherwise), equal name keys of firms in one
country (with addresses that do not disagree), then probabilistic links (splink) by
falling probability. People are joined by the register and tax ids only: two people of
one name are two people until an identifier says otherwise. An edge joins two clusters
only when nothing contradicts it:

* two different tax ids of the same kind (two 10-digit INNs, two 9-digit ids...);
* different countries (probabilistic and name links only: a tax id links across them);
* a person with a company.

Chains of weak links cannot pull two firms with different tax ids or countries together,
because every merge is checked against everything already in both clusters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from tradetrace.resolve.cluster_keys import NameKeys, TaxKey

__all__ = ["Edge", "Mention", "Merger", "deterministic_edges"]

PERSON = "person"
RULE_RANK = {"register": 0, "tax_id": 1, "name": 2, "splink": 3}
MAX_NAMES_PER_TAX_ID = 25  # more distinct names than this on one id: a placeholder, not a firm
MIN_UNCHECKED_ID = 8  # shortest identifier trusted without a checksum
MIN_NAME_KEY = 4  # shortest name key (letters) that may decide alone
ADDRESS_AGREES = 85.0  # token-set similarity (0-100) at which two addresses are compatible
NAMES_AGREE = 80.0  # edit similarity (0-100) of folded names at which they read alike
NAME_GROUP_ANCHORS = 50  # a mention is compared with at most this many earlier ones of its group


@dataclass(frozen=True, slots=True)
class Mention:
    """One distinct way a party is written in one source and role."""

    mention_id: str
    source_table: str
    role: str
    name: str
    tax_id: str | None
    country: str | None
    address: str | None
    entity_id: str | None  # the registry row's own id (parties only)
    kind: str | None
    count: int
    primary: bool  # the registry entry's main name
    keys: NameKeys
    tax: TaxKey | None
    addr: str | None


@dataclass(frozen=True, slots=True, order=True)
class Edge:
    """A reason to put two mentions (indices) in one cluster; sorts strongest first."""

    rank: int
    neg_prob: float
    a: int
    b: int
    rule: str = field(compare=False)
    prob: float = field(compare=False)

    @classmethod
    def make(cls, rule: str, a: int, b: int, prob: float = 1.0) -> Edge:
        lo, hi = (a, b) if a <= b else (b, a)
        return cls(RULE_RANK[rule], -prob, lo, hi, rule, prob)


def _tax_kind(tax: TaxKey) -> str:
    """Identifiers of one kind (length and digits or letters) cannot both belong to one firm."""
    return f"{len(tax.key)}{'d' if tax.key.isdigit() else 'a'}"


class Merger:
    """Union-find over mentions whose roots remember tax ids, countries and kinds."""

    def __init__(self, mentions: Sequence[Mention]) -> None:
        n = len(mentions)
        self.parent = list(range(n))
        self.taxes: list[dict[str, set[str]]] = [
            {_tax_kind(m.tax): {m.tax.key}} if m.tax else {} for m in mentions
        ]
        self.countries: list[set[str]] = [{m.country} if m.country else set() for m in mentions]
        self.kinds: list[set[str]] = [{m.kind} if m.kind else set() for m in mentions]
        self.link: list[tuple[str, float, int] | None] = [None] * n  # first edge that took each mention in
        self.refused: dict[str, int] = defaultdict(int)

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def conflict(self, ra: int, rb: int, rule: str) -> str | None:
        ta, tb = self.taxes[ra], self.taxes[rb]
        for kind in ta.keys() & tb.keys():
            if not ta[kind] & tb[kind]:
                return "tax_id"
        ca, cb = self.countries[ra], self.countries[rb]
        if rule != "tax_id" and ca and cb and not ca & cb:
            return "country"
        if len(self.kinds[ra] | self.kinds[rb]) > 1:
            return "kind"
        return None

    def add(self, edge: Edge) -> bool:
        """Join the clusters of the edge's mentions unless they contradict each other."""
        ra, rb = self.find(edge.a), self.find(edge.b)
        if ra == rb:
            return False
        why = self.conflict(ra, rb, edge.rule)
        if why:
            self.refused[f"{edge.rule}:{why}"] += 1
            return False
        if ra > rb:  # the smaller index becomes the root: the same input gives the same forest
            ra, rb = rb, ra
        self.parent[rb] = ra
        for kind, keys in self.taxes[rb].items():
            self.taxes[ra].setdefault(kind, set()).update(keys)
        self.countries[ra] |= self.countries[rb]
        self.kinds[ra] |= self.kinds[rb]
        self.taxes[rb], self.countries[rb], self.kinds[rb] = {}, set(), set()
        for i, j in ((edge.a, edge.b), (edge.b, edge.a)):
            if self.link[i] is None:
                self.link[i] = (edge.rule, edge.prob, j)
        return True

    def add_all(self, edges: Iterable[Edge]) -> int:
        return sum(self.add(e) for e in sorted(edges))

    def roots(self) -> list[int]:
        return [self.find(i) for i in range(len(self.parent))]


def _addresses_agree(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b or fuzz.token_set_ratio(a, b) >= ADDRESS_AGREES


def _same_address(a: Mention, b: Mention) -> bool:
    return a.addr is not None and b.addr is not None and _addresses_agree(a.addr, b.addr)


def _names_agree(a: Mention, b: Mention) -> bool:
    """Names that share a word (in any script) or read alike."""
    ka, kb = a.keys, b.keys
    if set(ka.fold) & set(kb.fold) or set(ka.cross) & set(kb.sino) or set(ka.sino) & set(kb.cross):
        return True
    return (
        bool(ka.fold_squash and kb.fold_squash) and fuzz.ratio(ka.fold_squash, kb.fold_squash) >= NAMES_AGREE
    )


def _order(mentions: Sequence[Mention], idx: Iterable[int]) -> list[int]:
    """Most written first, then the registry's main names, then by id: a total order."""
    return sorted(idx, key=lambda i: (-mentions[i].count, not mentions[i].primary, mentions[i].mention_id))


def _register_edges(mentions: Sequence[Mention]) -> list[Edge]:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(mentions):
        if m.entity_id:
            groups[m.entity_id].append(i)
    edges: list[Edge] = []
    for idx in groups.values():
        first, *rest = sorted(idx, key=lambda i: (not mentions[i].primary, mentions[i].mention_id))
        edges.extend(Edge.make("register", first, i) for i in rest)
    return edges


def _top(parent: dict[int, int], i: int) -> int:
    while parent[i] != i:
        i = parent[i]
    return i


def _tax_edges(mentions: Sequence[Mention]) -> list[Edge]:
    """Equal tax ids: mentions whose name or address also agrees are linked first.

    A mention that agrees with nobody else of its id (a translated name, no address) joins
    the id's largest group. Groups that each agree within themselves but not with each
    other (another name at another address) stay apart: one id written for two firms is a
    typing error or a placeholder more often than a rename.
    """
    groups: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(mentions):
        if m.tax and (m.tax.checked or len(m.tax.key) >= MIN_UNCHECKED_ID):
            groups[m.tax.key].append(i)
    edges: list[Edge] = []
    for idx in groups.values():
        if len({mentions[i].keys.fold_key for i in idx}) > MAX_NAMES_PER_TAX_ID:
            continue
        ordered = _order(mentions, idx)
        local = {i: i for i in ordered}
        for pos, i in enumerate(ordered[1:], start=1):
            a = mentions[i]
            for j in ordered[: min(pos, NAME_GROUP_ANCHORS)]:
                b = mentions[j]
                if a.keys.fold_key == b.keys.fold_key or _names_agree(a, b) or _same_address(a, b):
                    edges.append(Edge.make("tax_id", j, i))
                    local[_top(local, i)] = _top(local, j)
                    break
        top = {i: _top(local, i) for i in ordered}
        rows: dict[int, int] = defaultdict(int)
        members: dict[int, int] = defaultdict(int)
        for i in ordered:
            rows[top[i]] += mentions[i].count
            members[top[i]] += 1
        biggest = min(rows, key=lambda r: (-rows[r], mentions[r].mention_id))
        edges.extend(
            Edge.make("tax_id", biggest, i) for i in ordered if members[top[i]] == 1 and top[i] != biggest
        )
    return edges


def _name_edges(mentions: Sequence[Mention]) -> list[Edge]:
    """Equal folded name keys in one country, where the addresses do not disagree.

    A mention without a country (payments, some declaration extracts) joins the name's
    group when exactly one country has that name.
    """
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    countries: dict[str, set[str]] = defaultdict(set)
    loose: list[int] = []
    for i, m in enumerate(mentions):
        key = m.keys.fold_key
        if len(key.replace(" ", "")) < MIN_NAME_KEY or m.kind == PERSON:
            continue
        if m.country:
            groups[(key, m.country)].append(i)
            countries[key].add(m.country)
        else:
            loose.append(i)
    for i in loose:
        key = mentions[i].keys.fold_key
        found = countries.get(key, set())
        if len(found) <= 1:
            groups[(key, next(iter(found), ""))].append(i)
    edges: list[Edge] = []
    for idx in groups.values():
        ordered = _order(mentions, idx)
        for pos, i in enumerate(ordered[1:], start=1):
            for j in ordered[: min(pos, NAME_GROUP_ANCHORS)]:
                if _addresses_agree(mentions[i].addr, mentions[j].addr):
                    edges.append(Edge.make("name", j, i))
                    break
    return edges


def deterministic_edges(mentions: Sequence[Mention]) -> list[Edge]:
    """Edges of the rules that decide alone: register aliases, tax ids, names within a country."""
    return _register_edges(mentions) + _tax_edges(mentions) + _name_edges(mentions)
