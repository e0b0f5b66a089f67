"""Text normalisation: traditional → simplified, full-width → half-width,
whitespace and punctuation cleaned. The original text is never changed; every
function returns a new string.

OpenCC (opencc-python-reimplemented, offline) does the traditional → simplified
conversion; it runs only when the text holds a character that is traditional,
so the common simplified case costs one set lookup per character.
"""

import re
import unicodedata
from functools import lru_cache

_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20  # ideographic space
# Chinese punctuation → one ASCII form, so the rest of the pipeline sees one kind.
_PUNCT = {
    "，": ",", "。": ".", "！": "!", "？": "?", "；": ";", "：": ":", "、": ",",
    "（": "(", "）": ")", "【": "[", "】": "]", "“": '"', "”": '"', "‘": "'", "’": "'",
    "《": "<", "》": ">", "…": "...", "—": "-", "～": "~", "·": " ",
}
_PUNCT_TABLE = str.maketrans({**{chr(k): chr(v) for k, v in _FULLWIDTH.items()}, **_PUNCT})
_SPACES = re.compile(r"\s+")
_REPEAT_PUNCT = re.compile(r"([!?.,;:~\-])\1+")
_CONTENT = re.compile(r"[\u4e00-\u9fff0-9a-zA-Z]+")


@lru_cache(maxsize=1)
def _converter():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars():
    """Characters that OpenCC would change (the keys of its t2s character table)."""
    import os

    import opencc

    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    chars = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            key, _, values = line.rstrip("\n").partition("\t")
            if len(key) == 1 and values.split(" ")[0] != key:
                chars.add(key)
    return frozenset(chars)


def has_traditional(text):
    trad = _traditional_chars()
    return any(ch in trad for ch in text)


def to_simplified(text):
    if not text or not has_traditional(text):
        return text
    return _converter().convert(text)


def normalize(text):
    """The simplified, half-width, cleaned form of ``text`` (original kept by the caller)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text) if any(ord(c) > 0xFF00 for c in text) else text
    text = to_simplified(text.translate(_PUNCT_TABLE))
    text = _REPEAT_PUNCT.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def content(text):
    """Only the letters, digits and CJK characters of a normalised text (for shingles)."""
    return "".join(_CONTENT.findall(text))


def bigrams(text):
    """Character bigrams of the content of a normalised text, in order (single characters
    when a run is one character long)."""
    out = []
    for run in _CONTENT.findall(text.lower()):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out
