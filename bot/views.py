"""What a surface shows: plain, translated view models. Slack, the console and (later) Teams render
these; none of them decides what to say."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.dialogues.model import Kind
from bot.interaction import Target


class Act(StrEnum):
    """Things a person can do with one click (or one typed word on the console)."""

    START = "start"
    CONFIRM = "confirm"
    CANCEL_ASK = "cancel_ask"
    CANCEL_YES = "cancel_yes"
    CANCEL_NO = "cancel_no"
    FORM = "form"  # fill the intake in as a form (a Slack modal)
    WAITLIST = "waitlist"  # registration is closed: join the waitlist
    REOPEN = "reopen"  # change the answers of a confirmed registration
    SESSION_JOIN = "session_join"  # register for a session (its button carries the session as target)
    SESSION_LEAVE = "session_leave"  # unregister, or leave its waitlist
    SESSION_CONFIRM = "session_confirm"  # a manager an MD adviser brought says yes to the held place
    NOTIFICATIONS = "notifications"  # switch one kind of message on or off (bot.preferences)
    AGREE = "agree"  # consent to a programme's processing, before its intake starts
    DECLINE = "decline"  # ... or not: nothing starts, nothing is kept
    FORGET_YES = "forget_yes"  # erase everything about me (after "are you sure?")
    FORGET_NO = "forget_no"
    # A proposed swap (bot/proposals.py): their target names the proposal, not an intake.
    PROPOSAL_ACCEPT = "p_accept"
    PROPOSAL_DECLINE = "p_decline"
    PROPOSAL_ASK = "p_ask"  # ask the coordinator
    SUPERVISOR_OK = "p_supervisor"  # my own supervisor agrees
    PROPOSAL_REASON = "p_reason"  # after a decline: say why, in a form only the coordinator sees


PROPOSAL_ACTS = (Act.PROPOSAL_ACCEPT, Act.PROPOSAL_DECLINE, Act.PROPOSAL_ASK, Act.SUPERVISOR_OK)


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Button:
    act: Act
    label: str
    style: str | None = None  # "primary" | "danger"
    dialogue: str = ""  # for START, FORM and WAITLIST: which dialogue (they act on no intake yet)
    value: str = ""  # for NOTIFICATIONS: the kind and where to switch it ("reminders:off")
    # What this button acts on when it is not the screen's target: a session (its id, its sequence
    # as the version, step "session"), so a click on a session that moved since changes nothing.
    target: Target | None = None


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a message: a session's .ics, someone's data as JSON, a coordinator's
    export (CSV) or chart (PNG). Slack tells the kind from the file name."""

    filename: str
    title: str
    content: bytes


@dataclass(frozen=True)
class Prompt:
    question_id: str
    kind: Kind
    progress: str
    text: str
    hint: str
    footer: str
    options: tuple[Option, ...] = ()
    current: str | None = None  # the answer given before, when going back or editing
    can_go_back: bool = False
    back_label: str = ""
    selected: tuple[str, ...] = ()  # the values of the current answer, pre-selected in a menu
    pick_label: str = ""  # placeholder of a menu
    next_label: str = ""  # the button under a multi-select


@dataclass(frozen=True)
class SummaryRow:
    number: int
    question_id: str
    label: str
    value: str


@dataclass(frozen=True)
class Summary:
    title: str
    rows: tuple[SummaryRow, ...]
    instructions: str
    typing: str  # how to do the same by typing
    edit_label: str


@dataclass(frozen=True)
class Screen:
    lines: tuple[str, ...] = ()
    prompt: Prompt | None = None
    summary: Summary | None = None
    buttons: tuple[Button, ...] = ()
    typing: str | None = None  # how to answer the buttons by typing (console, or a DM reply)
    applied: bool = True  # False when a click was stale or refused: its message must not say "done"
    target: Target | None = None  # what its buttons act on: every click carries it back
    changed: bool = False  # a registration was confirmed, reopened or stopped: the Home tab is out of date
    attachment: Attachment | None = None  # a file sent with the message (outbox messages only)
    consent: str = ""  # the dialogue whose consent question this is (asked before its first question)
    mentions: tuple[str, ...] = ()  # platform ids of people to name (a group DM's introduction)

    @property
    def text(self) -> str:
        """A plain-text rendering, for notifications and the fallback `text` of a Slack message."""
        parts = list(self.lines)
        if self.prompt:
            parts.append(f"{self.prompt.progress}: {self.prompt.text}")
        if self.summary:
            parts.append(self.summary.title)
        return "\n".join(parts)


@dataclass(frozen=True)
class HomeProgramme:
    name: str
    summary: str
    buttons: tuple[Button, ...]  # start or continue each of its dialogues, in a DM or as a form


@dataclass(frozen=True)
class Home:
    """The Home tab: what ruilbot is, the person's own registrations, and every programme."""

    title: str
    intro: str
    programmes_title: str
    programmes: tuple[HomeProgramme, ...]
    status_title: str
    status: tuple[str, ...]  # a line per registration, naming its programme
    sessions_title: str = ""
    sessions: tuple[str, ...] = ()  # upcoming sessions, a line each, with the person's place
    session_buttons: tuple[Button, ...] = ()
    planned_title: str = ""
    planned: tuple[str, ...] = ()  # what the bot will send this person on its own, and when
    preferences_title: str = ""
    preferences: tuple[str, ...] = ()  # a line per kind of message: on or off
    preference_buttons: tuple[Button, ...] = ()  # switch each kind


# ---- a modal: the intake as a form of pages ------------------------------------------------------
# Its texts are raw (not escaped): a modal shows plain_text as it is, and a renderer that puts one into
# mrkdwn escapes it there, after cutting it to length.


@dataclass(frozen=True)
class Field:
    question_id: str
    kind: Kind
    label: str
    hint: str
    optional: bool
    options: tuple[Option, ...] = ()
    initial: tuple[str, ...] = ()  # choice values, or the answer as text, to show filled in
    multiline: bool = False


class FormAct(StrEnum):
    """Buttons on a form page besides its submit: each updates the modal in place."""

    BACK = "back"  # the page before
    OVERVIEW = "overview"  # the answers so far
    RESUME = "resume"  # from the overview back to the page
    CANCEL = "cancel"  # stop the intake (after Slack's own "are you sure?")


@dataclass(frozen=True)
class FormButton:
    act: FormAct
    label: str
    style: str | None = None
    # Asked before the click counts (title, question, yes, no); Slack shows it, the core words it.
    confirm: tuple[str, str, str, str] | None = None


@dataclass(frozen=True)
class Form:
    """One page of an intake as a modal: some questions, or the summary with its confirm."""

    title: str
    target: Target | None  # goes into the modal's private_metadata; None: nothing to submit
    lines: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    summary: Summary | None = None
    submit: str = ""  # empty: no submit button (a closing page)
    close: str = ""
    progress: str = ""
    buttons: tuple[FormButton, ...] = ()


@dataclass(frozen=True)
class FormReply:
    """What a submitted page leads to: errors on fields (question id -> message), or the next page."""

    errors: tuple[tuple[str, str], ...] = ()
    form: Form | None = None
    changed: bool = False
