"""Shared fixtures: one store with the embedded ICD-10-CM release, built once per test run."""

from pathlib import Path

import pytest

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
