from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bounds import validate_single_line


class Transition(models.Model):
    """One change of state of a business record: who, when, from, to, why. Never edited."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    field = models.CharField(_("what changed"), max_length=40)
    from_state = models.CharField(_("from"), max_length=60, blank=True)
    to_state = models.CharField(_("to"), max_length=60)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("state transition")
        verbose_name_plural = _("state transitions")
        indexes = [models.Index(fields=["content_type", "object_id", "-at"], name="transition_subject")]

    def __str__(self) -> str:
        return f"{self.content_type.model} {self.object_id}: {self.field} {self.from_state} → {self.to_state}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("A transition record is immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A transition record is immutable.")


class StoredFile(models.Model):
    """A file someone uploaded: its server-chosen name is the `file` field of the subclass (each
    chooses its folder); the uploader's file name is kept only as data. Removing a file keeps the
    record (`removed_at`)."""

    original_name = models.CharField(_("file name"), max_length=255, validators=[validate_single_line])
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


def document_path(instance: "Document", filename: str) -> str:
    return f"documents/{instance.kind.replace('.', '/')}/{instance.object_id}/{instance.pk}-{filename}"


class Document(models.Model):
    """A file rendered from a business record off the request path (a PDF), kept with the
    SHA-256 of its content. `kind` names the renderer registered for it (`core.documents`)."""

    kind = models.CharField(_("kind"), max_length=60)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    status = models.CharField(
        _("status"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED
    )
    file = models.FileField(_("file"), upload_to=document_path, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    version = models.CharField(
        _("content version"), max_length=64, blank=True, help_text=_("Empty: the subject could still change.")
    )
    error = models.CharField(_("error"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(
                fields=["kind", "content_type", "object_id", "-requested_at"], name="document_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.get_status_display()})"

    @property
    def is_ready(self) -> bool:
        return self.status == DocumentStatus.READY

    @property
    def is_pending(self) -> bool:
        return self.status in (DocumentStatus.QUEUED, DocumentStatus.RENDERING)


class SubmitClaim(models.Model):
    """A create form's one-time token, claimed by the request that saved it, with where that
    request led: a repeat of the same form (a double click, a resend) is sent there
    (`core.submits`). Not a business record: claims past the token's lifetime are purged."""

    token = models.CharField(_("token"), max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField(_("claimed"), default=timezone.now, db_index=True)
    result_url = models.CharField(_("result"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("submitted form")
        verbose_name_plural = _("submitted forms")
        constraints = [models.UniqueConstraint(fields=["user", "token"], name="submit_claim_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.result_url}"


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutgoingEmail(models.Model):
    """One e-mail written by the app (a notice, an invitation, a sign-in code), kept until the mail
    server has taken it (`core.outbox`). It is written in the transaction that caused it, so a
    broker or mail-server outage loses nothing; a Celery task claims it (pending → sending) and
    hands it over. A refusal or time-out puts it back with a growing delay, and after the last
    attempt it stays `failed` with the error for an administrator. Once sent, its text is dropped
    (it may hold a one-time link): subject, recipients and dates remain."""

    subject = models.CharField(_("subject"), max_length=998, validators=[validate_single_line])
    recipients = models.TextField(_("recipients"))
    message = models.JSONField(_("message"), default=dict, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outgoing_email_due")]

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_status_display()})"
