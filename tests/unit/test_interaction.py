"""The payload every button, menu and modal carries: what it was shown for, and nothing we did not make."""

from __future__ import annotations

import pytest

from bot.interaction import Target, decode, encode
from bot.limits import OPTION_VALUE


def test_a_payload_carries_its_target_and_value_back() -> None:
    target = Target(intake=42, version=7, step="wanted_ministries")

    assert decode(encode(target, "BZK")) == (target, "BZK")
    assert decode(encode(target)) == (target, "")
    assert decode(encode(target, "a|b")) == (target, "a|b")  # the value may hold the separator


def test_every_payload_fits_in_a_slack_menu_option() -> None:
    longest = Target(intake=10**17, version=10**17, step="s" * 64)
    assert len(encode(longest, "x" * 20)) <= OPTION_VALUE
    with pytest.raises(ValueError, match="does not fit"):
        encode(Target(1, 1, "step"), "x" * OPTION_VALUE)


@pytest.mark.parametrize(
    "payload",
    [
        None,
        42,
        "",
        "start",  # a button of an older bot
        '{"q": "ministry", "v": "FIN"}',  # the old JSON answer buttons
        "r1|1|1|ministry",  # too few parts
        "r2|1|1|ministry|FIN",  # another codec version
        "r1|x|1|ministry|FIN",
        "r1|1|-1|ministry|FIN",
        "r1|¹|1|ministry|FIN",  # a digit that int() would take, but we never write
        "r1|1|1|Ministry Of Truth|FIN",
        "r1|1|1|ministry|" + "x" * 200,
    ],
)
def test_anything_we_did_not_make_is_not_read(payload: object) -> None:
    assert decode(payload) is None


def test_a_step_must_be_plain() -> None:
    with pytest.raises(ValueError, match="plain"):
        encode(Target(1, 1, "two words"))
