"""Turns engine states and outcomes into translated views. Pure: translator in, view out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot import engine
from bot.dialogues.model import Dialogue, Kind, Months, Number, Question, choices_of
from bot.engine import Message, Ref, State, Value, Verdict
from bot.i18n import Safe, Translator
from bot.limits import ECHO_TEXT
from bot.views import (
    Act,
    Button,
    Field,
    Form,
    FormAct,
    FormButton,
    Option,
    Prompt,
    Screen,
    Summary,
    SummaryRow,
)

MAX_QUOTED = 5  # items of a person's list quoted back in one refusal


def clip(text: str) -> str:
    """A person's own words, short enough to quote back in one line."""
    text = " ".join(text.split())
    return text if len(text) <= ECHO_TEXT else text[: ECHO_TEXT - 1].rstrip() + "…"


_CONSOLE_HINTS = {
    Kind.CHOICE: "hint.choice_console",
    Kind.YES_NO: "hint.choice_console",
    Kind.MULTI_CHOICE: "hint.multi_console",
}
_HINTS = {
    Kind.TEXT: "hint.text",
    Kind.CHOICE: "hint.choice",
    Kind.YES_NO: "hint.choice",
    Kind.MULTI_CHOICE: "hint.multi",
    Kind.DATE: "hint.date",
    Kind.NUMBER: "hint.number",
    Kind.MONTHS: "hint.months",
    Kind.EMAIL: "hint.email",
    Kind.PHONE: "hint.phone",
}


