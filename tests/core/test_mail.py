"""E-mails are plain text: a subject keeps its quotes and ampersands (no `&quot;`) and is one line."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from core.mail import render_subject, send_templated_mail

HOSTILE = 'Ministry "Digital" & <Affairs>\nBcc: x@example.org'
SUBJECTS = sorted(
    str(path.relative_to(Path(settings.BASE_DIR) / "templates")).removesuffix("_subject.txt")
    for path in (Path(settings.BASE_DIR) / "templates").glob("*/email/*_subject.txt")
)


class Hostile:
    """Any value a template reads: every attribute, item and call gives it again."""

    def __getattr__(self, name: str) -> "Hostile":
        return self

    def __getitem__(self, key) -> "Hostile":
        return self

    def __call__(self) -> "Hostile":
        return self

    def __iter__(self):  # a list a body loops over: empty
        return iter(())

    def __len__(self) -> int:
        return 0

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return HOSTILE


class EveryName(dict):
    """A template context in which every name is `Hostile`."""

    def __contains__(self, key) -> bool:
        return True

    def __missing__(self, key) -> Hostile:
        return Hostile()


def test_every_mail_template_has_a_subject_test():
    assert len(SUBJECTS) >= 8 and "audits/email/plan_sent" in SUBJECTS


@pytest.mark.parametrize("template", SUBJECTS)
def test_a_subject_is_plain_text_on_one_line(template):
    # the subject alone: a body may format a date, which a hostile value cannot be
    subject = render_subject(template, EveryName())
    assert 'Ministry "Digital" & <Affairs> Bcc: x@example.org' in subject, subject
    assert "&quot;" not in subject and "&amp;" not in subject and "\n" not in subject


def test_a_plain_body_is_not_escaped():
    send_templated_mail(to=["qm@example.org"], template="audits/email/plan_sent", context=EveryName())
    assert 'Ministry "Digital" & <Affairs>' in mail.outbox[-1].body
