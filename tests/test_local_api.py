"""The local Bot API server answers a real Telegram client (PTB's `Bot`) the way Telegram does,
refusing what Telegram would refuse with Telegram's error wording."""

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.error import BadRequest, InvalidToken

from bot.app import api_urls
from bot.local_api import LocalBotApi
from bot.local_api.entities import parse_html, user_entities


def refused(description: str) -> pytest.RaisesExc:
    """The client raises BadRequest with Telegram's description (PTB capitalises its first letter)."""
    return pytest.raises(BadRequest, match=re.compile(re.escape(description), re.IGNORECASE))


@pytest_asyncio.fixture
async def client(local_api: LocalBotApi) -> AsyncIterator[Bot]:
    bot = Bot(local_api.token, **api_urls(local_api.root_url))
    async with bot:
        yield bot


@pytest.fixture
def user_chat(local_api: LocalBotApi) -> tuple[dict, dict]:
    user = local_api.user(9001, "Tester")
    return user, local_api.private_chat(user)


async def test_get_me_and_a_wrong_token(local_api: LocalBotApi, client: Bot) -> None:
    assert client.username == local_api.bot_user["username"]
    wrong = Bot(local_api.token[:-3] + "abc", **api_urls(local_api.root_url))
    with pytest.raises(InvalidToken):
        await wrong.get_me()


async def test_message_limits_and_html_errors(client: Bot, user_chat: tuple[dict, dict]) -> None:
    _user, chat = user_chat
    sent = await client.send_message(chat["id"], "<b>E11.65</b> &lt;ok&gt; &amp; fine", parse_mode="HTML")
    assert sent.text == "E11.65 <ok> & fine" and sent.entities[0].type == "bold"
    assert len((await client.send_message(chat["id"], "x" * 4096)).text) == 4096
    with refused("message is too long"):
        await client.send_message(chat["id"], "x" * 4097)
    with refused('can\'t parse entities: Unsupported start tag "b&" at byte offset 6'):
        await client.send_message(chat["id"], "hello <b& world", parse_mode="HTML")
    with refused('Can\'t find end tag corresponding to start tag "i"'):
        await client.send_message(chat["id"], "<i>open", parse_mode="HTML")
    with refused("message text is empty"):
        await client.send_message(chat["id"], "<b> </b>", parse_mode="HTML")
    with refused("chat not found"):
        await client.send_message(123, "hi")


async def test_callback_data_over_64_bytes_is_refused(client: Bot, user_chat: tuple[dict, dict]) -> None:
    _user, chat = user_chat
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="é" * 32)]])  # 64 bytes
    await client.send_message(chat["id"], "fits", reply_markup=ok)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("no", callback_data="é" * 32 + "x")]])
    with refused("BUTTON_DATA_INVALID"):
        await client.send_message(chat["id"], "does not fit", reply_markup=too_long)


async def test_edit_not_modified_and_unknown_message(client: Bot, user_chat: tuple[dict, dict]) -> None:
    _user, chat = user_chat
    sent = await client.send_message(chat["id"], "one")
    edited = await client.edit_message_text("two", chat["id"], sent.message_id)
    assert edited.text == "two" and edited.edit_date is not None
    with refused("message is not modified"):
        await client.edit_message_text("two", chat["id"], sent.message_id)
    with refused("message to edit not found"):
        await client.edit_message_text("three", chat["id"], 99_999)


async def test_inline_answers_are_limited_to_50_unique_results(
    local_api: LocalBotApi, client: Bot, user_chat: tuple[dict, dict]
) -> None:
    user, _chat = user_chat

    def article(n: int, result_id: str | None = None) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(result_id or str(n), f"r{n}", InputTextMessageContent(f"r{n}"))

    query_id = await local_api.inline_query(user, "x")
    with refused("RESULTS_TOO_MUCH"):
        await client.answer_inline_query(query_id, [article(n) for n in range(51)])
    with refused("RESULT_ID_DUPLICATE"):
        await client.answer_inline_query(query_id, [article(1, "same"), article(2, "same")])
    assert await client.answer_inline_query(query_id, [article(n) for n in range(50)])
    with refused("query is too old"):
        await client.answer_inline_query(query_id, [])


async def test_callback_queries_are_answered_once(
    local_api: LocalBotApi, client: Bot, user_chat: tuple[dict, dict]
) -> None:
    user, chat = user_chat
    sent = await client.send_message(
        chat["id"],
        "tap",
        reply_markup=InlineKeyboardMarkup.from_button(InlineKeyboardButton("tap", callback_data="noop")),
    )
    query_id = await local_api.press_button(user, sent.to_dict(), "noop")
    assert await client.answer_callback_query(query_id, "done")
    with refused("query is too old"):
        await client.answer_callback_query(query_id)


async def test_updates_are_served_in_order_and_acknowledged(
    local_api: LocalBotApi, client: Bot, user_chat: tuple[dict, dict]
) -> None:
    user, chat = user_chat
    await client.delete_webhook(drop_pending_updates=True)
    await local_api.send_text(user, chat, "/code E11.65")
    await local_api.send_text(user, chat, "second")
    updates = await client.get_updates(timeout=0)
    assert [u.message.text for u in updates] == ["/code E11.65", "second"]
    assert updates[0].message.entities[0].type == "bot_command"
    assert await client.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()


def test_html_parser_offsets_are_utf16_and_entities_decode() -> None:
    text, entities = parse_html('😀 <i>a &#x41;</i> <a href="https://x.org/?a=1&amp;b=2">l</a>')
    assert text == "😀 a A l"
    assert entities == [
        {"type": "italic", "offset": 3, "length": 3},
        {"type": "text_link", "offset": 7, "length": 1, "url": "https://x.org/?a=1&b=2"},
    ]
    assert user_entities("/code@medbot E11 @medbot") == [
        {"type": "bot_command", "offset": 0, "length": 12},
        {"type": "mention", "offset": 17, "length": 7},
    ]
