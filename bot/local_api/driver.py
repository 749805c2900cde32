"""One user in one chat on the local Bot API server: act, then collect what the bot did in reply.

Console mode and the end-to-end tests both drive the bot through this.
"""

from dataclasses import dataclass

from bot.local_api.server import BotCall, LocalBotApi

#: Methods whose calls are the bot's visible answer to a user.
REPLY_METHODS = {"sendMessage", "editMessageText", "answerCallbackQuery"}


@dataclass
class ChatDriver:
    api: LocalBotApi
    user: dict
    chat: dict
    quiet: float = 0.15
    timeout: float = 15.0

    async def send(self, text: str) -> list[BotCall]:
        """Type a message; returns the bot's calls until it has been quiet for a moment."""
        before = len(self.api.calls)
        await self.api.send_text(self.user, self.chat, text)
        return await self.api.settle(after=before, quiet=self.quiet, timeout=self.timeout)

    async def send_unanswered(self, text: str) -> None:
        """Type a message the bot is expected to ignore (nothing to wait for)."""
        await self.api.send_text(self.user, self.chat, text)

    async def press(self, message: dict, callback_data: str) -> list[BotCall]:
        """Tap a button; waits for the bot to answer the callback query, then for it to go quiet."""
        before = len(self.api.calls)
        query_id = await self.api.press_button(self.user, message, callback_data)
        await self.api.wait_for(
            lambda call: (
                call.method == "answerCallbackQuery" and str(call.params.get("callback_query_id")) == query_id
            ),
            after=before,
            timeout=self.timeout,
        )
        return await self.api.settle(after=before, quiet=self.quiet, timeout=self.timeout)

    async def inline(self, query: str) -> tuple[str, BotCall]:
        """Type `@bot query`; returns the query id and the bot's answerInlineQuery call."""
        before = len(self.api.calls)
        query_id = await self.api.inline_query(self.user, query)
        call = await self.api.wait_for(
            lambda c: c.method == "answerInlineQuery" and str(c.params.get("inline_query_id")) == query_id,
            after=before,
            timeout=self.timeout,
        )
        return query_id, call

    async def choose(self, query_id: str, result_id: str) -> dict:
        """Pick an inline result: its compact card is posted in this chat."""
        return await self.api.choose_inline_result(self.user, self.chat, query_id, result_id)


def replies(calls: list[BotCall]) -> list[BotCall]:
    return [c for c in calls if c.method in REPLY_METHODS]


def buttons(message: dict) -> list[dict]:
    """The inline buttons of a message the bot sent, row after row."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button for row in rows for button in row]
