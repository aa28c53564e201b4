"""The one error hierarchy of the domain, and the one way an HTML view answers it.

Services refuse with a `DomainError` of one of three kinds; every answer follows from the kind:

- `Refused`  — the object is outside the acting user's scope for this action → **404**, and the
  answer names nothing (the same as for an object that does not exist);
- `Conflict` — in scope, but the object's state forbids the action (submitted, finalised, a newer
  version…) → **409** with the service's message;
- `Invalid`  — in scope, but the input is wrong or incomplete → **400** with the message and, per
  input field, `fields`;
- `Unavailable` — the action is valid but a service it needs (the task queue) cannot be reached
  now → **503**; the message says to try again later.

`code` is stable for programs (`not_cio`, `deadline`, `incomplete`…). `extra` carries data an
answer adds (the missing items of an incomplete submission); `current` the newer row of a version
conflict, which each API view shapes with its own serializer. The API's exception handler
(`smartcampus.api.exception_handler`) and `error_response` below are the only places that turn
these into HTTP answers. A Django `ValidationError` (from `full_clean()` or a form) counts as invalid.

This module is infrastructure: every app may import it, it imports no app.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


class ErrorKind(enum.StrEnum):
    REFUSED = "refused"
    CONFLICT = "conflict"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"


HTTP_STATUS = {
    ErrorKind.REFUSED: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.INVALID: 400,
    ErrorKind.UNAVAILABLE: 503,
}


class DomainError(Exception):
    """A service's refusal: a message for people (Chinese by default), a stable `code` for programs."""

    kind: ClassVar[ErrorKind]
    default_code: ClassVar[str]

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
        current: Any = None,
    ):
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code
        self.fields = {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()}
        self.extra = extra or {}
        self.current = current

    @property
    def messages(self) -> list[str]:
        """The message, then every field's messages: what a page shows."""
        head = [self.message] if self.message else []
        return head + [m for msgs in self.fields.values() for m in msgs]

    @property
    def status_code(self) -> int:
        return HTTP_STATUS[self.kind]

    @property
    def is_conflict(self) -> bool:
        return self.kind is ErrorKind.CONFLICT

    @property
    def is_invalid(self) -> bool:
        return self.kind is ErrorKind.INVALID


class Refused(DomainError):
    """Outside the acting user's scope for this action: answered as "does not exist"."""

    kind = ErrorKind.REFUSED
    default_code = "not_found"


class Conflict(DomainError):
    """In scope, but the object's current state forbids the action."""

    kind = ErrorKind.CONFLICT
    default_code = "conflict"


class Invalid(DomainError):
    """In scope, but the input is wrong; `fields` says which input, when one is to blame."""

    kind = ErrorKind.INVALID
    default_code = "invalid"

    @classmethod
    def from_validation_error(cls, exc: ValidationError, *, code: str | None = None) -> Invalid:
        """A Django `ValidationError` (a field dict or plain messages) as an `Invalid`."""
        if hasattr(exc, "error_dict"):
            fields = {name: [str(m) for m in errors] for name, errors in exc.message_dict.items()}
            general = fields.pop("__all__", [])
        else:
            fields, general = {}, [str(m) for m in exc.messages]
        message = " ".join(general) or next((m for msgs in fields.values() for m in msgs), "")
        return cls(message, code=code or getattr(exc, "code", None), fields=fields)


class Unavailable(DomainError):
    """Valid, but a service the action needs is unreachable for now (the task queue): try again later."""

    kind = ErrorKind.UNAVAILABLE
    default_code = "unavailable"


def as_domain_error(exc: DomainError | ValidationError) -> DomainError:
    return exc if isinstance(exc, DomainError) else Invalid.from_validation_error(exc)


def error_response(
    request: HttpRequest,
    exc: DomainError | ValidationError,
    *,
    template: str,
    context: dict | None = None,
    swap: bool = False,
    form=None,
) -> HttpResponse:
    """The HTML answer to a refusal: `Refused` raises Http404 (Django's page, naming nothing); a
    conflict, invalid input or an unavailable service renders `template` with `context` plus `error`
    (the DomainError) and `error_messages`, with status 409, 400 or 503.

    `swap=True` is for htmx fragments (autosave, the evidence panel): htmx swaps only 2xx answers,
    so the fragment goes out as 200 and the real status travels in the `X-Save-Status` header,
    which scripts and tests read.

    With a (bound, validated) Django `form`, the messages go onto the form instead: each field's
    next to that field when the form has it, the rest at the top of the form."""
    error = as_domain_error(exc)
    if error.kind is ErrorKind.REFUSED:
        raise Http404
    messages = error.messages
    if form is not None:
        _onto_form(form, error)
        messages = []
    response = render(
        request,
        template,
        {**(context or {}), "error": error, "error_messages": messages},
        status=200 if swap else error.status_code,
    )
    if swap:
        response["X-Save-Status"] = str(error.status_code)
    return response


def _onto_form(form, error: DomainError) -> None:
    placed: set[str] = set()
    for name, field_messages in error.fields.items():
        form.add_error(name if name in form.fields else None, field_messages)
        placed.update(field_messages)
    if error.message and error.message not in placed:
        form.add_error(None, error.message)
