"""The fast finding form of the audit team, the findings list's filter, withdrawing a finding.

The team's evidence files go through `improvement.forms.gap.EvidenceUploadForm`: the same types, size
and content check as gap-analysis evidence.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from audits.enums import NC_TYPES, FindingStatus, FindingType, RequirementSource
from audits.selectors.findings import FindingChoices, site_label
from audits.services.findings import WITHDRAW_REASON_MAX, FindingContent
from core import bounds
from core.forms import BoundedForm, SubmitOnceForm
from core.widgets import FastSelect, filtered
from organisations.models import Site
from standards.models import Clause

INVALID_CLAUSE = _("Choose a clause of the audited standards (rule 18).")
INVALID_SITE = _("Choose a site in the programme's scope.")
NC_RULE_17 = {
    "clause": _("A nonconformity names the clause it breaks (rule 17)."),
    "requirement_reference": _("Give the client's document or the legal requirement (rule 17)."),
    "evidence": _("A nonconformity needs its objective evidence (rule 17)."),
    "site": _("Say at which site the nonconformity was found (rule 17)."),
}
INVALID_PACK = _("Choose a readiness pack this client shares with you.")
NC_NEEDS_EDITION = _("Rule 29: tick the standard(s) the nonconformity belongs to.")


class FindingForm(BoundedForm, forms.Form):
    """One finding, as the team types it on site. Built from `FindingChoices` (read once), so
    building and rendering it runs no query; `content()` gives the service what was typed. Its
    clause and site lists are FastSelects: every clause of the audited editions and every site
    of the client (docs/performance.md, "Markup written in Python")."""

    type = forms.ChoiceField(label=_("Type"), widget=forms.RadioSelect(attrs={"class": "btn-check"}))
    source = forms.ChoiceField(
        label=_("Requirement"),
        choices=RequirementSource.choices,
        initial=RequirementSource.CLAUSE,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    clause = forms.TypedChoiceField(
        label=_("Clause"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=FastSelect(attrs={"class": "form-select form-select-lg"}),
        error_messages={"invalid_choice": INVALID_CLAUSE},
        help_text=_("When the requirement is a clause of the audited standards."),
    )
    requirement_reference = forms.CharField(
        label=_("Document or legal reference"),
        required=False,
        max_length=bounds.SHORT_TEXT_MAX,
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg"}),
        help_text=_("For the client's document (with its identifier) or the law and article."),
    )
    editions = forms.TypedMultipleChoiceField(
        label=_("Standards"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("The audited standards the finding belongs to; the clause's own is added."),
    )
    site = forms.TypedChoiceField(
        label=_("Site"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=FastSelect(attrs={"class": "form-select form-select-lg"}),
        error_messages={"invalid_choice": INVALID_SITE},
    )
    process = forms.CharField(
        label=_("Process or department"),
        required=False,
        max_length=bounds.SHORT_TEXT_MAX,
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg"}),
    )
    statement = forms.CharField(
        label=_("Statement"),
        max_length=bounds.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text=_("What is not fulfilled, in one or two sentences. Do not prescribe a solution."),
        error_messages={"required": _("State the finding.")},
    )
    evidence = forms.CharField(
        label=_("Objective evidence"),
        required=False,
        max_length=bounds.LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
        help_text=_("What was seen, where, which record (with its identifier), who was interviewed, when."),
    )
    client_position = forms.CharField(
        label=_("The client's disagreement"),
        required=False,
        max_length=bounds.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("Only when the team and the client do not agree on the finding."),
    )
    readiness_pack = forms.TypedChoiceField(
        label=_("Readiness pack cited"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": INVALID_PACK},
        help_text=_("A readiness pack the client shares with you, when the finding rests on it."),
    )
    then = forms.ChoiceField(
        label=_("After saving"),
        required=False,
        choices=[("", _("Back to the list")), ("another", _("Log another finding"))],
        widget=forms.HiddenInput,
        help_text=_("Set by the button pressed."),
    )

    def __init__(self, *args, choices: FindingChoices, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = choices
        self.fields["type"].choices = choices.types
        self.fields["clause"].choices = [("", _("— no clause —")), *choices.clause_groups]
        self.fields["site"].choices = [("", "—"), *choices.site_groups]
        # long lists: typed into, they narrow (static/js/filter-options.js)
        filtered(self.fields["clause"], _("Find a clause"))
        filtered(self.fields["site"], _("Find a site"))
        if self.shows_editions:
            self.fields["editions"].choices = [(pk, e.label) for pk, e in choices.editions.items()]
        else:
            del self.fields["editions"]
        if len(choices.sites) == 1:
            self.fields["site"].initial = next(iter(choices.sites))
        if choices.packs:
            self.fields["readiness_pack"].choices = [
                ("", _("— none —")),
                *((pk, pack_label(pack)) for pk, pack in choices.packs.items()),
            ]
        else:
            del self.fields["readiness_pack"]

    @property
    def cites_packs(self) -> bool:
        """A stage 1 finding may cite a readiness pack the client shares (DOMAIN §13.5)."""
        return "readiness_pack" in self.fields

    @property
    def shows_editions(self) -> bool:
        """Only an integrated audit asks which standards a finding belongs to (rule 29)."""
        return len(self.choices.editions) > 1

    def clean_clause(self) -> Clause | None:
        pk = self.cleaned_data["clause"]
        return Clause.objects.select_related("edition__standard").get(pk=pk) if pk else None

    def clean_site(self) -> Site | None:
        pk = self.cleaned_data["site"]
        return self.choices.sites[pk] if pk else None

    def clean_readiness_pack(self):
        pk = self.cleaned_data["readiness_pack"]
        return self.choices.packs[pk] if pk else None

    def clean_editions(self) -> tuple:
        return tuple(self.choices.editions[pk] for pk in self.cleaned_data["editions"])

    def clean(self) -> dict:
        data = super().clean()
        if data.get("type") not in NC_TYPES:
            return data
        by_clause = data.get("source") == RequirementSource.CLAUSE
        missing = {
            "clause": by_clause and not data.get("clause"),
            "requirement_reference": not by_clause and not data.get("requirement_reference"),
            "evidence": not data.get("evidence"),
            "site": not data.get("site"),
        }
        for name, is_missing in missing.items():
            if is_missing and "source" in data and name not in self.errors:
                self.add_error(name, NC_RULE_17[name])
        if self.shows_editions and not data.get("editions") and not (by_clause and data.get("clause")):
            self.add_error("editions", NC_NEEDS_EDITION)
        return data

    def full_clean(self) -> None:
        """Bootstrap's red border on the fields in error (Django adds aria-invalid itself)."""
        super().full_clean()
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "btn-check" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def content(self) -> FindingContent:
        data = self.cleaned_data
        return FindingContent(
            type=data["type"],
            statement=data["statement"],
            source=data["source"],
            clause=data["clause"],
            requirement_reference=data["requirement_reference"],
            editions=data.get("editions", ()),
            site=data["site"],
            process=data["process"],
            evidence=data["evidence"],
            client_position=data["client_position"],
            readiness_pack=data.get("readiness_pack"),
        )


