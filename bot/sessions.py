"""Sessions and events: seeded from the catalogue, then kept in the database, where a coordinator adds,
moves and cancels them. A person lists the upcoming ones (`/sessies`), registers and unregisters; the
capacity holds (the session's row is locked while a place is taken), a full session has a waitlist
that moves up by itself, and everything the bot says later (a place that came free, a calendar file,
a move, a cancellation, a reminder) goes through the outbox, in the transaction of the change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from bot.clock import Clock
from bot.dialogues.kick_off import REGISTRATIONS, mentioned
from bot.dialogues.model import Dialogue
from bot.i18n import DEFAULT_LOCALE, Safe, Translator, keywords, no_escape, normalise_locale
from bot.interaction import Target
from bot.outbox import Notice, Param
from bot.parsing import normalise
from bot.ports import Conflict, Unavailable, UnitOfWork
from bot.privacy import CONSENT_VERSION, SESSION_CONSENT, consent_screen, is_current
from bot.programmes import Catalogue, Localised
from bot.quiet_hours import Window, next_opening
from bot.records import Participant
from bot.session_notices import session_params, when
from bot.session_records import (
    ACTIVE,
    TAKING,
    Occupancy,
    Place,
    Registration,
    Session,
    SessionStatus,
    due_reminder,
    from_catalogue,
    has_room,
    hold_days,
    next_reminder,
    places_left,
    reminder_days,
)
from bot.views import Act, Button, Screen

STEP = "session"  # the step of a session button's target: Target(session id, sequence, STEP)
T = TypeVar("T")
_ATTEMPTS = 3
LISTED = 20  # sessions in one list, soonest first
STRANGER = 0  # the participant id of someone only looking: no row is made for them (no places either)


class SessionError(ValueError):
    """A coordinator's change that cannot be made (no such session, an end before its start)."""


class Who(Protocol):
    """A person as a surface knows them (`bot.services.UserRef` is one)."""

    @property
    def platform(self) -> str: ...
    @property
    def external_id(self) -> str: ...
    @property
    def locale_hint(self) -> Callable[[], str | None] | None: ...


def session_target(session: Session) -> Target:
    assert session.id is not None
    return Target(session.id, session.sequence, STEP)


