from __future__ import annotations

from tradetrace.resolve.identifiers import describe, id_key, is_valid_inn, is_valid_ogrn


def test_inn_and_ogrn_checksums() -> None:
    assert is_valid_inn("7702080289")  # JSC Power Machines
    assert not is_valid_inn("7702080288")
    assert is_valid_ogrn("1027700004012")
    assert not is_valid_ogrn("1027700004013")


def test_keys_and_labels() -> None:
    assert id_key("ИНН 7702080289") == id_key("77 0208 0289") == "7702080289"
    assert id_key("INN: 7702080289") == "7702080289"
    assert id_key("  ") is None


def test_describe() -> None:
    check = describe("7702080289")
    assert check is not None and check.scheme == "ru-inn"
    ogrn = describe("1027700004012", "RU")
    assert ogrn is not None and ogrn.scheme == "ru-ogrn"
    assert describe("12345") is None
