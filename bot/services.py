"""The use cases of an intake conversation. Each call reads, decides and stores in one transaction,
and returns a translated `Screen` for the surface to render.

Two rules keep an answer where the person meant it:
- A click names what it was shown for (`bot.interaction.Target`: intake, conversation version, step);
  one whose target no longer holds changes nothing and shows where the person is.
- A typed message counts for the step that was on the person's screen when they sent it (the
  surface reports what it showed, and when, through `shown`). When that is not the step the bot is
  at now (the next question never reached them, or they typed twice before it came), the bot shows
  where they are instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar, cast

from bot import engine
from bot.clock import AMSTERDAM, Clock, local_today
from bot.dialogues.model import Dialogue, Kind
from bot.engine import Accepted, Ended, Refused, State
from bot.i18n import DEFAULT_LOCALE, Safe, Translator, keywords, no_escape, normalise_locale
from bot.interaction import CANCEL, SUMMARY, Target
from bot.limits import TYPED_TEXT
from bot.parsing import clean, normalise
from bot.ports import Conflict, Unavailable, UnitOfWork
from bot.presenter import Presenter
from bot.presenter import clip as _quote
from bot.programmes import Catalogue, Programme
from bot.records import Conversation, Intake, IntakeStatus, Participant
from bot.views import Act, Home, Screen

_ATTEMPTS = 4  # against Conflict (two messages of one person at the same moment), plus one locale lookup
# Slack redelivers an unacknowledged event within minutes; ids older than this are forgotten.
INBOUND_MEMORY = timedelta(days=1)
_PRUNE_EVERY = 500  # turns with inbound ids between two clean-ups of old ones


class _AskPlatform(Exception):
    """A first contact: ask the platform for the person's language, outside the transaction."""


class _Duplicate(Exception):
    """A message or event we have handled before, delivered again."""


_LANGUAGE = re.compile(r"^(?:taal|language|lang)\s+(\S+)$", re.IGNORECASE)
T = TypeVar("T")
_EDIT = re.compile(r"^(?:(?P<word>[a-z]+)\s*)?(?P<n>[0-9]{1,4})$")
_EARLIER = "<earlier>"  # the person typed before the latest step reached their screen


@dataclass(frozen=True)
class UserRef:
    platform: str
    external_id: str
    # Asked only the first time we meet someone: their language as their platform knows it.
    locale_hint: Callable[[], str | None] | None = field(default=None, compare=False)
    # Where the person talks to us; each surface keeps its own place in an intake.
    surface: str = ""

    @property
    def place(self) -> str:
        return self.surface or ("console" if self.platform == "console" else "dm")


@dataclass(frozen=True)
class CommandReply:
    """What a slash command answers in place (ephemeral), and what it sends in the DM, if anything."""

    ephemeral: Screen
    direct: Screen | None = None


