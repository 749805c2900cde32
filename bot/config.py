"""The one `Settings` object: environment variables (and an optional `.env` file)."""

from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "medcodebot"


def default_database_url() -> str:
    return f"sqlite:///{Path(user_data_dir(APP_NAME)) / 'medcode.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    #: SQLAlchemy URL; SQLite in the user data dir unless set (`postgresql+psycopg://...`).
    database_url: str = Field(default_factory=default_database_url)
    #: Import the ICD-10-CM release shipped with `simple-icd-10-cm` when the store is empty.
    medcode_embedded_data: bool = True
    #: From @BotFather; needed by `medcode run` only (`medcode console` makes its own).
    telegram_bot_token: SecretStr | None = None
    #: Root URL of a self-hosted Bot API server (`http://127.0.0.1:8081`); Telegram's own by default.
    telegram_api_base_url: str | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
