"""Entity resolution of trade parties: case table across scripts, and pairwise F1 on simulated data."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.resolve.cluster_data import case_workspace, cluster_cases, cluster_of
from tradetrace.ingest.parties import ingest_table
from tradetrace.ingest.shipments import ingest_shipments
from tradetrace.resolve.cluster import ClusterResult, cluster_parties
from tradetrace.resolve.cluster_eval import PairwiseScores, pairwise_scores
from tradetrace.resolve.cluster_keys import address_key, name_keys, tax_key
from tradetrace.settings import Settings
from tradetrace.simulate import simulate
from tradetrace.workspace import Workspace

F1_ROWS = 200_000
F1_SEED = 7

CASES: dict[str, dict[str, list[dict[str, str]]]] = defaultdict(lambda: defaultdict(list))
for _row in cluster_cases():
    CASES[_row["case"]][_row["group"]].append(_row)


def _cluster(ws: Workspace, row: dict[str, str]) -> str:
    return cluster_of(ws, row["role"], row["name"], row["tax_id"] or None, row["country"] or None)


@pytest.mark.parametrize("case", sorted(CASES))
def test_case_table(case: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    ws, _, _ = case_workspace(tmp_path_factory)
    groups = CASES[case]
    found = {g: {_cluster(ws, r) for r in rows} for g, rows in groups.items()}
    for g, ids in found.items():
        names = [r["name"] for r in groups[g]]
        assert len(ids) == 1, f"{case}/{g}: spellings of one firm split: {names}"
    firms = [next(iter(v)) for v in found.values()]
    assert len(set(firms)) == len(firms), f"{case}: distinct firms merged"


def test_clusters_keep_every_spelling_and_explain_themselves(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    ws, result, _ = case_workspace(tmp_path_factory)
    rows = CASES["issue_example"]["a"]
    cid = _cluster(ws, rows[0])
    spellings = {
        r[0] for r in ws.engine.fetchall("SELECT name FROM party_clusters WHERE cluster_id = ?", [cid])
    }
    assert {r["name"] for r in rows} <= spellings
    canonical, key, rules = ws.engine.fetchone(
        "SELECT any_value(canonical_name), any_value(cluster_key), list(DISTINCT rule ORDER BY rule) "
        "FROM party_clusters WHERE cluster_id = ?",
        [cid],
    ) or (None, None, None)
    assert canonical == "ООО «Ай Машин Технолоджи»" and key == "tax:7704123450"
    assert "tax_id" in rules
    assert result.mentions == ws.engine.scalar("SELECT count(*) FROM party_mentions")
    assert set(result.by_rule) <= {"register", "tax_id", "name", "splink", "single"}
    assert result.by_rule.get("splink", 0) > 0 and result.m_source == "m labels, u sample"
    # a Chinese name found its English form through splink, with a probability
    han = _cluster(ws, CASES["chinese"]["a"][0])
    rule, p = ws.engine.fetchone(
        "SELECT c.rule, c.probability FROM party_clusters c JOIN party_mentions m USING (mention_id) "
        "WHERE c.cluster_id = ? AND m.name = ?",
        [han, CASES["chinese"]["a"][0]["name"]],
    ) or (None, None)
    assert rule == "splink" and 0.9 <= p <= 1


def test_ids_are_stable_across_runs(tmp_path_factory: pytest.TempPathFactory) -> None:
    ws, _, _ = case_workspace(tmp_path_factory)
    query = "SELECT * FROM party_clusters ORDER BY mention_id"
    before = ws.engine.fetchall(query)
    mentions = ws.engine.fetchall("SELECT * FROM party_mentions ORDER BY mention_id")
    cluster_parties(ws)
    assert ws.engine.fetchall(query) == before
    assert ws.engine.fetchall("SELECT * FROM party_mentions ORDER BY mention_id") == mentions


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ООО «Пижмастрой-Центр»", "PIZHMASTROY-TSENTR LLC"),
        ("PIZHMASTROY-TSENTR LLC", "OOO PIJMASTROI-CENTR"),
        ('ООО ТД "Протвастрой"', 'Trading House LLC "Protvastroy"'),
        ("Ilgaz Metal San. ve Tic. Ltd. Şti.", "ILGAZ METAL SANAYI VE TICARET LIMITED SIRKETI"),
        ("Tianyi Supply Chain (Hong Kong) Limited", "Tianyi Supply Chain (HK) Ltd."),
        ("ТОО «Бурабай-Техно Плюс»", "TOO BURABAI-TEHNO PLIUS"),
    ],
)
def test_name_keys_agree_across_scripts(a: str, b: str) -> None:
    assert name_keys(a).fold_key == name_keys(b).fold_key


def test_chinese_keys_meet_latin_words() -> None:
    han = name_keys("武汉朗泓电子科技股份有限公司")
    assert {"wuhan", "lankhonk"} <= set(han.cross)  # pinyin runs, Chinese-folded
    assert {"wuhan", "lankhonk"} <= set(name_keys("Wuhan Langhong Electronic Technology Co., Ltd.").sino)
    assert "pocuan" in name_keys("博銓電子股份有限公司").cross  # bo quan
    assert "pocuan" in name_keys("Po Chuan Electronics Corp.").sino  # Wade-Giles
    assert name_keys("Kubenaprom LLC").fold_key != name_keys("Kubenaprom-M LLC").fold_key


def test_tax_and_address_keys() -> None:
    inn = tax_key("ИНН 7704123450", "RU")
    assert inn is not None and inn.key == "7704123450" and inn.scheme == "ru-inn"
    assert tax_key("0000000") is None and tax_key("n/a") is None and tax_key("") is None
    assert address_key("119048, г. Москва, ул. Ефремова, д. 10") == "119048 g moskva ul efremova d 10"


# ---- pairwise F1 against the simulator's truth -------------------------------------------


@pytest.fixture(scope="module")
def simulated(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Workspace, Path, ClusterResult, float]]:
    base = tmp_path_factory.mktemp("cluster_f1")
    sim = simulate(base / "data", rows=F1_ROWS, seed=F1_SEED)
    ws = Workspace(Settings(workspace=base / "ws", progress=False))
    ingest_shipments(ws, sim.files["shipments_csv"], "canonical")
    for kind in ("parties", "relations", "payments"):
        ingest_table(ws, kind, sim.files[kind])
    t0 = time.perf_counter()
    result = cluster_parties(ws)
    seconds = time.perf_counter() - t0
    try:
        yield ws, sim.files["party_truth"], result, seconds
    finally:
        ws.close()


def test_pairwise_f1_on_simulated_data(simulated: tuple[Workspace, Path, ClusterResult, float]) -> None:
    ws, truth, result, seconds = simulated
    scores: PairwiseScores = pairwise_scores(ws.engine, truth)
    print(f"\n{F1_ROWS:,} rows (seed {F1_SEED}): {result.summary()} in {seconds:.1f} s")
    print(scores.summary())
    assert scores.missing == 0
    assert scores.f1 >= 0.95
    assert scores.precision >= 0.95 and scores.recall >= 0.95