class Presenter:
    def __init__(self, t: Translator, *, console: bool = False) -> None:
        self.t = t
        self.console = console  # no buttons there: hints say "type the number or the name"

    def say(self, message: Message) -> Safe:
        params = {k: self._param(v) for k, v in message.params.items()}
        return self.t.t(message.key, **params)

    def _param(self, value: object) -> object:
        if isinstance(value, Ref):
            return self.t.t(value.key)
        if isinstance(value, date):
            return self.t.date(value)
        if isinstance(value, list):  # a person's words, quoted back: a few, each short
            shown = [clip(str(v)) for v in value[:MAX_QUOTED]]
            return self.t.join(shown + (["…"] if len(value) > MAX_QUOTED else []))
        if isinstance(value, str) and not isinstance(value, Safe):
            return clip(value)
        return value

    def value(self, question: Question, value: Value) -> Safe:
        """An answer as a person reads it: labels for choices, a written date, escaped free text."""
        if value is None:
            return self.t.t("answer.skipped")
        if question.kind in (Kind.CHOICE, Kind.YES_NO, Kind.MULTI_CHOICE):
            labels = {c.value: c.label for c in choices_of(question)}
            chosen = value if isinstance(value, list) else [str(value)]
            return self.t.join([self.t.t(labels[v]) if v in labels else v for v in chosen])
        if question.kind is Kind.DATE and isinstance(value, str):
            return self.t.date(date.fromisoformat(value))
        if question.kind is Kind.MONTHS:
            return self.t.t("months.value", n=value)
        if isinstance(question.spec, Number) and question.spec.value_format:
            return self.t.t(question.spec.value_format, value=str(value))
        return self.t.escape(str(value))

    def prompt(self, dialogue: Dialogue, state: State) -> Prompt:
        assert state.current is not None, "a prompt needs a question"
        question = dialogue.question(state.current)
        n, total = engine.position(dialogue, state)
        given = state.answers.get(question.id)
        answered = question.id in state.answers
        hint = self.t.t((self.console and _CONSOLE_HINTS.get(question.kind)) or _HINTS[question.kind])
        if question.optional:
            hint = Safe(f"{hint} {self.t.t('hint.optional')}")
        return Prompt(
            question_id=question.id,
            kind=question.kind,
            progress=self.t.t("prompt.progress", n=n, total=total),
            text=self.t.t(question.prompt),
            hint=hint,
            # How to go back or stop: at the first question and when an answer is revisited, not every time.
            footer=self.t.t("hint.footer") if n == 1 or answered else "",
            options=self._options(question, state.suggestion),
            current=self.t.t("prompt.current", value=self.value(question, given)) if answered else None,
            pick_label=self.t.t("action.pick_many" if question.kind is Kind.MULTI_CHOICE else "action.pick"),
            next_label=self.t.t("action.next"),
            can_go_back=n > 1,
            selected=tuple(given) if isinstance(given, list) else (str(given),) if given is not None else (),
            back_label=self.t.t("action.back"),
        )

    def _options(self, question: Question, suggestion: Sequence[str]) -> tuple[Option, ...]:
        if isinstance(question.spec, Number | Months):
            key = "months.value" if question.kind is Kind.MONTHS else None
            return tuple(
                Option(str(n), self.t.t(key, n=n) if key else Safe(str(n))) for n in question.spec.suggestions
            )
        choices = choices_of(question)
        if suggestion:  # after "bedoel je ...?", offer just the candidates, in the order named
            by_value = {c.value: c for c in choices}
            choices = tuple(by_value[v] for v in suggestion if v in by_value)
        return tuple(Option(c.value, self.t.t(c.label)) for c in choices)

    def unsure(self, dialogue: Dialogue, state: State, answer: str) -> Screen:
        question = dialogue.question(state.current or "")
        labels = {c.value: c.label for c in choices_of(question)}
        options = [self.t.t(labels[v]) for v in state.suggestion]
        line = self.t.t("unsure.choice", answer=answer, options=self._or(options))
        follow = self.t.t("unsure.one" if len(options) == 1 else "unsure.many")
        return Screen(lines=(line, follow), prompt=self.prompt(dialogue, state))

    def _or(self, items: list[Safe]) -> Safe:
        """'a, b of c' / 'a, b or c'."""
        if len(items) <= 1:
            return Safe("".join(items))
        return self.t.t("list.or", head=Safe(", ".join(items[:-1])), last=items[-1])

    def summary(self, dialogue: Dialogue, state: State, *, ended: bool = False) -> Summary:
        rows = tuple(
            SummaryRow(i, q.id, self.t.t(q.label), self.value(q, v))
            for i, (q, v) in enumerate(engine.summary(dialogue, state.answers), start=1)
        )
        return Summary(
            title=self.t.t("summary.title"),
            rows=rows,
            instructions=self.own(dialogue, "ended.instructions" if ended else "summary.instructions"),
            typing=self.t.t("ended.typing" if ended else "summary.typing"),
            edit_label=self.t.t("action.edit"),
        )

    def own(self, dialogue: Dialogue, key: str) -> Safe:
        """A shared text in a dialogue's own words, where its catalogue has them (`<dialogue>.<key>`)."""
        own = f"{dialogue.keys}.{key}"
        return self.t.t(own if self.t.has(own) else key)

    def ended(self, verdict: Verdict) -> tuple[Safe, ...]:
        """An ending's own text, then each reason the answers gave for it."""
        reasons = tuple(self.t.t("ended.reason", reason=self.say(r)) for r in verdict.reasons)
        return (self.t.t(verdict.ending.text), *reasons)

    def step(self, dialogue: Dialogue, state: State, lines: Sequence[str] = ()) -> Screen:
        """Whatever comes next: the current question, or the summary with confirm and stop buttons."""
        if state.current is not None:
            return Screen(lines=tuple(lines), prompt=self.prompt(dialogue, state))
        verdict = engine.outcome(dialogue, state.answers)
        if verdict is not None:  # ended early: the reasons, the answers to change, and a way out
            return Screen(
                lines=(*lines, *self.ended(verdict)),
                summary=self.summary(dialogue, state, ended=True),
                buttons=(Button(Act.CANCEL_ASK, self.t.t("action.cancel"), "danger"),),
            )
        return Screen(
            lines=tuple(lines),
            summary=self.summary(dialogue, state),
            buttons=(
                Button(Act.CONFIRM, self.t.t("action.confirm"), "primary"),
                Button(Act.CANCEL_ASK, self.t.t("action.cancel"), "danger"),
            ),
        )

    def ask_cancel(self, question: str | None = None) -> Screen:
        return Screen(
            lines=(question or self.t.t("cancel.ask"),),
            buttons=(
                Button(Act.CANCEL_YES, self.t.t("action.cancel_yes"), "danger"),
                Button(Act.CANCEL_NO, self.t.t("action.cancel_no")),
            ),
            typing=self.t.t("cancel.ask_typing"),
        )

    # ---- a modal ---------------------------------------------------------------------------------
    # A form's presenter translates without escaping: a modal's plain_text shows text as it is.

    def field(self, question: Question, answers: dict[str, Value] | None = None) -> Field:
        given = (answers or {}).get(question.id)
        if question.kind in (Kind.CHOICE, Kind.YES_NO, Kind.MULTI_CHOICE):
            initial = tuple(given) if isinstance(given, list) else (str(given),) if given is not None else ()
        else:
            initial = (str(given),) if given is not None else ()
        hint = self.t.t(_FORM_HINTS.get(question.kind, "hint.text"))
        if question.optional:
            hint = Safe(f"{hint} {self.t.t('form.optional')}")
        return Field(
            question_id=question.id,
            kind=question.kind,
            label=self.t.t(question.prompt),
            hint=hint,
            optional=question.optional,
            options=self._options(question, ()) if choices_of(question) else (),
            initial=initial,
            multiline=question.kind is Kind.TEXT,
        )

    def form_page(
        self,
        title: str,
        dialogue: Dialogue,
        state: State,
        questions: Sequence[Question],
        lines: Sequence[str] = (),
    ) -> Form:
        ids = [q.id for q in engine.applicable(dialogue, state.answers)]
        shown = [ids.index(q.id) + 1 for q in questions if q.id in ids] or [1]
        first, last, total = shown[0], shown[-1], len(ids)
        return Form(
            title=title,
            target=None,
            lines=tuple(lines),
            fields=tuple(self.field(q, dict(state.answers)) for q in questions),
            submit=self.t.t("action.next"),
            close=self.t.t("form.close"),
            progress=self.t.t("form.progress", first=first, last=last, total=total),
            buttons=self.form_buttons(back=first > 1),
        )

    def form_buttons(self, *, back: bool = True, overview: bool = True) -> tuple[FormButton, ...]:
        """Terug, Overzicht and Stoppen under a page: what the DM offers by typing, as buttons."""
        cancel = FormButton(
            FormAct.CANCEL,
            self.t.t("action.cancel"),
            "danger",
            (
                self.t.t("action.cancel"),
                self.t.t("form.cancel_ask"),
                self.t.t("action.cancel_yes"),
                self.t.t("action.cancel_no"),
            ),
        )
        buttons = [FormButton(FormAct.BACK, self.t.t("action.back"))] if back else []
        if overview:
            buttons.append(FormButton(FormAct.OVERVIEW, self.t.t("action.overview")))
        return (*buttons, cancel)

    def form_summary(self, title: str, dialogue: Dialogue, state: State, lines: Sequence[str] = ()) -> Form:
        verdict = engine.outcome(dialogue, state.answers)
        if verdict is not None:  # ended early: the reasons; answers can still be changed
            return Form(
                title=title,
                target=None,
                lines=(*lines, *self.ended(verdict)),
                summary=self.summary(dialogue, state, ended=True),
                close=self.t.t("form.close"),
                buttons=self.form_buttons(overview=False),
            )
        return Form(
            title=title,
            target=None,
            lines=tuple(lines),
            summary=self.summary(dialogue, state),
            submit=self.t.t("action.confirm"),
            close=self.t.t("form.close"),
            buttons=self.form_buttons(overview=False),
        )


_FORM_HINTS = {
    Kind.TEXT: "form.hint.text",
    Kind.CHOICE: "form.hint.choice",
    Kind.YES_NO: "form.hint.choice",
    Kind.MULTI_CHOICE: "form.hint.multi",
    Kind.DATE: "hint.date",
    Kind.NUMBER: "hint.number",
    Kind.MONTHS: "hint.months",
    Kind.EMAIL: "hint.email",
    Kind.PHONE: "hint.phone",
}
