"""Plain records an importer produces: a parsed release, before anything touches the database."""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class ParsedNote:
    kind: str  # one of models.NOTE_KINDS
    text: str
    character: str | None = None  # the 7th character a "seventh_character" note defines


@dataclass(slots=True)
class ParsedCode:
    code: str
    kind: str  # one of models.KINDS
    title: str
    parent_code: str | None
    billable: bool
    notes: list[ParsedNote] = field(default_factory=list)
    seventh_character: str | None = None  # set on codes generated from a 7th-character table
    attributes: dict[str, str] = field(default_factory=dict)  # other facts the file states, by name


@dataclass(slots=True)
class ParsedRelease:
    system_id: str
    system_name: str
    version: str
    effective_date: date
    source: str
    checksum: str
    codes: list[ParsedCode]
