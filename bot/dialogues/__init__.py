"""Every dialogue the bot knows, by dialogue id, and the intake each programme starts, by programme id.

A programme may have more than one dialogue (Peer-to-Peer: an application by a civil servant and an
assignment from a company or NGO), keyed `<programme>/<name>`. The service starts one intake per
programme, so INTAKES holds the one a person starts; the others are declared, checked and tested in
DIALOGUES until the service can start a dialogue by its own id.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.dialogues import (
    leerwerkplaats,
    leidinggevenden_in_beweging,
    managersruil,
    peer_to_peer,
    regels_naar_ruimte,
)
from bot.dialogues.model import Dialogue

DIALOGUES: Mapping[str, Dialogue] = {
    d.id: d
    for d in (
        managersruil.INTAKE,
        leidinggevenden_in_beweging.INTAKE,
        leerwerkplaats.INTAKE,
        peer_to_peer.APPLICATION,
        peer_to_peer.ASSIGNMENT,
        regels_naar_ruimte.INTAKE,
    )
}

INTAKES: Mapping[str, Dialogue] = {
    d.programme: d
    for d in (
        managersruil.INTAKE,
        leidinggevenden_in_beweging.INTAKE,
        leerwerkplaats.INTAKE,
        peer_to_peer.APPLICATION,
        regels_naar_ruimte.INTAKE,
    )
}
