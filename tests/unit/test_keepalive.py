"""The Web API client keeps its connection: one connect (one TLS handshake, against Slack) for many
calls, and a connection the server dropped is replaced without losing the call."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from handlers.context import retry_after
from handlers.keepalive import KeepAliveWebClient
from tests.slack_standin import DEFAULT_TOKEN, SlackStandIn


def client(slack: SlackStandIn) -> KeepAliveWebClient:
    retry = ConnectionErrorRetryHandler(
        max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0)
    )
    return KeepAliveWebClient(token=DEFAULT_TOKEN, base_url=slack.api_url, timeout=5, retry_handlers=[retry])


def test_many_calls_share_one_connection() -> None:
    with SlackStandIn() as slack:
        web = client(slack)
        for n in range(5):
            assert web.chat_postMessage(channel="U1", text=f"bericht {n}")["ok"]

        assert [m["text"] for m in slack.messages_to("U1")] == [f"bericht {n}" for n in range(5)]
        assert slack.connections == 1


def test_a_dropped_connection_is_replaced_and_the_call_goes_through() -> None:
    with SlackStandIn() as slack:
        web = client(slack)
        web.chat_postMessage(channel="U1", text="eerste")
        slack.drop_next("chat.postMessage")

        assert web.chat_postMessage(channel="U1", text="tweede")["ok"]

        assert [m["text"] for m in slack.messages_to("U1")] == ["eerste", "tweede"]
        assert slack.connections == 2


def test_errors_come_back_as_slack_errors() -> None:
    with SlackStandIn() as slack:
        with pytest.raises(SlackApiError, match="invalid_auth"):
            KeepAliveWebClient(token="xoxb-wrong", base_url=slack.api_url, timeout=5).auth_test()
        slack.fail_next("chat.postMessage", 429, retry_after=7)
        web = KeepAliveWebClient(token=DEFAULT_TOKEN, base_url=slack.api_url)
        with pytest.raises(SlackApiError) as refused:  # a 429 must raise: the lane waits, not a thread
            web.chat_postMessage(channel="U1", text="x")
        assert refused.value.response.status_code == 429
        assert retry_after(refused.value) == 7.0
