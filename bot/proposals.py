"""Matching turned into confidential proposals with double opt-in, sent through the outbox.

A run matches the confirmed intakes of a programme, leaving out whoever paused, is in a proposal that
is not over (sent proposals are never disturbed), and pairs that were declined before. Each chosen cycle
becomes a proposal: every member hears, anonymously, which post they would take and why, and answers
with Accept, Decline or Ask the coordinator. Only when everyone accepted are the names revealed, in a
group DM; then each confirms that their own supervisor agrees. A decline ends it for everyone (the
others are told kindly, without saying who); a proposal without every answer expires, with one
reminder halfway. With `review: true` in the catalogue a run makes drafts that a coordinator approves.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from bot.clock import AMSTERDAM, Clock
from bot.dialogues.managersruil import INTAKE as MANAGERSRUIL
from bot.dialogues.model import Kind
from bot.dialogues.reading import Candidates, read
from bot.engine import Message, Value
from bot.i18n import DEFAULT_LOCALE, Safe, Translator, keywords
from bot.interaction import Target
from bot.matching.candidates import ADAPTERS, LIB_MONTHS, Candidate, Exclusions
from bot.matching.scoring import Scorer
from bot.matching.swaps import Plan, plan_swaps
from bot.outbox import Notice, Param
from bot.parsing import clean, normalise
from bot.ports import Conflict, Unavailable, UnitOfWork
from bot.programmes import Catalogue, Programme
from bot.proposal_notices import (
    ASK,
    CHECKIN,
    CONFIRMED,
    ENDED,
    EXPIRED,
    INTRODUCTION,
    OFFER,
    REMINDER,
    STEP,
    SUPERVISOR,
    reasons_to_json,
    registered,
)
from bot.proposal_notices import target as target_of
from bot.proposal_records import (
    ACTIVE,
    Member,
    MemberState,
    NewMember,
    PoolEntry,
    PoolSetting,
    Proposal,
    ProposalState,
)
from bot.quiet_hours import Window, next_opening
from bot.records import IntakeStatus, Participant
from bot.services import UserRef
from bot.views import Act, Button, Field, Form, Screen

log = logging.getLogger(__name__)
T = TypeVar("T")
_ATTEMPTS = 4
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_AT = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
REASON_LENGTH = 1000
REASON_FIELD = "reason"  # the one field of a decline's reason form
_SEND_HOUR = time(10, 0)  # check-ins go out mid-morning, local time


class ProposalError(ValueError):
    """A coordinator's request that cannot be done; the message says why (for the CLI)."""


@dataclass(frozen=True)
class Schedule:
    """When a programme's matching runs on its own: on these weekdays (0 = Monday) at this local time."""

    weekdays: tuple[int, ...]
    at: time

    def latest_slot(self, now: datetime) -> str | None:
        """The most recent slot at or before `now`, as a key ('2026-11-30T10:00'); None within the
        first week of a schedule with no weekday."""
        local = now.astimezone(AMSTERDAM)
        for back in range(8):
            day = local.date() - timedelta(days=back)
            moment = datetime.combine(day, self.at, AMSTERDAM)
            if day.weekday() in self.weekdays and moment <= local:
                return f"{day.isoformat()}T{self.at:%H:%M}"
        return None


@dataclass(frozen=True)
class ProposalPolicy:
    expiry: timedelta = timedelta(days=7)
    review: bool = False  # proposals are drafts until a coordinator approves them
    schedule: Schedule | None = None
    coordinators: tuple[str, ...] = ()  # Slack user ids


def policy_of(programme: Programme) -> ProposalPolicy:
    """`rules.proposals` of a programme (expiry_days, review, schedule) and its coordinators."""
    raw = programme.rules.get("proposals") or {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"{programme.id}: 'proposals' must be a mapping")
    days = raw.get("expiry_days", 7)
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ValueError(f"{programme.id}: 'proposals.expiry_days' must be a whole number of days, 1 or more")
    review = raw.get("review", False)
    if not isinstance(review, bool):
        raise ValueError(f"{programme.id}: 'proposals.review' must be true or false")
    return ProposalPolicy(
        timedelta(days=days), review, _schedule(programme.id, raw.get("schedule")), coordinators_of(programme)
    )


def _schedule(programme_id: str, raw: object) -> Schedule | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not isinstance(raw.get("days"), tuple | list):
        raise ValueError(f"{programme_id}: 'proposals.schedule' needs 'days' (mon..sun) and 'at' (HH:MM)")
    days = [str(d).lower()[:3] for d in raw["days"]]
    match = _AT.match(str(raw.get("at", "")))
    if not days or any(d not in _WEEKDAYS for d in days) or match is None:
        raise ValueError(f"{programme_id}: 'proposals.schedule' needs 'days' (mon..sun) and 'at' (HH:MM)")
    return Schedule(tuple(sorted(_WEEKDAYS.index(d) for d in days)), time(int(match[1]), int(match[2])))


def coordinators_of(programme: Programme) -> tuple[str, ...]:
    """The programme's coordinators (Slack user ids): the catalogue key `coordinators`, on the programme
    once the coordinators' work reads it there, or among its rules until then."""
    found = getattr(programme, "coordinators", None) or programme.rules.get("coordinators") or ()
    return tuple(str(c) for c in found) if isinstance(found, tuple | list) else ()


