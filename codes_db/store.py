"""`CodeStore`: the one object a program needs to import, look up and search codes.

from codes_db import CodeStore
store = CodeStore("sqlite:///codes.db")
store.lookup("e1165")
store.search("type 2 diabetes with high sugar")
"""

import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

from codes_db import models
from codes_db.importers import hcpcs, icd10cm
from codes_db.index import CodeIndex, current_releases, load_index
from codes_db.loader import ImportResult, load_release
from codes_db.lookup import CodeCard, CodeRef, LookupResult, card_for, codes_named_in, lookup
from codes_db.records import ParsedRelease
from codes_db.search import SearchHit, SearchIndex

#: Importers by system id: `(path_or_url, version) -> ParsedRelease`.
IMPORTERS = {icd10cm.SYSTEM_ID: icd10cm.parse, hcpcs.SYSTEM_ID: hcpcs.parse}


@dataclass(frozen=True, slots=True)
class ReleaseStatus:
    system_id: str
    system_name: str
    version: str
    effective_date: date
    source: str
    code_count: int
    billable_count: int
    current: bool


def make_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine


class CodeStore:
    """Codes in a database plus the in-memory index over the current releases.

    With `embedded_default` (the default) the April 2026 ICD-10-CM release shipped by the
    `simple-icd-10-cm` package is imported the first time the store is used.
    """

    def __init__(self, database_url: str, *, embedded_default: bool = True) -> None:
        self.engine = make_engine(database_url)
        SQLModel.metadata.create_all(self.engine)
        self.embedded_default = embedded_default
        self._index: CodeIndex | None = None
        self._search: SearchIndex | None = None
        self._lock = threading.RLock()

    def close(self) -> None:
        self.engine.dispose()

    # -- data -----------------------------------------------------------------------------

    def has_system(self, system_id: str) -> bool:
        with self.engine.connect() as conn:
            query = select(func.count()).select_from(models.Release)
            return conn.execute(query.where(models.Release.system_id == system_id)).scalar_one() > 0

    def ensure_default_data(self) -> ImportResult | None:
        if not self.embedded_default or self.has_system(icd10cm.SYSTEM_ID):
            return None
        return self.load(icd10cm.parse(icd10cm.embedded_tabular()))

    def import_file(self, system_id: str, path_or_url: str, version: str | None = None) -> ImportResult:
        importer = IMPORTERS.get(system_id)
        if importer is None:
            raise ValueError(f"unknown system {system_id!r}; known: {', '.join(IMPORTERS)}")
        return self.load(importer(path_or_url, version))

    def load(self, parsed: ParsedRelease) -> ImportResult:
        result = load_release(self.engine, parsed)
        if result.status != "unchanged":
            with self._lock:
                self._index = self._search = None
        return result

    def status(self) -> list[ReleaseStatus]:
        self.ensure_default_data()
        current = {r.release_id for r in current_releases(self.engine)}
        billable = (
            select(models.Code.release_id, func.count().label("n"))
            .where(models.Code.billable)
            .group_by(models.Code.release_id)
            .subquery()
        )
        query = (
            select(models.Release, models.CodeSystem.name, billable.c.n)
            .join(models.CodeSystem, models.CodeSystem.id == models.Release.system_id)
            .outerjoin(billable, billable.c.release_id == models.Release.id)
            .order_by(models.Release.system_id, models.Release.effective_date)
        )
        with Session(self.engine) as session:
            rows = session.exec(query).all()
        return [
            ReleaseStatus(
                system_id=release.system_id,
                system_name=name,
                version=release.version,
                effective_date=release.effective_date,
                source=release.source,
                code_count=release.code_count,
                billable_count=billable_count or 0,
                current=release.id in current,
            )
            for release, name, billable_count in rows
        ]

    # -- reading --------------------------------------------------------------------------

    @property
    def index(self) -> CodeIndex:
        with self._lock:
            if self._index is None:
                self.ensure_default_data()
                self._index = load_index(self.engine)
            return self._index

    @property
    def search_index(self) -> SearchIndex:
        index = self.index
        with self._lock:
            if self._search is None:
                self._search = SearchIndex(index)
            return self._search

    def lookup(self, text: str, system_id: str = icd10cm.SYSTEM_ID) -> LookupResult:
        return lookup(self.engine, self.index, text, system_id)

    def card(self, system_id: str, code: str) -> CodeCard | None:
        """The card of a code exactly as the store spells it (from a button, a link, a search hit)."""
        return card_for(self.engine, self.index, system_id, code)

    def codes_named_in(self, system_id: str, texts: list[str]) -> list[CodeRef]:
        """The valid codes these texts (notes) name, each once, in order: what a note links to."""
        return codes_named_in(self.index, system_id, texts)

    def search(self, query: str, system: str | None = None, limit: int = 10) -> list[SearchHit]:
        return self.search_index.search(query, system=system, limit=limit)
