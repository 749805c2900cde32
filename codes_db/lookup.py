"""Code lookup: from whatever a coder typed to a card with everything that applies to the code."""

import re
from dataclasses import dataclass, field

from rapidfuzz import distance, process
from sqlalchemy import Engine, select

from codes_db.codes import normalize_icd10cm
from codes_db.index import CodeIndex, Entry
from codes_db.models import NOTE_KINDS, Note

SUGGESTIONS = 5
BILLABLE_CHILDREN_SHOWN = 50
#: Shown in the card's own 7th-character table rather than with the notes.
SEVENTH_NOTES = {"seventh_character", "seventh_character_note"}
#: Notes that describe the code itself and are not passed down to the codes below it.
OWN_ONLY_NOTES = {"inclusion_term", *SEVENTH_NOTES}
#: How a card labels each kind of note, in the order a card lists them.
NOTE_LABELS = {
    "includes": "Includes",
    "inclusion_term": "Inclusion terms",
    "excludes1": "Excludes1 (never together)",
    "excludes2": "Excludes2 (not included here; may be coded together)",
    "code_first": "Code first",
    "use_additional_code": "Use additional code",
    "code_also": "Code also",
    "note": "Notes",
}
assert set(NOTE_LABELS) == set(NOTE_KINDS) - SEVENTH_NOTES


@dataclass(frozen=True, slots=True)
class CodeRef:
    system_id: str
    code: str
    title: str
    kind: str
    billable: bool

    @classmethod
    def of(cls, entry: Entry) -> "CodeRef":
        return cls(entry.system_id, entry.code, entry.title, entry.kind, entry.billable)


@dataclass(frozen=True, slots=True)
class CardNote:
    kind: str
    text: str
    source_code: str  # the code the note is written under
    inherited: bool


@dataclass(frozen=True, slots=True)
class SeventhCharacter:
    character: str
    meaning: str


@dataclass(slots=True)
class CodeCard:
    system_id: str
    version: str
    code: str
    title: str
    kind: str
    billable: bool
    path: list[CodeRef]
    notes: list[CardNote]
    children: list[CodeRef]
    billable_children: list[CodeRef] = field(default_factory=list)
    billable_children_total: int = 0
    seventh_characters: list[SeventhCharacter] = field(default_factory=list)
    seventh_character_note: str | None = None
    seventh_character_source: str | None = None
    applied_seventh_character: SeventhCharacter | None = None

    def notes_of(self, kind: str) -> list[CardNote]:
        return [n for n in self.notes if n.kind == kind]


@dataclass(frozen=True, slots=True)
class LookupMiss:
    query: str
    message: str
    suggestions: list[CodeRef]


LookupResult = CodeCard | LookupMiss


def lookup(engine: Engine, index: CodeIndex, text: str, system_id: str = "icd10cm") -> LookupResult:
    """The card for the code in `text`, or a miss with the closest valid codes. Never raises."""
    shown = " ".join(str(text).split())[:40]
    code = normalize_icd10cm(str(text))
    release = index.releases.get(system_id)
    if release is None:
        return LookupMiss(shown, "No ICD-10-CM release is loaded yet.", [])
    if code is None:
        return LookupMiss(shown, f"“{shown}” is not a valid ICD-10-CM code.", [])
    entry = index.get(system_id, code)
    if entry is None:
        return LookupMiss(
            shown, f"{code} is not a valid ICD-10-CM code.", closest_codes(index, system_id, code)
        )
    return _card(engine, index, entry, release.version)


def card_for(engine: Engine, index: CodeIndex, system_id: str, code: str) -> CodeCard | None:
    """The card of an exact code as the index spells it (`E11.65`, a block `E08-E13`, a chapter `4`)."""
    entry = index.get(system_id, code)
    release = index.releases.get(system_id)
    if entry is None or release is None:
        return None
    return _card(engine, index, entry, release.version)


