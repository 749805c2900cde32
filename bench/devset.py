"""The search development set (`../shared/search-dev.tsv`) and recall@k over it."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "search-dev.tsv"
CROSSWALK_SIZE = 300  # the first 300 rows are crosswalk titles, the rest shorthand/lay/misspelled


@dataclass(frozen=True, slots=True)
class DevQuery:
    query: str
    expected: frozenset[str]
    part: str  # "crosswalk" or "shorthand"


def load_dev_set(path: Path = DEV_SET) -> list[DevQuery]:
    rows = [
        line.split("\t")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return [
        DevQuery(q, frozenset(c.strip() for c in codes.split(",")), part)
        for n, (q, codes) in enumerate(rows)
        for part in ["crosswalk" if n < CROSSWALK_SIZE else "shorthand"]
    ]


def recall_at(
    queries: Sequence[DevQuery], ranked: Callable[[str], list[str]], ks: Sequence[int] = (1, 5, 10)
) -> dict[int, float]:
    """Share of queries with an expected code among the first k results, for each k."""
    hits = dict.fromkeys(ks, 0)
    for item in queries:
        codes = ranked(item.query)
        for k in ks:
            if item.expected & set(codes[:k]):
                hits[k] += 1
    return {k: hits[k] / max(len(queries), 1) for k in ks}
