"""The shorter forms in which people write a listed person's name.

A list writes a person in full (``KADYROV, Ramzan Akhmatovich``; ``MADURO MOROS, Nicolas``); the
press and most documents write given name and family name only (Ramzan Kadyrov, Nicolás Maduro). A
query in that form leaves words of the list name unmatched, and a model fitted on full names scores
it low, lowest when the query is a transcription (``ラムザン・カディロフ``). The index therefore also
holds, for each person name, the forms that drop what such writing drops:

* a **patronymic** (``Akhmatovich``, ``Владимирович``, ``ogly``, ``kyzy``: endings in
  ``data/resolve/name_terms.yaml``, ``patronymic_endings``);
* the **second family name** of a Spanish or Portuguese name, when the list writes the family names
  before a comma (``MADURO MOROS``: Maduro).

Middle names are kept (``KHAMENEI, Ali Husseini``): a form without them (Ali Khamenei) ranked more
press spellings first, but the transcription model refitted with them scored the real spellings of
``tests/resolve/many_scripts_cases.csv`` lower (alerting 0.833 -> 0.792, with false alerts on
``negatives_global_50k`` at 0.496% and 0.484%) for a gain on the letter-by-letter ICU set (0.843 ->
0.866).

Such a form is marked ``derived`` and scored with its own prior; it never replaces the listed name.
"""

from __future__ import annotations

import re

from tradetrace.resolve.text import terms, to_ascii

__all__ = ["is_patronymic", "short_names"]

_WORDS = re.compile(r"[^\s,]+")
_LETTERS = re.compile(r"[a-z]+")


def _ascii(word: str) -> str:
    return "".join(_LETTERS.findall(to_ascii(word).lower()))


def is_patronymic(word: str) -> bool:
    """Whether a word (any script) is a patronymic by its ending (``Vladimirovich``, ``Алиевна``)."""
    w = _ascii(word)
    return any(w.endswith(end) and len(w) >= len(end) + 2 for end in terms().patronymic_endings)


def short_names(text: str) -> list[str]:
    """The shorter forms of a person's name ``text`` as the list writes it, most likely first."""
    family_text, comma, given_text = text.partition(",")
    family = _WORDS.findall(family_text) if comma else []
    given = _WORDS.findall(given_text if comma else text)
    out: list[str] = []
    ends = terms().patronymic_endings
    kept: list[str] = []
    for w in given:
        if _ascii(w) in ends and kept:
            kept.pop()  # a Turkic patronymic in two words: the father's name, then oglu or kyzy
        elif not is_patronymic(w):
            kept.append(w)
    if kept and len(kept) < len(given) and len(family) + len(kept) >= 2:
        out.append(f"{' '.join(family)}, {' '.join(kept)}" if family else " ".join(kept))
    particles = terms().particles
    if (
        len(family) == 2
        and kept
        and all(len(_ascii(w)) >= 3 and _ascii(w) not in particles and "-" not in w for w in family)
    ):
        out.append(f"{family[0]}, {' '.join(kept)}")
    return [n for n in dict.fromkeys(out) if n != text]
