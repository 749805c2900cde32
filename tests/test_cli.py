"""The `medcode` command line, run in-process against the session's store."""

import io
import json

import pytest

from bot import cli
from bot.config import get_settings


@pytest.fixture
def medcode(store, store_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", store_url)
    get_settings.cache_clear()

    def run(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        code = cli.main(list(argv), out)
        return code, out.getvalue()

    yield run
    get_settings.cache_clear()


def test_code_card(medcode):
    status, text = medcode("code", "e1165")
    assert status == 0
    assert text.startswith("E11.65  Type 2 diabetes mellitus with hyperglycemia")
    assert "Use additional code:" in text and "insulin (Z79.4)" in text


def test_code_json_and_invalid_code(medcode):
    status, text = medcode("code", "S72.001A", "--json")
    card = json.loads(text)
    assert status == 0 and card["found"] and card["applied_seventh_character"]["character"] == "A"
    status, text = medcode("code", "E11.99")
    assert status == 1
    assert "not a valid ICD-10-CM code" in text and "E11.9" in text


def test_search_json(medcode):
    status, text = medcode("search", "htn", "--json", "--limit", "3")
    hits = json.loads(text)
    assert status == 0 and hits[0] == {
        "code": "I10",
        "system": "icd10cm",
        "title": "Essential (primary) hypertension",
        "score": 1.0,
    }
    assert len(hits) == 3


def test_batch_prints_exactly_one_line_per_query(medcode, tmp_path):
    queries = ["htn", "", "qqqqzzzz", "x" * 10_000, "chf", "🦷", "'; DROP TABLE code; --"]
    batch = tmp_path / "queries.txt"
    batch.write_text("\n".join(queries) + "\n", encoding="utf-8")
    status, text = medcode("search", "--system", "icd10cm", "--limit", "10", "--json", "--batch", str(batch))
    lines = text.splitlines()
    assert status == 0 and len(lines) == len(queries)
    parsed = [json.loads(line) for line in lines]
    assert parsed[0][0]["code"] == "I10" and parsed[1] == [] and parsed[2] == []
    assert parsed[4][0]["code"] == "I50.9"
    assert all(set(h) == {"code", "system", "title", "score"} for hits in parsed for h in hits)


def test_data_status_and_failed_import(medcode, capsys, tmp_path):
    status, text = medcode("data", "status")
    assert status == 0 and "ICD-10-CM" in text and "2026-04" in text and "74719 billable" in text
    status, _ = medcode("data", "import", "icd10cm", str(tmp_path / "nope.xml"))
    assert status == 2
    assert "nothing was changed" in capsys.readouterr().err
    status, _ = medcode("data", "import", "cpt", str(tmp_path / "nope.csv"))
    assert status == 2
