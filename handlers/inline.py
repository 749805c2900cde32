"""Inline mode: `@bot e11.6` or `@bot chf` in any chat; a chosen result posts a compact card."""

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.ext import ContextTypes

from bot.services import services
from handlers.cards import clean_query, compact_card, system_name
from handlers.start import CARD_LINK_PREFIX, HELP_PARAMETER

MAX_RESULTS = 50
CACHE_SECONDS = 300


def card_link(username: str, system_id: str, code: str) -> str:
    """A t.me deep link that opens the full card in the private chat (`/start c_icd10cm_E11_65`)."""
    return f"https://t.me/{username}?start={CARD_LINK_PREFIX}{system_id}_{code.replace('.', '_')}"


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = clean_query(update.inline_query.query)
    if not query:
        await update.inline_query.answer(
            [],
            button=InlineQueryResultsButton(
                "Type a code or words, e.g. E11.6 or chf", start_parameter=HELP_PARAMETER
            ),
            cache_time=CACHE_SECONDS,
        )
        return
    store = services(context).store
    results = []
    for hit in store.search(query, limit=MAX_RESULTS):
        card = store.card(hit.system, hit.code)
        if card is None:
            continue
        badge = "Billable" if card.billable else f"Not billable ({card.kind})"
        link = card_link(context.bot.username, card.system_id, card.code)
        results.append(
            InlineQueryResultArticle(
                id=f"{card.system_id}:{card.code}",
                title=f"{card.code} · {card.title}"[:200],
                description=f"{badge} · {system_name(card.system_id)} {card.version}",
                input_message_content=InputTextMessageContent(compact_card(card)),
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Open full card", url=link)]]),
            )
        )
    await update.inline_query.answer(
        results,
        button=InlineQueryResultsButton("Open medcodebot for full cards", start_parameter=HELP_PARAMETER),
        cache_time=CACHE_SECONDS,
        is_personal=False,
    )
