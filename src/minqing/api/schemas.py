"""Success shapes of the case endpoints for the OpenAPI document: the fields every answer
carries, typed; the answers hold more (``extra="allow"``: the serializers in
``serializers.py`` are the reference), which the document shows as additional properties."""

from pydantic import BaseModel, ConfigDict


class Open(BaseModel):  # pydantic's own model: ninja's Schema would drop the extra fields
    model_config = ConfigDict(extra="allow")


class CaseOut(Open):
    id: int
    tracking_code: str
    state: str
    channel: str
    kind: str
    text: str
    version: int
    registered_at: str | None


class EventOut(Open):
    action: str
    to_state: str
    at: str | None


class CaseDetailOut(CaseOut):
    events: list[EventOut]
    available_actions: list[str]


class CasePage(Open):
    count: int
    page: int
    page_size: int
    results: list[CaseOut]


class Listing(Open):
    """A list answer: how many there are in all, and this page's items."""

    count: int
    results: list[dict]
