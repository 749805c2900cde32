"""Shared fixtures: one store with the embedded ICD-10-CM release and one running bot, per test run."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import build_application, running
from bot.config import Settings
from bot.local_api import LocalBotApi
from codes_db import CodeStore

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_file(relative: str) -> Path:
    """A real official file from ../shared/data, or a skip saying why it is missing."""
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"needs the official file {path} (../shared beside the repo is absent)")
    return path


@pytest.fixture(scope="session")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'codes.db'}"


@pytest.fixture(scope="session")
def store(store_url: str) -> CodeStore:
    """The embedded April 2026 ICD-10-CM release, imported the way a first start imports it."""
    code_store = CodeStore(store_url)
    code_store.search_index  # noqa: B018 - build both indexes once for the whole session
    return code_store


@pytest_asyncio.fixture
async def local_api() -> AsyncIterator[LocalBotApi]:
    """A local Bot API server of its own, with no bot polling it yet."""
    api = LocalBotApi()
    await api.start()
    yield api
    await api.stop()


@pytest_asyncio.fixture(scope="session")
async def bot_app(store: CodeStore, store_url: str) -> AsyncIterator[LocalBotApi]:
    """The real bot, polling its local Bot API server over HTTP, for the whole test session."""
    api = LocalBotApi()
    await api.start()
    app = build_application(
        Settings(database_url=store_url), token=api.token, api_root=api.root_url, store=store
    )
    async with running(app, poll_timeout=1):
        yield api
    await api.stop()