@dataclass(frozen=True)
class RunReport:
    programme_id: str
    proposals: tuple[int, ...]  # made by this run
    drafts: bool  # they wait for a coordinator's approval
    pool: int  # confirmed intakes
    left_out: int  # paused, or in a proposal that is not over
    plan: Plan | None = None


# ---- the anonymous offer ------------------------------------------------------------------------


def _months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _window(answers: Mapping[str, Value]) -> tuple[date, int] | None:
    regional = "available_from" in answers  # Leidinggevenden in Beweging: four months from then
    start = answers.get("available_from" if regional else "start")
    period = LIB_MONTHS if regional else answers.get("period")
    if not isinstance(start, str) or not isinstance(period, int):
        return None
    try:
        return date.fromisoformat(start), period
    except ValueError:
        return None


def swap_dates(answers: Sequence[Mapping[str, Value]], today: date) -> tuple[date | None, date | None]:
    """When the swap would start (the latest of the members' starts, not before today) and when they
    return (after the shortest period any of them wants)."""
    windows = [w for w in (_window(a) for a in answers) if w is not None]
    if len(windows) != len(answers) or not windows:
        return None, None
    start = max(max(w[0] for w in windows), today)
    return start, _months_after(start, min(w[1] for w in windows))


def post_params(answers: Mapping[str, Value]) -> dict[str, Param]:
    """The post someone would take, as codes: level, field, ministry or kind of organisation. Never a
    name, a function title or a directorate (those could point to one person)."""
    params: dict[str, Param] = {}
    if isinstance(answers.get("organisation_kind"), str):  # a regional swap: the kind, and the region
        params["post_kind"] = str(answers["organisation_kind"])
        if isinstance(answers.get("region"), str):
            params["post_region"] = str(answers["region"])[:60]
        return params
    ministry = answers.get("ministry")
    params["post_ministry"] = ministry if isinstance(ministry, str) else "other"
    if isinstance(answers.get("scale"), int):
        params["post_scale"] = int(str(answers["scale"]))
    if isinstance(answers.get("field"), str):
        params["post_field"] = str(answers["field"])
    return params


# ---- the service --------------------------------------------------------------------------------


