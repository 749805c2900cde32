"""Import and start-up cost of a full ICD-10-CM release.

    python bench/import_bench.py [--source PATH_OR_URL]

Prints: parse time, database load time, code index build, search index build (what a process
pays at start-up with data already imported), and RSS after each step. Baseline in the same run:
simple-icd-10-cm parsing the same XML into its own in-memory tree.
"""

import argparse
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import rss_mb, scratch_database_url
from codes_db import CodeStore
from codes_db.importers import icd10cm
from codes_db.index import load_index
from codes_db.loader import load_release
from codes_db.search import SearchIndex


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    took = time.perf_counter() - started
    print(f"{label:<32} {took:6.2f} s   RSS {rss_mb():6.0f} MB")
    return result, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=None, help="tabular XML (default: the embedded April 2026)")
    args = parser.parse_args()
    source = args.source or str(icd10cm.embedded_tabular())
    print(f"source: {source}\nRSS at start {rss_mb():.0f} MB")

    store = CodeStore(scratch_database_url(), embedded_default=False)
    parsed, parse_s = timed("parse XML", lambda: icd10cm.parse(source))
    result, load_s = timed("load into the database", lambda: load_release(store.engine, parsed))
    index, index_s = timed("code index (from the database)", lambda: load_index(store.engine))
    _search, search_s = timed("search index", lambda: SearchIndex(index))
    print(f"\n{result.code_count} codes, {result.note_count} notes")
    print(f"full import (parse + load): {parse_s + load_s:.2f} s")
    print(f"index ready at start-up (code index + search index): {index_s + search_s:.2f} s")

    started = time.perf_counter()
    importlib.import_module("simple_icd_10_cm")  # the baseline parses the XML when imported
    baseline_s = time.perf_counter() - started
    print(f"\nbaseline: simple-icd-10-cm loading the same XML: {baseline_s:.2f} s, RSS {rss_mb():.0f} MB")
    print(f"ratio start-up (ours / baseline): x{(index_s + search_s) / baseline_s:.2f}")


if __name__ == "__main__":
    main()
