"""The navigation bar, computed in one place: which links a user gets follows from their scope
(`assessments.selectors.user_can`), never from role tests in templates."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.urls import get_script_prefix, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assessments.scoping import Action, get_scope
from assessments.selectors import account_menu, user_can


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str
    active: bool


@dataclass(frozen=True)
class Navigation:
    links: tuple[NavLink, ...]
    has_scope: bool  # the user has at least one role somewhere (else: "ask for a role")
    manages: bool  # commission staff (the home page's "管辖地区")


@functools.lru_cache(maxsize=64)
def _url(name: str, prefix: str) -> str:
    return reverse(name)


def _link(name: str, label, current: str, *prefixes: str) -> NavLink:
    # the links take no arguments: reversed once per process (and script prefix)
    url = _url(name, get_script_prefix())
    return NavLink(url, str(label), any(current.startswith(p) for p in prefixes or (name,)))


# the abilities the links follow from, in `_links`'s argument order
ABILITIES = (
    Action.VIEW,
    Action.EDIT,
    Action.REVIEW,
    Action.RECHECK,
    Action.RECTIFY,
    Action.VERIFY,
    Action.INSPECT,
    Action.MANAGE,
)


@functools.lru_cache(maxsize=1024)
def _links(
    language: str,
    prefix: str,
    current: str,
    own_only: bool,
    view: bool,
    edit: bool,
    review: bool,
    recheck: bool,
    rectify: bool,
    verify: bool,
    inspect: bool,
    manage: bool,
) -> tuple[NavLink, ...]:
    """The links for these abilities on the page `current`: the same for every user with the same
    abilities, so built once per language (labels) and script prefix (URLs), both in the key."""
    links = [
        _link("home", _("工作台"), current, "home"),
        _link("indicators:framework-list", _("指标体系"), current, "indicators:"),
    ]
    if view:
        links += [
            _link(
                "assessments:assessment-list",
                _("我的自评") if edit else _("学校自评"),
                current,
                "assessments:assessment-",
            ),
            _link("assessments:campaign-list", _("自评活动"), current, "assessments:campaign-"),
            _link("reports:dashboard", _("统计报表"), current, "reports:"),
            _link("classrooms:overview", _("智慧教室"), current, "classrooms:"),
        ]
    if review:
        links.append(_link("assessments:review-queue", _("评审"), current, "assessments:review-"))
    if recheck:
        links.append(_link("assessments:recheck-list", _("市级复核"), current, "assessments:recheck"))
    if rectify:
        links.append(_link("rectification:due-list", _("整改清单"), current, "rectification:"))
    elif verify:
        links.append(_link("rectification:review-queue", _("整改审核"), current, "rectification:"))
    if inspect:
        links.append(_link("inspections:visit-list", _("现场核验"), current, "inspections:visit-"))
    if view:
        links.append(
            _link("inspections:publication-list", _("结果公示"), current, "inspections:publication-")
        )
    links.append(
        _link("assessments:school-list", _("本校") if own_only else _("学校"), current, "assessments:school-")
    )
    if manage:
        links += [
            _link("assessments:region-list", _("地区"), current, "assessments:region-"),
            _link("assessments:import-index", _("批量导入"), current, "assessments:import-"),
            _link("accounts:user-list", _("用户"), current, "accounts:user-"),
        ]
    return tuple(links)


def navigation(request) -> dict:
    """Context processor: `nav` for signed-in users, None otherwise; `account` (the navbar's roles
    and unread count) is read only when a template uses it, so fragments rendered with the request
    do not pay for it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": None, "account": None}
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    can = [user_can(user=user, action=action) for action in ABILITIES]
    own_only = get_scope(user).own_schools_only
    links = _links(get_language(), get_script_prefix(), current, own_only, *can)
    has_scope, manages = can[0], can[-1]
    return {
        "nav": Navigation(links=links, has_scope=has_scope, manages=manages),
        "account": SimpleLazyObject(lambda: account_menu(user=user)),
    }
