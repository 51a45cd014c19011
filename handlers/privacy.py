"""Privacy requests from Slack: '/ruil mijn-gegevens' (or typed in the DM) sends the person a JSON file
of everything stored about them; '/ruil vergeet-mij' asks, and its Ja/Nee buttons (or a typed ja/nee)
erase everything or keep it. The services decide; this module only delivers."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.bootstrap import Services
from bot.privacy import EXPORT, PrivacyReply
from handlers import home
from handlers.context import PLATFORM, DirectMessages


def handle(
    services: Services, dms: DirectMessages, client: WebClient, user_id: str, asked: str
) -> PrivacyReply:
    """Do what `asked` (EXPORT or FORGET) says for `user_id`, and deliver it in their DM."""
    if asked == EXPORT:
        reply = services.privacy.export(PLATFORM, user_id)
    else:
        reply = services.privacy.ask_forget(PLATFORM, user_id)
    deliver(services, dms, client, user_id, reply)
    return reply


def deliver(
    services: Services, dms: DirectMessages, client: WebClient, user_id: str, reply: PrivacyReply
) -> None:
    """The reply in the DM: a file (Slack's upload v2 flow) with its line as the comment, or a message.
    After an erasure this is the last message the person gets."""
    document = reply.document
    if document is None:
        dms.post(client, user_id, reply.screen)
    else:
        dms.share(client, user_id, document, reply.screen.text)
    if reply.screen.changed:
        home.refresh(services, dms, client, user_id, known=False)  # erased: a stranger again
