"""When deadline reminders are due, read from the catalogue; a malformed rule stops start-up."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.deadlines import Deadline, DeadlineRulesError, deadlines
from bot.programmes import Catalogue, load_catalogue


def with_rules(**rules: object) -> Catalogue:
    catalogue = load_catalogue()
    programme = catalogue.get("leerwerkplaats")
    return Catalogue(programmes=(replace(programme, rules={**programme.rules, **rules}),))


def test_the_catalogue_sets_the_days_before_and_7_and_1_is_the_default() -> None:
    assert deadlines(load_catalogue()) == (Deadline("leerwerkplaats", date(2027, 11, 15), (7, 1)),)
    assert deadlines(with_rules(deadline_reminders=[1, 14, 3, 3])) == (
        Deadline("leerwerkplaats", date(2027, 11, 15), (14, 3, 1)),
    )
    catalogue = load_catalogue()
    programme = catalogue.get("leerwerkplaats")
    bare = {k: v for k, v in programme.rules.items() if k != "deadline_reminders"}
    assert deadlines(Catalogue(programmes=(replace(programme, rules=bare),)))[0].days_before == (7, 1)


@pytest.mark.parametrize("wrong", [[], [0], [-1], ["7"], 7, [7.5], [True], [61]])
def test_a_malformed_deadline_reminders_rule_is_refused(wrong: object) -> None:
    with pytest.raises(DeadlineRulesError, match="deadline_reminders"):
        deadlines(with_rules(deadline_reminders=wrong))
