"""The one blank rule (private.blank_chars, used by private.is_blank and private.strip_blank)
against Python's own Unicode tables: over every code point PostgreSQL can store, the rule calls
blank exactly Unicode's white space (categories Zs, Zl, Zp and U+0009-000D, U+0085), every
format character (category Cf, from `unicodedata`, plus Unicode 15.0's U+13439-1343F, which
Python 3.11's Unicode 14.0 tables do not have yet) and the fillers that render as nothing
(U+034F, U+115F, U+1160, U+3164, U+FFA0); it strips each of them from both ends of a name and
keeps it inside."""

from __future__ import annotations

import unicodedata

import psycopg

FILLERS = {0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0}
UNICODE_15_FORMAT = set(range(0x13439, 0x13440))


def _expected() -> set[int]:
    blank = set(range(0x09, 0x0E)) | {0x85} | FILLERS | UNICODE_15_FORMAT
    for code in range(0x110000):
        if unicodedata.category(chr(code)) in ("Zs", "Zl", "Zp", "Cf"):
            blank.add(code)
    return blank


def test_the_blank_characters_are_white_space_format_characters_and_blank_fillers(conn: psycopg.Connection) -> None:
    found = {row[0] for row in conn.execute(
        "SELECT c FROM generate_series(1, 1114111) AS c"
        " WHERE c NOT BETWEEN 55296 AND 57343 AND private.is_blank(chr(c))")}
    expected = _expected()
    assert sorted(f"{c:04X}" for c in expected - found) == [], "blank by Unicode but not by the rule"
    assert sorted(f"{c:04X}" for c in found - expected) == [], "blank by the rule but not by Unicode"


def test_each_blank_character_is_stripped_at_both_ends_and_kept_inside(conn: psycopg.Connection) -> None:
    codes = sorted(_expected())
    wrong = conn.execute(
        "SELECT array_agg(to_hex(c) ORDER BY c) FROM unnest(%s::int[]) AS c"
        " WHERE private.strip_blank(chr(c) || 'svc' || chr(c) || chr(c)) <> 'svc'"
        "    OR private.strip_blank('a' || chr(c) || 'b') <> 'a' || chr(c) || 'b'"
        "    OR NOT private.is_blank(repeat(chr(c), 3))",
        (codes,)).fetchone()
    assert wrong is not None and wrong[0] is None, f"not stripped, stripped inside, or not blank: {wrong[0]}"
