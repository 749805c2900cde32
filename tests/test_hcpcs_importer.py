"""HCPCS Level II importer: the CMS Alpha-Numeric HCPCS file (fixed-width 320-character records)."""

import re
import zipfile
from pathlib import Path

import pytest

from codes_db import CodeStore
from codes_db.importers import hcpcs
from codes_db.importers.sources import SourceError
from tests.conftest import shared_file

HCPCS_2018 = "hcpcs/2018-Alpha-Numeric-HCPCS-File.zip"
HCPCS_2019 = "hcpcs/2019-Alpha-Numeric-HCPCS-File.zip"


def record(code: str, record_id: str, long_text: str, short: str = "", **fields: str) -> str:
    """One 320-character record laid out as the CMS record layout says (1-based positions)."""
    line = [" "] * hcpcs.RECORD_LENGTH

    def put(start: int, value: str) -> None:
        line[start - 1 : start - 1 + len(value)] = value

    put(1, code.rjust(5) if len(code) == 2 else code)
    put(6, "00100")
    put(11, record_id)
    put(12, long_text[:80])
    put(92, short[:28])
    for start, value in fields.items():
        put(int(start.removeprefix("at")), value)
    return "".join(line)


def write_fixture(path: Path) -> Path:
    lines = [
        "***Disclaimers\t\t\t",
        "*Inclusion or exclusion of a procedure ... does not imply any coverage.\xa0",
        "",
        record("A0080", "3", "Non-emergency transportation, per mile - vehicle provided by volunteer",
               "Noner transport volunteer", at230="I", at257="O1A", at269="19980101", at277="20180101",
               at293="N"),
        record("A0080", "4", "(individual or organization), with no vested interest"),
        record("J1100", "3", "Injection, dexamethasone sodium phosphate, 1 mg", "Dexamethasone sodium phos",
               at230="D", at269="19820101", at285="20181231", at293="D"),
        record("LT", "7", "Left side (used to identify procedures performed on the left side of the",
               "Left side"),
        record("LT", "8", "body)"),
    ]  # fmt: skip
    zip_path = path / "HCPC2019_fixture.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("HCPC2019_APR_ANWEB.txt", "\r\n".join(lines).encode("latin-1"))
        archive.writestr("HCPC2019_README.txt", "readme")
    return zip_path


def by_key(codes: list) -> dict:
    return {(c.kind, c.code): c for c in codes}


def test_fixture_multi_line_descriptions_modifiers_and_fields(tmp_path: Path) -> None:
    parsed = hcpcs.parse(write_fixture(tmp_path))
    assert (parsed.system_id, parsed.version, str(parsed.effective_date)) == (
        "hcpcs",
        "2019-04",
        "2019-04-01",
    )
    codes = by_key(parsed.codes)
    transport = codes[("code", "A0080")]
    assert transport.title == (
        "Non-emergency transportation, per mile - vehicle provided by volunteer "
        "(individual or organization), with no vested interest"
    )
    assert transport.parent_code == "A" and transport.billable
    assert transport.attributes == {
        "short_description": "Noner transport volunteer",
        "coverage": "I: not payable by Medicare",
        "betos": "O1A",
        "added_date": "1998-01-01",
        "action_effective_date": "2018-01-01",
        "action": "N: no maintenance",
    }
    discontinued = codes[("code", "J1100")]
    assert not discontinued.billable and discontinued.attributes["termination_date"] == "2018-12-31"
    left = codes[("modifier", "LT")]
    assert left.title == "Left side (used to identify procedures performed on the left side of the body)"
    assert left.parent_code == hcpcs.MODIFIERS and not left.billable
    assert [c.code for c in parsed.codes if c.kind == "chapter"] == ["A", "J", hcpcs.MODIFIERS]


