"""A Bot API server on loopback: the bot talks to it over HTTP exactly as it talks to Telegram.

`medcode console` and the end-to-end tests use it. The bot side is Telegram's HTTP interface
(`/bot<token>/<method>`, form, multipart or JSON parameters, `{"ok": ..., "result"|"description"}`
answers with Telegram's status codes). The user side is Python: `send_text`, `press_button`,
`inline_query`, `choose_inline_result` put updates in the queue `getUpdates` serves, and every call
the bot makes is recorded as a `BotCall` that `wait_for` can wait on.

Validation follows Telegram where it matters to us: 4096-character texts after entity parsing,
Telegram's HTML parser, 1-64-byte callback data, at most 50 inline results with unique ids, command
names, and "message is not modified". What it does not model is listed in the README.
"""

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.local_api.entities import (
    MAX_CALLBACK_DATA_BYTES,
    EntityParseError,
    formatted_text,
    user_entities,
)

log = logging.getLogger(__name__)

#: Parameters that carry JSON objects (sent as JSON strings in form data).
JSON_PARAMETERS = {
    "reply_markup",
    "results",
    "commands",
    "allowed_updates",
    "scope",
    "button",
    "entities",
    "link_preview_options",
    "reply_parameters",
    "options",
    "explanation_entities",
}
MAX_INLINE_RESULTS = 50
MAX_CALLBACK_ANSWER = 200
MAX_BUTTONS = 100
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_START_PARAMETER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_BUTTON_KINDS = (
    "url",
    "callback_data",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "login_url",
    "web_app",
    "callback_game",
    "pay",
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


class ApiError(Exception):
    """A Bot API error answer: status code and Telegram's description."""

    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass(slots=True)
class BotCall:
    """One Bot API call the bot made, with what the server answered."""

    seq: int
    method: str
    params: dict[str, Any]
    result: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None


@dataclass(slots=True)
class _Query:
    user: dict
    answered: bool = False
    answer: dict | None = None


@dataclass(slots=True)
class _Chat:
    chat: dict
    next_message_id: int = 1
    messages: dict[int, dict] = field(default_factory=dict)


class LocalBotApi:
    """One bot's Telegram, in process. Start it, point a bot at `base_url`, act as users."""

    def __init__(self, *, username: str = "medcode_local_bot", first_name: str = "medcodebot") -> None:
        self.bot_id = 7_000_000_000 + secrets.randbelow(1_000_000)
        self.token = f"{self.bot_id}:{secrets.token_urlsafe(26)}"
        self.bot_user = {"id": self.bot_id, "is_bot": True, "first_name": first_name, "username": username}
        self.calls: list[BotCall] = []
        self.commands: dict[str, list[dict]] = {}
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._chats: dict[int, _Chat] = {}
        self._callback_queries: dict[str, _Query] = {}
        self._inline_queries: dict[str, _Query] = {}
        self._query_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._poll_generation = 0
        self._server: HTTPServer | None = None
        self._port = 0
        self._methods: dict[str, Callable[[dict], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "setMyCommands": self._set_my_commands,
        }

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on loopback (a free port unless given); returns `base_url` for the bot."""
        app = tornado.web.Application(
            [(r"/bot([^/]+)/([A-Za-z]+)", _MethodHandler, {"api": self})],
            log_function=lambda _handler: None,  # request lines carry the token; the calls are in `calls`
        )
        sockets = bind_sockets(port, host)
        self._port = sockets[0].getsockname()[1]
        self._server = HTTPServer(app)
        self._server.add_sockets(sockets)
        return self.base_url

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._poll_generation += 1
            async with self._changed:
                self._changed.notify_all()
            await self._server.close_all_connections()
            self._server = None

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """What `ApplicationBuilder().base_url(...)` takes: the token is appended to it."""
        return f"{self.root_url}/bot"

    # -- the user side --------------------------------------------------------------------

    @staticmethod
    def user(user_id: int, first_name: str, username: str | None = None) -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
        if username:
            user["username"] = username
        return user

    def private_chat(self, user: dict) -> dict:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if "username" in user:
            chat["username"] = user["username"]
        return self._chat(chat)

    def group_chat(self, chat_id: int, title: str) -> dict:
        """A supergroup the bot is a member of (ids of supergroups are -100...)."""
        return self._chat({"id": chat_id, "type": "supergroup", "title": title})

    def _chat(self, chat: dict) -> dict:
        self._chats.setdefault(chat["id"], _Chat(chat))
        return self._chats[chat["id"]].chat

    async def send_text(self, user: dict, chat: dict, text: str, *, via_bot: bool = False) -> dict:
        """The user types `text` in `chat`; returns the message as the bot will see it."""
        message = self._new_message(chat["id"], user, text, user_entities(text) if not via_bot else [])
        if via_bot:
            message["via_bot"] = self.bot_user
        await self._push_update({"message": message})
        return message

    async def press_button(self, user: dict, message: dict, callback_data: str) -> str:
        """The user taps an inline button with `callback_data` under `message`; returns the query id."""
        stored = self._stored(message["chat"]["id"], message["message_id"])
        query_id = str(next(self._query_ids))
        self._callback_queries[query_id] = _Query(user)
        query = {
            "id": query_id,
            "from": user,
            "chat_instance": str(message["chat"]["id"]),
            "data": callback_data,
        }
        if stored is not None:
            query["message"] = stored
        await self._push_update({"callback_query": query})
        return query_id

    async def inline_query(self, user: dict, query: str, chat_type: str = "sender") -> str:
        """The user types `@bot query` in some chat; returns the inline query id."""
        query_id = str(next(self._query_ids))
        self._inline_queries[query_id] = _Query(user)
        update = {"id": query_id, "from": user, "query": query, "offset": "", "chat_type": chat_type}
        await self._push_update({"inline_query": update})
        return query_id

    def inline_answer(self, query_id: str) -> dict | None:
        return self._inline_queries[query_id].answer

    async def choose_inline_result(self, user: dict, chat: dict, query_id: str, result_id: str) -> dict:
        """The user picks a result: its message is posted in `chat` as sent by the user via the bot."""
        answer = self.inline_answer(query_id)
        if answer is None:
            raise ValueError("the bot has not answered this inline query")
        result = next(r for r in answer["results"] if r["id"] == result_id)
        content = result["input_message_content"]
        text, entities = formatted_text(content["message_text"], content.get("parse_mode"))
        message = self._new_message(chat["id"], user, text, entities)
        message["via_bot"] = self.bot_user
        if "reply_markup" in result:
            message["reply_markup"] = result["reply_markup"]
        await self._push_update({"message": message})
        return message

    async def wait_for(
        self, predicate: Callable[[BotCall], bool], *, after: int = 0, timeout: float = 10.0
    ) -> BotCall:
        """The first call with `seq > after` that matches; TimeoutError if none comes in time."""
        async with asyncio.timeout(timeout), self._changed:
            while True:
                for call in self.calls[after:]:
                    if predicate(call):
                        return call
                await self._changed.wait()

    async def settle(self, *, after: int, quiet: float = 0.3, timeout: float = 10.0) -> list[BotCall]:
        """Calls after `after`, once at least one came and then none for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        await self.wait_for(lambda call: call.method not in ("getUpdates",), after=after, timeout=timeout)
        seen = -1
        while len(self.calls) != seen and time.monotonic() < deadline:
            seen = len(self.calls)
            await asyncio.sleep(quiet)
        return [c for c in self.calls[after:] if c.method != "getUpdates"]

    # -- the bot side: methods ------------------------------------------------------------

    async def call(self, token: str, method: str, params: dict) -> Any:
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        handler = self._methods.get(method)
        if handler is None:
            raise ApiError(404, "Not Found")
        record = method != "getUpdates"
        call = BotCall(0, method, params)
        try:
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as exc:
            call.error = exc.description
            if record:
                await self._record(call)
            raise
        call.result = result
        if record:
            await self._record(call)
        return result

    async def _record(self, call: BotCall) -> None:
        call.seq = len(self.calls) + 1
        self.calls.append(call)
        async with self._changed:
            self._changed.notify_all()

    def _get_me(self, _params: dict) -> dict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: dict) -> list[dict]:
        offset = _int(params.get("offset", 0), "offset")
        limit = min(max(_int(params.get("limit", 100), "limit"), 1), 100)
        timeout = min(max(float(params.get("timeout", 0)), 0.0), 50.0)
        allowed = params.get("allowed_updates") or None
        self._poll_generation += 1
        generation = self._poll_generation
        async with self._changed:
            self._changed.notify_all()  # a waiting older poll ends with 409, as on Telegram
        deadline = time.monotonic() + timeout
        while True:
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            ready = [u for u in self._updates if allowed is None or _update_kind(u) in allowed]
            if ready or time.monotonic() >= deadline:
                return ready[:limit]
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )

    def _delete_webhook(self, params: dict) -> bool:
        if _flag(params.get("drop_pending_updates")):
            self._updates.clear()
        return True

    def _send_message(self, params: dict) -> dict:
        chat = self._bot_chat(params.get("chat_id"))
        text, entities = _checked_text(
            _required(params, "text"), params.get("parse_mode"), params.get("entities")
        )
        markup = _checked_markup(params.get("reply_markup"))
        message = self._new_message(chat.chat["id"], self.bot_user, text, entities)
        if markup:
            message["reply_markup"] = markup
        return message

    def _edit_message_text(self, params: dict) -> dict:
        message = self._editable(params)
        text, entities = _checked_text(
            _required(params, "text"), params.get("parse_mode"), params.get("entities")
        )
        markup = _checked_markup(params.get("reply_markup"))
        if (
            text == message["text"]
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise bad_request(NOT_MODIFIED)
        message.update(text=text, entities=entities, edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    def _answer_callback_query(self, params: dict) -> bool:
        query = self._callback_queries.get(str(params.get("callback_query_id")))
        if query is None or query.answered:
            raise bad_request(QUERY_TOO_OLD)
        text = params.get("text") or ""
        if len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = params
        return True

    def _answer_inline_query(self, params: dict) -> bool:
        query = self._inline_queries.get(str(params.get("inline_query_id")))
        if query is None or query.answered:
            raise bad_request(QUERY_TOO_OLD)
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request('field "results" must be an Array')
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        ids = set()
        for result in results:
            result_id = str(result.get("id", ""))
            if not 1 <= len(result_id.encode()) <= 64:
                raise bad_request("RESULT_ID_INVALID")
            if result_id in ids:
                raise bad_request("RESULT_ID_DUPLICATE")
            ids.add(result_id)
            if result.get("type") == "article" and not result.get("title"):
                raise bad_request("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            if "message_text" in content:
                _checked_text(content["message_text"], content.get("parse_mode"), content.get("entities"))
            _checked_markup(result.get("reply_markup"))
        button = params.get("button")
        if button is not None:
            if not button.get("text"):
                raise bad_request("BUTTON_TEXT_INVALID")
            start = button.get("start_parameter")
            if start is not None and not _START_PARAMETER.match(start):
                raise bad_request("START_PARAM_INVALID")
        if len(str(params.get("next_offset", "")).encode()) > 64:
            raise bad_request("NEXT_OFFSET_INVALID")
        query.answered = True
        query.answer = params
        return True

    def _set_my_commands(self, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not _COMMAND_NAME.match(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[_scope_key(params)] = commands
        return True

    # -- state ----------------------------------------------------------------------------

    def _new_message(self, chat_id: int, sender: dict, text: str, entities: list[dict]) -> dict:
        chat = self._chats[chat_id]
        message = {
            "message_id": chat.next_message_id,
            "date": int(time.time()),
            "chat": chat.chat,
            "from": sender,
            "text": text,
        }
        if entities:
            message["entities"] = entities
        chat.next_message_id += 1
        chat.messages[message["message_id"]] = message
        return message

    async def _push_update(self, update: dict) -> None:
        # A snapshot: the update shows the message as it was, even if the bot edits it before polling.
        self._updates.append({"update_id": next(self._update_ids), **copy.deepcopy(update)})
        async with self._changed:
            self._changed.notify_all()

    def _stored(self, chat_id: int, message_id: int) -> dict | None:
        chat = self._chats.get(chat_id)
        return chat.messages.get(message_id) if chat else None

    def _bot_chat(self, chat_id: Any) -> _Chat:
        try:
            chat = self._chats.get(int(chat_id))
        except (TypeError, ValueError):
            chat = None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _editable(self, params: dict) -> dict:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # the bot posts no inline messages with callbacks
        chat = self._bot_chat(params.get("chat_id"))
        message = chat.messages.get(_int(params.get("message_id"), "message_id"))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        return message


def _checked_text(text: Any, parse_mode: str | None, entities: Any) -> tuple[str, list[dict]]:
    if not isinstance(text, str):
        raise bad_request("message text is empty")
    try:
        plain, parsed = formatted_text(text, parse_mode)
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from None
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    return plain, parsed if parse_mode else (entities or [])


def _checked_markup(markup: Any) -> dict | None:
    if markup is None or "inline_keyboard" not in markup:
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in itertools.chain.from_iterable(rows):
        if not str(button.get("text", "")).strip():
            raise bad_request("text buttons are unallowed in the inline keyboard")
        kinds = [kind for kind in _BUTTON_KINDS if kind in button]
        if len(kinds) != 1:
            raise bad_request("can't parse inline keyboard button: exactly one optional field must be set")
        if kinds == ["callback_data"]:
            size = len(str(button["callback_data"]).encode("utf-8"))
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        if kinds == ["url"] and not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
            raise bad_request(f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL")
    return markup


def _required(params: dict, name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(f"{name} is empty" if name != "text" else "message text is empty")
    return value


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f'field "{name}" must be a valid Number') from None


def _flag(value: Any) -> bool:
    return value in (True, "true", "True", "1", 1)


def _scope_key(params: dict) -> str:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)


def _update_kind(update: dict) -> str:
    return next(key for key in update if key != "update_id")


class _MethodHandler(tornado.web.RequestHandler):
    def initialize(self, api: LocalBotApi) -> None:
        self.api = api

    async def get(self, token: str, method: str) -> None:
        await self._answer(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._answer(token, method)

    async def _answer(self, token: str, method: str) -> None:
        try:
            result = await self.api.call(token, method, self._params())
            body: dict[str, Any] = {"ok": True, "result": result}
            self.set_status(200)
        except ApiError as exc:
            body = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                body["parameters"] = exc.parameters
            self.set_status(exc.code)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))

    def _params(self) -> dict[str, Any]:
        if self.request.headers.get("Content-Type", "").startswith("application/json"):
            try:
                loaded = json.loads(self.request.body or b"{}")
            except ValueError:
                raise ApiError(400, "Bad Request: invalid JSON in the request body") from None
            return loaded if isinstance(loaded, dict) else {}
        params: dict[str, Any] = {}
        for source in (self.request.query_arguments, self.request.body_arguments):
            for name, values in source.items():
                params[name] = values[-1].decode("utf-8", errors="replace")
        for name in JSON_PARAMETERS & params.keys():
            try:
                params[name] = json.loads(params[name])
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
        return params