class ProposalService:
    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        catalogue: Catalogue,
        window: Callable[[str | None], Window],
        *,
        time_limit: float = 50.0,
        command_for: Callable[[str], str] = lambda dialogue_id: f"/ruil {dialogue_id}",
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._catalogue = catalogue
        self._window = window
        self._time_limit = time_limit
        self._command_for = command_for
        for programme in catalogue:  # a malformed `proposals` rule stops start-up, not a run much later
            policy_of(programme)

    # ---- a matching run ---------------------------------------------------------------------

    def run(self, programme_id: str, among: Collection[str] | None = None) -> RunReport:
        """Match the programme's pool and make proposals: sent at once, or drafts under review.
        `among`: only these people (platform ids), for a coordinator's run within one group."""
        programme = self._catalogue.get(programme_id)
        adapter = ADAPTERS.get(programme.id)
        if adapter is None or "matching" not in programme.rules:
            raise ProposalError(f"{programme.id} has no intake to match yet")
        policy = policy_of(programme)
        now = self._clock.now()
        today = now.astimezone(AMSTERDAM).date()
        with self._uow() as uow:
            pool = [e for e in uow.proposals.pool(programme.id) if among is None or e.external_id in among]
            busy = uow.proposals.busy()
            declined = uow.proposals.declined_pairs(programme.id)
            settings = uow.proposals.settings(e.participant_id for e in pool)
        entries = {str(e.participant_id): e for e in pool}
        candidates: list[Candidate] = []
        for entry in pool:
            candidate = adapter(str(entry.participant_id), entry.answers)
            if candidate is not None:
                setting = settings.get(entry.participant_id, PoolSetting())
                candidates.append(replace(candidate, not_with=frozenset(setting.not_with)))
        paused = frozenset(str(p) for p, s in settings.items() if s.paused)
        exclusions = Exclusions(
            paused=paused,
            in_proposal=frozenset(str(p) for p in busy),
            declined=frozenset(frozenset(str(p) for p in pair) for pair in declined),
        )
        left_out = sum(1 for c in candidates if exclusions.leaves_out(c.id))
        # The solver runs outside any transaction: it may take a while, and holds no lock meanwhile.
        plan, _, _ = plan_swaps(
            programme.matching(), candidates, today, exclusions, time_limit=self._time_limit
        )
        made: list[int] = []
        with self._uow() as uow:
            now = self._clock.now()
            uow.proposals.lock_pool(programme.id)
            taken = uow.proposals.busy()  # another run may have proposed meanwhile: never twice
            for swap in plan.swaps:
                people = [entries[m] for m in swap.members]
                if any(p.participant_id in taken for p in people):
                    continue
                members = [
                    NewMember(
                        person.participant_id,
                        self._offer(person, people[(i + 1) % len(people)], pair.reasons),
                    )
                    for i, (person, pair) in enumerate(zip(people, swap.pairs, strict=True))
                ]
                start, back = swap_dates([p.answers for p in people], today)
                state = ProposalState.DRAFT if policy.review else ProposalState.OPEN
                proposal = uow.proposals.add(
                    programme.id, state, swap.score, members, now, starts_on=start, returns_on=back
                )
                if not policy.review:
                    self._send(uow, proposal, policy, now)
                taken |= {p.participant_id for p in people}
                made.append(proposal.id)
            uow.commit()
        log.info("matching %s: %d proposals from a pool of %d", programme.id, len(made), len(pool))
        return RunReport(programme.id, tuple(made), policy.review, len(pool), left_out, plan)

    @staticmethod
    def _offer(person: PoolEntry, post_of: PoolEntry, reasons: Sequence[Message]) -> dict[str, Param]:
        """What `person` is told: the post of `post_of`, anonymous, and why the pair fits."""
        return {**post_params(post_of.answers), "why": reasons_to_json(reasons)}

    def _send(self, uow: UnitOfWork, proposal: Proposal, policy: ProposalPolicy, now: datetime) -> None:
        """Open the proposal and queue every member's offer, and its reminder halfway."""
        expires = now + policy.expiry
        uow.proposals.set_state(proposal.id, ProposalState.OPEN, now, sent_at=now, expires_at=expires)
        common: dict[str, Param] = {
            "proposal_id": proposal.id,
            "programme_id": proposal.programme_id,
            "size": len(proposal.members),
            "expires_on": expires.astimezone(AMSTERDAM).date().isoformat(),
        }
        if proposal.starts_on and proposal.returns_on:
            common["start"] = proposal.starts_on.isoformat()
            common["months"] = _months_between(proposal.starts_on, proposal.returns_on)
        for member in proposal.members:
            params = {**common, **{k: v for k, v in member.offer.items() if isinstance(v, str | int | bool)}}
            self._notify(uow, proposal, member.id, OFFER, now, now, params)
            self._notify(uow, proposal, member.id, REMINDER, now, now + policy.expiry / 2, params)

    def _notify(
        self,
        uow: UnitOfWork,
        proposal: Proposal,
        member_id: int,
        template: str,
        now: datetime,
        due: datetime,
        params: Mapping[str, Param] | None = None,
        key: str = "",
    ) -> None:
        member = next(m for m in proposal.members if m.id == member_id)
        notify(uow, self._window, proposal, member, template, now, due, params, key)

    # ---- a member's click ----------------------------------------------------------------------

    def act(self, user: UserRef, act: Act, target: Target, reason: str | None = None) -> Screen:
        """Accept, Decline, Ask the coordinator, or 'my supervisor agrees', on the proposal the button
        was shown for. Anyone not in it, or a proposal no longer open, changes nothing."""
        return self._retry(lambda uow, now: self._act(uow, now, user, act, target, reason))

    def _act(
        self, uow: UnitOfWork, now: datetime, user: UserRef, act: Act, target: Target, reason: str | None
    ) -> Screen:
        person = uow.participants.find(user.platform, user.external_id)
        t = Translator(person.locale if person else DEFAULT_LOCALE)
        proposal = uow.proposals.get(target.intake) if target.step == STEP else None
        member = proposal.member_of(person.id) if proposal and person else None
        if proposal is None or member is None:
            return Screen(lines=(t.t("proposal.not_yours"),), applied=False)
        if act is Act.PROPOSAL_ASK and proposal.state in ACTIVE:
            return self._ask(uow, now, t, proposal, member.id)
        if act is Act.SUPERVISOR_OK:
            return self._supervisor(uow, now, t, proposal, member.id)
        if proposal.state is not ProposalState.OPEN or act is Act.PROPOSAL_ASK:
            return Screen(lines=(t.t(_closed_key(proposal)),), applied=False)
        if proposal.expires_at is not None and proposal.expires_at <= now:  # the tick has yet to see it
            return Screen(lines=(t.t("proposal.closed.expired"),), applied=False)
        if member.state is not MemberState.PENDING:
            return Screen(lines=(t.t(f"proposal.already.{member.state.value}"),), applied=False)
        uow.proposals.touch(proposal)
        if act is Act.PROPOSAL_DECLINE:
            return self._decline(uow, now, t, proposal, member.id, reason)
        uow.proposals.answer(member.id, MemberState.ACCEPTED, now)
        if any(m.state is not MemberState.ACCEPTED for m in proposal.members if m.id != member.id):
            return Screen(lines=(t.t("proposal.accepted_wait"),))
        uow.proposals.set_state(proposal.id, ProposalState.ACCEPTED, now)
        self._introduce(uow, proposal, now)
        return Screen(lines=(t.t("proposal.accepted_all"),))

    def _introduce(self, uow: UnitOfWork, proposal: Proposal, now: datetime) -> None:
        """Everyone said yes: one group DM names them; each is asked about their own supervisor."""
        first = proposal.members[0]
        ids = ",".join(m.external_id for m in proposal.members)
        uow.outbox.add(
            Notice(
                dedupe_key=f"proposal:{proposal.id}:{INTRODUCTION}",
                platform=first.platform,
                recipient=ids,  # several users: the sender opens the group DM (conversations.open)
                locale=first.locale,
                template=INTRODUCTION,
                due_at=now,
                not_before=next_opening(now, self._window(proposal.programme_id)),
                params={"proposal_id": proposal.id, "programme_id": proposal.programme_id, "members": ids},
                programme_id=proposal.programme_id,
            ),
            now,
        )
        for member in proposal.members:
            self._notify(uow, proposal, member.id, SUPERVISOR, now, now)

    def _decline(
        self,
        uow: UnitOfWork,
        now: datetime,
        t: Translator,
        proposal: Proposal,
        member_id: int,
        reason: str | None,
    ) -> Screen:
        reason = clean(reason)[:REASON_LENGTH].strip() or None if reason else None
        uow.proposals.answer(member_id, MemberState.DECLINED, now, reason)
        uow.proposals.set_state(proposal.id, ProposalState.DECLINED, now)
        me = next(m for m in proposal.members if m.id == member_id)
        for other in proposal.members:
            if other.id != member_id:  # never proposed to each other again
                uow.proposals.decline_pair(
                    proposal.programme_id, me.participant_id, other.participant_id, now
                )
                notify_end(uow, self._window, proposal, other, ENDED, now)
        return Screen(
            lines=(t.t("proposal.declined_you"), t.t("proposal.reason_hint")),
            buttons=(Button(Act.PROPOSAL_REASON, t.t("proposal.button.reason")),),
            target=target_of(proposal.id),
        )

    def _ask(
        self, uow: UnitOfWork, now: datetime, t: Translator, proposal: Proposal, member_id: int
    ) -> Screen:
        member = next(m for m in proposal.members if m.id == member_id)
        # The catalogue's coordinators, with those added or removed in the coordinator tools.
        changes = uow.coordination.role_changes(proposal.programme_id, member.platform)
        listed = set(policy_of(self._catalogue.get(proposal.programme_id)).coordinators)
        coordinators = sorted(
            (listed | {c for c, on in changes.items() if on}) - {c for c, on in changes.items() if not on}
        )
        day = now.astimezone(AMSTERDAM).date().isoformat()
        for coordinator in coordinators:  # at most once a day per member and coordinator
            uow.outbox.add(
                Notice(
                    dedupe_key=f"proposal:{proposal.id}:{ASK}:{member_id}:{coordinator}:{day}",
                    platform=member.platform,
                    recipient=coordinator,
                    locale=DEFAULT_LOCALE,
                    template=ASK,
                    due_at=now,
                    not_before=next_opening(now, self._window(proposal.programme_id)),
                    params={
                        "proposal_id": proposal.id,
                        "programme_id": proposal.programme_id,
                        "asker": member.external_id,
                    },
                    programme_id=proposal.programme_id,
                ),
                now,
            )
        key = "proposal.asked" if coordinators else "proposal.asked_nobody"
        return Screen(lines=(t.t(key),), applied=False)  # the buttons stay: the question is still open

    def _supervisor(
        self, uow: UnitOfWork, now: datetime, t: Translator, proposal: Proposal, member_id: int
    ) -> Screen:
        member = next(m for m in proposal.members if m.id == member_id)
        if member.supervisor_ok_at is not None:
            return Screen(lines=(t.t("proposal.supervisor_already"),), applied=False)
        if proposal.state is not ProposalState.ACCEPTED:
            return Screen(lines=(t.t(_closed_key(proposal)),), applied=False)
        uow.proposals.touch(proposal)
        uow.proposals.supervisor_ok(member_id, now)
        if any(m.supervisor_ok_at is None for m in proposal.members if m.id != member_id):
            return Screen(lines=(t.t("proposal.supervisor_recorded"),))
        uow.proposals.set_state(proposal.id, ProposalState.CONFIRMED, now)
        for other in proposal.members:
            self._notify(uow, proposal, other.id, CONFIRMED, now, now)
        self._plan_checkins(uow, proposal, now)
        return Screen(lines=(t.t("proposal.supervisor_recorded"),))

    def _plan_checkins(self, uow: UnitOfWork, proposal: Proposal, now: datetime) -> None:
        """During the swap: a check-in after a month and halfway, and a word two weeks before the
        return date; queued now for later, and dropped when the swap no longer goes on."""
        start, back = proposal.starts_on, proposal.returns_on
        if start is None or back is None:
            return
        moments = {
            "month": _months_after(start, 1),
            "half": start + (back - start) / 2,
            "return": back - timedelta(days=14),
        }
        for which, day in moments.items():
            due = datetime.combine(day, _SEND_HOUR, AMSTERDAM)
            if due <= now or (which == "month" and day >= moments["half"]):
                continue  # a short swap has no separate month check-in
            params: dict[str, Param] = {
                "proposal_id": proposal.id,
                "programme_id": proposal.programme_id,
                "which": which,
                "returns_on": back.isoformat(),
            }
            for member in proposal.members:
                self._notify(uow, proposal, member.id, CHECKIN, now, due, params, key=f":{which}")

    # ---- a decline's reason, in a form -----------------------------------------------------------

    def reason_form(self, user: UserRef, target: Target) -> Form:
        """The form for a decline's reason (optional; only the coordinator sees it)."""

        def work(uow: UnitOfWork, now: datetime) -> Form:
            person = uow.participants.find(user.platform, user.external_id)
            t = Translator(person.locale if person else DEFAULT_LOCALE)
            field = Field(
                REASON_FIELD,
                Kind.TEXT,
                t.t("proposal.reason.label"),
                t.t("proposal.reason.hint"),
                optional=True,
                multiline=True,
            )
            return Form(
                title=t.t("proposal.reason.title"),
                target=target,
                lines=(t.t("proposal.reason.intro"),),
                fields=(field,),
                submit=t.t("proposal.reason.submit"),
                close=t.t("proposal.reason.close"),
            )

        return self._retry(work)

    def give_reason(self, user: UserRef, target: Target, text: str) -> Screen:
        """Keep the reason of this person's decline of the proposal `target` names; nothing for
        anyone else's, or for a proposal they did not decline."""

        def work(uow: UnitOfWork, now: datetime) -> Screen:
            person = uow.participants.find(user.platform, user.external_id)
            t = Translator(person.locale if person else DEFAULT_LOCALE)
            proposal = uow.proposals.get(target.intake) if target.step == STEP else None
            member = proposal.member_of(person.id) if proposal and person else None
            if member is None or member.state is not MemberState.DECLINED:
                return Screen(lines=(t.t("pool.reason_nothing"),), applied=False)
            reason = clean(text)[:REASON_LENGTH].strip()
            if not reason:
                return Screen(lines=(t.t("proposal.reason.none"),))
            uow.proposals.set_reason(member.id, reason)
            return Screen(lines=(t.t("pool.reason_saved"),))

        return self._retry(work)

    # ---- typed: pause, resume, not with, a reason ----------------------------------------------

    def typed(self, user: UserRef, text: str, in_conversation: bool = False) -> Screen | None:
        """'pauze', 'hervat', 'niet-met <organisatie>' (or 'niet-met' to see the list, 'niet-met weg
        <organisatie>' to take one off), 'reden <tekst>' after a decline; None for anything else.
        `in_conversation`: typed in the DM, where an answer to an open question could start with
        'niet met' or 'reden': those forms then go to the intake instead."""
        words = clean(text).split(maxsplit=1)
        if not words:
            return None
        head, rest = normalise(words[0]), (words[1].strip() if len(words) > 1 else "")
        split = clean(text).split(maxsplit=2)
        two_words = len(split) >= 2 and normalise(" ".join(split[:2])) in keywords("keyword.not_with")
        if two_words:
            head, rest = "niet-met", (split[2].strip() if len(split) > 2 else "")  # 'niet met FIN'
        loose = two_words or (head in keywords("keyword.reason") and bool(rest))
        if in_conversation and loose and self._answering(user):
            return None

        if head in keywords("keyword.pause") and not rest:
            return self._retry(lambda uow, now: self._pause(uow, now, user, True))
        if head in keywords("keyword.resume") and not rest:
            return self._retry(lambda uow, now: self._pause(uow, now, user, False))
        if head in keywords("keyword.not_with"):
            return self._retry(lambda uow, now: self._not_with(uow, now, user, rest))
        if head in keywords("keyword.reason") and rest:
            return self._retry(lambda uow, now: self._reason(uow, now, user, rest))
        if head in keywords("keyword.reason"):  # 'reden' alone: say how
            return self._retry(
                lambda uow, now: Screen(lines=(self._person(uow, now, user)[1].t("pool.reason_how"),))
            )
        return None

    def _answering(self, user: UserRef) -> bool:
        """Is the person in the middle of an intake (so a typed line may be an answer)?"""
        with self._uow() as uow:
            person = uow.participants.find(user.platform, user.external_id)
            return person is not None and any(
                i.status is IntakeStatus.OPEN for i in uow.intakes.of(person.id)
            )

    def _person(self, uow: UnitOfWork, now: datetime, user: UserRef) -> tuple[int | None, Translator]:
        """Who typed (None for someone the bot never stored: nothing is stored for asking)."""
        person = uow.participants.find(user.platform, user.external_id)
        return (person.id, Translator(person.locale)) if person else (None, Translator(DEFAULT_LOCALE))

    def _searching(self, uow: UnitOfWork, now: datetime, user: UserRef) -> tuple[int, Translator] | Screen:
        """The person, when they have a confirmed registration in a programme that matches swaps;
        otherwise what 'pauze', 'hervat' and 'niet-met' are for and how to register (nothing stored)."""
        person, t = self._person(uow, now, user)
        if person is not None and any(
            i.status is IntakeStatus.CONFIRMED and i.programme_id in ADAPTERS for i in uow.intakes.of(person)
        ):
            return person, t
        swaps = [p for p in self._catalogue if p.id in ADAPTERS]
        return Screen(
            lines=(
                t.t(
                    "pool.no_swap",
                    programmes=t.join([p.name.get(t.locale) for p in swaps]),
                    commands=t.join([self._command_for(p.id) for p in swaps]),
                ),
            )
        )

    def _pause(self, uow: UnitOfWork, now: datetime, user: UserRef, paused: bool) -> Screen:
        found = self._searching(uow, now, user)
        if isinstance(found, Screen):
            return found
        person, t = found
        setting = uow.proposals.setting(person)
        uow.proposals.set_setting(person, replace(setting, paused=paused), now)
        return Screen(lines=(t.t("pool.paused" if paused else "pool.resumed"),))

    def _not_with(self, uow: UnitOfWork, now: datetime, user: UserRef, rest: str) -> Screen:
        found = self._searching(uow, now, user)
        if isinstance(found, Screen):
            return found
        person, t = found
        setting = uow.proposals.setting(person)
        words = rest.split(maxsplit=1)
        removing = bool(words) and normalise(words[0]) in keywords("keyword.not_with_remove")
        named = (words[1] if len(words) > 1 else "") if removing else rest
        if not named:
            if removing or not setting.not_with:
                return Screen(lines=(t.t("pool.not_with.none"),))
            return Screen(
                lines=(t.t("pool.not_with.list", names=t.join([_org_name(t, o) for o in setting.not_with])),)
            )
        code = organisation_code(named, now.astimezone(AMSTERDAM).date())
        if code is None:
            return Screen(lines=(t.t("pool.not_with.unknown", text=named),))
        if removing:
            if code not in setting.not_with:
                return Screen(lines=(t.t("pool.not_with.not_listed", name=_org_name(t, code)),))
            kept = tuple(o for o in setting.not_with if o != code)
            uow.proposals.set_setting(person, replace(setting, not_with=kept), now)
            return Screen(lines=(t.t("pool.not_with.removed", name=_org_name(t, code)),))
        if code not in setting.not_with:
            uow.proposals.set_setting(person, replace(setting, not_with=(*setting.not_with, code)), now)
        return Screen(lines=(t.t("pool.not_with.added", name=_org_name(t, code)),))

    def _reason(self, uow: UnitOfWork, now: datetime, user: UserRef, text: str) -> Screen:
        person, t = self._person(uow, now, user)
        if person is None:
            return Screen(lines=(t.t("pool.reason_nothing"),))
        for proposal in uow.proposals.of_participant(person):
            member = proposal.member_of(person)
            if member is not None and member.state is MemberState.DECLINED:
                uow.proposals.set_reason(member.id, clean(text)[:REASON_LENGTH])
                return Screen(lines=(t.t("pool.reason_saved"),))
            if proposal.state is not ProposalState.DECLINED:
                break  # only the latest proposal's decline can be explained
        return Screen(lines=(t.t("pool.reason_nothing"),))

    # ---- a coordinator's work: drafts, approval, manual matches ------------------------------

    def drafts(self, programme_id: str | None = None) -> list[Proposal]:
        with self._uow() as uow:
            return uow.proposals.of_state(ProposalState.DRAFT, programme_id)

    def get(self, proposal_id: int) -> Proposal | None:
        with self._uow() as uow:
            return uow.proposals.get(proposal_id)

    def approve(self, proposal_id: int) -> Proposal:
        """Send a draft to its members."""

        def work(uow: UnitOfWork, now: datetime) -> Proposal:
            proposal = self._draft(uow, proposal_id)
            uow.proposals.lock_pool(proposal.programme_id)
            busy = self._busy_elsewhere(uow, proposal)
            if busy:
                raise ProposalError(f"proposal {proposal_id}: someone in it is in another proposal meanwhile")
            uow.proposals.touch(proposal)
            self._send(uow, proposal, policy_of(self._catalogue.get(proposal.programme_id)), now)
            found = uow.proposals.get(proposal_id)
            assert found is not None
            return found

        return self._retry(work)

    def remove(self, proposal_id: int) -> Proposal:
        """Take a draft out: nobody ever heard of it, and its members are back in the pool."""

        def work(uow: UnitOfWork, now: datetime) -> Proposal:
            proposal = self._draft(uow, proposal_id)
            uow.proposals.touch(proposal)
            uow.proposals.set_state(proposal.id, ProposalState.REMOVED, now)
            found = uow.proposals.get(proposal_id)
            assert found is not None
            return found

        return self._retry(work)

    def add_manual(
        self, programme_id: str, people: Sequence[str], note: str, platform: str = "slack"
    ) -> Proposal:
        """A coordinator's own match: `people` (platform ids, in order: each takes the next one's
        post), with a note. A draft under review, else sent at once."""
        programme = self._catalogue.get(programme_id)
        if not 2 <= len(people) <= 3 or len(set(people)) != len(people):
            raise ProposalError("a swap has two or three different people")
        policy = policy_of(programme)
        today = self._clock.now().astimezone(AMSTERDAM).date()

        def work(uow: UnitOfWork, now: datetime) -> Proposal:
            uow.proposals.lock_pool(programme.id)
            pool = {(e.platform, e.external_id): e for e in uow.proposals.pool(programme.id)}
            missing = [p for p in people if (platform, p) not in pool]
            if missing:
                raise ProposalError(f"no confirmed {programme.id} registration for {', '.join(missing)}")
            entries = [pool[(platform, p)] for p in people]
            busy = uow.proposals.busy()
            if any(e.participant_id in busy for e in entries):
                raise ProposalError("someone in it is already in a proposal that is not over")
            reasons = self._reasons(programme, entries, today)
            members = [
                NewMember(e.participant_id, self._offer(e, entries[(i + 1) % len(entries)], reasons[i][1]))
                for i, e in enumerate(entries)
            ]
            start, back = swap_dates([e.answers for e in entries], today)
            state = ProposalState.DRAFT if policy.review else ProposalState.OPEN
            proposal = uow.proposals.add(
                programme.id,
                state,
                sum(score for score, _ in reasons),
                members,
                now,
                note=clean(note)[:500] or None,
                starts_on=start,
                returns_on=back,
            )
            if not policy.review:
                self._send(uow, proposal, policy, now)
            found = uow.proposals.get(proposal.id)
            assert found is not None
            return found

        return self._retry(work)

    def _reasons(
        self, programme: Programme, entries: Sequence[PoolEntry], today: date
    ) -> list[tuple[int, tuple[Message, ...]]]:
        """Score and reasons of each member -> next pair by the programme's rules (a manual match may
        break a rule: then it scores 0 and says nothing of why)."""
        adapter = ADAPTERS.get(programme.id)
        candidates = [adapter(str(e.participant_id), e.answers) for e in entries] if adapter else []
        if "matching" not in programme.rules or any(c is None for c in candidates) or not candidates:
            return [(0, ())] * len(entries)
        scorer = Scorer(programme.matching(), [c for c in candidates if c is not None], today)
        found = []
        for i, entry in enumerate(entries):
            after = entries[(i + 1) % len(entries)]
            explained = scorer.explain(str(entry.participant_id), str(after.participant_id))
            found.append((explained.score, explained.reasons) if explained.possible else (0, ()))
        return found

    def _draft(self, uow: UnitOfWork, proposal_id: int) -> Proposal:
        proposal = uow.proposals.get(proposal_id)
        if proposal is None:
            raise ProposalError(f"no proposal {proposal_id}")
        if proposal.state is not ProposalState.DRAFT:
            raise ProposalError(f"proposal {proposal_id} is {proposal.state.value}, not a draft")
        return proposal

    @staticmethod
    def _busy_elsewhere(uow: UnitOfWork, proposal: Proposal) -> bool:
        mine = {m.participant_id for m in proposal.members}
        others = set()
        for state in ACTIVE:
            for other in uow.proposals.of_state(state):
                if other.id != proposal.id:
                    others |= {m.participant_id for m in other.members}
        return bool(mine & others)

    # ---- for the coordinators' figures and the privacy erasure ---------------------------------

    @staticmethod
    def counts(uow: UnitOfWork, programme_id: str) -> tuple[int, int, int]:
        """How many of a programme's people were proposed a swap (sent), accepted one (everyone said
        yes), and are swapping (every supervisor agreed)."""
        proposed: set[int] = set()
        accepted: set[int] = set()
        placed: set[int] = set()
        for state in (*ACTIVE, ProposalState.DECLINED, ProposalState.EXPIRED):
            if state is ProposalState.DRAFT:
                continue
            for proposal in uow.proposals.of_state(state, programme_id):
                people = {m.participant_id for m in proposal.members}
                proposed |= people
                if state in (ProposalState.ACCEPTED, ProposalState.CONFIRMED):
                    accepted |= people
                if state is ProposalState.CONFIRMED:
                    placed |= people
        return len(proposed), len(accepted), len(placed)

    def on_erasure(self, uow: UnitOfWork, person: Participant, now: datetime) -> None:
        """A person is erased (the AVG): every proposal with them that is not over ends first, and the
        others hear it ended, without why, before the person's rows go. The group messages that
        introduced them by Slack id go too."""
        mine = uow.proposals.of_participant(person.id)
        uow.proposals.forget_introductions([p.id for p in mine])
        for proposal in mine:
            if proposal.state not in ACTIVE:
                continue
            uow.proposals.touch(proposal)
            uow.proposals.set_state(
                proposal.id,
                ProposalState.REMOVED if proposal.state is ProposalState.DRAFT else ProposalState.DECLINED,
                now,
            )
            if proposal.state is ProposalState.DRAFT:
                continue
            for member in proposal.members:
                if member.participant_id != person.id:
                    notify_end(uow, self._window, proposal, member, ENDED, now)

    # ---- transactions ---------------------------------------------------------------------

    def _retry(self, work: Callable[[UnitOfWork, datetime], T]) -> T:
        for attempt in range(_ATTEMPTS):
            try:
                with self._uow() as uow:
                    result = work(uow, self._clock.now())
                    uow.commit()
                    return result
            except (Conflict, Unavailable):
                if attempt == _ATTEMPTS - 1:
                    raise
        raise Conflict("gave up after repeated concurrent changes")


