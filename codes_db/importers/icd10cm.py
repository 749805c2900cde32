"""ICD-10-CM tabular list: the CMS/CDC XML (`ICD10CM.tabular`) to a `ParsedRelease`.

The XML nests chapter > section (block) > diag (category) > diag (subcategory / code). It does not
list the codes that take a 7th character: those are generated here from the nearest `sevenChrDef`
above a leaf, padding with the placeholder `X` to six characters (`T66` -> `T66.XXXA`).
"""

import importlib.util
import re
from datetime import date
from pathlib import Path

from lxml import etree

from codes_db.importers.sources import Source, SourceError, read_source
from codes_db.records import ParsedCode, ParsedNote, ParsedRelease

SYSTEM_ID = "icd10cm"
SYSTEM_NAME = "ICD-10-CM"

#: XML element -> note kind in the store.
NOTE_ELEMENTS = {
    "includes": "includes",
    "inclusionTerm": "inclusion_term",
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "codeFirst": "code_first",
    "useAdditionalCode": "use_additional_code",
    "codeAlso": "code_also",
    "notes": "note",
    "sevenChrNote": "seventh_character_note",
}

SevenChrDef = list[tuple[str, str]]

# The one exception the tabular states in words (S06): "7th characters D and S do not apply to codes
# in category S06 with 6th character 7 - death due to ..., or 8 - death due to ...".
_SEVENTH_EXCEPTION = re.compile(
    r"7th characters? ((?:[A-Z](?:, | and | or )?)+) do(?:es)? not apply to codes in category "
    r"([A-Z][0-9][0-9A-Z]) with 6th characters? (\d)(?:[^,]*, or (\d))?"
)


def embedded_tabular() -> Path:
    """The April 2026 tabular XML that the `simple-icd-10-cm` package ships.

    Found without importing the package: its import parses the whole XML into its own tree.
    """
    spec = importlib.util.find_spec("simple_icd_10_cm")
    for location in (spec.submodule_search_locations or []) if spec else []:
        for path in sorted((Path(location) / "data").glob("icd10c*.xml")):
            return path
    raise SourceError("the simple-icd-10-cm package (and its tabular XML) is not installed")


def _safe_parser() -> etree.XMLParser:
    # No entity expansion, no DTD or network access: a hostile file cannot blow up or phone home.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )


def _text(element: etree._Element | None) -> str:
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def _notes(element: etree._Element) -> list[ParsedNote]:
    notes = []
    for child in element:
        kind = NOTE_ELEMENTS.get(child.tag)
        if kind is None:
            continue
        notes.extend(ParsedNote(kind, _text(n)) for n in child.iter("note") if _text(n))
    seven = element.find("sevenChrDef")
    if seven is not None:
        notes.extend(
            ParsedNote("seventh_character", _text(ext), ext.get("char")) for ext in seven.iter("extension")
        )
    return notes


def _seven_chr_def(element: etree._Element) -> SevenChrDef | None:
    seven = element.find("sevenChrDef")
    if seven is None:
        return None
    return [(ext.get("char", ""), _text(ext)) for ext in seven.iter("extension")]


def _seventh_exceptions(element: etree._Element) -> dict[str, set[str]]:
    """6th character -> 7th characters that do not apply, from the category's own notes."""
    excluded: dict[str, set[str]] = {}
    for note in element.iterfind("notes/note"):
        match = _SEVENTH_EXCEPTION.search(_text(note))
        if match:
            characters = set(re.findall(r"[A-Z]", match.group(1)))
            for sixth in filter(None, match.group(3, 4)):
                excluded.setdefault(sixth, set()).update(characters)
    return excluded


def with_seventh(code: str, character: str) -> str:
    """`S72.001` + `A` -> `S72.001A`; `T66` + `A` -> `T66.XXXA` (placeholder X up to 6 chars)."""
    bare = code.replace(".", "").ljust(6, "X") + character
    return f"{bare[:3]}.{bare[3:]}"


def _group_title(element: etree._Element) -> str:
    """A chapter or block title without its trailing code range: `Neoplasms (C00-D49)` -> `Neoplasms`."""
    return re.sub(r"\s*\([A-Z0-9.\-]+\)$", "", _text(element.find("desc")))


def _diag_kind(code: str, has_children: bool) -> str:
    if "." not in code:
        return "category"
    return "subcategory" if has_children else "code"


def _walk_diag(
    diag: etree._Element,
    parent: str,
    inherited_seven: SevenChrDef | None,
    inherited_exceptions: dict[str, set[str]],
    out: list[ParsedCode],
) -> None:
    code = _text(diag.find("name"))
    title = _text(diag.find("desc"))
    children = diag.findall("diag")
    seven = _seven_chr_def(diag) or inherited_seven
    exceptions = _seventh_exceptions(diag) or inherited_exceptions
    extended = not children and seven is not None
    kind = _diag_kind(code, bool(children) or extended)
    out.append(ParsedCode(code, kind, title, parent, not children and not extended, _notes(diag)))
    if extended:
        not_applicable = exceptions.get(code.replace(".", "")[5:6], set())
        for character, meaning in seven:
            if character not in not_applicable:
                full = with_seventh(code, character)
                out.append(
                    ParsedCode(full, "code", f"{title}, {meaning}", code, True, seventh_character=character)
                )
    for child in children:
        _walk_diag(child, code, seven, exceptions, out)


def parse_tabular(source: Source, version: str | None = None) -> ParsedRelease:
    try:
        root = etree.fromstring(source.data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"{source.label} is not well-formed XML: {exc}") from exc
    if root.tag != "ICD10CM.tabular":
        raise SourceError(f"{source.label} is not an ICD-10-CM tabular file (root <{root.tag}>)")
    fiscal_year = _text(root.find("version"))
    month = source.release_month
    if version is None:
        version = month.strftime("%Y-%m") if month else f"FY{fiscal_year}"
    if month:
        effective = month
    elif fiscal_year.isdigit():
        effective = date(int(fiscal_year) - 1, 10, 1)  # fiscal year N starts 1 October N-1
    else:
        raise SourceError(f"{source.label}: no <version> year and no release month in the name")

    codes: list[ParsedCode] = []
    for chapter in root.iter("chapter"):
        chapter_code = _text(chapter.find("name"))
        codes.append(ParsedCode(chapter_code, "chapter", _group_title(chapter), None, False, _notes(chapter)))
        for section in chapter.iter("section"):
            block = section.get("id", "")
            codes.append(
                ParsedCode(block, "block", _group_title(section), chapter_code, False, _notes(section))
            )
            for diag in section.findall("diag"):
                _walk_diag(diag, block, None, {}, codes)
    if not codes:
        raise SourceError(f"{source.label} holds no chapters")
    return ParsedRelease(
        system_id=SYSTEM_ID,
        system_name=SYSTEM_NAME,
        version=version,
        effective_date=effective,
        source=source.label,
        checksum=source.checksum,
        codes=codes,
    )


def parse(path_or_url: str | Path, version: str | None = None) -> ParsedRelease:
    return parse_tabular(read_source(path_or_url), version)