@dataclass
class _Turn:
    """One request: who, in which language, about which intake (and so which programme and dialogue),
    and where that surface stands in it."""

    uow: UnitOfWork
    participant: Participant
    show: Presenter
    intake: Intake | None
    programme: Programme
    dialogue: Dialogue
    surface: str
    conversation: Conversation | None = None
    typed_at: datetime | None = None  # when a typed message was sent (the platform's time)
    state: State | None = None  # the engine's view of intake and conversation, once worked out

    @property
    def open(self) -> Intake | None:
        return self.intake if self.intake and self.intake.status is IntakeStatus.OPEN else None

    @property
    def active(self) -> Intake | None:
        """Open or confirmed: something the person can still stop."""
        return self.intake if self.intake and self.intake.status is not IntakeStatus.CANCELLED else None

    @property
    def awaiting_cancel(self) -> bool:
        return self.active is not None and self.conversation is not None and self.conversation.awaiting_cancel


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
        self._since_prune = 0

    # ---- entry points -------------------------------------------------------------------------

    def start(self, user: UserRef, programme_id: str | None = None) -> Screen:
        """Start a programme's intake (default: Managersruil), or resume the open one."""
        return self._run(user, self._start, programme_id or self._default)

    def text(
        self, user: UserRef, text: str, typed_at: datetime | None = None, ids: Sequence[str] = ()
    ) -> Screen | None:
        """Something typed in the conversation: an answer, or a word like 'terug', 'stop' or 'help'.
        `typed_at` (when the platform says it was sent) orders quick messages and tells which step
        was on screen; `ids` (event and message ids) make a second delivery a no-op (None)."""
        if len(text) > TYPED_TEXT:  # refused before any reading: a huge text costs nothing more
            return self._once(user, lambda turn: self._too_long(turn, len(text)), typed_at, ids)
        typed = clean(text)
        return self._once(user, lambda turn: self._on_text(turn, typed), typed_at, ids)

    def edited(self, user: UserRef, sent_at: datetime, text: str, ids: Sequence[str] = ()) -> Screen | None:
        """The person edited a message they sent at `sent_at`: the last answer is replaced while the
        question after it is still open; any other edit gets a note on how to change an answer."""
        if len(text) > TYPED_TEXT:
            return self._once(user, lambda turn: self._too_long(turn, len(text)), None, ids)
        typed = clean(text)
        return self._once(user, lambda turn: self._on_edited(turn, sent_at, typed), None, ids)

    def answer(self, user: UserRef, target: Target, values: Sequence[str]) -> Screen:
        """A click on a choice button or a pick from a menu: exact values for the step it was shown for."""
        return self._run(user, lambda turn: self._on_answer(turn, target, [clean(v) for v in values]))

    def back(self, user: UserRef, target: Target) -> Screen:
        """The Terug button under a question."""
        return self._run(user, lambda turn: self._on_back(turn, target))

    def act(self, user: UserRef, act: Act, target: Target | None = None) -> Screen:
        """A button such as Bevestigen or 'Ja, stoppen'. Without a target (a typed or console command,
        or a start button) it acts on where the person is now."""
        return self._run(user, lambda turn: self._on_act(turn, act, target))

    def edit(self, user: UserRef, target: Target, question_id: str) -> Screen:
        """A 'Wijzig' button next to an answer in the summary."""
        return self._run(user, lambda turn: self._on_edit(turn, target, question_id))

    def stale(self, user: UserRef) -> Screen:
        """A click we cannot read (made by another version of the bot): nothing changes."""
        return self._run(user, lambda turn: self._stale(turn))

    def shown(self, user: UserRef, target: Target, at: datetime) -> None:
        """The surface put `target`'s step in front of the person at `at` (its own clock: Slack's ts)."""
        with self._uow() as uow:
            uow.conversations.shown(target.intake, user.place, target.step, at)
            uow.commit()

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
        """'Something went wrong, your answers are safe', and where the person is, in their language
        if we can still read it."""
        try:
            return self._run(user, self._apologise)
        except Exception:  # the fault may be the database itself; Dutch is better than silence
            return Screen(lines=(Translator(DEFAULT_LOCALE, self._escape).t("error.generic"),))

    def command(self, user: UserRef, text: str) -> CommandReply:
        """`/ruil <text>`: empty starts or resumes in the DM; help, status, stop and taal answer in place."""
        if len(text) > TYPED_TEXT:
            text = text[:TYPED_TEXT]
        word = " ".join(clean(text).split()).lower()
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
        return CommandReply(self._run(user, lambda turn: self._help(turn, unknown=_quote(word))))

    # ---- the work, inside one transaction -------------------------------------------------------

    def _once(
        self, user: UserRef, work: Callable[[_Turn], Screen], typed_at: datetime | None, ids: Sequence[str]
    ) -> Screen | None:
        """`work`, unless one of `ids` was handled before: then nothing happens and nothing is said."""
        try:
            return self._run(user, work, typed_at=typed_at, ids=ids)
        except _Duplicate:
            return None

    def _run(
        self,
        user: UserRef,
        work: Callable[[_Turn], T],
        programme_id: str | None = None,
        typed_at: datetime | None = None,
        ids: Sequence[str] = (),
    ) -> T:
        """Do `work` in one transaction, about the intake of `programme_id` or else the person's
        active one; retried when a concurrent change got there first or the connection was lost."""
        locale: str | None = None
        for attempt in range(_ATTEMPTS):
            try:
                with self._uow() as uow:
                    now = self._clock.now()
                    if not self._first_time(uow, ids, now):
                        raise _Duplicate
                    participant, intake, conversation = uow.participants.situation(
                        user.platform, user.external_id, user.place, programme_id
                    )
                    if participant is None:
                        if locale is None and user.locale_hint is not None:
                            raise _AskPlatform  # a network call: never while holding a transaction
                        participant = uow.participants.add(
                            user.platform, user.external_id, locale or DEFAULT_LOCALE, now
                        )
                    show = self._presenter(participant.locale)
                    focus = programme_id or (intake.programme_id if intake else self._default)
                    programme, dialogue = self._catalogue.get(focus), self._intakes[focus]
                    turn = _Turn(
                        uow,
                        participant,
                        show,
                        intake,
                        programme,
                        dialogue,
                        user.place,
                        conversation,
                        typed_at,
                    )
                    result = work(turn)
                    uow.commit()
                    return cast(T, self._targeted(turn, result)) if isinstance(result, Screen) else result
            except _AskPlatform:
                locale = normalise_locale(user.locale_hint() if user.locale_hint else None) or DEFAULT_LOCALE
            except Conflict:
                if attempt == _ATTEMPTS - 1:
                    raise
            except Unavailable:  # a connection that died (a restarted database): try again
                if attempt == _ATTEMPTS - 1:
                    raise
        raise Conflict("gave up after repeated concurrent changes")

    def _first_time(self, uow: UnitOfWork, ids: Sequence[str], now: datetime) -> bool:
        """Record the inbound ids in this turn's transaction: the effect and the record go together."""
        if not ids:
            return True
        fresh = uow.inbound.all_first_time(ids, now)
        self._since_prune += 1
        if self._since_prune >= _PRUNE_EVERY:
            self._since_prune = 0
            uow.inbound.forget_before(now - INBOUND_MEMORY)
        return fresh

    def _targeted(self, turn: _Turn, screen: Screen) -> Screen:
        """Every screen names what its buttons act on: the intake, the conversation version, the step."""
        step = self._step(turn)
        if screen.target is not None or step is None or turn.intake is None or turn.intake.id is None:
            return screen
        version = turn.conversation.version if turn.conversation else 0
        return replace(screen, target=Target(turn.intake.id, version, step))

    def _step(self, turn: _Turn) -> str | None:
        if turn.awaiting_cancel:
            return CANCEL
        if turn.open is None:
            return None
        current = self._state(turn).current
        return SUMMARY if current is None else current

    def _state(self, turn: _Turn) -> State:
        if turn.state is None:
            turn.state = self._restore(turn)
        return turn.state

    def _restore(self, turn: _Turn) -> State:
        intake, conversation = turn.intake, turn.conversation
        assert intake is not None
        current = conversation.current if conversation else None
        if conversation is None and intake.status is IntakeStatus.OPEN:
            current = engine.first_open(turn.dialogue, intake.answers)  # a surface new to this intake
        state = engine.restore(self._intakes[intake.programme_id], intake.answers, current)
        if conversation and state.current == conversation.current and state.current is not None:
            return replace(state, suggestion=conversation.suggestion)
        return state

    def _store(
        self, turn: _Turn, state: State, *, status: IntakeStatus | None = None, **position: object
    ) -> None:
        """Save what changed: the answers (and status) on the intake, the place on this surface's
        conversation. Each write is version-checked; nothing is written when nothing changed."""
        intake, now = turn.intake, self._clock.now()
        assert intake is not None
        assert intake.id is not None
        answers = dict(state.answers)
        if answers != dict(intake.answers) or (status is not None and status is not intake.status):
            changed = replace(intake, answers=answers, updated_at=now, status=status or intake.status)
            if status is IntakeStatus.CONFIRMED:
                changed = replace(changed, confirmed_at=now)
            turn.intake = turn.uow.intakes.save(changed)
        typed = [
            t for t in (turn.typed_at, turn.conversation.last_typed_at if turn.conversation else None) if t
        ]
        wanted = {
            "current": state.current,
            "suggestion": tuple(state.suggestion),
            "last_typed_at": max(typed, default=None),
            **position,
        }
        conversation = turn.conversation
        if conversation is None:
            turn.conversation = turn.uow.conversations.add(
                Conversation(intake.id, turn.surface, updated_at=now, **wanted)  # type: ignore[arg-type]
            )
        elif any(getattr(conversation, k) != v for k, v in wanted.items()):
            turn.conversation = turn.uow.conversations.save(replace(conversation, updated_at=now, **wanted))  # type: ignore[arg-type]
        turn.state = None  # worked out again from what was stored, when next asked

    def _start(self, turn: _Turn) -> Screen:
        show = turn.show
        if turn.open:
            state = replace(self._state(turn), suggestion=())  # an old "bedoel je" list is gone
            self._store(turn, state, awaiting_cancel=False)
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
        )
        turn.intake, turn.conversation = turn.uow.intakes.add(intake), None
        self._store(turn, state)
        return show.step(turn.dialogue, state, [show.t.t(turn.dialogue.intro)])

    def _on_text(self, turn: _Turn, text: str) -> Screen:
        word = normalise(text) or text.strip().lower()  # '?' normalises to nothing
        match = _LANGUAGE.match(word)
        if match and (normalise_locale(match.group(1)) or turn.open is None):  # 'taal adviseur' is an answer
            return self._set_language(turn, match.group(1))
        later = turn.conversation.last_typed_at if turn.conversation else None
        if turn.typed_at is not None and later is not None and turn.typed_at < later:
            return self._out_of_order(turn, text)
        active = turn.active
        if active is not None and turn.awaiting_cancel:
            if word in keywords("keyword.yes") or word in keywords("keyword.stop"):
                return self._unseen(turn, text) or self._cancel(turn)
            if word in keywords("keyword.no"):
                return self._keep_going(turn)
            return turn.show.ask_cancel()
        if active is not None and word in keywords("keyword.stop"):
            return self._ask_cancel(turn)
        if turn.open is None:
            return self._no_intake(turn, word)
        state = self._state(turn)
        if word in keywords("keyword.help"):
            return self._help(turn, state=state)
        if word in keywords("keyword.status"):
            return turn.show.step(turn.dialogue, state, [self._status_line(turn)])
        if word in keywords("keyword.back"):
            return self._back(turn, state)
        if word in keywords("keyword.start"):
            return self._start(turn)
        if word in keywords("keyword.summary"):
            return self._overview(turn, state)
        if word in keywords("keyword.next") and state.current is not None:
            return self._skip_answered(turn, state)
        if unseen := self._unseen(turn, text):
            return unseen
        if state.current is None:
            return self._at_summary(turn, state, word)
        return self._submit(turn, state, text, typed=True)

    def _unseen(self, turn: _Turn, text: str) -> Screen | None:
        """A typed answer for a step other than the current one (the reply that moved us on never
        reached the person, or they typed before it came): show where we are, change nothing."""
        seen = self._seen(turn)
        step = self._step(turn)
        if seen is None or seen == step:
            return None
        show, lines = turn.show, []
        intake = turn.intake
        if intake is not None and seen in intake.answers and turn.dialogue.has(seen):
            question = turn.dialogue.question(seen)
            saved = show.t.t(
                "answer.saved_before",
                label=show.t.t(question.label),
                value=show.value(question, intake.answers[seen]),
            )
            lines = [saved, show.t.t("answer.not_used", answer=_quote(text))]
        else:
            lines = [show.t.t("answer.not_seen", answer=_quote(text))]
        return replace(self._where(turn, lines), applied=False)

    def _seen(self, turn: _Turn) -> str | None:
        """The step on the person's screen when they typed, as far as we know (None: unknown)."""
        conversation = turn.conversation
        if turn.typed_at is None or conversation is None or conversation.shown_step is None:
            return None
        if conversation.shown_at is not None and turn.typed_at < conversation.shown_at:
            return _EARLIER
        return conversation.shown_step

    def _on_edited(self, turn: _Turn, sent_at: datetime, text: str) -> Screen:
        show, conversation, intake = turn.show, turn.conversation, turn.open
        question_id = conversation.answer_question if conversation else None
        editable = (
            intake is not None
            and conversation is not None
            and question_id is not None
            and conversation.answer_at == sent_at
            and conversation.answer_next == self._step(turn)
            and not turn.awaiting_cancel
        )
        if not editable or question_id is None or not turn.dialogue.has(question_id):
            return self._where(turn, [show.t.t("edit.ignored")])
        state = self._state(turn)
        question = turn.dialogue.question(question_id)
        if not engine.applies(question, state.answers):
            return self._where(turn, [show.t.t("edit.ignored")])
        outcome = engine.answer(turn.dialogue, state, question_id, text, local_today(self._clock))
        if not isinstance(outcome, Accepted | Ended):
            reason = (
                show.say(outcome.error)
                if isinstance(outcome, Refused)
                else show.t.t("edit.unsure", answer=_quote(text))
            )
            return replace(self._where(turn, [reason, show.t.t("edit.kept")]), applied=False)
        # Keep the place the person was at, unless the change opened or closed questions.
        moved = State(outcome.state.answers, engine.first_open(turn.dialogue, outcome.state.answers))
        self._store(turn, moved, answer_next=self._step_of(moved))
        value = show.value(question, outcome.state.answers[question_id])
        lines = [show.t.t("edit.applied", label=show.t.t(question.label), value=value)]
        lines += [show.say(n) for n in outcome.notices]
        return show.step(turn.dialogue, moved, lines)

    def _on_answer(self, turn: _Turn, target: Target, values: list[str]) -> Screen:
        if refused := self._check(turn, target):
            return refused
        state = self._state(turn)
        if state.current is None or target.step != state.current:
            return self._stale(turn)
        if not values and state.current in state.answers:  # 'Verder' with the menu untouched: keep it
            return self._skip_answered(turn, state)
        return self._submit(turn, state, values, typed=False)

    def _on_act(self, turn: _Turn, act: Act, target: Target | None) -> Screen:
        if act is Act.START:
            return self._start(turn)
        if target is not None and (refused := self._check(turn, target, open_only=False)):
            return refused
        active = turn.active
        if act in (Act.CANCEL_ASK, Act.CANCEL_YES, Act.CANCEL_NO):
            if active is None:
                return Screen(lines=(turn.show.t.t("cancel.nothing"),))
            if act is Act.CANCEL_ASK:
                return self._ask_cancel(turn)
            if not turn.awaiting_cancel:  # an old "are you sure?" answered by typing meanwhile
                return self._stale(turn)
            if act is Act.CANCEL_YES:
                return self._cancel(turn)
            return self._keep_going(turn)
        if turn.open is None:
            return self._no_intake(turn, "")
        state = self._state(turn)
        if target is not None and (state.current is not None or turn.awaiting_cancel):
            return self._stale(turn)  # Bevestigen from a summary we have since left
        return self._confirm(turn, state)

    def _on_back(self, turn: _Turn, target: Target) -> Screen:
        if refused := self._check(turn, target):
            return refused
        state = self._state(turn)
        if state.current != target.step:  # the Terug button of an older message
            return self._stale(turn)
        return self._back(turn, state)

    def _on_edit(self, turn: _Turn, target: Target | None, question_id: str) -> Screen:
        if target is not None and (refused := self._check(turn, target)):
            return refused
        if turn.open is None:
            return self._no_intake(turn, "")
        state = self._state(turn)
        if target is not None and state.current is not None:
            return self._stale(turn)
        try:
            state = engine.edit(turn.dialogue, state, question_id)
        except KeyError:
            return self._stale(turn)
        self._store(turn, state, awaiting_cancel=False)
        return turn.show.step(turn.dialogue, state)

    def _check(self, turn: _Turn, target: Target, *, open_only: bool = True) -> Screen | None:
        """None when the click's target still holds: this person's intake, the conversation version
        it was shown for, and the same step. Otherwise the stale answer, with nothing changed."""
        intake = turn.open if open_only else turn.active
        conversation = turn.conversation
        holds = (
            intake is not None
            and intake.id == target.intake
            and conversation is not None
            and conversation.version == target.version
            and self._step(turn) == target.step
        )
        return None if holds else self._stale(turn)

    # ---- steps ----------------------------------------------------------------------------------

    def _submit(self, turn: _Turn, state: State, given: str | list[str], *, typed: bool) -> Screen:
        show = turn.show
        question = turn.dialogue.question(state.current or "")
        outcome = engine.submit(turn.dialogue, state, given, local_today(self._clock))
        if isinstance(outcome, Refused):
            self._store(turn, outcome.state)
            return replace(show.step(turn.dialogue, outcome.state, [show.say(outcome.error)]), applied=False)
        if isinstance(outcome, Accepted | Ended):  # an ending shows itself in the next step
            after = self._step_of(outcome.state)
            if typed:  # this message gave the answer: an edit of it, while `after` is open, replaces it
                self._store(
                    turn,
                    outcome.state,
                    awaiting_cancel=False,
                    answer_at=turn.typed_at,
                    answer_question=question.id,
                    answer_next=after,
                )
            else:
                self._store(
                    turn,
                    outcome.state,
                    awaiting_cancel=False,
                    answer_at=None,
                    answer_question=None,
                    answer_next=None,
                )
            lines: list[str] = []
            if typed and question.kind is not Kind.TEXT:  # show how we read "finacien" or "1 maart"
                value = outcome.state.answers[question.id]
                lines.append(show.t.t("answer.echo", value=show.value(question, value)))
            lines.extend(show.say(n) for n in outcome.notices)
            return show.step(turn.dialogue, outcome.state, lines)
        self._store(turn, outcome.state)
        return replace(
            show.unsure(turn.dialogue, outcome.state, _quote(given) if isinstance(given, str) else ""),
            applied=False,
        )

    @staticmethod
    def _step_of(state: State) -> str:
        return SUMMARY if state.current is None else state.current

    def _back(self, turn: _Turn, state: State) -> Screen:
        previous = engine.back(turn.dialogue, state)
        if previous is None:
            return turn.show.step(turn.dialogue, state, [turn.show.t.t("back.first")])
        self._store(turn, previous, awaiting_cancel=False)
        return turn.show.step(turn.dialogue, previous)

    def _overview(self, turn: _Turn, state: State) -> Screen:
        """'overzicht': the summary when all is answered, else where we are."""
        if not engine.is_complete(turn.dialogue, state.answers):
            return turn.show.step(turn.dialogue, state, [self._status_line(turn)])
        summary = State(state.answers, None)
        self._store(turn, summary)
        return turn.show.step(turn.dialogue, summary)

    def _skip_answered(self, turn: _Turn, state: State) -> Screen:
        """'verder' after 'terug' or 'wijzig': keep the answer as it was and go on."""
        if state.current not in state.answers:
            return turn.show.step(turn.dialogue, state, [turn.show.t.t("next.unanswered")])
        moved = State(state.answers, engine.first_open(turn.dialogue, state.answers))
        self._store(turn, moved)
        return turn.show.step(turn.dialogue, moved)

    def _at_summary(self, turn: _Turn, state: State, word: str) -> Screen:
        if word in keywords("keyword.yes"):
            return self._confirm(turn, state)
        match = _EDIT.match(word)
        if match and (match.group("word") is None or match.group("word") in keywords("keyword.edit")):
            rows = engine.summary(turn.dialogue, state.answers)
            n = int(match.group("n"))
            if not 1 <= n <= len(rows):
                return turn.show.step(
                    turn.dialogue, state, [turn.show.t.t("edit.unknown", n=n, total=len(rows))]
                )
            return self._on_edit(turn, None, rows[n - 1][0].id)
        if engine.outcome(turn.dialogue, state.answers) is not None:  # ended: it says what can be typed
            return turn.show.step(turn.dialogue, state)
        return turn.show.step(turn.dialogue, state, [turn.show.t.t("summary.unclear")])

    def _confirm(self, turn: _Turn, state: State) -> Screen:
        if not engine.is_complete(turn.dialogue, state.answers):
            return turn.show.step(turn.dialogue, state)
        self._store(turn, state, status=IntakeStatus.CONFIRMED, awaiting_cancel=False)
        return Screen(lines=(turn.show.t.t(turn.dialogue.done),))

    def _ask_cancel(self, turn: _Turn) -> Screen:
        self._store(turn, self._state(turn), awaiting_cancel=True)
        return turn.show.ask_cancel()

    def _cancel(self, turn: _Turn) -> Screen:
        # Data minimisation: a stopped intake keeps no answers.
        self._store(turn, State({}, None), status=IntakeStatus.CANCELLED, awaiting_cancel=False)
        return Screen(lines=(turn.show.t.t("cancel.done"),))

    def _keep_going(self, turn: _Turn) -> Screen:
        state = self._state(turn)
        self._store(turn, state, awaiting_cancel=False)
        kept = turn.show.t.t("cancel.kept")
        if turn.open is not None:
            return turn.show.step(turn.dialogue, state, [kept])
        return Screen(lines=(kept, self._status_line(turn)))

    def _where(self, turn: _Turn, lines: Sequence[str]) -> Screen:
        """`lines`, then where the person is: the current step, or the status when nothing is open."""
        if turn.awaiting_cancel:
            ask = turn.show.ask_cancel()
            return replace(ask, lines=(*lines, *ask.lines))
        if turn.open is not None:
            return turn.show.step(turn.dialogue, self._state(turn), lines)
        return Screen(lines=(*lines, self._status_line(turn)))

    def _stale(self, turn: _Turn) -> Screen:
        return replace(self._where(turn, [turn.show.t.t("error.stale")]), applied=False)

    def _apologise(self, turn: _Turn) -> Screen:
        return replace(self._where(turn, [turn.show.t.t("error.generic")]), applied=False)

    def _too_long(self, turn: _Turn, length: int) -> Screen:
        line = turn.show.t.t("error.message_long", length=length, max=TYPED_TEXT)
        return replace(self._where(turn, [line]), applied=False)

    def _out_of_order(self, turn: _Turn, text: str) -> Screen:
        """An older message handled after a newer one (two sent at once): not used, and said so."""
        line = turn.show.t.t("error.out_of_order", answer=_quote(text))
        return replace(self._where(turn, [line]), applied=False)

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
        if turn.open or turn.awaiting_cancel:  # where we are, a pending "stop?" included
            return self._where(turn, lines)
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
        state = self._state(turn)
        if state.current is None:
            ended = engine.outcome(turn.dialogue, state.answers) is not None
            return t.t("status.ended" if ended else "status.ready", programme=name)
        answered, total = len(state.answers), len(engine.applicable(turn.dialogue, state.answers))
        return t.t("status.open", programme=name, answered=answered, total=total)
