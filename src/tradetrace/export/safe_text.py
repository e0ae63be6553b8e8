"""Text that spreadsheets and XML files take as it is, and never as a formula.

* :func:`xml_safe` removes characters XML 1.0 forbids (C0 controls other than tab, newline and
  carriage return; lone surrogates; U+FFFE, U+FFFF): openpyxl, GEXF and GraphML writers reject them.
* :func:`is_formula_like` tells whether a spreadsheet would read a cell as a formula or a
  command (OWASP's list: ``=``, ``+``, ``-``, ``@``, tab and carriage return first, also after
  leading spaces, and their full-width forms).
* :func:`csv_safe` gives such text a leading apostrophe for CSV files that a person may open
  in a spreadsheet (OWASP's advice for CSV injection).
* :func:`clip` cuts text to Excel's 32,767 characters per cell (counted in UTF-16 units, as
  Excel does) and marks the cut.
"""

from __future__ import annotations

import re

__all__ = ["EXCEL_CELL_MAX", "clip", "csv_safe", "is_formula_like", "utf16_len", "xml_safe"]

EXCEL_CELL_MAX = 32_767
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def xml_safe(text: str) -> tuple[str, int]:
    """``text`` without the characters XML forbids, and how many were removed."""
    cleaned, n = _XML_FORBIDDEN.subn("", text)
    return cleaned, n


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could take ``text`` as a formula (or DDE command)."""
    stripped = text.lstrip(" ")
    return bool(stripped) and stripped[0] in _FORMULA_START


def csv_safe(value: object) -> object:
    """A text value a spreadsheet would run as a formula, prefixed with an apostrophe; other
    values (numbers, None, plain text) unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: characters beyond the BMP count twice, as in Excel."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def clip(text: str, limit: int = EXCEL_CELL_MAX) -> tuple[str, int | None]:
    """``text`` cut to ``limit`` UTF-16 units with a marker saying how long it was; None if not cut."""
    if len(text) <= limit // 2 or utf16_len(text) <= limit:
        return text, None
    original = utf16_len(text)
    marker = f" …[truncated: {original:,} characters]"
    room = limit - utf16_len(marker)
    used, end = 0, 0
    for end, ch in enumerate(text):  # noqa: B007 - end is read after the loop
        step = 2 if ord(ch) > 0xFFFF else 1
        if used + step > room:
            break
        used += step
    return text[:end] + marker, original
