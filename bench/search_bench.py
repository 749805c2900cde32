"""Search quality and speed on the dev set: medcodebot vs an SQLite FTS5 bm25 baseline.

    python bench/search_bench.py [--database-url URL]

Both run in this process over the same current ICD-10-CM release. Prints recall@1/5/10 per part
of `../shared/search-dev.tsv`, p50/p95 latency per query, and the ratios project / baseline.
"""

import argparse
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import percentile, rss_mb, scratch_database_url
from bench.devset import load_dev_set, recall_at
from codes_db import CodeStore
from codes_db.text import words


class Fts5Baseline:
    """What an off-the-shelf approach gets: FTS5 with bm25 over the code titles."""

    def __init__(self, store: CodeStore) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE codes USING fts5(code UNINDEXED, title)")
        entries = [e for e in store.index.entries if e.kind in ("category", "subcategory", "code")]
        self.db.executemany("INSERT INTO codes VALUES (?, ?)", [(e.code, e.title) for e in entries])

    def search(self, query: str, limit: int = 10) -> list[str]:
        tokens = [f'"{w}"' for w in words(query)]
        if not tokens:
            return []
        rows = self.db.execute(
            "SELECT code FROM codes WHERE codes MATCH ? ORDER BY bm25(codes) LIMIT ?",
            (" OR ".join(tokens), limit),
        )
        return [code for (code,) in rows]


def measure(name: str, search, queries) -> dict:
    timings: list[float] = []

    def ranked(query: str) -> list[str]:
        started = time.perf_counter()
        found = search(query)
        timings.append((time.perf_counter() - started) * 1000)
        return found

    result = {"name": name}
    for part in ("crosswalk", "shorthand"):
        subset = [q for q in queries if q.part == part]
        result[part] = recall_at(subset, ranked)
    result["p50_ms"] = percentile(timings, 50)
    result["p95_ms"] = percentile(timings, 95)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()

    store = CodeStore(args.database_url or scratch_database_url())
    store.ensure_default_data()
    started = time.perf_counter()
    store.search_index  # noqa: B018 - build the index before timing queries
    ready_s = time.perf_counter() - started
    queries = load_dev_set()
    for q in queries[:20]:  # warm caches of both engines alike
        store.search(q.query)

    ours = measure("medcodebot", lambda q: [h.code for h in store.search(q, limit=10)], queries)
    baseline_engine = Fts5Baseline(store)
    baseline = measure("fts5-bm25", baseline_engine.search, queries)

    print(f"index ready in {ready_s:.2f} s (from the database), RSS {rss_mb():.0f} MB\n")
    print(f"{'engine':<12} {'part':<10} {'R@1':>6} {'R@5':>6} {'R@10':>6}")
    for result in (ours, baseline):
        for part in ("crosswalk", "shorthand"):
            r = result[part]
            print(f"{result['name']:<12} {part:<10} {r[1]:>6.3f} {r[5]:>6.3f} {r[10]:>6.3f}")
    print()
    for result in (ours, baseline):
        print(f"{result['name']:<12} latency p50 {result['p50_ms']:.2f} ms, p95 {result['p95_ms']:.2f} ms")
    print("\nratios medcodebot / fts5-bm25:")
    for part in ("crosswalk", "shorthand"):
        ratios = [
            ours[part][k] / baseline[part][k] if baseline[part][k] else float("inf") for k in (1, 5, 10)
        ]
        print(f"  {part:<10} R@1 x{ratios[0]:.2f}  R@5 x{ratios[1]:.2f}  R@10 x{ratios[2]:.2f}")
    print(f"  p95 latency x{ours['p95_ms'] / baseline['p95_ms']:.2f}")


if __name__ == "__main__":
    main()
