"""How a code card, its notes, the codes under it and search results look in Telegram (HTML).

Every dynamic string goes through `escape`; every screen stays under Telegram's 4096 characters:
a card that does not fit folds its notes behind a "Notes" button, and notes and lists are paged.
"""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from codes_db import CodeCard, CodeRef, LookupMiss, SearchHit
from codes_db.lookup import NOTE_LABELS, CardNote
from handlers import callback_data

#: Characters of visible text per message; Telegram allows 4096.
PAGE_CHARS = 3800
NOTE_CHARS = 1200
TITLE_CHARS = 300
QUERY_CHARS = 200
#: The "why it matched" line under a search hit, kept short for a phone screen.
MATCHED_CHARS = 100
CODES_PER_PAGE = 8
BUTTONS_PER_ROW = 4
MAX_LINKS = 12
SYSTEM_NAMES = {"icd10cm": "ICD-10-CM", "hcpcs": "HCPCS"}
#: Notes whose codes a coder most often needs next come first among the link buttons.
LINK_ORDER = ("code_first", "use_additional_code", "code_also", "excludes1", "excludes2")
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Screen:
    text: str
    keyboard: InlineKeyboardMarkup | None = None


def escape(text: str, limit: int | None = None) -> str:
    """HTML-escaped, first cut to `limit` visible characters (never inside an entity)."""
    text = str(text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return html.escape(text, quote=False)


def visible_length(markup: str) -> int:
    return len(html.unescape(_TAG.sub("", markup)))


def system_name(system_id: str) -> str:
    return SYSTEM_NAMES.get(system_id, system_id.upper())


def short_label(note_kind: str) -> str:
    """`Excludes1` for "Excludes1 (never together)": the label without its explanation."""
    return NOTE_LABELS[note_kind].split(" (")[0]


def code_label(code: str, kind: str) -> str:
    return f"Ch. {code}" if kind == "chapter" and code.isdigit() else code


# -- a code card ------------------------------------------------------------------------------


def header_lines(card: CodeCard) -> list[str]:
    lines = [f"<b>{escape(code_label(card.code, card.kind))}</b>  {escape(card.title, TITLE_CHARS)}"]
    release = f"{system_name(card.system_id)} {escape(card.version)}"
    if card.billable:
        lines.append(f"✅ <b>Billable</b> · {release}")
    elif card.billable_children_total:
        lines.append(
            f"⚠️ <b>Not billable</b> ({card.kind}): {card.billable_children_total} billable codes "
            f"below · {release}"
        )
    else:
        lines.append(f"⚠️ <b>Not billable</b> ({card.kind}) · {release}")
    if card.path:
        lines.append("📂 " + " › ".join(escape(code_label(p.code, p.kind)) for p in card.path))
    if card.applied_seventh_character:
        seventh = card.applied_seventh_character
        lines.append(f"7th character <b>{escape(seventh.character)}</b>: {escape(seventh.meaning)}")
    return lines


def note_blocks(notes: list[CardNote]) -> list[list[str]]:
    """One block per kind of note: its label, then one line per note (inherited ones marked)."""
    blocks = []
    for kind, label in NOTE_LABELS.items():
        of_kind = [n for n in notes if n.kind == kind]
        if of_kind:
            lines = [f"<b>{escape(label)}</b>"]
            lines.extend(
                f"• {escape(n.text, NOTE_CHARS)}"
                + (f" <i>(from {escape(n.source_code)})</i>" if n.inherited else "")
                for n in of_kind
            )
            blocks.append(lines)
    return blocks


def seventh_block(card: CodeCard) -> list[str]:
    if not card.seventh_characters or card.applied_seventh_character:
        return []
    lines = [f"<b>7th characters</b> <i>(from {escape(card.seventh_character_source or '')})</i>"]
    if card.seventh_character_note:
        lines.append(f"<i>{escape(card.seventh_character_note, NOTE_CHARS)}</i>")
    lines.extend(f"<code>{escape(s.character)}</code> {escape(s.meaning)}" for s in card.seventh_characters)
    return lines


def notes_fold(card: CodeCard) -> bool:
    """True when the whole card does not fit one message, so its notes go behind a button."""
    whole = [*header_lines(card), *_joined(note_blocks(card.notes)), *seventh_block(card)]
    return visible_length("\n".join(whole)) > PAGE_CHARS


def card_screen(card: CodeCard, links: list[CodeRef]) -> Screen:
    """The card itself: header, notes (or a summary of them when folded), 7th characters, buttons."""
    folded = notes_fold(card)
    lines = header_lines(card)
    if folded:
        counts = " · ".join(
            f"{short_label(kind)} {n}" for kind in NOTE_LABELS if (n := len(card.notes_of(kind)))
        )
        lines += ["", f"📝 <b>Notes</b>: {counts}. Tap <b>Notes</b> to read them."]
    else:
        for block in note_blocks(card.notes):
            lines += ["", *block]
    seventh = seventh_block(card)
    if seventh:
        lines += ["", *seventh]
    text = _fit("\n".join(lines))
    rows = [_card_buttons(card, folded)]
    if not folded:
        rows += _link_rows(links)
    return Screen(text, InlineKeyboardMarkup([r for r in rows if r]))


def _notes_pages(card: CodeCard) -> list[list[str]]:
    return paginate([["", *block] for block in note_blocks(card.notes)])


def notes_screen(card: CodeCard, page: int, links_of: Callable[[list[str]], list[CodeRef]]) -> Screen | None:
    """Page `page` of a card's notes, with buttons for the codes named on that page; None past the end."""
    pages = _notes_pages(card) or [["", "No notes."]]
    if page >= len(pages):
        return None
    head = f"📝 <b>Notes for {escape(card.code)}</b>  {escape(card.title, 120)}"
    if len(pages) > 1:
        head += f" · page {page + 1}/{len(pages)}"
    rows = [
        *_link_rows(links_of(pages[page])),
        _pager("note", card, page, len(pages)),
        [_button("↩ Back to card", callback_data.view("card", card.system_id, card.code))],
    ]
    return Screen(_fit("\n".join([head, *pages[page]])), InlineKeyboardMarkup([r for r in rows if r]))


def kids_screen(card: CodeCard, page: int) -> Screen | None:
    """Page `page` of the codes directly under a code: titles in the text, one button per code;
    None past the end."""
    pages = max(1, -(-len(card.children) // CODES_PER_PAGE))
    if page >= pages:
        return None
    shown = card.children[page * CODES_PER_PAGE : (page + 1) * CODES_PER_PAGE]
    head = f"⬇ <b>Codes under {escape(code_label(card.code, card.kind))}</b>  {escape(card.title, 120)}"
    if pages > 1:
        head += f" · page {page + 1}/{pages}"
    lines = [head, ""] + [_ref_line(ref) for ref in shown]
    if not shown:
        lines.append("No codes under this one.")
    rows = [
        *_code_rows(shown),
        _pager("kids", card, page, pages),
        [
            _button(
                f"↩ Back to {code_label(card.code, card.kind)}",
                callback_data.view("card", card.system_id, card.code),
            )
        ],
    ]
    return Screen(_fit("\n".join(lines)), InlineKeyboardMarkup([r for r in rows if r]))


def miss_screen(miss: LookupMiss) -> Screen:
    lines = [f"❌ {escape(miss.message)}"]
    if miss.suggestions:
        lines += ["", "Closest valid codes:"] + [_ref_line(ref) for ref in miss.suggestions]
    else:
        lines.append("Try a search in words instead, for example <i>type 2 diabetes</i>.")
    return Screen(
        "\n".join(lines), InlineKeyboardMarkup(_code_rows(miss.suggestions)) if miss.suggestions else None
    )


def compact_card(card: CodeCard) -> str:
    """A short card for inline mode: what a coder pastes into a conversation."""
    lines = header_lines(card)[:2]
    for kind in ("excludes1", "code_first", "use_additional_code"):
        notes = card.notes_of(kind)
        if notes:
            shown = "; ".join(escape(n.text, 120) for n in notes[:3])
            more = f" (+{len(notes) - 3} more)" if len(notes) > 3 else ""
            lines.append(f"<b>{escape(short_label(kind))}</b>: {shown}{more}")
    return _fit("\n".join(lines))


# -- search results ---------------------------------------------------------------------------


def clean_query(text: str) -> str:
    """The query as the bot shows and pages it: one line, at most QUERY_CHARS characters."""
    return " ".join(str(text).split())[:QUERY_CHARS]


SEARCH_MARK = "🔎 "


def query_of(message_text: str | None) -> str | None:
    """The query a results message was made for, read back from its first line."""
    if not message_text or not message_text.startswith(SEARCH_MARK):
        return None
    return message_text.split("\n", 1)[0].removeprefix(SEARCH_MARK)


def search_screen(query: str, hits: list[SearchHit], page: int, has_more: bool) -> Screen:
    lines = [f"{SEARCH_MARK}{escape(query)}"]
    if not hits:
        lines.append("No matching codes." if page == 0 else "No more results.")
        lines.append("Try other words, or a code such as <code>E11.65</code>.")
        return Screen("\n".join(lines))
    first = page * CODES_PER_PAGE + 1
    for number, hit in enumerate(hits, first):
        badge = "" if hit.billable else " <i>(not billable)</i>"
        lines.append(f"{number}. <b>{escape(hit.code)}</b> {escape(hit.title, TITLE_CHARS)}{badge}")
        if hit.matched:
            lines.append(f"    <i>{escape(hit.matched, MATCHED_CHARS)}</i>")
    lines.append("")
    lines.append("Tap a code for its card.")
    refs = [CodeRef(h.system, h.code, h.title, "code", h.billable) for h in hits]
    nav = []
    if page > 0:
        nav.append(_button("◀ Back", callback_data.search_page(page - 1, query)))
    if has_more:
        nav.append(_button("More ▶", callback_data.search_page(page + 1, query)))
    return Screen(_fit("\n".join(lines)), InlineKeyboardMarkup([r for r in [*_code_rows(refs), nav] if r]))


# -- pieces -----------------------------------------------------------------------------------


def paginate(blocks: list[list[str]], limit: int = PAGE_CHARS - 200) -> list[list[str]]:
    """Lines grouped into pages of at most `limit` visible characters; a block's label stays with
    its first line, and a block longer than a page continues on the next one."""
    pages: list[list[str]] = []
    page: list[str] = []
    size = 0
    for block in blocks:
        units = [block[: min(3, len(block))], *([line] for line in block[3:])]
        for unit in units:
            unit_size = sum(visible_length(line) + 1 for line in unit)
            if page and size + unit_size > limit:
                pages.append(page)
                page, size = [], 0
            page.extend(unit)
            size += unit_size
    if page:
        pages.append(page)
    return pages


def note_texts_on(lines: list[str]) -> list[str]:
    """The plain text of rendered note lines, to find the codes they name."""
    return [html.unescape(_TAG.sub("", line)) for line in lines]


def _joined(blocks: list[list[str]]) -> list[str]:
    return [line for block in blocks for line in ["", *block]]


def _fit(text: str) -> str:
    """Last guard against Telegram's limit: cut at a line boundary (only reached by freak data)."""
    if visible_length(text) <= PAGE_CHARS:
        return text
    kept: list[str] = []
    size = 0
    for line in text.split("\n"):
        size += visible_length(line) + 1
        if size > PAGE_CHARS - 40:
            break
        kept.append(line)
    return "\n".join([*kept, "… (cut to fit one message)"])


def _ref_line(ref: CodeRef) -> str:
    badge = " ✅" if ref.billable else ""
    return f"<b>{escape(code_label(ref.code, ref.kind))}</b> {escape(ref.title, 160)}{badge}"


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def _code_rows(refs: list[CodeRef], prefix: str = "") -> list[list[InlineKeyboardButton]]:
    """One button per code, a few to a row; a tap opens that code's card in a new message."""
    buttons = [
        _button(prefix + code_label(r.code, r.kind), callback_data.open_code(r.system_id, r.code))
        for r in refs
    ]
    return [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]


def _link_rows(links: list[CodeRef]) -> list[list[InlineKeyboardButton]]:
    return _code_rows(links[:MAX_LINKS], prefix="↗ ")


def _card_buttons(card: CodeCard, folded: bool) -> list[InlineKeyboardButton]:
    row = []
    if card.path:
        parent = card.path[-1]
        row.append(
            _button(
                f"⬆ {code_label(parent.code, parent.kind)}",
                callback_data.open_code(card.system_id, parent.code),
            )
        )
    if card.children:
        row.append(
            _button(
                f"⬇ Codes under it ({len(card.children)})",
                callback_data.view("kids", card.system_id, card.code),
            )
        )
    if folded:
        row.append(
            _button(f"📝 Notes ({len(card.notes)})", callback_data.view("note", card.system_id, card.code))
        )
    return row


def _pager(view: str, card: CodeCard, page: int, pages: int) -> list[InlineKeyboardButton]:
    if pages <= 1:
        return []
    row = []
    if page > 0:
        row.append(_button("◀", callback_data.view(view, card.system_id, card.code, page - 1)))
    row.append(_button(f"{page + 1}/{pages}", callback_data.NOOP))
    if page < pages - 1:
        row.append(_button("▶", callback_data.view(view, card.system_id, card.code, page + 1)))
    return row
