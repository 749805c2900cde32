"""Helpers shared by the benchmark scripts: timing percentiles, memory, a throwaway store."""

import statistics
import tempfile
from pathlib import Path


def rss_mb() -> float:
    """Resident set size of this process now, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(samples_ms: list[float], pct: float) -> float:
    return statistics.quantiles(samples_ms, n=100, method="inclusive")[int(pct) - 1]


def scratch_database_url() -> str:
    """A fresh SQLite file for one bench run, so a run never depends on a user's own store."""
    return f"sqlite:///{Path(tempfile.mkdtemp(prefix='medcode-bench-')) / 'codes.db'}"
