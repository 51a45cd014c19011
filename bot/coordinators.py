"""The coordinators' tools, behind `/ruil beheer`: who coordinates which programme, an overview of
each programme against its targets (with a chart), closing and reopening registration, a message to
all participants, the export of intakes, and the status of regulation reports.

Only a programme's coordinators may use them: the catalogue names the first ones (`coordinators:`)
and they add or remove others (never the last). Anyone else gets a polite no, and the attempt is
written to the audit log, as is every read of personal data (an export, an intake, the reports).

Like the intake service, this knows no Slack: it returns `Manage` replies with raw text (the
renderer escapes it), buttons carrying the payload codec's text, and files to share.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot import spreadsheet
from bot.chart import funnel_png
from bot.clock import Clock, local_today
from bot.coordinator_planning import Planning, command_words
from bot.coordinator_records import (
    AuditAction,
    AuditEntry,
    Broadcast,
    BroadcastStatus,
    Funnel,
    Registration,
    ReportState,
    ReportStatus,
)
from bot.dialogues.model import Dialogue
from bot.i18n import DEFAULT_LOCALE, Safe, Translator, all_texts
from bot.interaction import Target, decode, encode
from bot.outbox import Notice
from bot.parsing import clean, normalise, parse_date
from bot.ports import ProposalCounts, UnitOfWork, no_proposals
from bot.programmes import Catalogue, Programme
from bot.quiet_hours import Window, next_opening
from bot.records import Intake, IntakeStatus
from bot.views import Attachment

AUDIT_SHOWN = 30  # newest entries in `/ruil beheer <programme> audit`
BROADCAST_LIMIT = 2000  # characters: a Slack section holds 3000, and a message should be read
BROADCAST_STEP = "broadcast"  # the payload codec's step on a broadcast's buttons
BROADCAST_TEMPLATE = "broadcast"
REPORT_TEMPLATE = "report.status"
REPORTS_KIND = "reports"
_MEMBER = re.compile(r"^<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,20})$")
_WORD = re.compile(r"\S+")
_DIGITS = 9  # an intake number longer than this is none (and would overflow PostgreSQL's integer)
_SUBCOMMANDS = (
    "keyword.help",
    "keyword.export",
    "keyword.close",
    "keyword.reopen",
    "keyword.broadcast",
    "keyword.coordinators",
    "keyword.coordinator",
    "keyword.reports",
    "keyword.view",
    "keyword.audit",
)
STAGES = ("started", "completed", "proposed", "accepted", "placed")
# A report's status as typed, in either language: longest phrases first.
_STATUS_WORDS = tuple(ReportStatus)


@dataclass(frozen=True)
class Choice:
    """A button under a DM: its value is the payload codec's text."""

    label: str
    value: str
    style: str | None = None


@dataclass(frozen=True)
class Manage:
    """What a coordinator command answers: in place, and what goes to the coordinator's DM."""

    lines: tuple[str, ...]
    direct: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    files: tuple[Attachment, ...] = ()
    refused: bool = False


@dataclass(frozen=True)
class HomeSection:
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class _Later:
    """A coordinator's request about sessions or matching, allowed: done after the check commits."""

    t: Translator
    programme: Programme
    word: str
    tail: str


@dataclass
class _Ask:
    """One coordinator request, read."""

    uow: UnitOfWork
    t: Translator
    platform: str
    user: str
    text: str  # as typed after the command
    now: datetime


