"""The console surface: the same conversation as a Slack DM, in a terminal. Buttons become words
and numbers to type."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bot.bootstrap import Services
from bot.clock import OffsetClock
from bot.i18n import Translator
from bot.intents import COMMANDS
from bot.privacy import EXPORT, PrivacyService, request
from bot.quiet_hours import Window, is_open, next_opening
from bot.services import IntakeService, UserRef
from bot.views import Prompt, Screen, Summary

Output = Callable[[str], None]
PLATFORM = "console"
_CLOCK = re.compile(r"^/klok(?:\s+\+?(?P<n>\d+)\s*(?P<unit>[dumh]))?$", re.IGNORECASE)
_UNITS = {"d": timedelta(days=1), "u": timedelta(hours=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


class Postbox:
    """The console's outbox sender: runs the tick at the console's clock and shows what is due for
    this person in the conversation, as Slack would show it in the DM."""

    def __init__(self, services: Services, clock: OffsetClock) -> None:
        self._services = services
        self.clock = clock

    def deliver(self, recipient: str) -> list[Screen]:
        now = self.clock.now()
        self._services.tick(now)
        with self._services.uow() as uow:
            due = []
            for m in uow.outbox.waiting(PLATFORM, recipient):
                if m.not_before > now or not is_open(now, self._services.window(m.programme_id)):
                    continue
                current = self._services.notices.as_now(uow, m, now)
                if current is not None:
                    due.append(current)
                    uow.outbox.sent(m.id, now, None, None)
                else:
                    uow.outbox.drop(m.id, now, "no longer true when its turn came")
            uow.commit()
        return [self._services.notices.screen(m) for m in due]

    def next_waiting(self, recipient: str) -> tuple[datetime, Window] | None:
        """When the next message for this person goes out, and in which contact window."""
        with self._services.uow() as uow:
            waiting = uow.outbox.waiting(PLATFORM, recipient)
        if not waiting:
            return None
        window = self._services.window(waiting[0].programme_id)
        # Overdue after a jump of the clock: it goes at the next opening from now, not back then.
        return max(waiting[0].not_before, next_opening(self.clock.now(), window)), window


def render(screen: Screen, out: Output) -> None:
    for line in screen.lines:
        out(line)
        out("")
    if screen.prompt:
        _prompt(screen.prompt, out)
    if screen.summary:
        _summary(screen.summary, out)
    if screen.typing:
        out(screen.typing)
    if screen.attachment:  # a session's .ics: in Slack a file in the DM; here its name
        out(f"[{screen.attachment.filename}]")


def _prompt(prompt: Prompt, out: Output) -> None:
    out(f"[{prompt.progress}] {prompt.text}")
    if prompt.current:
        out(f"  ({prompt.current})")
    for number, option in enumerate(prompt.options, start=1):
        out(
            f"  {number}) {option.label}"
            if prompt.kind not in ("number", "months")
            else f"  - {option.label}"
        )
    out(f"  {prompt.hint}")


def _summary(summary: Summary, out: Output) -> None:
    out(summary.title)
    width = max(len(r.label) for r in summary.rows) if summary.rows else 0
    for row in summary.rows:
        out(f"  {row.number:>2}. {row.label:<{width}}  {row.value}")
    out("")
    out(summary.instructions)
    out(summary.typing)


def _clock(service: IntakeService, user: UserRef, postbox: Postbox, text: str, out: Output) -> bool:
    """`/klok`, `/klok +3d`, `/klok +4u`, `/klok +30m`: show or move the console's clock."""
    match = _CLOCK.match(text.strip())
    if not text.strip().lower().startswith("/klok"):
        return False
    t = Translator(service.locale(user))
    if match is None:
        out(t.t("console.clock_usage"))
        out("")
        return True
    if match["n"]:
        postbox.clock.advance(int(match["n"]) * _UNITS[match["unit"].lower()])
    out(t.t("console.clock", when=t.datetime(postbox.clock.now())))
    out("")
    if not _deliver(postbox, user, out):
        waiting = postbox.next_waiting(user.external_id)
        if waiting is not None:
            when, window = waiting
            opens, closes = f"{window.opens:%H:%M}", f"{window.closes:%H:%M}"
            out(t.t("console.waiting", when=t.datetime(when), opens=opens, closes=closes))
            out("")
    return True


def _deliver(postbox: Postbox | None, user: UserRef, out: Output) -> bool:
    screens = postbox.deliver(user.external_id) if postbox else []
    for screen in screens:
        render(screen, out)
    return bool(screens)


def _privacy(privacy: PrivacyService, user: UserRef, asked: str, out: Output, folder: Path) -> None:
    """'/ruil mijn-gegevens' writes the JSON file next to the console's data; 'vergeet-mij' asks."""
    if asked == EXPORT:
        reply = privacy.export(user.platform, user.external_id)
        if reply.document is not None:
            # The login name becomes part of a file name: nothing in it may lead out of the folder.
            who = re.sub(r"[^A-Za-z0-9._-]+", "_", user.external_id).strip("._") or "console"
            path = folder / f"{who}-{reply.document.filename}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(reply.document.content)
            out(f"{reply.screen.text}\n{path}")
            out("")
            return
    else:
        reply = privacy.ask_forget(user.platform, user.external_id)
    render(reply.screen, out)


def run(
    service: IntakeService,
    user: UserRef,
    read: Callable[[str], str],
    out: Output,
    *,
    postbox: Postbox | None = None,
    privacy: PrivacyService | None = None,
    folder: Path = Path("data"),
) -> int:
    """Talk until end of input (Ctrl-D) or Ctrl-C; everything is saved after each answer. With a
    `postbox`, what the bot sends on its own appears in the conversation, and `/klok` moves time."""
    t = Translator(service.locale(user))
    out(t.t("console.welcome"))
    out(t.t("hint.footer"))
    if postbox:
        out(t.t("console.clock_hint"))
    out("")
    _deliver(postbox, user, out)
    render(service.resume(user), out)
    while True:
        try:
            text = read("> ")
        except (EOFError, KeyboardInterrupt):
            out("")
            out(
                Translator(service.locale(user)).t(
                    "console.bye" if service.is_open(user) else "console.bye_done"
                )
            )
            return 0
        if not text.strip():
            continue
        out("")
        if postbox and _clock(service, user, postbox, text, out):
            continue
        command, _, rest = text.strip().partition(" ")
        asked = request(rest if command.lower() in COMMANDS else text)
        if privacy is not None and asked is not None:  # mijn-gegevens, vergeet-mij: typed or after /ruil
            _privacy(privacy, user, asked, out, folder)
        elif command.lower() in COMMANDS:  # /ruil, /peer, /regel: as in Slack, answered here
            reply = service.command(user, rest, command.lower())
            render(reply.direct or reply.ephemeral, out)
        else:
            screen = service.text(user, text)
            if screen is not None:
                render(screen, out)
        _deliver(postbox, user, out)
