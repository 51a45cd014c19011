"""The framework's ceiling for bench/load.py: a bare bolt app that echoes each DM, served the way a
plain bolt app is (its WSGI adapter on waitress, bolt's defaults). No database, no dialogue.

Run: python bench/echo_app.py PORT (SLACK_API_URL, SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET set)."""

from __future__ import annotations

import os
import sys
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import serve


def main() -> None:
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.event("message")
    def echo(event: dict[str, Any], say: Any) -> None:
        say(text=str(event.get("text") or ""))

    handler = SlackRequestHandler(app)
    serve(handler, host="127.0.0.1", port=int(sys.argv[1]), threads=8, _quiet=True)


if __name__ == "__main__":
    main()
