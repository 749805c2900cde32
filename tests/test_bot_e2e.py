"""End to end: the real bot Application polls the local Bot API server over HTTP; a test user types,
taps buttons and runs inline queries, and the tests read what the bot sent back."""

import itertools

import pytest

from bot.local_api import BotCall, LocalBotApi
from bot.local_api.driver import ChatDriver, buttons, replies
from bot.local_api.entities import MAX_TEXT
from codes_db import CodeStore
from handlers.errors import SORRY
from handlers.lookup import NOT_OURS, OUT_OF_DATE

_user_ids = itertools.count(5001)


@pytest.fixture
def chat(bot_app: LocalBotApi) -> ChatDriver:
    """A new user in a private chat with the bot."""
    user = bot_app.user(next(_user_ids), "Coder")
    return ChatDriver(bot_app, user, bot_app.private_chat(user))


def only_message(calls: list[BotCall], method: str = "sendMessage") -> dict:
    assert all(c.ok for c in calls), [c.error for c in calls if not c.ok]
    sent = [c for c in calls if c.method == method]
    assert len(sent) == 1, [c.method for c in calls]
    return sent[0].result


def button(message: dict, text: str) -> dict:
    matches = [b for b in buttons(message) if b["text"] == text]
    assert matches, f"no button {text!r} in {[b['text'] for b in buttons(message)]}"
    return matches[0]


def notice(calls: list[BotCall]) -> str:
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 1
    return answers[0].params.get("text", "")


async def test_command_menu_is_set_at_start_up(bot_app: LocalBotApi) -> None:
    commands = {c["command"] for c in bot_app.commands[next(iter(bot_app.commands))]}
    assert {"code", "search", "help", "start"} <= commands


async def test_billable_code_card_with_notes_and_a_note_link(chat: ChatDriver) -> None:
    card = only_message(await chat.send("e1165"))
    text = card["text"]
    assert text.startswith("E11.65  Type 2 diabetes mellitus with hyperglycemia")
    assert "✅ Billable · ICD-10-CM 2026-04" in text
    assert "Ch. 4 › E08-E13 › E11 › E11.6" in text
    assert "Excludes1 (never together)\n• transitory endocrine" in text
    assert "• insulin (Z79.4) (from E11)" in text
    assert {"type": "bold", "offset": 0, "length": 6} in card["entities"]
    assert button(card, "⬆ E11.6")

    calls = await chat.press(card, button(card, "↗ Z79.4")["callback_data"])
    assert notice(calls) == ""
    linked = only_message(calls)
    assert linked["text"].startswith("Z79.4  Long term (current) use of insulin")
    assert linked["message_id"] != card["message_id"]  # a new message: the first card stays readable


async def test_category_pages_its_children_and_opens_one(chat: ChatDriver) -> None:
    card = only_message(await chat.send("/code E11"))
    assert "⚠️ Not billable (category): 87 billable codes below" in card["text"]
    first = only_message(
        await chat.press(card, button(card, "⬇ Codes under it (10)")["callback_data"]), "editMessageText"
    )
    assert first["message_id"] == card["message_id"]
    assert "Codes under E11" in first["text"] and "page 1/2" in first["text"]
    assert "E11.0 Type 2 diabetes mellitus with hyperosmolarity" in first["text"]
    assert [b["text"] for b in buttons(first)][:8] == [
        "E11.0", "E11.1", "E11.2", "E11.3", "E11.4", "E11.5", "E11.6", "E11.8"
    ]  # fmt: skip
    second = only_message(await chat.press(first, button(first, "▶")["callback_data"]), "editMessageText")
    assert (
        "page 2/2" in second["text"]
        and "E11.9 Type 2 diabetes mellitus without complications ✅" in second["text"]
    )
    assert "▶" not in [b["text"] for b in buttons(second)]
    child = only_message(await chat.press(second, button(second, "E11.9")["callback_data"]))
    assert child["text"].startswith("E11.9  Type 2 diabetes mellitus without complications")
    back = only_message(
        await chat.press(second, button(second, "↩ Back to E11")["callback_data"]), "editMessageText"
    )
    assert back["text"].startswith("E11  Type 2 diabetes mellitus")


