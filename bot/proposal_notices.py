"""What the proposals send through the outbox: templates (rendered when sent, in the recipient's
language) and checks (is it still true when its turn comes?). Registered at the end of
bot/outbox.py's TEMPLATES and CHECKS.

A notice holds plain parameters, never a sentence: the anonymous post is held as codes (ministry,
field, scale, months, start) and the reasons as catalogue keys, so the text is written in the language
the person has when it goes out. Nothing in a member's notice names or identifies another member.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.engine import Message, Ref
from bot.i18n import Safe, Translator
from bot.interaction import Target
from bot.matching.explain import words
from bot.programmes import Catalogue
from bot.proposal_records import MemberState, ProposalState
from bot.records import Intake, IntakeStatus
from bot.views import Act, Button, Screen

if TYPE_CHECKING:  # bot.outbox imports this module for its tables
    from bot.outbox import OutboxMessage, Param, Records

STEP = "proposal"  # the step of a proposal's buttons; their target's first number is the proposal


def target(proposal_id: int) -> Target:
    return Target(proposal_id, 0, STEP)


# ---- reasons as plain data ----------------------------------------------------------------------


def reasons_to_json(reasons: Sequence[Message]) -> str:
    """A pair's reasons as JSON: [key, {name: value or {"ref": key}}] per reason."""
    return json.dumps(
        [
            [r.key, {k: {"ref": v.key} if isinstance(v, Ref) else v for k, v in r.params.items()}]
            for r in reasons
        ]
    )


def reasons_from_json(raw: object) -> tuple[Message, ...]:
    try:
        items = json.loads(str(raw)) if raw else []
    except ValueError:
        return ()
    found = []
    for item in items if isinstance(items, list) else []:
        if (
            isinstance(item, list)
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], dict)
        ):
            params = {
                k: Ref(v["ref"]) if isinstance(v, dict) and "ref" in v else v for k, v in item[1].items()
            }
            found.append(Message(item[0], params))
    return tuple(found)


# ---- the anonymous post -------------------------------------------------------------------------


def describe_post(t: Translator, params: Mapping[str, Param]) -> Safe:
    """'Schaal 15, richting Beleid, bij Financiën (FIN)': the post, never who holds it."""
    kind = str(params.get("post_kind") or "")
    if kind:  # a regional swap: 'bij een gemeente, in de regio Amersfoort'
        named = (
            t.t(f"organisation.{kind}")
            if t.has(f"organisation.{kind}")
            else t.t("proposal.post.other_organisation")
        )
        region = str(params.get("post_region") or "")
        return t.t("proposal.post.regional", kind=named, region=region) if region else Safe(named)
    ministry = str(params.get("post_ministry") or "")
    where = (
        t.t("proposal.post.other_organisation")
        if not ministry or ministry == "other" or not t.has(f"ministry.{ministry}")
        else t.t("proposal.post.ministry", ministry=t.t(f"ministry.{ministry}"))
    )
    parts: list[str] = []
    if params.get("post_scale"):
        parts.append(t.t("proposal.post.scale", scale=params["post_scale"]))
    field = str(params.get("post_field") or "")
    if field and t.has(f"field.{field}"):
        parts.append(t.t("proposal.post.field", field=t.t(f"field.{field}")))
    parts.append(where)
    return Safe(", ".join(parts))


def describe_period(t: Translator, params: Mapping[str, Param]) -> Safe | None:
    start, months = params.get("start"), params.get("months")
    if not isinstance(start, str) or not isinstance(months, int):
        return None
    try:
        day = date.fromisoformat(start)
    except ValueError:
        return None
    return t.t("proposal.period", months=months, start=t.date(day))


def _buttons(t: Translator, console: bool) -> tuple[Button, ...]:
    if console:
        return ()
    return (
        Button(Act.PROPOSAL_ACCEPT, t.t("proposal.button.accept"), "primary"),
        Button(Act.PROPOSAL_DECLINE, t.t("proposal.button.decline"), "danger"),
        Button(Act.PROPOSAL_ASK, t.t("proposal.button.ask")),
    )


def _programme(t: Translator, catalogue: Catalogue, params: Mapping[str, Param]) -> Safe:
    return t.escape(catalogue.get(str(params["programme_id"])).name.get(t.locale))


def _expires(t: Translator, params: Mapping[str, Param]) -> Safe:
    day = params.get("expires_on")
    try:
        return t.date(date.fromisoformat(str(day)))
    except ValueError:
        return Safe("")


def offer(t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool) -> Screen:
    programme = _programme(t, catalogue, params)
    size = int(params.get("size", 2))
    lines = [
        t.t("proposal.offer.intro" if size == 2 else "proposal.offer.intro_three", programme=programme),
        t.t("proposal.offer.post", post=describe_post(t, params)),
    ]
    if (period := describe_period(t, params)) is not None:
        lines.append(period)
    lines.append(t.t("proposal.offer.why", why=words(reasons_from_json(params.get("why")), t)))
    lines.append(t.t("proposal.offer.confidential", expires=_expires(t, params)))
    typing = t.t("proposal.offer.console") if console else None
    return Screen(
        lines=tuple(lines),
        buttons=_buttons(t, console),
        target=target(int(params["proposal_id"])),
        typing=typing,
    )


def reminder(t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool) -> Screen:
    lines = (
        t.t("proposal.reminder", programme=_programme(t, catalogue, params), expires=_expires(t, params)),
        t.t("proposal.offer.post", post=describe_post(t, params)),
    )
    return Screen(lines=lines, buttons=_buttons(t, console), target=target(int(params["proposal_id"])))


