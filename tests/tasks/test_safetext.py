"""Text from a submission made safe for a terminal, a JSON file and a spreadsheet."""

from coursekit.tasks.safetext import clean, csv_cell, path_text, short_hash


def test_control_bidi_and_surrogate_characters_are_shown_as_escapes():
    assert clean("\x1b[2Jgone") == "\\x1b[2Jgone"
    assert clean("abc\u202edef") == "abc\\u202edef"
    assert clean("a\ud800b") == "a\\ud800b"
    assert clean("two\nlines") == "two\\x0alines"
    assert clean("two\nlines", newlines=True) == "two\nlines"


def test_long_text_is_cut_and_any_object_becomes_text():
    assert clean("x" * 500, 10) == "x" * 10 + "..."

    class Hostile:
        def __str__(self):
            raise RuntimeError("no")

    assert clean(Hostile()) == "?"


def test_spreadsheet_formulas_get_a_leading_quote_numbers_do_not():
    assert csv_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert csv_cell("-2+3") == "'-2+3"
    assert csv_cell("alice.ipynb") == "alice.ipynb"
    assert csv_cell(-2) == -2


def test_file_names_that_are_not_utf8_stay_readable_and_distinct():
    assert path_text(b"zz_\xff\xfe.ipynb") == "zz_\\xff\\xfe.ipynb"
    assert short_hash("a\udcff") != short_hash("a\udcfe")
