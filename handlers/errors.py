"""The one error handler: log the traceback, tell the user in plain words, answer a pending button."""

import logging

from telegram import Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side. Please try again in a moment."


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(SORRY)
                return
            except BadRequest:  # already answered: say it in the chat instead
                pass
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, SORRY)
    except TelegramError:
        log.warning("could not tell the user about the error either", exc_info=True)
