"""What the AVG (GDPR) gives a person, and what it asks of us: consent before an intake, everything
stored about a person on request (export), erasure on request, and intakes erased a set time after
their programme ended (retention). The processing record is docs/privacy.md.

Consent is asked in `IntakeService` (it is the first step of every intake, on every surface); the
text and the facts it names (who sees what, for how long) come from here.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.clock import AMSTERDAM, Clock
from bot.i18n import DEFAULT_LOCALE, Translator, keywords, no_escape
from bot.intents import Intent, intent, word
from bot.outbox import Notice
from bot.ports import Conflict, Unavailable, UnitOfWork
from bot.programmes import Catalogue, Programme
from bot.records import Consent, Participant
from bot.views import Act, Attachment, Button, Screen

_ATTEMPTS = 3  # an erasure that clashes with a concurrent change is tried again this often

# The version of the consent text (`consent.*` in the catalogues). Raise it when what it says changes
# in substance: everyone is asked again, before their next new intake.
CONSENT_VERSION = 1
RETENTION_MONTHS = 12  # after the programme's end, when its catalogue entry does not say
UNANSWERED = timedelta(days=30)  # a consent question nobody answered: the row made to ask it goes
FORGET_WINDOW = timedelta(hours=1)  # a 'yes' to "erase everything?" counts this long after the question
EXPORT_FORMAT = 1
EXPORT, FORGET = "export", "forget"  # what a person can ask of their data
# A consent question asked for a one-click session registration names the click, not a dialogue:
# 'session:<id>:<sequence>', so that agreeing registers the person (bot/sessions.py).
SESSION_CONSENT = "session:"


def programme_end(programme: Programme) -> date | None:
    """When a programme ends: its catalogue rule `programme_end`, or else the day its last event
    ends (in Amsterdam). None when the catalogue says neither (it runs until the coordinators say)."""
    given = programme.rules.get("programme_end")
    if isinstance(given, date):
        return given
    if programme.events:
        return max(e.ends_at for e in programme.events).astimezone(AMSTERDAM).date()
    return None


def retention_months(programme: Programme) -> int:
    months = programme.rules.get("retention_months")
    return months if isinstance(months, int) and not isinstance(months, bool) else RETENTION_MONTHS


def ended_at(programme: Programme) -> datetime | None:
    """The moment a programme's end day is over (Amsterdam), in UTC; None when no end is known."""
    end = programme_end(programme)
    if end is None:
        return None
    return datetime.combine(end + timedelta(days=1), time(0, 0), AMSTERDAM).astimezone(UTC)


def is_current(consent: Consent | None) -> bool:
    """Did the person agree to the current consent text (not only to an older one, or not yet)?"""
    return consent is not None and consent.given_at is not None and consent.text_version >= CONSENT_VERSION


def erase_after(programme: Programme) -> datetime | None:
    """The moment a programme's intakes are erased: its end plus its retention (None: no end known)."""
    end = programme_end(programme)
    if end is None:
        return None
    months = retention_months(programme)
    year, month = divmod(end.month - 1 + months, 12)
    year, month = end.year + year, month + 1
    day = min(end.day, calendar.monthrange(year, month)[1])  # 31 August + 6 months: 28 or 29 February
    moment = datetime.combine(date(year, month, day), time(0, 0), AMSTERDAM)
    return moment.astimezone(UTC) + timedelta(days=1)  # the whole last day counts


def consent_lines(
    t: Translator, programme: Programme, name: str, *, session: bool = False
) -> tuple[str, ...]:
    """What we store, why, who sees it and how long, for one programme. Asked before a one-click
    `session` registration, "what" names that registration: no questions follow it."""
    end = programme_end(programme)
    months = retention_months(programme)
    keep = (
        t.t("consent.kept", months=months, end=t.date(end))
        if end is not None
        else t.t("consent.kept_open", months=months)
    )
    return (
        t.t("consent.title", programme=name),
        t.t("consent.what_session", programme=name) if session else t.t("consent.what"),
        t.t("consent.why", programme=name),
        t.t("consent.who"),
        keep,
        t.t("consent.rights"),
    )


