"""Round trips through the real bot: user update in, bot reply out, over HTTP on loopback.

    python bench/bot_bench.py [--database-url URL] [--rounds N]

Starts the local Bot API server and the real `Application` (polling it), then times, one at a time:
a code lookup, a word search, a button press (children page) and an inline query (50 cards), from
the update being queued to the bot's answer being recorded by the server. The baseline, in the same
process, is the same work called on the code store directly, so the ratio is what Telegram plumbing
(HTTP, long polling, PTB, rendering) adds.
"""

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import percentile, rss_mb, scratch_database_url
from bot.app import build_application, running
from bot.config import Settings
from bot.local_api import LocalBotApi
from bot.local_api.driver import ChatDriver, buttons
from codes_db import CodeStore

CODES = ["E11.65", "S72.001A", "I10", "J45.909", "T81", "Z79.4", "E11", "M54.50"]
WORDS = ["htn", "chf", "type 2 diabetes with high sugar", "fracture of femur", "copd exacerbation"]


async def timed(samples: dict[str, list[float]], name: str, action) -> object:
    started = time.perf_counter()
    result = await action
    samples.setdefault(name, []).append((time.perf_counter() - started) * 1000)
    return result


async def bench(database_url: str, rounds: int) -> None:
    store = CodeStore(database_url)
    store.search_index  # noqa: B018 - both indexes built before timing
    api = LocalBotApi()
    await api.start()
    app = build_application(
        Settings(database_url=database_url), token=api.token, api_root=api.root_url, store=store
    )
    bot: dict[str, list[float]] = {}
    direct: dict[str, list[float]] = {}
    async with running(app, poll_timeout=10):
        user = api.user(1, "Bench")
        chat = ChatDriver(api, user, api.private_chat(user), quiet=0.0)
        for round_number in range(rounds):
            code = CODES[round_number % len(CODES)]
            words = WORDS[round_number % len(WORDS)]
            before = len(api.calls)
            await timed(bot, "lookup", first_reply(api, chat, code, before))
            card = api.calls[-1].result
            before = len(api.calls)
            await timed(bot, "search", first_reply(api, chat, words, before))
            kids = next((b for b in buttons(card) if b["text"].startswith("⬇")), None)
            if kids:
                await timed(bot, "button (answered)", chat.press(card, kids["callback_data"]))
            await timed(bot, "inline (50 results)", chat.inline(words))
            await timed(direct, "lookup", asyncio.to_thread(store.lookup, code))
            await timed(direct, "search", asyncio.to_thread(store.search, words, None, 9))
    await api.stop()
    print(f"{rounds} rounds, sequential, one user; RSS {rss_mb():.0f} MB")
    for name, samples in bot.items():
        line = f"{name:<20} p50 {percentile(samples, 50):6.1f} ms  p95 {percentile(samples, 95):6.1f} ms"
        if name in direct:
            base = percentile(direct[name], 50)
            line += f"   store alone p50 {base:5.1f} ms (ratio {percentile(samples, 50) / base:4.1f}x)"
        print(line)


async def first_reply(api: LocalBotApi, chat: ChatDriver, text: str, before: int) -> object:
    await api.send_text(chat.user, chat.chat, text)
    return await api.wait_for(lambda call: call.method == "sendMessage", after=before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    asyncio.run(bench(args.database_url or scratch_database_url(), args.rounds))


if __name__ == "__main__":
    main()