async def test_seventh_character_code_and_its_table(chat: ChatDriver) -> None:
    full = only_message(await chat.send("S72.001A"))
    assert "7th character A: initial encounter for closed fracture" in full["text"]
    base = only_message(await chat.send("s72.001"))
    assert "7th characters (from S72)" in base["text"]
    assert "D subsequent encounter for closed fracture with routine healing" in base["text"]
    kids = only_message(
        await chat.press(base, button(base, "⬇ Codes under it (16)")["callback_data"]), "editMessageText"
    )
    assert "page 1/2" in kids["text"]
    assert [b["text"] for b in buttons(kids)][:8] == [f"S72.001{c}" for c in "ABCDEFGH"]


async def test_invalid_code_offers_the_closest_valid_ones(chat: ChatDriver) -> None:
    miss = only_message(await chat.send("E11.99"))
    assert miss["text"].startswith("❌ E11.99 is not a valid ICD-10-CM code.")
    assert "E11.9" in [b["text"] for b in buttons(miss)]


async def test_search_with_paging(chat: ChatDriver) -> None:
    first = only_message(await chat.send("htn"))
    assert first["text"].startswith("🔎 htn\n1. I10 Essential (primary) hypertension")
    assert buttons(first)[0]["text"] == "I10"
    second = only_message(
        await chat.press(first, button(first, "More ▶")["callback_data"]), "editMessageText"
    )
    assert second["text"].startswith("🔎 htn\n9. ")
    assert "I10 Essential" not in second["text"]
    again = only_message(
        await chat.press(second, button(second, "◀ Back")["callback_data"]), "editMessageText"
    )
    assert again["text"] == first["text"]


async def test_a_card_too_long_for_one_message_folds_its_notes(chat: ChatDriver) -> None:
    card = only_message(await chat.send("T81"))
    assert "📝 Notes:" in card["text"] and len(card["text"]) <= MAX_TEXT
    notes_button = next(b for b in buttons(card) if b["text"].startswith("📝 Notes"))
    notes = only_message(await chat.press(card, notes_button["callback_data"]), "editMessageText")
    assert notes["text"].startswith("📝 Notes for T81")
    assert "Excludes1" in notes["text"] or "Excludes2" in notes["text"]


async def test_inline_query_returns_codes_and_posts_a_compact_card(chat: ChatDriver) -> None:
    query_id, call = await chat.inline("e11.6")
    assert call.ok, call.error
    results = call.params["results"]
    assert 1 < len(results) <= 50
    assert results[0]["id"] == "icd10cm:E11.6"
    assert results[1]["title"].startswith("E11.61")
    chosen = await chat.choose(query_id, "icd10cm:E11.65")
    assert chosen["text"].startswith("E11.65  Type 2 diabetes mellitus with hyperglycemia\n✅ Billable")
    assert "start=c_icd10cm_E11_65" in buttons(chosen)[0]["url"]

    _query_id, empty = await chat.inline("")
    assert empty.ok and empty.params["results"] == []
    assert empty.params["button"]["start_parameter"] == "inline_help"

    _query_id, shorthand = await chat.inline("chf")
    assert shorthand.params["results"][0]["id"] == "icd10cm:I50.9"


