from .scoping import get_scope


def user_scope(request) -> dict:
    """Exposes the signed-in user's roles to templates, for the per-role navigation."""
    user = getattr(request, "user", None)
    scope = get_scope(user)
    return {"scope": scope, "user_roles": scope.roles}
