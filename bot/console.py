"""`medcode console`: chat with the real bot in a terminal, no token needed.

The local Bot API server starts on loopback, the real `Application` polls it over HTTP, and what
you type becomes Telegram updates: text is a message, a number presses a button of the latest
message (or picks an inline result), `@bot words` is an inline query.
"""

import asyncio
import sys
from typing import TextIO
from urllib.parse import parse_qs, urlparse

from bot.app import build_application, running
from bot.config import Settings
from bot.local_api import BotCall, LocalBotApi
from bot.local_api.driver import ChatDriver, buttons

BANNER = """medcodebot console: you are chatting with the real bot through a local Bot API server.
  Type a code (E11.65) or words (htn), or a command (/help).
  A number presses that button of the latest message, or picks that inline result.
  @bot WORDS runs an inline query.  :quit (or Ctrl-D) leaves."""
USER_ID = 1001


class Console:
    def __init__(self, api: LocalBotApi, out: TextIO) -> None:
        user = api.user(USER_ID, "You", "console_user")
        self.driver = ChatDriver(api, user, api.private_chat(user), quiet=0.3)
        self.api = api
        self.out = out
        self.choices: list[tuple[str, dict]] = []  # ("button", button) or ("result", inline result)
        self.choices_message: dict | None = None
        self.inline_query_id: str | None = None

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the user wants to leave."""
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        mention = f"@{self.api.bot_user['username']}"
        if line.isdigit():
            await self.choose(int(line))
        elif line.lower().startswith(("@bot", mention.lower())):
            words = line.split(maxsplit=1)[1] if " " in line else ""
            await self.inline(words)
        else:
            self.show(await self.driver.send(line))
        return True

    async def choose(self, number: int) -> None:
        if not 1 <= number <= len(self.choices):
            self.say("(no button or result with that number)")
            return
        kind, choice = self.choices[number - 1]
        if kind == "result":
            message = await self.driver.choose(self.inline_query_id or "", choice["id"])
            self.say(f"you (via @{self.api.bot_user['username']}):\n{_indent(message['text'])}")
            self._offer_buttons(message)
        elif "callback_data" in choice:
            self.show(await self.driver.press(self.choices_message or {}, choice["callback_data"]))
        elif "switch_inline_query_current_chat" in choice or "switch_inline_query" in choice:
            await self.inline(
                choice.get("switch_inline_query_current_chat", choice.get("switch_inline_query", ""))
            )
        elif "url" in choice:
            start = parse_qs(urlparse(choice["url"]).query).get("start")
            if start:  # a t.me deep link into this bot
                self.show(await self.driver.send(f"/start {start[0]}"))
            else:
                self.say(f"(opens {choice['url']})")

    async def inline(self, words: str) -> None:
        query_id, call = await self.driver.inline(words)
        if not call.ok:
            self.say(f"(the local Bot API refused answerInlineQuery: {call.error})")
            return
        results = call.params.get("results", [])
        self.inline_query_id = query_id
        self.say(f"inline results for “{words}”: {len(results)}")
        button = call.params.get("button")
        if not results and button:
            self.say(f"  [{button['text']}]")
        self.choices = [("result", r) for r in results]
        for number, result in enumerate(results, 1):
            self.say(f"  [{number}] {result['title']}\n       {result.get('description', '')}")

    def show(self, calls: list[BotCall]) -> None:
        for call in calls:
            if not call.ok:
                self.say(f"(the local Bot API refused {call.method}: {call.error})")
            elif call.method == "answerCallbackQuery":
                if call.params.get("text"):
                    self.say(f"bot (notice): {call.params['text']}")
            elif call.method in ("sendMessage", "editMessageText"):
                message = call.result
                label = "bot (edited)" if call.method != "sendMessage" else "bot"
                self.say(f"{label}:\n{_indent(message['text'])}")
                self._offer_buttons(message)

    def _offer_buttons(self, message: dict) -> None:
        """Number a message's buttons, which become what a typed number presses."""
        if not buttons(message):
            return
        self.choices = [("button", b) for b in buttons(message)]
        self.choices_message = message
        rows = message["reply_markup"]["inline_keyboard"]
        number = 1
        for row in rows:
            cells = []
            for button in row:
                cells.append(f"[{number}] {button['text']}")
                number += 1
            self.say("    " + "   ".join(cells))

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.split("\n"))


async def run_console(settings: Settings, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    api = LocalBotApi()
    await api.start()
    print("Starting the bot (the first run imports ICD-10-CM, a few seconds)...", file=out, flush=True)
    app = build_application(settings, token=api.token, api_root=api.root_url)
    try:
        async with running(app, poll_timeout=1):
            console = Console(api, out)
            console.say(BANNER)
            while True:
                if stdin.isatty():
                    print("you> ", end="", file=out, flush=True)
                line = await asyncio.to_thread(stdin.readline)
                if not line or not await console.handle(line):
                    break
    finally:
        await api.stop()
    return 0
