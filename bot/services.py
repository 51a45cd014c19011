"""The use cases of an intake conversation. Each call reads, decides and stores in one transaction,
and returns a translated `Screen` for the surface to render.

Two rules keep an answer where the person meant it:
- A click names what it was shown for (`bot.interaction.Target`: intake, conversation version, step);
  one whose target no longer holds changes nothing and shows where the person is.
- A typed message counts for the step that was on the person's screen when they sent it (the
  surface reports what it showed, and when, through `shown`). When that is not the step the bot is
  at now (the next question never reached them, or they typed twice before it came), the bot shows
  where they are instead of guessing.

Programmes are first-class: a person may run an intake per dialogue (Peer-to-Peer has two), a turn is
about the intake a command names, a click's target names, or else the one touched last. The same
intake runs as a form (a modal): its own surface ("modal") over the shared answers, page by page
(`bot.forms`), its texts raw for plain_text, its target naming the intake's version.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TypeVar, cast

from bot import engine, forms, preferences
from bot.clock import AMSTERDAM, Clock, local_today
from bot.dialogues.model import Dialogue, Kind
from bot.engine import Accepted, Ended, Refused, State, Value
from bot.i18n import DEFAULT_LOCALE, Safe, Translator, no_escape, normalise_locale
from bot.intents import COMMANDS, Command, Intent, Names, intent, language, read_command, word
from bot.interaction import CANCEL, REGISTERED, SUMMARY, Target
from bot.limits import TYPED_TEXT
from bot.outbox import Notices, kind_of
from bot.parsing import clean
from bot.ports import Conflict, Unavailable, UnitOfWork
from bot.presenter import Presenter, clip
from bot.privacy import CONSENT_VERSION, FORGET_WINDOW, SESSION_CONSENT, agrees, consent_screen, is_current
from bot.programmes import Catalogue, Programme
from bot.records import Consent, Conversation, Intake, IntakeStatus, Participant
from bot.views import Act, Button, Form, FormAct, FormButton, FormReply, Home, HomeProgramme, Screen

_ATTEMPTS = 4  # against Conflict (two messages of one person at the same moment), plus one locale lookup
# Slack redelivers an unacknowledged event within minutes; ids older than this are forgotten.
INBOUND_MEMORY = timedelta(days=1)
_PRUNE_EVERY = 500  # turns with inbound ids between two clean-ups of old ones
# The id of a person we hold no row for: a look at the Home tab or at help stores nobody. A row starts
# with their first intake (its consent question), or when they ask us to remember a choice (language,
# reminders).
NOBODY = 0
CONSENT = "consent"  # the step of a form that asks for consent before its first page


class _AskPlatform(Exception):
    """A first contact: ask the platform for the person's language, outside the transaction."""


class _Duplicate(Exception):
    """A message or event we have handled before, delivered again."""


T = TypeVar("T")
_EDIT = re.compile(r"^(?:(?P<word>[a-z]+)\s*)?(?P<n>[0-9]{1,4})$")
_EARLIER = "<earlier>"  # the person typed before the latest step reached their screen
MODAL = "modal"  # the surface of a form: its own place in an intake, over the same answers


@dataclass(frozen=True)
class UserRef:
    platform: str
    external_id: str
    # Asked only the first time we meet someone: their language as their platform knows it.
    locale_hint: Callable[[], str | None] | None = field(default=None, compare=False)
    # Where the person talks to us; each surface keeps its own place in an intake.
    surface: str = ""
    # Their profile on the platform (real_name, title, email, phone), for dialogues that prefill.
    profile: Callable[[], Mapping[str, str]] | None = field(default=None, compare=False)

    @property
    def place(self) -> str:
        return self.surface or ("console" if self.platform == "console" else "dm")


