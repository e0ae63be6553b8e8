"""nomenklatura's logic-v2 in an interpreter of its own, for bench/matching.py.

bench/matching.py imports :func:`best_matches` when nomenklatura is installed beside tradetrace.
nomenklatura 4.17 requires duckdb<2, which tradetrace cannot share: install it in a separate virtual
environment (``python -m venv /tmp/nk && /tmp/nk/bin/pip install nomenklatura``) and pass
``--nk-python /tmp/nk/bin/python`` to bench/matching.py, which then runs this script there. It reads
JSON from stdin,
``{"entries": {id: {"kind", "names": [[name, type]], "birth_dates"}}, "cases": [[query, [ids]]]}``,
and writes ``[[best id or null, score]]``: the best of each case's candidate entries by logic-v2.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from followthemoney import model
from nomenklatura.matching import LogicV2

SCHEMA = {"person": "Person", "company": "Company", "vessel": "Vessel", "aircraft": "Airplane"}


def best_matches(data: dict[str, Any]) -> list[tuple[str | None, float]]:
    """Per case, the candidate entry logic-v2 scores highest and its score (None, 0 when none)."""
    proxies: dict[str, Any] = {}
    for entry_id, e in data["entries"].items():
        p = model.make_entity(SCHEMA.get(e["kind"], "LegalEntity"))
        p.id = f"e-{entry_id}"
        for name, type_ in e["names"]:
            p.add("weakAlias" if type_ == "weak" else "name", name)
        if e["kind"] == "person":
            p.add("birthDate", e["birth_dates"])
        proxies[entry_id] = p
    config = LogicV2.default_config()
    out: list[tuple[str | None, float]] = []
    for i, (query, ids) in enumerate(data["cases"]):
        q = model.make_entity("Person")
        q.id = f"q{i}"
        q.add("name", query)
        best: tuple[str | None, float] = (None, 0.0)
        for entry_id in ids:
            score = float(LogicV2.compare(q, proxies[entry_id], config).score)
            if score > best[1]:
                best = (entry_id, score)
        out.append(best)
    return out


def main() -> None:
    json.dump(best_matches(json.load(sys.stdin)), sys.stdout)


if __name__ == "__main__":
    main()
