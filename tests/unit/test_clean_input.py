"""What people type is cleaned before it is read or stored: nothing invisible changes how it shows."""

from __future__ import annotations

import unicodedata

import pytest

from bot.bootstrap import Services
from bot.parsing import clean
from bot.services import UserRef
from tests.e2e.driver import new_user


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("fin\u200bancien", "financien"),  # zero-width space
        ("\ufeffBZK", "BZK"),  # byte-order mark
        ("Den\u00adHaag", "DenHaag"),  # soft hyphen
        ("ok\u202e.exe", "ok.exe"),  # right-to-left override
        ("a\u2066b\u2069c", "abc"),  # bidi isolates
        ("NUL\u0000byte", "NULbyte"),
        ("ｆｉｎ １５", "fin 15"),  # full-width letters and digits
        ("ﬁnanciën", "financiën"),  # a ligature; the accent stays
        ("regel 1\r\nregel 2", "regel 1\nregel 2"),
        ("tab\there", "tab\there"),
        ("👍🏽 prima", "👍🏽 prima"),  # emoji with a skin tone stay
    ],
)
def test_cleaning_removes_what_changes_display_and_keeps_the_words(typed: str, kept: str) -> None:
    assert clean(typed) == kept


def test_nothing_that_changes_display_survives() -> None:
    every_format_character = "".join(chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Cf")
    assert clean(f"a{every_format_character}b") == "ab"


@pytest.mark.parametrize("digit", ["፩", "²", "①"])  # digits to str.isdigit() that int() refuses
def test_a_number_in_another_script_gets_an_answer_not_a_crash(services: Services, digit: str) -> None:
    person = UserRef("slack", new_user())
    assert services.sessions.typed(person, f"sessies aanmelden {digit}").lines
    assert services.intake.command(person, digit).ephemeral.lines
    reply = services.coordination.command("slack", "U0000MR01", f"beheer managersruil {digit}")
    assert reply.lines
