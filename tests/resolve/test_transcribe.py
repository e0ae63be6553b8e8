"""Names written in a script that only sketches a foreign name's sounds meet the list's Latin
spelling: unit behaviour of the skeletons, and recall and false alerts on real and generated sets
(the held-out half: calibration fits on half 0)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tradetrace.resolve.calibrate import (
    Case,
    city_cases,
    evaluate,
    list_entries,
    original_script_cases,
    scripted_cases,
    scripted_negatives,
    without_script_names,
)
from tradetrace.resolve.index import ListIndex
from tradetrace.resolve.matcher import Screener
from tradetrace.resolve.text import analyse, scripts_of
from tradetrace.resolve.transcribe import (
    fine_sim,
    foreign_word,
    min_fine,
    native_close,
    readings,
    skeletons,
    sound_keys,
    transcription_sim,
)

DATA = Path(__file__).parents[1] / "data"


def test_transcriptions_share_a_skeleton_with_the_latin_name() -> None:
    putin = skeletons("putin")
    # kana writes ti as chi, pinyin t as j, Hangul and Arabic as they are
    for written in ("プーチン", "普京", "푸틴", "بوتين"):
        assert sound_keys(written) & putin, written
    # the Japanese form has no v: it meets Vladimir through the skeleton less its first class
    assert "rtmr" in sound_keys("ウラジーミル") and "brtmr" in skeletons("vladimir")


def test_vowels_decide_once_skeletons_agree() -> None:
    assert fine_sim("プーチン", "putin") == 1.0
    assert fine_sim("بوتين", "putin") == 1.0
    high = transcription_sim("btn", False, fine_sim("푸틴", "putin"))
    low = transcription_sim("btn", False, fine_sim("푸틴", "patton"))
    assert high > low
    # a one-consonant word counts only when its vowels agree (Ali, not Lee)
    assert transcription_sim("r", False, 1.0) > 0.0
    assert transcription_sim("r", False, 0.5) == 0.0


def test_scripts_icu_does_not_know_are_still_read() -> None:
    form = analyse("វ្ល៉ាឌីមៀ ពូទីន", "person")  # Khmer: ICU has no Khmer-Latin, anyascii has
    assert len(form.tokens) == 2 and all(t.isascii() for t in form.tokens)
    assert form.sounds and all(w for _, w in form.sounds)
    # Arabic ayn read as a vowel: علي is Ali
    assert "aly" in readings("علي")


def test_an_arabic_word_is_also_read_without_its_article() -> None:
    # الشاهبندر: the list writes SHAHBANDAR; the article joined to the word is read both ways
    assert {"alshahbndr", "shahbndr"} <= set(readings("الشاهبندر"))
    assert fine_sim("الشاهبندر", "shahbandar") >= 0.85  # 0.75 with the article read on
    # a short word is not cut: الى (ila) keeps its first letters
    assert all(r.startswith(("a", "l")) for r in readings("الى"))


def test_persian_letter_values_and_korean_romanisations_are_readings() -> None:
    # ض is z in Persian and Turkic names (Ramzan), d in Arabic ones (Ramadan): both readings
    assert {"rmdan", "rmzan"} <= set(readings("رمضان"))
    # ICU writes Hangul in the Revised Romanization; lists write McCune-Reischauer or the DPRK form
    assert {"jeong", "jong", "chong"} <= set(readings("정"))
    assert "un" in readings("은") and "kim" in readings("김")


def test_a_korean_name_in_one_word_is_family_and_given_name() -> None:
    form = analyse("김정은", "person")
    assert form.glued == ("gim", "jeongeun")
    # the given name's syllables are read on their own too: Jong Un
    assert dict(form.sounds)["jeong"] == "정" and dict(form.sounds)["eun"] == "은"
    assert analyse("삼성전자", "company").glued == ("samseongjeonja",)


def test_a_chinese_name_with_middle_dots_is_a_foreign_name() -> None:
    form = analyse("拉姆赞·卡德罗夫")
    assert form.tokens == ("lamuzan", "kadeluofu")
    assert dict(form.sounds)["kadeluofu"] == foreign_word("卡德罗夫")
    assert min_fine(foreign_word("卡德罗夫")) == 0.0 and min_fine("卡德罗夫") > 0.0
    # a native Chinese name is read syllable by syllable and kept close to its pinyin
    assert analyse("张伟", "person").glued == ("zhang", "wei")
    assert native_close("张", "chang") and not native_close("文", "wang")
    assert native_close(foreign_word("文"), "wang")


def test_latin_names_carry_no_sounds() -> None:
    assert analyse("Vladimir Putin", "person").sounds == ()
    assert analyse("Владимир Путин", "person").sounds == ()  # Cyrillic romanises exactly enough


@pytest.fixture(scope="module")
def sdn() -> Screener:
    return Screener(ListIndex(list_entries(DATA / "lists" / "ofac_sdn_2024-05")))


def test_un_original_script_names_find_their_latin_entry() -> None:
    un = Screener(ListIndex(without_script_names(list_entries(DATA / "lists" / "un_2026-02"))))
    cases = original_script_cases(DATA / "lists" / "un_2026-02" / "consolidated.xml", half=1)
    assert len(cases) > 150
    assert all(scripts_of(n) <= {"Latin"} for e in un.index.entries for n, _ in e.names)
    result = evaluate(un, cases)
    # measured 0.58 on this half (0.38 before Persian letter values, the consonant-class feature and
    # the refitted transcription model; 0.26 without transcription); the UN list writes many of these
    # names with other given names or in a shorter form than the original script
    assert result.recall(["script:arabic"]) >= 0.54


def test_names_written_into_other_scripts_are_found_and_negatives_stay_quiet(sdn: Screener) -> None:
    positives = scripted_cases(DATA / "lists" / "ofac_sdn_2024-05" / "sdn.csv", half=1)[::6]
    negatives = scripted_negatives(DATA / "matching" / "negatives_global_50k.csv", 2000)
    result = evaluate(sdn, [*positives, *negatives])
    recall = {k: v["hits"] / v["positives"] for k, v in result.counts.items() if v["positives"]}
    print(result.recall(), recall, result.fp_rate())
    # measured 0.87 on this sample with 0.55% false alerts (Georgian and Devanagari 0.97, Hebrew
    # 0.96, Hangul 0.90, Thai 0.76, Greek 0.72, Arabic 0.71); 0.76 before the shorter forms of listed
    # names (short_names.py), the consonant-class feature and a transcription model shifted to 0.5%
    # rather than 0.2% of native-script negatives
    assert result.recall() >= 0.83, recall
    for script in ("devanagari", "georgian", "hebrew", "hangul"):
        assert recall[f"scripted:{script}"] >= 0.85, recall
    assert recall["scripted:thai"] >= 0.65, recall  # 0.15 on half 1 before spaces were kept
    assert result.fp_rate() <= 0.012


def test_city_names_in_28_scripts_meet_their_english_names() -> None:
    """Ranking, not alerting: the person-name model is not made for one-word place names."""
    cases, entries = city_cases(DATA / "matching" / "cldr_exemplar_cities.csv", half=1)
    cities = Screener(ListIndex(entries))
    result = evaluate(cities, cases[::2], threshold=1e-9)  # the right city ranked first
    assert len(result.counts) == 28
    # measured 0.74 (0.57 with the transcription path off); some local names are translations
    # (Mexico City, Cape Verde), so this stays short of 1
    assert result.recall() >= 0.68
    assert result.recall(["city:ko", "city:ja", "city:ar", "city:km"]) >= 0.6


def test_a_list_written_in_arabic_is_found_from_latin() -> None:
    # the UN list's original-script names only, as if a list were published in Arabic
    un = list_entries(DATA / "lists" / "un_2026-02")
    arabic = [
        replace(e, names=tuple((n, t) for n, t in e.names if "Arabic" in scripts_of(n)))
        for e in un
        if any("Arabic" in scripts_of(n) for n, _ in e.names)
    ]
    screener = Screener(ListIndex(arabic))
    assert screener.index.has_transcribed
    latin = {e.entry_id: e.name for e in un}
    cases = [Case(latin[e.entry_id], e.entry_id, "latin_to_arabic") for e in arabic if e.kind == "person"]
    result = evaluate(screener, cases)
    # measured 0.26; 0.31 with the transcription path off: the transcription model, shifted to keep
    # native-script negatives quiet, scores some pairs that phonetic keys alone scored higher
    assert result.recall() >= 0.22, result.table()
