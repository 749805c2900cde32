"""Tables of the code store: code systems, their releases, the codes and the notes on them.

Reference data only: nothing here knows about users or Telegram. Several releases of a system
live side by side; the newest (by effective date) is the one lookups and search use.
"""

from datetime import UTC, date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

#: Kinds of entries in a code system's hierarchy, from the top down.
KINDS = ("chapter", "block", "category", "subcategory", "code", "modifier")

#: Note kinds, in the order a coder reads them on a card.
NOTE_KINDS = (
    "includes",
    "inclusion_term",
    "excludes1",
    "excludes2",
    "code_first",
    "use_additional_code",
    "code_also",
    "note",
    "seventh_character_note",
    "seventh_character",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class CodeSystem(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=16)  # "icd10cm"
    name: str = Field(max_length=80)  # "ICD-10-CM"


class Release(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("system_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    system_id: str = Field(foreign_key="codesystem.id", index=True, max_length=16)
    version: str = Field(max_length=40)  # "2026-04" (the release's own label)
    effective_date: date
    source: str = Field(max_length=500)  # path, URL or package resource it came from
    checksum: str = Field(max_length=64)  # sha256 of the source file
    code_count: int = 0
    imported_at: datetime = Field(default_factory=utcnow)


class Code(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("release_id", "kind", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    release_id: int = Field(foreign_key="release.id", index=True)
    system_id: str = Field(max_length=16)
    code: str = Field(index=True, max_length=16)  # "E11.65", "A00-A09", chapter "4"
    kind: str = Field(max_length=12)
    title: str
    parent_code: str | None = Field(default=None, max_length=16)
    billable: bool = False
    sort_order: int = 0
    #: For a code generated from its parent's 7th-character table: the character it adds.
    seventh_character: str | None = Field(default=None, max_length=1)


class CodeAttribute(SQLModel, table=True):
    """A fact a release file states about a code beyond its title (HCPCS: short description, dates,
    action, coverage, BETOS), as text."""

    id: int | None = Field(default=None, primary_key=True)
    code_id: int = Field(foreign_key="code.id", index=True)
    name: str = Field(max_length=32)
    value: str = Field(max_length=200)


class Note(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code_id: int = Field(foreign_key="code.id", index=True)
    kind: str = Field(max_length=24)
    text: str
    character: str | None = Field(default=None, max_length=1)  # 7th character it defines
    position: int = 0
