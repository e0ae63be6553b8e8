"""Small simulated datasets shared by the simulator tests (each takes about a second)."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tradetrace.simulate import SimulationSummary, simulate
from tradetrace.simulate.vocab import countries

ROWS = 20_000
SEED = 7
FORMATS = ("csv", "parquet", "ru-dt")


@dataclass
class Dataset:
    summary: SimulationSummary
    progress: list[tuple[int, int]]

    @property
    def dir(self) -> Path:
        return self.summary.out_dir

    def truth(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.dir / "truth.json").read_text(encoding="utf-8"))
        return data

    def shipments(self) -> dict[str, dict[str, str]]:
        with (self.dir / "shipments.csv").open(encoding="utf-8", newline="") as fh:
            return {r["record_id"]: r for r in csv.DictReader(fh)}

    def ru_dt(self) -> dict[str, dict[str, str]]:
        with (self.dir / "shipments_ru-dt.csv").open(encoding="cp1251", newline="") as fh:
            return {f"{r['ND']}/{r['G32']}": r for r in csv.DictReader(fh, delimiter=";")}

    def table(self, name: str) -> list[dict[str, str]]:
        with (self.dir / name).open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))


def make(path: Path, seed: int = SEED, rows: int = ROWS, family: str = "a") -> Dataset:
    seen: list[tuple[int, int]] = []
    summary = simulate(
        path, rows=rows, seed=seed, formats=FORMATS, progress=lambda d, t: seen.append((d, t)), family=family
    )
    return Dataset(summary, seen)


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return make(tmp_path_factory.mktemp("sim_a"))


@pytest.fixture(scope="session")
def dataset_b(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return make(tmp_path_factory.mktemp("sim_b"), family="b")


@pytest.fixture(scope="session")
def shipments(dataset: Dataset) -> dict[str, dict[str, str]]:
    return dataset.shipments()


@pytest.fixture(scope="session")
def truth(dataset: Dataset) -> dict[str, Any]:
    return dataset.truth()


def country_code(value: str) -> str:
    """ISO alpha-2 of a country written as alpha-2, alpha-3, numeric or an English/Russian name."""
    for c in countries():
        if value in (c.alpha2, c.alpha3, c.numeric, c.name_en, c.name_ru):
            return c.alpha2
    raise AssertionError(f"unknown country {value!r}")


def sdn_tax_ids() -> set[str]:
    """Russian tax ids in the bundled OFAC extract, read independently of the simulator."""
    path = resources.files("tradetrace").joinpath("data").joinpath("lists").joinpath("ofac_sdn_extract")
    text = path.joinpath("sdn.csv").read_text(encoding="utf-8")
    return set(re.findall(r"Tax ID No\. (\d+) \(Russia\)", text))
