"""A coordinator's sessions and matching, from Slack: `/ruil beheer <programme> sessies | sessie ... |
match | voorstellen | voorstel ...`.

The session and proposal services keep their own transactions (a move tells everyone registered, a
run may solve for a while), so this runs after the coordinator's own request has been checked and
committed; the caller writes the audit entry. Every session or proposal named by number must belong to
the programme the coordinator coordinates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.clock import AMSTERDAM, Clock
from bot.coordinator_records import AuditAction
from bot.i18n import Translator, keywords
from bot.parsing import normalise, parse_date
from bot.programmes import Localised, Programme
from bot.proposal_records import Proposal, ProposalState
from bot.proposals import ProposalError, ProposalService
from bot.session_records import Session, places_left
from bot.sessions import SessionError, SessionService

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_SPAN = re.compile(r"^(\d{1,2}[:.]\d{2})\s*[-–]\s*(\d{1,2}[:.]\d{2})$")
_MEMBER = re.compile(r"^<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>$|^([UW][A-Z0-9]{2,20})$")
_NUMBER_DIGITS = 9  # longer is no id the database holds (and would overflow PostgreSQL's integer)
DEFAULT_LENGTH = timedelta(hours=2)  # a new session without an end time


@dataclass(frozen=True)
class Done:
    """What to say, and what to write in the audit log (None: nothing was read or changed)."""

    lines: tuple[str, ...]
    action: AuditAction | None = None
    subject: str | None = None
    detail: str = ""


class Planning:
    def __init__(self, sessions: SessionService, proposals: ProposalService, clock: Clock) -> None:
        self._sessions = sessions
        self._proposals = proposals
        self._clock = clock

    @staticmethod
    def handles(word: str) -> bool:
        return any(
            word in command_words(k)
            for k in ("keyword.sessions", "keyword.plan_match", "keyword.plan_proposals")
        )

    def do(self, t: Translator, programme: Programme, word: str, tail: str, command: str) -> Done:
        words = tail.split()
        if word in command_words(
            "keyword.sessions"
        ):  # 'sessies' lists; 'sessie 12 ...' or 'sessie nieuw ...' acts
            if words:
                return self._session(t, programme, words, command)
            return self._list_sessions(t, programme, command)
        if word in command_words("keyword.plan_match"):
            return self._match(t, programme, command)
        return self._proposal(t, programme, words, command)

    # ---- sessions ----------------------------------------------------------------------------------

    def _list_sessions(self, t: Translator, programme: Programme, command: str) -> Done:
        mine = [(s, taken) for s, taken in self._sessions.upcoming() if s.programme_id == programme.id]
        if not mine:
            return Done((t.t("plan.sessions.none", programme=programme.name.get(t.locale), command=command),))
        lines = [t.t("plan.sessions.title", programme=programme.name.get(t.locale))]
        for session, taken in mine:
            left = places_left(session, taken)
            places = (
                t.t("plan.sessions.unlimited", taken=taken.taken)
                if left is None
                else t.t("plan.sessions.places", taken=taken.taken, capacity=session.capacity or 0)
            )
            lines.append(
                t.t(
                    "plan.sessions.row",
                    id=session.id or 0,
                    title=session.title.get(t.locale),
                    when=_when(t, session),
                    place=session.location or "-",
                    places=places,
                    waiting=taken.waiting,
                )
            )
        lines.append(t.t("plan.sessions.hint", command=command))
        return Done(tuple(lines))

    def _session(self, t: Translator, programme: Programme, words: list[str], command: str) -> Done:
        usage = Done((t.t("plan.session.usage", command=command),))
        if not words:
            return usage
        if normalise(words[0]) in command_words("keyword.plan_new"):
            return self._add(t, programme, words[1:], command)
        if len(words) < 2 or not words[0].isdecimal() or len(words[0]) > _NUMBER_DIGITS:
            return usage
        session = self._sessions.get(int(words[0]))
        if session is None or session.programme_id != programme.id:  # another programme's: not theirs
            return Done((t.t("plan.session.missing", id=words[0], programme=programme.name.get(t.locale)),))
        what, rest = normalise(words[1]), words[2:]
        assert session.id is not None
        try:
            if what in command_words("keyword.plan_move"):
                moved = _moment(rest, session.ends_at - session.starts_at, self._today())
                if moved is None:
                    return Done((t.t("plan.session.bad_time", command=command),))
                if moved[0] <= self._clock.now():
                    return Done((t.t("plan.session.past"),))
                changed = self._sessions.move(session.id, *moved)
                return Done(
                    (t.t("plan.session.moved", title=changed.title.get(t.locale), when=_when(t, changed)),),
                    AuditAction.SESSION_CHANGED,
                    str(session.id),
                    f"move {changed.starts_at.isoformat()}",
                )
            if what in command_words("keyword.plan_cancel"):
                self._sessions.cancel(session.id)
                return Done(
                    (t.t("plan.session.cancelled", title=session.title.get(t.locale)),),
                    AuditAction.SESSION_CHANGED,
                    str(session.id),
                    "cancel",
                )
            places = rest[0] if len(rest) == 1 and rest[0].isdecimal() and len(rest[0]) < 6 else None
            if what in command_words("keyword.plan_places") and places is not None:
                if int(places) < 1:
                    return Done((t.t("plan.session.bad_places"),))
                self._sessions.set_capacity(session.id, int(places))
                return Done(
                    (t.t("plan.session.places_set", title=session.title.get(t.locale), n=int(places)),),
                    AuditAction.SESSION_CHANGED,
                    str(session.id),
                    f"capacity {places}",
                )
        except SessionError as error:
            return Done((t.t("plan.session.refused", reason=str(error)),))
        return usage

    def _add(self, t: Translator, programme: Programme, words: list[str], command: str) -> Done:
        # 'nieuw 2027-09-06 16:30-18:00 Titel van de sessie @ Plaats' ('6 september 2027' works too)
        at = next((i for i, w in enumerate(words) if _TIME.match(w) or _SPAN.match(w)), len(words))
        moment = _moment(words[: at + 1], DEFAULT_LENGTH, self._today())
        title, _, place = " ".join(words[at + 1 :]).partition("@")
        if moment is None or not title.strip():
            return Done((t.t("plan.session.add_usage", command=command),))
        starts, ends = moment
        if starts <= self._clock.now():
            return Done((t.t("plan.session.past"),))
        name = title.strip()[:200]
        try:
            added = self._sessions.add(
                programme.id, Localised(nl=name, en=name), starts, ends, location=place.strip()[:200] or None
            )
        except SessionError as error:
            return Done((t.t("plan.session.refused", reason=str(error)),))
        return Done(
            (t.t("plan.session.added", id=added.id or 0, title=name, when=_when(t, added)),),
            AuditAction.SESSION_CHANGED,
            str(added.id),
            "add",
        )

    def _today(self) -> date:
        return self._clock.now().astimezone(AMSTERDAM).date()

    # ---- matching and proposals ---------------------------------------------------------------------

    def _match(self, t: Translator, programme: Programme, command: str) -> Done:
        try:
            report = self._proposals.run(programme.id)
        except ProposalError:
            return Done((t.t("plan.match.none", programme=programme.name.get(t.locale)),))
        key = "plan.match.drafts" if report.drafts else "plan.match.sent"
        lines = (
            t.t(key, n=len(report.proposals), pool=report.pool, left_out=report.left_out, command=command),
        )
        return Done(lines, AuditAction.MATCHING_RUN, None, f"{len(report.proposals)} of {report.pool}")

    def _proposal(self, t: Translator, programme: Programme, words: list[str], command: str) -> Done:
        if not words:  # 'voorstellen': the drafts waiting for review, with who is in them
            drafts = self._proposals.drafts(programme.id)
            if not drafts:
                return Done((t.t("plan.drafts.none", command=command),))
            rows = tuple(_draft_row(t, p) for p in drafts)
            shown = ",".join(str(p.id) for p in drafts)
            return Done(
                (t.t("plan.drafts.title"), *rows, t.t("plan.drafts.hint", command=command)),
                AuditAction.VIEW_PROPOSALS,
                None,
                shown[:300],
            )
        first = normalise(words[0])
        try:
            if first in command_words("keyword.plan_new"):
                people = [m.group(1) or m.group(2) for w in words[1:4] if (m := _MEMBER.match(w))]
                note = " ".join(w for w in words[1:] if not _MEMBER.match(w))
                if not 2 <= len(people) <= 3:
                    return Done((t.t("plan.proposal.usage", command=command),))
                added = self._proposals.add_manual(programme.id, people, note)
                key = (
                    "plan.proposal.added_draft"
                    if added.state is ProposalState.DRAFT
                    else "plan.proposal.added"
                )
                return Done((t.t(key, id=added.id),), AuditAction.PROPOSAL_CHANGED, str(added.id), "add")
            if not first.isdecimal() or len(first) > _NUMBER_DIGITS or len(words) != 2:
                return Done((t.t("plan.proposal.usage", command=command),))
            proposal = self._proposals.get(int(first))
            if proposal is None or proposal.programme_id != programme.id:
                return Done((t.t("plan.proposal.missing", id=first),))
            what = normalise(words[1])
            if what in command_words("keyword.plan_approve"):
                self._proposals.approve(proposal.id)
                return Done(
                    (t.t("plan.proposal.approved", id=proposal.id),),
                    AuditAction.PROPOSAL_CHANGED,
                    str(proposal.id),
                    "approve",
                )
            if what in command_words("keyword.remove"):
                self._proposals.remove(proposal.id)
                return Done(
                    (t.t("plan.proposal.removed", id=proposal.id),),
                    AuditAction.PROPOSAL_CHANGED,
                    str(proposal.id),
                    "remove",
                )
        except ProposalError as error:
            return Done((t.t("plan.proposal.refused", reason=str(error)),))
        return Done((t.t("plan.proposal.usage", command=command),))


def _draft_row(t: Translator, proposal: Proposal) -> str:
    # A coordinator sees who is in a draft: they review it before anyone hears of it.
    members = " → ".join(m.external_id for m in proposal.members)
    note = t.t("plan.drafts.note", note=proposal.note) if proposal.note else ""
    return t.t("plan.drafts.row", id=proposal.id, members=members, score=proposal.score, note=note)


def _moment(words: list[str], length: timedelta, today: date) -> tuple[datetime, datetime] | None:
    """'2027-09-06 16:30', '6 september 16:30-18:00' (date words, then a time or a span), in UTC.
    Without an end, the session keeps `length`."""
    if len(words) < 2:
        return None
    *day_words, clock = words
    span = _SPAN.match(clock)
    start_text, end_text = (span.group(1), span.group(2)) if span else (clock, None)
    day, start = parse_date(" ".join(day_words), today), _time(start_text)
    if day is None or start is None:
        return None
    starts = datetime.combine(day, start, AMSTERDAM)
    end = _time(end_text) if end_text is not None else None
    if end_text is not None and end is None:
        return None
    ends = datetime.combine(day, end, AMSTERDAM) if end is not None else starts + length
    return (starts.astimezone(UTC), ends.astimezone(UTC)) if ends > starts else None


def _time(text: str) -> time | None:
    found = _TIME.match(text)
    if found is None or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        return None
    return time(int(found.group(1)), int(found.group(2)))


def _when(t: Translator, session: Session) -> str:
    start, end = session.starts_at.astimezone(AMSTERDAM), session.ends_at.astimezone(AMSTERDAM)
    return t.t("plan.when", date=t.date(start.date()), start=f"{start:%H:%M}", end=f"{end:%H:%M}")


def command_words(key: str) -> frozenset[str]:
    """A catalogue key's command words, in every language, folded as typed words are."""
    return frozenset(normalise(w) for w in keywords(key))