def consent_screen(t: Translator, programme: Programme, name: str, dialogue_id: str, console: bool) -> Screen:
    buttons = (
        ()
        if console
        else (
            Button(Act.AGREE, t.t("consent.agree"), "primary", dialogue_id),
            Button(Act.DECLINE, t.t("consent.decline"), None, dialogue_id),
        )
    )
    return Screen(
        lines=consent_lines(t, programme, name, session=dialogue_id.startswith(SESSION_CONSENT)),
        buttons=buttons,
        typing=t.t("consent.typing"),
        consent=dialogue_id,
    )


def request(text: str) -> str | None:
    """'mijn-gegevens' / 'my-data' -> "export"; 'vergeet-mij' / 'forget-me' -> "forget"; else None.
    Read the same after /ruil, in a DM and in the console."""
    said = word(text)
    if said in keywords("keyword.my_data"):
        return EXPORT
    if said in keywords("keyword.forget_me"):
        return FORGET
    return None


def agrees(text: str) -> bool | None:
    """A typed answer to the consent question: True (agree), False (no, stop), None (something else)."""
    said = intent(text)
    if said is Intent.YES or word(text) in keywords("keyword.agree"):
        return True
    if said in (Intent.NO, Intent.STOP):
        return False
    return None


# ---- export and erasure -------------------------------------------------------------------------


@dataclass(frozen=True)
class PrivacyReply:
    screen: Screen
    document: Attachment | None = None  # their data as JSON, for their DM
    erased: bool = False  # everything about the person is gone: send this last message, then nothing


# Run inside the erasure's transaction, before anything is deleted: whoever shares an open proposal
# with the person hears that it ended (without why). The matching branch registers its own.
ErasureHook = Callable[[UnitOfWork, Participant, datetime], None]


def proposal_ended(partner: Participant, programme_id: str, key: str, now: datetime) -> Notice:
    """The notice an erasure hook queues for someone whose proposal ended: it says nothing of why."""
    return Notice(
        dedupe_key=f"privacy.proposal_ended:{key}:{partner.id}",
        platform=partner.platform,
        recipient=partner.external_id,
        locale=partner.locale,
        template="privacy.proposal_ended",
        due_at=now,
        not_before=now,
        params={"programme_id": programme_id},
        participant_id=partner.id,
        programme_id=programme_id,
    )


