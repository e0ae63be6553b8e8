"""simulate(): write a synthetic customs dataset with planted schemes and its ground truth."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tradetrace.simulate.background import Background
from tradetrace.simulate.names import NameBook
from tradetrace.simulate.parties import write_ftm, write_parties, write_relations
from tradetrace.simulate.party_truth import PartyTruth
from tradetrace.simulate.payments import write_payments
from tradetrace.simulate.phenomena.labels import Labels
from tradetrace.simulate.registry import Registry, build_pools
from tradetrace.simulate.render import Renderer
from tradetrace.simulate.rows import SERIAL_DOMAIN, RowBlock, planted_block
from tradetrace.simulate.schemes import plant_all
from tradetrace.simulate.schemes.base import Plant
from tradetrace.simulate.schemes.sdn import load_extract
from tradetrace.simulate.vocab import family as use_family
from tradetrace.simulate.world import build_world
from tradetrace.simulate.writers import LOGICAL_NAMES, ShipmentWriters

GENERATOR = "tradetrace.simulate 1"
CHUNK_ROWS = 500_000
MIN_BACKGROUND_ROWS = 2_000
MAX_ROWS = 12_000_000


@dataclass(frozen=True)
class SimulationSummary:
    out_dir: Path
    seed: int
    rows: int  # shipment rows written (per format)
    files: dict[str, Path]  # logical name -> path
    schemes: list[str]


def _streams(seed: int) -> dict[str, np.random.Generator]:
    names = ("plant", "world", "planted_rows", "payments", "keys")
    return {n: np.random.default_rng([seed, i]) for i, n in enumerate(names)}


def simulate(
    out_dir: Path,
    rows: int = 200_000,
    seed: int = 7,
    formats: Sequence[str] = ("csv",),
    progress: Callable[[int, int], None] | None = None,
    family: str = "a",
) -> SimulationSummary:
    """Write shipments (in each of formats), parties, relations, payments, FtM entities and truth.

    The same seed gives byte-identical files; rows counts every shipment row, planted ones included.
    family picks the scenario family (``a``, the default, or ``b``): other proportions, name
    pools, countries, goods and planted schemes (see docs/simulator.md).
    """
    with use_family(family):
        return _simulate(Path(out_dir), rows, seed, formats, progress, family)


def _simulate(
    out_dir: Path,
    rows: int,
    seed: int,
    formats: Sequence[str],
    progress: Callable[[int, int], None] | None,
    family: str,
) -> SimulationSummary:
    out_dir.mkdir(parents=True, exist_ok=True)
    if rows > MAX_ROWS:
        raise ValueError(f"rows must be at most {MAX_ROWS:,}")
    writers = ShipmentWriters(out_dir, formats)  # checks the formats; opens files lazily
    streams = _streams(seed)
    keys = streams["keys"].integers(1, 2**31, size=2)
    serial_key, payment_key = int(keys[0]), int(keys[1])
    reg, book = Registry(), NameBook()
    plant = Plant(reg, book, streams["plant"], load_extract())
    planted = plant_all(plant)
    n_planted = len(plant.lines)
    if rows < n_planted + MIN_BACKGROUND_ROWS:
        raise ValueError(
            f"rows must be at least {n_planted + MIN_BACKGROUND_ROWS} (planted rows: {n_planted})"
        )
    labels = Labels()
    world = build_world(reg, book, streams["world"], rows, labels)
    pools = build_pools(reg)
    background = Background(reg, world, labels)
    renderer = Renderer(pools, serial_key)
    party_truth = PartyTruth(pools.name_cnt)

    # planted lines: their own declaration numbers, spread over the whole file
    rng = streams["planted_rows"]
    order = rng.permutation(n_planted)
    for k, i in enumerate(order):
        plant.lines[int(i)].decl = SERIAL_DOMAIN - 1 - k
    firm_country = [f.country for f in reg.firms]
    planted_rows = planted_block(plant.lines, firm_country, rng, serial_key)
    position = np.sort(rng.choice(rows, size=n_planted, replace=False))
    chunk_of = position // CHUNK_ROWS
    slot = rng.permutation(n_planted)  # which planted line goes to which position

    done, decls = 0, 0
    limit = SERIAL_DOMAIN - n_planted
    # one writer thread: Arrow's CSV and Parquet writers release the GIL, so writing chunk k
    # overlaps with generating chunk k + 1; at most two chunks are in memory.
    with writers, ThreadPoolExecutor(max_workers=1) as pool:
        pending: list[tuple[Future[None], int]] = []

        def settle() -> None:
            nonlocal done
            while pending:
                future, size = pending.pop()
                future.result()
                done += size
                if progress is not None:
                    progress(done, rows)

        for k, start in enumerate(range(0, rows, CHUNK_ROWS)):
            size = min(CHUNK_ROWS, rows - start)
            mine = slot[chunk_of == k]
            crng = np.random.default_rng([seed, 100, k])
            bg = background.generate(crng, size - len(mine), decls)
            labels.observe(bg, serial_key)
            decls += int(bg.decl.max() - decls + 1) if len(bg) else 0
            if decls >= limit:
                raise RuntimeError("declaration numbers exhausted")
            block = _interleave(bg, planted_rows.take(mine.astype(np.int64)), crng)
            party_truth.observe(block, pools.has_tax)
            chunk = renderer.render(
                block,
                crng,
                canonical="csv" in writers.formats,
                typed=writers.needs_typed,
                ru_dt="ru-dt" in writers.formats,
            )
            settle()
            pending.append((pool.submit(writers.write, chunk), size))
        settle()

    files = {LOGICAL_NAMES[f]: p for f, p in writers.paths.items()}
    files["payments"] = out_dir / "payments.csv"
    paid = write_payments(
        files["payments"], reg, world, plant.payments, streams["payments"], rows, payment_key, labels
    )
    files["parties"] = out_dir / "parties.csv"
    write_parties(files["parties"], reg)
    files["relations"] = out_dir / "relations.csv"
    write_relations(files["relations"], reg)
    files["entities"] = out_dir / "entities.ftm.json"
    write_ftm(files["entities"], reg)
    truth: dict[str, Any] = {
        "seed": seed,
        "rows": rows,
        "generator": GENERATOR,
        "family": family,
        "schemes": [p.truth() for p in planted if p.kind == "scheme"],
        "decoys": [p.truth() for p in planted if p.kind == "decoy"],
        "background": labels.truth(reg),
    }
    files["party_truth"] = out_dir / "party_truth.csv"
    party_truth.write(files["party_truth"], reg, paid, writers.formats)
    files["truth"] = out_dir / "truth.json"
    files["truth"].write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    schemes = [p.scheme_id for p in planted if p.kind == "scheme"]
    return SimulationSummary(out_dir, seed, rows, files, schemes)


def _interleave(bg: RowBlock, extra: RowBlock, rng: np.random.Generator) -> RowBlock:
    """Insert planted declarations between background declarations at random places."""
    if len(extra) == 0:
        return bg
    first = np.r_[True, bg.decl[1:] != bg.decl[:-1]] if len(bg) else np.zeros(0, bool)
    rank = np.cumsum(first) - 1  # background declaration rank of each row
    n_decl = int(rank[-1]) + 1 if len(bg) else 0
    slots = rng.integers(0, n_decl + 1, len(extra)) - 0.5
    key = np.concatenate([rank.astype(np.float64), slots])
    order = np.argsort(key, kind="stable")
    return RowBlock.concat([bg, extra]).take(order)
