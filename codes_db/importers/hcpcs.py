"""CMS "Alpha-Numeric HCPCS File": the fixed-width 320-character records (record layout from CMS).

The zip CMS publishes each quarter holds `HCPC<year>_..._ANWEB....txt`: a disclaimer header, then
records of 320 characters. Positions (1-based, from the CMS record layout):

    1-5 code (modifiers: 4-5)   11 record id: 3 code first line, 4 code continuation,
    12-91 long description      7 modifier first line, 8 modifier continuation
    92-119 short description    120-121 pricing indicator   230 coverage   257-259 BETOS
    269-276 added   277-284 action effective   285-292 termination (CCYYMMDD)   293 action code

A long description runs over several lines (continuations carry only text); they are joined with
a space, as CMS breaks them between words. Codes are grouped under their letter section; modifiers
(`LT`, `RT`, `GA`) are entries of their own under "Modifiers".
"""

import io
import re
import zipfile
from datetime import date
from pathlib import Path

from codes_db.importers.sources import Source, SourceError, read_source
from codes_db.records import ParsedCode, ParsedRelease

SYSTEM_ID = "hcpcs"
SYSTEM_NAME = "HCPCS Level II"
MODIFIERS = "Modifiers"
RECORD_LENGTH = 320
#: The letter sections of HCPCS Level II (CMS).
SECTIONS = {
    "A": "Transportation services, medical and surgical supplies, administrative and miscellaneous",
    "B": "Enteral and parenteral therapy",
    "C": "Outpatient PPS (temporary hospital codes)",
    "D": "Dental procedures",
    "E": "Durable medical equipment",
    "G": "Procedures and professional services (temporary)",
    "H": "Alcohol and drug abuse treatment services, behavioral health",
    "J": "Drugs administered other than oral method, chemotherapy drugs",
    "K": "Durable medical equipment (temporary codes for DME MACs)",
    "L": "Orthotic and prosthetic procedures and devices",
    "M": "Medical services, quality measures",
    "P": "Pathology and laboratory services",
    "Q": "Miscellaneous services (temporary codes)",
    "R": "Diagnostic radiology services",
    "S": "Temporary national codes (non-Medicare)",
    "T": "National codes established for state Medicaid agencies",
    "U": "Coronavirus diagnostic panel",
    "V": "Vision, hearing and speech-language pathology services",
}
ACTION_CODES = {
    "A": "added",
    "B": "administrative data and long description changed",
    "C": "long description changed",
    "D": "discontinued",
    "F": "administrative data changed",
    "N": "no maintenance",
    "P": "payment changed",
    "R": "reactivated",
    "S": "short description changed",
    "T": "miscellaneous change",
}
COVERAGE_CODES = {
    "C": "carrier judgment",
    "D": "special coverage instructions apply",
    "I": "not payable by Medicare",
    "M": "non-covered by Medicare",
    "S": "non-covered by Medicare statute",
}
_CODE_FIELD = re.compile(r"^(?:[A-Z0-9]{5}| {3}[A-Z0-9]{2})$")
_MEMBER = re.compile(r"ANWEB[^/]*\.txt$", re.IGNORECASE)
_FILE_YEAR = re.compile(r"HCPC(\d{4})(?:_?(JAN|APR|JUL|OCT))?", re.IGNORECASE)
_QUARTERS = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}


def parse(path_or_url: str | Path, version: str | None = None) -> ParsedRelease:
    """The CMS zip (or the fixed-width text inside it) -> a parsed release."""
    source = read_source(path_or_url)
    name, text = _fixed_width_text(source)
    codes = parse_records(text.splitlines())
    if not any(c.kind == "code" for c in codes):
        raise SourceError(f"{source.label}: no HCPCS records found (is it the Alpha-Numeric HCPCS file?)")
    label, effective = _release_of(name, version)
    return ParsedRelease(SYSTEM_ID, SYSTEM_NAME, label, effective, source.label, source.checksum, codes)


def _fixed_width_text(source: Source) -> tuple[str, str]:
    data = source.data
    name = source.label
    if data[:2] == b"PK":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise SourceError(f"{source.label}: not a readable zip ({exc})") from None
        members = [m for m in archive.namelist() if _MEMBER.search(m)]
        if not members:
            raise SourceError(f"{source.label}: no ...ANWEB...txt record file in the zip")
        name = members[0]
        try:
            data = archive.read(name)
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceError(f"{source.label}: cannot read {name} ({exc})") from None
    # CMS writes Latin-1 (non-breaking spaces in the disclaimer); every byte decodes.
    return name, data.decode("latin-1").replace("\xa0", " ")


def parse_records(lines: list[str]) -> list[ParsedCode]:
    """Records in file order: sections and "Modifiers" first, then codes and modifiers."""
    entries: dict[tuple[str, str], ParsedCode] = {}
    for line in lines:
        if len(line) < 11 or line[10] not in "3478" or not _CODE_FIELD.match(line[:5]):
            continue  # disclaimer header, blank lines
        kind = "modifier" if line[10] in "78" else "code"
        code = line[:5].strip()
        text = line[11:91].strip()
        if line[10] in "48":
            previous = entries.get((kind, code))
            if previous is not None and text:
                previous.title = f"{previous.title} {text}"
            continue
        record = line.ljust(RECORD_LENGTH)
        entries[(kind, code)] = ParsedCode(
            code=code,
            kind=kind,
            title=text,
            parent_code=MODIFIERS if kind == "modifier" else code[0],
            billable=False,
            attributes=_attributes(record),
        )
    codes = list(entries.values())
    for entry in codes:
        terminated = entry.attributes.get("termination_date")
        entry.billable = entry.kind == "code" and not terminated
    used_sections = sorted({c.code[0] for c in codes if c.kind == "code"})
    heads = [
        ParsedCode(letter, "chapter", SECTIONS.get(letter, f"{letter} codes"), None, False)
        for letter in used_sections
    ]
    if any(c.kind == "modifier" for c in codes):
        heads.append(ParsedCode(MODIFIERS, "chapter", "HCPCS Level II modifiers", None, False))
    return heads + codes


def _attributes(record: str) -> dict[str, str]:
    fields = {
        "short_description": record[91:119].strip(),
        "pricing_indicator": record[119:121].strip(),
        "coverage": _described(record[229], COVERAGE_CODES),
        "betos": record[256:259].strip(),
        "added_date": _date(record[268:276]),
        "action_effective_date": _date(record[276:284]),
        "termination_date": _date(record[284:292]),
        "action": _described(record[292], ACTION_CODES),
    }
    return {name: value for name, value in fields.items() if value}


def _described(code: str, meanings: dict[str, str]) -> str:
    code = code.strip()
    return f"{code}: {meanings[code]}" if code in meanings else code


def _date(text: str) -> str:
    """CCYYMMDD -> ISO date; blank or malformed -> empty."""
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        return ""
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        return ""


def _release_of(name: str, version: str | None) -> tuple[str, date]:
    if version and (year_month := re.match(r"^(\d{4})(?:-(\d{2}))?$", version)):
        return version, date(int(year_month[1]), int(year_month[2] or 1), 1)
    match = _FILE_YEAR.search(Path(name).name)
    if match is None:
        if version:
            raise SourceError(f"cannot tell the release date of {version!r}; use a label like 2019-01")
        raise SourceError(f"{name}: cannot tell the release year from the file name; pass --version 2019-01")
    effective = date(int(match[1]), _QUARTERS[(match[2] or "JAN").upper()], 1)
    return version or f"{effective:%Y-%m}", effective
