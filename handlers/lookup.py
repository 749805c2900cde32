"""Lookups in chat: /code, /search, plain text, group mentions, and the buttons under cards and results."""

import logging

from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.services import services
from codes_db import CodeCard, CodeRef
from codes_db.codes import normalize_icd10cm
from handlers import callback_data
from handlers.cards import (
    CODES_PER_PAGE,
    LINK_ORDER,
    Screen,
    card_screen,
    clean_query,
    kids_screen,
    miss_screen,
    note_texts_on,
    notes_screen,
    query_of,
    search_screen,
)

log = logging.getLogger(__name__)

MAX_SEARCH_PAGES = 5
GREETING_REPLY = (
    "Hello! Send me a code such as <code>E11.65</code>, or words such as <i>htn</i>. /help tells more."
)
#: Messages that are a greeting, not a search for "HELLP syndrome".
GREETINGS = frozenset({"hi", "hello", "hey", "hallo", "thanks", "thank you", "good morning", "start"})
OUT_OF_DATE = "This button is out of date. Send the code or search again."
NOT_OURS = "That button is not valid."


# -- what to answer ---------------------------------------------------------------------------


def note_links(card: CodeCard, texts: list[str], context: ContextTypes.DEFAULT_TYPE) -> list[CodeRef]:
    """The other valid codes these note texts name: the card's ↗ buttons."""
    refs = services(context).store.codes_named_in(card.system_id, texts)
    return [ref for ref in refs if ref.code != card.code]


def code_screen(card: CodeCard, context: ContextTypes.DEFAULT_TYPE) -> Screen:
    ordered = sorted(
        card.notes, key=lambda n: LINK_ORDER.index(n.kind) if n.kind in LINK_ORDER else len(LINK_ORDER)
    )
    return card_screen(card, note_links(card, [n.text for n in ordered], context))


def lookup_screen(text: str, context: ContextTypes.DEFAULT_TYPE) -> Screen:
    result = services(context).store.lookup(text)
    return code_screen(result, context) if isinstance(result, CodeCard) else miss_screen(result)


def search_results(query: str, page: int, context: ContextTypes.DEFAULT_TYPE) -> Screen:
    wanted = (page + 1) * CODES_PER_PAGE
    hits = services(context).store.search(query, limit=wanted + 1)
    has_more = len(hits) > wanted and page + 1 < MAX_SEARCH_PAGES
    return search_screen(query, hits[page * CODES_PER_PAGE : wanted], page, has_more)


def answer_text(text: str, context: ContextTypes.DEFAULT_TYPE) -> Screen:
    """A code-shaped message gets the code's card (or the closest codes); anything else a search."""
    query = clean_query(text)
    if query.lower().strip("!.?") in GREETINGS:
        return Screen(GREETING_REPLY)
    if normalize_icd10cm(query) is not None:
        return lookup_screen(query, context)
    return search_results(query, 0, context)


async def reply(update: Update, screen: Screen) -> None:
    message = update.effective_message
    in_group = update.effective_chat is not None and update.effective_chat.type != "private"
    await message.reply_text(screen.text, reply_markup=screen.keyboard, do_quote=in_group)


# -- commands and messages --------------------------------------------------------------------


async def code_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text = " ".join(context.args or [])
    if not text.strip():
        await update.effective_message.reply_text(
            "Send a code after the command, for example <code>/code E11.65</code>."
        )
        return
    await reply(update, lookup_screen(clean_query(text), context))


async def search_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = clean_query(" ".join(context.args or []))
    if not query:
        await update.effective_message.reply_text(
            "Send words after the command, for example <code>/search type 2 diabetes</code>."
        )
        return
    await reply(update, search_results(query, 0, context))


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Plain text in a private chat."""
    await reply(update, answer_text(update.effective_message.text, context))


async def group_mention(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`@bot E11.65` in a group; other mentions in the same message are left alone."""
    message = update.effective_message
    own = f"@{context.bot.username}".lower()
    mentions = message.parse_entities([MessageEntity.MENTION])
    if not any(text.lower() == own for text in mentions.values()):
        return
    rest = message.text
    for text in mentions.values():
        if text.lower() == own:
            rest = rest.replace(text, " ")
    if not rest.strip():
        await message.reply_text(
            "Mention me with a code or words, for example "
            f"<code>@{context.bot.username} E11.65</code> or <code>/search htn</code>.",
            do_quote=True,
        )
        return
    await reply(update, answer_text(rest, context))


# -- buttons ----------------------------------------------------------------------------------


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every press is answered: with the new screen, or with a short notice why not. The screen is
    made before the answer, so a failure still leaves the query for the error handler to answer."""
    query = update.callback_query
    action = callback_data.parse(query.data)
    message = query.message if isinstance(query.message, Message) else None
    store = services(context).store
    match action:
        case callback_data.Noop():
            await query.answer()
        case callback_data.OpenCode(system_id, code):
            card = store.card(system_id, code)
            if card is None or message is None:
                await query.answer(OUT_OF_DATE)
                return
            screen = code_screen(card, context)
            await query.answer()
            await message.reply_text(screen.text, reply_markup=screen.keyboard, do_quote=False)
        case callback_data.CodeView(view, system_id, code, page):
            card = store.card(system_id, code)
            screen = _view_screen(view, card, page, context) if card else None
            if screen is None or message is None:
                await query.answer(OUT_OF_DATE)
                return
            await query.answer()
            await _edit(query, screen)
        case callback_data.SearchPage(page, checksum):
            text = query_of(message.text if message else None)
            if text is None or callback_data.query_checksum(text) != checksum or page >= MAX_SEARCH_PAGES:
                await query.answer(OUT_OF_DATE)
                return
            screen = search_results(text, page, context)
            await query.answer()
            await _edit(query, screen)
        case _:
            log.info("rejected callback data %r", (query.data or "")[:80])
            await query.answer(NOT_OURS)


def _view_screen(view: str, card: CodeCard, page: int, context: ContextTypes.DEFAULT_TYPE) -> Screen | None:
    if view == "card":
        return code_screen(card, context) if page == 0 else None
    if view == "kids":
        return kids_screen(card, page)
    return notes_screen(card, page, lambda lines: note_links(card, note_texts_on(lines), context))


async def _edit(query: CallbackQuery, screen: Screen) -> None:
    try:
        await query.edit_message_text(screen.text, reply_markup=screen.keyboard)
    except BadRequest as exc:
        if "not modified" not in exc.message:  # a double tap shows the same screen again
            raise
