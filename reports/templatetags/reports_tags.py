"""`{% report_buttons assessment=… %}` / `{% report_buttons campaign=… %}`: the report request buttons a
page can include without its view knowing about reports. Only buttons the user may use are shown."""

from django import template

from assessments.scoping import Action, get_scope
from rectification.selectors import assessment_has_rectification_items

from .. import selectors

register = template.Library()


@register.inclusion_tag("reports/_request_buttons.html", takes_context=True)
def report_buttons(context, assessment=None, campaign=None):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    if assessment is not None:
        has_items = assessment_has_rectification_items(assessment=assessment)
        return {
            "show": True,
            "assessment": assessment,
            "csrf_token": context.get("csrf_token"),
            # the reviewers make the 整改通知书 once the list is confirmed; whoever views the
            # assessment downloads the newest one
            "may_request_notice": has_items and get_scope(user).can(Action.VERIFY, assessment),
            "notice": selectors.rectification_notice_job(assessment=assessment) if has_items else None,
        }
    districts = list(selectors.report_districts(user=user, campaign=campaign))
    return {
        "show": True,
        "campaign": campaign,
        "districts": districts,
        "city": selectors.report_may_request_city(user=user, campaign=campaign),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("reports/_export_bar.html", takes_context=True)
def report_export_bar(context, campaign):
    """The campaign page's exports in one row: the city workbook and zip, a district's zip (chosen
    from a list), the dashboard and the user's jobs. Only what the user may request is offered."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    districts = list(selectors.report_districts(user=user, campaign=campaign).order_by("path"))
    city = selectors.report_may_request_city(user=user, campaign=campaign)
    return {
        "show": bool(districts or city),
        "campaign": campaign,
        "districts": districts,
        "city": city,
        "csrf_token": context.get("csrf_token"),
    }
