"""Turning titles and queries into comparable terms: folding, words, stems, spelling variants."""

import re
import unicodedata
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset("a an and are as at be by for from in is it of on or the to".split())
#: British -> American spelling fragments, tried on a word the vocabulary does not know.
SPELLING_VARIANTS = (
    ("oe", "e"),
    ("ae", "e"),
    ("our", "or"),
    ("isation", "ization"),
    ("ise", "ize"),
    ("yse", "yze"),
    ("tre", "ter"),
)
_stemmer = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Lower case, accents removed, anything that is not a letter or digit turned into a space."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(_WORD.findall(ascii_text))


def words(text: str) -> list[str]:
    return fold(text).split()


#: Medical word endings the English stemmer leaves apart: tubercul-osis / tubercul-ous,
#: necr-osis / necr-otic, isch-emia / isch-emic, infect-ious / infect-ion.
_MEDICAL_ENDINGS = (
    ("osis", ""),
    ("otic", ""),
    ("ious", ""),
    ("ous", ""),
    ("emic", "emia"),
    ("virus", "vir"),
    ("viral", "vir"),
    # Latin plurals: streptococci / streptococcus, calculi / calculus
    ("cocci", "coccus"),
    ("bacilli", "bacillus"),
    ("fungi", "fungus"),
    ("calculi", "calculus"),
    ("thrombi", "thrombus"),
    ("emboli", "embolus"),
    ("nevi", "nevus"),
    ("bronchi", "bronchus"),
)
#: Prefixes written onto a word (`postvaricella`) that the titles write apart or leave out.
WORD_PREFIXES = ("post", "pre", "non", "anti", "sub", "peri", "para", "intra", "inter", "multi")


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    if word.isdigit():
        return word
    for ending, replacement in _MEDICAL_ENDINGS:
        if word.endswith(ending) and len(word) >= len(ending) + 2:
            return _stemmer.stemWord(word[: -len(ending)] + replacement)
    return _stemmer.stemWord(word)


def terms(text: str) -> list[str]:
    """Stemmed words without stop words: what the search index stores for a title."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


def spelling_variants(word: str) -> list[str]:
    """Other spellings of `word` (`haemorrhage` -> `hemorrhage`), each one change at a time."""
    found = []
    for old, new in SPELLING_VARIANTS:
        if old in word:
            found.append(word.replace(old, new))
    return found
