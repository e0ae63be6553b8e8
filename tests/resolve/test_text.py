"""Name normalisation: scripts, spoofing, legal forms, person names, keys."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradetrace.resolve.normalize import name_key
from tradetrace.resolve.score import token_sim
from tradetrace.resolve.text import analyse, clean, ocr_key, phonetic_key


@pytest.mark.parametrize(
    ("name", "kind", "tokens", "legal"),
    [
        ("ООО «Ай Машин Технолоджи»", None, ("ai", "mashin", "tehnolodzhi"), ("ooo",)),
        ("AI MASHIN TEKHNOLODZHI OOO", None, ("ai", "mashin", "tekhnolodzhi"), ("ooo",)),
        ("ПАО «Силовые машины»", "company", ("silovye", "mashiny"), ("pao",)),
        ("Публичное акционерное общество «Силовые машины»", None, ("silovye", "mashiny"), None),
        ("Aksu Makina Ltd. Şti.", None, ("aksu", "makina"), ("ltd sti",)),
        (
            "ABC Makina Sanayi ve Ticaret A.Ş.",
            "company",
            ("abc", "makina", "sanayi", "ve", "ticaret"),
            ("a s",),
        ),
        ("Weidner Maschinenbau GmbH", None, ("weidner", "maschinenbau"), ("gmbh",)),
        ("Twin Palms Precision Machinery FZE", None, ("twin", "palms", "precision", "machinery"), ("fze",)),
        ("ТОО «ТенгриТехно-2000»", None, ("tengritehno", "2000"), ("too",)),
    ],
)
def test_legal_forms(
    name: str, kind: str | None, tokens: tuple[str, ...], legal: tuple[str, ...] | None
) -> None:
    form = analyse(name, kind)
    assert form.tokens == tokens
    if legal is not None:
        assert form.legal_forms == legal


def test_short_legal_forms_stay_in_person_names() -> None:
    # "se", "sa", "as" are legal forms somewhere and name parts elsewhere
    assert analyse("SONG Se Yon", "person").tokens == ("song", "se", "yon")
    assert analyse("AL-SAYYID, Ali As", None).tokens[-1] == "as"


def test_chinese() -> None:
    assert analyse("张晓明").glued == ("zhang", "xiaoming")
    assert analyse("张晓明").tokens == ("zhang", "xiao", "ming")
    assert analyse("子豪 睿恩 許").glued == ("zihao", "ruien", "xu")
    firm = analyse("大连正华贸易有限公司")
    assert firm.tokens == ("da", "lian", "zheng", "hua", "mao", "yi") and firm.strict


def test_spoofing_and_invisible_characters() -> None:
    assert clean("LОРЕRА ВАRВОSА, Juаn Саrlоѕ") == "LOPERA BARBOSA, Juan Carlos"
    assert analyse("GONZALEZ CA\u200bSTRO, Gus\u2060tavo").tokens == ("gonzalez", "castro", "gustavo")
    # a genuine Cyrillic name is transliterated, not folded
    assert analyse("Сергей Васин").tokens == ("sergei", "vasin")


def test_person_affixes_and_particles() -> None:
    assert analyse("Mr. SUGHAYR, Muhammad Salih").tokens == ("sughayr", "muhammad", "salih")
    assert analyse("MUDACUMURA, Sylvestre Jr.").tokens == ("mudacumura", "sylvestre")
    assert analyse("Hajji MENDEZ VARGAS, Jose de Jesus").glued == ("mendez", "vargas", "jose", "dejesus")
    assert analyse("AL-DURI, Thabet").glued == analyse("ALDURI Thabet").glued == ("alduri", "thabet")
    # two words are never stripped to one
    assert analyse("Sheikh Ali").tokens == ("sheikh", "ali")


def test_keys() -> None:
    assert phonetic_key("benjamin") == phonetic_key("bnjmn") == phonetic_key("bennjamin")
    assert phonetic_key("muhammad") == phonetic_key("mhmmd")
    assert phonetic_key("garcia") == phonetic_key("grc")
    assert ocr_key("ahrned") == ocr_key("ahmed") and ocr_key("5amsaeng") == ocr_key("samsaeng")


@pytest.mark.parametrize(
    ("a", "b", "how"),
    [
        ("putin", "putin", "exact"),
        ("trujill0", "trujillo", "ocr"),
        ("bnjmn", "benjamin", "phonetic"),
        ("meija", "mejia", "edit"),
        ("d", "duffay", "initial"),
    ],
)
def test_token_sim_kinds(a: str, b: str, how: str) -> None:
    s, found = token_sim(a, b)
    assert found == how and 0.5 <= s <= 1.0


def test_truncated_words_still_meet() -> None:
    for short, full in (("wa", "waldemar"), ("leo", "leonidovich"), ("ignac", "ignacio")):
        assert token_sim(short, full)[0] >= 0.7


def test_token_sim_rejects() -> None:
    assert token_sim("cheng", "chang")[0] < 0.85
    assert token_sim("eidelber", "dilbar")[0] == 0.0
    assert token_sim("zhang", "sheng")[0] == 0.0


def test_name_key_unchanged() -> None:
    """Detectors group on name_key; the matcher must not change it."""
    assert name_key("ООО «Нэкса»") == "neksa"
    assert name_key("NEXA LLC") == "nexa"


@given(st.text(max_size=60))
def test_analyse_never_fails(text: str) -> None:
    form = analyse(text)
    for tok in (*form.tokens, *form.glued):
        assert tok and tok.isascii() and tok == tok.lower()
