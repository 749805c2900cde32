"""The project's local Bot API server: Telegram's HTTP interface on loopback, for console mode and tests."""

from bot.local_api.server import ApiError, BotCall, LocalBotApi

__all__ = ["ApiError", "BotCall", "LocalBotApi"]