async def test_deep_link_from_an_inline_result_opens_the_full_card(chat: ChatDriver) -> None:
    card = only_message(await chat.send("/start c_icd10cm_E11_65"))
    assert card["text"].startswith("E11.65  Type 2 diabetes mellitus with hyperglycemia")
    welcome = only_message(await chat.send("/start"))
    assert "medcodebot" in welcome["text"] and buttons(welcome)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("card:icd10cm:E11.65:7", OUT_OF_DATE),  # no page 7
        ("open:icd10cm:E99.99", OUT_OF_DATE),  # no such code
        ("kids:xx:E11:0", OUT_OF_DATE),  # no such code system
        ("find:1:00000000", OUT_OF_DATE),  # checksum of another query
        ("card:icd10cm:E11.65:0;DROP TABLE", NOT_OURS),
        ("<b>", NOT_OURS),
        ("x" * 64, NOT_OURS),
    ],
)
async def test_forged_callbacks_get_a_short_notice_and_change_nothing(
    chat: ChatDriver, data: str, expected: str
) -> None:
    card = only_message(await chat.send("htn"))
    calls = await chat.press(card, data)
    assert notice(calls) == expected
    assert [c.method for c in replies(calls)] == ["answerCallbackQuery"]


async def test_five_thousand_characters_get_a_valid_answer(chat: ChatDriver) -> None:
    answer = only_message(await chat.send("diabetes " * 555))
    assert answer["text"].startswith("🔎 diabetes diabetes")
    assert len(answer["text"]) <= MAX_TEXT


async def test_html_looking_input_is_shown_as_typed(chat: ChatDriver) -> None:
    answer = only_message(await chat.send("<b>& fracture"))
    assert answer["text"].startswith("🔎 <b>& fracture\n1. ")
    miss = only_message(await chat.send("/code <i>"))
    assert "“<i>” is not a valid ICD-10-CM code" in miss["text"]


async def test_greeting_gets_help_not_a_search(chat: ChatDriver) -> None:
    answer = only_message(await chat.send("Hello!"))
    assert answer["text"].startswith("Hello! Send me a code")


async def test_group_answers_mentions_and_commands_only(bot_app: LocalBotApi) -> None:
    user = bot_app.user(next(_user_ids), "Lead")
    group = ChatDriver(bot_app, user, bot_app.group_chat(-1001234567890, "Coding study group"))
    before = len(bot_app.calls)
    await group.send_unanswered("E11.65 anyone? also htn")  # chatter: no answer
    username = bot_app.bot_user["username"]
    mention = only_message(await group.send(f"@{username} E11.65"))
    assert mention["text"].startswith("E11.65  Type 2 diabetes mellitus with hyperglycemia")
    assert [c.method for c in replies(bot_app.calls[before:])] == ["sendMessage"]  # the chatter got nothing
    command = only_message(await group.send(f"/search@{username} htn"))
    assert command["text"].startswith("🔎 htn")
    other_bot = len(bot_app.calls)
    await group.send_unanswered("/code@some_other_bot E11.65")
    await group.send_unanswered("@someone_else E11.65")
    code = only_message(await group.send("/code S72.001A"))
    assert code["text"].startswith("S72.001A")
    assert len(replies(bot_app.calls[other_bot:])) == 1


async def test_unknown_command_and_empty_arguments_explain_themselves(chat: ChatDriver) -> None:
    assert "/help" in only_message(await chat.send("/frobnicate"))["text"]
    assert "/code E11.65" in only_message(await chat.send("/code"))["text"]
    assert "/search type 2 diabetes" in only_message(await chat.send("/search   "))["text"]
    help_text = only_message(await chat.send("/help"))["text"]
    assert "Excludes1" in help_text and "ICD-10-CM 2026-04" in help_text


async def test_an_internal_error_gets_a_plain_apology_and_a_logged_traceback(
    chat: ChatDriver, store: CodeStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    results = only_message(await chat.send("fracture of femur"))

    def broken_search(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("search index unavailable")

    monkeypatch.setattr(store, "search", broken_search)
    assert only_message(await chat.send("htn"))["text"] == SORRY
    assert notice(await chat.press(results, button(results, "More ▶")["callback_data"])) == SORRY
    assert "RuntimeError: search index unavailable" in caplog.text
