"""FollowTheMoney JSON lines (as written by ``ftm``, Aleph and OpenSanctions).

Each line is one entity; the followthemoney library checks its schema and
properties. Legal entities and people become ``parties``; Ownership,
Directorship, Employment, Membership, Representation and Associate/Family
interests become ``relations`` (with their start and end dates: a former
co-owner keeps the end date); Payments become ``payments``. Lines that are
not JSON or not a known schema go to the quarantine with their line number.
All three tables are written in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from tradetrace.engine import FileScan, RejectedLine
from tradetrace.engine.base import ROW_COLUMN
from tradetrace.ingest.base import IngestError, LoadResult, already_loaded, load_id_for, record_load
from tradetrace.ingest.parties import LOADS
from tradetrace.ingest.profiles import Profile
from tradetrace.ingest.tabular import Staged, cleanup, commit, stage
from tradetrace.ingest.textfile import sha256_file
from tradetrace.progress import NullProgress, Progress
from tradetrace.workspace import Workspace

PARTY_SCHEMATA = {"LegalEntity": "company", "Company": "company", "Organization": "company",
                  "PublicBody": "company", "Person": "person"}  # fmt: skip
# schema -> (source property, target property, relation)
RELATION_SCHEMATA = {
    "Ownership": ("owner", "asset", "owner"),
    "Directorship": ("director", "organization", "director"),
    "Employment": ("employee", "employer", "employee"),
    "Membership": ("member", "organization", "associate"),
    "Representation": ("agent", "client", "representative"),
    "Associate": ("person", "associate", "associate"),
    "Family": ("person", "relative", "associate"),
}
PARTY_PROPS = {
    "tax_id": ("taxNumber", "innCode", "vatCode"),
    "registration_no": ("registrationNumber", "ogrnCode", "leiCode"),
    "country": ("country", "jurisdiction", "mainCountry", "nationality", "citizenship"),
    "phone": ("phone",),
    "email": ("email",),
    "website": ("website",),
}


def _first(props: dict[str, list[str]], *names: str) -> str | None:
    for n in names:
        for v in props.get(n, []):
            if v and v.strip():
                return v.strip()
    return None


def _day(value: str | None, end: bool = False) -> str | None:
    """FtM dates may be partial ("2015", "2015-06"); a start takes the first day, an end the last."""
    if not value:
        return None
    value = value[:10]
    if len(value) == 4 and value.isdigit():
        return f"{value}-12-31" if end else f"{value}-01-01"
    if len(value) == 7:
        if not end:
            return value + "-01"
        import calendar

        y, m = int(value[:4]), int(value[5:7])
        return f"{value}-{calendar.monthrange(y, m)[1]:02d}" if 1 <= m <= 12 else value
    return value


def _amount(props: dict[str, list[str]]) -> dict[str, str | None]:
    """Amount and currency: ``amount`` in ``currency``, else ``amountUsd``, else ``amountEur``."""
    usd = _first(props, "amountUsd")
    if _first(props, "amount"):
        return {"amount": _first(props, "amount"), "currency": _first(props, "currency"), "amount_usd": usd}
    if usd:
        return {"amount": usd, "currency": "USD", "amount_usd": usd}
    return {"amount": _first(props, "amountEur"), "currency": "EUR", "amount_usd": None}


@dataclass
class _Rows:
    parties: list[dict[str, Any]] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[RejectedLine] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


def _read(path: Path) -> _Rows:
    from followthemoney import model
    from followthemoney.exc import InvalidData

    out = _Rows()
    entities: list[tuple[int, Any]] = []
    addresses: dict[str, str] = {}
    names: dict[str, tuple[str, str | None]] = {}
    with open(path, encoding="utf-8", errors="strict") as fh:
        try:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                    proxy = model.get_proxy(data, cleaned=False)
                except (json.JSONDecodeError, InvalidData, TypeError, KeyError, AttributeError) as exc:
                    out.rejects.append(
                        RejectedLine(lineno, f"not a FollowTheMoney entity: {exc}", line[:20000])
                    )
                    continue
                if not proxy.id:
                    out.rejects.append(RejectedLine(lineno, "entity without an id", line[:20000]))
                    continue
                entities.append((lineno, proxy))
                if proxy.schema.is_a("Address"):
                    addresses[proxy.id] = _first(proxy.properties, "full") or proxy.caption
                if proxy.schema.is_a("LegalEntity"):
                    names[proxy.id] = (proxy.caption, _first(proxy.properties, *PARTY_PROPS["tax_id"]))
        except UnicodeDecodeError as exc:
            raise IngestError(
                f"{path}: not valid UTF-8 (byte offset {exc.start} of a line); FtM files are UTF-8"
            ) from exc
    for lineno, proxy in entities:
        _convert(lineno, proxy, out, addresses, names)
    return out


def _convert(
    lineno: int, proxy: Any, out: _Rows, addresses: dict[str, str], names: dict[str, tuple[str, str | None]]
) -> None:
    props: dict[str, list[str]] = proxy.properties
    schema = proxy.schema.name
    if schema in PARTY_SCHEMATA or proxy.schema.is_a("LegalEntity"):
        all_names = [n for n in props.get("name", []) if n]
        aliases = [n for n in all_names[1:] + props.get("alias", []) + props.get("previousName", []) if n]
        address = _first(props, "address") or next(
            (addresses[a] for a in props.get("addressEntity", []) if a in addresses), None
        )
        out.parties.append(
            {
                "entity_id": proxy.id, "kind": PARTY_SCHEMATA.get(schema, "company"),
                "name": all_names[0] if all_names else proxy.caption, "aliases": ";".join(aliases) or None,
                **{k: _first(props, *v) for k, v in PARTY_PROPS.items()},
                "incorporation_date": _day(_first(props, "incorporationDate")),
                "address": address, "schema": schema, ROW_COLUMN: lineno,
            }
        )  # fmt: skip
    elif schema in RELATION_SCHEMATA:
        src, dst, relation = RELATION_SCHEMATA[schema]
        out.relations.append(
            {
                "source_id": _first(props, src), "target_id": _first(props, dst), "relation": relation,
                "role": _first(props, "role", "relationship"), "share_pct": _first(props, "percentage"),
                "start_date": _day(_first(props, "startDate", "date")),
                "end_date": _day(_first(props, "endDate"), end=True),
                "source": _first(props, "sourceUrl", "publisher", "summary"), ROW_COLUMN: lineno,
            }
        )  # fmt: skip
    elif schema == "Payment":
        payer = _first(props, "payer") or ""
        payee = _first(props, "beneficiary") or ""
        out.payments.append(
            {
                "record_id": _first(props, "recordId", "transactionNumber") or proxy.id,
                "date": _day(_first(props, "date", "startDate")),
                "payer_name": names.get(payer, (None, None))[0], "payer_tax_id": names.get(payer, (None, None))[1],
                "payee_name": names.get(payee, (None, None))[0], "payee_tax_id": names.get(payee, (None, None))[1],
                **_amount(props), "purpose": _first(props, "purpose", "description"),
                ROW_COLUMN: lineno,
            }
        )  # fmt: skip
    elif not proxy.schema.is_a("Address"):
        out.skipped[schema] = out.skipped.get(schema, 0) + 1


def _table(rows: Sequence[dict[str, Any]], columns: Iterable[str]) -> pa.Table:
    cols = [c for c in columns if c != ROW_COLUMN]
    data: dict[str, pa.Array] = {
        c: pa.array([None if r.get(c) is None else str(r[c]) for r in rows], pa.string()) for c in cols
    }
    data[ROW_COLUMN] = pa.array([int(r[ROW_COLUMN]) for r in rows], pa.int64())
    return pa.table(data)


def ingest_ftm(ws: Workspace, path: Path, progress: Progress | None = None) -> LoadResult:
    """Load an FtM entity file into parties, relations and payments, all or nothing."""
    progress = progress or NullProgress()
    if not path.exists():
        raise IngestError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise IngestError(f"{path}: the file is empty; expected one FtM entity (JSON) per line")
    sha = sha256_file(path)
    result = LoadResult("ftm", str(path), load_id_for("ftm", sha), sha, profile="ftm", encoding="utf-8")
    if already_loaded(ws.engine, result.load_id):
        result.skipped = True
        return result
    rows = _read(path)
    result.unused_columns = [f"{k} ({n} entities)" for k, n in sorted(rows.skipped.items())]
    staged: list[Staged] = []
    rates = None
    for kind, items in (
        ("parties", rows.parties),
        ("relations", rows.relations),
        ("payments", rows.payments),
    ):
        load = LOADS[kind]
        if not items:
            continue
        if load.money and rates is None:
            from tradetrace.model.fx_sources import rates_table

            rates = rates_table(ws.settings.rates_file)
        relation = f"_tt_src_ftm_{kind}"
        table = _table(items, [c.name for c in load.inputs])
        ws.engine.register(relation, table)
        scan = FileScan(relation, [c for c in table.column_names if c != ROW_COLUMN],
                        dict.fromkeys(table.column_names, "VARCHAR"), ROW_COLUMN)  # fmt: skip
        profile = Profile(name="ftm", kind=kind, identity=True, decimal=".")
        staged.append(
            stage(ws.engine, scan, load, profile, str(path), ",", rates if load.money else None, progress)
        )
    if rows.rejects:
        staged_rejects = staged[0] if staged else None
        if staged_rejects is None:
            raise IngestError(
                f"{path}: no line is a FollowTheMoney entity (line {rows.rejects[0].line}: {rows.rejects[0].error})"
            )
        staged_rejects.rejects.extend(rows.rejects)
    with ws.engine.transaction():
        for s in staged:
            commit(ws.engine, s, result)
        record_load(ws.engine, result, path)
    for s in staged:
        cleanup(ws.engine, s)
    return result
