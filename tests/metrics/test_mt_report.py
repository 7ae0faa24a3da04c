"""The monthly MT report: highlights on the known October, every file format
(the PDF's first page rendered to an image), e-mail to the MT list exactly
once, and the command's bad input."""

import io

import openpyxl
import pypdfium2
import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from taggit.models import Tag

from metrics.models import ReportDelivery
from metrics.report import monthly_report, report_csv, report_pdf, report_xlsx
from metrics.selectors import Period
from profiles.models import Endorsement
from tests.factories import CommentFactory
from tests.metrics.insights_fixture import build_organisation, noon

pytestmark = pytest.mark.django_db
OCTOBER = Period.month(2026, 10)


@pytest.fixture
def organisation(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    return build_organisation()


def test_highlights_quote_only_open_groups(organisation):
    people, groups = organisation.people, organisation.groups
    open_post = people["s1"].posts.get(group=groups["open"], created_at=noon(10, 5))
    secret_post = people["l1"].posts.get(group=groups["secret"])
    for who in ("s2", "s3"):
        CommentFactory(post=open_post, author=people[who], created_at=noon(10, 6))
    for _n in range(3):
        CommentFactory(post=secret_post, author=people["l2"], created_at=noon(10, 11))
    CommentFactory(post=open_post, author=people["s4"], created_at=noon(11, 2))  # November
    cloud = Tag.objects.create(name="Cloud", slug="cloud-skill")
    for who in ("s2", "s3"):
        Endorsement.objects.create(
            endorser=people[who], endorsed=people["s1"], tag=cloud, created_at=noon(10, 7)
        )
    report = monthly_report(OCTOBER)
    assert [(p.post_id, p.group, p.comments) for p in report.discussed] == [
        (open_post.pk, "Open", 2)
    ]
    assert [(e.name, e.tag, e.endorsements) for e in report.experts] == [
        (people["s1"].profile.display_name, "Cloud", 2)
    ]
    assert report.best_campaign.label == "Autumn"


def test_pdf_pages_render_and_xlsx_opens(organisation):
    report = monthly_report(OCTOBER)
    document = pypdfium2.PdfDocument(report_pdf(report))
    assert len(document) >= 2
    image = document[0].render(scale=0.5).to_pil().convert("L")
    darkest, lightest = image.getextrema()
    assert lightest == 255 and darkest < 100  # a white page with text on it
    book = openpyxl.load_workbook(io.BytesIO(report_xlsx(report)))
    assert "Summary" in book.sheetnames and "Top groups" in book.sheetnames
    departments = list(book["Departments"].iter_rows(values_only=True))
    assert [row[0] for row in departments[2:]] == ["Sales", "Managers and MT", "Everyone"]
    lines = report_csv(report).splitlines()
    assert lines[0] == "month,table,row,column,value"
    assert "2026-10,groups,Open,Posts,3" in lines
    assert not any("Secret" in line or "Legal" in line for line in lines)


def test_command_writes_every_format(organisation, tmp_path):
    call_command("mt_report", "--month", "2026-10", "--output", str(tmp_path), verbosity=0)
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == [f"buzz-mt-report-2026-10.{fmt}" for fmt in ("csv", "html", "pdf", "xlsx")]
    assert (tmp_path / "buzz-mt-report-2026-10.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("month", ["2026-13", "last", "2999-01"])
def test_command_refuses_a_bad_month(organisation, month, tmp_path):
    with pytest.raises(CommandError):
        call_command("mt_report", "--month", month, "--output", str(tmp_path))


def test_email_goes_to_the_mt_members_once(organisation, settings):
    settings.BUZZ_MT_REPORT_TO = []
    call_command("mt_report", "--month", "2026-10", "--output", "-", "--email", "--once")
    call_command("mt_report", "--month", "2026-10", "--output", "-", "--email", "--once")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    people = organisation.people
    assert sorted(message.to) == sorted([people["l1"].email, people["l2"].email])
    assert "October 2026" in message.subject
    assert [name for name, _content, _type in message.attachments] == [
        "buzz-mt-report-2026-10.pdf",
        "buzz-mt-report-2026-10.xlsx",
    ]
    assert ReportDelivery.objects.get().recipients == 2


def test_email_to_the_configured_list_and_nobody_is_an_error(organisation, settings):
    settings.BUZZ_MT_REPORT_TO = ["mt@buzz.example"]
    call_command("mt_report", "--month", "2026-10", "--output", "-", "--email")
    assert mail.outbox[-1].to == ["mt@buzz.example"]
    settings.BUZZ_MT_REPORT_TO = []
    for name in ("l1", "l2"):
        organisation.people[name].profile.is_mt_member = False
        organisation.people[name].profile.save()
    with pytest.raises(CommandError, match="Nobody to send it to"):
        call_command("mt_report", "--month", "2026-10", "--output", "-", "--email")


def test_a_failed_send_is_retried_next_time(organisation, settings, monkeypatch):
    settings.BUZZ_MT_REPORT_TO = ["mt@buzz.example"]

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    with pytest.raises(ConnectionRefusedError):
        call_command("mt_report", "--month", "2026-10", "--output", "-", "--email", "--once")
    assert not ReportDelivery.objects.exists()
    monkeypatch.undo()
    call_command("mt_report", "--month", "2026-10", "--output", "-", "--email", "--once")
    assert len(mail.outbox) == 1