#: A code or a block as notes write them: `Z79.4`, `E11.-`, `(O24.-)`, `E08-E13`.
_CODE_IN_TEXT = re.compile(
    r"\b([A-Z][0-9][0-9A-Z]-[A-Z][0-9][0-9A-Z]|[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)"
)


def codes_named_in(index: CodeIndex, system_id: str, texts: list[str]) -> list[CodeRef]:
    """Valid codes that notes name, in order of first mention, each once."""
    found: dict[str, CodeRef] = {}
    for text in texts:
        for match in _CODE_IN_TEXT.finditer(text):
            entry = index.get(system_id, match.group(1))
            if entry is not None and entry.code not in found:
                found[entry.code] = CodeRef.of(entry)
    return list(found.values())


def closest_codes(index: CodeIndex, system_id: str, code: str, limit: int = SUGGESTIONS) -> list[CodeRef]:
    """Valid codes nearest to an invalid one: billable codes under its longest valid prefix first."""
    compact = code.replace(".", "")
    for cut in range(len(compact) - 1, 2, -1):
        prefix = normalize_icd10cm(compact[:cut])
        anchor = index.get(system_id, prefix) if prefix else None
        if anchor is not None:
            candidates = index.billable_descendants(anchor) or [anchor]
            candidates.sort(key=lambda e: distance.Levenshtein.distance(e.code.replace(".", ""), compact))
            return [CodeRef.of(e) for e in candidates[:limit]]
    codes = [e.code for e in index.codes_of(system_id) if e.billable]
    matches = process.extract(code, codes, scorer=distance.Levenshtein.normalized_similarity, limit=limit)
    return [CodeRef.of(index.get(system_id, match)) for match, _score, _pos in matches]


def _card(engine: Engine, index: CodeIndex, entry: Entry, version: str) -> CodeCard:
    path = index.ancestors(entry)
    chain = [*path, entry]
    with engine.connect() as conn:
        rows = conn.execute(
            select(Note.code_id, Note.kind, Note.text, Note.character)
            .where(Note.code_id.in_([e.code_id for e in chain]))
            .order_by(Note.code_id, Note.position)
        ).all()
    by_code_id: dict[int, list] = {}
    for row in rows:
        by_code_id.setdefault(row.code_id, []).append(row)

    notes: list[CardNote] = []
    seventh: list[SeventhCharacter] = []
    seventh_note = seventh_source = None
    for owner in chain:  # top-down, so the nearest definition of the 7th characters wins
        own_rows = by_code_id.get(owner.code_id, [])
        definitions = [r for r in own_rows if r.kind == "seventh_character"]
        if definitions:
            seventh = [SeventhCharacter(r.character or "", r.text) for r in definitions]
            seventh_source = owner.code
            seventh_note = next((r.text for r in own_rows if r.kind == "seventh_character_note"), None)
        inherited = owner is not entry
        skipped = OWN_ONLY_NOTES if inherited else SEVENTH_NOTES
        notes.extend(
            CardNote(r.kind, r.text, owner.code, inherited) for r in own_rows if r.kind not in skipped
        )
    notes.sort(key=lambda n: (NOTE_KINDS.index(n.kind), n.inherited))

    applied = next((s for s in seventh if s.character == entry.seventh_character), None)

    children = index.children(entry)
    billable_children = [] if entry.billable else index.billable_descendants(entry)
    return CodeCard(
        system_id=entry.system_id,
        version=version,
        code=entry.code,
        title=entry.title,
        kind=entry.kind,
        billable=entry.billable,
        path=[CodeRef.of(e) for e in path],
        notes=notes,
        children=[CodeRef.of(e) for e in children],
        billable_children=[CodeRef.of(e) for e in billable_children[:BILLABLE_CHILDREN_SHOWN]],
        billable_children_total=len(billable_children),
        seventh_characters=seventh,
        seventh_character_note=seventh_note,
        seventh_character_source=seventh_source,
        applied_seventh_character=applied,
    )
