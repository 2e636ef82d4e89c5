"""`{% register_rows page show_body %}`: the register's rows built in Python, as the admin builds
its changelist (50 rows through a template loop, with a translated label per cell for the
stacked phone layout, cost more than the page's queries)."""

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from certificates.enums import CertificateStatus

register = template.Library()


def status_badge(certificate) -> SafeString:
    """A certificate's status (DOMAIN §6.2): only an active one reads as valid."""
    label = certificate.get_status_display()
    if certificate.status == CertificateStatus.ACTIVE:
        return format_html('<span class="badge text-bg-success">{}</span>', label)
    if certificate.status == CertificateStatus.DRAFT:
        return format_html(
            '<span class="badge text-bg-secondary">{}</span> '
            '<span class="small text-body-secondary">{}</span>',
            label,
            _("not issued"),
        )
    return format_html(
        '<span class="badge text-bg-danger">{}</span> <strong class="small text-danger">{}</strong>',
        label,
        _("not valid"),
    )


def _day(value) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else "—"


@register.simple_tag
def register_rows(page, show_body: bool) -> SafeString:
    labels = {
        "holder": _("Holder"),
        "standard": _("Standard"),
        "status": _("Status"),
        "effective": _("Effective"),
        "expires": _("Expires"),
        "body": _("Certification body"),
    }
    row = (
        '<tr><th scope="row"><a href="{}">{}</a></th><td data-label="{}">{}</td><td data-label="{}">{}</td>'
        '<td data-label="{}">{}</td><td data-label="{}">{}</td><td data-label="{}">{}</td>{}</tr>'
    )
    return format_html_join(
        "",
        row,
        (
            (
                certificate.get_absolute_url(),
                certificate.number,
                labels["holder"],
                certificate.holder_name,
                labels["standard"],
                certificate.edition_label or certificate.standard.code,
                labels["status"],
                status_badge(certificate),
                labels["effective"],
                _day(certificate.effective_on),
                labels["expires"],
                _day(certificate.expiry_on),
                format_html(
                    '<td data-label="{}">{}</td>', labels["body"], certificate.certification_body.name
                )
                if show_body
                else "",
            )
            for certificate in page
        ),
    )
