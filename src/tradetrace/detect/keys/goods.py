"""Brand and model keys: designations compared without case, spaces, punctuation or symbols,
and the placeholders that name no brand or model ("ОТСУТСТВУЕТ", "N/A")."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

# Upper case, then spaces, punctuation and symbols removed: the same in SQL (RE2) and Python.
STRIP_SQL = r"[\s\p{P}\p{S}]"
_STRIP = re.compile(r"[\W_]+")


def model_key(text: str | None) -> str:
    """Brand or model compared without case, spaces, punctuation or symbols."""
    return _STRIP.sub("", (text or "").upper())


@cache
def placeholders() -> tuple[frozenset[str], frozenset[str]]:
    """(brand placeholders, model placeholders) from data/detect/goods_identity.yaml, as keys."""
    ref = resources.files("tradetrace").joinpath("data", "detect", "goods_identity.yaml")
    data = yaml.safe_load(ref.read_text("utf-8"))
    brands = frozenset(k for k in (model_key(str(v)) for v in data["no_brand"]) if k)
    models = frozenset(k for k in (model_key(str(v)) for v in data["no_model"]) if k)
    return brands, models
