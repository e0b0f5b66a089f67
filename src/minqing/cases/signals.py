"""Signals other apps listen to, sent inside the transaction that wrote the event.

``event_recorded(sender=Event, event=…, case=…)`` fires for every event the
actions layer appends (registration included). A receiver that writes rows
(a webhook outbox, a search index) writes them in the same transaction, so
they commit or roll back with the transition.
"""

from django.dispatch import Signal

event_recorded = Signal()
