"""The 整改通知书: what a confirmed rectification list asks of a school, as a PDF to sign and stamp.

One page (or a few) from a Django template through WeasyPrint, like the school report: the school,
the campaign, every item of the list (item code and name, the problem, the required action, the due
date, the person responsible once the school has named one) and the review group's signature block.
One query: the items with their nodes.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment
from rectification.selectors import assessment_rectification_items


def rectification_notice_context(*, assessment: Assessment) -> dict:
    """The caller passes the assessment with campaign and school (and its region) loaded."""
    items = list(assessment_rectification_items(assessment=assessment))
    confirmed = min((i.created_at for i in items), default=None)
    return {
        "assessment": assessment,
        "campaign": assessment.campaign,
        "school": assessment.school,
        "district": assessment.school.region,
        "items": items,
        "confirmed_at": timezone.localtime(confirmed) if confirmed else None,
        "generated_at": timezone.localtime(),
        "font_family": settings.REPORTS_CJK_FONT,
    }


def rectification_notice_html(*, assessment: Assessment) -> str:
    return render_to_string(
        "reports/rectification_notice.html", rectification_notice_context(assessment=assessment)
    )


def rectification_notice_pdf(*, assessment: Assessment) -> bytes:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = rectification_notice_html(assessment=assessment)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=FontConfiguration())


def rectification_notice_filename(assessment: Assessment) -> str:
    name = _("%(school)s_%(campaign)s_整改通知书.pdf") % {
        "school": assessment.school.name,
        "campaign": assessment.campaign.title,
    }
    return name.replace("/", "_")
