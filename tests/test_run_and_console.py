"""`medcode run` and `medcode console` as a user starts them: separate processes, real HTTP."""

import asyncio
import os
import signal
import sys

from bot.local_api import LocalBotApi

MEDCODE = [sys.executable, "-m", "bot.cli"]


def environment(store_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    return {**env, "DATABASE_URL": store_url, **extra}


async def run(
    args: list[str], env: dict[str, str], stdin: bytes = b"", timeout: float = 90
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *MEDCODE, *args, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(stdin), timeout)
    return process.returncode, out.decode(), err.decode()


async def test_run_without_a_token_explains_what_to_do(store_url: str) -> None:
    code, _out, err = await run(["run"], environment(store_url))
    assert code == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in err and "medcode console" in err


async def test_run_with_a_wrong_token_says_so(store_url: str, local_api: LocalBotApi) -> None:
    env = environment(store_url, TELEGRAM_BOT_TOKEN="123:wrong", TELEGRAM_API_BASE_URL=local_api.root_url)
    code, _out, err = await run(["run"], env)
    assert code == 3
    assert "rejected TELEGRAM_BOT_TOKEN" in err and "Traceback" not in err


async def test_run_serves_a_self_hosted_bot_api_and_never_logs_the_token(
    store_url: str, local_api: LocalBotApi
) -> None:
    env = environment(store_url, TELEGRAM_BOT_TOKEN=local_api.token, TELEGRAM_API_BASE_URL=local_api.root_url)
    process = await asyncio.create_subprocess_exec(
        *MEDCODE, "-v", "run", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        await local_api.wait_for(lambda call: call.method == "setMyCommands", timeout=60)
        user = local_api.user(7777, "Prod")
        before = len(local_api.calls)
        await local_api.send_text(user, local_api.private_chat(user), "E11.65")
        reply = await local_api.wait_for(
            lambda call: call.method == "sendMessage" and call.chat_id == 7777, after=before, timeout=30
        )
        assert reply.ok and reply.result["text"].startswith("E11.65  Type 2 diabetes")
    finally:
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()[-2000:]
    assert local_api.token not in out.decode() + err.decode()
    assert local_api.token.split(":")[1] not in err.decode()


async def test_console_session_a_new_user_would_type(store_url: str) -> None:
    typed = "\n".join(["E11.65", "htn", "S72", "2", "@bot chf", "1", "7", ":quit"]) + "\n"
    code, out, err = await run(["console"], environment(store_url), stdin=typed.encode())
    assert code == 0, err[-2000:]
    assert "E11.65  Type 2 diabetes mellitus with hyperglycemia" in out
    assert "✅ Billable · ICD-10-CM 2026-04" in out
    assert "🔎 htn\n  1. I10 Essential (primary) hypertension" in out
    assert "[2] ⬇ Codes under it (7)" in out
    assert "bot (edited):\n  ⬇ Codes under S72  Fracture of femur" in out
    assert "inline results for “chf”: " in out and "[1] I50.9 · Heart failure, unspecified" in out
    assert "you (via @medcode_local_bot):\n  I50.9  Heart failure, unspecified" in out
    assert "(the local Bot API refused" not in out
