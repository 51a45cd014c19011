"""`ruilbot`: console, serve, socket, worker, db upgrade, match, import and export. An entry point:
the only module in bot/ that may reach for the Slack adapters, and it does so lazily."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the commands import what they need when they run: `ruilbot --help` stays quick
    from bot.bootstrap import Services
    from scheduler.runner import Runner

from bot import session_cli
from bot.settings import ConfigError, Settings, load_settings


class Unreachable(RuntimeError):
    """The database or Slack cannot be reached, or refuses us: one line, not a traceback."""


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ruilbot", description="ruilbot: intake, matching and reminders")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    console = commands.add_parser("console", help="talk to the bot in this terminal (SQLite, no Slack)")
    console.add_argument("--user", default=None, help="who you are in the console (default: your login)")
    console.add_argument("--lang", choices=("nl", "en"), default=None, help="language (default: nl)")
    commands.add_parser("serve", help="serve Slack over HTTP on PORT at /slack/events")
    commands.add_parser("socket", help="connect to Slack in Socket Mode (needs SLACK_APP_TOKEN)")
    commands.add_parser("worker", help="only the scheduler: the tick and the outbox sender (no events)")
    db = commands.add_parser("db", help="database tasks")
    db.add_argument("action", choices=("upgrade", "current"))
    match = commands.add_parser(
        "match", help="match a programme's confirmed intakes and send the proposals (or --dry-run)"
    )
    match.add_argument("programme", help="programme id, e.g. managersruil")
    match.add_argument(
        "--dry-run", action="store_true", help="only show the proposal: store and send nothing"
    )
    match.add_argument(
        "--json", action="store_true", help="print one JSON object (edges, cycles, total, bound)"
    )
    match.add_argument("--lang", choices=("nl", "en"), default="nl", help="language of the reasons")
    match.add_argument("--time-limit", type=float, default=50.0, help="seconds for the solver (default 50)")
    session_cli.add_parser(commands)
    proposals = commands.add_parser(
        "proposals", help="proposals for coordinators: drafts, approve, remove, add"
    )
    proposals.add_argument("action", choices=("list", "approve", "remove", "add"))
    proposals.add_argument(
        "items", nargs="*", help="list [PROGRAMME] | approve ID | remove ID | add PROGRAMME U1 U2 [U3]"
    )
    proposals.add_argument("--note", default="", help="with add: why this match (kept with the proposal)")
    _spreadsheet_commands(commands)
    args = parser.parse_args(argv)
    env = os.environ if env is None else env
    try:
        match args.command:
            case "console":
                return _console(load_settings(env), args.user, args.lang)
            case "db":
                return _db(load_settings(env), args.action)
            case "worker":
                return _worker(load_settings(env, worker=True))
            case "match":
                return _match(load_settings(env), args)
            case "sessions":
                services = _services(load_settings(env))
                if services is None:
                    return 2
                try:
                    return session_cli.run(services, args)
                finally:
                    services.close()
            case "proposals":
                return _proposals(load_settings(env), args)
            case "import" | "export":
                return _spreadsheet(load_settings(env), args)
            case _:
                return _slack(load_settings(env, slack=True, socket=args.command == "socket"), args.command)
    except ConfigError as error:
        print(f"ruilbot: {error}", file=sys.stderr)
        return 2
    except Unreachable as error:
        print(f"ruilbot: {error}", file=sys.stderr)
        return 3


def _database_fault(settings: Settings, error: Exception) -> Unreachable:
    from sqlalchemy.engine import make_url

    where = make_url(settings.database_url).render_as_string(hide_password=True)
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return Unreachable(f"cannot use the database at {where}: {reason}")


def _console(settings: Settings, user: str | None, lang: str | None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot import console
    from bot.bootstrap import bootstrap
    from bot.clock import OffsetClock
    from bot.services import UserRef

    logging.basicConfig(level=logging.WARNING)
    # The console keeps its own SQLite file up to date; a shared database is upgraded deliberately.
    migrate = settings.database_url.startswith("sqlite")
    clock = OffsetClock()  # `/klok +3d` moves it, to show what the bot does days later
    try:
        services = bootstrap(settings.database_url, clock=clock, console=True, migrate=migrate)
    except SQLAlchemyError as error:
        raise _database_fault(settings, error) from error
    me = UserRef("console", user or getpass.getuser(), locale_hint=lambda: lang)
    if lang:
        services.intake.text(me, f"taal {lang}")
    return console.run(
        services.intake, me, input, print, postbox=console.Postbox(services, clock), privacy=services.privacy
    )


def _db(settings: Settings, action: str) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from storage.database import make_engine
    from storage.schema import current_revision, head_revision, upgrade

    engine = make_engine(settings.database_url)
    try:
        if action == "upgrade":
            upgrade(engine)
        print(f"schema revision {current_revision(engine)} (newest: {head_revision(engine)})")
    except SQLAlchemyError as error:
        raise _database_fault(settings, error) from error
    return 0


def _worker_id() -> str:
    import socket

    return f"{socket.gethostname()}-{os.getpid()}"[:64]


def _sending(settings: Settings, services: Services) -> Runner:
    """The scheduler with the outbox sender for Slack, not yet started."""
    from scheduler.runner import Runner
    from scheduler.sender import SlackSender, sender_client

    assert settings.bot_token is not None
    client = sender_client(settings.bot_token.value, settings.api_url)
    sender = SlackSender(services.uow, client, services.notices, services.window, worker=_worker_id())
    return Runner(services, sender)


def _services(settings: Settings) -> Services | None:
    """Logging without secrets, and the services on a current schema; None (said why) if it is not."""
    from bot import logs

    secrets = [s.value for s in (settings.bot_token, settings.signing_secret, settings.app_token) if s]
    logs.configure(settings.log_level, secrets)
    return _bootstrapped(settings)


def _bootstrapped(settings: Settings) -> Services | None:
    """The services on a current schema; None (said why) if it is not. An unreachable database
    raises Unreachable, which `main` turns into one line."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.bootstrap import bootstrap
    from scheduler.sender import SenderPolicy
    from storage.schema import SchemaOutdated

    try:
        # The lanes' workers, the tick, the outbox sender's posts in flight, and one to spare.
        threads = settings.workers + 1 + SenderPolicy().concurrency + 1
        return bootstrap(settings.database_url, threads=threads)
    except SchemaOutdated as error:
        print(f"ruilbot: {error}", file=sys.stderr)
        return None
    except SQLAlchemyError as error:
        raise _database_fault(settings, error) from error


