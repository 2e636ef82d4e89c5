from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    """The organisation's own management system (DOMAIN §13): what the CB must not do for it."""

    name = "improvement"
    verbose_name = _("Management system")

    def ready(self) -> None:
        from improvement import documents  # noqa: F401  (registers the app's PDFs in core.documents)
