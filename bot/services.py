"""Shared services of a running bot: started in `post_init`, closed in `post_shutdown`.

Handlers reach them with `services(context)`; nothing here knows about Telegram updates.
"""

import asyncio
from dataclasses import dataclass

from telegram.ext import ContextTypes

from bot.config import Settings
from codes_db import CodeStore

SERVICES_KEY = "services"


@dataclass(slots=True)
class Services:
    settings: Settings
    store: CodeStore
    owns_store: bool

    @classmethod
    async def start(cls, settings: Settings, store: CodeStore | None = None) -> "Services":
        """Open the code store (unless one is given) and build its indexes before the first update."""
        owns_store = store is None
        if store is None:
            store = CodeStore(settings.database_url, embedded_default=settings.medcode_embedded_data)
        await asyncio.to_thread(lambda: store.search_index)
        return cls(settings, store, owns_store)

    async def close(self) -> None:
        if self.owns_store:
            self.store.close()


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]
