"""Screens and Home views as Slack Block Kit. Text in a Screen is already translated and escaped by
the core (see `mrkdwn_escape`); this module only decides the layout. Every control carries the
screen's target (`bot.interaction`), so a click says what it was shown for."""

from __future__ import annotations

import re
from typing import Any

from bot import limits
from bot.dialogues.model import Kind
from bot.interaction import Target, encode
from bot.views import Act, Button, Home, Prompt, Screen, Summary

Block = dict[str, Any]
MAX_BUTTONS = 5  # more choices than this become a menu
ANSWER = "answer"  # action ids, matched in handlers.actions
ANSWER_SELECT = "answer_select"
ANSWER_MULTI = "answer_multi"
MULTI_PICK = "multi_pick"
ACT_PREFIX = "act:"
EDIT_PREFIX = "edit:"
BACK_PREFIX = "back:"
QUESTION_BLOCK = "q:"
_HALF_ENTITY = re.compile(r"&[#a-z0-9]{0,6}$")
# Buttons that act on no intake yet (start one) carry this target.
NO_INTAKE = Target(0, 0, "start")


def mrkdwn_escape(text: str) -> str:
    """Slack's three control characters; with them escaped nobody can post <!channel> or a fake link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut with '…' where needed, never inside an escape such as
    '&amp;' (half an entity would show as garbage, or worse, as markup)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if _HALF_ENTITY.search(cut):  # '&am' of '&amp;': cut before it
        cut = cut[: cut.rfind("&")]
    return cut + "…"


def _plain(text: str) -> dict[str, Any]:
    # plain_text is shown as it is: Slack's escapes would be visible, so take them out again.
    raw = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return {"type": "plain_text", "text": fit(raw, limits.OPTION_TEXT), "emoji": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit(text, limits.SECTION_TEXT)}}


def _context(*texts: str) -> Block:
    elements = [{"type": "mrkdwn", "text": fit(t, limits.CONTEXT_TEXT)} for t in texts if t]
    return {"type": "context", "elements": elements}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "text": _plain(label), "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def _menu(kind: str, action_id: str, placeholder: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": kind, "action_id": action_id, "placeholder": _plain(placeholder), "options": options}


def act_button(button: Button, target: Target | None) -> dict[str, Any]:
    # A start button acts on a programme, not on an intake; every other act on the screen's target.
    aimed = NO_INTAKE if button.act is Act.START or target is None else target
    value = encode(aimed, button.act.value)
    return _button(button.label, f"{ACT_PREFIX}{button.act.value}", value, button.style)


def message(screen: Screen) -> tuple[str, list[Block]]:
    """The (fallback text, blocks) of one bot message."""
    target = screen.target or NO_INTAKE
    blocks: list[Block] = [_section(line) for line in screen.lines]
    if screen.prompt:
        blocks += _prompt(screen.prompt, target)
    if screen.summary:
        blocks += _summary(screen.summary, target)
    if screen.buttons:
        blocks.append({"type": "actions", "elements": [act_button(b, screen.target) for b in screen.buttons]})
    if screen.typing:
        blocks.append(_context(screen.typing))
    return fit(screen.text, limits.SECTION_TEXT) or " ", blocks


def _prompt(prompt: Prompt, target: Target) -> list[Block]:
    question = f"*{prompt.text}*" + (f"\n_{prompt.current}_" if prompt.current else "")
    blocks: list[Block] = [_context(prompt.progress), _section(question)]
    elements: list[dict[str, Any]] = []
    options = [{"text": _plain(o.label), "value": encode(target, o.value)} for o in prompt.options]
    chosen = {encode(target, value) for value in prompt.selected}
    selected = [o for o in options if o["value"] in chosen]  # going back: the answer so far
    if prompt.kind is Kind.MULTI_CHOICE:
        menu = _menu("multi_static_select", MULTI_PICK, prompt.pick_label, options)
        if selected:
            menu["initial_options"] = selected
        elements += [menu, _button(prompt.next_label, ANSWER_MULTI, encode(target), "primary")]
    elif len(prompt.options) > MAX_BUTTONS:
        menu = _menu("static_select", ANSWER_SELECT, prompt.pick_label, options)
        if selected:
            menu["initial_option"] = selected[0]
        elements.append(menu)
    else:
        elements += [
            _button(o.label, f"{ANSWER}:{i}", encode(target, o.value)) for i, o in enumerate(prompt.options)
        ]
    if prompt.can_go_back:
        elements.append(
            _button(f"← {prompt.back_label}", f"{BACK_PREFIX}{prompt.question_id}", encode(target))
        )
    if elements:
        blocks.append(
            {"type": "actions", "block_id": f"{QUESTION_BLOCK}{prompt.question_id}", "elements": elements}
        )
    blocks.append(_context(prompt.hint, prompt.footer))
    return blocks


def _summary(summary: Summary, target: Target) -> list[Block]:
    blocks: list[Block] = [_section(f"*{summary.title}*")]
    for row in summary.rows:
        block = _section(f"*{row.number}. {row.label}*\n{row.value}")
        value = encode(target, row.question_id)
        block["accessory"] = _button(summary.edit_label, f"{EDIT_PREFIX}{row.question_id}", value)
        blocks.append(block)
    blocks.append(_context(summary.instructions, summary.typing))
    return blocks


def home(view: Home) -> dict[str, Any]:
    blocks: list[Block] = [
        {"type": "header", "text": _plain(view.title)},
        _section(view.intro),
        {"type": "divider"},
        _section(f"*{view.status_title}*\n{view.status}"),
    ]
    if view.button:
        blocks.append({"type": "actions", "elements": [act_button(view.button, None)]})
    blocks += [{"type": "divider"}, _section(f"*{view.programmes_title}*")]
    blocks += [_section(f"*{name}*\n{summary}") for name, summary in view.programmes]
    return {"type": "home", "blocks": blocks}


def settled(blocks: list[Block], chosen: str) -> list[Block]:
    """The clicked message without its buttons and menus, and a note of what was chosen, so an old
    message can't be clicked twice."""
    kept = []
    for block in blocks:
        if block.get("type") == "actions":
            continue
        block = {k: v for k, v in block.items() if k != "accessory"}
        kept.append(block)
    kept.append(_context(f"✔ {mrkdwn_escape(fit(chosen, limits.OPTION_TEXT))}"))
    return kept
