from django.conf import settings


def accounts(request) -> dict:
    """`password_reset_by_email`: whether the login and lockout pages offer the e-mailed reset link."""
    return {"password_reset_by_email": settings.PASSWORD_RESET_BY_EMAIL}