class CoordinatorService:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        catalogue: Catalogue,
        dialogues: Mapping[str, Dialogue],
        window: Callable[[str | None], Window],
        proposals: ProposalCounts = no_proposals,
        chart: Callable[..., bytes] = funnel_png,
        planning: Planning | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._catalogue = catalogue
        self._dialogues = dialogues  # every declared dialogue, by id
        self._window = window
        self._proposals = proposals  # the lead connects the proposals' counts here
        self._chart = chart
        self._planning = planning  # sessions and matching: services with transactions of their own
        self._names = {p.id: _names(p, dialogues) for p in catalogue}

    # ---- entry points -----------------------------------------------------------------------------

    @staticmethod
    def handles(text: str) -> bool:
        """Is this `/ruil` text a coordinator command (`beheer ...`)?"""
        words = clean(text).split()
        return bool(words) and normalise(words[0]) in command_words("keyword.manage")

    def command(self, platform: str, user: str, text: str) -> Manage:
        """`/ruil beheer [PROGRAMME] [what ...]`."""
        with self._uow() as uow:
            ask = _Ask(
                uow, self._translator(uow, platform, user), platform, user, clean(text), self._clock.now()
            )
            reply = self._command(ask)
            uow.commit()
        if isinstance(reply, _Later):  # checked and committed: now the work with its own transactions
            return self._plan(platform, user, reply)
        return reply

    def confirm(self, platform: str, user: str, value: object) -> Manage:
        """A click on 'Versturen' or 'Annuleren' under a broadcast's preview."""
        with self._uow() as uow:
            ask = _Ask(uow, self._translator(uow, platform, user), platform, user, "", self._clock.now())
            reply = self._confirm(ask, value)
            uow.commit()
            return reply

    def home(self, platform: str, user: str) -> HomeSection | None:
        """The coordinator section of the Home tab; None for anyone who coordinates nothing."""
        with self._uow() as uow:
            t = self._translator(uow, platform, user)
            mine = self._mine(uow, platform, user)
            if not mine:
                return None
            lines = [self._home_line(uow, t, p) for p in mine]
            lines.append(t.t("manage.home.hint", word=self._word(mine[0])))
            return HomeSection(t.t("manage.home.title"), tuple(lines))

    def coordinators(self, uow: UnitOfWork, programme: Programme, platform: str = "slack") -> list[str]:
        """The catalogue's coordinators, plus those added, less those removed."""
        changes = uow.coordination.role_changes(programme.id, platform)
        people = [c for c in programme.coordinators if changes.get(c, True)]
        return people + sorted(c for c, active in changes.items() if active and c not in people)

    # ---- reading a command --------------------------------------------------------------------------

    def _plan(self, platform: str, user: str, later: _Later) -> Manage:
        assert self._planning is not None
        command = f"/ruil beheer {self._word(later.programme)}"
        done = self._planning.do(later.t, later.programme, later.word, later.tail, command)
        if done.action is not None:
            with self._uow() as uow:
                entry = AuditEntry(
                    self._clock.now(),
                    platform,
                    user,
                    done.action,
                    later.programme.id,
                    done.subject,
                    done.detail,
                )
                uow.coordination.audit(entry)
                uow.commit()
        return Manage(done.lines)

    def _command(self, ask: _Ask) -> Manage | _Later:
        words = [(m.group(), m.end()) for m in _WORD.finditer(ask.text)][1:]  # after 'beheer'
        programme, used = self._programme_in([w for w, _ in words])
        mine = self._mine(ask.uow, ask.platform, ask.user)
        if programme is None and not mine:
            return self._refuse(ask, None)
        if programme is not None and programme not in mine:
            return self._refuse(ask, programme)
        rest = words[used:]
        if programme is None:
            if len(mine) == 1:  # one programme: no need to name it
                programme = mine[0]
            elif not words:
                return self._all(ask, mine)
            else:
                return Manage(
                    (ask.t.t("manage.pick", programmes=self._list(ask, mine), word=self._word(mine[0])),)
                )
        if not rest:
            return self._overview(ask, programme)
        first = normalise(rest[0][0])
        tail = ask.text[rest[0][1] :].strip()  # what follows the word, as typed
        if first in command_words("keyword.help"):
            return Manage((ask.t.t("manage.help", word=self._word(programme)),))
        if first in command_words("keyword.export"):
            return self._export(ask, programme)
        if first in command_words("keyword.close"):
            return self._close(ask, programme, tail)
        if first in command_words("keyword.reopen"):
            return self._reopen(ask, programme)
        if first in command_words("keyword.broadcast"):
            return self._preview(ask, programme, tail)
        if first in command_words("keyword.coordinators"):
            return self._roles(ask, programme)
        if first in command_words("keyword.coordinator"):
            return self._role(ask, programme, tail)
        if first in command_words("keyword.audit"):
            return self._audit(ask, programme)
        if self._planning is not None and Planning.handles(first):
            return _Later(ask.t, programme, first, tail)
        if first in command_words("keyword.reports") and programme.kind == REPORTS_KIND:
            return self._reports(ask, programme)
        if first in command_words("keyword.view") and len(rest) > 1:
            first, tail = normalise(rest[1][0]), ask.text[rest[1][1] :].strip()
        if first.isdecimal() and len(first) <= _DIGITS:
            return self._one(ask, programme, int(first), tail)
        if first.isdecimal():  # beyond any id the database holds
            return Manage(
                (ask.t.t("manage.intake.missing", number=first, programme=self._name(ask, programme)),)
            )
        return Manage((ask.t.t("manage.unknown"), ask.t.t("manage.help", word=self._word(programme))))

    def _programme_in(self, words: Sequence[str]) -> tuple[Programme | None, int]:
        """The programme the first words name (the longest name wins), and how many words it took."""
        for size in range(min(5, len(words)), 0, -1):
            said = normalise(" ".join(words[:size]))
            for programme in self._catalogue:
                if said in self._names[programme.id]:
                    return programme, size
        return None, 0

    def _mine(self, uow: UnitOfWork, platform: str, user: str) -> list[Programme]:
        """The programmes `user` coordinates: as `coordinators` says, with one read for all of them."""
        changes = uow.coordination.roles_of(platform, user)
        return [p for p in self._catalogue if changes.get(p.id, user in p.coordinators)]

    def _refuse(self, ask: _Ask, programme: Programme | None) -> Manage:
        ask.uow.coordination.audit(
            AuditEntry(
                ask.now,
                ask.platform,
                ask.user,
                AuditAction.REFUSED,
                programme.id if programme else None,
                detail=ask.text,
            )
        )
        if programme is None:
            return Manage((ask.t.t("manage.refused.any"),), refused=True)
        return Manage((ask.t.t("manage.refused", programme=self._name(ask, programme)),), refused=True)

    # ---- the overview ------------------------------------------------------------------------------

    def funnel(self, uow: UnitOfWork, programme: Programme) -> Funnel:
        counted = uow.coordination.funnel(programme.id)
        proposed, accepted, placed = self._proposals(uow, programme.id)
        return Funnel(counted.started, counted.completed, proposed, accepted, placed)

    def _all(self, ask: _Ask, mine: Sequence[Programme]) -> Manage:
        lines = [self._home_line(ask.uow, ask.t, p) for p in mine]
        return Manage((*lines, ask.t.t("manage.home.hint", word=self._word(mine[0]))))

    def _home_line(self, uow: UnitOfWork, t: Translator, programme: Programme) -> str:
        funnel = self.funnel(uow, programme)
        target = programme.targets.get("placed")
        closed = uow.coordination.registration(programme.id)
        return t.t(
            "manage.home.line",
            programme=programme.name.get(t.locale),
            started=funnel.started,
            completed=funnel.completed,
            proposed=funnel.proposed,
            accepted=funnel.accepted,
            placed=t.t("manage.of_target", n=funnel.placed, target=target) if target else funnel.placed,
            registration=t.t(
                "manage.registration.short_closed"
                if closed and closed.closed
                else "manage.registration.short_open"
            ),
        )

    def overview_lines(self, uow: UnitOfWork, t: Translator, programme: Programme) -> tuple[str, ...]:
        funnel = self.funnel(uow, programme)
        target, tranche = programme.targets.get("placed"), programme.targets.get("tranche")
        lines = [
            t.t(
                "manage.overview.title",
                programme=programme.name.get(t.locale),
                date=t.date(local_today(self._clock)),
            )
        ]
        for stage in STAGES:
            n = getattr(funnel, stage)
            if stage == "placed" and target:
                lines.append(t.t("manage.funnel.placed_target", n=n, target=target, short=max(0, target - n)))
            else:
                lines.append(t.t(f"manage.funnel.{stage}", n=n))
        if tranche and target:
            full, current = divmod(funnel.placed, tranche)
            lines.append(
                t.t(
                    "manage.funnel.tranches",
                    size=tranche,
                    total=-(-target // tranche),
                    full=full,
                    current=current,
                )
            )
        if programme.kind == REPORTS_KIND:
            lines.append(self._report_counts(uow, t, programme))
        registration = uow.coordination.registration(programme.id)
        if registration and registration.closed:
            when = (
                t.t("manage.reopens", date=t.date(registration.reopens_on)) if registration.reopens_on else ""
            )
            lines.append(
                t.t("manage.registration.closed", date=t.date(registration.changed_at.date()), reopens=when)
            )
        else:
            lines.append(t.t("manage.registration.open"))
        return tuple(lines)

    def _report_counts(self, uow: UnitOfWork, t: Translator, programme: Programme) -> Safe:
        """'Meldingen: 2 nieuw, 1 in behandeling': where the confirmed reports stand."""
        states = uow.coordination.report_states(programme.id)
        reports = [i for _, i in uow.coordination.intakes(programme.id) if i.status is IntakeStatus.CONFIRMED]
        counts: dict[str, int] = {}
        for intake in reports:
            state = states.get(intake.id or 0)
            key = f"report.status.{state.status.value}" if state else "report.status.new"
            counts[key] = counts.get(key, 0) + 1
        parts = [f"{n} {t.t(key)}" for key, n in counts.items()]
        return t.t("manage.reports.counts", counts=", ".join(parts) or "0")

    def chart(self, uow: UnitOfWork, t: Translator, programme: Programme) -> bytes:
        funnel = self.funnel(uow, programme)
        target = programme.targets.get("placed")
        stages = [(t.t(f"manage.stage.{s}"), int(getattr(funnel, s))) for s in STAGES]
        label = t.t("manage.chart.target", n=target) if target else ""
        tranche = programme.targets.get("tranche")
        marks = range(tranche, target, tranche) if tranche and target else ()
        return self._chart(programme.name.get(t.locale), stages, target, label, marks)

    def _overview(self, ask: _Ask, programme: Programme) -> Manage:
        lines = self.overview_lines(ask.uow, ask.t, programme)
        png = Attachment(
            f"{programme.id}-{local_today(self._clock).isoformat()}.png",
            ask.t.t("manage.chart.file", programme=programme.name.get(ask.t.locale)),
            self.chart(ask.uow, ask.t, programme),
        )
        hint = ask.t.t("manage.help", word=self._word(programme))
        return Manage((*lines, ask.t.t("manage.chart.sent")), direct=(*lines, hint), files=(png,))

    # ---- registration -------------------------------------------------------------------------------

    def _close(self, ask: _Ask, programme: Programme, tail: str) -> Manage:
        reopens: date | None = None
        words = tail.split()
        if words and normalise(words[0]) in command_words("keyword.until"):
            reopens = parse_date(" ".join(words[1:]), local_today(self._clock))
            if reopens is None or reopens <= local_today(self._clock):
                return Manage((ask.t.t("manage.close.bad_date", word=self._word(programme)),))
        elif words:
            return Manage((ask.t.t("manage.close.bad_date", word=self._word(programme)),))
        ask.uow.coordination.set_registration(Registration(programme.id, True, reopens, ask.user, ask.now))
        self._note(
            ask, AuditAction.REGISTRATION_CLOSED, programme, detail=reopens.isoformat() if reopens else ""
        )
        when = ask.t.t("manage.reopens", date=ask.t.date(reopens)) if reopens else ""
        return Manage((ask.t.t("manage.close.done", programme=self._name(ask, programme), reopens=when),))

    def _reopen(self, ask: _Ask, programme: Programme) -> Manage:
        current = ask.uow.coordination.registration(programme.id)
        if current is None or not current.closed:
            return Manage((ask.t.t("manage.reopen.already", programme=self._name(ask, programme)),))
        ask.uow.coordination.set_registration(Registration(programme.id, False, None, ask.user, ask.now))
        self._note(ask, AuditAction.REGISTRATION_OPENED, programme)
        return Manage((ask.t.t("manage.reopen.done", programme=self._name(ask, programme)),))

    # ---- roles ----------------------------------------------------------------------------------------

    def _roles(self, ask: _Ask, programme: Programme) -> Manage:
        people = self.coordinators(ask.uow, programme, ask.platform)
        return Manage(
            (ask.t.t("manage.roles.list", programme=self._name(ask, programme), people=", ".join(people)),)
        )

    def _role(self, ask: _Ask, programme: Programme, tail: str) -> Manage:
        words = tail.split()
        add = bool(words) and normalise(words[0]) in command_words("keyword.add")
        remove = bool(words) and normalise(words[0]) in command_words("keyword.remove")
        found = _MEMBER.match(words[1]) if len(words) == 2 and (add or remove) else None
        if found is None:
            return Manage((ask.t.t("manage.roles.who", word=self._word(programme)),))
        member = found.group(1) or found.group(2)
        people = self.coordinators(ask.uow, programme, ask.platform)
        name = self._name(ask, programme)
        if add:
            if member in people:
                return Manage((ask.t.t("manage.roles.already", person=member, programme=name),))
            ask.uow.coordination.set_role(programme.id, ask.platform, member, True, ask.user, ask.now)
            self._note(ask, AuditAction.COORDINATOR_ADDED, programme, subject=member)
            return Manage((ask.t.t("manage.roles.added", person=member, programme=name),))
        if member not in people:
            return Manage((ask.t.t("manage.roles.not_one", person=member, programme=name),))
        if people == [member]:
            return Manage((ask.t.t("manage.roles.last", person=member, programme=name),))
        ask.uow.coordination.set_role(programme.id, ask.platform, member, False, ask.user, ask.now)
        self._note(ask, AuditAction.COORDINATOR_REMOVED, programme, subject=member)
        return Manage((ask.t.t("manage.roles.removed", person=member, programme=name),))

    # ---- broadcast -----------------------------------------------------------------------------------

    def _preview(self, ask: _Ask, programme: Programme, text: str) -> Manage:
        if not text:
            return Manage((ask.t.t("manage.broadcast.empty", word=self._word(programme)),))
        if len(text) > BROADCAST_LIMIT:
            return Manage((ask.t.t("manage.broadcast.too_long", length=len(text), limit=BROADCAST_LIMIT),))
        count = len(ask.uow.coordination.recipients(programme.id))
        if count == 0:
            return Manage((ask.t.t("manage.broadcast.nobody", programme=self._name(ask, programme)),))
        draft = ask.uow.coordination.add_broadcast(Broadcast(programme.id, ask.user, text, ask.now))
        assert draft.id is not None
        target = Target(draft.id, 0, BROADCAST_STEP)
        return Manage(
            (ask.t.t("manage.broadcast.see_dm"),),
            direct=(
                ask.t.t(
                    "manage.broadcast.preview",
                    people=_people(ask.t, count),
                    programme=self._name(ask, programme),
                ),
                ask.t.t("broadcast.header", programme=self._name(ask, programme)),
                text,
            ),
            choices=(
                Choice(ask.t.t("manage.broadcast.send"), encode(target, "send"), "primary"),
                Choice(ask.t.t("manage.broadcast.cancel"), encode(target, "cancel")),
            ),
        )

    def _confirm(self, ask: _Ask, value: object) -> Manage:
        decoded = decode(value)
        target = decoded[0] if decoded else None
        draft = (
            ask.uow.coordination.broadcast(target.intake)
            if target and target.step == BROADCAST_STEP
            else None
        )
        if draft is None or decoded is None or decoded[1] not in ("send", "cancel"):
            return Manage((ask.t.t("manage.broadcast.stale"),))
        programme = self._catalogue.get(draft.programme_id)
        if programme not in self._mine(ask.uow, ask.platform, ask.user):
            return self._refuse(ask, programme)
        if draft.status is not BroadcastStatus.DRAFT:
            return Manage((ask.t.t("manage.broadcast.stale"),))
        if decoded[1] == "cancel":
            ask.uow.coordination.settle_broadcast(draft.id or 0, BroadcastStatus.CANCELLED, 0, ask.now)
            return Manage((ask.t.t("manage.broadcast.cancelled"),))
        people = ask.uow.coordination.recipients(programme.id)
        if not ask.uow.coordination.settle_broadcast(
            draft.id or 0, BroadcastStatus.SENT, len(people), ask.now
        ):
            return Manage((ask.t.t("manage.broadcast.stale"),))
        at = next_opening(ask.now, self._window(programme.id))
        for person in people:
            ask.uow.outbox.add(
                Notice(
                    dedupe_key=f"broadcast:{draft.id}:{person.id}",
                    platform=person.platform,
                    recipient=person.external_id,
                    locale=person.locale,
                    template=BROADCAST_TEMPLATE,
                    due_at=ask.now,
                    not_before=at,
                    params={"programme_id": programme.id, "text": draft.text, "broadcast_id": draft.id or 0},
                    participant_id=person.id,
                    programme_id=programme.id,
                ),
                ask.now,
            )
        self._note(ask, AuditAction.BROADCAST_SENT, programme, subject=str(draft.id), detail=str(len(people)))
        return Manage(
            (
                ask.t.t(
                    "manage.broadcast.sent",
                    people=_people(ask.t, len(people)),
                    programme=self._name(ask, programme),
                ),
            )
        )

    # ---- export -------------------------------------------------------------------------------------

    def _export(self, ask: _Ask, programme: Programme) -> Manage:
        intakes = ask.uow.coordination.intakes(programme.id)
        files = []
        for dialogue in self._dialogues.values():
            if dialogue.programme != programme.id:
                continue
            # Confirmed registrations only, in the format `ruilbot import` reads back (a file that
            # went round would otherwise turn half-filled intakes into registrations).
            rows = [
                spreadsheet.Row(user, i.answers, extra={"status": i.status.value})
                for user, i in intakes
                if (i.dialogue_id or i.programme_id) == dialogue.id and i.status is IntakeStatus.CONFIRMED
            ]
            written = spreadsheet.write_csv(dialogue, rows, ask.t.locale, extra=spreadsheet.IGNORED)
            content = written.encode(spreadsheet.EXCEL_ENCODING)
            files.append(
                Attachment(
                    spreadsheet.file_name(dialogue, local_today(self._clock)),
                    ask.t.t(
                        "manage.export.file", programme=programme.name.get(ask.t.locale), count=len(rows)
                    ),
                    content,
                )
            )
        self._note(ask, AuditAction.EXPORT, programme, detail=str(len(intakes)))
        return Manage(
            (ask.t.t("manage.export.done", programme=self._name(ask, programme), count=len(intakes)),),
            direct=(ask.t.t("manage.export.dm", programme=self._name(ask, programme)),),
            files=tuple(files),
        )

    # ---- the audit log: readable, never changeable ------------------------------------------------

    def _audit(self, ask: _Ask, programme: Programme) -> Manage:
        entries = ask.uow.coordination.audit_log(programme.id, limit=AUDIT_SHOWN)
        self._note(ask, AuditAction.VIEW_AUDIT, programme)
        lines = [ask.t.t("manage.audit.title", programme=self._name(ask, programme), count=len(entries))]
        for entry in entries:
            lines.append(
                ask.t.t(
                    "manage.audit.line",
                    at=ask.t.datetime(entry.at),
                    actor=entry.actor,
                    action=ask.t.t(f"manage.audit.{entry.action.value}"),
                    subject=f" {entry.subject}" if entry.subject else "",
                )
            )
        return Manage((ask.t.t("manage.intake.see_dm"),), direct=tuple(lines))

    # ---- one intake, and regulation reports --------------------------------------------------------

    def _one(self, ask: _Ask, programme: Programme, number: int, tail: str) -> Manage:
        intake = ask.uow.intakes.get(number)
        if intake is None or intake.programme_id != programme.id or intake.status is IntakeStatus.CANCELLED:
            return Manage(
                (ask.t.t("manage.intake.missing", number=number, programme=self._name(ask, programme)),)
            )
        if tail and programme.kind == REPORTS_KIND:
            return self._set_report(ask, programme, intake, tail)
        self._note(ask, AuditAction.VIEW_INTAKE, programme, subject=str(number))
        dialogue = self._dialogues.get(intake.dialogue_id or intake.programme_id)
        owner = next((u for u, i in ask.uow.coordination.intakes(programme.id) if i.id == intake.id), "?")
        title = [
            ask.t.t(
                "manage.intake.title",
                number=number,
                programme=self._name(ask, programme),
                person=owner,
                status=ask.t.t(f"manage.intake.{intake.status.value}"),
                date=ask.t.datetime(intake.updated_at),
            )
        ]
        lines: list[str] = [*title]
        if programme.kind == REPORTS_KIND:
            state = ask.uow.coordination.report_state(number)
            lines.append(ask.t.t("manage.report.now", status=self._status(ask, state)))
        for question in dialogue.questions if dialogue else ():
            if question.id in intake.answers and intake.answers[question.id] is not None:
                label = ask.t.t(question.label) if ask.t.has(question.label) else question.id
                lines.append(f"{label}: {_shown(intake.answers[question.id])}")
        return Manage((ask.t.t("manage.intake.see_dm"),), direct=tuple(lines))

    def _reports(self, ask: _Ask, programme: Programme) -> Manage:
        states = ask.uow.coordination.report_states(programme.id)
        reports = [
            i for _, i in ask.uow.coordination.intakes(programme.id) if i.status is IntakeStatus.CONFIRMED
        ]
        self._note(ask, AuditAction.LIST_REPORTS, programme, detail=str(len(reports)))
        if not reports:
            return Manage((ask.t.t("manage.reports.none", programme=self._name(ask, programme)),))
        # New ones first, then the rest as they came in.
        reports.sort(key=lambda i: (i.id in states, i.confirmed_at or i.created_at))
        lines = [ask.t.t("manage.reports.title", programme=self._name(ask, programme))]
        for intake in reports:
            lines.append(
                ask.t.t(
                    "manage.reports.line",
                    number=intake.id,
                    rule=str(intake.answers.get("rule") or "?"),
                    status=self._status(ask, states.get(intake.id or 0)),
                    date=ask.t.date((intake.confirmed_at or intake.created_at).date()),
                )
            )
        lines.append(ask.t.t("manage.reports.how", word=self._word(programme)))
        return Manage((ask.t.t("manage.intake.see_dm"),), direct=tuple(lines))

    def _set_report(self, ask: _Ask, programme: Programme, intake: Intake, tail: str) -> Manage:
        status, reason = _report_status(tail)
        if status is None:
            return Manage((ask.t.t("manage.report.which", word=self._word(programme), number=intake.id),))
        if status is ReportStatus.REJECTED and not reason:
            return Manage((ask.t.t("manage.report.reason", word=self._word(programme), number=intake.id),))
        if intake.status is not IntakeStatus.CONFIRMED:
            return Manage((ask.t.t("manage.report.draft", number=intake.id),))
        assert intake.id is not None
        state = ask.uow.coordination.set_report_state(intake.id, status, reason or None, ask.user, ask.now)
        self._note(ask, AuditAction.REPORT_STATUS, programme, subject=str(intake.id), detail=status.value)
        person = next(
            (p for p in ask.uow.coordination.recipients(programme.id) if p.id == intake.participant_id), None
        )
        if person is not None:
            ask.uow.outbox.add(
                Notice(
                    dedupe_key=f"report:{intake.id}:{state.version}",
                    platform=person.platform,
                    recipient=person.external_id,
                    locale=person.locale,
                    template=REPORT_TEMPLATE,
                    due_at=ask.now,
                    not_before=next_opening(ask.now, self._window(programme.id)),
                    params={
                        "programme_id": programme.id,
                        "intake_id": intake.id,
                        "status": status.value,
                        "reason": reason,
                        "rule": str(intake.answers.get("rule") or ""),
                    },
                    participant_id=person.id,
                    programme_id=programme.id,
                ),
                ask.now,
            )
        return Manage(
            (ask.t.t("manage.report.set", number=intake.id, status=ask.t.t(f"report.status.{status.value}")),)
        )

    def _status(self, ask: _Ask, state: ReportState | None) -> str:
        if state is None:
            return ask.t.t("report.status.new")
        if state.reason:
            return ask.t.t(
                "manage.report.with_reason",
                status=ask.t.t(f"report.status.{state.status.value}"),
                reason=state.reason,
            )
        return ask.t.t(f"report.status.{state.status.value}")

    # ---- helpers --------------------------------------------------------------------------------------

    def _note(
        self,
        ask: _Ask,
        action: AuditAction,
        programme: Programme,
        subject: str | None = None,
        detail: str = "",
    ) -> None:
        ask.uow.coordination.audit(
            AuditEntry(ask.now, ask.platform, ask.user, action, programme.id, subject, detail)
        )

    def _translator(self, uow: UnitOfWork, platform: str, user: str) -> Translator:
        person = uow.participants.find(platform, user)
        return Translator(person.locale if person else DEFAULT_LOCALE)

    def _name(self, ask: _Ask, programme: Programme) -> str:
        return programme.name.get(ask.t.locale)

    def _list(self, ask: _Ask, programmes: Sequence[Programme]) -> str:
        return ask.t.join([p.name.get(ask.t.locale) for p in programmes])

    def _word(self, programme: Programme) -> str:
        """What to type after /ruil beheer for a programme, in a hint: its id, which always works."""
        return programme.id


def _names(programme: Programme, dialogues: Mapping[str, Dialogue]) -> frozenset[str]:
    names = {programme.id, programme.id.replace("-", " "), programme.name.nl, programme.name.en}
    for dialogue in dialogues.values():
        if dialogue.programme == programme.id:
            names |= {n for text in all_texts(f"{dialogue.keys}.names") for n in text.split("|")}
    # 'melding 12' and 'aanmelding 12' name an intake here, not a programme.
    taken = {w for key in _SUBCOMMANDS for w in command_words(key)}
    return frozenset(normalise(n) for n in names if normalise(n) and normalise(n) not in taken)


def _report_status(text: str) -> tuple[ReportStatus | None, str]:
    """'afgewezen past niet in de pilot' -> (REJECTED, 'past niet in de pilot')."""
    said = normalise(text)
    best: tuple[int, ReportStatus] | None = None
    for status in _STATUS_WORDS:
        for phrase in command_words(f"keyword.report.{status.value}"):
            if (said == phrase or said.startswith(phrase + " ")) and (best is None or len(phrase) > best[0]):
                best = (len(phrase), status)
    if best is None:
        return None, ""
    words = text.split()
    return best[1], " ".join(words[len(normalise(text)[: best[0]].split()) :]).strip()


def _people(t: Translator, count: int) -> str:
    return t.t("manage.people.one") if count == 1 else t.t("manage.people", n=count)


def _shown(value: object) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
