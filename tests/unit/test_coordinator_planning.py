"""Matching with a human in the loop, from `/ruil beheer`: a run under review makes drafts that only a
coordinator's approval sends; a coordinator removes one, or adds a match of their own with a note."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.bootstrap import wire
from bot.clock import FixedClock
from bot.coordinator_planning import Planning
from bot.coordinator_records import AuditAction
from bot.coordinators import CoordinatorService
from bot.dialogues import DIALOGUES
from bot.programmes import load_catalogue
from bot.proposal_records import ProposalState
from bot.proposals import ProposalService
from tests.e2e.driver import new_user
from tests.unit.test_proposals import PROGRAMME, answers, catalogue_with, pair, register

MR, LW = "U0000MR01", "U0000LW01"  # the catalogue's coordinators of the Managersruil, the Leerwerkplaats


def test_drafts_wait_for_the_coordinator_who_approves_removes_and_adds_by_hand(
    sessions: sessionmaker[Session], clock: FixedClock, tmp_path: Path
) -> None:
    services = wire(sessions, clock=clock)
    catalogue = load_catalogue(catalogue_with(tmp_path, "{review: true}"))
    matching = ProposalService(services.uow, clock, catalogue, services.window)
    planning = Planning(services.sessions, matching, clock)
    coordination = CoordinatorService(
        services.uow, clock, catalogue, DIALOGUES, services.window, planning=planning
    )

    def beheer(user: str, text: str) -> str:
        return "\n".join(coordination.command("slack", user, f"beheer {text}").lines)

    ann, bob = pair(services)
    assert "als concept" in beheer(MR, "managersruil match")
    [draft] = [d for d in matching.drafts(PROGRAMME) if ann in {m.external_id for m in d.members}]
    listed = beheer(MR, "managersruil voorstellen")
    assert f"{draft.id}. " in listed  # the coordinator reviews who is in it
    assert ann in listed
    assert bob in listed
    with services.uow() as uow:
        assert uow.outbox.waiting("slack", ann) == []  # nobody hears of a draft

    assert "Ik vind geen voorstel" in "\n".join(
        coordination.command("slack", LW, f"beheer leerwerkplaats voorstel {draft.id} goedkeuren").lines
    )  # another programme's coordinator
    assert "goedgekeurd" in beheer(MR, f"managersruil voorstel {draft.id} goedkeuren")
    with services.uow() as uow:
        assert next(m.template for m in uow.outbox.waiting("slack", ann)) == "proposal.offer"
    assert "Dat kan niet" in beheer(MR, f"managersruil voorstel {draft.id} goedkeuren")  # not a draft now

    carl, dan = new_user(), new_user()
    register(services, carl, answers("BZ", ["OCW"]))
    register(services, dan, answers("OCW", ["BZ"]))
    added = beheer(MR, f"managersruil voorstel nieuw <@{carl}> <@{dan}> kennen elkaar van de kick-off")
    assert "als concept" in added
    [manual] = [d for d in matching.drafts(PROGRAMME) if carl in {m.external_id for m in d.members}]
    assert manual.note == "kennen elkaar van de kick-off"
    assert "weggehaald" in beheer(MR, f"managersruil voorstel {manual.id} verwijderen")
    assert matching.get(manual.id) is not None
    assert matching.get(manual.id).state is ProposalState.REMOVED  # type: ignore[union-attr]
    assert "Typ" in beheer(MR, "managersruil voorstel nieuw <@U1>")  # one person is no swap

    with services.uow() as uow:
        actions = [e.action for e in uow.coordination.audit_log(limit=1000) if e.actor == MR]
    assert AuditAction.VIEW_PROPOSALS in actions  # the drafts name people: a read of personal data
    assert actions.count(AuditAction.PROPOSAL_CHANGED) >= 3
