"""The console, as a newcomer runs it: `ruilbot console` on a fresh SQLite file, typed answers,
Ctrl-D, and coming back later."""

from __future__ import annotations

import pytest

from bot import cli
from tests.consenting import consenting
from tests.samples import SAMPLES


def run_console(monkeypatch: pytest.MonkeyPatch, url: str, lines: list[str], *extra: str) -> str:
    feed = iter(lines)
    shown: list[str] = []

    def read(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", read)
    monkeypatch.setattr("builtins.print", lambda *a, **k: shown.append(" ".join(str(x) for x in a)))
    assert cli.main(["console", "--user", "tester", *extra], env={"DATABASE_URL": url}) == 0
    return "\n".join(shown)


def test_a_full_intake_in_the_console(monkeypatch: pytest.MonkeyPatch, fresh_sqlite_url: str) -> None:
    answers = [
        "1",  # the Managersruil, first on the list of programmes
        "akkoord",  # consent: what is kept, why, who sees it, how long
        "6",
        "DG Fiscaliteit",
        "MT-lid",
        "15",
        "1",
        "uitvoering",
        "bzk",
        "12",
        "1 maart",
        "1",
        "Den Haag",
        "Hoe uitvoering werkt",
        "ja",
    ]
    out = run_console(monkeypatch, fresh_sqlite_url, answers)
    assert "1) Managersruil" in out
    assert "Vraag 1 van 12" in out
    assert "  6) Financiën (FIN)" in out
    assert "Genoteerd: Financiën (FIN)" in out
    assert "Vroegste start" in out
    assert "1 maart 2027" in out
    assert "aanmelding is binnen" in out
    assert out.rstrip().endswith("Tot ziens!")  # confirmed: nothing left to continue


def test_the_console_resumes_after_a_restart(monkeypatch: pytest.MonkeyPatch, fresh_sqlite_url: str) -> None:
    run_console(monkeypatch, fresh_sqlite_url, ["managersruil", "akkoord", "bzk", "DGOO"])
    out = run_console(monkeypatch, fresh_sqlite_url, [])
    assert "Welkom terug" in out
    assert "Vraag 3 van 12" in out


def test_the_console_speaks_english(monkeypatch: pytest.MonkeyPatch, fresh_sqlite_url: str) -> None:
    out = run_console(monkeypatch, fresh_sqlite_url, ["/ruil help"], "--lang", "en")
    assert "Which programme would you like to take part in?" in out
    assert "'summary' shows your answers" in out  # the console's own help, not Slack's commands


def test_the_console_shows_a_nudge_after_moving_its_clock(fresh_sqlite_url: str) -> None:
    from datetime import datetime

    from bot import console
    from bot.bootstrap import bootstrap
    from bot.clock import AMSTERDAM, FixedClock, OffsetClock
    from bot.services import UserRef

    # Wednesday 25 November 2026, 11:00 in Amsterdam: three days on is a Saturday.
    clock = OffsetClock(FixedClock(datetime(2026, 11, 25, 11, 0, tzinfo=AMSTERDAM)))
    services = consenting(bootstrap(fresh_sqlite_url, clock=clock, console=True, migrate=True))
    feed = iter(
        ["/ruil managersruil", "bzk", "DGOO", "/klok +3d", "/klok +1d", "/klok +23u", "/klok", "/klok morgen"]
    )
    shown: list[str] = []

    def read(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    me = UserRef("console", "tester")
    try:
        console.run(services.intake, me, read, shown.append, postbox=console.Postbox(services, clock))
    finally:
        services.close()
    out = "\n".join(shown)
    saturday = out.index("28 november 2026 om 11:00")
    sunday = out.index("29 november 2026 om 11:00")
    monday = out.index("30 november 2026 om 10:00")
    # Due on Saturday, it waits for Monday morning, and says so.
    assert "het komt op 30 november 2026 om 09:00" in out[saturday:sunday]
    nudge = out.index("Je was een tijdje geleden begonnen bij Managersruil")
    assert monday < nudge
    assert "je hebt 2 van de 12 vragen beantwoord" in out[nudge:]
    assert "Typ /klok +3d" in out  # '/klok morgen' is not understood: say what is
    assert "Tip: met /klok +3d" in out
    assert out.count("Je was een tijdje geleden begonnen") == 1


# Each intake in the console: started by its own command words, typed to the summary, confirmed.
CONSOLE_STARTS = {
    "managersruil": ("/ruil managersruil", "aanmelding is binnen"),
    "leidinggevenden-in-beweging": ("/ruil leidinggevenden", "speeddate"),
    "leerwerkplaats": ("/ruil 3", "stelt de groep samen"),  # a number from the list works too
    "peer-to-peer/aanmelding": ("/peer aanmelden", "gemeentesecretaris om je aanmelding"),
    "peer-to-peer/opdracht": ("/peer opdracht", "je opdracht is binnen"),
    "regels-naar-ruimte": ("/regel", "je melding is binnen"),
}


@pytest.mark.parametrize("dialogue_id", list(CONSOLE_STARTS))
def test_every_intake_in_the_console(
    monkeypatch: pytest.MonkeyPatch, fresh_sqlite_url: str, dialogue_id: str
) -> None:
    command, done = CONSOLE_STARTS[dialogue_id]
    out = run_console(monkeypatch, fresh_sqlite_url, [command, "akkoord", *SAMPLES[dialogue_id], "ja"])
    assert "Aan welk programma wil je meedoen?" in out  # a newcomer first sees the list
    assert "Vraag 1 van" in out
    assert "Je antwoorden op een rij" in out
    assert done in out
    assert "Vul in als formulier" not in out  # no forms in a terminal
    assert out.rstrip().endswith("Tot ziens!")
