"""The one test helper for consent: a person who agrees wherever the bot asks.

Tests about an intake's questions start intakes by the hundred; each would first meet the consent
question (and so would a one-click session registration: `Consenting` wraps the sessions the same
way). `Consenting` stands in front of the real `IntakeService` and, whenever a reply is that
question (a `Screen` naming `consent`, a form page with the consent step), answers it with the real
`consent()` (what the Akkoord button does), and hands back what came after. Consent is recorded as in
production, through the same code; nothing in production can switch it off. Tests of consent itself
use the service without it: the `raw_services` fixture, `Bot(..., agrees=False)` end to end."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from bot.bootstrap import Services
from bot.privacy import SESSION_CONSENT
from bot.services import CONSENT, CommandReply, IntakeService, UserRef
from bot.sessions import SessionService
from bot.views import Form, FormReply, Screen


class Consenting:
    def __init__(self, wrapped: Any, intake: IntakeService | None = None, only: str = "") -> None:
        self.unwrapped = wrapped
        self._intake: IntakeService = intake if intake is not None else wrapped  # who takes the answer
        self._only = only  # answer only the questions whose key starts so

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.unwrapped, name)
        if not callable(found) or name.startswith("_"):
            return found

        def call(*args: Any, **kwargs: Any) -> Any:
            result = found(*args, **kwargs)
            user = next((a for a in (*args, *kwargs.values()) if isinstance(a, UserRef)), None)
            return self._agreed(user, result) if user is not None else result

        return call

    def _agreed(self, user: UserRef, result: Any) -> Any:
        if isinstance(result, Screen) and result.consent and result.consent.startswith(self._only):
            return self._intake.consent(user, result.consent, True)
        if isinstance(result, CommandReply):
            direct = self._agreed(user, result.direct) if result.direct is not None else None
            form = self._agreed(user, result.form) if result.form is not None else None
            return replace(result, direct=direct, form=form)
        if isinstance(result, Form) and result.target is not None and result.target.step == CONSENT:
            reply = self._intake.form_submit(user, result.target, {})
            return reply.form
        if isinstance(result, FormReply) and result.form is not None:
            return replace(result, form=self._agreed(user, result.form))
        return result


def consenting(services: Services) -> Services:
    """`services` whose intake and sessions (a one-click registration asks too) agree to consent
    wherever it is asked (see `Consenting`)."""
    return replace(
        services,
        intake=cast(IntakeService, Consenting(services.intake)),
        # Only a one-click registration's own question: a session whose registration asks questions
        # hands back its intake's consent question as it always did.
        sessions=cast(SessionService, Consenting(services.sessions, services.intake, SESSION_CONSENT)),
    )
