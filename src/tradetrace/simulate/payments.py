"""payments.csv: innocent customer payments to importers, plus the planted payments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from tradetrace.simulate.ids import feistel
from tradetrace.simulate.party_truth import PaymentParties
from tradetrace.simulate.phenomena import NAMES, value
from tradetrace.simulate.phenomena.labels import Labels
from tradetrace.simulate.registry import Registry
from tradetrace.simulate.render import decimal, dict_col
from tradetrace.simulate.schemes.base import Payment
from tradetrace.simulate.timeline import END, START, from_day, fx_rates, iso, month_of, to_day
from tradetrace.simulate.vocab import CURRENCIES
from tradetrace.simulate.world import World

COLUMNS = (
    "record_id",
    "date",
    "payer_name",
    "payer_tax_id",
    "payee_name",
    "payee_tax_id",
    "amount",
    "currency",
    "amount_usd",
    "purpose",
)
_GOODS = ["товар", "оборудование", "запасные части", "комплектующие", "материалы", "продукцию", "инструмент"]


def payment_count(rows: int) -> int:
    return max(1000, min(400_000, rows // 25))


def _purposes(rng: np.random.Generator, n: int) -> list[str]:
    out = []
    for _ in range(n):
        what = _GOODS[int(rng.integers(len(_GOODS)))]
        if rng.random() < 0.6:
            out.append(f"Оплата по договору поставки № {int(rng.integers(1, 999))} за {what}, в т.ч. НДС 20%")
        else:
            out.append(f"Оплата по счету № {int(rng.integers(100, 9999))} за {what}, в т.ч. НДС 20%")
    return out


def write_payments(
    path: Path,
    reg: Registry,
    world: World,
    planted: list[Payment],
    rng: np.random.Generator,
    rows: int,
    key: int,
    labels: Labels,
) -> PaymentParties:
    """Write payments.csv sorted by date; assigns record ids to the planted payments.

    Returns the payers (firm, name as written) and payees the file names. Background payments
    of phenomena (civilian plants paying, namesakes sharing a payer) are labelled in labels.
    """
    n = payment_count(rows)
    payees = np.array([i for i in world.importers if reg.firms[i].country == "RU"], dtype=np.int64)
    weight = rng.lognormal(0, 1.0, len(payees))
    payee = payees[
        np.minimum(np.searchsorted(np.cumsum(weight), rng.random(n) * weight.sum()), len(payees) - 1)
    ]
    payer = np.array(world.customers, dtype=np.int64)[rng.integers(0, len(world.customers), n)]
    # phenomena take their payments out of the n background ones
    phen = np.full(n, -1, dtype=np.int64)
    n_civ = round(n * float(value("civilian_plants_paying", "payment_share"))) if world.civilian else 0
    payer[:n_civ] = np.array(world.civilian, dtype=np.int64)[rng.integers(0, len(world.civilian), n_civ)]
    phen[:n_civ] = NAMES.index("civilian_plants_paying")
    pos = n - 1
    for plan in world.pay_plan:
        for _ in range(plan.n):
            if pos < n_civ:
                break
            payer[pos], payee[pos], phen[pos] = plan.payer, plan.payee, NAMES.index(plan.phenomenon)
            pos -= 1
    day = rng.integers(to_day(START), to_day(END) + 1, n).astype(np.int32)
    usd_c = np.maximum(np.round(rng.lognormal(np.log(2_500_000), 1.2, n)), 10_000).astype(np.int64)
    u = rng.random(n)
    late = day >= iso("2022-03-01")
    cur = np.where(u < 0.88, 3, np.where(u < 0.92, 0, np.where(u < 0.96, 1, np.where(late, 2, 3))))
    purpose = rng.integers(0, 400, n)
    # planted payments join the background before sorting, so ids do not reveal them
    m = len(planted)
    day = np.concatenate([day, np.array([p.day for p in planted], dtype=np.int32)])
    payer = np.concatenate([payer, np.array([p.payer for p in planted], dtype=np.int64)])
    payee = np.concatenate([payee, np.array([p.payee for p in planted], dtype=np.int64)])
    usd_c = np.concatenate([usd_c, np.array([p.usd_c for p in planted], dtype=np.int64)])
    cur = np.concatenate([cur, np.array([CURRENCIES.index(p.currency) for p in planted])]).astype(np.int64)
    order = np.lexsort((rng.random(n + m), day))
    serial = feistel(np.arange(n + m, dtype=np.int64), key, 10_000_000)
    ids = np.empty(n + m, dtype=np.int64)
    ids[order] = serial
    for i, p in enumerate(planted):
        p.rid = f"pp/{from_day(p.day):%Y%m%d}/{ids[n + i]:07d}"
    for k, name in enumerate(NAMES):
        mine = np.flatnonzero(phen == k)
        if len(mine):
            mine = mine[np.argsort(ids[mine], kind="stable")]
            labels.payments(name, [f"pp/{from_day(int(day[i])):%Y%m%d}/{ids[i]:07d}" for i in mine.tolist()])
    amount_c = np.round(usd_c * fx_rates(cur.astype(np.int8), month_of(day))).astype(np.int64)
    for i, p in enumerate(planted):
        amount_c[n + i] = p.amount_c
    purposes = _purposes(rng, 400) + [p.purpose for p in planted]
    purpose_idx = np.concatenate([purpose, 400 + np.arange(m)]).astype(np.int64)
    names = [f.name.primary for f in reg.firms] + [
        p.payer_name or reg.firms[p.payer].name.primary for p in planted
    ]
    payer_name_idx = np.concatenate([payer[:n], len(reg.firms) + np.arange(m)]).astype(np.int64)
    taxes = pa.array([f.tax_id or "" for f in reg.firms])
    dates = pc.cast(pa.array(day, pa.date32()), pa.string())
    table = pa.table(
        {
            "record_id": pc.binary_join_element_wise(
                pa.array(["pp"] * (n + m)),
                pc.strftime(pa.array(day.astype(np.int64) * 86400, pa.timestamp("s")), "%Y%m%d"),
                pc.utf8_lpad(pc.cast(pa.array(ids), pa.string()), 7, "0"),
                "/",
            ),
            "date": dates,
            "payer_name": dict_col(payer_name_idx, pa.array(names)),
            "payer_tax_id": dict_col(payer, taxes),
            "payee_name": dict_col(payee, pa.array(names[: len(reg.firms)])),
            "payee_tax_id": dict_col(payee, taxes),
            "amount": decimal(amount_c, 2, "."),
            "currency": dict_col(cur, pa.array(list(CURRENCIES))),
            "amount_usd": decimal(usd_c, 2, "."),
            "purpose": dict_col(purpose_idx, pa.array(purposes)),
        }
    ).take(pa.array(order))
    pa_csv.write_csv(table, str(path))
    used = PaymentParties(payees=set(np.unique(payee).tolist()))
    for firm, name_idx in set(zip(payer.tolist(), payer_name_idx.tolist(), strict=True)):
        used.payers.add((firm, names[name_idx]))
    return used
