"""The callback data on our buttons: one compact grammar, built here and parsed strictly here.

Telegram gives back whatever string a client sends (at most 64 bytes), so a press is only trusted
after `parse` accepts it; anything else is answered with a short notice. Nothing a button needs is
kept in this process: a button carries its code, a search "more" button carries a checksum of the
query and the query itself is read back from the message the button sits under.

    card:<system>:<code>:<page>   edit the message to show page <page> of a code's card
    note:<system>:<code>:<page>   edit: the card's notes, page <page>
    kids:<system>:<code>:<page>   edit: the codes under a code, page <page>
    open:<system>:<code>          send a new message with that code's card
    find:<page>:<crc32 of query>  edit: search results, page <page>
    noop                          a label (page counter): answered, nothing else
"""

import re
import zlib
from dataclasses import dataclass

MAX_BYTES = 64

_VIEW = re.compile(r"^(card|note|kids):([a-z0-9]{2,12}):([A-Z0-9][A-Z0-9.\-]{0,14}):([0-9]{1,3})$")
_OPEN = re.compile(r"^open:([a-z0-9]{2,12}):([A-Z0-9][A-Z0-9.\-]{0,14})$")
_FIND = re.compile(r"^find:([0-9]{1,3}):([0-9a-f]{8})$")


@dataclass(frozen=True, slots=True)
class CodeView:
    view: str  # card, note or kids
    system_id: str
    code: str
    page: int


@dataclass(frozen=True, slots=True)
class OpenCode:
    system_id: str
    code: str


@dataclass(frozen=True, slots=True)
class SearchPage:
    page: int
    checksum: str


@dataclass(frozen=True, slots=True)
class Noop:
    pass


Action = CodeView | OpenCode | SearchPage | Noop


def view(view: str, system_id: str, code: str, page: int = 0) -> str:
    return _checked(f"{view}:{system_id}:{code}:{page}")


def open_code(system_id: str, code: str) -> str:
    return _checked(f"open:{system_id}:{code}")


def search_page(page: int, query: str) -> str:
    return _checked(f"find:{page}:{query_checksum(query)}")


NOOP = "noop"


def query_checksum(query: str) -> str:
    return f"{zlib.crc32(query.encode('utf-8')):08x}"


def parse(data: str | None) -> Action | None:
    """The action a button stands for, or None for anything we did not make."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    if data == NOOP:
        return Noop()
    if match := _VIEW.match(data):
        return CodeView(match[1], match[2], match[3], int(match[4]))
    if match := _OPEN.match(data):
        return OpenCode(match[1], match[2])
    if match := _FIND.match(data):
        return SearchPage(int(match[1]), match[2])
    return None


def _checked(data: str) -> str:
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data
