"""Choices that more than one intake offers, so they read the same everywhere."""

from __future__ import annotations

from bot.dialogues.model import Choice

ANY = Choice(
    "any",
    "choice.any",
    aliases=("maakt niet uit", "geen voorkeur", "alle", "alles", "allemaal", "any", "no preference", "all"),
    exclusive=True,
)

# Kinds of public organisation, as the programmes for regions and cohorts name them.
GEMEENTE = Choice("gemeente", "organisation.gemeente", aliases=("municipality", "gem", "gemeentelijk"))
PROVINCIE = Choice("provincie", "organisation.provincie", aliases=("province", "provinciaal"))
WATERSCHAP = Choice(
    "waterschap", "organisation.waterschap", aliases=("water board", "hoogheemraadschap", "wetterskip")
)
RIJK = Choice(
    "rijk",
    "organisation.rijk",
    aliases=("rijksoverheid", "ministerie", "departement", "central government", "ministry"),
)
UITVOERING = Choice(
    "uitvoeringsorganisatie",
    "organisation.uitvoeringsorganisatie",
    aliases=("uitvoering", "agentschap", "zbo", "agency", "executive agency"),
)
OTHER = Choice("other", "organisation.other", aliases=("anders", "overig", "other", "iets anders"))
ORGANISATION_KINDS = (GEMEENTE, PROVINCIE, WATERSCHAP, RIJK, UITVOERING, OTHER)
