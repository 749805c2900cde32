"""The ICD-10-CM tabular importer against the embedded release and the two real CMS releases."""

import gzip
import http.server
import threading
from functools import partial
from xml.etree import ElementTree

import pytest
import simple_icd_10_cm as reference
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from codes_db import CodeStore
from codes_db.importers import icd10cm
from codes_db.importers.sources import SourceError
from codes_db.models import Code, Release
from codes_db.records import ParsedCode

from .conftest import shared_file


@pytest.fixture(scope="module")
def parsed_2026():
    return icd10cm.parse(icd10cm.embedded_tabular())


def test_embedded_release_matches_an_independent_parse(parsed_2026):
    ours = {c.code for c in parsed_2026.codes}
    theirs = set(reference.get_all_codes(with_dots=True))
    assert len(theirs) == 98_466
    assert ours == theirs
    # simple-icd-10-cm counts 12 empty section headings (C00-C75, V00-X58, ...) as leaves:
    # 74,731 leaves; they are not codes, so the billable codes are the other 74,719.
    headings = {c for c in theirs if reference.is_block(c) and not reference.is_category(c)}
    their_leaves = {c for c in theirs if reference.is_leaf(c)} - headings
    assert {c.code for c in parsed_2026.codes if c.billable} == their_leaves
    assert len(their_leaves) == 74_719


def test_hierarchy_and_seventh_characters(parsed_2026):
    by_code = {(c.code, c.kind): c for c in parsed_2026.codes}
    kinds = [c.kind for c in parsed_2026.codes]
    assert kinds.count("chapter") == 22
    assert by_code[("E11.65", "code")].parent_code == "E11.6"
    assert by_code[("E11", "category")].parent_code == "E08-E13"
    assert by_code[("E08-E13", "block")].parent_code == "4"
    for full, base in [
        ("S72.001A", "S72.001"),
        ("T36.0X1A", "T36.0X1"),
        ("S00.81XA", "S00.81"),
        ("T66.XXXA", "T66"),
    ]:
        code = next(c for c in parsed_2026.codes if c.code == full)
        assert code.billable and code.parent_code == base
    assert not next(c for c in parsed_2026.codes if c.code == "S72.001").billable
    titles = {c.code: c.title for c in parsed_2026.codes}
    assert titles["S72.001A"].endswith(", initial encounter for closed fracture")
    # S06 note: 7th characters D and S do not apply with 6th character 7 or 8.
    assert "S06.1X7A" in titles and "S06.1X7D" not in titles and "S06.1X8S" not in titles
    assert "S06.1X6D" in titles


def test_notes_are_kept(parsed_2026):
    e11 = next(c for c in parsed_2026.codes if c.code == "E11")
    kinds = {n.kind for n in e11.notes}
    assert {"includes", "excludes1", "use_additional_code"} <= kinds
    assert any("Z79.4" in n.text for n in e11.notes if n.kind == "use_additional_code")
    s72 = next(c for c in parsed_2026.codes if c.code == "S72")
    sevenths = {n.character: n.text for n in s72.notes if n.kind == "seventh_character"}
    assert sevenths["A"] == "initial encounter for closed fracture"
    assert len(sevenths) == 16


def _count_diags(path) -> tuple[int, int]:
    """Independent count straight from the XML: diag elements, and those without child diags."""
    root = ElementTree.fromstring(gzip.decompress(path.read_bytes()))
    diags = list(root.iter("diag"))
    return len(diags), sum(1 for d in diags if d.find("diag") is None)


@pytest.mark.shared
def test_two_real_releases_side_by_side(tmp_path):
    april_2025 = shared_file("icd10cm/icd10cm-tabular-April-2025.xml.gz")
    april_2026 = shared_file("icd10cm/icd10cm-tabular-April-2026.xml.gz")
    store = CodeStore(f"sqlite:///{tmp_path / 'two.db'}", embedded_default=False)

    first = store.import_file("icd10cm", str(april_2025))
    second = store.import_file("icd10cm", str(april_2026))
    assert (first.status, first.version) == ("imported", "2025-04")
    assert (second.status, second.version) == ("imported", "2026-04")
    for path, result in [(april_2025, first), (april_2026, second)]:
        diags, leaves = _count_diags(path)
        with store.engine.connect() as conn:
            by_kind = dict(
                conn.execute(
                    select(Code.kind, func.count())
                    .join(Release)
                    .where(Release.version == result.version, Code.seventh_character.is_(None))
                    .group_by(Code.kind)
                ).all()
            )
            generated = conn.execute(
                select(func.count())
                .select_from(Code)
                .join(Release)
                .where(Release.version == result.version, Code.seventh_character.is_not(None))
            ).scalar_one()
        assert by_kind["chapter"] == 22
        assert by_kind["category"] + by_kind["subcategory"] + by_kind["code"] == diags
        assert by_kind["code"] <= leaves  # leaves that take a 7th character became subcategories
        assert result.code_count == sum(by_kind.values()) + generated

    rows = {r.version: r for r in store.status()}
    assert set(rows) == {"2025-04", "2026-04"}
    assert rows["2026-04"].current and not rows["2025-04"].current
    assert rows["2026-04"].billable_count == 74_719
    assert store.lookup("E11.65").version == "2026-04"

    again = store.import_file("icd10cm", str(april_2026))
    assert again.status == "unchanged"
    assert {r.version: r.code_count for r in store.status()} == {v: r.code_count for v, r in rows.items()}


def test_failed_import_leaves_previous_release_intact(tmp_path, parsed_2026):
    store = CodeStore(f"sqlite:///{tmp_path / 'fail.db'}", embedded_default=False)
    store.load(parsed_2026)
    before = store.status()
    broken = icd10cm.parse(icd10cm.embedded_tabular())
    broken.checksum = "0" * 64  # same version label, different file: replaces the release...
    broken.codes.append(ParsedCode("E11.65", "code", "duplicate", "E11.6", True))  # ...but fails midway
    with pytest.raises(IntegrityError):
        store.load(broken)
    assert store.status() == before
    assert store.lookup("E11.65").title == "Type 2 diabetes mellitus with hyperglycemia"


def test_unreadable_sources_raise_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match="no such file"):
        icd10cm.parse(tmp_path / "missing.xml")
    bad = tmp_path / "bad.xml"
    bad.write_text("<ICD10CM.tabular><chapter>")
    with pytest.raises(SourceError, match="not well-formed"):
        icd10cm.parse(bad)
    other = tmp_path / "other.xml"
    other.write_text("<catalog/>")
    with pytest.raises(SourceError, match="not an ICD-10-CM tabular"):
        icd10cm.parse(other)
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        "<ICD10CM.tabular><version>2026</version><chapter><name>1</name><desc>&b;</desc>"
        "</chapter></ICD10CM.tabular>"
    )
    parsed = icd10cm.parse(bomb)  # entities are never expanded
    assert "aaaaaaaaaa" not in parsed.codes[0].title


@pytest.mark.shared
def test_import_from_a_url(tmp_path):
    april_2025 = shared_file("icd10cm/icd10cm-tabular-April-2025.xml.gz")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(april_2025.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/{april_2025.name}"
        parsed = icd10cm.parse(url)
        missing = f"http://127.0.0.1:{server.server_port}/nothing-here.xml"
        with pytest.raises(SourceError, match="could not download"):
            icd10cm.parse(missing)
    finally:
        server.shutdown()
    assert parsed.version == "2025-04"
    assert parsed.source == url
    assert sum(c.billable for c in parsed.codes) > 70_000
