"""`{% include "core/_document.html" with kind="app.kind" subject=record %}` reads the record's
latest document of the kind through these tags (one query)."""

from django import template

from core import documents
from core.models import Document

register = template.Library()


@register.simple_tag
def latest_document(kind: str, subject) -> Document | None:
    return documents.latest_document(kind, subject.pk)


@register.simple_tag
def document_label(kind: str) -> str:
    return documents.kind_of(kind).label


@register.simple_tag
def document_once(kind: str) -> bool:
    """Whether the kind is rendered once (no "Render again" once it is ready)."""
    return documents.kind_of(kind).once
