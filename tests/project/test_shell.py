"""The page shell (templates/base.html): its head, navbar and footer come from a cache keyed by what
they show (smartcampus/shell.py). A page reads the same with the cache cold and warm, each user,
language and page gets its own navbar, every change the navbar shows is on the next page, and each
response carries its own session's CSRF token in every place that posts."""

from __future__ import annotations

import re

import pytest
from django.template import Template, TemplateSyntaxError, engines
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from assessments.models import Membership, Role
from assessments.services.notifications import notify
from smartcampus import shell
from tests.factories import MembershipFactory, UserFactory

TOKENS = re.compile(r'(name="csrfmiddlewaretoken" value=")(\w+)|("X-CSRFToken": ")(\w+)')
LANGUAGE_FORM = re.compile(
    r'<form action="/i18n/setlang/".*?value="(\w+)">\s*<input name="next" type="hidden" value="([^"]*)"', re.S
)
LOGOUT_FORM = re.compile(
    r'<form method="post" action="/accounts/logout/">\s*'
    r'<input type="hidden" name="csrfmiddlewaretoken" value="(\w+)">'
)
UNREAD = re.compile(r'data-testid="unread"[^>]*>(\d+)<')
BODY_TOKEN = re.compile(r'<body hx-headers=\'\{"X-CSRFToken": "(\w+)"\}\'')


def masked(html: str) -> str:
    return TOKENS.sub(lambda m: (m.group(1) or m.group(3)) + "TOKEN", html)


