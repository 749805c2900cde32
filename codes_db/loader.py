"""Loading a parsed release into the database: one transaction, all or nothing."""

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, delete, insert, select

from codes_db.models import Code, CodeAttribute, CodeSystem, Note, Release
from codes_db.records import ParsedRelease

INSERT_BATCH = 5000

ImportStatus = Literal["imported", "unchanged", "replaced"]


@dataclass(frozen=True, slots=True)
class ImportResult:
    status: ImportStatus
    system_id: str
    version: str
    code_count: int
    note_count: int


def _batches(rows: list[dict], size: int = INSERT_BATCH):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def load_release(engine: Engine, parsed: ParsedRelease) -> ImportResult:
    """Store `parsed` beside the releases already there.

    The same file again changes nothing; the same version label from a different file replaces
    that release. Any failure rolls the whole import back, so the previous data stays intact.
    """
    with engine.begin() as conn:
        existing = conn.execute(
            select(Release.id, Release.checksum).where(
                Release.system_id == parsed.system_id, Release.version == parsed.version
            )
        ).first()
        if existing is not None and existing.checksum == parsed.checksum:
            counts = conn.execute(select(Release.code_count).where(Release.id == existing.id))
            return ImportResult("unchanged", parsed.system_id, parsed.version, counts.scalar_one(), 0)
        if existing is not None:
            code_ids = select(Code.id).where(Code.release_id == existing.id)
            conn.execute(delete(Note).where(Note.code_id.in_(code_ids)))
            conn.execute(delete(CodeAttribute).where(CodeAttribute.code_id.in_(code_ids)))
            conn.execute(delete(Code).where(Code.release_id == existing.id))
            conn.execute(delete(Release).where(Release.id == existing.id))
        if conn.execute(select(CodeSystem.id).where(CodeSystem.id == parsed.system_id)).first() is None:
            conn.execute(insert(CodeSystem).values(id=parsed.system_id, name=parsed.system_name))

        release_id = conn.execute(
            insert(Release)
            .values(
                system_id=parsed.system_id,
                version=parsed.version,
                effective_date=parsed.effective_date,
                source=parsed.source[:500],
                checksum=parsed.checksum,
                code_count=len(parsed.codes),
            )
            .returning(Release.id)
        ).scalar_one()

        code_rows = [
            {
                "release_id": release_id,
                "system_id": parsed.system_id,
                "code": c.code,
                "kind": c.kind,
                "title": c.title,
                "parent_code": c.parent_code,
                "billable": c.billable,
                "sort_order": order,
                "seventh_character": c.seventh_character,
            }
            for order, c in enumerate(parsed.codes)
        ]
        for batch in _batches(code_rows):
            conn.execute(insert(Code), batch)

        ids = {
            order: code_id
            for order, code_id in conn.execute(
                select(Code.sort_order, Code.id).where(Code.release_id == release_id)
            )
        }
        note_rows = [
            {
                "code_id": ids[order],
                "kind": note.kind,
                "text": note.text,
                "character": note.character,
                "position": position,
            }
            for order, c in enumerate(parsed.codes)
            for position, note in enumerate(c.notes)
        ]
        for batch in _batches(note_rows):
            conn.execute(insert(Note), batch)
        attribute_rows = [
            {"code_id": ids[order], "name": name, "value": value[:200]}
            for order, c in enumerate(parsed.codes)
            for name, value in c.attributes.items()
        ]
        for batch in _batches(attribute_rows):
            conn.execute(insert(CodeAttribute), batch)

    status: ImportStatus = "replaced" if existing is not None else "imported"
    return ImportResult(status, parsed.system_id, parsed.version, len(code_rows), len(note_rows))
