"""The error contract of docs/CONVENTIONS.md, checked against every public function the catalog
lists (pg_proc, not a hand list), so a new function cannot drift: a required argument (no
default, or a non-NULL default) given NULL fails with 22004, a text argument of a million
characters and a clock decades away fail with 22023, and every refusal carries a HINT. Each
call runs in a transaction that is rolled back; the other arguments get their default, or a
harmless value of their type."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql

# Arguments whose NULL means something documented although they have no default.
NULL_IS_DOCUMENTED = {
    ("create_escalation", "p_work_order_id"),  # an escalation about the whole system
    ("raise_alert", "p_body"),  # no body
    # no rate limit of that kind (one of the two is required: both NULL is 22023)
    ("set_rate_limit", "p_requests_per_minute"), ("set_rate_limit", "p_tokens_per_minute"),
    # the runner's environment, where an unset variable is NULL
    *(("sync_env_alert_channels", name) for name in (
        "p_slack_url", "p_sendgrid_api_key", "p_email_to", "p_email_from", "p_webhook_url", "p_webhook_secret")),
}
# Text kept truncated rather than refused: a runner's report of a failure must not fail.
TRUNCATED = {("fail_job", "p_error")}  # job_runs.error keeps the first 4000 characters

SAMPLE = {
    "uuid": "00000000-0000-4000-8000-00000000e220",
    "text": "x",
    "integer": "1",
    "bigint": "1",
    "numeric": "1",
    "boolean": "false",
    "jsonb": "{}",
    "timestamp with time zone": None,
}
LONG_TEXT = "x" * 1_000_000
FAR_CLOCKS = ("294276-12-31 00:00Z", "4713-01-01 00:00Z BC", "1900-01-01 00:00Z")


@dataclass(frozen=True)
class Arg:
    name: str
    type: str
    default: str | None  # the default's SQL text, None when there is none


@dataclass(frozen=True)
class Function:
    name: str
    args: tuple[Arg, ...]


def public_functions(conn: psycopg.Connection) -> list[Function]:
    rows = conn.execute("""
        SELECT p.proname, coalesce(p.proargnames, '{}'),
               ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) AS t),
               p.pronargs, p.pronargdefaults,
               coalesce(pg_get_expr(p.proargdefaults, 0), '')
        FROM pg_proc AS p
        WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f'
          AND p.prorettype <> 'trigger'::regtype
          AND NOT EXISTS (SELECT 1 FROM pg_depend AS d WHERE d.objid = p.oid AND d.deptype = 'e')
        ORDER BY p.proname""").fetchall()
    functions = []
    for name, names, types, nargs, ndefaults, defaults_sql in rows:
        defaults = split_defaults(defaults_sql) if ndefaults else []
        padded: list[str | None] = [None] * (nargs - ndefaults) + defaults
        functions.append(Function(name, tuple(Arg(names[i], types[i], padded[i]) for i in range(nargs))))
    return functions


def split_defaults(text: str) -> list[str]:
    """pg_get_expr of proargdefaults: the defaults separated by ', ' outside quotes."""
    parts, depth, quoted, current = [], 0, False, ""
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "([":
            depth += 1
        elif not quoted and char in ")]":
            depth -= 1
        if char == "," and not quoted and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def is_required(arg: Arg) -> bool:
    return arg.default is None or not arg.default.startswith("NULL::")


def call(conn: psycopg.Connection, function: Function, values: dict[str, object]) -> tuple[str | None, str | None]:
    """Call with the named values (others: default, or a sample); return (sqlstate, hint)."""
    parts, params = [], []
    for arg in function.args:
        if arg.name in values:
            value = values[arg.name]
        elif arg.default is not None:
            continue
        else:
            value = SAMPLE[arg.type]
        parts.append(sql.SQL("{} => {}::{}").format(sql.Identifier(arg.name), sql.Placeholder(), sql.SQL(arg.type)))
        params.append(value)
    query = sql.SQL("SELECT public.{}({})").format(sql.Identifier(function.name), sql.SQL(", ").join(parts))
    try:
        with conn.transaction(force_rollback=True):
            conn.execute(query, params)
    except psycopg.Error as error:
        return error.sqlstate, error.diag.message_hint
    return None, None


@pytest.fixture
def functions(conn: psycopg.Connection) -> list[Function]:
    found = public_functions(conn)
    assert len(found) > 40, "the catalog query found the public API"
    return found


Probe = tuple[Function, Arg, object, str]  # a function, one argument, its value, how to name the value


def assert_refused(conn: psycopg.Connection, probes: list[Probe], sqlstate: str) -> None:
    """Each call fails with `sqlstate` and carries a HINT."""
    drifts = []
    for function, arg, value, label in probes:
        state, hint = call(conn, function, {arg.name: value})
        if state != sqlstate or not hint:
            drifts.append(f"{function.name}({arg.name} => {label}): {state} hint={hint!r}")
    assert drifts == [], "\n".join(drifts)


def test_a_required_null_argument_is_22004_with_a_hint(conn: psycopg.Connection, functions: list[Function]) -> None:
    probes: list[Probe] = [(function, arg, None, "NULL") for function in functions for arg in function.args
                           if is_required(arg) and (function.name, arg.name) not in NULL_IS_DOCUMENTED]
    assert len(probes) > 40
    assert_refused(conn, probes, "22004")


def test_over_long_text_is_22023_with_a_hint(conn: psycopg.Connection, functions: list[Function]) -> None:
    probes: list[Probe] = [(function, arg, LONG_TEXT, "1e6 chars") for function in functions for arg in function.args
                           if arg.type == "text" and (function.name, arg.name) not in TRUNCATED]
    assert len(probes) > 40
    assert_refused(conn, probes, "22023")


def test_a_clock_far_from_the_database_clock_is_22023_with_a_hint(conn: psycopg.Connection,
                                                                 functions: list[Function]) -> None:
    probes: list[Probe] = [(function, arg, clock, clock) for function in functions for arg in function.args
                           if arg.type == "timestamp with time zone" for clock in FAR_CLOCKS]
    assert len(probes) >= 21
    assert_refused(conn, probes, "22023")
