"""Notifications through apprise: events from the store, routed, sent, retried and recorded."""

from hotgate.notify.routes import EVENTS, Notifications, Route

__all__ = ["EVENTS", "Notifications", "Route"]