def _worker(settings: Settings) -> int:
    import signal

    services = _services(settings)
    if services is None:
        return 2
    runner = _sending(settings, services)
    signal.signal(signal.SIGTERM, lambda *_: runner.stop())
    runner.start()
    try:
        runner.wait()
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()
        services.close()
    return 0


def _slack(settings: Settings, mode: str) -> int:
    if mode == "serve" and settings.processes > 1:
        return _processes(settings)
    return _serve_one(settings, mode)


def _processes(settings: Settings) -> int:
    """`PROCESSES` copies of `ruilbot serve` on one port: one interpreter uses one core. Each process
    has its own connections, lanes and scheduler; PostgreSQL keeps them apart (row versions, SKIP
    LOCKED), and the kernel shares the connections out."""
    import os
    import signal

    from handlers.app import listening_socket

    checked = _serve_one(settings, "check")  # settings, schema, database and token, once, up front
    if checked:
        return checked
    sock = listening_socket(settings.port)
    children: list[int] = []
    for _ in range(settings.processes):
        pid = os.fork()
        if pid == 0:  # the child serves until it is told to stop
            os._exit(_serve_one(settings, "serve", sock))
        children.append(pid)

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    status = 0
    for child in children:
        _, code = os.waitpid(child, 0)
        status = status or os.waitstatus_to_exitcode(code)
    return status


