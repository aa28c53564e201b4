"""`{% shell_piece "head" %}…{% endshell_piece %}`: a part of the page shell rendered from a cache keyed
by its content (smartcampus/shell.py). The part's template sees only `shell` (its inputs), `LANG`,
`csrf_token` and `next_path` (the page's full path)."""

from __future__ import annotations

from django import template
from django.template.loader_tags import BlockNode

from smartcampus import shell

register = template.Library()


class ShellPieceNode(template.Node):
    # `{% extends %}` looks for blocks through every node on each render: a piece holds none (checked
    # when parsed), so the search skips it
    child_nodelists = ()

    def __init__(self, name: str, nodelist: template.NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context) -> str:
        return shell.render_piece(self, context)


@register.tag("shell_piece")
def shell_piece(parser, token) -> ShellPieceNode:
    bits = token.split_contents()
    name = bits[1].strip("\"'") if len(bits) == 2 else None
    if name not in shell.INPUTS:
        raise template.TemplateSyntaxError(f"{{% shell_piece %}} takes one of {', '.join(shell.INPUTS)}")
    nodelist = parser.parse(("endshell_piece",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError(
            "a {% shell_piece %} holds no {% block %}: it renders the same on every page"
        )
    return ShellPieceNode(name, nodelist)