def test_broken_inputs_are_refused_and_leave_the_store_as_it_was(tmp_path: Path) -> None:
    good = write_fixture(tmp_path)
    store = CodeStore(f"sqlite:///{tmp_path / 'codes.db'}", embedded_default=False)
    store.import_file("hcpcs", str(good))
    truncated = tmp_path / "HCPC2019_truncated.zip"
    truncated.write_bytes(good.read_bytes()[:200])
    wrong_zip = tmp_path / "HCPC2019_other.zip"
    with zipfile.ZipFile(wrong_zip, "w") as archive:
        archive.writestr("notes.txt", "nothing here")
    not_records = tmp_path / "HCPC2019_ANWEB.txt"
    not_records.write_text("just some text\nnothing fixed-width\n")
    for broken in (truncated, wrong_zip, not_records):
        with pytest.raises(SourceError):
            store.import_file("hcpcs", str(broken))
    assert [(r.version, r.code_count) for r in store.status()] == [("2019-04", 6)]


@pytest.mark.shared
@pytest.mark.parametrize("relative", [HCPCS_2018, HCPCS_2019])
def test_real_cms_files_every_record_is_read(relative: str) -> None:
    path = shared_file(relative)
    parsed = hcpcs.parse(path)
    with zipfile.ZipFile(path) as archive:
        member = next(n for n in archive.namelist() if "ANWEB" in n and n.endswith(".txt"))
        raw = archive.read(member)
    # Counted straight from the bytes: record id 3 = a code's first line, 7 = a modifier's.
    code_ids = set(re.findall(rb"^([A-Z0-9]{5})[0-9]{5}3", raw, re.MULTILINE))
    modifier_ids = set(re.findall(rb"^ {3}([A-Z0-9]{2})[0-9]{5}7", raw, re.MULTILINE))
    codes = [c for c in parsed.codes if c.kind == "code"]
    modifiers = [c for c in parsed.codes if c.kind == "modifier"]
    assert {c.code.encode() for c in codes} == code_ids
    assert {m.code.encode() for m in modifiers} == modifier_ids
    assert len(codes) > 6000 and len(modifiers) > 300
    # A description that goes on over continuation lines (id 4 / 8) is longer than one line's 80.
    continued = {m.strip() for m in re.findall(rb"^([A-Z0-9 ]{5})[0-9]{5}[48]", raw, re.MULTILINE)}
    assert len(continued) > 2000
    assert {c.code.encode() for c in codes + modifiers if len(c.title) > 80} == continued
    assert all(c.title for c in parsed.codes)


@pytest.mark.shared
def test_real_2019_codes_and_modifiers_read_as_cms_wrote_them() -> None:
    parsed = hcpcs.parse(shared_file(HCPCS_2019))
    codes = by_key(parsed.codes)
    assert parsed.version == "2019-01"
    assert codes[("code", "J1100")].title == "Injection, dexamethasone sodium phosphate, 1 mg"
    assert codes[("code", "J1100")].attributes["short_description"] == "Dexamethasone sodium phos"
    assert codes[("code", "A0080")].title.endswith(
        "volunteer (individual or organization), with no vested interest"
    )
    assert codes[("modifier", "LT")].title.startswith("Left side")
    assert codes[("modifier", "GA")].title == (
        "Waiver of liability statement issued as required by payer policy, individual case"
    )
    assert codes[("modifier", "CP")].attributes["termination_date"] == "2017-12-31"


@pytest.mark.shared
def test_two_real_releases_side_by_side_in_the_store(tmp_path: Path) -> None:
    store = CodeStore(f"sqlite:///{tmp_path / 'codes.db'}", embedded_default=False)
    first = store.import_file("hcpcs", str(shared_file(HCPCS_2018)))
    second = store.import_file("hcpcs", str(shared_file(HCPCS_2019)))
    again = store.import_file("hcpcs", str(shared_file(HCPCS_2019)))
    assert (first.status, second.status, again.status) == ("imported", "imported", "unchanged")
    current = [r.version for r in store.status() if r.current]
    assert current == ["2019-01"]
    card = store.card("hcpcs", "E0100")
    assert card is not None and card.billable and card.path[0].code == "E"
    assert card.title.startswith("Cane, includes canes of all materials")
