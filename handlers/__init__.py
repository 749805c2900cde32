"""Telegram handlers: turn an Update into a call to `bot` services and render the answer."""
