"""layerwise._text: names from tables and model files made safe for a terminal, and aligned
text tables; checked against escapes written out by hand."""

from __future__ import annotations

import pytest

from layerwise._text import printable, text_table


@pytest.mark.parametrize(
    "given, shown",
    [
        ("plain name", "plain name"),
        ("Größe · 2 €", "Größe · 2 €"),  # visible non-ASCII text stays as it is
        ("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),  # ESC: clear the screen, colour
        ("a\x00b\x07c", "a\\x00b\\x07c"),  # NUL, BEL
        ("two\nlines\r\tand", "two\\nlines\\r\\tand"),
        ("\x7fdel", "\\x7fdel"),
        ("evil\u202etxt.exe", "evil\\u202etxt.exe"),  # right-to-left override
        (1.5, "1.5"),
    ],
)
def test_printable_escapes_what_a_terminal_would_act_on(given, shown):
    assert printable(given) == shown


def test_no_control_character_survives_printable():
    every = "".join(chr(c) for c in range(0, 0x2100))
    assert all(c.isprintable() for c in printable(every))


def test_text_table_cells_are_printable_and_aligned():
    table = text_table([["name", "n"], ["a\x1bb", 1], ["c\nd", 22]], right=(1,))
    assert table.splitlines() == ["name     n", "a\\x1bb   1", "c\\nd    22"]