def _closed_key(proposal: Proposal) -> str:
    return f"proposal.closed.{proposal.state.value}"


def _months_between(start: date, back: date) -> int:
    return (back.year - start.year) * 12 + back.month - start.month


def organisation_code(text: str, today: date) -> str | None:
    """An organisation as matching knows it, read as the intake reads a ministry ('finacien' -> FIN);
    any other name is an organisation of its own ('other:gemeente utrecht')."""
    question = MANAGERSRUIL.question("ministry")
    result = read(question, text, (), today)
    if isinstance(result, tuple) and isinstance(result[0], str) and result[0] != "other":
        return result[0]
    if isinstance(result, Candidates):  # close to more than one ministry: ask rather than guess
        return None
    name = " ".join(clean(text).split()).lower()
    return f"other:{name}" if 2 <= len(name) <= 120 else None


def _org_name(t: Translator, code: str) -> Safe:
    if code.startswith("other:"):
        return t.escape(code.removeprefix("other:"))
    return t.t(f"ministry.{code}") if t.has(f"ministry.{code}") else t.escape(code)


# ---- producers for the tick ---------------------------------------------------------------------


class ProposalExpiry:
    """Open proposals past their time without every answer expire; everyone is told, and all go back
    to the pool. (The reminder halfway was queued with the offer.)"""

    def __init__(self, window: Callable[[str | None], Window]) -> None:
        self._window = window

    def __call__(self, uow: UnitOfWork, now: datetime, limit: int) -> int:
        due = uow.proposals.expiring(now, limit)
        for proposal in due:
            try:
                uow.proposals.touch(proposal)
            except Conflict:  # answered at this very moment: the next tick looks again
                continue
            uow.proposals.set_state(proposal.id, ProposalState.EXPIRED, now)
            for member in proposal.members:
                where = notify_end(uow, self._window, proposal, member, EXPIRED, now)
                if member.state is MemberState.PENDING:  # who stopped meanwhile withdrew, not let it lapse
                    state = MemberState.WITHDRAWN if where is None else MemberState.EXPIRED
                    uow.proposals.answer(member.id, state, now)
        return len(due)


