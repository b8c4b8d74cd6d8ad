"""Webhook deliveries already recorded, so that a replayed delivery is refused."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotgate.store.cutting import fit
from hotgate.store.records import now, utc
from hotgate.store.tables import webhook_deliveries


class DeliveryReplayError(Exception):
    """The delivery was received before (its id, or its exact signed body); nothing is recorded."""


def note_delivery(
    session: Session,
    tracker: str,
    delivery_id: str | None,
    body: bytes,
    subject_key: str | None = None,
) -> None:
    """Keep a delivery by its id and body digest; DeliveryReplayError if either was seen.

    The body's digest counts too because the trackers sign the body, not the delivery id:
    a captured delivery sent again under a new id is still the same signed body. The row is
    written in the caller's transaction, and the table's unique keys refuse a replay that
    races this check (the caller turns that IntegrityError into the same answer).
    """
    digest = hashlib.sha256(body).hexdigest()
    delivery = fit(delivery_id.strip(), 200) if delivery_id and delivery_id.strip() else None
    same = webhook_deliveries.c.body_sha256 == digest
    if delivery is not None:
        same = or_(same, webhook_deliveries.c.delivery_id == delivery)
    seen = session.execute(
        select(webhook_deliveries.c.delivery_id, webhook_deliveries.c.received_at)
        .where(webhook_deliveries.c.tracker == tracker, same)
        .limit(1)
    ).first()
    if seen is not None:
        raise DeliveryReplayError(replay_message(tracker, seen[0] or delivery, seen[1]))
    session.execute(
        webhook_deliveries.insert().values(
            tracker=tracker,
            delivery_id=delivery,
            body_sha256=digest,
            subject_key=subject_key,
            received_at=now(),
        )
    )


def replay_message(tracker: str, delivery_id: str | None, at: datetime | None) -> str:
    """Why a replayed delivery is refused, in one line."""
    which = f"delivery {delivery_id}" if delivery_id else "this delivery"
    when = f" at {utc(at):%Y-%m-%d %H:%M:%S} UTC" if at is not None else ""
    return f"the {tracker} {which} was already received{when}; nothing was recorded again"
