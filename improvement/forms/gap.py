import codecs
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedForm, SubmitOnceForm
from improvement.enums import AnswerStatus
from improvement.gap_rules import NA_NEEDS_JUSTIFICATION, lacks_justification
from improvement.models import GapAnalysis, GapAnswer
from improvement.selectors.gap import GapFilter
from organisations.models import Organisation, User
from standards.models import Edition

ZIP_BASED = {"docx", "xlsx", "pptx", "odt", "ods", "odp"}
SIGNATURES = {"pdf": b"%PDF-", "png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff"}


class EditionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, edition: Edition) -> str:
        kind = _("certifiable") if edition.certifiable else edition.get_kind_display().lower()
        withdrawn = _(", withdrawn") if edition.is_withdrawn else ""
        return f"{edition.label} — {edition.title} ({kind}{withdrawn})"


class GapAnalysisStartForm(BoundedForm, SubmitOnceForm, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    editions = EditionChoiceField(
        label=_("Editions"),
        queryset=Edition.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Choose several for an integrated analysis: shared Harmonized Structure clauses are "
            "answered once and count for every edition."
        ),
    )
    sites = forms.ModelMultipleChoiceField(
        label=_("Sites"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for the whole organisation."),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["editions"].queryset = Edition.objects.select_related("standard").exclude(
            status="withdrawn"
        )
        self.fields["sites"].queryset = organisation.sites.filter(is_active=True)


class GapAnswerForm(BoundedForm, forms.ModelForm):
    """One answer. Building the form runs no query.

    Always built with `core.forms.edit_form`: it validates over a copy of the answer, and the view
    passes the typed `cleaned_data` to `gap_answer_save`, which changes the record itself. Its
    actions are raised with `GapActionRaiseForm` and live in the register.
    """

    class Meta:
        model = GapAnswer
        fields = ["status", "justification", "notes"]
        help_texts = {
            "justification": _("Needed when the requirement does not apply: say why."),
            "notes": _("Where the evidence is: documents, records, people. Files go below."),
        }
        widgets = {
            "status": forms.RadioSelect(attrs={"class": "form-check-input"}),
            "justification": forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
            "notes": forms.Textarea(attrs={"rows": 3, "class": "form-control form-control-sm"}),
        }

    def clean(self) -> dict:
        data = super().clean()
        if lacks_justification(data.get("status", ""), data.get("justification", "")):
            self.add_error("justification", NA_NEEDS_JUSTIFICATION)
        return data


class GapActionRaiseForm(BoundedForm, SubmitOnceForm, forms.Form):
    """An action raised from an answer into the register. The owners are the organisation's
    quality managers and contributors, passed in, so building the form runs no query."""

    title = forms.CharField(
        label=_("Action"),
        max_length=200,
        help_text=_("What is to be done to close the gap, in one line."),
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)
    due_on = forms.DateField(
        label=_("Due on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )

    def __init__(self, *args, owners: dict[int, User], **kwargs):
        super().__init__(*args, **kwargs)
        self.owners = owners
        self.fields["owner"].choices = [("", "—"), *((pk, str(user)) for pk, user in owners.items())]
        self.fields["owner"].widget.attrs["class"] = "form-select form-select-sm"

    def clean_owner(self) -> User:
        return self.owners[self.cleaned_data["owner"]]


class GapFilterForm(BoundedForm, forms.Form):
    """The page's filter, from the query string: an unknown value shows everything and says so."""

    show = forms.ChoiceField(
        choices=GapFilter.choices,
        required=False,
        error_messages={"invalid_choice": _("There is no such filter; all clauses are shown.")},
    )

    def chosen(self) -> GapFilter:
        valid = self.is_valid() and self.cleaned_data["show"]
        return GapFilter(self.cleaned_data["show"]) if valid else GapFilter.ALL


class GapNextForm(GapFilterForm):
    """Where "next unanswered clause" starts from: after this answer, or from the top."""

    after = forms.IntegerField(required=False, min_value=1)


class EvidenceUploadForm(BoundedForm, SubmitOnceForm, forms.Form):
    file = forms.FileField(label=_("Evidence file"))

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        extension = Path(upload.name).suffix.lower().lstrip(".")
        allowed = settings.EVIDENCE_EXTENSIONS
        if extension not in allowed:
            raise forms.ValidationError(
                _("Files of this type are not accepted. Accepted: %(types)s.") % {"types": ", ".join(allowed)}
            )
        if upload.size > settings.EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s.") % {"max": filesizeformat(settings.EVIDENCE_MAX_BYTES)}
            )
        if not _content_matches(upload, extension):
            raise forms.ValidationError(
                _("The file's content does not match its type (.%(ext)s).") % {"ext": extension}
            )
        return upload


def _content_matches(upload: UploadedFile, extension: str) -> bool:
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if extension in SIGNATURES:
        return head.startswith(SIGNATURES[extension])
    if extension in ZIP_BASED:
        return head.startswith(b"PK\x03\x04")
    try:  # incremental: the 8 KiB cut may split a character
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


class GapCopyForm(BoundedForm, SubmitOnceForm, forms.Form):
    title = forms.CharField(
        label=_("Title of the copy"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )


class GapShareForm(BoundedForm, forms.Form):
    shared = forms.TypedChoiceField(
        label=_("Share with our certification body"),
        choices=[("on", _("Share")), ("off", _("Stop sharing"))],
        coerce=lambda value: value == "on",
        error_messages={
            "required": _("Say whether to share the analysis with the certification body."),
            "invalid_choice": _("Say whether to share the analysis with the certification body."),
        },
    )


class GapCompareForm(BoundedForm, forms.Form):
    """Which analysis to compare with: one of those over the same editions."""

    def __init__(self, *args, comparable: list[GapAnalysis], **kwargs):
        super().__init__(*args, **kwargs)
        self.comparable = {analysis.pk: analysis for analysis in comparable}
        self.fields["with"] = forms.TypedChoiceField(
            label=_("with the analysis"),
            choices=[
                (a.pk, f"{a.title} ({date_format(localtime(a.created_at), 'SHORT_DATE_FORMAT')})")
                for a in comparable
            ],
            coerce=int,
            widget=forms.Select(attrs={"class": "form-select"}),
            error_messages={"invalid_choice": _("Choose one of the analyses of the same editions.")},
        )

    def chosen(self) -> GapAnalysis | None:
        return self.comparable[self.cleaned_data["with"]] if self.is_valid() else None


class GapBulkStatusForm(BoundedForm, forms.Form):
    """Several answers set to one status at once: the rows ticked on the analysis page."""

    answers = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={
            "required": _("Select the clauses to answer first."),
            "invalid_choice": _("A clause selected is not in this analysis; reload the page."),
        },
    )
    status = forms.ChoiceField(
        label=_("Set the selected clauses to"),
        choices=AnswerStatus.choices,
        error_messages={"required": _("Choose the status to set."), "invalid_choice": _("Choose a status.")},
    )

    def __init__(self, *args, analysis: GapAnalysis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answers"].choices = [(pk, pk) for pk in analysis.answers.values_list("pk", flat=True)]


GAP_IMPORT_MAX_BYTES = 2 * 1024 * 1024  # an analysis of 500 clauses with long notes is about 200 KB


class GapImportForm(BoundedForm, forms.Form):
    file = forms.FileField(
        label=_("The analysis's spreadsheet (.xlsx)"),
        help_text=_(
            "Download it from this analysis, fill in the status, justification and notes, and upload it."
        ),
    )

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() != ".xlsx":
            raise forms.ValidationError(_("Upload the .xlsx file downloaded from this analysis."))
        if upload.size > GAP_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(max)s.") % {"max": filesizeformat(GAP_IMPORT_MAX_BYTES)}
            )
        return upload