class SessionService:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        catalogue: Catalogue,
        window: Callable[[str | None], Window],
        *,
        console: bool = False,
        start_dialogue: Callable[[Who, str], Screen] | None = None,
    ) -> None:
        self._uow = uow
        self._start_dialogue = start_dialogue  # a session that asks questions first (the kick-off)
        self._clock = clock
        self._catalogue = catalogue
        self._window = window
        self._console = console
        # Read at start-up, so a malformed rule stops the bot instead of a tick much later.
        self._hold_days = {p.id: hold_days(p) for p in catalogue}

    # ---- the catalogue -----------------------------------------------------------------------

    def seed(self) -> int:
        """Store the catalogue's sessions that are not in the database yet; stored ones stay as they
        are (the database copy counts once a coordinator may have changed it)."""
        with self._uow() as uow:
            added = uow.sessions.seed(
                [s for p in self._catalogue for s in from_catalogue(p)], self._clock.now()
            )
            uow.commit()
        return added

    # ---- what a person types or clicks -------------------------------------------------------

    def asks(self, text: str) -> bool:
        """Is this typed text about sessions ('sessies', 'sessies aanmelden 2')?"""
        words = normalise(text).split()
        return bool(words) and words[0] in keywords("keyword.sessions")

    def typed(self, user: Who, text: str) -> Screen:
        """'sessies': the list; 'sessies aanmelden 2' / 'sessies afmelden 2': by its number in the list."""
        words = normalise(text).split()[1:]
        if not words:
            return self.overview(user)
        number = next((int(w) for w in words if w.isdecimal()), None)
        join = any(w in keywords("keyword.session_join") for w in words)
        leave = any(w in keywords("keyword.session_leave") for w in words)
        confirm = any(w in keywords("keyword.session_confirm") for w in words)
        if number is None or join + leave + confirm != 1:
            said = " ".join(words)

            def unknown(uow: UnitOfWork, person: Participant, t: Translator, now: datetime) -> Screen:
                note = f"{t.t('command.unknown', text=said)} {t.t('sessions.typed_help')}"
                return self._list(uow, person, t, now, note)

            return self._run(user, unknown)

        with self._uow() as uow:
            listed = uow.sessions.upcoming(self._clock.now())[:LISTED]
        if not 1 <= number <= len(listed):
            return self._run(
                user,
                lambda uow, person, t, now: self._list(
                    uow, person, t, now, note=t.t("sessions.no_such_number", n=number)
                ),
            )
        chosen = session_target(listed[number - 1])
        if confirm:  # a held place (a manager brought along), in the console where there are no buttons
            return self.confirm(user, chosen)
        return self.join(user, chosen) if join else self.leave(user, chosen)

    def overview(self, user: Who, note: str | None = None) -> Screen:
        return self._run(
            user, lambda uow, person, t, now: self._list(uow, person, t, now, t.t(note) if note else None)
        )

    def join(self, user: Who, target: Target | None) -> Screen:
        """'Aanmelden' on a session: a place, or else the waitlist. A click whose session moved or was
        cancelled since it was shown, or that we did not make, changes nothing."""
        dialogue = self._asks_first(user, target)
        if dialogue is not None and self._start_dialogue is not None:
            return self._start_dialogue(user, dialogue)  # the questions first; confirming takes the place
        return self._run(
            user, lambda uow, person, t, now: self._join(uow, person, t, now, target), store=True
        )

    def _asks_first(self, user: Who, target: Target | None) -> str | None:
        """The dialogue a session's registration asks, when this click can still register."""
        if target is None or target.step != STEP:
            return None
        with self._uow() as uow:
            session = uow.sessions.get(target.intake)
            if session is None or session.dialogue_id is None or session.cancelled:
                return None
            if session.sequence != target.version or self._clock.now() >= session.closes_at:
                return None  # the one-click path says why not
            person = uow.participants.find(user.platform, user.external_id)
            own = uow.sessions.registration(target.intake, person.id) if person else None
            return None if own is not None and own.place in ACTIVE else session.dialogue_id

    def _consented(self, uow: UnitOfWork, person: Participant, programme_id: str) -> bool:
        return is_current(uow.privacy.consent(person.id, programme_id))

    def _ask_consent(
        self, uow: UnitOfWork, person: Participant, t: Translator, now: datetime, session: Session
    ) -> Screen:
        """A one-click registration asks the programme's consent first, like every intake. The
        question names the session (and its sequence), so agreeing registers for it."""
        programme = self._catalogue.get(session.programme_id)
        key = f"{SESSION_CONSENT}{session.id}:{session.sequence}"
        uow.privacy.ask(person.id, programme.id, key, CONSENT_VERSION, now)
        return consent_screen(t, programme, programme.name.get(t.locale), key, self._console)

    def answer_consent(
        self, uow: UnitOfWork, person: Participant, key: str, agree: bool, now: datetime
    ) -> Screen:
        """The answer to a session's consent question (`key` as `_ask_consent` made it), in the
        caller's transaction: a yes records consent and registers the click it was asked for (or says
        why that no longer can); a no keeps nothing of the question."""
        t = Translator(person.locale, no_escape)
        session_id, _, sequence = key.removeprefix(SESSION_CONSENT).partition(":")
        session = (
            uow.sessions.get(int(session_id)) if session_id.isdecimal() and sequence.isdecimal() else None
        )
        if session is None:
            return Screen(lines=(t.t("sessions.stale"),), applied=False)
        programme = self._catalogue.get(session.programme_id)
        if not agree:
            if person.id != STRANGER:
                uow.privacy.decline(person.id, programme.id)
                if uow.privacy.bare(person.id):  # the row was made only to ask: it goes again
                    uow.privacy.erase(person.id, person.platform, person.external_id)
            return Screen(lines=(t.t("consent.declined", programme=programme.name.get(t.locale)),))
        uow.privacy.give(person.id, programme.id, key, CONSENT_VERSION, now)
        joined = self._join(uow, person, t, now, Target(session.id or 0, int(sequence), STEP))
        return replace(joined, lines=(t.t("consent.thanks"), *joined.lines))

    def confirm(self, user: Who, target: Target | None) -> Screen:
        """A manager an MD adviser brought along says yes: the held place is theirs, with its .ics."""
        return self._run(
            user, lambda uow, person, t, now: self._confirm(uow, person, t, now, target), store=True
        )

    def registered_by_dialogue(
        self,
        uow: UnitOfWork,
        person: Participant,
        dialogue: Dialogue,
        answers: Mapping[str, Any],
        t: Translator,
    ) -> list[str]:
        """A registration dialogue was confirmed (in its transaction): take the place at the session
        it registers for, and hold one for the manager an MD adviser brings along, who is asked."""
        if dialogue.id not in REGISTRATIONS:  # a programme's intake: no session to take a place at
            return []
        now = self._clock.now()
        session = next((s for s in uow.sessions.upcoming(now) if s.dialogue_id == dialogue.id), None)
        if session is None:
            return [t.t("sessions.none_to_register")]
        screen = self._join(uow, person, t, now, session_target(session), answers)
        lines = list(screen.lines)
        manager = (
            mentioned(str(answers.get("manager") or "")) if answers.get("brings_manager") == "yes" else None
        )
        if manager and manager != person.external_id and screen.applied:
            lines.append(self._bring(uow, person, session, manager, t, now))
        return lines

    def withdrawn_by_dialogue(
        self, uow: UnitOfWork, person: Participant, dialogue: Dialogue, t: Translator
    ) -> list[str]:
        """A confirmed registration dialogue was withdrawn (its answers are gone): the place goes too,
        to the next on the waitlist, and the details kept with it are deleted."""
        now = self._clock.now()
        for session in uow.sessions.upcoming(now):
            if session.dialogue_id != dialogue.id or session.id is None:
                continue
            own = uow.sessions.registration(session.id, person.id)
            if own is not None and own.place in ACTIVE:
                return list(self._leave(uow, person, t, now, session_target(session)).lines)
        return []

    def leave(self, user: Who, target: Target | None) -> Screen:
        """'Afmelden': the place goes to the first on the waitlist, who hears so."""
        return self._run(
            user, lambda uow, person, t, now: self._leave(uow, person, t, now, target), store=True
        )

    def home(self, user: Who) -> tuple[str, tuple[str, ...], tuple[Button, ...]]:
        """The Home tab's section: a title, a line per upcoming session, and their buttons."""

        def build(
            uow: UnitOfWork, person: Participant, t: Translator, now: datetime
        ) -> tuple[str, tuple[str, ...], tuple[Button, ...]]:
            screen = self._list(uow, person, t, now, None)
            return t.t("sessions.home_title"), screen.lines[1:], screen.buttons

        return self._run(user, build)

    # ---- a coordinator's changes (the lead wires the surface; the CLI has them too) ------------

    def get(self, session_id: int) -> Session | None:
        with self._uow() as uow:
            return uow.sessions.get(session_id)

    def upcoming(self) -> list[tuple[Session, Occupancy]]:
        with self._uow() as uow:
            sessions = uow.sessions.upcoming(self._clock.now())
            taken = uow.sessions.occupancy([s.id for s in sessions if s.id is not None])
            return [(s, taken[s.id]) for s in sessions if s.id is not None]

    def add(
        self,
        programme_id: str,
        title: Localised,
        starts_at: datetime,
        ends_at: datetime,
        *,
        location: str | None = None,
        capacity: int | None = None,
        registration_deadline: datetime | None = None,
    ) -> Session:
        self._catalogue.get(programme_id)  # an unknown programme is refused
        _check_times(starts_at, ends_at, registration_deadline, capacity)
        with self._uow() as uow:
            added = uow.sessions.add(
                Session(
                    programme_id=programme_id,
                    title=title,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    location=location,
                    capacity=capacity,
                    registration_deadline=registration_deadline,
                ),
                self._clock.now(),
            )
            uow.commit()
        return added

    def move(
        self,
        session_id: int,
        starts_at: datetime,
        ends_at: datetime,
        *,
        location: str | None = None,
        registration_deadline: datetime | None = None,
    ) -> Session:
        """A new time (and place): everyone with a place gets an update with a new .ics (same UID,
        SEQUENCE one up), those waiting a word; reminders are planned again for the new time."""
        with self._uow() as uow:
            now = self._clock.now()
            session = self._changeable(uow, session_id)
            if starts_at <= now:  # a session moved into the past could never be moved back cleanly
                raise SessionError("a session can only move to a time still to come")
            deadline = registration_deadline or session.registration_deadline
            if deadline is not None and deadline > starts_at:
                deadline = starts_at
            _check_times(starts_at, ends_at, deadline, session.capacity)
            moved = uow.sessions.save(
                replace(
                    session,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    location=location if location is not None else session.location,
                    registration_deadline=deadline,
                    sequence=session.sequence + 1,
                ),
                now,
            )
            days = self._days(moved)
            for registration in uow.sessions.at(session_id, ACTIVE):
                if registration.place is Place.REGISTERED:
                    remind = next_reminder(moved.starts_at, days, now)
                    uow.sessions.put(replace(registration, remind_at=remind, updated_at=now))
                if registration.place is Place.HELD:  # not yet confirmed: asked again, for the new time
                    extra = self._by(uow, registration)
                    queue(uow, self._window, moved, registration, "session.invited", now, extra=extra)
                    continue
                queue(uow, self._window, moved, registration, "session.moved", now)
            uow.commit()
        return moved

    def cancel(self, session_id: int) -> Session:
        """Cancelled: everyone with a place gets a calendar cancellation (METHOD:CANCEL), those waiting
        a word; no reminder goes out any more."""
        with self._uow() as uow:
            now = self._clock.now()
            session = self._changeable(uow, session_id)
            cancelled = uow.sessions.save(
                replace(session, status=SessionStatus.CANCELLED, sequence=session.sequence + 1), now
            )
            for registration in uow.sessions.at(session_id, ACTIVE):
                uow.sessions.put(replace(registration, remind_at=None, updated_at=now))
                queue(uow, self._window, cancelled, registration, "session.cancelled", now)
            uow.commit()
        return cancelled

    def set_capacity(self, session_id: int, capacity: int | None) -> Session:
        """More (or fewer) places: with more, the waitlist moves up. Fewer never takes a place away."""
        if capacity is not None and capacity < 1:
            raise SessionError("a capacity is 1 place or more (or none: no limit)")
        with self._uow() as uow:
            now = self._clock.now()
            session = self._changeable(uow, session_id)
            changed = uow.sessions.save(replace(session, capacity=capacity), now)
            self._move_up(uow, changed, now)
            uow.commit()
        return changed

    def attendees(self, session_id: int) -> list[tuple[Participant, Registration]]:
        """Who has a place, is held one, or waits (in order)."""
        with self._uow() as uow:
            found = []
            for registration in uow.sessions.at(session_id, ACTIVE):
                person = uow.sessions.person(registration.participant_id)
                if person is not None:
                    found.append((person, registration))
            return found

    # ---- the work, in one transaction ----------------------------------------------------------

    def _run(
        self,
        user: Who,
        work: Callable[[UnitOfWork, Participant, Translator, datetime], T],
        *,
        store: bool = False,
    ) -> T:
        """`work` in one transaction, for the person. Looking (a list, the Home tab) stores nobody: a
        person we do not know yet is shown the list as a stranger; registering is what makes a row."""
        locale: str | None = None
        for attempt in range(_ATTEMPTS):
            try:
                with self._uow() as uow:
                    now = self._clock.now()
                    person = uow.participants.find(user.platform, user.external_id)
                    if person is None and locale is None and user.locale_hint is not None:
                        uow.commit()
                        # A first contact: ask the platform for a language, outside any transaction.
                        locale = normalise_locale(user.locale_hint()) or DEFAULT_LOCALE
                        continue
                    if person is None and not store:
                        person = Participant(
                            STRANGER, user.platform, user.external_id, locale or DEFAULT_LOCALE
                        )
                    elif person is None:
                        person = uow.participants.add(
                            user.platform, user.external_id, locale or DEFAULT_LOCALE, now
                        )
                    result = work(uow, person, Translator(person.locale, no_escape), now)
                    uow.commit()
                    return result
            except (Unavailable, Conflict):  # a lost connection, or the same first contact twice at once
                if attempt == _ATTEMPTS - 1:
                    raise
        raise Unavailable("gave up")

    def _list(
        self, uow: UnitOfWork, person: Participant, t: Translator, now: datetime, note: str | None
    ) -> Screen:
        every = uow.sessions.upcoming(now)
        sessions = every[:LISTED]  # a Slack message holds 50 blocks; the soonest matter most
        lines: list[str] = [note] if note else []
        if not sessions:
            return Screen(lines=(*lines, t.t("sessions.none")))
        lines.append(t.t("sessions.title"))
        occupancy = uow.sessions.occupancy([s.id for s in sessions if s.id is not None])
        mine = {r.session_id: r for r in uow.sessions.of(person.id)}
        buttons: list[Button] = []
        for n, session in enumerate(sessions, start=1):
            assert session.id is not None
            taken, own = occupancy[session.id], mine.get(session.id)
            lines.append(self._row(t, n, session, taken, own, now, uow))
            title = session.title.get(t.locale)
            if own is not None and own.place is Place.HELD:
                buttons.append(
                    Button(
                        Act.SESSION_CONFIRM,
                        t.t("sessions.confirm", title=title),
                        "primary",
                        target=session_target(session),
                    )
                )
            if own is not None:
                buttons.append(
                    Button(
                        Act.SESSION_LEAVE,
                        t.t("sessions.leave", title=title),
                        None,
                        target=session_target(session),
                    )
                )
            elif now < session.closes_at:
                buttons.append(
                    Button(
                        Act.SESSION_JOIN,
                        t.t("sessions.join", title=title),
                        "primary",
                        target=session_target(session),
                    )
                )
        if len(every) > len(sessions):
            lines.append(t.t("sessions.more", n=len(every) - len(sessions)))
        typing = t.t("sessions.typing")
        return Screen(lines=tuple(lines), buttons=() if self._console else tuple(buttons), typing=typing)

    def _row(
        self,
        t: Translator,
        n: int,
        session: Session,
        taken: Occupancy,
        own: Registration | None,
        now: datetime,
        uow: UnitOfWork,
    ) -> Safe:
        programme = self._catalogue.get(session.programme_id).name.get(t.locale)
        left = places_left(session, taken)
        if now >= session.closes_at:
            places = t.t("sessions.closed_short")
        elif left is None:
            places = t.t("sessions.places_unlimited")
        elif left == 0:
            places = t.t("sessions.full", waiting=taken.waiting)
        else:
            places = t.t("sessions.places_left", left=left, capacity=session.capacity)
        if own is None:
            state = t.t("sessions.state_none")
        elif own.place is Place.WAITLISTED:
            state = t.t("sessions.state_waitlisted", n=self._position(uow, own))
        elif own.place is Place.HELD:
            state = t.t("sessions.state_held")
        elif own.remind_at is not None and uow.preferences.wants(own.participant_id, "reminders"):
            # What is planned: the next reminder, when quiet hours let it out.
            at = next_opening(own.remind_at, self._window(session.programme_id))
            state = t.t("sessions.state_registered_reminder", at=t.datetime(at))
        else:
            state = t.t("sessions.state_registered")
        return t.t(
            "sessions.row",
            n=n,
            title=session.title.get(t.locale),
            programme=programme,
            when=when(t, session),
            where=session.location or t.t("sessions.place_unknown"),
            places=places,
            state=state,
        )

    def _position(self, uow: UnitOfWork, registration: Registration) -> int:
        waiting = uow.sessions.at(registration.session_id, (Place.WAITLISTED,))
        return next((i for i, r in enumerate(waiting, start=1) if r.id == registration.id), len(waiting))

    def _held(self, uow: UnitOfWork, t: Translator, now: datetime, target: Target | None) -> Session | Screen:
        """The session a click or a typed number names, locked; or a kind answer when it no longer holds."""
        session = uow.sessions.get(target.intake, lock=True) if target and target.step == STEP else None
        if session is None:
            return Screen(lines=(t.t("sessions.stale"),), applied=False)
        if session.cancelled:
            return Screen(
                lines=(t.t("sessions.was_cancelled", title=session.title.get(t.locale)),), applied=False
            )
        assert target is not None
        if target.version != session.sequence:
            return Screen(
                lines=(
                    t.t("sessions.moved_since", title=session.title.get(t.locale), when=when(t, session)),
                ),
                applied=False,
            )
        if now >= session.starts_at:
            return Screen(lines=(t.t("sessions.started", title=session.title.get(t.locale)),), applied=False)
        return session

    def _join(
        self,
        uow: UnitOfWork,
        person: Participant,
        t: Translator,
        now: datetime,
        target: Target | None,
        answers: Mapping[str, Any] | None = None,
    ) -> Screen:
        held = self._held(uow, t, now, target)
        if isinstance(held, Screen):
            return held
        session = held
        assert session.id is not None
        title = session.title.get(t.locale)
        own = uow.sessions.registration(session.id, person.id)
        if (
            own is not None and own.place in ACTIVE and answers is not None
        ):  # changed details, confirmed again
            uow.sessions.put(replace(own, answers=dict(answers), updated_at=now))
            return Screen(lines=(t.t("sessions.details_updated", title=title),))
        if own is not None and own.place in ACTIVE:
            key = "sessions.already_waitlisted" if own.place is Place.WAITLISTED else "sessions.already"
            return Screen(lines=(t.t(key, title=title),), applied=False)
        if now >= session.closes_at:
            contact = self._catalogue.get(session.programme_id).contact
            return Screen(
                lines=(
                    t.t(
                        "sessions.deadline_passed",
                        title=title,
                        deadline=t.datetime(session.closes_at),
                        contact=contact.name if contact else t.t("contact.coordinator"),
                    ),
                ),
                applied=False,
            )
        if answers is None and not self._consented(uow, person, session.programme_id):
            return self._ask_consent(uow, person, t, now, session)  # the click is kept in the question
        room = has_room(session, uow.sessions.occupancy([session.id])[session.id])
        place = Place.REGISTERED if room else Place.WAITLISTED
        registration = Registration(
            session_id=session.id,
            participant_id=person.id,
            place=place,
            queued_at=now,
            created_at=own.created_at if own else now,
            updated_at=now,
            remind_at=next_reminder(session.starts_at, self._days(session), now) if room else None,
            answers=dict(answers or {}),
            id=own.id if own else None,
        )
        registration = uow.sessions.put(registration)
        if room:
            queue(uow, self._window, session, registration, "session.registered", now)
            return Screen(
                lines=(t.t("sessions.registered", title=title, when=when(t, session)),), changed=True
            )
        return Screen(
            lines=(t.t("sessions.waitlisted", title=title, n=self._position(uow, registration)),),
            changed=True,
        )

    def _confirm(
        self, uow: UnitOfWork, person: Participant, t: Translator, now: datetime, target: Target | None
    ) -> Screen:
        held = self._held(uow, t, now, target)
        if isinstance(held, Screen):
            return held
        session = held
        assert session.id is not None
        title = session.title.get(t.locale)
        own = uow.sessions.registration(session.id, person.id)
        if own is None or own.place is not Place.HELD:
            key = "sessions.already" if own is not None and own.place in TAKING else "sessions.nothing_held"
            return Screen(lines=(t.t(key, title=title),), applied=False)
        remind = next_reminder(session.starts_at, self._days(session), now)
        confirmed = uow.sessions.put(replace(own, place=Place.REGISTERED, remind_at=remind, updated_at=now))
        queue(uow, self._window, session, confirmed, "session.registered", now)
        self._tell_adviser(uow, session, own, "session.brought_confirmed", now)
        return Screen(lines=(t.t("sessions.registered", title=title, when=when(t, session)),), changed=True)

    def _bring(
        self,
        uow: UnitOfWork,
        adviser: Participant,
        session: Session,
        manager_id: str,
        t: Translator,
        now: datetime,
    ) -> str:
        """Hold a place for the manager an MD adviser names (or put them on the waitlist), and ask them."""
        assert session.id is not None
        title = session.title.get(t.locale)
        manager = uow.participants.find(adviser.platform, manager_id) or uow.participants.add(
            adviser.platform, manager_id, adviser.locale, now
        )
        own = uow.sessions.registration(session.id, manager.id)
        if own is not None and own.place in ACTIVE:
            return t.t("sessions.brought_already", title=title)
        # One manager per adviser and session: naming another (after 'wijzig') lets the first go,
        # so no adviser can fill a session with places held for people who never answer.
        for earlier in uow.sessions.at(session.id, (Place.HELD, Place.WAITLISTED)):
            if earlier.brought_by == adviser.id:
                self._let_go(uow, session, earlier, now)
        room = has_room(session, uow.sessions.occupancy([session.id])[session.id])
        brought = uow.sessions.put(
            Registration(
                session_id=session.id,
                participant_id=manager.id,
                place=Place.HELD if room else Place.WAITLISTED,
                queued_at=now,
                created_at=own.created_at if own else now,
                updated_at=now,
                brought_by=adviser.id,
                id=own.id if own else None,
            )
        )
        if not room:
            return t.t("sessions.brought_waitlisted", title=title)
        queue(uow, self._window, session, brought, "session.invited", now, extra=self._by(uow, brought))
        return t.t("sessions.brought_held", title=title, days=self._hold_days[session.programme_id])

    def _tell_adviser(
        self,
        uow: UnitOfWork,
        session: Session,
        brought: Registration,
        template: str,
        now: datetime,
        extra: Mapping[str, Param] | None = None,
    ) -> None:
        """The MD adviser hears whether the manager they brought along comes."""
        if brought.brought_by is None or session.id is None:
            return
        adviser = uow.sessions.registration(session.id, brought.brought_by)
        if adviser is not None:
            queue(uow, self._window, session, adviser, template, now, extra=extra)

    def release_unconfirmed(self, uow: UnitOfWork, now: datetime, limit: int) -> int:
        """For the tick: a place held for a brought manager who has not said yes within the
        programme's `held_place_days` is let go; the waitlist moves up and the MD adviser hears so.
        Returns how many it looked at (at most `limit`)."""
        seen = 0
        for programme_id, days in self._hold_days.items():
            if seen >= limit:
                break
            found = uow.sessions.held_before(programme_id, now - timedelta(days=days), limit - seen)
            seen += len(found)
            for registration in found:
                session = uow.sessions.get(registration.session_id, lock=True)
                current = uow.sessions.registration_by_id(registration.id) if registration.id else None
                if session is None or current is None or current.place is not Place.HELD:
                    continue  # answered at this very moment
                self._let_go(uow, session, current, now)
                self._tell_adviser(
                    uow, session, current, "session.brought_expired", now, extra={"days": days}
                )
        return seen

    def _by(self, uow: UnitOfWork, registration: Registration) -> dict[str, Param]:
        """Who brought a manager along, as they gave their name when they registered."""
        if registration.brought_by is None:
            return {}
        adviser = uow.sessions.registration(registration.session_id, registration.brought_by)
        name = str(adviser.answers.get("name") or "") if adviser else ""
        who = uow.sessions.person(registration.brought_by)
        # The adviser's id rides along so that erasing the adviser also takes this message (and the
        # name in it) from the outbox: storage/privacy.py looks for it.
        session = uow.sessions.get(registration.session_id)
        held = self._hold_days.get(session.programme_id) if session else None
        return {"by": name, "by_user": who.external_id if who else ""} | ({"held_days": held} if held else {})

    def _leave(
        self, uow: UnitOfWork, person: Participant, t: Translator, now: datetime, target: Target | None
    ) -> Screen:
        session = uow.sessions.get(target.intake, lock=True) if target and target.step == STEP else None
        if session is None or session.id is None:
            return Screen(lines=(t.t("sessions.stale"),), applied=False)
        title = session.title.get(t.locale)
        own = uow.sessions.registration(session.id, person.id)
        if own is None or own.place not in ACTIVE:
            return Screen(lines=(t.t("sessions.not_registered", title=title),), applied=False)
        # Data minimisation: a place given up keeps no details.
        uow.sessions.put(replace(own, place=Place.CANCELLED, remind_at=None, answers={}, updated_at=now))
        if own.place is Place.REGISTERED and not session.cancelled:
            queue(uow, self._window, session, own, "session.left", now)  # the calendar entry goes away
        if own.place is Place.HELD:
            self._tell_adviser(uow, session, own, "session.brought_declined", now)
        if own.place in TAKING and not session.cancelled:
            self._move_up(uow, session, now)
        key = "sessions.left_waitlist" if own.place is Place.WAITLISTED else "sessions.unregistered"
        return Screen(lines=(t.t(key, title=title),), changed=True)

    def _let_go(self, uow: UnitOfWork, session: Session, registration: Registration, now: datetime) -> None:
        """A place (or a place in the queue) given up without a word to its holder: they are gone, or
        were never asked. The next on the waitlist moves up."""
        uow.sessions.put(
            replace(registration, place=Place.CANCELLED, remind_at=None, answers={}, updated_at=now)
        )
        if registration.place in TAKING and not session.cancelled:
            self._move_up(uow, session, now)

    def on_erasure(self, uow: UnitOfWork, person: Participant, now: datetime) -> None:
        """A person is erased (the AVG): their places go to the waitlist before their rows go, and
        the managers they brought keep theirs (erasure clears only the pointer to the adviser)."""
        for registration in uow.sessions.of(person.id):
            if registration.place not in ACTIVE:
                continue
            session = uow.sessions.get(registration.session_id, lock=True)
            if session is None:
                continue
            self._let_go(uow, session, registration, now)
            if registration.place is Place.HELD:
                self._tell_adviser(uow, session, registration, "session.brought_declined", now)

    def _move_up(self, uow: UnitOfWork, session: Session, now: datetime) -> None:
        """Give free places to the waitlist, first come first served; each hears so with an .ics."""
        if session.id is None or session.cancelled or now >= session.starts_at:
            return
        for waiting in uow.sessions.at(session.id, (Place.WAITLISTED,)):
            if not has_room(session, uow.sessions.occupancy([session.id])[session.id]):
                return
            if waiting.brought_by is not None:  # a manager an MD adviser brings: asked to confirm first
                asked = uow.sessions.put(replace(waiting, place=Place.HELD, updated_at=now))
                queue(uow, self._window, session, asked, "session.invited", now, extra=self._by(uow, asked))
                continue
            remind = next_reminder(session.starts_at, self._days(session), now)
            promoted = uow.sessions.put(
                replace(waiting, place=Place.REGISTERED, remind_at=remind, updated_at=now)
            )
            queue(uow, self._window, session, promoted, "session.promoted", now)

    def _changeable(self, uow: UnitOfWork, session_id: int) -> Session:
        session = uow.sessions.get(session_id, lock=True)
        if session is None:
            raise SessionError(f"no session {session_id}")
        if session.cancelled:
            raise SessionError(f"session {session_id} was cancelled")
        return session

    def _days(self, session: Session) -> tuple[int, ...]:
        return reminder_days(self._catalogue.get(session.programme_id))