def standing(uow: UnitOfWork, programme_id: str, participant_id: int) -> str | None:
    """Where a member of an ended proposal stands in the programme now: "pool" (a confirmed intake,
    searching), "paused", "out" (registered, but not confirmed: being changed), or None when they
    stopped their registration (nothing open or confirmed left)."""
    mine = registered(uow.intakes.of(participant_id), programme_id)
    if not mine:
        return None
    if not any(i.status is IntakeStatus.CONFIRMED for i in mine):
        return "out"
    return "paused" if uow.proposals.setting(participant_id).paused else "pool"


def notify_end(
    uow: UnitOfWork,
    window: Callable[[str | None], Window],
    proposal: Proposal,
    member: Member,
    template: str,
    now: datetime,
) -> str | None:
    """Tell a member a proposal ended (ENDED or EXPIRED), saying they are back in the pool only when
    they are; someone who stopped their registration meanwhile hears nothing of it. Returns where
    they stand (`standing`)."""
    where = standing(uow, proposal.programme_id, member.participant_id)
    if where is None:
        return None
    params: dict[str, Param] = {
        "proposal_id": proposal.id,
        "programme_id": proposal.programme_id,
        "standing": where,
    }
    notify(uow, window, proposal, member, template, now, now, params)
    return where


def notify(
    uow: UnitOfWork,
    window: Callable[[str | None], Window],
    proposal: Proposal,
    member: Member,
    template: str,
    now: datetime,
    due: datetime,
    params: Mapping[str, Param] | None = None,
    key: str = "",
) -> None:
    """Write one member's message about a proposal to the outbox, in the caller's transaction; its
    dedupe key (proposal, template, member) makes a producer that runs twice add it once."""
    notice = Notice(
        dedupe_key=f"proposal:{proposal.id}:{template}:{member.id}{key}",
        platform=member.platform,
        recipient=member.external_id,
        locale=member.locale,
        template=template,
        due_at=due,
        not_before=next_opening(max(due, now), window(proposal.programme_id)),
        params=dict(params or {"proposal_id": proposal.id, "programme_id": proposal.programme_id}),
        participant_id=member.participant_id,
        programme_id=proposal.programme_id,
    )
    uow.outbox.add(notice, now)