def pack_label(pack) -> str:
    shared = (
        _("shared on %(day)s") % {"day": pack.shared_at.date().isoformat()}
        if pack.shared_with_cb and pack.shared_at
        else _("no longer shared")
    )
    return _("Readiness pack for %(edition)s (%(shared)s)") % {
        "edition": pack.edition.label,
        "shared": shared,
    }


class FindingNewForm(SubmitOnceForm, FindingForm):
    """A new finding: saved once, however often the form is sent (`core.submits`)."""


def initial_of(finding) -> dict:
    """A saved finding as the form's initial values."""
    return {
        "type": finding.type,
        "source": finding.source,
        "clause": finding.clause_id,
        "requirement_reference": finding.requirement_reference,
        "editions": list(finding.editions.values_list("pk", flat=True)),
        "site": finding.site_id,
        "process": finding.process,
        "statement": finding.statement,
        "evidence": finding.evidence,
        "client_position": finding.client_position,
        "readiness_pack": finding.readiness_pack_id,
    }


class FindingFilterForm(BoundedForm, forms.Form):
    """The list's filter, from the query string: an unknown value is ignored and said so. Its
    selects are FastSelects: the list shows every finding of an audit (120 at national scale) and
    sits at the benchmark's budget (docs/performance.md, "Markup written in Python")."""

    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All types")), *FindingType.choices],
        widget=FastSelect(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": _("There is no such type; findings of every type are shown.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *FindingStatus.choices],
        widget=FastSelect(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": _("There is no such status; findings in every status are shown.")},
    )
    site = forms.TypedChoiceField(
        label=_("Site"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=FastSelect(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": _("There is no such site here; findings at every site are shown.")},
    )

    def __init__(self, *args, sites: list[Site], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", _("All sites")), *((site.pk, site_label(site)) for site in sites)]

    def chosen(self) -> dict:
        """The valid filters as queryset lookups ({} when none)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        lookups = {"type": data.get("type"), "status": data.get("status"), "site_id": data.get("site")}
        return {key: value for key, value in lookups.items() if value}


class FindingWithdrawForm(BoundedForm, forms.Form):
    reason = forms.CharField(
        label=_("Why is the finding withdrawn?"),
        max_length=WITHDRAW_REASON_MAX,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": _("Say why the finding is withdrawn.")},
    )