def queue(
    uow: UnitOfWork,
    window: Callable[[str | None], Window],
    session: Session,
    registration: Registration,
    template: str,
    now: datetime,
    *,
    due: datetime | None = None,
    extra: Mapping[str, Param] | None = None,
) -> bool:
    """Write a session notice for one registration to the outbox, in the caller's transaction."""
    person = uow.sessions.person(registration.participant_id)
    assert session.id is not None
    assert registration.id is not None
    if person is None:
        return False
    due = due or now
    key = extra.get("days", "") if extra else ""
    # A reminder comes from the tick, which may run twice: its key says which one it is. Every other
    # notice is written once by the change that causes it, in the same transaction; it gets a key of
    # its own, as one registration row serves every round (register, leave, register again) and a
    # second .ics or cancellation must not be taken for the first.
    stamp = "" if "days" in (extra or {}) else uuid.uuid4().hex
    return uow.outbox.add(
        Notice(
            dedupe_key=f"{template}:{registration.id}:{session.sequence}:{stamp}:{key}",
            platform=person.platform,
            recipient=person.external_id,
            locale=person.locale,
            template=template,
            due_at=due,
            not_before=next_opening(max(due, now), window(session.programme_id)),
            params={
                **session_params(session, now),
                "registration_id": registration.id,
                "place": registration.place.value,
                **(extra or {}),
            },
            participant_id=person.id,
            programme_id=session.programme_id,
        ),
        now,
    )


