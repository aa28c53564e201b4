"""The login protection's records (django-axes) read in Chinese in the admin."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

ENGLISH = re.compile(
    r"Access|Attempt|IP Address|User Agent|Username|Failed Logins|Path|Locked|Logout|Meta Data|Form Data|"
    r"Expiration|Not set|Remaining|Clean up"
)


@pytest.fixture
def superuser_client(db):
    root = UserFactory(username="root")
    root.is_superuser = root.is_staff = True
    root.save()
    client = Client()
    client.force_login(root)
    return client


def content(response) -> str:
    """The admin page without its scripts and the hidden form plumbing."""
    html = response.content.decode()
    main = html.split('id="content"', 1)[1]
    return re.sub(r"<script.*?</script>|<[^>]+>", " ", main, flags=re.S)


def test_lockout_records_read_in_chinese(world, superuser_client):
    from smartcampus.accounts.models import LoginFailure, LoginLog

    for _ in range(5):
        Client().post(reverse("login"), {"username": "cio", "password": "wrong"}, REMOTE_ADDR="10.0.0.7")
    record = {
        "username": "cio",
        "ip_address": "10.0.0.7",
        "user_agent": "Chromium",
        "path_info": "/accounts/login/",
    }
    LoginFailure.objects.create(locked_out=True, **record)
    LoginLog.objects.create(**record)
    index = content(superuser_client.get(reverse("admin:index")))
    assert "登录失败计数" in index and "登录失败记录" in index and "登录日志" in index
    assert not ENGLISH.search(index), ENGLISH.search(index)
    pages = {
        "loginattempt": ("IP 地址", "连续失败次数", "已锁定", "锁定状态", "清理已过期的失败计数"),
        "loginfailure": ("IP 地址", "浏览器标识", "已锁定"),
        "loginlog": ("退出时间", "用户名"),
    }
    for model, labels in pages.items():
        response = superuser_client.get(reverse(f"admin:accounts_{model}_changelist"))
        assert response.status_code == 200
        text = content(response)
        assert all(label in text for label in labels), (model, labels)
        assert not ENGLISH.search(text), (model, ENGLISH.search(text))
    from smartcampus.accounts.models import LoginAttempt

    attempt = LoginAttempt.objects.get(username="cio")
    detail = content(superuser_client.get(reverse("admin:accounts_loginattempt_change", args=[attempt.pk])))
    assert "cio 自 10.0.0.7 的登录失败" in detail and "表单数据" in detail and "请求信息" in detail
    assert not ENGLISH.search(detail), ENGLISH.search(detail)


def test_the_librarys_english_admin_is_not_registered(superuser_client):
    from axes.models import AccessAttempt
    from django.contrib import admin

    assert not admin.site.is_registered(AccessAttempt)
