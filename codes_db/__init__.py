"""The code store: code systems, releases, codes and notes; importers, lookup and search.

Knows nothing about Telegram or users; usable on its own:

    from codes_db import CodeStore
    store = CodeStore("sqlite:///codes.db")
    card = store.lookup("E11.65")
    hits = store.search("htn")
"""

from codes_db.lookup import CodeCard, CodeRef, LookupMiss, LookupResult
from codes_db.search import SearchHit
from codes_db.store import CodeStore, ReleaseStatus

__all__ = [
    "CodeCard",
    "CodeRef",
    "CodeStore",
    "LookupMiss",
    "LookupResult",
    "ReleaseStatus",
    "SearchHit",
]
