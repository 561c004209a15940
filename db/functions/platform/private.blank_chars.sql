-- The characters the one blank rule treats as blank, as the body of a regular expression
-- bracket (private.is_blank, private.strip_blank build their patterns from it, so the rule is
-- written once). PostgreSQL's regular expressions know no Unicode categories, so the code
-- points are listed:
--  * white space, Unicode's White_Space property: tab to carriage return U+0009-000D, U+0085
--    and the separators (categories Zs, Zl, Zp: the space, U+00A0, U+1680, U+2000-200A,
--    U+2028/2029, U+202F, U+205F, U+3000), listed rather than \s, whose reach depends on the
--    database's locale;
--  * every format character, general category Cf, as Python 3.11's unicodedata lists it
--    (Unicode 14.0: soft hyphen U+00AD, the zero-width and bidirectional marks and embeddings
--    U+200B-200F, 202A-202E, 2060-2064, 2066-206F, U+FEFF, U+180E, U+061C, the prepended
--    concatenation marks, the tags U+E0001, E0020-E007F, ...; regenerate with
--    `python3 -c "import unicodedata; print([hex(c) for c in range(0x110000) if unicodedata.category(chr(c)) == 'Cf'])"`),
--    with Unicode 15.0's additions U+13439-1343F;
--  * the fillers that are not Cf but render as nothing: U+034F combining grapheme joiner,
--    U+115F / U+1160 Hangul choseong / jungseong filler, U+3164 Hangul filler, U+FFA0
--    halfwidth Hangul filler.
-- tests/test_blank_rule.py checks every one of them against Python's unicodedata. A plain SQL
-- constant with no SET clause: inlined and folded into the callers' patterns at plan time.
CREATE OR REPLACE FUNCTION private.blank_chars() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000'
        || '\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e'
        || '\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f'
        || '\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f'
        || '\u034f\u115f\u1160\u3164\uffa0'::text
$$;

REVOKE ALL ON FUNCTION private.blank_chars() FROM PUBLIC;

COMMENT ON FUNCTION private.blank_chars() IS 'The blank characters of the one blank rule, as a regular expression bracket body: Unicode white space, every format character (category Cf) and the fillers that render as nothing (U+034F, U+115F, U+1160, U+3164, U+FFA0).';
