"""Reading an importer's input: a local path or an http(s) URL, gzip or plain."""

import gzip
import hashlib
import re
import urllib.request
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DOWNLOAD_TIMEOUT_S = 60
MAX_SOURCE_BYTES = 512 * 1024 * 1024

_MONTHS = ("january february march april may june july august september october november december").split()
_MONTH_YEAR = re.compile(r"(" + "|".join(_MONTHS) + r")[-_ ]?(?:\d{1,2}[-_ ])?(\d{4})", re.IGNORECASE)


class SourceError(Exception):
    """The input could not be read (missing file, failed download, not the expected format)."""


@dataclass(frozen=True, slots=True)
class Source:
    label: str  # what the user named: path or URL
    data: bytes  # decompressed content
    checksum: str  # sha256 of the content as published

    @property
    def release_month(self) -> date | None:
        """The release month named in a file name like `...-April-1-2026.xml`, if any."""
        match = _MONTH_YEAR.search(Path(self.label).name)
        if not match:
            return None
        return date(int(match.group(2)), _MONTHS.index(match.group(1).lower()) + 1, 1)


def read_source(path_or_url: str | Path) -> Source:
    label = str(path_or_url)
    if re.match(r"https?://", label):
        try:
            with urllib.request.urlopen(label, timeout=DOWNLOAD_TIMEOUT_S) as response:
                raw = response.read(MAX_SOURCE_BYTES + 1)
        except (OSError, ValueError) as exc:
            raise SourceError(f"could not download {label}: {exc}") from exc
    else:
        path = Path(label).expanduser()
        if not path.is_file():
            raise SourceError(f"no such file: {label}")
        raw = path.read_bytes()
    if len(raw) > MAX_SOURCE_BYTES:
        raise SourceError(f"{label} is larger than {MAX_SOURCE_BYTES // 2**20} MiB")
    checksum = hashlib.sha256(raw).hexdigest()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise SourceError(f"{label} is not a valid gzip file: {exc}") from exc
    return Source(label=label, data=raw, checksum=checksum)