def page(client: Client, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def navbar(html: str) -> str:
    return html[html.index("<nav ") : html.index("</nav>")]


def in_english(text: str) -> str:
    with translation.override("en"):
        return translation.gettext(text)


@pytest.fixture
def client_in(world):
    def make(role: str, language: str = "zh-hans") -> Client:
        client = Client()
        client.cookies["django_language"] = language
        if role != "anonymous":
            client.force_login(world.users[role])
        return client

    return make


PAGES = {
    "cio": ["/", "assessments:assessment-list", "indicators:framework-list", "assessments:notification-list"],
    "reviewer": ["/", "assessments:review-queue", "assessments:school-list"],
    "commission": ["/", "assessments:campaign-list", "accounts:user-list", "accounts:password-change"],
    "anonymous": ["login"],
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_read_the_same_with_the_shell_cached_and_not(world, client_in, language):
    roleless = UserFactory(username="nobody", first_name="")
    world.users["nobody"] = roleless
    pages = {**PAGES, "nobody": ["/", "api-token"]}
    cold, warm = {}, {}
    for role, names in pages.items():
        client = client_in(role, language)
        for name in names:
            path = name if name.startswith("/") else reverse(name)
            shell.clear()
            cold[role, path] = masked(page(client, path))
            warm[role, path] = masked(page(client, path))
    assert warm == cold
    # the pieces are the page's: the nobody's name is their username, the anonymous get no navbar
    assert ">nobody</span>" in warm["nobody", "/"]
    assert "dropdown-toggle" not in warm["anonymous", reverse("login")]
    assert f'<html lang="{"zh-CN" if language == "zh-hans" else "en"}">' in warm["cio", "/"]


def test_users_languages_and_pages_each_get_their_own_navbar(world, client_in):
    cio, reviewer = client_in("cio"), client_in("reviewer")
    cio_home, reviewer_home = page(cio), page(reviewer)
    assert world.users["cio"].first_name in navbar(cio_home)
    assert world.users["reviewer"].first_name in navbar(reviewer_home)
    assert world.users["cio"].first_name not in navbar(reviewer_home)
    assert reverse("assessments:review-queue") in navbar(reviewer_home)
    assert reverse("assessments:review-queue") not in navbar(cio_home)

    english = page(client_in("cio", "en"))
    assert in_english("修改密码") in navbar(english) and "修改密码" not in navbar(english)
    assert "修改密码" in navbar(page(cio))

    framework_list = reverse("indicators:framework-list")
    active = re.compile(r'<a class="nav-link active"\s+href="([^"]+)"')
    assert active.findall(page(cio)) == [reverse("home")]
    assert active.findall(page(cio, framework_list)) == [framework_list]
    assert active.findall(page(cio)) == [reverse("home")]
    notifications = page(cio, reverse("assessments:notification-list"))
    assert "nav-link position-relative active" in notifications
    assert "nav-link position-relative active" not in page(cio)


def test_the_next_page_shows_every_change_of_the_navbar(world, client_in, client_for):
    user = world.users["cio"]
    client = client_in("cio")
    before = navbar(page(client))
    assert 'data-testid="unread-none"' in before and "管理后台" not in before

    MembershipFactory(user=user, role=Role.REVIEWER, region=world.district_a2)
    assert world.district_a2.name in navbar(page(client))
    Membership.objects.filter(user=user, region=world.district_a2).delete()
    assert world.district_a2.name not in navbar(page(client))

    notify(user_ids=[user.pk], kind="returned", title="退回")
    assert UNREAD.findall(navbar(page(client))) == ["1"]
    notify(user_ids=[user.pk], kind="returned", title="又退回")
    assert UNREAD.findall(navbar(page(client))) == ["2"]

    user.first_name = "改名后的李老师"
    user.save(update_fields=["first_name"])
    assert ">改名后的李老师</span>" in navbar(page(client))

    user.is_staff = True
    user.save(update_fields=["is_staff"])
    assert "管理后台" in navbar(page(client))

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert in_english("修改密码") in navbar(page(client))


def test_every_csrf_token_posts_and_belongs_to_its_session(world):
    clients = {}
    for role in ("cio", "reviewer"):
        clients[role] = Client(enforce_csrf_checks=True)
        clients[role].force_login(world.users[role])
    html = {role: page(c, "/?tab=a&b=%22x%22") for role, c in clients.items()}
    again = page(clients["reviewer"], "/?tab=a&b=%22x%22")  # the navbar and footer from the cache
    tokens = {}
    for role, text in (*html.items(), ("again", again)):
        language_token, next_path = LANGUAGE_FORM.search(text).groups()
        assert next_path == "/?tab=a&amp;b=%22x%22"
        tokens[role] = (BODY_TOKEN.search(text)[1], LOGOUT_FORM.search(text)[1], language_token)
    # one token per response, in all three places; another response, another (masked) token
    assert all(len(set(ts)) == 1 for ts in tokens.values())
    assert len({ts[0] for ts in tokens.values()}) == 3

    cio = clients["cio"]
    body, logout, language = tokens["cio"]
    # another session's token is refused
    foreign = cio.post(
        reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": tokens["reviewer"][2]}
    )
    assert foreign.status_code == 403
    assert (
        cio.post(
            reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": language}
        ).status_code
        == 302
    )
    assert (
        cio.post(
            reverse("set_language"), {"language": "zh-hans", "next": "/"}, headers={"X-CSRFToken": body}
        ).status_code
        == 302
    )
    assert cio.post(reverse("logout"), {"csrfmiddlewaretoken": logout}).status_code == 302
    assert cio.get("/").status_code == 302  # signed out: the login page

    reviewer = clients["reviewer"]
    assert reviewer.post(reverse("logout"), {"csrfmiddlewaretoken": tokens["again"][1]}).status_code == 302


def test_the_language_form_returns_to_each_page_its_own_path(world, client_in):
    client = client_in("commission")
    for path in ("/", "/?page=2&x=1", reverse("assessments:campaign-list") + "?q=a'b"):
        response = client.get(path)
        expected = escape(response.wsgi_request.get_full_path())
        assert LANGUAGE_FORM.search(response.content.decode())[2] == expected


def test_a_piece_holds_no_block():
    with pytest.raises(TemplateSyntaxError):
        Template('{% load shell %}{% shell_piece "head" %}{% block x %}{% endblock %}{% endshell_piece %}')
    with pytest.raises(TemplateSyntaxError):
        Template('{% load shell %}{% shell_piece "sidebar" %}{% endshell_piece %}')


def test_rendered_without_a_request_the_shell_has_no_navbar_and_no_token(db):
    template = engines["django"].from_string('{% extends "base.html" %}')
    shell.clear()
    html = template.render({})
    assert html == template.render({})
    assert "csrfmiddlewaretoken" not in html and "dropdown-toggle" not in html
    assert '<input name="next" type="hidden" value="">' in html