class ProposalWithdrawals:
    """Someone stopped their registration while a proposal with them was under way: it ends for
    everyone; the others are told as after a decline (without who), and go back to the pool. A draft
    nobody heard of is simply taken out. A swap already going ahead is left to the coordinator."""

    def __init__(self, window: Callable[[str | None], Window]) -> None:
        self._window = window

    def __call__(self, uow: UnitOfWork, now: datetime, limit: int) -> int:
        found = uow.proposals.withdrawn(limit)
        for proposal, gone in found:
            try:
                uow.proposals.touch(proposal)
            except Conflict:  # changed at this very moment: the next tick looks again
                continue
            if proposal.state is ProposalState.DRAFT:
                uow.proposals.set_state(proposal.id, ProposalState.REMOVED, now)
                continue
            uow.proposals.set_state(proposal.id, ProposalState.DECLINED, now)
            for member in proposal.members:
                if member.participant_id in gone:
                    uow.proposals.answer(member.id, MemberState.WITHDRAWN, now)
                    continue
                notify_end(uow, self._window, proposal, member, ENDED, now)
        return len(found)


class MatchSchedule:
    """Runs a programme's matching when its schedule (`proposals.schedule` in the catalogue) says so:
    once per slot, however many instances tick, because the first to claim the slot runs it."""

    def __init__(self, service: ProposalService, catalogue: Catalogue, uow: Callable[[], UnitOfWork]) -> None:
        self._service = service
        self._uow = uow
        self._schedules = {
            p.id: s for p in catalogue if (s := policy_of(p).schedule) is not None and p.id in ADAPTERS
        }

    def __call__(self, uow: UnitOfWork, now: datetime, limit: int) -> int:
        # Its own transactions: the claim is committed before the (long) run, which writes on its own.
        for programme_id, schedule in self._schedules.items():
            slot = schedule.latest_slot(now)
            if slot is None:
                continue
            with self._uow() as own:
                claimed = own.proposals.claim_run(programme_id, slot, now)
                own.commit()
            if claimed:
                try:
                    self._service.run(programme_id)
                except Exception:  # logged; the next slot tries again
                    log.exception("scheduled matching of %s failed", programme_id)
        return 0
