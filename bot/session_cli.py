"""`ruilbot sessions list|move|cancel|capacity`: an operator's view of the sessions in the database,
and the coordinator's changes until they have a Slack surface. Times are typed and shown in
Europe/Amsterdam; a move or cancellation tells everyone registered through the outbox."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # imported when a command runs: `ruilbot --help` stays quick
    from bot.bootstrap import Services

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class SessionError(ValueError):
    """What an operator typed cannot be done."""


def add_parser(commands: Any) -> None:
    sessions = commands.add_parser("sessions", help="sessions and events: list, move, cancel, capacity")
    actions = sessions.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="upcoming sessions with their places and waitlists")
    move = actions.add_parser("move", help="a new time (Europe/Amsterdam): everyone registered is told")
    move.add_argument("id", type=int)
    move.add_argument("starts_at", help="local start, e.g. 2027-09-06T16:30")
    move.add_argument("ends_at", nargs="?", help="local end (default: the same length as before)")
    move.add_argument("--location", default=None, help="a new place")
    cancel = actions.add_parser("cancel", help="cancel: everyone registered gets a calendar cancellation")
    cancel.add_argument("id", type=int)
    capacity = actions.add_parser("capacity", help="set the number of places (more moves the waitlist up)")
    capacity.add_argument("id", type=int)
    capacity.add_argument("places", type=int)


def local_time(text: str) -> datetime:
    """'2027-09-06T16:30' (or with a space) as Amsterdam wall-clock time, in UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SessionError(f"{text!r} is not a date and time like 2027-09-06T16:30") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=AMSTERDAM)
    return value.astimezone(UTC)


def run(services: Services, args: argparse.Namespace) -> int:
    from bot import sessions
    from bot.session_records import places_left

    try:
        if args.action == "list":
            for session, taken in services.sessions.upcoming():
                start, end = session.starts_at.astimezone(AMSTERDAM), session.ends_at.astimezone(AMSTERDAM)
                left = places_left(session, taken)
                places = "no limit" if left is None else f"{taken.taken}/{session.capacity} taken"
                print(
                    f"{session.id}\t{session.programme_id}\t{start:%Y-%m-%d %H:%M}–{end:%H:%M}\t"
                    f"{places}, {taken.waiting} waiting\t{session.title.nl}\t{session.location or '-'}"
                )
            return 0
        if args.action == "move":
            session = _current(services, args.id)
            starts = local_time(args.starts_at)
            ends = (
                local_time(args.ends_at) if args.ends_at else starts + (session.ends_at - session.starts_at)
            )
            moved = services.sessions.move(args.id, starts, ends, location=args.location)
            print(f"session {moved.id} moved to {moved.starts_at.astimezone(AMSTERDAM):%Y-%m-%d %H:%M}")
            return 0
        if args.action == "cancel":
            services.sessions.cancel(args.id)
            print(f"session {args.id} cancelled; everyone registered will be told")
            return 0
        services.sessions.set_capacity(args.id, args.places)
        print(f"session {args.id} has {args.places} places")
        return 0
    except (SessionError, sessions.SessionError) as error:
        print(f"ruilbot: {error}", file=sys.stderr)
        return 2


def _current(services: Services, session_id: int) -> Any:
    with services.uow() as uow:
        session = uow.sessions.get(session_id)
    if session is None:
        raise SessionError(f"no session {session_id}")
    return session
