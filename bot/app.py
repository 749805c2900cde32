"""The app factory: one place that builds the `Application` and registers every handler."""

import contextlib
from collections.abc import AsyncIterator

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.services import SERVICES_KEY, Services
from codes_db import CodeStore
from handlers import errors, inline, lookup, start

COMMANDS = [
    BotCommand("code", "Look up a code: /code E11.65"),
    BotCommand("search", "Search in words: /search type 2 diabetes"),
    BotCommand("help", "What I can do"),
    BotCommand("start", "Welcome and examples"),
]


def api_urls(root: str) -> dict[str, str]:
    """Bot API URLs for a server root such as `http://127.0.0.1:8081` (Telegram's layout)."""
    root = root.rstrip("/")
    return {"base_url": f"{root}/bot", "base_file_url": f"{root}/file/bot"}


def build_application(
    settings: Settings, *, token: str, api_root: str | None = None, store: CodeStore | None = None
) -> Application:
    """The bot: every handler registered here. `store` is for tests that share one code store."""

    async def post_init(app: Application) -> None:
        app.bot_data[SERVICES_KEY] = await Services.start(settings, store)
        await app.bot.set_my_commands(COMMANDS)

    async def post_shutdown(app: Application) -> None:
        services = app.bot_data.pop(SERVICES_KEY, None)
        if services is not None:
            await services.close()

    builder = (
        ApplicationBuilder()
        .token(token)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(AIORateLimiter(max_retries=2))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if api_root:
        urls = api_urls(api_root)
        builder = builder.base_url(urls["base_url"]).base_file_url(urls["base_file_url"])
    app = builder.build()
    register_handlers(app)
    return app


def register_handlers(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    app.add_handler(CommandHandler("start", start.start, filters=private))
    app.add_handler(CommandHandler("help", start.help_command))
    app.add_handler(CommandHandler("code", lookup.code_command))
    app.add_handler(CommandHandler("search", lookup.search_command))
    app.add_handler(MessageHandler(private & filters.COMMAND, start.unknown_command))
    plain_text = filters.TEXT & ~filters.COMMAND & ~filters.VIA_BOT
    app.add_handler(MessageHandler(private & plain_text, lookup.text_message))
    app.add_handler(MessageHandler(groups & plain_text & filters.Entity("mention"), lookup.group_mention))
    app.add_handler(CallbackQueryHandler(lookup.button))
    app.add_handler(InlineQueryHandler(inline.inline_query))
    app.add_error_handler(errors.on_error)


@contextlib.asynccontextmanager
async def running(app: Application, *, poll_timeout: int = 10) -> AsyncIterator[Application]:
    """Run `app` with long polling inside an existing event loop (console mode, tests), with the
    same start and stop steps as `Application.run_polling`, `post_init` and `post_shutdown` included."""
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        await app.updater.start_polling(timeout=poll_timeout, allowed_updates=Update.ALL_TYPES)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
