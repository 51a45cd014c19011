"""Screens, forms and Home views as Slack Block Kit. The core hands over raw text (translated, never
escaped): this module escapes it where it goes into mrkdwn (after cutting it to length, never inside
an entity) and gives it as it is to plain_text, where Slack shows it literally. Every control carries
the screen's target (`bot.interaction`), so a click says what it was shown for; a modal carries it in its
private_metadata."""

from __future__ import annotations

import re
from typing import Any

from bot import limits
from bot.dialogues.model import Kind
from bot.interaction import Target, decode, encode
from bot.views import Act, Button, Field, Form, FormButton, Home, Prompt, Screen, Summary

Block = dict[str, Any]
MAX_BUTTONS = 5  # more choices than this become a menu
MAX_ACTIONS = 25  # Slack's limit of elements in one actions block
ANSWER = "answer"  # action ids, matched in handlers.actions
ANSWER_SELECT = "answer_select"
ANSWER_MULTI = "answer_multi"
MULTI_PICK = "multi_pick"
ACT_PREFIX = "act:"
EDIT_PREFIX = "edit:"
BACK_PREFIX = "back:"
QUESTION_BLOCK = "q:"
_HALF_ENTITY = re.compile(r"&[#a-z0-9]{0,6}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
FORM_CALLBACK = "intake_form"  # callback_id of every intake modal
FORM_EDIT_PREFIX = "form_edit:"  # 'Wijzig' on a modal's summary
FIELD = "value"  # action_id of a modal's input element
FORM_ACT_PREFIX = "form_act:"  # Terug, Overzicht, Ga verder, Stoppen on a modal page
# Acts that start something: their button names a dialogue, not an intake (nor does a preference switch).
_STARTS = (Act.START, Act.FORM, Act.WAITLIST, Act.NOTIFICATIONS, Act.AGREE, Act.DECLINE)
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
    # plain_text is shown as it is: the raw text, only cut to length.
    return {"type": "plain_text", "text": fit(text, limits.OPTION_TEXT), "emoji": True}


def _md(text: str, limit: int = limits.SECTION_TEXT) -> str:
    """Raw text (a person's words, a catalogue sentence) made safe for mrkdwn: cut first, then
    escaped (and cut again, never inside an entity)."""
    return fit(mrkdwn_escape(fit(text, limit)), limit)


def _section(markup: str) -> Block:
    """A section of mrkdwn that this module composed from `_md()` pieces and its own * and _."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit(markup, limits.SECTION_TEXT)}}


def _context(*texts: str) -> Block:
    """Context lines from raw text."""
    elements = [{"type": "mrkdwn", "text": _md(t, limits.CONTEXT_TEXT)} for t in texts if t]
    return {"type": "context", "elements": elements}


def _button(label: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "text": _plain(label), "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def _menu(kind: str, action_id: str, placeholder: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": kind, "action_id": action_id, "placeholder": _plain(placeholder), "options": options}


def act_button(button: Button, target: Target | None, index: int = 0) -> dict[str, Any]:
    # A start button acts on a dialogue, not on an intake; every other act on the screen's target.
    aimed = button.target or (NO_INTAKE if button.act in _STARTS or target is None else target)
    extra = button.dialogue or button.value
    value = encode(aimed, f"{button.act.value}:{extra}" if extra else button.act.value)
    # Action ids are unique within a block: several start buttons differ by their place.
    action_id = f"{ACT_PREFIX}{button.act.value}" + (f":{index}" if index else "")
    return _button(button.label, action_id, value, button.style)


def act_of(value: object) -> tuple[Target, Act, str] | None:
    """What an act button's value asks: its target, the act, and the dialogue it names (or '')."""
    decoded = decode(value)
    if decoded is None:
        return None
    name, _, dialogue = decoded[1].partition(":")
    try:
        return decoded[0], Act(name), dialogue
    except ValueError:
        return None


def message(screen: Screen) -> tuple[str, list[Block]]:
    """The (fallback text, blocks) of one bot message."""
    target = screen.target or NO_INTAKE
    blocks: list[Block] = [_section(_md(line)) for line in screen.lines]
    if screen.mentions:  # ids only, checked: nothing typed by a person becomes markup here
        named = [f"<@{who}>" for who in screen.mentions if _USER_ID.match(who)]
        blocks.insert(min(1, len(blocks)), _section(" · ".join(named)))
    if screen.prompt:
        blocks += _prompt(screen.prompt, target)
    if screen.summary:
        blocks += _summary(screen.summary, target)
    for start in range(0, len(screen.buttons), MAX_ACTIONS):
        batch = screen.buttons[start : start + MAX_ACTIONS]
        elements = [act_button(b, screen.target, start + i) for i, b in enumerate(batch)]
        blocks.append({"type": "actions", "elements": elements})
    if screen.typing:
        blocks.append(_context(screen.typing))
    # Slack reads the fallback text (notifications, screen readers) as mrkdwn too.
    return _md(screen.text, limits.SECTION_TEXT) or " ", blocks


def _prompt(prompt: Prompt, target: Target) -> list[Block]:
    question = f"*{_md(prompt.text, 2000)}*" + (f"\n_{_md(prompt.current, 900)}_" if prompt.current else "")
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
    blocks: list[Block] = [_section(f"*{_md(summary.title, 200)}*")]
    for row in summary.rows:
        block = _section(
            f"*{row.number}. {_md(row.label, 200)}*\n{_md(row.value, limits.SECTION_TEXT - 300)}"
        )
        if summary.edit_label:  # a confirmed registration is changed as a whole (Wijzig je antwoorden)
            value = encode(target, row.question_id)
            block["accessory"] = _button(summary.edit_label, f"{EDIT_PREFIX}{row.question_id}", value)
        blocks.append(block)
    blocks.append(_context(summary.instructions, summary.typing))
    return blocks


def home(view: Home) -> dict[str, Any]:
    blocks: list[Block] = [
        {"type": "header", "text": _plain(view.title)},
        _section(_md(view.intro)),
        {"type": "divider"},
        _section(
            f"*{_md(view.status_title, 200)}*\n" + _md("\n".join(view.status), limits.SECTION_TEXT - 300)
        ),
        {"type": "divider"},
    ]
    if view.planned_title:  # what the bot will send this person, under their registrations
        planned = _md("\n".join(view.planned), limits.SECTION_TEXT - 300)
        blocks += [_section(f"*{_md(view.planned_title, 200)}*\n{planned}"), {"type": "divider"}]
    blocks.append(_section(f"*{_md(view.programmes_title, 200)}*"))
    for programme in view.programmes:
        blocks.append(_section(f"*{_md(programme.name, 200)}*\n{_md(programme.summary, 2500)}"))
        if programme.buttons:
            elements = [act_button(b, None, i) for i, b in enumerate(programme.buttons)]
            blocks.append({"type": "actions", "elements": elements})
    if view.sessions_title:  # sessions and events, a section each, with its register or unregister button
        blocks += [{"type": "divider"}, _section(f"*{_md(view.sessions_title, 200)}*")]
        blocks += [_section(_md(line)) for line in view.sessions]
        if view.session_buttons:
            elements = [act_button(b, None, i) for i, b in enumerate(view.session_buttons[:MAX_ACTIONS])]
            blocks.append({"type": "actions", "elements": elements})
    if view.preferences_title:  # the switches last: set once, rarely looked for
        chosen = _md("\n".join(view.preferences), limits.SECTION_TEXT - 300)
        blocks += [{"type": "divider"}, _section(f"*{_md(view.preferences_title, 200)}*\n{chosen}")]
        if view.preference_buttons:
            elements = [act_button(b, None, i) for i, b in enumerate(view.preference_buttons)]
            blocks.append({"type": "actions", "elements": elements})
    return {"type": "home", "blocks": blocks}


# ---- modals --------------------------------------------------------------------------------------


def _raw(text: str, limit: int) -> dict[str, Any]:
    """plain_text from raw text (a Form's): shown as it is, so nothing to escape."""
    return {"type": "plain_text", "text": fit(text, limit) or " ", "emoji": True}


def modal(form: Form) -> dict[str, Any]:
    """One page of an intake (or its summary) as a modal view."""
    blocks: list[Block] = []
    if form.progress:
        blocks.append(_context(form.progress))
    blocks += [_section(_md(line, limits.SECTION_TEXT)) for line in form.lines if line]
    blocks += [_input(field) for field in form.fields]
    if form.summary:
        blocks.append(_section(f"*{_md(form.summary.title, limits.SECTION_TEXT)}*"))
        for row in form.summary.rows:
            value = _md(row.value, limits.SECTION_TEXT - 300)
            block = _section(f"*{row.number}. {_md(row.label, 200)}*\n{value}")
            if form.target is not None and form.summary.edit_label:
                edit = _raw(form.summary.edit_label, limits.OPTION_TEXT)
                block["accessory"] = {
                    "type": "button",
                    "text": edit,
                    "action_id": f"{FORM_EDIT_PREFIX}{row.question_id}",
                    "value": row.question_id,
                }
            blocks.append(block)
        if form.summary.instructions:
            blocks.append(_context(form.summary.instructions))
    if form.buttons and form.target is not None:
        blocks.append({"type": "actions", "elements": [_form_button(b) for b in form.buttons]})
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "title": _raw(form.title, limits.MODAL_TITLE),
        "close": _raw(form.close, limits.MODAL_TITLE),
        "private_metadata": encode(form.target) if form.target else "",
        "blocks": blocks[: limits.MODAL_BLOCKS],
    }
    if form.submit and form.target is not None:
        view["submit"] = _raw(form.submit, limits.MODAL_TITLE)
    return view