@dataclass(frozen=True)
class CommandReply:
    """What a slash command answers in place (ephemeral), what it sends in the DM, if anything, and
    the form (modal) it opens, if asked for one."""

    ephemeral: Screen
    direct: Screen | None = None
    form: Form | None = None


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
        dialogues: Mapping[str, Dialogue] | None = None,
        default_programme: str = "managersruil",
        escape: Callable[[str], str] = no_escape,
        console: bool = False,
        words: Callable[[UserRef, str], Screen | None] | None = None,
        hidden: Mapping[str, Dialogue] | None = None,
        on_confirm: Callable[
            [UnitOfWork, Participant, Dialogue, Mapping[str, Value], Translator], Sequence[str]
        ]
        | None = None,
        on_cancel: Callable[[UnitOfWork, Participant, Dialogue, Translator], Sequence[str]] | None = None,
        erase: Callable[[UnitOfWork, Participant, datetime], None] | None = None,
        single: Callable[[], UnitOfWork] | None = None,
    ) -> None:
        self._uow = uow
        # For a write that is one statement on its own (what a surface showed): no transaction around
        # it, where the store allows, so it costs one round trip instead of three.
        self._single = single or uow
        # Words another service answers before any intake reads them ('sessies', /sessies).
        self._words = words
        self._erase = erase  # everything about a person, once they said yes to "erase everything?"
        self._clock = clock
        self._catalogue = catalogue
        self._intakes = intakes  # programme id -> the dialogue its name starts
        # Every dialogue a person can start, by id: a programme may have more than one (Peer-to-Peer).
        # A dialogue named after its programme stands down when `intakes` gives that programme another.
        self._dialogues = {
            **{
                d.id: d
                for d in (dialogues or {}).values()
                if d.programme in intakes and (d.id != d.programme or intakes[d.programme].id == d.id)
            },
            **{d.id: d for d in intakes.values()},
            **(hidden or {}),  # a session's registration: started by its button or name, not offered
        }
        self._hidden = frozenset(hidden or {})
        # Told when a dialogue is confirmed, in its transaction (a session registration takes a place).
        self._on_confirm = on_confirm
        self._on_cancel = on_cancel  # and when one is stopped or withdrawn (its place goes too)
        self._default = default_programme  # what a person without any intake hears about first
        if default_programme not in intakes:
            raise ValueError(f"no intake dialogue for the default programme {default_programme!r}")
        for dialogue in self._dialogues.values():
            catalogue.get(dialogue.programme)  # every dialogue belongs to a programme in the catalogue
        self._names = Names(
            catalogue, self._dialogues, {p: d.id for p, d in intakes.items()}, hidden=self._hidden
        )
        self._escape = escape
        self._console = console  # the console has no buttons and no slash commands of its own
        self._since_prune = 0
        # Words about matching rather than an intake ('pauze', 'niet-met FIN'); set by the composition root.
        self.matching_words: Callable[[UserRef, str, bool], Screen | None] | None = None
        # The answer to a one-click session registration's consent question (its key starts with
        # SESSION_CONSENT), in this turn's transaction; set by the composition root.
        self.session_consent: Callable[[UnitOfWork, Participant, str, bool, datetime], Screen] | None = None

    # ---- entry points -------------------------------------------------------------------------

    def start(self, user: UserRef, programme_id: str | None = None, *, waitlist: bool = False) -> Screen:
        """Start a programme's intake (by programme or dialogue id; default: Managersruil), or resume
        the open one. `waitlist`: after the deadline, register for the waitlist."""
        dialogue_id = self._dialogue_id(programme_id or self._default)
        profile = self._profile(user, dialogue_id)
        return self._run(
            user, lambda turn: self._start(turn, waitlist=waitlist, profile=profile), dialogue_id
        )

    def _start_noting(
        self, user: UserRef, programme_id: str | None, *, waitlist: bool
    ) -> tuple[Screen, Screen]:
        """`start`, and the note that says the intake goes on in the DM, in the same transaction."""
        dialogue_id = self._dialogue_id(programme_id or self._default)
        profile = self._profile(user, dialogue_id)

        def work(turn: _Turn) -> tuple[Screen, Screen]:
            started = self._start(turn, waitlist=waitlist, profile=profile)
            return self._targeted(turn, started), self._dm_note("dm.opened")(turn)

        return self._run(user, work, dialogue_id)

    def _profile(self, user: UserRef, dialogue_id: str | None) -> Mapping[str, str]:
        """What the platform knows of the person, for a dialogue that prefills from it; asked before
        the transaction (a network call)."""
        dialogue = self._dialogues.get(dialogue_id or "")
        if dialogue is None or user.profile is None or not any(q.prefill for q in dialogue.questions):
            return {}
        return user.profile()

    def text(
        self, user: UserRef, text: str, typed_at: datetime | None = None, ids: Sequence[str] = ()
    ) -> Screen | None:
        """Something typed in the conversation: an answer, or a word like 'terug', 'stop' or 'help'.
        `typed_at` (when the platform says it was sent) orders quick messages and tells which step
        was on screen; `ids` (event and message ids) make a second delivery a no-op (None)."""
        if len(text) > TYPED_TEXT:  # refused before any reading: a huge text costs nothing more
            return self._once(user, lambda turn: self._too_long(turn, len(text)), typed_at, ids)
        typed = clean(text)
        if self._words is not None and (other := self._words(user, typed)) is not None:
            return other
        if (
            self.matching_words is not None
            and (matching := self.matching_words(user, typed, True)) is not None
        ):
            return matching
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
        return self._run(
            user, lambda turn: self._on_answer(turn, target, [clean(v) for v in values]), target=target
        )

    def back(self, user: UserRef, target: Target) -> Screen:
        """The Terug button under a question."""
        return self._run(user, lambda turn: self._on_back(turn, target), target=target)

    def act(self, user: UserRef, act: Act, target: Target | None = None) -> Screen:
        """A button such as Bevestigen or 'Ja, stoppen', on the intake it was shown for. Without a
        target (a typed or console command) it acts on where the person is now."""
        return self._run(user, lambda turn: self._on_act(turn, act, target), target=target)

    def edit(self, user: UserRef, target: Target, question_id: str) -> Screen:
        """A 'Wijzig' button next to an answer in the summary."""
        return self._run(user, lambda turn: self._on_edit(turn, target, question_id), target=target)

    def consent(self, user: UserRef, dialogue_id: str | None, agree: bool) -> Screen:
        """The answer to the consent question of a dialogue (its Akkoord or Nee button): agreeing
        starts the intake at its first question; declining starts nothing and keeps nothing."""
        if dialogue_id is not None and self._for_session(dialogue_id):
            key = dialogue_id
            return self._run(user, lambda turn: self._session_consent(turn, key, agree))
        known = dialogue_id if dialogue_id in self._dialogues or dialogue_id in self._intakes else None
        profile = self._profile(user, self._dialogue_id(known)) if agree else {}
        return self._run(
            user, lambda turn: self._on_consent(turn, agree, known, profile), self._dialogue_id(known)
        )

    def command_for(self, dialogue_id: str) -> str:
        """What a person types to go on with a dialogue: '/ruil managersruil', '/ruil peer opdracht'."""
        return f"/ruil {self._names.word_for(dialogue_id)}"

    def stale(self, user: UserRef) -> Screen:
        """A click we cannot read (made by another version of the bot): nothing changes."""
        return self._run(user, lambda turn: self._stale(turn))

    def shown(self, user: UserRef, target: Target, at: datetime) -> None:
        """The surface put `target`'s step in front of the person at `at` (its own clock: Slack's ts)."""
        with self._single() as uow:
            uow.conversations.shown(target.intake, user.place, target.step, at)
            uow.commit()

    def resume(self, user: UserRef) -> Screen:
        """Where a person comes back to (the console at start-up): the intake under way, or else the
        programmes to choose from."""
        return self._run(user, lambda turn: self._start(turn) if turn.open else self._offer(turn, None))

    def switch(self, user: UserRef, value: str) -> Screen:
        """A preference button ('reminders:off'): switch that kind, and show how they all stand."""
        found = preferences.from_button(value)
        if found is None:
            return self.stale(user)
        asked = preferences.Asked((found[0],), found[1])
        return self._run(user, lambda turn: self._preferences(turn, asked))

    def status(self, user: UserRef) -> Screen:
        return self._run(user, lambda turn: Screen(lines=(self._status_line(turn),)))

    def programmes(self, user: UserRef, scope: str | None = None, lines: Sequence[str] = ()) -> Screen:
        """The programmes a person can take part in (those of `scope` only, for /peer): a button each
        in Slack, a numbered list to type from in the console."""
        return self._run(user, lambda turn: self._offer(turn, scope, lines))

    def help(self, user: UserRef) -> Screen:
        return self._run(user, self._help)

    def home(self, user: UserRef) -> Home:
        def build(turn: _Turn) -> Home:
            t = turn.show.t
            mine = {i.dialogue_id: i for i in turn.uow.intakes.of(turn.participant.id)}
            programmes = []
            for programme in self._catalogue:
                buttons: list[Button] = []
                for dialogue_id in self._names.of(programme.id):
                    intake = mine.get(dialogue_id)
                    if intake is not None and intake.status is IntakeStatus.CONFIRMED:
                        # Registered: the DM shows the answers, with a way to change them.
                        buttons.append(Button(Act.START, t.t("action.view_registration"), None, dialogue_id))
                        continue
                    buttons += self._start_buttons(turn, dialogue_id, intake is not None)
                programmes.append(
                    HomeProgramme(
                        t.escape(programme.name.get(t.locale)),
                        t.escape(programme.summary.get(t.locale)),
                        tuple(buttons),
                    )
                )
            wants = turn.uow.preferences.all_wanted(turn.participant.id)
            return Home(
                title=t.t("home.title"),
                intro=t.t("home.intro"),
                programmes_title=t.t("home.programmes"),
                programmes=tuple(programmes),
                status_title=t.t("home.status"),
                status=self._status_lines(turn) or (t.t("home.none"),),
                planned_title=t.t("planned.title"),
                planned=self._planned(turn, user.platform, user.external_id) or (t.t("planned.none"),),
                preferences_title=t.t("preferences.title"),
                preferences=preferences.lines(t, wants),
                preference_buttons=preferences.buttons(t, wants),
            )

        return self._run(user, build)

    # ---- the intake as a form (a modal: its own surface, over the same answers) -------------------

    def form(self, user: UserRef, dialogue_id: str | None = None) -> Form:
        """Open an intake as a form: starts it, or continues the answers given anywhere so far."""
        dialogue_id = self._dialogue_id(dialogue_id)
        profile = self._profile(user, dialogue_id)
        return self._run(
            replace(user, surface=MODAL), lambda turn: self._open_form(turn, profile), dialogue_id
        )

    def form_submit(
        self, user: UserRef, target: Target, values: Mapping[str, str | Sequence[str]]
    ) -> FormReply:
        """A submitted page (its fields by question id: text as typed, choices as values) or the
        summary (confirm). Errors come back per field and nothing is stored; a target that no longer
        holds changes nothing and shows where the person is."""
        # 'Akkoord' on a form's consent page starts the intake: with what the profile says, for a
        # dialogue that prefills (asked here, outside the transaction; a rare click).
        prefills = any(q.prefill for d in self._dialogues.values() for q in d.questions)
        profile = user.profile() if target.step == CONSENT and prefills and user.profile else {}
        return self._run(
            replace(user, surface=MODAL),
            lambda turn: self._on_form_submit(turn, target, values, profile),
            target=target,
        )

    def form_act(self, user: UserRef, target: Target, act: FormAct) -> FormReply:
        """Terug, Overzicht, Ga verder or Stoppen on a form page."""
        return self._run(
            replace(user, surface=MODAL), lambda turn: self._on_form_act(turn, target, act), target=target
        )

    def form_edit(self, user: UserRef, target: Target, question_id: str) -> Form:
        """'Wijzig' next to an answer on the form's summary: the page that starts at that question."""
        return self._run(
            replace(user, surface=MODAL),
            lambda turn: self._on_form_edit(turn, target, question_id),
            target=target,
        )

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

    def command(self, user: UserRef, text: str, command: str = "/ruil") -> CommandReply:
        """A slash command. `/ruil` offers the programmes; `/ruil <programme>` starts or resumes one in
        the DM, and `formulier`, `status`, `stop`, `help` or `wachtlijst` after its name act on it;
        `/ruil help|status|stop` act on the current one; `/ruil taal en` switches language. `/peer`
        and `/regel` are the same for their own programme."""
        if len(text) > TYPED_TEXT:
            text = text[:TYPED_TEXT]
        scope = COMMANDS.get(command)
        if command == "/sessies":  # its own command, read as the word after /ruil
            text = f"sessies {text}"
        if self._words is not None and (other := self._words(user, clean(text))) is not None:
            return CommandReply(other)
        if (asked := preferences.read(text, bare=True)) is not None:  # /ruil meldingen [soort] [aan|uit]
            return CommandReply(self._run(user, lambda turn: self._preferences(turn, asked)))
        if (
            self.matching_words is not None
            and scope is None
            and (matching := self.matching_words(user, text, False)) is not None
        ):
            return CommandReply(matching)
        said = read_command(text, self._names, scope)
        if said.intent is Intent.LANGUAGE:
            switched = self._run(user, lambda turn: self._set_language(turn, said.language))
            # Answer buttons never go into a channel: the question follows in the DM.
            return CommandReply(
                Screen(lines=switched.lines), switched if switched.prompt or switched.summary else None
            )
        if said.unknown or said.guess:
            return CommandReply(
                self._run(user, lambda turn: self._not_understood(turn, said, command, scope))
            )
        dialogue = said.dialogue
        if dialogue is None and scope is not None and len(self._names.of(scope)) == 1:
            dialogue = self._names.of(scope)[0]  # /regel: its programme has one dialogue
        if said.intent in (None, Intent.START, Intent.WAITLIST) and dialogue is None:
            return CommandReply(self.programmes(user, scope))
        if dialogue is None and scope is not None:  # /peer status: the Peer-to-Peer intake under way
            dialogue = self._run(user, lambda turn: self._within(turn, scope))
        if said.intent in (None, Intent.START, Intent.WAITLIST):
            direct, note = self._start_noting(user, dialogue, waitlist=said.intent is Intent.WAITLIST)
            return CommandReply(note, direct)
        if said.intent is Intent.FORM and self._console:  # no forms here: the conversation is the form
            return CommandReply(self.start(user, dialogue))
        if said.intent is Intent.FORM:
            return CommandReply(
                self._run(user, self._dm_note("form.opened"), dialogue), form=self.form(user, dialogue)
            )
        if said.intent is Intent.HELP:
            return CommandReply(self._run(user, self._help, dialogue))
        if said.intent is Intent.STATUS:
            return CommandReply(
                self._run(user, lambda turn: self._status_with_hint(turn, dialogue is None), dialogue)
            )
        assert said.intent is Intent.STOP
        direct = self._run(user, lambda turn: self._on_act(turn, Act.CANCEL_ASK, None), dialogue)
        if direct.buttons:  # there is something to stop: the question goes to the DM
            return CommandReply(self._run(user, self._dm_note("dm.continue"), dialogue), direct)
        return CommandReply(direct)

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
        dialogue_id: str | None = None,
        typed_at: datetime | None = None,
        ids: Sequence[str] = (),
        target: Target | None = None,
    ) -> T:
        """Do `work` in one transaction, about the intake of `dialogue_id`, or the one a click's
        `target` names (when it is this person's), or else the person's active one; retried when a
        concurrent change got there first or the connection was lost."""
        locale: str | None = None
        for attempt in range(_ATTEMPTS):
            try:
                with self._uow() as uow:
                    now = self._clock.now()
                    if not self._first_time(uow, ids, now):
                        raise _Duplicate
                    participant, intake, conversation = uow.participants.situation(
                        user.platform, user.external_id, user.place, dialogue_id
                    )
                    if participant is None:
                        if locale is None and user.locale_hint is not None:
                            raise _AskPlatform  # a network call: never while holding a transaction
                        # Not stored (yet): see NOBODY. `_enrol` adds the row when there is reason to.
                        participant = Participant(
                            NOBODY, user.platform, user.external_id, locale or DEFAULT_LOCALE
                        )
                    show = self._presenter(participant.locale)
                    named = None
                    if target is not None and target.intake and not (intake and intake.id == target.intake):
                        named = uow.intakes.get(target.intake)  # a click names its intake
                    if named is not None and named.participant_id == participant.id:
                        intake = uow.intakes.current(participant.id, named.dialogue_id)
                        conversation = (
                            uow.conversations.get(intake.id, user.place) if intake and intake.id else None
                        )
                        dialogue = self._dialogue_of(named)
                    elif dialogue_id is None:
                        dialogue = self._dialogue_of(intake) if intake else self._intakes[self._default]
                    else:
                        dialogue = self._dialogues[dialogue_id]
                    programme = self._catalogue.get(dialogue.programme)
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

    def _focus(self, turn: _Turn, dialogue_id: str) -> None:
        """Make `turn` about another dialogue of the same person, within the same transaction."""
        turn.dialogue = self._dialogues[dialogue_id]
        turn.programme = self._catalogue.get(turn.dialogue.programme)
        turn.intake = turn.uow.intakes.current(turn.participant.id, dialogue_id)
        intake_id = turn.intake.id if turn.intake else None
        turn.conversation = turn.uow.conversations.get(intake_id, turn.surface) if intake_id else None
        turn.state = None  # about another intake now

    def _dialogue_id(self, key: str | None) -> str | None:
        """A dialogue id from a programme id (its intake) or a dialogue id; None stays None."""
        if key is None:
            return None
        return self._intakes[key].id if key in self._intakes else self._dialogues[key].id

    def _dialogue_of(self, intake: Intake) -> Dialogue:
        return self._dialogues.get(intake.dialogue_id) or self._intakes[intake.programme_id]

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
        if turn.intake is not None and turn.intake.status is IntakeStatus.CONFIRMED:
            return REGISTERED
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
        state = engine.restore(turn.dialogue, intake.answers, current)
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

    def _start(
        self, turn: _Turn, *, waitlist: bool = False, profile: Mapping[str, str] | None = None
    ) -> Screen:
        show = turn.show
        now = self._clock.now()
        if turn.open:
            # Touched, so what the person types next is about this intake (the one they just resumed).
            turn.intake = turn.uow.intakes.save(replace(turn.open, updated_at=now))
            state = replace(self._state(turn), suggestion=())  # an old "bedoel je" list is gone
            self._store(turn, state, awaiting_cancel=False)
            return self._as_form_too(turn, show.step(turn.dialogue, state, [show.t.t("resume.welcome_back")]))
        if turn.intake and turn.intake.status is IntakeStatus.CONFIRMED:
            return self._registered(turn)
        if (closed := self._closed_by_coordinator(turn)) is not None:
            return closed
        deadline = self._deadline(turn)
        if deadline is not None and not waitlist:
            return self._closed(turn, deadline)
        if not self._consented(turn):  # before the first question: what we keep, and may we
            return self._ask_consent(turn)
        state, prefilled = self._prefilled(turn.dialogue, profile or {})
        intake = Intake(
            participant_id=turn.participant.id,
            programme_id=turn.programme.id,
            dialogue_id=turn.dialogue.id,
            dialogue_version=turn.dialogue.version,
            created_at=now,
            updated_at=now,
            waitlist=deadline is not None,
        )
        turn.intake, turn.conversation = turn.uow.intakes.add(intake), None
        self._store(turn, state)
        lines = [show.t.t(turn.dialogue.intro)]
        if prefilled:
            lines.append(show.t.t("prefill.note", fields=show.t.join([show.t.t(k) for k in prefilled])))
        if intake.waitlist:
            lines.insert(0, self._say(turn, "waitlist.joined"))
        return self._as_form_too(turn, show.step(turn.dialogue, state, lines))

    def _prefilled(self, dialogue: Dialogue, profile: Mapping[str, str]) -> tuple[State, list[str]]:
        """A new intake's state with what the profile answers (each checked as if typed; what does
        not pass is asked), and the labels of the questions it answered."""
        state, labels = engine.start(dialogue), []
        today = local_today(self._clock)
        for question in dialogue.questions:
            given = " ".join(str(profile.get(question.prefill) or "").split()) if question.prefill else ""
            if not given or not engine.applies(question, state.answers):
                continue
            outcome = engine.answer(dialogue, State(state.answers, question.id), question.id, given, today)
            if isinstance(outcome, Accepted):
                state = outcome.state
                labels.append(question.label)
        answers = dict(state.answers)
        return State(answers, engine.first_open(dialogue, answers)), labels

    def _as_form_too(self, turn: _Turn, screen: Screen) -> Screen:
        """Offer to go on as a form, where there are forms (not in the console, not in a form)."""
        if self._console or turn.surface == MODAL or screen.buttons:
            return screen
        form = Button(Act.FORM, turn.show.t.t("action.form"), None, turn.dialogue.id)
        return replace(screen, buttons=(form,))

    def _deadline(self, turn: _Turn) -> date | None:
        """The programme's registration deadline when it has passed (catalogue rule), else None."""
        deadline = turn.programme.rules.get("registration_deadline")
        if isinstance(deadline, date) and local_today(self._clock) > deadline:
            return deadline
        return None

    def _closed_by_coordinator(self, turn: _Turn) -> Screen | None:
        """A coordinator closed registration (/ruil beheer ... sluit): say so kindly, when it may
        reopen, and whom to ask. An intake under way or confirmed goes on as before."""
        registration = turn.uow.coordination.registration(turn.programme.id)
        if registration is None or not registration.closed:
            return None
        t = turn.show.t
        reopens = registration.reopens_on
        return Screen(
            lines=(
                self._say(
                    turn,
                    "registration.closed_now",
                    reopens=t.t("registration.reopens", date=t.date(reopens)) if reopens else "",
                ),
            )
        )

    def _closed(self, turn: _Turn, deadline: date) -> Screen:
        """Registration is closed: say so, and offer the waitlist."""
        t = turn.show.t
        typed = f"/ruil {self._names.word_for(turn.dialogue.id)} {t.t('keyword.waitlist').split('|')[0]}"
        return Screen(
            lines=(self._say(turn, "registration.closed", date=t.date(deadline)),),
            buttons=(Button(Act.WAITLIST, t.t("action.waitlist"), "primary", turn.dialogue.id),),
            typing=t.t("registration.typing", command=typed),
        )

    def _registered(self, turn: _Turn) -> Screen:
        """A confirmed registration, asked for again: where it stands, its answers, and how to change them."""
        state = self._state(turn)
        show = turn.show
        return Screen(
            lines=(self._status_line(turn),),
            summary=replace(
                show.summary(turn.dialogue, state),
                instructions=show.t.t("registered.instructions"),
                typing=show.t.t("registered.typing"),
                edit_label="",
            ),
            buttons=(
                Button(Act.REOPEN, show.t.t("action.reopen")),
                Button(Act.CANCEL_ASK, show.t.t("action.withdraw"), "danger"),
            ),
        )

    def _on_text(self, turn: _Turn, text: str) -> Screen:
        code = language(text)
        if code is not None and (normalise_locale(code) or turn.open is None):  # 'taal adviseur' is an answer
            return self._set_language(turn, code)
        if (asked := preferences.read(text, strict=turn.open is not None)) is not None:  # 'meldingen'
            return self._preferences(turn, asked)
        later = turn.conversation.last_typed_at if turn.conversation else None
        if turn.typed_at is not None and later is not None and turn.typed_at < later:
            return self._out_of_order(turn, text)
        said = intent(text)
        if said in (Intent.YES, Intent.NO) and not turn.awaiting_cancel:
            # "Stop that one?" was asked about another of the person's intakes (`/peer opdracht stop`
            # while a report is open): the yes or no answers that question, not the open one.
            pending = self._asked_to_stop(turn)
            if pending is not None:
                self._focus(turn, pending)
        active = turn.active
        if active is not None and turn.awaiting_cancel:
            if said in (Intent.YES, Intent.STOP):
                return self._unseen(turn, text) or self._cancel(turn)
            if said is Intent.NO:
                return self._keep_going(turn)
            return self._ask_cancel(turn)
        if (forgotten := self._forget_answer(turn, text)) is not None:
            return forgotten
        if (consented := self._consent_answer(turn, text)) is not None:
            return consented
        if active is not None and said is Intent.STOP:
            return self._ask_cancel(turn)
        if turn.open is None:
            return self._no_intake(turn, said, text)
        state = self._state(turn)
        match said:
            case Intent.HELP:
                return self._help(turn, state=state)
            case Intent.STATUS:
                return turn.show.step(turn.dialogue, state, [self._status_line(turn)])
            case Intent.BACK:
                return self._back(turn, state)
            case Intent.START:
                return self._start(turn)
            case Intent.SUMMARY:
                return self._overview(turn, state)
            case Intent.NEXT if state.current is not None:
                return self._skip_answered(turn, state)
        if unseen := self._unseen(turn, text):
            return unseen
        if state.current is None:
            return self._at_summary(turn, state, text)
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
            lines = [saved, show.t.t("answer.not_used", answer=clip(text))]
        else:
            lines = [show.t.t("answer.not_seen", answer=clip(text))]
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
                else show.t.t("edit.unsure", answer=clip(text))
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
        if act is Act.REOPEN:
            return self._reopen(turn)
        if turn.open is None:
            return self._no_intake(turn, None)
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
            return self._no_intake(turn, None)
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
            # A surface that never showed this intake yet (a registration made in a modal, now in
            # the DM) stands at version 0.
            and (conversation.version if conversation is not None else 0) == target.version
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
            value = outcome.state.answers.get(question.id)
            if typed and value is None:  # 'overslaan': said the same for every kind, not "Noted: skipped"
                lines.append(show.t.t("answer.skipped_echo"))
            elif typed and question.kind is not Kind.TEXT:  # show how we read "finacien" or "1 maart"
                lines.append(show.t.t("answer.echo", value=show.value(question, value)))
            lines.extend(show.say(n) for n in outcome.notices)
            return show.step(turn.dialogue, outcome.state, lines)
        self._store(turn, outcome.state)
        return replace(
            show.unsure(turn.dialogue, outcome.state, clip(given) if isinstance(given, str) else ""),
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
        """'overzicht': the summary when all is answered, else the answers so far and the open question."""
        if not engine.is_complete(turn.dialogue, state.answers):
            show = turn.show
            rows = [
                f"{n}. {show.t.t(q.label)}: {show.value(q, v)}"
                for n, (q, v) in enumerate(engine.summary(turn.dialogue, state.answers), start=1)
            ]
            return show.step(
                turn.dialogue,
                state,
                [self._status_line(turn), "\n".join(rows)] if rows else [self._status_line(turn)],
            )
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

    def _at_summary(self, turn: _Turn, state: State, text: str) -> Screen:
        if intent(text) is Intent.YES:
            return self._confirm(turn, state)
        match = _EDIT.match(word(text))
        if match and (match.group("word") is None or intent(match.group("word")) is Intent.EDIT):
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
        lines: list[str] = [self._say(turn, "done", default=turn.dialogue.done)]
        if self._on_confirm is not None:
            lines += self._on_confirm(turn.uow, turn.participant, turn.dialogue, state.answers, turn.show.t)
        return Screen(lines=tuple(lines), changed=True)

    def _reopen(self, turn: _Turn) -> Screen:
        """Change a confirmed registration (allowed while nothing was proposed: so far, always). It is
        open again until it is confirmed again; the summary offers every answer to change."""
        intake = turn.intake
        if intake is None or intake.status is not IntakeStatus.CONFIRMED:
            return self._stale(turn)
        state = State(dict(intake.answers), None)
        self._store(turn, state, status=IntakeStatus.OPEN, awaiting_cancel=False)
        state = self._state(turn)
        return replace(
            turn.show.step(turn.dialogue, state, [self._say(turn, "registered.reopened")]), changed=True
        )

    def _asked_to_stop(self, turn: _Turn) -> str | None:
        """The dialogue of another intake whose "are you sure you want to stop?" waits on this surface,
        asked after anything happened in this one (an old question left unanswered decides nothing)."""
        here = turn.conversation.updated_at if turn.conversation else None
        for intake in turn.uow.intakes.of(turn.participant.id):
            if intake.id is None or intake.id == (turn.intake.id if turn.intake else None):
                continue
            there = turn.uow.conversations.get(intake.id, turn.surface)
            if there is None or not there.awaiting_cancel or there.updated_at is None:
                continue
            if here is None or there.updated_at > here:
                return intake.dialogue_id or intake.programme_id
        return None

    def _ask_cancel(self, turn: _Turn) -> Screen:
        self._store(turn, self._state(turn), awaiting_cancel=True)
        return turn.show.ask_cancel(self._say(turn, "cancel.ask"))

    def _cancel(self, turn: _Turn) -> Screen:
        # Data minimisation: a stopped intake keeps no answers.
        was_confirmed = turn.intake is not None and turn.intake.status is IntakeStatus.CONFIRMED
        self._store(turn, State({}, None), status=IntakeStatus.CANCELLED, awaiting_cancel=False)
        lines: list[str] = [self._say(turn, "cancel.done")]
        if self._on_cancel is not None and was_confirmed:
            lines += self._on_cancel(turn.uow, turn.participant, turn.dialogue, turn.show.t)
        return Screen(lines=tuple(lines), changed=True)

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
            ask = turn.show.ask_cancel(self._say(turn, "cancel.ask"))
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
        line = turn.show.t.t("error.out_of_order", answer=clip(text))
        return replace(self._where(turn, [line]), applied=False)

    def _no_intake(self, turn: _Turn, said: Intent | None, text: str = "") -> Screen:
        confirmed = turn.intake is not None and turn.intake.status is IntakeStatus.CONFIRMED
        change = _EDIT.match(word(text))
        if confirmed and (
            said is Intent.EDIT or (change and intent(change.group("word") or "") is Intent.EDIT)
        ):
            reopened = self._reopen(turn)  # 'wijzig' on a confirmed registration: as its button does
            if change and said is not Intent.EDIT:  # 'wijzig 3': straight on to that answer
                return self._at_summary(turn, self._state(turn), text)
            return reopened
        if confirmed and said is Intent.SUMMARY:
            return self._registered(turn)
        named, _ = self._names.find(text) if said is None and text else (None, None)
        if named is not None:  # a programme's name or number, typed after the list: start that one
            self._focus(turn, named)
            return self._start(turn)
        if said is Intent.START:
            return self._start(turn)
        if said is Intent.HELP:
            return self._help(turn)
        if turn.intake is not None or said is Intent.STATUS:
            return Screen(lines=self._status_lines(turn) or (turn.show.t.t("status.nothing"),))
        return self._offer(turn, None, [turn.show.t.t("no_intake")])

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
        self._enrol(turn)  # asked to remember a choice: the one reason besides an intake to keep a row
        turn.uow.participants.set_locale(turn.participant.id, locale, self._clock.now())
        turn.show = self._presenter(locale)
        lines = [turn.show.t.t("language.set")]
        if turn.open or turn.awaiting_cancel:  # where we are, a pending "stop?" included
            return self._where(turn, lines)
        return Screen(lines=tuple(lines))

    def _raw(self, turn: _Turn) -> Presenter:
        """A modal shows plain text as it is: its presenter does not escape."""
        turn.show = Presenter(Translator(turn.participant.locale, no_escape))
        return turn.show

    def _form_title(self, turn: _Turn) -> str:
        """A modal's title has room for 24 characters: a programme's short name where it has one."""
        short = f"{turn.dialogue.keys}.short"
        return str(
            turn.show.t.t(short) if turn.show.t.has(short) else self._dialogue_name(turn, turn.dialogue.id)
        )

    def _closing(self, turn: _Turn, lines: Sequence[str], screen: Screen | None = None) -> Form:
        """A form page with nothing to submit: a note, a registration's answers, or a farewell."""
        close = turn.show.t.t("form.close")
        return Form(
            self._form_title(turn),
            None,
            tuple(lines),
            summary=screen.summary if screen else None,
            close=close,
        )

    def _open_form(self, turn: _Turn, profile: Mapping[str, str] | None = None) -> Form:
        show = self._raw(turn)
        if turn.open is None:
            if turn.intake is not None and turn.intake.status is IntakeStatus.CONFIRMED:
                registered = self._registered(turn)
                return self._closing(turn, registered.lines, registered)
            if not self._consented(turn) and self._deadline(turn) is None:
                self._ask_consent(turn)
                return self._consent_form(turn)
            started = self._start(turn, profile=profile)
            if turn.open is None:  # registration is closed: what the DM would say
                return self._closing(turn, [*started.lines, started.typing or ""])
            return self._form_here(turn, list(started.lines) or [show.t.t(turn.dialogue.intro)])
        state = self._state(turn)
        return self._form_here(
            turn, [], State(state.answers, engine.first_open(turn.dialogue, state.answers))
        )

    def _form_here(self, turn: _Turn, lines: Sequence[str], state: State | None = None) -> Form:
        """The page the form is at (storing `state` first, if given), with its target."""
        if state is not None:
            self._store(turn, state)
        state = state or self._state(turn)
        show, title = turn.show, self._form_title(turn)
        if state.current is None:
            form = show.form_summary(title, turn.dialogue, state, lines)
        else:
            questions = forms.page(turn.dialogue, state.answers, state.current)
            form = show.form_page(title, turn.dialogue, state, questions, lines)
        intake = turn.intake
        assert intake is not None
        assert intake.id is not None
        # A form holds the answers as they were when it was shown: it names the intake's version, so a
        # change made anywhere meanwhile (the DM, another form) makes it stale.
        target = Target(intake.id, intake.version, self._step_of(state))
        return replace(form, target=target if form.submit or form.summary else None)

    def _form_holds(self, turn: _Turn, target: Target) -> bool:
        intake = turn.open
        return (
            intake is not None
            and intake.id == target.intake
            and intake.version == target.version
            and self._step(turn) == target.step
        )

    def _form_stale(self, turn: _Turn) -> Form:
        show = self._raw(turn)
        if turn.open is None:
            return self._closing(turn, [show.t.t("error.stale"), self._status_line(turn)])
        return self._form_here(turn, [show.t.t("form.stale")])

    def _on_form_act(self, turn: _Turn, target: Target, act: FormAct) -> FormReply:
        if not self._form_holds(turn, target):
            return FormReply(form=self._form_stale(turn))
        show = self._raw(turn)
        state = self._state(turn)
        if act is FormAct.CANCEL:
            return FormReply(form=self._closing(turn, self._cancel(turn).lines), changed=True)
        if act is FormAct.RESUME:
            return FormReply(form=self._form_here(turn, []))
        if act is FormAct.OVERVIEW:  # the answers so far; the page waits (the form's target still holds)
            here = self._form_here(turn, [])
            summary = replace(show.summary(turn.dialogue, state), edit_label="", instructions="")
            resume = FormButton(FormAct.RESUME, show.t.t("action.resume_form"), "primary")
            lines = (self._status_line(turn),)
            return FormReply(
                form=replace(
                    here, lines=lines, fields=(), summary=summary, submit="", buttons=(resume,), progress=""
                )
            )
        ids = [q.id for q in engine.applicable(turn.dialogue, state.answers)]
        at = ids.index(target.step) if target.step in ids else len(ids)
        if at == 0:
            return FormReply(form=self._form_here(turn, [show.t.t("back.first")]))
        start = ids[max(0, at - forms.PAGE_SIZE)]  # the page before, as far as eight questions go
        return FormReply(form=self._form_here(turn, [], State(state.answers, start)))

    def _on_form_edit(self, turn: _Turn, target: Target, question_id: str) -> Form:
        if not self._form_holds(turn, target) or target.step != SUMMARY:
            return self._form_stale(turn)
        self._raw(turn)
        state = self._state(turn)
        if not turn.dialogue.has(question_id):
            return self._form_stale(turn)
        if not engine.applies(turn.dialogue.question(question_id), state.answers):
            return self._form_stale(turn)
        return self._form_here(turn, [], State(state.answers, question_id))

    def _on_form_submit(
        self,
        turn: _Turn,
        target: Target,
        values: Mapping[str, str | Sequence[str]],
        profile: Mapping[str, str] | None = None,
    ) -> FormReply:
        if target.step == CONSENT and target.intake == NOBODY:  # 'Akkoord' on the consent page
            return self._on_form_consent(turn, profile)
        if not self._form_holds(turn, target):
            return FormReply(form=self._form_stale(turn))
        show = self._raw(turn)
        state = self._state(turn)
        if target.step == SUMMARY:
            if not engine.is_complete(turn.dialogue, state.answers):
                return FormReply(form=self._form_here(turn, []))
            done = self._confirm(turn, state)
            return FormReply(form=self._closing(turn, done.lines), changed=True)
        today = local_today(self._clock)
        current, errors = State(state.answers, target.step), []
        for question in forms.page(turn.dialogue, state.answers, target.step):
            if not engine.applies(question, current.answers):
                continue  # an answer earlier on this page closed it
            given = values.get(question.id)
            if isinstance(given, str):
                given = clean(given).strip()
            elif given is not None:
                given = [clean(v) for v in given]
            if not given:
                if not question.optional:
                    errors.append((question.id, str(show.t.t("error.required"))))
                    continue
                outcome = engine.skip(turn.dialogue, current, question.id, today)
            else:
                outcome = engine.answer(turn.dialogue, current, question.id, given, today)
            if isinstance(outcome, Refused):
                errors.append((question.id, str(show.say(outcome.error))))
            elif isinstance(outcome, Accepted | Ended):
                current = outcome.state
            else:  # choices come from a menu, so this is typed text the engine could not place
                errors.append((question.id, str(show.t.t("form.unsure"))))
        if errors:
            return FormReply(errors=tuple(errors))
        moved = State(current.answers, engine.first_open(turn.dialogue, current.answers))
        return FormReply(form=self._form_here(turn, [], moved))

    def _status_with_hint(self, turn: _Turn, everything: bool = False) -> Screen:
        """Where a registration stands, and what the person can do about it. `everything`: no programme
        was named, so every registration of the person, each naming its programme."""
        if everything and len(every := self._status_lines(turn)) > 1:
            return Screen(lines=(*every, turn.show.t.t("status.pick")))
        if everything and not every:  # no registration anywhere: no programme to name either
            return Screen(lines=(turn.show.t.t("status.nothing"),))
        lines = [self._status_line(turn)]
        if turn.open:
            lines.append(turn.show.t.t("status.continue", command=self.command_for(turn.dialogue.id)))
        elif turn.intake and turn.intake.status is IntakeStatus.CONFIRMED:
            lines.append(turn.show.t.t("status.withdraw"))
        return Screen(lines=tuple(lines))

    def _preferences(self, turn: _Turn, asked: preferences.Asked) -> Screen:
        """How each kind of message the bot sends on its own stands for this person, after switching
        what `asked` switches (nothing when it holds a word we could not place)."""
        chosen, person = turn.uow.preferences, turn.participant.id
        changed: tuple[str, ...] = ()
        if asked.on is not None and not asked.unknown:
            person = self._enrol(turn).id  # a switch is a choice to remember: it needs a row
            changed = asked.kinds or preferences.KINDS
            for kind in changed:
                chosen.set_wants(person, kind, asked.on, self._clock.now())
        wants = chosen.all_wanted(person)
        return preferences.screen(turn.show.t, asked, wants, console=self._console, changed=changed)

    def _planned(self, turn: _Turn, platform: str, external_id: str) -> tuple[str, ...]:
        """What the outbox holds for this person that would still go out: when (Amsterdam time), and what."""
        t, uow, now = turn.show.t, turn.uow, self._clock.now()
        notices = Notices(self._catalogue)
        planned = []
        for message in uow.outbox.waiting(platform, external_id):
            if notices.as_now(uow, message, now) is None:
                continue  # no longer true, or of a kind the person turned off: it will not come
            kind = kind_of(message.template)
            what = t.t(f"preferences.kind.{kind}") if kind else t.t("planned.message")
            if message.programme_id and message.programme_id in self._catalogue.ids():
                name = t.escape(self._catalogue.get(message.programme_id).name.get(t.locale))
                what = t.t("planned.about", what=what, programme=name)
            local = message.not_before.astimezone(AMSTERDAM)
            when = t.t(
                "planned.when", weekday=t.t(f"planned.weekday.{local.weekday()}"), at=t.datetime(local)
            )
            planned.append(t.t("planned.row", when=when, what=what))
        return tuple(planned)

    def _dm_note(self, key: str) -> Callable[[_Turn], Screen]:
        return lambda turn: Screen(lines=(turn.show.t.t(key, programme=self._name(turn)),))

    def _not_understood(self, turn: _Turn, said: Command, command: str, scope: str | None) -> Screen:
        """A command we could not place: say so, offer a close programme if there is one, and what works."""
        t = turn.show.t
        if said.guess:
            name = self._dialogue_name(turn, said.guess)
            typed = f"{command} {self._names.word_for(said.guess)}"
            lines = [t.t("command.guess", text=clip(said.unknown or ""), programme=name, command=typed)]
            if not said.unknown:
                lines = [t.t("command.guess_only", programme=name, command=typed)]
            return self._offer(turn, scope, lines)
        return self._help(turn, unknown=clip(said.unknown))

    def _within(self, turn: _Turn, scope: str) -> str:
        """Of a programme's dialogues, the one the person has under way (open before confirmed, the
        latest first), or else its first."""
        mine = [
            i for i in turn.uow.intakes.of(turn.participant.id) if self._dialogue_of(i).programme == scope
        ]
        mine.sort(key=lambda i: (i.status is IntakeStatus.OPEN, i.updated_at), reverse=True)
        return mine[0].dialogue_id if mine else self._names.of(scope)[0]

    def _offer(self, turn: _Turn, scope: str | None, lines: Sequence[str] = ()) -> Screen:
        t, offered = turn.show.t, self._names.of(scope)
        mine = {i.dialogue_id: i for i in turn.uow.intakes.of(turn.participant.id)}
        rows, buttons = [], []
        for n, dialogue_id in enumerate(offered, start=1):
            intake = mine.get(dialogue_id)
            state = (
                "offer.confirmed"
                if intake and intake.status is IntakeStatus.CONFIRMED
                else ("offer.open" if intake else "offer.new")
            )
            rows.append(
                t.t("offer.row", n=n, programme=self._dialogue_name(turn, dialogue_id), state=t.t(state))
            )
            buttons += self._start_buttons(turn, dialogue_id, intake is not None, form=False, named=True)
        command = next((c for c, p in COMMANDS.items() if p == scope), "/ruil")
        key = "offer.typing_console" if self._console else "offer.typing"  # no buttons to choose there
        typing = t.t(key, command=command, word=self._names.word_for(offered[0]))
        return Screen(
            lines=(*lines, t.t("offer.title"), "\n".join(rows)),
            buttons=() if self._console else tuple(buttons),
            typing=typing,
        )

    def _start_buttons(
        self, turn: _Turn, dialogue_id: str, begun: bool, *, form: bool = True, named: bool = False
    ) -> list[Button]:
        """Start (or go on with) a dialogue in the DM, and, where there are modals, as a form. `named`:
        the label names the programme (in a list of programmes)."""
        t, dialogue = turn.show.t, self._dialogues[dialogue_id]
        if named:
            label = t.t(
                "action.resume_named" if begun else "action.start_named",
                programme=self._dialogue_name(turn, dialogue_id),
            )
        elif len(self._names.of(dialogue.programme)) > 1:  # Peer-to-Peer: say which of its dialogues
            label = t.t(f"{dialogue.keys}.{'resume' if begun else 'start'}")
        else:
            label = t.t("action.resume" if begun else "action.start")
        buttons = [Button(Act.START, label, "primary" if begun else None, dialogue_id)]
        if form and not self._console:
            buttons.append(Button(Act.FORM, t.t("action.form"), None, dialogue_id))
        return buttons

    def _dialogue_name(self, turn: _Turn, dialogue_id: str) -> Safe:
        """A dialogue's name as a person knows it: the programme's, with the dialogue's own when a
        programme has more than one (Peer-to-Peer: aanmelding, opdracht)."""
        dialogue = self._dialogues[dialogue_id]
        t = turn.show.t
        name = t.escape(self._catalogue.get(dialogue.programme).name.get(t.locale))
        if len(self._names.of(dialogue.programme)) > 1 or dialogue.id in self._hidden:
            return t.t(f"{dialogue.keys}.title", programme=name)
        return name

    def _name(self, turn: _Turn) -> Safe:
        return self._dialogue_name(turn, turn.dialogue.id)

    def _say(self, turn: _Turn, key: str, default: str | None = None, **params: object) -> Safe:
        """A shared text (status, stopping, confirming), in the words of this dialogue or programme
        where the catalogue has its own (`<dialogue>.<key>`, then `<programme>.<key>`), with the
        programme's facts from the catalogue to fill in: its name, contact person and deadline."""
        t, programme = turn.show.t, turn.programme
        deadline = programme.rules.get("registration_deadline")
        the = f"{turn.dialogue.keys}.the"  # "de Managersruil": the name as a sentence uses it
        facts: dict[str, object] = {
            "programme": t.t(the) if t.has(the) else self._name(turn),
            "contact": programme.contact.name if programme.contact else t.t("contact.coordinator"),
            "deadline": t.date(deadline) if isinstance(deadline, date) else "",
        }
        own = (f"{turn.dialogue.keys}.{key}", f"{programme.id}.{key}")
        chosen = next((k for k in own if t.has(k)), default or key)
        return t.t(chosen, **{**facts, **params})

    def _status_lines(self, turn: _Turn) -> tuple[Safe, ...]:
        """A status line for each of the person's registrations (open or confirmed)."""
        lines = []
        for intake in turn.uow.intakes.of(turn.participant.id):
            dialogue = self._dialogue_of(intake)
            other = replace(
                turn,
                state=None,
                intake=intake,
                dialogue=dialogue,
                programme=self._catalogue.get(dialogue.programme),
                conversation=turn.uow.conversations.get(intake.id, turn.surface) if intake.id else None,
            )
            lines.append(self._status_line(other))
        return tuple(lines)

    def _status_line(self, turn: _Turn) -> Safe:
        t, intake = turn.show.t, turn.intake
        if intake is None or intake.status is IntakeStatus.CANCELLED:
            return self._say(turn, "status.none")
        if intake.status is IntakeStatus.CONFIRMED and intake.confirmed_at:
            confirmed = t.date(intake.confirmed_at.astimezone(AMSTERDAM).date())
            if "matching" in turn.programme.rules and turn.uow.proposals.setting(turn.participant.id).paused:
                return self._say(turn, "status.paused", date=confirmed)  # 'pauze': not searching now
            return self._say(
                turn, "status.waitlist" if intake.waitlist else "status.confirmed", date=confirmed
            )
        state = self._state(turn)
        if state.current is None:
            ended = engine.outcome(turn.dialogue, state.answers) is not None
            return self._say(turn, "status.ended" if ended else "status.ready")
        answered, total = len(state.answers), len(engine.applicable(turn.dialogue, state.answers))
        return self._say(turn, "status.open", answered=answered, total=total)

    # ---- consent, and the typed answer to "erase everything?" -------------------------------------

    def _enrol(self, turn: _Turn) -> Participant:
        """The person's row, added now if they had none (see NOBODY)."""
        if turn.participant.id == NOBODY:
            p = turn.participant
            turn.participant = turn.uow.participants.add(
                p.platform, p.external_id, p.locale, self._clock.now()
            )
        return turn.participant

    def _consent(self, turn: _Turn) -> Consent | None:
        if turn.participant.id == NOBODY:
            return None
        return turn.uow.privacy.consent(turn.participant.id, turn.programme.id)

    def _consented(self, turn: _Turn) -> bool:
        """Did the person agree to the current consent text of this programme?"""
        return is_current(self._consent(turn))

    def _ask_consent(self, turn: _Turn, lines: Sequence[str] = ()) -> Screen:
        """Before the first question: what we keep, why, who sees it, how long; agree or stop. The
        question is remembered (so a typed 'akkoord' knows what it answers): that starts the row."""
        person = self._enrol(turn)
        turn.uow.privacy.ask(
            person.id, turn.programme.id, turn.dialogue.id, CONSENT_VERSION, self._clock.now()
        )
        asked = consent_screen(turn.show.t, turn.programme, self._name(turn), turn.dialogue.id, self._console)
        return replace(asked, lines=(*lines, *asked.lines))

    def _on_consent(
        self, turn: _Turn, agree: bool, dialogue_id: str | None, profile: Mapping[str, str] | None = None
    ) -> Screen:
        if dialogue_id is None:  # typed, or a button that names nothing we know: the question asked last
            pending = turn.uow.privacy.pending(turn.participant.id) if turn.participant.id != NOBODY else None
            if pending is None or pending.dialogue_id not in self._dialogues:
                return self._no_intake(turn, None)
            self._focus(turn, pending.dialogue_id)
        if not agree:
            return self._decline(turn)
        person = self._enrol(turn)
        now = self._clock.now()
        turn.uow.privacy.give(person.id, turn.programme.id, turn.dialogue.id, CONSENT_VERSION, now)
        started = self._start(turn, waitlist=self._deadline(turn) is not None, profile=profile)
        return replace(started, lines=(turn.show.t.t("consent.thanks"), *started.lines))

    def _for_session(self, key: str) -> bool:
        return key.startswith(SESSION_CONSENT) and self.session_consent is not None

    def _session_consent(self, turn: _Turn, key: str, agree: bool) -> Screen:
        """A one-click session registration's consent question answered: the sessions decide."""
        assert self.session_consent is not None
        if turn.participant.id == NOBODY:  # never asked (the question made the row): nothing to answer
            return Screen(lines=(turn.show.t.t("sessions.stale"),), applied=False)
        answered = self.session_consent(turn.uow, turn.participant, key, agree, self._clock.now())
        p = turn.participant
        if not agree and turn.uow.participants.find(p.platform, p.external_id) is None:
            turn.participant, turn.intake, turn.conversation = replace(p, id=NOBODY), None, None  # erased
        return answered

    def _decline(self, turn: _Turn) -> Screen:
        """No consent: nothing starts; a row that was made only to ask goes again (a row anything else
        refers to, such as a place an MD adviser holds for them, stays)."""
        person = turn.participant
        if person.id != NOBODY:
            turn.uow.privacy.decline(person.id, turn.programme.id)
            if turn.uow.privacy.bare(person.id) and self._erase is not None:
                self._erase(turn.uow, person, self._clock.now())
                turn.participant = replace(person, id=NOBODY)
        return Screen(lines=(turn.show.t.t("consent.declined", programme=self._name(turn)),))

    def _consent_answer(self, turn: _Turn, text: str) -> Screen | None:
        """A typed answer to the consent question asked last, if that is what the person is at: no
        intake is open, or the question came after they last touched the open one (then only a yes or
        a no answers it; anything else goes to the open intake)."""
        agreed = agrees(text)
        if turn.participant.id == NOBODY or (turn.open is not None and agreed is None):
            return None  # an answer to the open intake (and no extra read on the hot path)
        pending = turn.uow.privacy.pending(turn.participant.id)
        session = pending is not None and self._for_session(pending.dialogue_id)
        if pending is None or (pending.dialogue_id not in self._dialogues and not session):
            return None
        if turn.open is not None:
            moved = turn.conversation.updated_at if turn.conversation else None
            if max(turn.open.updated_at, moved or turn.open.updated_at) > pending.asked_at:
                return None  # they went back to the open intake after the question
        if agreed is not None and session:
            return self._session_consent(turn, pending.dialogue_id, agreed)
        if agreed is not None:
            return self._on_consent(turn, agreed, None)
        if session:
            return None  # not an answer to it: read as anything else typed
        said = intent(text)
        named, _ = self._names.find(text)
        if said is None and named is None and language(text) is None:  # neither yes nor no: ask again
            self._focus(turn, pending.dialogue_id)
            return self._ask_consent(turn, [turn.show.t.t("consent.unclear")])
        return None

    def _forget_answer(self, turn: _Turn, text: str) -> Screen | None:
        """'ja' or 'nee' typed within the hour after "erase everything about you?" was asked."""
        person, asked = turn.participant, turn.participant.forget_asked_at
        if person.id == NOBODY or asked is None or self._clock.now() - asked > FORGET_WINDOW:
            return None
        said = intent(text)
        if said is Intent.YES and self._erase is not None:
            self._erase(turn.uow, person, self._clock.now())
            turn.participant, turn.intake, turn.conversation = replace(person, id=NOBODY), None, None
            return Screen(lines=(turn.show.t.t("privacy.forget_done"),), changed=True)
        turn.uow.participants.ask_forget(person.id, None)  # answered, or moved on: a later 'ja' is not this
        turn.participant = replace(person, forget_asked_at=None)
        if said in (Intent.NO, Intent.STOP):
            return Screen(lines=(turn.show.t.t("privacy.forget_kept"),))
        return None

    def _consent_form(self, turn: _Turn) -> Form:
        """The consent question as a form page: 'Akkoord' submits; closing the form starts nothing."""
        t = self._raw(turn).t
        lines = consent_screen(t, turn.programme, str(self._name(turn)), turn.dialogue.id, True).lines
        return Form(
            self._form_title(turn),
            Target(NOBODY, 0, CONSENT),
            lines,
            submit=t.t("consent.agree"),
            close=t.t("consent.decline"),
        )

    def _on_form_consent(self, turn: _Turn, profile: Mapping[str, str] | None = None) -> FormReply:
        pending = turn.uow.privacy.pending(turn.participant.id) if turn.participant.id != NOBODY else None
        if pending is not None and pending.dialogue_id in self._dialogues:
            self._focus(turn, pending.dialogue_id)
            turn.uow.privacy.give(
                turn.participant.id, turn.programme.id, turn.dialogue.id, CONSENT_VERSION, self._clock.now()
            )
        prefill = profile if any(q.prefill for q in turn.dialogue.questions) else None
        return FormReply(form=self._open_form(turn, prefill))