class HeldPlaces:
    """A producer for the tick: held places nobody confirmed in time go to the waitlist."""

    def __init__(self, service: SessionService) -> None:
        self._service = service

    def __call__(self, uow: UnitOfWork, now: datetime, limit: int) -> int:
        return self._service.release_unconfirmed(uow, now, limit)


class SessionReminders:
    """A producer for the tick: the reminders before each session (by default 7 and 1 days before),
    each once, for people who still have their place, at the session's current time."""

    def __init__(self, catalogue: Catalogue, window: Callable[[str | None], Window]) -> None:
        self._catalogue = catalogue
        self._window = window

    def __call__(self, uow: UnitOfWork, now: datetime, limit: int) -> int:
        due = uow.sessions.due_reminders(now, limit)
        for registration in due:
            session = uow.sessions.get(registration.session_id)
            if session is None or session.starts_at <= now:
                uow.sessions.put(replace(registration, remind_at=None))
                continue
            days = reminder_days(self._catalogue.get(session.programme_id))
            assert registration.remind_at is not None
            d = due_reminder(session.starts_at, days, now)
            # Quiet hours may hold a reminder back; one that could only arrive after the start is not sent.
            late = (
                d is not None
                and next_opening(
                    max(now, session.starts_at - timedelta(days=d)), self._window(session.programme_id)
                )
                >= session.starts_at
            )
            wanted = uow.preferences.wants(registration.participant_id, "reminders")
            if d is not None and not late and wanted:
                queue(
                    uow,
                    self._window,
                    session,
                    registration,
                    "session.reminder",
                    now,
                    due=session.starts_at - timedelta(days=d),
                    # A reminder held up (an outage) past the start is not sent (bot.outbox.expired).
                    extra={"days": d, "expires_at": session.starts_at.isoformat()},
                )
            after = session.starts_at - timedelta(days=d) if d is not None else now
            uow.sessions.put(replace(registration, remind_at=next_reminder(session.starts_at, days, after)))
        return len(due)


def _check_times(
    starts_at: datetime, ends_at: datetime, deadline: datetime | None, capacity: int | None
) -> None:
    for moment in (starts_at, ends_at, deadline):
        if moment is not None and moment.tzinfo is None:
            raise SessionError("times must be aware (Europe/Amsterdam or UTC), not naive")
    if ends_at < starts_at:
        raise SessionError("a session cannot end before it starts")
    if deadline is not None and deadline > starts_at:
        raise SessionError("registration cannot close after the session starts")
    if capacity is not None and capacity < 1:
        raise SessionError("a capacity is 1 place or more (or none: no limit)")