def _form_button(button: FormButton) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": _raw(button.label, limits.OPTION_TEXT),
        "action_id": f"{FORM_ACT_PREFIX}{button.act.value}",
        "value": button.act.value,
    }
    if button.style:
        element["style"] = button.style
    if button.confirm:  # Slack asks "are you sure?" itself, before the click reaches us
        title, question, yes, no = button.confirm
        element["confirm"] = {
            "title": _raw(title, 100),
            "text": _raw(question, 300),
            "confirm": _raw(yes, 30),
            "deny": _raw(no, 30),
            "style": "danger",
        }
    return element


def _input(field: Field) -> Block:
    options = [{"text": _raw(o.label, limits.OPTION_TEXT), "value": o.value} for o in field.options]
    chosen = [o for o in options if o["value"] in field.initial]
    element: dict[str, Any]
    if field.kind is Kind.MULTI_CHOICE:
        element = {"type": "multi_static_select", "options": options}
        if chosen:
            element["initial_options"] = chosen
    elif options and len(options) <= MAX_BUTTONS:
        element = {"type": "radio_buttons", "options": options}
        if chosen:
            element["initial_option"] = chosen[0]
    elif options:
        element = {"type": "static_select", "options": options[: limits.SELECT_OPTIONS]}
        if chosen:
            element["initial_option"] = chosen[0]
    else:
        element = {"type": "plain_text_input", "multiline": field.multiline}
        if field.initial:
            element["initial_value"] = field.initial[0][: limits.INPUT_VALUE]
    element["action_id"] = FIELD
    return {
        "type": "input",
        "block_id": f"{QUESTION_BLOCK}{field.question_id}",
        "optional": field.optional,
        "label": _raw(field.label, limits.INPUT_LABEL),
        "hint": _raw(field.hint, limits.INPUT_LABEL),
        "element": element,
    }


