"""The school facts in the reports' templates, without their views knowing about facts:
`{% school_fact_checks assessment %}` in the school report. (The dashboard's distributions of key
facts are among its cached parts: `reports.dashboard`.)"""

from django import template

from .. import facts

register = template.Library()


@register.inclusion_tag("reports/_school_fact_checks.html")
def school_fact_checks(assessment):
    """`assessment` comes with the report's context (campaign, framework and school loaded)."""
    return facts.school_fact_report(assessment=assessment)
