"""The use cases of an intake conversation. Each call reads, decides and stores in one transaction,
and returns a translated `Screen` for the surface to render."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from bot import engine
from bot.clock import AMSTERDAM, Clock, local_today
from bot.dialogues.model import Dialogue, Kind
from bot.engine import Accepted, Ended, Refused, State
from bot.i18n import DEFAULT_LOCALE, Safe, Translator, keywords, no_escape, normalise_locale
from bot.parsing import normalise
from bot.ports import Conflict, UnitOfWork
from bot.presenter import Presenter
from bot.programmes import Catalogue, Programme
from bot.records import Intake, IntakeStatus, Participant
from bot.views import Act, Home, Screen

_ATTEMPTS = 4  # against Conflict (two messages of one person at the same moment), plus one locale lookup


class _AskPlatform(Exception):
    """A first contact: ask the platform for the person's language, outside the transaction."""


_LANGUAGE = re.compile(r"^(?:taal|language|lang)\s+(\S+)$", re.IGNORECASE)
T = TypeVar("T")
_EDIT = re.compile(r"^(?:(?P<word>[a-z]+)\s*)?(?P<n>\d+)$")


@dataclass(frozen=True)
class UserRef:
    platform: str
    external_id: str
    # Asked only the first time we meet someone: their language as their platform knows it.
    locale_hint: Callable[[], str | None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CommandReply:
    """What a slash command answers in place (ephemeral), and what it sends in the DM, if anything."""

    ephemeral: Screen
    direct: Screen | None = None


@dataclass
class _Turn:
    """One request: who, in which language, about which intake (and so which programme and dialogue)."""

    uow: UnitOfWork
    participant: Participant
    show: Presenter
    intake: Intake | None
    programme: Programme
    dialogue: Dialogue
    typed_at: datetime | None = None  # when a typed message was sent, for ordering

    @property
    def open(self) -> Intake | None:
        return self.intake if self.intake and self.intake.status is IntakeStatus.OPEN else None

    @property
    def active(self) -> Intake | None:
        """Open or confirmed: something the person can still stop."""
        return self.intake if self.intake and self.intake.status is not IntakeStatus.CANCELLED else None


class IntakeService:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        catalogue: Catalogue,
        intakes: Mapping[str, Dialogue],
        *,
        default_programme: str = "managersruil",
        escape: Callable[[str], str] = no_escape,
        console: bool = False,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._catalogue = catalogue
        self._intakes = intakes  # programme id -> its intake dialogue
        self._default = default_programme  # what /ruil starts; the others follow in later issues
        if default_programme not in intakes:
            raise ValueError(f"no intake dialogue for the default programme {default_programme!r}")
        for programme_id in intakes:
            catalogue.get(programme_id)  # every dialogue belongs to a programme in the catalogue
        self._escape = escape
        self._console = console  # the console has no buttons and no slash commands of its own

    # ---- entry points -------------------------------------------------------------------------

    def start(self, user: UserRef, programme_id: str | None = None) -> Screen:
        """Start a programme's intake (default: Managersruil), or resume the open one."""
        return self._run(user, self._start, programme_id or self._default)

    def text(self, user: UserRef, text: str, typed_at: datetime | None = None) -> Screen:
        """Something typed in the conversation: an answer, or a word like 'terug', 'stop' or 'help'.
        `typed_at` (when the platform says it was sent) keeps two quick messages in their order."""
        return self._run(user, lambda turn: self._on_text(turn, text), typed_at=typed_at)

    def answer(self, user: UserRef, question_id: str, values: Sequence[str]) -> Screen:
        """A click on a choice button or a pick from a menu: exact values for one question."""
        return self._run(user, lambda turn: self._on_answer(turn, question_id, list(values)))

    def back(self, user: UserRef, from_question: str) -> Screen:
        """The Terug button under a question: back one, unless that message is no longer the current one."""
        return self._run(user, lambda turn: self._on_back(turn, from_question))

    def act(self, user: UserRef, act: Act) -> Screen:
        return self._run(user, lambda turn: self._on_act(turn, act))

    def edit(self, user: UserRef, question_id: str) -> Screen:
        return self._run(user, lambda turn: self._on_edit(turn, question_id))

    def status(self, user: UserRef) -> Screen:
        return self._run(user, lambda turn: Screen(lines=(self._status_line(turn),)))

    def help(self, user: UserRef) -> Screen:
        return self._run(user, self._help)

    def home(self, user: UserRef) -> Home:
        def build(turn: _Turn) -> Home:
            t = turn.show.t
            return Home(
                title=t.t("home.title"),
                intro=t.t("home.intro"),
                programmes_title=t.t("home.programmes"),
                programmes=tuple(
                    (t.escape(p.name.get(t.locale)), t.escape(p.summary.get(t.locale)))
                    for p in self._catalogue
                ),
                status_title=t.t("home.status"),
                status=self._status_line(turn),
                button=None
                if turn.intake and not turn.open
                else turn.show.start_button(self._start_key(turn)),
            )

        return self._run(user, build, self._default)

    def is_open(self, user: UserRef) -> bool:
        """Is an intake under way (not yet confirmed or stopped)?"""
        return self._run(user, lambda turn: turn.open is not None)

    def locale(self, user: UserRef) -> str:
        return self._run(user, lambda turn: turn.participant.locale)

    def apology(self, user: UserRef) -> Screen:
        """'Something went wrong, your answers are safe', in the person's language if we can still read it."""
        try:
            return self._run(user, self._dm_note("error.generic"))
        except Exception:  # the fault may be the database itself; Dutch is better than silence
            return Screen(lines=(Translator(DEFAULT_LOCALE, self._escape).t("error.generic"),))

    def command(self, user: UserRef, text: str) -> CommandReply:
        """`/ruil <text>`: empty starts or resumes in the DM; help, status, stop and taal answer in place."""
        word = " ".join(text.split()).lower()
        if not word or word in keywords("keyword.start"):
            return CommandReply(self._run(user, self._dm_note("dm.opened")), self.start(user))
        if word in keywords("keyword.help"):
            return CommandReply(self.help(user))
        if word in keywords("keyword.status"):
            return CommandReply(self._run(user, self._status_with_hint))
        if word in keywords("keyword.stop"):
            direct = self.act(user, Act.CANCEL_ASK)
            if direct.buttons:  # there is something to stop: the question goes to the DM
                return CommandReply(self._run(user, self._dm_note("dm.continue")), direct)
            return CommandReply(direct)
        if match := _LANGUAGE.match(word):
            switched = self._run(user, lambda turn: self._set_language(turn, match.group(1)))
            # Answer buttons never go into a channel: the question follows in the DM.
            return CommandReply(
                Screen(lines=switched.lines), switched if switched.prompt or switched.summary else None
            )
        return CommandReply(self._run(user, lambda turn: self._help(turn, unknown=text.strip())))

    # ---- the work, inside one transaction -------------------------------------------------------

    def _run(
        self,
        user: UserRef,
        work: Callable[[_Turn], T],
        programme_id: str | None = None,
        typed_at: datetime | None = None,
    ) -> T:
        """Do `work` in one transaction, about the intake of `programme_id` or else the person's
        active one; retried when a concurrent change got there first."""
        locale: str | None = None
        for attempt in range(_ATTEMPTS):
            try:
                with self._uow() as uow:
                    participant = uow.participants.find(user.platform, user.external_id)
                    if participant is None:
                        if locale is None and user.locale_hint is not None:
                            raise _AskPlatform  # a network call: never while holding a transaction
                        participant = uow.participants.add(
                            user.platform, user.external_id, locale or DEFAULT_LOCALE, self._clock.now()
                        )
                    show = self._presenter(participant.locale)
                    if programme_id is None:
                        intake = uow.intakes.active(participant.id)
                        focus = intake.programme_id if intake else self._default
                    else:
                        intake, focus = uow.intakes.current(participant.id, programme_id), programme_id
                    programme, dialogue = self._catalogue.get(focus), self._intakes[focus]
                    turn = _Turn(uow, participant, show, intake, programme, dialogue, typed_at)
                    result = work(turn)
                    uow.commit()
                    return result
            except _AskPlatform:
                locale = normalise_locale(user.locale_hint() if user.locale_hint else None) or DEFAULT_LOCALE
            except Conflict:
                if attempt == _ATTEMPTS - 1:
                    raise
        raise Conflict("gave up after repeated concurrent changes")

    def _state(self, intake: Intake) -> State:
        state = engine.restore(self._intakes[intake.programme_id], intake.answers, intake.current)
        return replace(state, suggestion=intake.suggestion) if state.current == intake.current else state

    def _store(self, turn: _Turn, intake: Intake, state: State, **changes: object) -> Intake:
        typed = [t for t in (turn.typed_at, intake.last_typed_at) if t is not None]
        changed = replace(
            intake,
            answers=dict(state.answers),
            current=state.current,
            suggestion=state.suggestion,
            updated_at=self._clock.now(),
            last_typed_at=max(typed, default=None),
            **changes,  # type: ignore[arg-type]
        )
        turn.intake = turn.uow.intakes.save(changed)
        return turn.intake

    def _start(self, turn: _Turn) -> Screen:
        show = turn.show
        if turn.open:
            state = replace(self._state(turn.open), suggestion=())  # an old "bedoel je" list is gone
            self._store(turn, turn.open, state, awaiting_cancel=False)
            return show.step(turn.dialogue, state, [show.t.t("resume.welcome_back")])
        if turn.intake and turn.intake.status is IntakeStatus.CONFIRMED:
            return Screen(lines=(self._status_line(turn),))
        now = self._clock.now()
        state = engine.start(turn.dialogue)
        intake = Intake(
            participant_id=turn.participant.id,
            programme_id=turn.programme.id,
            dialogue_version=turn.dialogue.version,
            created_at=now,
            updated_at=now,
            current=state.current,
        )
        turn.intake = turn.uow.intakes.add(intake)
        return show.step(turn.dialogue, state, [show.t.t(turn.dialogue.intro)])

    def _on_text(self, turn: _Turn, text: str) -> Screen:
        word = normalise(text) or text.strip().lower()  # '?' normalises to nothing
        match = _LANGUAGE.match(word)
        if match and (normalise_locale(match.group(1)) or turn.open is None):  # 'taal adviseur' is an answer
            return self._set_language(turn, match.group(1))
        later = turn.intake.last_typed_at if turn.intake else None
        if turn.typed_at is not None and later is not None and turn.typed_at < later:
            return self._out_of_order(turn, text)
        active = turn.active
        if active is not None and active.awaiting_cancel:
            if word in keywords("keyword.yes") or word in keywords("keyword.stop"):
                return self._cancel(turn, active)
            if word in keywords("keyword.no"):
                return self._keep_going(turn, active)
            return turn.show.ask_cancel()
        if active is not None and word in keywords("keyword.stop"):
            return self._ask_cancel(turn, active)
        intake = turn.open
        if intake is None:
            return self._no_intake(turn, word)
        state = self._state(intake)
        if word in keywords("keyword.help"):
            return self._help(turn, state=state)
        if word in keywords("keyword.status"):
            return turn.show.step(turn.dialogue, state, [self._status_line(turn)])
        if word in keywords("keyword.back"):
            return self._back(turn, intake, state)
        if word in keywords("keyword.start"):
            return self._start(turn)
        if word in keywords("keyword.summary"):
            return self._overview(turn, intake, state)
        if word in keywords("keyword.next") and state.current is not None:
            return self._skip_answered(turn, intake, state)
        if state.current is None:
            return self._at_summary(turn, intake, state, word)
        return self._submit(turn, intake, state, text, typed=True)

    def _on_answer(self, turn: _Turn, question_id: str, values: list[str]) -> Screen:
        if (intake := turn.open) is None:
            return self._no_intake(turn, "")
        state = self._state(intake)
        if state.current != question_id:
            return self._stale(turn, intake, state)
        if not values and question_id in state.answers:  # 'Verder' with the menu untouched: keep it
            return self._skip_answered(turn, intake, state)
        return self._submit(turn, intake, state, values, typed=False)

    def _on_act(self, turn: _Turn, act: Act) -> Screen:
        if act is Act.START:
            return self._start(turn)
        active = turn.active
        if act in (Act.CANCEL_ASK, Act.CANCEL_YES, Act.CANCEL_NO):
            if active is None:
                return Screen(lines=(turn.show.t.t("cancel.nothing"),))
            if act is Act.CANCEL_ASK:
                return self._ask_cancel(turn, active)
            if act is Act.CANCEL_YES:
                return self._cancel(turn, active)
            return self._keep_going(turn, active)
        if (intake := turn.open) is None:
            return self._no_intake(turn, "")
        return self._confirm(turn, intake, self._state(intake))

    def _on_back(self, turn: _Turn, from_question: str) -> Screen:
        if (intake := turn.open) is None:
            return self._no_intake(turn, "")
        state = self._state(intake)
        if state.current != from_question:  # the Terug button of an older message
            return self._stale(turn, intake, state)
        return self._back(turn, intake, state)

    def _on_edit(self, turn: _Turn, question_id: str) -> Screen:
        if (intake := turn.open) is None:
            return self._no_intake(turn, "")
        state = self._state(intake)
        try:
            state = engine.edit(turn.dialogue, state, question_id)
        except KeyError:
            return self._stale(turn, intake, state)
        self._store(turn, intake, state, awaiting_cancel=False)
        return turn.show.step(turn.dialogue, state)

    # ---- steps ----------------------------------------------------------------------------------

    def _submit(
        self, turn: _Turn, intake: Intake, state: State, given: str | list[str], *, typed: bool
    ) -> Screen:
        show = turn.show
        question = turn.dialogue.question(state.current or "")
        outcome = engine.submit(turn.dialogue, state, given, local_today(self._clock))
        if isinstance(outcome, Refused):
            self._store(turn, intake, outcome.state)
            return replace(show.step(turn.dialogue, outcome.state, [show.say(outcome.error)]), applied=False)
        if isinstance(outcome, Accepted | Ended):  # an ending shows itself in the next step
            self._store(turn, intake, outcome.state, awaiting_cancel=False)
            lines: list[str] = []
            if typed and question.kind is not Kind.TEXT:  # show how we read "finacien" or "1 maart"
                value = outcome.state.answers[question.id]
                lines.append(show.t.t("answer.echo", value=show.value(question, value)))
            lines.extend(show.say(n) for n in outcome.notices)
            return show.step(turn.dialogue, outcome.state, lines)
        self._store(turn, intake, outcome.state)
        return replace(
            show.unsure(turn.dialogue, outcome.state, given if isinstance(given, str) else ""), applied=False
        )

    def _back(self, turn: _Turn, intake: Intake, state: State) -> Screen:
        previous = engine.back(turn.dialogue, state)
        if previous is None:
            return turn.show.step(turn.dialogue, state, [turn.show.t.t("back.first")])
        self._store(turn, intake, previous, awaiting_cancel=False)
        return turn.show.step(turn.dialogue, previous)

    def _overview(self, turn: _Turn, intake: Intake, state: State) -> Screen:
        """'overzicht': the summary when all is answered, else where we are."""
        if not engine.is_complete(turn.dialogue, state.answers):
            return turn.show.step(turn.dialogue, state, [self._status_line(turn)])
        summary = State(state.answers, None)
        self._store(turn, intake, summary)
        return turn.show.step(turn.dialogue, summary)

    def _skip_answered(self, turn: _Turn, intake: Intake, state: State) -> Screen:
        """'verder' after 'terug' or 'wijzig': keep the answer as it was and go on."""
        if state.current not in state.answers:
            return turn.show.step(turn.dialogue, state, [turn.show.t.t("next.unanswered")])
        moved = State(state.answers, engine.first_open(turn.dialogue, state.answers))
        self._store(turn, intake, moved)
        return turn.show.step(turn.dialogue, moved)

    def _at_summary(self, turn: _Turn, intake: Intake, state: State, word: str) -> Screen:
        if word in keywords("keyword.yes"):
            return self._confirm(turn, intake, state)
        match = _EDIT.match(word)
        if match and (match.group("word") is None or match.group("word") in keywords("keyword.edit")):
            rows = engine.summary(turn.dialogue, state.answers)
            n = int(match.group("n"))
            if not 1 <= n <= len(rows):
                return turn.show.step(
                    turn.dialogue, state, [turn.show.t.t("edit.unknown", n=n, total=len(rows))]
                )
            return self._on_edit(turn, rows[n - 1][0].id)
        if engine.outcome(turn.dialogue, state.answers) is not None:  # ended: it says what can be typed
            return turn.show.step(turn.dialogue, state)
        return turn.show.step(turn.dialogue, state, [turn.show.t.t("summary.unclear")])

    def _confirm(self, turn: _Turn, intake: Intake, state: State) -> Screen:
        if not engine.is_complete(turn.dialogue, state.answers):
            return turn.show.step(turn.dialogue, state)
        now = self._clock.now()
        self._store(
            turn, intake, state, status=IntakeStatus.CONFIRMED, confirmed_at=now, awaiting_cancel=False
        )
        return Screen(lines=(turn.show.t.t(turn.dialogue.done),))

    def _ask_cancel(self, turn: _Turn, intake: Intake) -> Screen:
        self._store(turn, intake, self._state(intake), awaiting_cancel=True)
        return turn.show.ask_cancel()

    def _cancel(self, turn: _Turn, intake: Intake) -> Screen:
        # Data minimisation: a stopped intake keeps no answers.
        self._store(turn, intake, State({}, None), status=IntakeStatus.CANCELLED, awaiting_cancel=False)
        return Screen(lines=(turn.show.t.t("cancel.done"),))

    def _keep_going(self, turn: _Turn, intake: Intake) -> Screen:
        state = self._state(intake)
        self._store(turn, intake, state, awaiting_cancel=False)
        kept = turn.show.t.t("cancel.kept")
        if intake.status is IntakeStatus.OPEN:
            return turn.show.step(turn.dialogue, state, [kept])
        return Screen(lines=(kept, self._status_line(turn)))

    def _stale(self, turn: _Turn, intake: Intake, state: State) -> Screen:
        return replace(turn.show.step(turn.dialogue, state, [turn.show.t.t("error.stale")]), applied=False)

    def _out_of_order(self, turn: _Turn, text: str) -> Screen:
        """An older message handled after a newer one (two sent at once): not used, and said so."""
        line = turn.show.t.t("error.out_of_order", answer=text.strip())
        if turn.open is None:
            return Screen(lines=(line,), applied=False)
        return replace(turn.show.step(turn.dialogue, self._state(turn.open), [line]), applied=False)

    def _no_intake(self, turn: _Turn, word: str) -> Screen:
        if word in keywords("keyword.start"):
            return self._start(turn)
        if word in keywords("keyword.help"):
            return self._help(turn)
        if turn.intake is not None or word in keywords("keyword.status"):
            return Screen(lines=(self._status_line(turn),))
        t = turn.show.t
        return Screen(
            lines=(t.t("no_intake", programme=self._name(turn)),),
            buttons=(turn.show.start_button(),),
        )

    def _presenter(self, locale: str) -> Presenter:
        return Presenter(Translator(locale, self._escape), console=self._console)

    def _help(self, turn: _Turn, unknown: str | None = None, state: State | None = None) -> Screen:
        t = turn.show.t
        commands = t.t("help.console" if self._console else "help.commands")
        if unknown:  # someone mistyped a command: what they can type is what helps, not the whole story
            lines = [t.t("command.unknown", text=unknown), commands]
        else:
            lines = [t.t("help.title"), t.escape(turn.programme.description.get(t.locale)), commands]
        if state is not None:
            return turn.show.step(turn.dialogue, state, lines)
        return Screen(lines=tuple(lines))

    def _set_language(self, turn: _Turn, code: str) -> Screen:
        locale = normalise_locale(code)
        if locale is None:
            return Screen(lines=(turn.show.t.t("language.unknown"),))
        turn.uow.participants.set_locale(turn.participant.id, locale, self._clock.now())
        turn.show = self._presenter(locale)
        lines = [turn.show.t.t("language.set")]
        if turn.open:
            return turn.show.step(turn.dialogue, self._state(turn.open), lines)
        return Screen(lines=tuple(lines))

    def _status_with_hint(self, turn: _Turn) -> Screen:
        lines = [self._status_line(turn)]
        if turn.open:
            lines.append(turn.show.t.t("status.continue"))
        elif turn.intake and turn.intake.status is IntakeStatus.CONFIRMED:
            lines.append(turn.show.t.t("status.withdraw"))
        return Screen(lines=tuple(lines))

    def _dm_note(self, key: str) -> Callable[[_Turn], Screen]:
        return lambda turn: Screen(lines=(turn.show.t.t(key),))

    def _name(self, turn: _Turn) -> Safe:
        return turn.show.t.escape(turn.programme.name.get(turn.show.t.locale))

    def _start_key(self, turn: _Turn) -> str:
        return "action.resume" if turn.open else "action.start"

    def _status_line(self, turn: _Turn) -> Safe:
        t, name, intake = turn.show.t, self._name(turn), turn.intake
        if intake is None or intake.status is IntakeStatus.CANCELLED:
            return t.t("status.none", programme=name)
        if intake.status is IntakeStatus.CONFIRMED and intake.confirmed_at:
            return t.t(
                "status.confirmed",
                programme=name,
                date=t.date(intake.confirmed_at.astimezone(AMSTERDAM).date()),
            )
        state = self._state(intake)
        if state.current is None:
            ended = engine.outcome(turn.dialogue, state.answers) is not None
            return t.t("status.ended" if ended else "status.ready", programme=name)
        answered, total = len(state.answers), len(engine.applicable(turn.dialogue, state.answers))
        return t.t("status.open", programme=name, answered=answered, total=total)
