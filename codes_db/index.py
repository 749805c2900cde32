"""The in-memory view of the current releases: every code, its place in the tree, its terms.

Built once per process from the database (a few hundred thousand small rows) and rebuilt after an
import. Lookups walk it for the hierarchy; the search index is built on top of it.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from codes_db.models import NOTE_KINDS, Code, Note, Release


@dataclass(slots=True)
class Entry:
    system_id: str
    code: str
    kind: str
    title: str
    parent: str | None
    billable: bool
    order: int
    code_id: int
    seventh_character: str | None = None  # the 7th character this code adds to its parent
    terms: list[str] = field(default_factory=list)  # inclusion terms
    aliases: list[str] = field(default_factory=list)  # how other codes' notes name this one
    position: int = -1  # place in CodeIndex.entries


#: A note that names one code: `paranoid schizophrenia (F20.0)`, `epidemic parotitis (B26.-)`.
_NAMED_CODE = re.compile(
    r"^(?P<text>[a-zA-Z][^()]*?)\s*\((?P<code>[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)\.?-?\)$"
)
#: Notes that point at other codes (Excludes, Code first, ...), as opposed to describing this one.
ALIAS_NOTE_KINDS = tuple(
    k
    for k in NOTE_KINDS
    if k not in {"includes", "inclusion_term", "seventh_character_note", "seventh_character"}
)


@dataclass(frozen=True, slots=True)
class ReleaseInfo:
    release_id: int
    system_id: str
    version: str


class CodeIndex:
    def __init__(self, releases: list[ReleaseInfo], entries: list[Entry]) -> None:
        self.releases = {r.system_id: r for r in releases}
        self.entries = entries
        self._by_code: dict[tuple[str, str], int] = {}
        self._blocks: dict[tuple[str, str], int] = {}
        for position, entry in enumerate(entries):
            entry.position = position
            key = (entry.system_id, entry.code)
            if entry.kind == "block":
                self._blocks[key] = position
                # A one-category block (`B10`) shares its name with the category: the category wins.
                self._by_code.setdefault(key, position)
            else:
                self._by_code[key] = position
        self._parents: list[int | None] = [self._find_parent(e) for e in entries]
        self._children: dict[int, list[int]] = defaultdict(list)
        for position, parent in enumerate(self._parents):
            if parent is not None:
                self._children[parent].append(position)

    def _find_parent(self, entry: Entry) -> int | None:
        if entry.parent is None:
            return None
        table = self._blocks if entry.kind == "category" else self._by_code
        return table.get((entry.system_id, entry.parent))

    def get(self, system_id: str, code: str) -> Entry | None:
        position = self._by_code.get((system_id, code))
        return None if position is None else self.entries[position]

    def children(self, entry: Entry) -> list[Entry]:
        return [self.entries[p] for p in self._children.get(entry.position, [])]

    def parent(self, entry: Entry) -> Entry | None:
        position = self._parents[entry.position]
        return None if position is None else self.entries[position]

    def ancestors(self, entry: Entry) -> list[Entry]:
        """Top-down path to `entry`, excluding it: chapter, block, category, ..."""
        path = []
        current = self.parent(entry)
        while current is not None:
            path.append(current)
            current = self.parent(current)
        return path[::-1]

    def billable_descendants(self, entry: Entry, limit: int | None = None) -> list[Entry]:
        found: list[Entry] = []
        stack = list(reversed(self.children(entry)))
        while stack and (limit is None or len(found) < limit):
            current = stack.pop()
            if current.billable:
                found.append(current)
            stack.extend(reversed(self.children(current)))
        return found

    def codes_of(self, system_id: str) -> list[Entry]:
        return [e for e in self.entries if e.system_id == system_id]


def current_releases(engine: Engine) -> list[ReleaseInfo]:
    """The newest release of each system, by effective date, then by import order."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Release.id, Release.system_id, Release.version).order_by(
                Release.system_id, Release.effective_date.desc(), Release.id.desc()
            )
        ).all()
    newest: dict[str, ReleaseInfo] = {}
    for row in rows:
        newest.setdefault(row.system_id, ReleaseInfo(row.id, row.system_id, row.version))
    return list(newest.values())


def load_index(engine: Engine) -> CodeIndex:
    releases = current_releases(engine)
    release_ids = [r.release_id for r in releases]
    entries: list[Entry] = []
    with engine.connect() as conn:
        if release_ids:
            rows = conn.execute(
                select(
                    Code.id,
                    Code.system_id,
                    Code.code,
                    Code.kind,
                    Code.title,
                    Code.parent_code,
                    Code.billable,
                    Code.sort_order,
                    Code.seventh_character,
                )
                .where(Code.release_id.in_(release_ids))
                .order_by(Code.system_id, Code.sort_order)
            ).all()
            entries = [Entry(r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[0], r[8]) for r in rows]
            by_id = {e.code_id: e for e in entries}
            terms = conn.execute(
                select(Note.code_id, Note.text)
                .join(Code, Code.id == Note.code_id)
                .where(Code.release_id.in_(release_ids), Note.kind == "inclusion_term")
                .order_by(Note.code_id, Note.position)
            ).all()
            for code_id, text in terms:
                by_id[code_id].terms.append(text)
            by_code = {(e.system_id, e.code): e for e in entries if e.kind != "block"}
            notes = conn.execute(
                select(Code.system_id, Note.text)
                .join(Code, Code.id == Note.code_id)
                .where(Code.release_id.in_(release_ids), Note.kind.in_(ALIAS_NOTE_KINDS))
            ).all()
            for system_id, text in notes:
                match = _NAMED_CODE.match(text)
                named = match and by_code.get((system_id, match.group("code")))
                if named and not match.group("text").lower().startswith("code"):
                    named.aliases.append(match.group("text"))
    return CodeIndex(releases, entries)
