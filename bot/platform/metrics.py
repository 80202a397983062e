"""What `/metrics` shows, in Prometheus' text format (the prometheus-client library).

Counters and histograms live in one registry per process (`REGISTRY`) and are updated where the
thing happens: quotes and holds (bot.promising.orders), Slack API errors (every call through an
`InstrumentedWebClient`), outbox deliveries, scheduled job runs, the lease. The outbox's backlog
and age and whether this process leads are read at scrape time (`render`), from the database.

    promisebot_quote_seconds, promisebot_hold_seconds           histograms
    promisebot_slack_api_errors_total{method, error}            counter
    promisebot_outbox_backlog, promisebot_outbox_parked         gauges (rows)
    promisebot_outbox_oldest_age_seconds                        gauge
    promisebot_outbox_delivered_total{kind}                     counter
    promisebot_scheduler_runs_total{job, outcome}               counter (ok, error, skipped)
    promisebot_lease_changes_total{change}                      counter (acquired, lost, released)
    promisebot_leader                                           gauge (1 while this process leads)
    promisebot_reminders_missed_total{kind}                     counter
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

CONTENT_TYPE = CONTENT_TYPE_LATEST

_LATENCY = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)

QUOTE_SECONDS = Histogram(
    "promisebot_quote_seconds", "Time to answer a quote", buckets=_LATENCY, registry=REGISTRY
)
HOLD_SECONDS = Histogram(
    "promisebot_hold_seconds",
    "Time to place and commit a hold or confirmation",
    buckets=_LATENCY,
    registry=REGISTRY,
)
SLACK_API_ERRORS = Counter(
    "promisebot_slack_api_errors_total",
    "Slack Web API calls that failed, by method and Slack's error (or the exception's name)",
    ["method", "error"],
    registry=REGISTRY,
)
OUTBOX_BACKLOG = Gauge(
    "promisebot_outbox_backlog", "Outbox messages waiting to be delivered", registry=REGISTRY
)
OUTBOX_PARKED = Gauge(
    "promisebot_outbox_parked",
    "Outbox messages given up on (a permanent Slack error); they wait for a person",
    registry=REGISTRY,
)
OUTBOX_OLDEST_AGE = Gauge(
    "promisebot_outbox_oldest_age_seconds",
    "Age of the oldest outbox message waiting to be delivered (0 when none waits)",
    registry=REGISTRY,
)
OUTBOX_DELIVERED = Counter(
    "promisebot_outbox_delivered_total",
    "Outbox messages delivered by this process, by kind",
    ["kind"],
    registry=REGISTRY,
)
SCHEDULER_RUNS = Counter(
    "promisebot_scheduler_runs_total",
    "Scheduled job runs by job and outcome (ok, error, skipped)",
    ["job", "outcome"],
    registry=REGISTRY,
)
LEASE_CHANGES = Counter(
    "promisebot_lease_changes_total",
    "Times this process took, lost or gave back the scheduler lease",
    ["change"],
    registry=REGISTRY,
)
LEADER = Gauge(
    "promisebot_leader", "1 while this process holds the scheduler lease", registry=REGISTRY
)
REMINDERS_MISSED = Counter(
    "promisebot_reminders_missed_total",
    "Reminders whose window closed while no replica ran, by kind",
    ["kind"],
    registry=REGISTRY,
)


def slack_error(method: str, error: str) -> None:
    SLACK_API_ERRORS.labels(method=method, error=error or "unknown").inc()


def render(before: Callable[[], Any] | None = None) -> bytes:
    """The registry in Prometheus' text format; `before()` first sets the scrape-time gauges."""
    if before is not None:
        before()
    return generate_latest(REGISTRY)


class InstrumentedWebClient(WebClient):
    """A WebClient that counts every failed Web API call in `SLACK_API_ERRORS`."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            code = error.response.get("error", "") if error.response is not None else ""
            slack_error(api_method, str(code))
            raise
        except Exception as error:
            slack_error(api_method, type(error).__name__)
            raise
