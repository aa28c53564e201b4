"""`{% dashboard_block %}…{% enddashboard_block %}`: the dashboard's content, rendered once per key
of everything it shows (`reports.dashboard.Block`, the view's `dashboard_block`). Without a
`dashboard_block` in the context the content renders as any template does.

The line break and indentation between `{% dashboard_block %}` and the content, and between the
content and `{% enddashboard_block %}`, are left out: the tags' own lines stand in for them, so
wrapping markup in the tags leaves the page as it was."""

from __future__ import annotations

from django import template

register = template.Library()


class DashboardBlockNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context) -> str:
        block = context.get("dashboard_block")
        if block is None:
            return self.nodelist.render(context)
        return block.render(self, context)


@register.tag("dashboard_block")
def dashboard_block(parser, token) -> DashboardBlockNode:
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% dashboard_block %} takes no arguments")
    nodelist = parser.parse(("enddashboard_block",))
    parser.delete_first_token()
    if nodelist and isinstance(nodelist[0], template.base.TextNode):
        nodelist[0].s = nodelist[0].s.lstrip()
    if nodelist and isinstance(nodelist[-1], template.base.TextNode):
        nodelist[-1].s = nodelist[-1].s.rstrip()
    return DashboardBlockNode(nodelist)
