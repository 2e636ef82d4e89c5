"""`{% audit_documents audit plan report as offered %}`: which PDFs the audit page offers."""

from django import template

from audits.selectors.documents import audit_documents as offered_documents

register = template.Library()


@register.simple_tag(takes_context=True)
def audit_documents(context, audit, plan, report) -> dict:
    return offered_documents(context["request"].user, audit, plan, report)