def _serve_one(settings: Settings, mode: str, sock: Any = None) -> int:
    import gc

    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    from handlers.app import build_app, serve_http, serve_socket

    services = _services(settings)
    if services is None:
        return 2
    assert settings.bot_token is not None  # load_settings(slack=True) demands it
    signing = settings.signing_secret.value if settings.signing_secret else None
    try:  # bolt checks the token with auth.test before it serves anything
        gateway = build_app(
            services,
            token=settings.bot_token.value,
            api_url=settings.api_url,
            signing_secret=signing,
            workspaces=settings.workspaces,
            workers=settings.workers,
        )
    except (BoltError, SlackApiError, OSError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise Unreachable(f"Slack at {settings.api_url} refused or could not be reached: {reason}") from error
    # The tick and the outbox sender run beside the listeners; `ruilbot worker` runs them alone.
    if mode == "check":  # all is well: the processes start from here
        gateway.lanes.close()
        services.close()
        return 0
    runner = _sending(settings, services)
    runner.start()
    # Everything built so far (catalogue, dialogues, bolt, SQLAlchemy's metadata) lives as long as
    # the process: out of the collector's sight, a full collection no longer walks it again and again.
    gc.freeze()
    try:
        if mode == "socket":
            assert settings.app_token is not None
            serve_socket(gateway, settings.app_token.value)
        else:
            serve_http(gateway, settings.port, sock=sock)
    finally:
        runner.stop()
    return 0


def _match(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from sqlalchemy.exc import SQLAlchemyError

    from bot.clock import local_today
    from bot.i18n import Translator
    from bot.matching.candidates import ADAPTERS
    from bot.matching.explain import plan_as_json, words
    from bot.matching.swaps import all_pairs, plan_swaps

    services = _bootstrapped(settings)
    if services is None:
        return 2
    try:
        if args.programme not in services.catalogue.ids():
            known = ", ".join(services.catalogue.ids())
            print(f"ruilbot: unknown programme {args.programme!r}; known: {known}", file=sys.stderr)
            return 2
        programme = services.catalogue.get(args.programme)
        if not args.dry_run:
            return _run_matching(services, programme.id, args.json)
        adapter = ADAPTERS.get(programme.id)
        if adapter is None or "matching" not in programme.rules:
            print(f"ruilbot: {programme.id} has no intake to match yet", file=sys.stderr)
            return 2
        try:
            with services.uow() as uow:
                registrations = uow.registrations.confirmed(programme.id)
        except SQLAlchemyError as error:
            raise _database_fault(settings, error) from error
        candidates = [c for c in (adapter(who, answers) for who, answers in registrations) if c is not None]
        with _stdout_to_stderr():  # HiGHS greets on stdout from C; keep stdout for the report
            plan, scorer, graph = plan_swaps(
                programme.matching(), candidates, local_today(services.clock), time_limit=args.time_limit
            )
        t = Translator(args.lang)
        pairs = all_pairs(scorer, graph)
        if args.json:
            print(json.dumps(plan_as_json(plan, pairs, t), ensure_ascii=False, indent=2))
            return 0
        for swap in plan.swaps:
            print(f"{' -> '.join(swap.members)} -> {swap.members[0]}  ({swap.score})")
            for pair in swap.pairs:
                print(f"    {pair.source} -> {pair.target} ({pair.score}): {words(pair.reasons, t)}")
        print(f"total {plan.total}, bound {plan.bound}{' (optimal)' if plan.optimal else ''}")
        return 0
    finally:
        services.close()


def _run_matching(services: Services, programme_id: str, as_json: bool) -> int:
    """`ruilbot match PROGRAMME`: match and make proposals (sent through the outbox, or drafts)."""
    import json

    from bot.proposals import ProposalError

    try:
        with _stdout_to_stderr():
            report = services.proposals.run(programme_id)
    except ProposalError as error:
        print(f"ruilbot: {error}", file=sys.stderr)
        return 2
    summary = {
        "programme": report.programme_id,
        "proposals": list(report.proposals),
        "drafts": report.drafts,
        "pool": report.pool,
        "left_out": report.left_out,
        "total": report.plan.total if report.plan else 0,
        "bound": report.plan.bound if report.plan else 0,
    }
    if as_json:
        print(json.dumps(summary, indent=2))
    else:
        kind = "drafts for review" if report.drafts else "proposals sent"
        print(
            f"{report.programme_id}: {len(report.proposals)} {kind} (pool {report.pool}, "
            f"{report.left_out} paused or in a proposal)"
        )
    return 0


def _proposals(settings: Settings, args: argparse.Namespace) -> int:
    """`ruilbot proposals list|approve|remove|add`: a coordinator's review of proposals."""

    from bot.proposals import ProposalError

    services = _bootstrapped(settings)
    if services is None:
        return 2
    items: list[str] = list(args.items)
    try:
        if args.action == "list":
            drafts = services.proposals.drafts(items[0] if items else None)
            if not drafts:  # sent proposals are the people's own business until they answer
                print("no draft proposals wait for review (proposals already sent are not listed)")
            for draft in drafts:
                people = " -> ".join(m.external_id for m in draft.members)
                note = f"  note: {draft.note}" if draft.note else ""
                print(f"#{draft.id} {draft.programme_id} ({draft.score}): {people}{note}")
            return 0
        if args.action in ("approve", "remove"):
            if len(items) != 1 or not items[0].isdecimal():
                print(f"ruilbot: proposals {args.action} needs one proposal number", file=sys.stderr)
                return 2
            act = services.proposals.approve if args.action == "approve" else services.proposals.remove
            done = act(int(items[0]))
            print(f"#{done.id}: {done.state.value}")
            return 0
        if len(items) < 3 or items[0] not in services.catalogue.ids():
            print("ruilbot: proposals add needs a programme and two or three Slack user ids", file=sys.stderr)
            return 2
        made = services.proposals.add_manual(items[0], items[1:], args.note)
        print(f"#{made.id}: {made.state.value}")
        return 0
    except ProposalError as error:
        print(f"ruilbot: {error}", file=sys.stderr)
        return 2
    finally:
        services.close()


def _spreadsheet_commands(commands: Any) -> None:
    imports = commands.add_parser(
        "import", help="load a programme's registrations from a CSV file, as confirmed intakes"
    )
    imports.add_argument("programme", help="programme id, e.g. managersruil")
    imports.add_argument("file", help="CSV: slack_user and the intake's question ids as columns")
    imports.add_argument(
        "--replace", action="store_true", help="replace the registration of anyone who already has one"
    )
    exports = commands.add_parser("export", help="write a programme's confirmed intakes as CSV")
    exports.add_argument("programme", help="programme id, e.g. managersruil")
    exports.add_argument("file", nargs="?", default=None, help="where to write (default: standard output)")
    for command in (imports, exports):
        command.add_argument(
            "--dialogue", default=None, help="for a programme with more than one (peer-to-peer/opdracht)"
        )
        command.add_argument("--lang", choices=("nl", "en"), default="nl", help="language of the texts")


def _spreadsheet(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot import spreadsheet
    from bot.clock import local_today
    from bot.dialogues import DIALOGUES, INTAKES
    from bot.i18n import Translator
    from bot.ports import Conflict

    t = Translator(args.lang)
    if args.programme not in INTAKES:
        print(f"ruilbot: unknown programme {args.programme!r}; known: {', '.join(INTAKES)}", file=sys.stderr)
        return 2
    dialogues = [d.id for d in DIALOGUES.values() if d.programme == args.programme]
    wanted = args.dialogue or INTAKES[args.programme].id
    wanted = wanted if wanted in dialogues else f"{args.programme}/{wanted}"
    if wanted not in dialogues:
        known = ", ".join(dialogues)
        print(
            t.t(
                "spreadsheet.unknown_dialogue", programme=args.programme, dialogue=args.dialogue, known=known
            ),
            file=sys.stderr,
        )
        return 2
    dialogue = DIALOGUES[wanted]
    text = ""
    if args.command == "import":
        try:
            with open(args.file, "rb") as file:
                data = file.read(spreadsheet.MAX_BYTES + 1)  # a huge file is refused, not read whole
        except OSError as error:
            print(
                t.t("spreadsheet.unreadable", file=args.file, reason=error.strerror or error), file=sys.stderr
            )
            return 2
        text = spreadsheet.decode(data)
    services = _bootstrapped(settings)
    if services is None:
        return 2
    try:
        with services.uow() as uow:
            if args.command == "export":
                rows = [spreadsheet.Row(*r) for r in uow.registrations.of_dialogue(dialogue.id)]
                written, count = spreadsheet.write_csv(dialogue, rows, args.lang), len(rows)
                if args.file is None:
                    sys.stdout.write(written)
                    return 0
                with open(args.file, "w", encoding=spreadsheet.EXCEL_ENCODING, newline="") as out:
                    out.write(written)
                print(t.t("spreadsheet.exported", n=count, dialogue=dialogue.id, file=args.file))
                return 0
            read = spreadsheet.read_csv(text, dialogue, local_today(services.clock), args.lang)
            count = spreadsheet.store(
                uow, dialogue, read, services.clock.now(), replace_existing=args.replace, locale=args.lang
            )
            uow.commit()
        print(t.t("spreadsheet.imported", n=count, dialogue=dialogue.id))
        return 0
    except spreadsheet.FileRefused as refused:
        print(t.t("spreadsheet.refused"), file=sys.stderr)
        for problem in refused.problems:
            print("  " + t.t("spreadsheet.problem", line=problem.line, reason=problem.text), file=sys.stderr)
        return 1
    except Conflict:  # someone registered in the conversation at this very moment: nothing was stored
        print(t.t("spreadsheet.conflict"), file=sys.stderr)
        return 3
    except SQLAlchemyError as error:
        raise _database_fault(settings, error) from error
    finally:
        services.close()


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Point file descriptor 1 at stderr for a while: C libraries write there past sys.stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


if __name__ == "__main__":
    sys.exit(main())
