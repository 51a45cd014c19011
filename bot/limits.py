"""The limits of the surfaces we render on, as numbers in one place.

Slack's Block Kit and Web API limits (api.slack.com/reference/block-kit) are the tightest of our
surfaces; the console has none, and Teams' are looser. The core refuses or shortens text against
these before anything is rendered, so no renderer has to cut text in the middle of an entity.
"""

from __future__ import annotations

from typing import Final

OPTION_TEXT: Final = 75  # button text, and option text in a select menu
OPTION_VALUE: Final = 150  # the value of an option in a select menu
BUTTON_VALUE: Final = 2000  # the value a button carries back on a click
BLOCK_ID: Final = 255
ACTION_ID: Final = 255
SELECT_OPTIONS: Final = 100
SECTION_TEXT: Final = 3000
CONTEXT_TEXT: Final = 3000
MESSAGE_BLOCKS: Final = 50
MODAL_TITLE: Final = 24  # a modal's title, and its submit and close buttons
MODAL_BLOCKS: Final = 100
INPUT_LABEL: Final = 2000  # an input block's label and hint
INPUT_VALUE: Final = 3000  # a plain-text input's initial_value
MESSAGE_TEXT: Final = 40_000  # what Slack accepts in one message; longer text is refused by Slack

# What a person may type in one message before the bot reads it at all. A text question allows its
# own maximum (a few hundred characters); this bounds the work for anything typed, however long.
TYPED_TEXT: Final = 4000
# How much of a person's own text the bot quotes back ("'...' ken ik niet"): enough to recognise it.
ECHO_TEXT: Final = 80
