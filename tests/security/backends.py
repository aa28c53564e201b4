"""An authentication backend for the test settings only (see smartcampus/settings/test.py)."""

from axes.backends import AxesStandaloneBackend


class AxesTestClientBackend(AxesStandaloneBackend):
    """django-axes' lockout check, skipped for `Client.login()`, which authenticates without a request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
