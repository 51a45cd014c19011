"""Screens and Home views as Slack Block Kit. Text in a Screen is already translated and escaped by
the core (see `mrkdwn_escape`); this module only decides the layout."""

from __future__ import annotations

import json
from typing import Any

from bot.dialogues.model import Kind
from bot.views import Button, Home, Prompt, Screen, Summary

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


def mrkdwn_escape(text: str) -> str:
    """Slack's three control characters; with them escaped nobody can post <!channel> or a fake link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:75], "emoji": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t[:3000]} for t in texts if t]}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "text": _plain(label), "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def _menu(kind: str, action_id: str, placeholder: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": kind, "action_id": action_id, "placeholder": _plain(placeholder), "options": options}


def act_button(button: Button) -> dict[str, Any]:
    return _button(button.label, f"{ACT_PREFIX}{button.act.value}", button.act.value, button.style)


def message(screen: Screen) -> tuple[str, list[Block]]:
    """The (fallback text, blocks) of one bot message."""
    blocks: list[Block] = [_section(line) for line in screen.lines]
    if screen.prompt:
        blocks += _prompt(screen.prompt)
    if screen.summary:
        blocks += _summary(screen.summary)
    if screen.buttons:
        blocks.append({"type": "actions", "elements": [act_button(b) for b in screen.buttons]})
    if screen.typing:
        blocks.append(_context(screen.typing))
    return screen.text or " ", blocks


def _prompt(prompt: Prompt) -> list[Block]:
    question = f"*{prompt.text}*" + (f"\n_{prompt.current}_" if prompt.current else "")
    blocks: list[Block] = [_context(prompt.progress), _section(question)]
    elements: list[dict[str, Any]] = []
    options = [{"text": _plain(o.label), "value": o.value} for o in prompt.options]
    selected = [o for o in options if o["value"] in prompt.selected]  # going back: the answer so far
    if prompt.kind is Kind.MULTI_CHOICE:
        menu = _menu("multi_static_select", MULTI_PICK, prompt.pick_label, options)
        if selected:
            menu["initial_options"] = selected
        elements += [menu, _button(prompt.next_label, ANSWER_MULTI, prompt.question_id, "primary")]
    elif len(prompt.options) > MAX_BUTTONS:
        menu = _menu("static_select", ANSWER_SELECT, prompt.pick_label, options)
        if selected:
            menu["initial_option"] = selected[0]
        elements.append(menu)
    else:
        elements += [
            _button(o.label, f"{ANSWER}:{i}", json.dumps({"q": prompt.question_id, "v": o.value}))
            for i, o in enumerate(prompt.options)
        ]
    if prompt.can_go_back:
        elements.append(
            _button(f"← {prompt.back_label}", f"{BACK_PREFIX}{prompt.question_id}", prompt.question_id)
        )
    if elements:
        blocks.append(
            {"type": "actions", "block_id": f"{QUESTION_BLOCK}{prompt.question_id}", "elements": elements}
        )
    blocks.append(_context(prompt.hint, prompt.footer))
    return blocks


def _summary(summary: Summary) -> list[Block]:
    blocks: list[Block] = [_section(f"*{summary.title}*")]
    for row in summary.rows:
        block = _section(f"*{row.number}. {row.label}*\n{row.value}")
        block["accessory"] = _button(summary.edit_label, f"{EDIT_PREFIX}{row.question_id}", row.question_id)
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
        blocks.append({"type": "actions", "elements": [act_button(view.button)]})
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
    kept.append(_context(f"✔ {mrkdwn_escape(chosen)}"))
    return kept
