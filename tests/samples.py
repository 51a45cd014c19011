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

# A plausible intake for every declared dialogue, by dialogue id, as people would type it (today is
# 27 November 2026 in the tests).
SAMPLES: dict[str, list[str]] = {
    "managersruil": ANSWERS,
    "leidinggevenden-in-beweging": [
        "Gemeente Leusden",
        "gemeente",
        "Leusden",
        "Teamleider Burgerzaken",
        "14",
        "provincie, waterschap",
        "1 maart",
        "ja",
        "ja",
    ],
    "leerwerkplaats": [
        "Belastingdienst",
        "rijk",
        "uitvoering",
        "Programmamanager Wendbaar Werken",
        "We voeren zelforganiserende teams in bij de klantenservice",
        "Hoe houd ik het management aan boord als teams zelf gaan sturen?",
        "Ik wil leren van collega's die hetzelfde doormaken",
        "ja",
        "1, 2, 4",
    ],
    "peer-to-peer/aanmelding": [
        "Gemeente Utrecht",
        "Beleidsadviseur economie",
        "Onderzoek, stakeholders verbinden en adviseren",
        "Hoe bedrijven groeien en wat ze van de overheid nodig hebben",
        "1 februari",
        "8",
        "strategie, organisatie",
        "ja",
        "@marieke.gemsec",
    ],
    "peer-to-peer/opdracht": [
        "Pluimveebedrijf De Hoeve",
        "bedrijf",
        "Hoe organiseren we ons bedrijf nu we zo hard gegroeid zijn?",
        "Familiebedrijf met 40 medewerkers, drie vestigingen en geen middenkader",
        "Een advies over de nieuwe organisatie en een plan om er te komen",
        "10",
        "1 februari",
        "1 mei",
        "Jan de Boer",
        "jan@dehoeve.nl",
        "06-12345678",
    ],
    "regels-naar-ruimte": [
        "Gemeente Zwolle",
        "De regel dat elke aanvraag bijzondere bijstand door twee mensen wordt getoetst",
        "https://lokaleregelgeving.overheid.nl/CVDR123456",
        "Kleine aanvragen blijven weken liggen omdat een tweede toetser ontbreekt",
        "Inwoners in acute nood wachten te lang op een paar honderd euro",
        "Aanvragen onder de 500 euro toetst één consulent, met steekproeven achteraf",
        "right to challenge",
        "ja",
        "ja",
        "ja",
        "ja",
    ],
}
