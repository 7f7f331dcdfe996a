"""Webhooks: the receivers (:mod:`geo.webhooks.registry`), the signature
(:mod:`geo.webhooks.signing`) and the sender that empties the store's durable outbox
(:mod:`geo.webhooks.delivery`), with the periodic check that queues ``report.overdue``.

Events are queued by :func:`geo.store.outbox.enqueue` inside the transaction of the change.
"""
from geo.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "registry": ["Webhooks", "parse_events"],
    "signing": ["SIGNATURE_HEADER", "sign", "verify"],
    "delivery": ["Attempt", "Deliverer", "DeliveryPolicy", "Round", "http_post", "queue_overdue", "start_background"],
})
