"""Russian firm names written in their Russian words meet the list's English translation: the
glossary's behaviour, and recall and false alerts on the SDN list's own Russian-language aliases
(the held-out half: the translated model is fitted on half 0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradetrace.resolve.calibrate import Case, evaluate, translated_cases, translated_negatives
from tradetrace.resolve.index import Entry, ListIndex
from tradetrace.resolve.matcher import Screener
from tradetrace.resolve.russian import spelling_key, translated_words
from tradetrace.resolve.text import analyse

SDN = Path(__file__).parents[1] / "data" / "lists" / "ofac_sdn_2024-05"


def test_business_words_are_read_in_english_however_romanised() -> None:
    for name in (
        "АО «Объединённая судостроительная корпорация»",
        "AO OBEDINENNAYA SUDOSTROITELNAYA KORPORATSIYA",
        "AO OB'YEDINENNAYA SUDOSTROITEL'NAYA KORPORATSIYA",
        "AO OBEDINENNAIA SUDOSTROITELNAIA KORPORATSIIA",  # ICAO
    ):
        # "corporation" is a legal form here, as it is in the list's UNITED SHIPBUILDING CORPORATION
        assert analyse(name, "company").translated == ("united", "shipbuilding"), name
    assert analyse("UNITED SHIPBUILDING CORPORATION", "company").tokens == ("united", "shipbuilding")
    # abbreviations, place adjectives, the firm's own word kept
    assert analyse("АО «НПО Алмаз»", "company").translated == (
        "scientific",
        "production",
        "association",
        "almaz",
    )
    assert analyse("Тульский оружейный завод", "company").translated == ("tul", "arms", "plant")


def test_the_legal_form_is_dropped_in_every_spelling() -> None:
    spellings = ("OTVETSTVENNOSTYU", "otvetstvennostiu", "ответственностью")
    assert len({spelling_key(analyse(s).tokens[0]) for s in spellings}) == 1
    for name in (
        "OBSHCHESTVO S OGRANICHENNOI OTVETSTVENNOSTYU ROMASHKA",
        "OBSHCHESTVO S OGRANICHENNOY OTVETSTVENNOSTIU ROMASHKA",
        "Общество с ограниченной ответственностью «Ромашка»",
    ):
        assert analyse(name, "company").tokens == ("romashka",), name


def test_a_name_without_russian_words_has_no_translated_reading() -> None:
    assert translated_words(["global", "trading", "house"]) is None
    assert analyse("ACME MACHINE TOOLS LTD", "company").translated == ()
    assert analyse("Иван Петров", "person").translated == ()


@pytest.fixture(scope="module")
def held_out() -> tuple[list[Case], list[Entry]]:
    return translated_cases(SDN, half=1)


def test_translated_names_of_listed_russian_firms_are_found(held_out: tuple[list[Case], list[Entry]]) -> None:
    cases, entries = held_out
    assert len(cases) > 600
    latin = {c.query for c in cases if c.kind == "translated:latin"}
    assert not any(n in latin for e in entries for n, _ in e.names)  # the aliases are off the list
    screener = Screener(ListIndex(entries))
    # the shipped calibration carries the model of translated names (a refit of the transcription
    # model once dropped it, and this half fell to 0.557 under the Latin weights)
    assert screener.model.translated and screener.model.transcribed
    result = evaluate(screener, cases)
    # measured 0.593 on this half (0.573 before 42 more glossary words taken from half 0's misses;
    # 0.34 without the translated reading); the rest are abbreviations (AO VZPS), other names
    # (KOMPANIYA AMG for ALFA MACHINERY GROUP) and short forms the English entry spells out
    assert result.recall() >= 0.58
    assert result.recall(["translated:cyrillic"]) >= 0.53


def test_translated_names_of_unlisted_firms_rarely_alert(held_out: tuple[list[Case], list[Entry]]) -> None:
    """The same queries against the list without their entities: the hardest negatives there are
    (Russian defence firms against their namesakes); most alerts are sister firms (Sberbank's
    pension fund against Sberbank's other arms), before and after the translated reading."""
    cases, entries = held_out
    negatives, others = translated_negatives(cases, entries)
    result = evaluate(Screener(ListIndex(others)), negatives)
    # measured 9.4% (7.8% without the translated reading)
    assert result.fp_rate() <= 0.10
