"""The console surface: the same conversation as a Slack DM, in a terminal. Buttons become words
and numbers to type."""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n import Translator
from bot.intents import COMMANDS
from bot.services import IntakeService, UserRef
from bot.views import Prompt, Screen, Summary

Output = Callable[[str], None]


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


def run(service: IntakeService, user: UserRef, read: Callable[[str], str], out: Output) -> int:
    """Talk until end of input (Ctrl-D) or Ctrl-C; everything is saved after each answer."""
    t = Translator(service.locale(user))
    out(t.t("console.welcome"))
    out(t.t("hint.footer"))
    out("")
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
        command, _, rest = text.strip().partition(" ")
        if command.lower() in COMMANDS:  # /ruil, /peer, /regel: as in Slack, answered here
            reply = service.command(user, rest, command.lower())
            render(reply.direct or reply.ephemeral, out)
        else:
            screen = service.text(user, text)
            if screen is not None:
                render(screen, out)
