"""Code cards: billable, non-billable, 7th-character and invalid codes; inherited notes."""

import pytest

from codes_db import CodeCard, LookupMiss


@pytest.mark.parametrize("typed", ["E11.65", "e1165", " E11.65 ", "E11.65.", "e11 65"])
def test_billable_code_in_any_spelling(store, typed):
    card = store.lookup(typed)
    assert isinstance(card, CodeCard)
    assert (card.code, card.billable, card.kind) == ("E11.65", True, "code")
    assert card.title == "Type 2 diabetes mellitus with hyperglycemia"
    assert [p.code for p in card.path] == ["4", "E08-E13", "E11", "E11.6"]
    assert card.version == "2026-04"


def test_notes_are_inherited_and_marked(store):
    card = store.lookup("E11.65")
    includes = card.notes_of("includes")
    assert any(n.text == "diabetes NOS" and n.inherited and n.source_code == "E11" for n in includes)
    additional = " ".join(n.text for n in card.notes_of("use_additional_code"))
    assert "insulin (Z79.4)" in additional
    # a note from the chapter travels down too, marked as such
    assert any(n.source_code == "4" and n.inherited for n in card.notes)
    own = store.lookup("E11").notes_of("includes")
    assert own and not any(n.inherited for n in own)


def test_category_is_not_billable_and_lists_billable_children(store):
    card = store.lookup("E11")
    assert not card.billable and card.kind == "category"
    assert card.billable_children_total == 87
    assert card.billable_children[0].code == "E11.00"
    assert all(c.billable for c in card.billable_children)
    assert {c.code for c in card.children} >= {"E11.0", "E11.9"}


def test_seventh_character_code_explains_the_character(store):
    card = store.lookup("S72.001A")
    assert card.billable
    assert card.applied_seventh_character.character == "A"
    assert card.applied_seventh_character.meaning == "initial encounter for closed fracture"
    assert card.seventh_character_source == "S72"
    base = store.lookup("S72.001")
    assert not base.billable
    assert base.applied_seventh_character is None
    assert {s.character for s in base.seventh_characters} >= {"A", "B", "C", "D", "G", "S"}
    assert {c.code for c in base.billable_children} >= {"S72.001A", "S72.001S"}


def test_placeholder_x_codes(store):
    assert store.lookup("T66.XXXA").applied_seventh_character.meaning == "initial encounter"
    assert store.lookup("t36.0x1a").title.startswith("Poisoning by penicillins, accidental")


def test_natural_seven_character_code_is_not_a_seventh_character_variant(store):
    card = store.lookup("C44.1021")
    assert card.billable and card.applied_seventh_character is None


def test_invalid_code_offers_the_closest_valid_codes(store):
    miss = store.lookup("E11.99")
    assert isinstance(miss, LookupMiss)
    assert "not a valid ICD-10-CM code" in miss.message
    assert "E11.9" in [s.code for s in miss.suggestions]
    t66 = store.lookup("T66A")
    assert t66.suggestions[0].code == "T66.XXXA"


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        " ",
        "x" * 10_000,
        "🦷🦷",
        "\x00\x1b[31m",
        "'; DROP TABLE code; --",
        "E11.65' OR '1'='1",
        "<b>&amp;",
        "E" * 30,
        "1",
        "A00-A09",
    ],
)
def test_hostile_input_never_raises(store, hostile):
    result = store.lookup(hostile)
    assert isinstance(result, CodeCard | LookupMiss)
    if isinstance(result, LookupMiss):
        assert len(result.query) <= 40 and len(result.message) < 120
