"""`moose prices list|set|import` end to end against a real database, with LiteLLM's REAL price
file (MOOSE_LITELLM_PRICES, ../shared/vendor/ beside the checkout, or the one inside the pinned
litellm wheel on PyPI, cached under .moose/vendor/; runner/litellm_vendor.py checks its sha256):
exact values of known models computed from the JSON text with Decimal (where a binary float would
differ), skips counted, a re-import that inserts nothing, a changed price that inserts exactly one
later row and keeps the old one; set and list; prices through backup-config / restore-config; the
LiteLLM key mapping (runner/litellm_prices.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result

from runner import litellm_prices, litellm_vendor
from runner.cli import main


def moose(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"MOOSE_DATABASE_URL": db_url}, catch_exceptions=False)


@pytest.fixture(scope="module")
def litellm_file() -> Path:
    """The real price file, checked against its pinned sha256; one that cannot be found or fetched
    fails the test, it never skips."""
    try:
        return litellm_vendor.price_file()
    except litellm_vendor.VendorError as error:
        pytest.fail(f"LiteLLM's price file: {error}")


@pytest.fixture(scope="module")
def litellm_text(litellm_file: Path) -> dict[str, Any]:
    """The file as the test reads it on its own: every number from its decimal text."""
    document = json.loads(litellm_file.read_text(encoding="utf-8"), parse_float=Decimal)
    assert len(document) == 4878
    return document


def per_million(value: Decimal) -> Decimal:
    return value * 1_000_000


def price_row(conn: psycopg.Connection, model: str) -> dict[str, Any]:
    cursor = conn.execute("SELECT * FROM model_prices WHERE model = %s ORDER BY effective_from DESC LIMIT 1", (model,))
    row = cursor.fetchone()
    assert row is not None, f"no price for {model}"
    assert cursor.description is not None
    return dict(zip([c.name for c in cursor.description], row, strict=True))


def count(conn: psycopg.Connection, query: str, params: tuple[Any, ...] = ()) -> int:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return int(row[0])


def test_import_of_the_real_file_is_exact(db_url: str, conn: psycopg.Connection, litellm_file: Path,
                                          litellm_text: dict[str, Any]) -> None:
    result = moose(db_url, "prices", "import", str(litellm_file))
    assert result.exit_code == 0, result.output
    assert "4878 entries, 3931 priced by the token, 947 skipped" in result.output
    assert "not a model (sample_spec): 1" in result.output
    assert "no per-token input and output price: 946" in result.output
    assert "inserted 3931 price rows" in result.output and "(3931 new models, 0 changed); 0 unchanged" in result.output
    assert "compared 3931/3931" in result.output, "a progress line per chunk"
    assert count(conn, "SELECT count(*) FROM model_prices") == 3931

    for model in ("gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "amazon.nova-pro-v1:0"):
        spec, row = litellm_text[model], price_row(conn, model)
        assert row["input_usd_per_mtok"] == per_million(spec["input_cost_per_token"]), model
        assert row["output_usd_per_mtok"] == per_million(spec["output_cost_per_token"]), model
        assert row["cached_input_usd_per_mtok"] == per_million(spec["cache_read_input_token_cost"]), model
        assert row["max_output_tokens"] == spec["max_output_tokens"], model
        assert row["tiers"] is None, model
    sonnet, spec = price_row(conn, "claude-sonnet-4-5"), litellm_text["claude-sonnet-4-5"]
    assert sonnet["cache_write_input_usd_per_mtok"] == per_million(spec["cache_creation_input_token_cost"]) == 3.75
    gpt = price_row(conn, "gpt-4o")
    assert (gpt["input_usd_per_mtok"], gpt["output_usd_per_mtok"], gpt["cached_input_usd_per_mtok"]) == (
        Decimal("2.5"), Decimal("10"), Decimal("1.25"))

    gemini, spec = price_row(conn, "gemini-2.5-pro"), litellm_text["gemini-2.5-pro"]
    [tier] = gemini["tiers"]
    assert tier["from_tokens"] == 200_001, "LiteLLM: more than 200k input tokens"
    assert Decimal(tier["input_usd_per_mtok"]) == per_million(spec["input_cost_per_token_above_200k_tokens"])
    assert Decimal(tier["output_usd_per_mtok"]) == per_million(spec["output_cost_per_token_above_200k_tokens"])
    assert Decimal(tier["cached_input_usd_per_mtok"]) == per_million(
        spec["cache_read_input_token_cost_above_200k_tokens"])
    # Several tiers (a tiered_pricing list): each range's rates, from its start + 1.
    qwen = price_row(conn, "dashscope/qwen3-coder-flash")
    assert [(t["from_tokens"], t["input_usd_per_mtok"]) for t in qwen["tiers"]] == [
        (32001, "0.5"), (128001, "0.8"), (256001, "1.6")]
    # xAI's boundary is inclusive in LiteLLM: the tier from exactly 200000 input tokens.
    assert price_row(conn, "xai/grok-4.3")["tiers"][0]["from_tokens"] == 200_000

    # Every row with flat rates, digit for digit: the file's own text x 10^6 (its noisy values such as
    # 2.9999900000000002e-06 included: the import keeps what the file says, adds no rounding).
    stored = conn.execute("SELECT model, input_usd_per_mtok, output_usd_per_mtok FROM model_prices"
                          " WHERE model NOT IN (SELECT model FROM model_prices WHERE tiers IS NOT NULL)").fetchall()
    for model, rate_in, rate_out in stored:
        spec = litellm_text[model]
        if "tiered_pricing" in spec:
            continue
        assert (rate_in, rate_out) == (per_million(Decimal(spec["input_cost_per_token"])),
                                       per_million(Decimal(spec["output_cost_per_token"]))), model

    # Not priced by the token: no row, never a wrong one.
    for model in ("sample_spec", "whisper-1"):
        assert count(conn, "SELECT count(*) FROM model_prices WHERE model = %s", (model,)) == 0, model


def test_a_float_would_not_be_exact(db_url: str, conn: psycopg.Connection, litellm_file: Path) -> None:
    raw = json.loads(litellm_file.read_text(encoding="utf-8"))  # floats, as a careless importer reads it
    as_float = raw["amazon.nova-pro-v1:0"]["input_cost_per_token"] * 1e6
    assert as_float != 0.8 and repr(as_float) == "0.7999999999999999"
    assert moose(db_url, "prices", "import", str(litellm_file)).exit_code == 0
    assert price_row(conn, "amazon.nova-pro-v1:0")["input_usd_per_mtok"] == Decimal("0.8")


def test_reimport_inserts_nothing_and_a_change_is_one_later_row(db_url: str, conn: psycopg.Connection,
                                                                 litellm_file: Path, tmp_path: Path) -> None:
    assert moose(db_url, "prices", "import", str(litellm_file)).exit_code == 0
    first = price_row(conn, "gpt-4o")

    dry = moose(db_url, "prices", "import", "--dry-run", str(litellm_file))
    assert dry.exit_code == 0 and "would insert 0 price rows" in dry.output
    again = moose(db_url, "prices", "import", str(litellm_file))
    assert again.exit_code == 0, again.output
    assert "inserted 0 price rows" in again.output and "3931 unchanged" in again.output
    assert count(conn, "SELECT count(*) FROM model_prices") == 3931

    # The provider changes one price: edit the file's text for gpt-4o only.
    text = litellm_file.read_text(encoding="utf-8")
    start = text.index('\n    "gpt-4o": {')
    end = text.index("\n    }", start)
    block = text[start:end]
    assert block.count('"input_cost_per_token": 2.5e-06,') == 1
    changed = tmp_path / "changed.json"
    block = block.replace('"input_cost_per_token": 2.5e-06,', '"input_cost_per_token": 3e-06,')
    changed.write_text(text[:start] + block + text[end:], encoding="utf-8")
    dry = moose(db_url, "prices", "import", "--dry-run", str(changed))
    assert "would insert 1 price rows" in dry.output
    assert count(conn, "SELECT count(*) FROM model_prices") == 3931, "a dry run writes nothing"
    result = moose(db_url, "prices", "import", str(changed))
    assert result.exit_code == 0, result.output
    assert "inserted 1 price rows" in result.output and "(0 new models, 1 changed); 3930 unchanged" in result.output
    assert count(conn, "SELECT count(*) FROM model_prices") == 3932
    rows = conn.execute("SELECT effective_from, input_usd_per_mtok FROM model_prices WHERE model = 'gpt-4o'"
                        " ORDER BY effective_from").fetchall()
    assert [rate for _at, rate in rows] == [Decimal("2.5"), Decimal("3")], "the old row stays, the new one follows"
    assert rows[0][0] == first["effective_from"] and rows[1][0] > rows[0][0]
    answer = conn.execute("SELECT model_price('gpt-4o') ->> 'inputUsdPerMtok'").fetchone()
    assert answer is not None and answer[0] == "3"


def test_set_and_list(db_url: str, conn: psycopg.Connection) -> None:
    result = moose(db_url, "prices", "set", "my-model", "--input", "0.15", "--output", "0.60",
                   "--cached-input", "0.075", "--max-output-tokens", "16384")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("my-model: inserted, from ")
    assert ("input 0.15, output 0.6, cached 0.075 USD per million tokens, cache write -, max output 16384, 0 tier(s)"
            in result.output)
    assert moose(db_url, "prices", "set", "my-model", "--input", "0.15", "--output", "0.6", "--cached-input", "0.075",
                 "--max-output-tokens", "16384").output.startswith("my-model: unchanged")
    first = price_row(conn, "my-model")["effective_from"].isoformat()
    refused = moose(db_url, "prices", "set", "my-model", "--input", "0.2", "--output", "0.6",
                    "--effective-from", first)
    assert refused.exit_code == 1 and "SQLSTATE 55000" in refused.output
    assert "hint: Prices in effect are history" in refused.output
    changed = moose(db_url, "prices", "set", "my-model", "--input", "0.16", "--output", "0.6")
    assert changed.output.startswith("my-model: inserted"), "a change from now is a new row"
    scheduled = moose(db_url, "prices", "set", "my-model", "--input", "0.2", "--output", "0.8",
                      "--effective-from", "tomorrow", "--long-context-threshold", "128000",
                      "--long-context-input", "0.3", "--long-context-output", "1.2")
    assert scheduled.exit_code == 0 and "(scheduled)" in scheduled.output
    per_token = moose(db_url, "prices", "set", "typo", "--input", "2500000", "--output", "1")
    assert per_token.exit_code == 1 and "SQLSTATE 22023" in per_token.output and "per MILLION" in per_token.output

    listed = moose(db_url, "prices", "list")
    assert listed.exit_code == 0
    lines = [line for line in listed.output.splitlines() if line.startswith("my-model")]
    assert len(lines) == 2 and "scheduled" in lines[0] and "from 128001: 0.3/1.2" in lines[0]
    assert "current" in lines[1] and " 0.16 " in lines[1] and "   - " in lines[1], "the current row: no cached rate"
    history = json.loads(moose(db_url, "prices", "list", "--model", "my-model", "--json").output)
    assert [(row["status"], row["input_usd_per_mtok"]) for row in history] == [
        ("scheduled", "0.2"), ("current", "0.16"), ("superseded", "0.15")]
    unpriced = moose(db_url, "prices", "list", "--model", "other")
    assert unpriced.exit_code == 1 and "no price for model 'other'" in unpriced.output, unpriced.output


def test_backup_and_restore_carry_prices(db_url: str, conn: psycopg.Connection, tmp_path: Path) -> None:
    assert moose(db_url, "prices", "set", "kept-model", "--input", "1.1", "--output", "4.4").exit_code == 0
    assert moose(db_url, "prices", "set", "tiered-model", "--input", "0.3", "--output", "1.5", "--cache-write-input",
                 "0.375", "--tiers", '[{"from_tokens": 32001, "input_usd_per_mtok": "0.5", "output_usd_per_mtok": 2.5,'
                 ' "cache_write_input_usd_per_mtok": "0.6250"}]').exit_code == 0
    backup = tmp_path / "backup.json"
    assert moose(db_url, "backup-config", "-o", str(backup)).exit_code == 0
    document = json.loads(backup.read_text())
    [entry] = [e for e in document["model_prices"] if e["model"] == "kept-model"]
    assert entry["input_usd_per_mtok"] == "1.1", "rates are exact decimal text in the file"
    [tiered] = [e for e in document["model_prices"] if e["model"] == "tiered-model"]
    assert tiered["cache_write_input_usd_per_mtok"] == "0.375"
    assert tiered["tiers"] == [{"from_tokens": 32001, "input_usd_per_mtok": "0.5", "output_usd_per_mtok": "2.5",
                                "cache_write_input_usd_per_mtok": "0.625"}], "the tiers too, rates as decimal text"
    document["model_prices"].append({"model": "old-model", "effective_from": "2025-03-01T00:00:00+00:00",
                                     "input_usd_per_mtok": "0.30000000000000004", "output_usd_per_mtok": 1})
    backup.write_text(json.dumps(document))
    restored = moose(db_url, "restore-config", str(backup))
    assert restored.exit_code == 0, restored.output
    assert "3 model prices (1 written)" in restored.output, "the tiered row restores equal to itself"
    assert price_row(conn, "old-model")["input_usd_per_mtok"] == Decimal("0.30000000000000004"), \
        "a restore keeps every digit"
    entry["input_usd_per_mtok"] = "9"
    backup.write_text(json.dumps(document))
    refused = moose(db_url, "restore-config", str(backup))
    assert refused.exit_code == 1 and "SQLSTATE 55000" in refused.output and "model_prices.kept-model" in refused.output
    assert price_row(conn, "kept-model")["input_usd_per_mtok"] == Decimal("1.1")


def test_litellm_mapping() -> None:
    parsed = litellm_prices.parse({
        "sample_spec": {"input_cost_per_token": 0.0},
        "chat": {"input_cost_per_token": Decimal("1.25e-06"), "output_cost_per_token": Decimal("1e-05"),
                 "cache_creation_input_token_cost": Decimal("1.5e-06"), "max_tokens": 8192, "max_output_tokens": 0,
                 "input_cost_per_token_above_128k_tokens": Decimal("2.5e-06"),
                 "output_cost_per_token_above_128k_tokens": Decimal("1.5e-05")},
        "free": {"input_cost_per_token": 0, "output_cost_per_token": 0},
        "image": {"input_cost_per_image": Decimal("0.04"), "output_cost_per_token": Decimal("1e-05")},
        "two-tiers": {"input_cost_per_token": 1, "output_cost_per_token": 1, "litellm_provider": "xai",
                      "input_cost_per_token_above_200k_tokens": 2, "output_cost_per_token_above_128k_tokens": 3},
        "listed": {"tiered_pricing": [
            {"range": [Decimal("32000.0"), Decimal("128000.0")], "input_cost_per_token": Decimal("5E-7")},
            {"range": [0, Decimal("32000.0")], "input_cost_per_token": Decimal("3E-7"),
             "output_cost_per_token": Decimal("0.0000015"), "cache_read_input_token_cost": Decimal("8E-8")}]},
    })
    assert parsed.entries == [
        {"model": "chat", "input_usd_per_mtok": "1.25", "output_usd_per_mtok": "10",
         "cache_write_input_usd_per_mtok": "1.5", "max_output_tokens": 8192,
         "tiers": [{"from_tokens": 128001, "input_usd_per_mtok": "2.5", "output_usd_per_mtok": "15",
                    "cache_write_input_usd_per_mtok": "1.5"}]},
        {"model": "free", "input_usd_per_mtok": "0", "output_usd_per_mtok": "0"},
        # xAI: inclusive boundaries; each tier carries up the rates the one below it set.
        {"model": "two-tiers", "input_usd_per_mtok": "1000000", "output_usd_per_mtok": "1000000",
         "tiers": [{"from_tokens": 128000, "input_usd_per_mtok": "1000000", "output_usd_per_mtok": "3000000"},
                   {"from_tokens": 200000, "input_usd_per_mtok": "2000000", "output_usd_per_mtok": "3000000"}]},
        # A tier without an output rate takes the model's (none here: 0); ranges sorted by start.
        {"model": "listed", "output_usd_per_mtok": "1.5", "input_usd_per_mtok": "0.3",
         "cached_input_usd_per_mtok": "0.08",
         "tiers": [{"from_tokens": 32001, "output_usd_per_mtok": "0", "input_usd_per_mtok": "0.5"}]}]
    assert parsed.skipped == {litellm_prices.NOT_A_MODEL: 1, litellm_prices.NO_TOKEN_PRICES: 1}
    assert parsed.total == 6
