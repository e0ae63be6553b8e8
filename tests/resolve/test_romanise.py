"""Russian names in the romanisations of other languages, and back from a list's spelling."""

from __future__ import annotations

import pytest

from tradetrace.resolve.romanise import convention_keys, conventions, cyrillic_from_latin, romanise

PUTIN = "Владимир Владимирович Путин"


@pytest.mark.parametrize(
    ("convention", "expected"),
    [
        ("bgn_pcgn", "Vladimir Vladimirovich Putin"),
        ("icao", "Vladimir Vladimirovich Putin"),
        ("iso_9", "Vladimir Vladimirovič Putin"),
        ("french", "Vladimir Vladimirovitch Poutine"),
        ("german", "Wladimir Wladimirowitsch Putin"),
        ("polish", "Władimir Władimirowicz Putin"),
        ("czech", "Vladimir Vladimirovič Putin"),
        ("hungarian", "Vlagyimir Vlagyimirovics Putyin"),
        ("danish", "Vladimir Vladimirovitj Putin"),
        ("catalan", "Vladimir Vladimirovitx Putin"),
        ("lithuanian", "Vladimiras Vladimirovičas Putinas"),
    ],
)
def test_one_name_in_every_convention(convention: str, expected: str) -> None:
    assert romanise(PUTIN, convention) == expected


@pytest.mark.parametrize(
    ("convention", "cyrillic", "expected"),
    [
        ("german", "Никита Сергеевич Хрущёв", "Nikita Sergejewitsch Chruschtschow"),
        ("german", "Илья Ильич Васильев", "Ilja Iljitsch Wassiljew"),
        ("german", "Пётр Ильич Чайковский", "Pjotr Iljitsch Tschaikowski"),
        ("polish", "Пётр Ильич Чайковский", "Piotr Ilicz Czajkowski"),
        ("polish", "Алексей Дюмин", "Aleksiej Diumin"),
        ("hungarian", "Алексей Дюмин", "Alekszej Gyumin"),
        ("czech", "Юрий Щербаков", "Jurij Ščerbakov"),
        ("bgn_pcgn", "ЕВГЕНИЙ ПРИГОЖИН", "YEVGENIY PRIGOZHIN"),
    ],
)
def test_context_rules(convention: str, cyrillic: str, expected: str) -> None:
    assert romanise(cyrillic, convention) == expected


def test_other_characters_are_kept_and_unknown_conventions_refused() -> None:
    assert romanise("ООО «Ромашка» (Москва), 2023", "german") == "OOO «Romaschka» (Moskwa), 2023"
    assert romanise("Smith & Co", "polish") == "Smith & Co"
    with pytest.raises(ValueError, match="unknown convention"):
        romanise(PUTIN, "klingon")
    assert {"bgn_pcgn", "german", "polish", "hungarian", "lithuanian"} <= set(conventions())


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Vladimir Vladimirovich PUTIN", "Владимир Владимирович ПУТИН"),
        ("Sergey Viktorovich LAVROV", "Сергей Викторович ЛАВРОВ"),
        ("Yevgeniy Viktorovich PRIGOZHIN", "Евгений Викторович ПРИГОЖИН"),
        ("Aleksey Gennadyevich DYUMIN", "Алексей Геннадьевич ДЮМИН"),
        ("Dmitriy Anatolyevich Medvedev", "Дмитрий Анатольевич Медведев"),
        ("Eduard Shcherbakov", "Эдуард Щербаков"),
    ],
)
def test_a_list_spelling_read_back_into_cyrillic(latin: str, cyrillic: str) -> None:
    assert cyrillic_from_latin(latin) == cyrillic
    assert romanise(cyrillic_from_latin(latin), "bgn_pcgn").lower().replace("’", "") == latin.lower()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("vladimirovich", "wladimirowitsch"),
        ("vladimirovich", "wladimirowicz"),
        ("vladimirovich", "vlagyimirovics"),
        ("putin", "putyin"),
        ("putin", "poutine"),
        ("putin", "putinas"),
        ("vladimirovich", "vladimirovitj"),
        ("vladimirovich", "vladimirovitx"),
        ("shcherbakov", "szczerbakow"),
        ("zhukov", "schukow"),
        ("khrushchev", "chruschtschow"),
        ("sergey", "siergiej"),
        ("iourievitch", "yuryevich"),
        ("vasilyevich", "vaszilijevics"),
    ],
)
def test_one_word_in_two_conventions_shares_a_key(a: str, b: str) -> None:
    assert convention_keys(a) & convention_keys(b)


@pytest.mark.parametrize(
    ("a", "b"), [("smith", "jones"), ("ivanov", "petrov"), ("sergey", "sokolov"), ("anna", "ana")]
)
def test_different_words_do_not(a: str, b: str) -> None:
    assert not convention_keys(a) & convention_keys(b) or (a, b) == ("anna", "ana")


def test_short_words_have_no_key() -> None:
    assert convention_keys("li") == frozenset() and convention_keys("ivan")