def _lines(*keys: str) -> Any:
    def render(t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool) -> Screen:
        programme = _programme(t, catalogue, params)
        return Screen(lines=tuple(t.t(k, programme=programme) for k in keys))

    return render


# After a proposal ended: the line about where the person stands now ("standing", set when it was
# queued); a notice queued before there was a standing says what it always said.
_STANDING = {"pool": "proposal.back_in_pool", "paused": "proposal.still_paused"}


def _ended(key: str) -> Any:
    def render(t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool) -> Screen:
        lines = [t.t(key, programme=_programme(t, catalogue, params))]
        if (then := _STANDING.get(str(params.get("standing", "pool")))) is not None:
            lines.append(t.t(then))
        return Screen(lines=tuple(lines))

    return render


def introduction(t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool) -> Screen:
    """The group DM once everyone said yes: names (as mentions), who takes whose post, next steps."""
    members = [m for m in str(params.get("members", "")).split(",") if m]
    chain = t.t(
        "proposal.introduction.chain_two" if len(members) == 2 else "proposal.introduction.chain_three"
    )
    return Screen(
        lines=(
            t.t("proposal.introduction", programme=_programme(t, catalogue, params)),
            chain,
            t.t("proposal.introduction.next"),
        ),
        mentions=tuple(members),
    )


def supervisor(t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool) -> Screen:
    buttons = () if console else (Button(Act.SUPERVISOR_OK, t.t("proposal.button.supervisor"), "primary"),)
    return Screen(
        lines=(t.t("proposal.supervisor", programme=_programme(t, catalogue, params)),),
        buttons=buttons,
        target=target(int(params["proposal_id"])),
    )


def ask(t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool) -> Screen:
    """To a coordinator: who asks about which proposal. Coordinators may see everyone; the asker
    learns nothing about the other members from this."""
    return Screen(
        lines=(
            t.t(
                "proposal.ask.coordinator",
                programme=_programme(t, catalogue, params),
                id=params["proposal_id"],
            ),
        ),
        mentions=(str(params.get("asker", "")),),
    )


def checkin(t: Translator, catalogue: Catalogue, params: Mapping[str, Param], console: bool) -> Screen:
    which = str(params.get("which", "month"))
    try:
        back = t.date(date.fromisoformat(str(params.get("returns_on"))))
    except ValueError:
        back = Safe("")
    return Screen(
        lines=(t.t(f"swap.checkin.{which}", programme=_programme(t, catalogue, params), back=back),)
    )


# ---- is it still true when its turn comes? ------------------------------------------------------


def _proposal_state(records: Records, message: OutboxMessage) -> tuple[ProposalState, MemberState] | None:
    proposal_id = message.params.get("proposal_id")
    proposal = records.proposals.get(proposal_id) if isinstance(proposal_id, int) else None
    if proposal is None:
        return None
    member = proposal.member_of(message.participant_id) if message.participant_id is not None else None
    return proposal.state, (member.state if member else MemberState.PENDING)


def still_asked(records: Records, message: OutboxMessage) -> bool:
    """An offer or its reminder: only while the proposal is open and this member has not answered."""
    found = _proposal_state(records, message)
    return found is not None and found == (ProposalState.OPEN, MemberState.PENDING)


def registered(intakes: Iterable[Intake], programme_id: str) -> list[Intake]:
    """A person's intakes of the programme that they did not stop (open or confirmed)."""
    return [i for i in intakes if i.programme_id == programme_id and i.status is not IntakeStatus.CANCELLED]


def still_registered(records: Records, message: OutboxMessage) -> bool:
    """A proposal ended: told only while the person is still registered for the programme (who
    stopped meanwhile has nothing to hear about it)."""
    person, programme = message.participant_id, str(message.params.get("programme_id"))
    return person is None or bool(registered(records.intakes.of(person), programme))


def still_accepted(records: Records, message: OutboxMessage) -> bool:
    found = _proposal_state(records, message)
    return found is not None and found[0] is ProposalState.ACCEPTED


def swap_going_on(records: Records, message: OutboxMessage) -> bool:
    found = _proposal_state(records, message)
    if found is None or found[0] is not ProposalState.CONFIRMED:
        return False
    return message.participant_id is None or records.preferences.wants(message.participant_id, "checkins")


OFFER, REMINDER, ENDED, EXPIRED = "proposal.offer", "proposal.reminder", "proposal.ended", "proposal.expired"
INTRODUCTION, SUPERVISOR, CONFIRMED = "proposal.introduction", "proposal.supervisor", "proposal.confirmed"
ASK, CHECKIN = "proposal.ask", "swap.checkin"

TEMPLATES = {
    OFFER: offer,
    REMINDER: reminder,
    ENDED: _ended("proposal.ended"),
    EXPIRED: _ended("proposal.expired"),
    INTRODUCTION: introduction,
    SUPERVISOR: supervisor,
    CONFIRMED: _lines("proposal.confirmed"),
    ASK: ask,
    CHECKIN: checkin,
}
CHECKS = {
    OFFER: still_asked,
    REMINDER: still_asked,
    ENDED: still_registered,
    EXPIRED: still_registered,
    SUPERVISOR: still_accepted,
    CHECKIN: swap_going_on,
}

# A proposal and its answers are part of what the person asked for: no switch turns them off.
ALWAYS_SENT = frozenset(TEMPLATES) - {CHECKIN}
