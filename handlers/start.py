"""/start (with deep links from inline results), /help, and unknown commands in private chats."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.services import services
from handlers import callback_data
from handlers.lookup import code_screen, lookup_screen, reply

#: `/start c_icd10cm_E11_65`: the deep link an inline result's "Open full card" button carries.
CARD_LINK_PREFIX = "c_"
HELP_PARAMETER = "inline_help"

WELCOME = (
    "👋 <b>medcodebot</b> looks up ICD-10-CM codes with the notes a coder needs.\n\n"
    "• Send a code: <code>E11.65</code>, <code>s72001a</code>\n"
    "• Or words: <i>htn</i>, <i>type 2 diabetes with high sugar</i>\n"
    "• In any chat, type <code>@{username} chf</code>\n\n"
    "/help tells more."
)

HELP = (
    "<b>How to use medcodebot</b>\n\n"
    "<b>Look up a code</b>: send it as it is (<code>E11.65</code>, <code>e1165</code>) or "
    "<code>/code E11.65</code>. The card shows the title, whether it is billable, where it sits "
    "(chapter › block › category), and every note that applies: Includes, Excludes1 (never coded "
    "together), Excludes2 (may be coded together), Code first, Use additional code, Code also, and "
    "the 7th characters. Notes marked <i>(from E11)</i> come from a code above it.\n\n"
    "<b>Buttons</b>: ⬆ opens the code above, ⬇ lists the codes under it, ↗ opens a code a note "
    "names, 📝 shows the notes of a long card.\n\n"
    "<b>Search in words</b>: send words, or <code>/search type 2 diabetes</code>. Shorthand and "
    "lay words work: <i>htn</i>, <i>chf</i>, <i>heart attack</i>.\n\n"
    "<b>Inline</b>: in any chat type <code>@{username} chf</code> and pick a code to post a short card.\n\n"
    "<b>Groups</b>: add me to a group; I answer <code>/code</code>, <code>/search</code> and messages "
    "that mention me, and stay quiet otherwise.\n\n"
    "Codes: ICD-10-CM {version}. A code card is a reference, not coding advice: check the "
    "official guidelines for your case."
)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    payload = context.args[0] if context.args else ""
    if payload.startswith(CARD_LINK_PREFIX):
        system_id, _, code = payload.removeprefix(CARD_LINK_PREFIX).partition("_")
        card = services(context).store.card(system_id, code.replace("_", "."))
        await reply(update, code_screen(card, context) if card else lookup_screen(code, context))
        return
    if payload == HELP_PARAMETER:
        await help_command(update, context)
        return
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    "Look up E11.65", callback_data=callback_data.open_code("icd10cm", "E11.65")
                ),
                InlineKeyboardButton("Browse S72", callback_data=callback_data.open_code("icd10cm", "S72")),
            ],
            [InlineKeyboardButton("Try inline: chf", switch_inline_query_current_chat="chf")],
        ]
    )
    await update.effective_message.reply_text(
        WELCOME.format(username=context.bot.username), reply_markup=keyboard
    )


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    releases = services(context).store.index.releases
    version = releases["icd10cm"].version if "icd10cm" in releases else "(not loaded)"
    await update.effective_message.reply_text(HELP.format(username=context.bot.username, version=version))


async def unknown_command(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text("I don't know that command. /help lists what I can do.")