class PrivacyService:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        catalogue: Catalogue,
        *,
        escape: Callable[[str], str] = no_escape,
        hooks: Sequence[ErasureHook] = (),
        console: bool = False,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._catalogue = catalogue
        self._escape = escape
        self._hooks = list(hooks)
        self._console = console

    def add_hook(self, hook: ErasureHook) -> None:
        self._hooks.append(hook)

    def _t(self, person: Participant | None, locale: str | None = None) -> Translator:
        return Translator(person.locale if person else (locale or DEFAULT_LOCALE), self._escape)

    def export(self, platform: str, external_id: str, locale: str | None = None) -> PrivacyReply:
        """Everything stored about a person, as one JSON file. Reading it changes nothing."""
        with self._uow() as uow:
            person = uow.participants.find(platform, external_id)
            t = self._t(person, locale)
            if person is None:
                return PrivacyReply(Screen(lines=(t.t("privacy.export_nothing"),)))
            tables = uow.privacy.export(person.id, platform, external_id)
        now = self._clock.now()
        data = {
            "format": EXPORT_FORMAT,
            "exported_at": now.isoformat(),
            "person": {"platform": platform, "id": external_id},
            "tables": tables,
        }
        content = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
        stamp = now.astimezone(AMSTERDAM).strftime("%Y-%m-%d")
        document = Attachment(f"ruilbot-{stamp}.json", str(t.t("privacy.export_title")), content)
        return PrivacyReply(Screen(lines=(t.t("privacy.export_sent"),)), document)

    def ask_forget(self, platform: str, external_id: str, locale: str | None = None) -> PrivacyReply:
        """'vergeet mij': asks first. Nothing stored means nothing to ask about."""
        with self._uow() as uow:
            person = uow.participants.find(platform, external_id)
            t = self._t(person, locale)
            if person is None:
                return PrivacyReply(Screen(lines=(t.t("privacy.forget_nothing"),)))
            uow.participants.ask_forget(person.id, self._clock.now())
            uow.commit()
        buttons = (
            ()
            if self._console
            else (
                Button(Act.FORGET_YES, t.t("privacy.forget_yes"), "danger"),
                Button(Act.FORGET_NO, t.t("privacy.forget_no")),
            )
        )
        return PrivacyReply(
            Screen(lines=(t.t("privacy.forget_ask"),), buttons=buttons, typing=t.t("privacy.forget_typing"))
        )

    def forget(
        self, platform: str, external_id: str, confirmed: bool, locale: str | None = None
    ) -> PrivacyReply:
        """The answer to "erase everything?". Yes (within the hour it was asked): every row about the
        person goes, in one transaction; the reply is the last message they get from us. A transaction
        that clashes with another change of theirs (or loses its connection) is tried again whole."""
        for attempt in range(_ATTEMPTS):
            try:
                return self._forget(platform, external_id, confirmed, locale)
            except (Conflict, Unavailable):
                if attempt == _ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _forget(self, platform: str, external_id: str, confirmed: bool, locale: str | None) -> PrivacyReply:
        with self._uow() as uow:
            person = uow.participants.find(platform, external_id)
            t = self._t(person, locale)
            now = self._clock.now()
            asked = person.forget_asked_at if person else None
            if person is None:
                return PrivacyReply(Screen(lines=(t.t("privacy.forget_nothing"),)))
            if asked is None or now - asked > FORGET_WINDOW:
                return PrivacyReply(Screen(lines=(t.t("privacy.forget_stale"),), applied=False))
            if not confirmed:
                uow.participants.ask_forget(person.id, None)
                uow.commit()
                return PrivacyReply(Screen(lines=(t.t("privacy.forget_kept"),)))
            self.erase_in(uow, person, now)
            uow.commit()
        return PrivacyReply(Screen(lines=(t.t("privacy.forget_done"),), changed=True), erased=True)

    def erase_in(self, uow: UnitOfWork, person: Participant, now: datetime) -> None:
        """Erase a person within `uow`'s transaction: first the hooks (whoever shares an open proposal
        with them hears it ended), then every row about them."""
        for hook in self._hooks:
            hook(uow, person, now)
        uow.privacy.erase(person.id, person.platform, person.external_id)

    def awaiting_forget(self, platform: str, external_id: str) -> bool:
        """Was this person asked "erase everything?" within the hour (so 'ja' or 'nee' answers it)?"""
        with self._uow() as uow:
            person = uow.participants.find(platform, external_id)
        asked = person.forget_asked_at if person else None
        return asked is not None and self._clock.now() - asked <= FORGET_WINDOW


# ---- retention ----------------------------------------------------------------------------------


class RetentionProducer:
    """A tick producer: erases the intakes of every programme whose end plus retention has passed, and
    the rows of people who were asked for consent and never answered (they closed the form)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue

    def __call__(self, uow: UnitOfWork, now: datetime, limit: int) -> int:
        silent = uow.privacy.unanswered(now - UNANSWERED, limit)
        for participant_id, platform, external_id in silent:
            uow.privacy.erase(participant_id, platform, external_id)
        looked = len(silent)
        for programme in self._catalogue:
            moment, ended = erase_after(programme), ended_at(programme)
            if moment is None or ended is None or now < moment or looked >= limit:
                continue
            # Only this edition's: an intake started after the end is for a next one, whose dates the
            # coordinators have yet to put in the catalogue.
            ids = uow.privacy.intakes_of(programme.id, ended, limit - looked)
            uow.privacy.erase_intakes(ids)
            looked += len(ids)
        return looked
