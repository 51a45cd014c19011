"""The composition root: the one place that builds the object graph. Tests call it with their own
clock and database; nothing is patched."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.coordinator_planning import Planning
from bot.coordinators import CoordinatorService
from bot.deadlines import DeadlineProducer
from bot.dialogues import DIALOGUES, INTAKES
from bot.dialogues.check import check_all
from bot.dialogues.kick_off import REGISTRATIONS
from bot.dialogues.model import Dialogue
from bot.nudges import NudgeProducer
from bot.outbox import Notices
from bot.ports import ProposalCounts, UnitOfWork, no_proposals
from bot.privacy import PrivacyService, RetentionProducer
from bot.programmes import Catalogue, load_catalogue
from bot.proposals import MatchSchedule, ProposalExpiry, ProposalService, ProposalWithdrawals
from bot.quiet_hours import OFFICE_HOURS, Window, window_from_rules
from bot.services import IntakeService, UserRef
from bot.sessions import HeldPlaces, SessionReminders, SessionService, Who
from bot.views import Screen
from scheduler.tick import Tick
from storage.database import make_engine, make_sessions
from storage.schema import ensure_current, upgrade
from storage.uow import SqlUnitOfWork


@dataclass(frozen=True)
class Services:
    clock: Clock
    catalogue: Catalogue
    intake: IntakeService
    privacy: PrivacyService  # consent lives in the intake; export, erasure and retention here
    uow: Callable[[], UnitOfWork]
    tick: Tick  # writes what is due at a moment to the outbox
    notices: Notices  # renders outbox messages for this surface
    windows: Mapping[str, Window]  # each programme's contact hours
    sessions: SessionService  # sessions and events: /sessies, registering, the waitlist
    coordination: CoordinatorService  # /ruil beheer: the coordinators' tools
    proposals: ProposalService  # matching runs, proposals and their answers
    close: Callable[[], None] = lambda: None  # releases the database connections
    # One transaction for the work of several services (the Home tab): each joins it.
    together: Callable[[], AbstractContextManager[object]] = nullcontext

    def window(self, programme_id: str | None) -> Window:
        return self.windows.get(programme_id or "", OFFICE_HOURS)


def bootstrap(
    database_url: str,
    *,
    clock: Clock | None = None,
    console: bool = False,
    migrate: bool = False,
    lock_wait: float = 30.0,
    threads: int | None = None,
) -> Services:
    """Wire the bot on a database URL. `migrate` upgrades the schema (the console does); otherwise an
    outdated schema stops start-up with the command that fixes it. `lock_wait` is how long a turn
    waits for another's write lock on SQLite before it gives up (and the person hears so). `threads`
    is how many threads may use the database at once: the pool keeps that many connections open."""
    engine = make_engine(database_url, lock_wait=lock_wait, connections=threads)
    if migrate:
        upgrade(engine)
    ensure_current(engine)
    services = wire(make_sessions(engine), clock=clock or SystemClock(), console=console)
    return replace(services, close=engine.dispose)


def wire(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    console: bool = False,
    intakes: Mapping[str, Dialogue] = INTAKES,
    proposals: ProposalCounts = no_proposals,
) -> Services:
    """The object graph on a session factory: tests bind theirs to a transaction they roll back."""
    # Every declared dialogue: a programme may have more than one (Peer-to-Peer's two).
    problems = check_all({**DIALOGUES, **REGISTRATIONS, **{d.id: d for d in intakes.values()}}.values())
    if problems:
        raise ValueError("dialogue declarations break their rules:\n" + "\n".join(problems))
    catalogue = load_catalogue()

    def uow() -> UnitOfWork:
        return SqlUnitOfWork(sessions)

    def single() -> UnitOfWork:
        return SqlUnitOfWork(sessions, autocommit=True)

    def together() -> AbstractContextManager[object]:
        return SqlUnitOfWork(sessions).shared()

    privacy = PrivacyService(uow, clock, catalogue, console=console)
    # Read at start-up, so a malformed contact_hours rule stops the bot instead of a send much later.
    windows = {p.id: window_from_rules(p.rules) for p in catalogue}

    def window(programme_id: str | None) -> Window:
        return windows.get(programme_id or "", OFFICE_HOURS)

    def start_registration(user: Who, dialogue_id: str) -> Screen:
        assert isinstance(user, UserRef)
        return intake.start(user, dialogue_id)

    session_service = SessionService(
        uow, clock, catalogue, window, console=console, start_dialogue=start_registration
    )
    session_service.seed()  # the catalogue's sessions not stored yet; stored ones are the coordinators'

    def session_words(user: UserRef, text: str) -> Screen | None:
        return session_service.typed(user, text) if session_service.asks(text) else None

    intake = IntakeService(
        uow,
        clock,
        catalogue,
        intakes,
        dialogues=DIALOGUES,
        console=console,
        words=session_words,
        hidden=REGISTRATIONS,  # a session's registration dialogue: not offered among the programmes
        on_confirm=session_service.registered_by_dialogue,
        on_cancel=session_service.withdrawn_by_dialogue,
        erase=privacy.erase_in,
        single=single,
    )

    every_dialogue = {**DIALOGUES, **REGISTRATIONS, **{d.id: d for d in intakes.values()}}

    matching = ProposalService(uow, clock, catalogue, window, command_for=intake.command_for)
    intake.session_consent = session_service.answer_consent  # consent asked before a one-click place
    intake.matching_words = matching.typed  # 'pauze', 'hervat', 'niet-met ...': typed or after /ruil
    privacy.add_hook(matching.on_erasure)  # an erased person's open proposals end first
    privacy.add_hook(session_service.on_erasure)  # ... and their places go to the waitlist
    planning = Planning(session_service, matching, clock)  # sessions and matching for coordinators
    counts = matching.counts if proposals is no_proposals else proposals  # a test may give its own
    return Services(
        clock=clock,
        catalogue=catalogue,
        intake=intake,
        privacy=privacy,
        uow=uow,
        tick=Tick(
            uow,
            [
                NudgeProducer(every_dialogue, window, command_for=intake.command_for),
                DeadlineProducer(catalogue, every_dialogue, window, command_for=intake.command_for),
                SessionReminders(catalogue, window),
                HeldPlaces(session_service),
                RetentionProducer(catalogue),
                ProposalExpiry(window),
                ProposalWithdrawals(window),
                MatchSchedule(matching, catalogue, uow),
            ],
        ),
        notices=Notices(catalogue, console=console),
        windows=windows,
        sessions=session_service,
        # How many were proposed, accepted and placed: the proposals' own figures.
        coordination=CoordinatorService(uow, clock, catalogue, DIALOGUES, window, counts, planning=planning),
        proposals=matching,
        together=together,
    )
