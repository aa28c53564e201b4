"""The school facts in the reports' templates, without their views knowing about facts:
`{% fact_distributions campaign %}` on the dashboard (出口带宽 and 生机比 per district, over the
schools in the user's scope) and `{% school_fact_checks assessment %}` in the school report."""

from django import template

from assessments.selectors import assessment_list

from .. import facts

register = template.Library()


@register.inclusion_tag("reports/_fact_distributions.html", takes_context=True)
def fact_distributions(context, campaign):
    request = context.get("request")
    user = getattr(request, "user", None)
    if campaign is None or user is None or not user.is_authenticated:
        return {"distributions": []}
    assessments = assessment_list(user=user).filter(campaign=campaign)
    return {"distributions": facts.fact_distributions(assessments=assessments)}


@register.inclusion_tag("reports/_school_fact_checks.html")
def school_fact_checks(assessment):
    """`assessment` comes with the report's context (campaign, framework and school loaded)."""
    return facts.school_fact_report(assessment=assessment)
