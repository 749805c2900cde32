"""Free-text and code-prefix search over the current releases.

Ranking, in three steps:
1. The query is rewritten: clinical shorthand, lay words and misspellings from the curated table
   (`data/synonyms.tsv`), British spellings, and typos fixed against the index's own vocabulary.
2. BM25 over the stemmed words of each code's title, its inclusion terms and (weaker) the titles of
   the codes above it, scored for all codes at once with numpy.
3. The best few hundred are re-scored with how well the whole title matches (rapidfuzz), a nudge
   towards billable codes and the `unspecified` default, and 7th-character variants of one code are
   folded into one hit.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from codes_db.codes import normalize_icd10cm
from codes_db.index import CodeIndex, Entry
from codes_db.text import STOP_WORDS, WORD_PREFIXES, fold, spelling_variants, stem, terms, words

MAX_QUERY_CHARS = 300
#: How a hit explains a bare condition rewritten to its default code's wording.
DEFAULT_CODE_NOTE = "the default code when nothing more is documented"
MAX_QUERY_WORDS = 40
CANDIDATES = 300
QUALIFIER_WEIGHT = 0.4
NOT_BILLABLE_PENALTY = 0.15
COVERAGE_POWER = 2
FUZZ_SHARE = 0.25
SIMILARITY = fuzz.token_set_ratio
K1, B = 1.2, 0.75
#: Weight of a word by where it stands in a code's record.
FIELD_WEIGHTS = {
    "title": 1.0,
    "term": 0.8,
    "alias": 0.7,
    "parent": 0.35,
    "seventh": 0.3,
    "ancestor": 0.2,
}
SEARCHABLE_KINDS = ("category", "subcategory", "code", "modifier")
#: Words that make a query specific; without them the `unspecified` default is preferred.
SPECIFIC_WORDS = frozenset(
    "with specified other left right bilateral acute chronic initial subsequent sequela".split()
)


@dataclass(frozen=True, slots=True)
class SearchHit:
    code: str
    system: str
    title: str
    billable: bool
    score: float
    matched: str  # why it matched, in words


@dataclass(frozen=True, slots=True)
class QueryTerm:
    term: str  # stemmed word as indexed
    weight: float
    note: str | None  # how it was derived from the query, if not typed as is


@dataclass(frozen=True, slots=True)
class Synonyms:
    phrases: dict[str, str]  # folded phrase -> replacement, anywhere in a query
    bare: dict[str, str]  # folded whole query -> wording of the default code

    @classmethod
    def load(cls) -> "Synonyms":
        """The curated table shipped in `codes_db/data/synonyms.tsv`."""
        phrases: dict[str, str] = {}
        bare: dict[str, str] = {}
        text = (resources.files("codes_db") / "data" / "synonyms.tsv").read_text(encoding="utf-8")
        for line in text.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            phrase, _, replacement = line.partition("\t")
            table = bare if phrase.startswith("=") else phrases
            table[fold(phrase)] = fold(replacement)
        return cls(phrases, bare)


class SearchIndex:
    def __init__(self, index: CodeIndex) -> None:
        self.index = index
        self.synonyms = Synonyms.load()
        self._longest_synonym = max((len(p.split()) for p in self.synonyms.phrases), default=1)
        # A code that takes a 7th character is one document; a hit shows its best variant.
        self.docs: list[Entry] = [
            e for e in index.entries if e.kind in SEARCHABLE_KINDS and not _is_seventh_variant(e)
        ]
        self.variants: dict[int, list[Entry]] = {}
        for doc, entry in enumerate(self.docs):
            children = index.children(entry)
            if children and all(_is_seventh_variant(c) for c in children):
                self.variants[doc] = children
        self.titles = [fold(e.title) for e in self.docs]
        self._build_postings()
        self._defaults: dict[int, Entry] = {}  # category position -> its unspecified billable code
        self.is_billable = np.array(
            [e.billable or doc in self.variants for doc, e in enumerate(self.docs)], dtype=bool
        )

    def _build_postings(self) -> None:
        """Word -> (doc numbers, field weights, idf): one flat pass, then grouped with numpy."""
        vocabulary: dict[str, int] = {}
        text_terms: dict[str, list[int]] = {}
        context_of: dict[int, dict[int, float]] = {}

        def word_ids(text: str) -> list[int]:
            found = text_terms.get(text)
            if found is None:
                found = text_terms[text] = [vocabulary.setdefault(t, len(vocabulary)) for t in terms(text)]
            return found

        def context(parent: Entry | None) -> dict[int, float]:
            """Words of the titles from `parent` up: the parent itself, then two levels, weaker."""
            if parent is None:
                return {}
            known = context_of.get(parent.position)
            if known is None:
                known = {}
                for level, ancestor in enumerate([parent, *reversed(self.index.ancestors(parent)[-2:])]):
                    weight = FIELD_WEIGHTS["parent" if level == 0 else "ancestor"]
                    for word in word_ids(ancestor.title):
                        known.setdefault(word, weight)
                context_of[parent.position] = known
            return known

        flat_words: list[int] = []
        flat_docs: list[int] = []
        flat_weights: list[float] = []
        lengths = np.empty(len(self.docs), dtype=np.float32)
        for doc, entry in enumerate(self.docs):
            own = word_ids(entry.title)
            lengths[doc] = max(len(own), 1)
            weights = dict.fromkeys(own, FIELD_WEIGHTS["title"])
            for field, texts in (("term", entry.terms), ("alias", entry.aliases)):
                for text in texts:
                    for word in word_ids(text):
                        weights.setdefault(word, FIELD_WEIGHTS[field])
            for word, weight in context(self.index.parent(entry)).items():
                weights.setdefault(word, weight)
            for variant in self.variants.get(doc, ()):
                for word in word_ids(_seventh_meaning(entry, variant)):
                    weights.setdefault(word, FIELD_WEIGHTS["seventh"])
            flat_words.extend(weights.keys())
            flat_weights.extend(weights.values())
            flat_docs.extend([doc] * len(weights))

        word_column = np.array(flat_words, dtype=np.int32)
        order = np.argsort(word_column, kind="stable")
        word_column = word_column[order]
        docs = np.array(flat_docs, dtype=np.int32)[order]
        field_weights = np.array(flat_weights, dtype=np.float32)[order]
        bounds = np.flatnonzero(np.diff(word_column)) + 1
        starts = np.concatenate(([0], bounds))
        ends = np.concatenate((bounds, [len(word_column)]))
        count = len(self.docs)
        names = list(vocabulary)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray, float]] = {}
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            frequency = end - start
            idf = math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))
            self.postings[names[int(word_column[start])]] = (
                docs[start:end],
                field_weights[start:end],
                idf,
            )
        self.lengths = lengths / float(lengths.mean())
        self.vocabulary = list(self.postings)
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for word in self.vocabulary:
            self._by_initial[word[0]].append(word)

    # -- query rewriting ---------------------------------------------------------------------

    def rewrite(self, query: str) -> tuple[list[str], list[str]]:
        """Folded query words after the synonym table, and notes on what was replaced."""
        tokens = fold(query).split()[:MAX_QUERY_WORDS]
        out: list[str] = []
        notes: list[str] = []
        position = 0
        while position < len(tokens):
            for size in range(min(self._longest_synonym, len(tokens) - position), 0, -1):
                phrase = " ".join(tokens[position : position + size])
                replacement = self.synonyms.phrases.get(phrase)
                if replacement is not None:
                    out.extend(replacement.split())
                    notes.append(f"{phrase} → {replacement}")
                    position += size
                    break
            else:
                out.append(tokens[position])
                position += 1
        default = self.synonyms.bare.get(" ".join(out))
        if default is not None:
            notes.append(f"{' '.join(out)}: {DEFAULT_CODE_NOTE}")
            out = default.split()
        return out, notes

    def query_terms(self, query_words: list[str], weight: float = 1.0) -> list[QueryTerm]:
        found: list[QueryTerm] = []
        for word in query_words:
            if word in STOP_WORDS:
                continue
            term = stem(word)
            if term in self.postings:
                found.append(QueryTerm(term, weight, None))
                continue
            variant = next((v for v in spelling_variants(word) if stem(v) in self.postings), None)
            if variant is not None:
                found.append(QueryTerm(stem(variant), weight, f"{word} → {variant}"))
                continue
            found.extend(self._prefixed_terms(word, weight) or self._typo_terms(word, weight))
        return found

    def _prefixed_terms(self, word: str, weight: float) -> list[QueryTerm]:
        """`postvaricella` -> `varicella` (and `post` when titles use it), for unknown words."""
        for prefix in WORD_PREFIXES:
            rest = word[len(prefix) :]
            if word.startswith(prefix) and len(rest) >= 4 and stem(rest) in self.postings:
                found = [QueryTerm(stem(rest), weight * 0.9, f"{word} → {prefix} {rest}")]
                if stem(prefix) in self.postings:
                    found.append(QueryTerm(stem(prefix), weight * 0.5, None))
                return found
        return []

    def _typo_terms(self, word: str, weight: float) -> list[QueryTerm]:
        if len(word) < 4 or word.isdigit():
            return []
        pool = self._by_initial.get(word[0], [])
        matches = process.extract(
            stem(word), pool, scorer=Levenshtein.normalized_similarity, limit=2, score_cutoff=0.72
        )
        return [
            QueryTerm(match, weight * float(similarity) ** 2, f"{word} ≈ {match}")
            for match, similarity, _ in matches
        ]

    def _weighted_terms(self, query: str, query_words: list[str], notes: list[str]) -> list[QueryTerm]:
        """Query terms; in `Main condition, qualifier` the words after the comma weigh less."""
        head, _, tail = query.partition(",")
        if not tail.strip() or any(n.endswith(DEFAULT_CODE_NOTE) for n in notes):
            return self.query_terms(query_words)
        return self.query_terms(self.rewrite(head)[0]) + self.query_terms(
            self.rewrite(tail)[0], QUALIFIER_WEIGHT
        )

    # -- searching -------------------------------------------------------------------------

    def search(self, query: str, system: str | None = None, limit: int = 10) -> list[SearchHit]:
        """Best hits first; an empty list when nothing matches. Never raises on any string."""
        query = str(query)[:MAX_QUERY_CHARS]
        limit = max(1, min(int(limit), 200))
        if system is not None and system not in self.index.releases:
            return []
        code_hits = self._code_hits(query, system, limit)
        if code_hits:
            return code_hits
        query_words, notes = self.rewrite(query)
        query_terms = self._weighted_terms(query, query_words, notes)
        if not query_terms:
            return []
        scores, coverage = self._bm25(query_terms)
        total = sum(t.weight * self.postings[t.term][2] for t in _unique(query_terms))
        scores *= (coverage / total) ** COVERAGE_POWER
        candidates = np.argpartition(-scores, min(CANDIDATES, len(scores) - 1))[:CANDIDATES]
        candidates = candidates[scores[candidates] > 0]
        if candidates.size == 0:
            return []
        return self._rerank(query_words, query_terms, notes, candidates, scores, system, limit)

    def _bm25(self, query_terms: list[QueryTerm]) -> tuple[np.ndarray, np.ndarray]:
        scores = np.zeros(len(self.docs), dtype=np.float32)
        coverage = np.zeros(len(self.docs), dtype=np.float32)
        for term in _unique(query_terms):
            docs, weights, idf = self.postings[term.term]
            norm = K1 * (1 - B + B * self.lengths[docs])
            scores[docs] += term.weight * idf * weights * (K1 + 1) / (weights + norm)
            coverage[docs] += term.weight * idf * np.minimum(weights * 2, 1.0)
        return scores, coverage

    def _rerank(
        self,
        query_words: list[str],
        query_terms: list[QueryTerm],
        notes: list[str],
        candidates: np.ndarray,
        scores: np.ndarray,
        system: str | None,
        limit: int,
    ) -> list[SearchHit]:
        folded = " ".join(query_words)
        best = float(scores[candidates].max())
        wants_default = not (set(query_words) & SPECIFIC_WORDS)
        ranked: list[tuple[float, int]] = []
        for doc in candidates.tolist():
            title = self.titles[doc]
            similarity = SIMILARITY(folded, title) / 100
            score = (1 - FUZZ_SHARE) * float(scores[doc]) / best + FUZZ_SHARE * similarity
            if not self.is_billable[doc] and self._unspecified_default(self.docs[doc]) is self.docs[doc]:
                score -= NOT_BILLABLE_PENALTY
            if wants_default and "unspecified" in title:
                score += 0.03
            ranked.append((score, doc))
        ranked.sort(key=lambda pair: (-pair[0], self.docs[pair[1]].order))

        hits: list[SearchHit] = []
        shown: set[str] = set()
        typo_notes = [t.note for t in query_terms if t.note]
        for score, doc in ranked:
            entry = self.docs[doc]
            if system is not None and entry.system_id != system:
                continue
            if doc in self.variants:
                entry = self._best_variant(entry, self.variants[doc], query_terms)
            elif not entry.billable:
                entry = self._unspecified_default(entry)
            if entry.code in shown:
                continue
            shown.add(entry.code)
            matched = _explain(entry, query_terms, notes + typo_notes)
            hits.append(
                SearchHit(
                    entry.code,
                    entry.system_id,
                    entry.title,
                    entry.billable,
                    round(min(score, 1.0), 4),
                    matched,
                )
            )
            if len(hits) == limit:
                break
        return hits

    def _unspecified_default(self, entry: Entry) -> Entry:
        """For a category hit, its billable `unspecified` code (`K20` -> `K20.90`), if it has one."""
        found = self._defaults.get(entry.position)
        if found is None:
            candidates = [
                child
                for child in self.index.billable_descendants(entry, limit=60)
                if "unspecified" in child.title.lower() and child.seventh_character in (None, "A")
            ]
            found = max(candidates, key=lambda c: fuzz.token_sort_ratio(c.title, entry.title), default=entry)
            self._defaults[entry.position] = found
        return found

    @staticmethod
    def _best_variant(base: Entry, variants: list[Entry], query_terms: list[QueryTerm]) -> Entry:
        """The 7th-character variant whose meaning the query names; else the first (initial)."""
        wanted = {t.term for t in query_terms}

        def overlap(variant: Entry) -> int:
            return len(wanted & set(terms(_seventh_meaning(base, variant))))

        return max(variants, key=overlap)

    def _code_hits(self, query: str, system: str | None, limit: int) -> list[SearchHit]:
        """A query shaped like a code: that code, then the codes under it."""
        if system not in (None, "icd10cm"):
            return []
        code = normalize_icd10cm(query.strip())
        entry = self.index.get("icd10cm", code) if code else None
        if entry is None:
            return []
        found = [entry]
        queue = list(self.index.children(entry))
        while queue and len(found) < limit:
            current = queue.pop(0)
            found.append(current)
            queue.extend(self.index.children(current))
        return [
            SearchHit(e.code, e.system_id, e.title, e.billable, 1.0 if e is entry else 0.9, "code")
            for e in found
        ]


def _unique(query_terms: list[QueryTerm]) -> list[QueryTerm]:
    best: dict[str, QueryTerm] = {}
    for term in query_terms:
        if term.term not in best or best[term.term].weight < term.weight:
            best[term.term] = term
    return list(best.values())


def _seventh_meaning(base: Entry, variant: Entry) -> str:
    """`..., initial encounter for closed fracture` -> `initial encounter for closed fracture`."""
    return variant.title[len(base.title) + 2 :]


def _is_seventh_variant(entry: Entry) -> bool:
    """A code generated from its parent's 7th-character table (`S72.001A`), not `C44.1021`."""
    return entry.seventh_character is not None


def _explain(entry: Entry, query_terms: list[QueryTerm], notes: list[str]) -> str:
    """Which words of the title (or of an inclusion term) the query matched, and any rewrites."""
    wanted = {t.term for t in query_terms}
    title_words = [w for w in words(entry.title) if stem(w) in wanted]
    parts = []
    if title_words:
        parts.append("title: " + ", ".join(dict.fromkeys(title_words)))
    missing = wanted - {stem(w) for w in title_words}
    for label, texts in (("inclusion term", entry.terms), ("also known as", entry.aliases)):
        text = next((t for t in texts if missing & set(terms(t))), None)
        if text:
            parts.append(f"{label}: {text}")
            break
    if not parts:
        parts.append("the codes above it")
    return "; ".join(parts + notes)