def form_values(view: dict[str, Any]) -> dict[str, str | list[str]]:
    """What a submitted modal holds, by question id: typed text as it is, choices as their values."""
    found: dict[str, str | list[str]] = {}
    values = (view.get("state") or {}).get("values") or {}
    for block_id, elements in values.items():
        element = elements.get(FIELD) if isinstance(elements, dict) else None
        if not (
            isinstance(block_id, str) and block_id.startswith(QUESTION_BLOCK) and isinstance(element, dict)
        ):
            continue
        question = block_id[len(QUESTION_BLOCK) :]
        if element.get("type") == "plain_text_input":
            found[question] = str(element.get("value") or "")
        elif element.get("type") == "multi_static_select":
            found[question] = [str(o.get("value")) for o in element.get("selected_options") or []]
        else:
            picked = element.get("selected_option")
            found[question] = [str(picked.get("value"))] if isinstance(picked, dict) else []
    return found


def form_errors(errors: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Errors by block id, for `response_action: errors`: each shown under its own field."""
    return {f"{QUESTION_BLOCK}{question}": fit(message, limits.INPUT_LABEL) for question, message in errors}


def settled(blocks: list[Block], chosen: str) -> list[Block]:
    """The clicked message without its buttons and menus, and a note of what was chosen, so an old
    message can't be clicked twice."""
    kept = []
    for block in blocks:
        if block.get("type") == "actions":
            continue
        block = {k: v for k, v in block.items() if k != "accessory"}
        kept.append(block)
    kept.append(_context(f"✔ {fit(chosen, limits.OPTION_TEXT)}"))
    return kept
