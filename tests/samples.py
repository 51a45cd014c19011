"""A plausible Managersruil intake, as a person would type it; shared by tests and the benchmark."""

from __future__ import annotations

ANSWERS = [
    "finacien",
    "DG Fiscaliteit",
    "Afdelingshoofd",
    "15",
    "beleid",
    "uitvoering en staf",
    "bzk, ocw",
    "1 jaar",
    "1 maart",
    "ja, weet het en steunt het",
    "Den Haag",
    "Hoe de uitvoering van beleid echt werkt",
]
