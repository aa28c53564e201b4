"""HTML views of the evidence app: the school's library, the permission-checked download, and the
evidence panel embedded in the item page (an htmx fragment that swaps itself after every action).

Querysets come from `selectors`, asked with the action the view performs (outside its scope: 404);
writes go through `services`. Panel actions answer with the re-rendered panel; a refusal too, as 200
with the real status in `X-Save-Status` (`smartcampus.errors.error_response`, swap=True), because
htmx does not swap 4xx answers by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.models import ItemResponse
from assessments.scoping import Action
from assessments.selectors import school_get, user_can
from assessments.services import response_assert_editable
from smartcampus.downloads import content_disposition
from smartcampus.errors import DomainError, Invalid, as_domain_error, error_response

from . import selectors, services
from .filetypes import ACCEPTED_EXTENSIONS, FILE_TYPES
from .forms import EvidenceLinkForm, EvidenceSearchForm
from .images import preview_max_pixels
from .uploads import RequestTooLarge, install_upload_limit, max_files_per_request, too_large_message

ACCEPT_ATTR = ",".join([*ACCEPTED_EXTENSIONS, *sorted({t.content_type for t in FILE_TYPES.values()})])


@dataclass(frozen=True)
class FileResult:
    """One line of the per-file upload report."""

    name: str
    level: str  # Bootstrap alert colour: success, info, warning, danger
    message: str

    @property
    def icon(self) -> str:
        return {"danger": "x-circle", "success": "check-circle", "warning": "exclamation-triangle"}.get(
            self.level, "info-circle"
        )


def _messages(exc: DomainError | ValidationError) -> str:
    return " ".join(as_domain_error(exc).messages)


def upload_view(view):
    """For views receiving files: enforce the size limits while the body is read.

    Django's CSRF middleware would parse the body (with the default handlers) before the view runs,
    so the check is moved inside, after the size-limiting handler is installed.
    """

    protected = csrf_protect(view)

    @wraps(view)
    @csrf_exempt
    @login_required
    @require_POST
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            request.evidence_limit = install_upload_limit(request)
        except RequestTooLarge as exc:
            return HttpResponse(str(exc), status=413, content_type="text/plain; charset=utf-8")
        return protected(request, *args, **kwargs)

    return wrapper


def _upload_each(request: HttpRequest, upload) -> list[FileResult]:
    """Run `upload(uploaded_file)` per file; a refused file never stops or undoes the others."""
    files = request.FILES.getlist("files")  # reads the body: only then is `oversized` known
    results = [
        FileResult(name, "danger", too_large_message(name)) for name in request.evidence_limit.oversized
    ]
    if not files and not results:
        return [FileResult("", "warning", _("请选择要上传的文件。"))]
    if len(files) > max_files_per_request():
        return [FileResult("", "danger", _("一次最多上传 %(n)d 个文件。") % {"n": max_files_per_request()})]
    for uploaded in files:
        try:
            outcome = upload(uploaded)
        except (DomainError, ValidationError) as exc:
            results.append(FileResult(uploaded.name, "danger", _messages(exc)))
            continue
        for notice in outcome.notices:
            results.append(FileResult(outcome.evidence_file.original_name, "warning", notice))
        if outcome.created:
            results.append(
                FileResult(
                    outcome.evidence_file.original_name,
                    "success",
                    _("「%(name)s」已上传（%(kind)s）。")
                    % {
                        "name": outcome.evidence_file.original_name,
                        "kind": outcome.evidence_file.get_kind_display(),
                    },
                )
            )
        elif not outcome.notices:
            results.append(
                FileResult(
                    outcome.evidence_file.original_name,
                    "info",
                    _("该文件已在本校材料库中（「%(name)s」），未重复保存。")
                    % {"name": outcome.evidence_file.original_name},
                )
            )
    return results


# --- Library -------------------------------------------------------------------------------------


def _library_context(request: HttpRequest, school) -> dict:
    form = EvidenceSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    files = (
        selectors.evidence_file_list(user=request.user, school_id=school.pk, filters=filters)
        .annotate(attachment_count=Count("attachments"))
        .order_by("-uploaded_at", "-id")
    )
    page = Paginator(files, 25).get_page(request.GET.get("page"))
    totals = selectors.evidence_file_list(user=request.user, school_id=school.pk).aggregate(
        count=Count("id"), size=Sum("size")
    )
    return {
        "school": school,
        "form": form,
        "page": page,
        "totals": totals,
        "can_edit": user_can(user=request.user, action=Action.EDIT, obj=school),
        "accept": ACCEPT_ATTR,
        "max_mb": _max_mb(),
        "max_files": max_files_per_request(),
    }


def _max_mb() -> int:
    return settings.EVIDENCE_MAX_UPLOAD_MB


@login_required
@require_GET
def library_view(request: HttpRequest, school_id: int) -> HttpResponse:
    """The school's evidence library: search, pagination, upload, delete."""
    school = school_get(user=request.user, pk=school_id)
    context = _library_context(request, school)
    if request.htmx and request.htmx.target == "evidence-library-table":
        return render(request, "evidence/_library_table.html", context)
    return render(request, "evidence/library.html", context)


@upload_view
def library_upload_view(request: HttpRequest, school_id: int) -> HttpResponse:
    school = school_get(user=request.user, pk=school_id, action=Action.EDIT)
    results = _upload_each(
        request,
        lambda f: services.evidence_upload(school=school, uploaded_file=f, acting_user=request.user),
    )
    if request.htmx:
        context = _library_context(request, school)
        context["results"] = results
        return render(request, "evidence/_library_body.html", context)
    for result in results:
        messages.add_message(
            request, messages.ERROR if result.level == "danger" else messages.INFO, result.message
        )
    return redirect("evidence:library", school_id=school.pk)


@login_required
@require_http_methods(["GET", "POST"])
def file_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirmation page (GET) and deletion (POST) of a library file."""
    evidence_file = selectors.evidence_file_get(user=request.user, pk=pk, action=Action.EDIT)
    school = evidence_file.school
    attachments = evidence_file.attachments.select_related("response__node", "response__assessment__campaign")
    context = {"file": evidence_file, "school": school, "attachments": attachments, "blocked": None}
    if request.method == "POST":
        try:
            services.evidence_file_delete(evidence_file=evidence_file, acting_user=request.user)
        except (DomainError, ValidationError) as exc:
            return error_response(request, exc, template="evidence/file_confirm_delete.html", context=context)
        messages.success(request, _("已删除「%(name)s」。") % {"name": evidence_file.original_name})
        return redirect("evidence:library", school_id=school.pk)
    try:
        for attachment in attachments:
            response_assert_editable(response=attachment.response, acting_user=request.user)
    except DomainError:
        context["blocked"] = _("该文件已关联到已提交或不可修改的条目，不能删除。")
    return render(request, "evidence/file_confirm_delete.html", context)


# --- Serving -------------------------------------------------------------------------------------


@login_required
@require_GET
@xframe_options_sameorigin
def file_download_view(request: HttpRequest, pk: int) -> FileResponse:
    """The only way to read stored evidence: scoped, typed, never sniffable, never public."""
    evidence_file = selectors.evidence_file_get(user=request.user, pk=pk)
    # An image above the preview budget is only ever a download: its thumbnail is what is shown.
    inline = request.GET.get("inline") == "1" and evidence_file.inline_allowed
    try:
        handle = evidence_file.file.storage.open(evidence_file.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=evidence_file.content_type)
    response["Content-Disposition"] = content_disposition(
        evidence_file.original_name,
        inline=inline,
        fallback=f"evidence-{evidence_file.pk}.{evidence_file.file_type.extension}",
    )
    _harden(response)
    if evidence_file.kind == "pdf":
        del response["Content-Security-Policy"]  # Chromium's built-in PDF viewer needs scripts
        response._csp_exempt = True  # …and the site-wide policy (django-csp) must not fill the gap
    return response


def _harden(response: HttpResponse) -> None:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


@login_required
@require_GET
@xframe_options_sameorigin
def file_thumbnail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A server-made JPEG of an image (the preview of images above the budget), scoped like the file.

    Made at upload for large images; for any other image it is made on first request and cached in
    storage. 404 with a reason when there is none to give (not an image, unreadable, too large).
    """
    evidence_file = selectors.evidence_file_get(user=request.user, pk=pk)
    name = services.evidence_thumbnail_ensure(evidence_file=evidence_file)
    try:
        handle = evidence_file.file.storage.open(name, "rb") if name else None
    except OSError:
        handle = None
    if handle is None:
        return HttpResponse(
            _("该文件没有可用的缩略图，请下载原文件查看。"),
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    response = FileResponse(handle, content_type="image/jpeg")
    stem = evidence_file.original_name.rsplit(".", 1)[0]
    response["Content-Disposition"] = content_disposition(
        _("%(name)s（缩略图）.jpg") % {"name": stem},
        inline=True,
        fallback=f"evidence-{evidence_file.pk}-thumbnail.jpg",
    )
    _harden(response)
    return response


@login_required
@require_GET
def file_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Body of the preview modal: the image (or its thumbnail when above the budget), or the PDF."""
    evidence_file = selectors.evidence_file_get(user=request.user, pk=pk)
    context = {"file": evidence_file, "budget_mpx": preview_max_pixels() // 1_000_000}
    return render(request, "evidence/_preview.html", context)


# --- The panel on the item page -----------------------------------------------------------------


def _panel_context(
    request: HttpRequest,
    response: ItemResponse,
    *,
    results: list[FileResult] | None = None,
    link_form: EvidenceLinkForm | None = None,
) -> dict:
    try:
        response_assert_editable(response=response, acting_user=request.user)
        editable, locked_reason = True, ""
    except DomainError as exc:
        editable, locked_reason = False, exc.message
    attachments = list(selectors.response_attachment_list(response=response))
    links = list(selectors.response_link_list(response=response))
    context = {
        "response": response,
        "attachments": attachments,
        "links": links,
        "evidence_count": len(attachments) + len(links),
        "upload_input_id": f"evidence-files-{response.pk}",
        "editable": editable,
        "locked_reason": locked_reason,
        "results": results or [],
        "link_form": link_form or EvidenceLinkForm(),
        "accept": ACCEPT_ATTR,
        "max_mb": _max_mb(),
        "max_files": max_files_per_request(),
    }
    return context


def _panel(request: HttpRequest, response: ItemResponse, **kwargs) -> HttpResponse:
    return render(request, "evidence/_panel.html", _panel_context(request, response, **kwargs))


def _panel_refused(request: HttpRequest, response: ItemResponse, exc, **kwargs) -> HttpResponse:
    """The panel again with the refusal in it (200 for htmx, the real status in X-Save-Status)."""
    context = _panel_context(request, response, **kwargs)
    return error_response(request, exc, template="evidence/_panel.html", context=context, swap=True)


def _panel_action(request: HttpRequest, response: ItemResponse, action) -> HttpResponse:
    try:
        action()
    except (DomainError, ValidationError) as exc:
        return _panel_refused(request, response, exc)
    return _panel(request, response)


@login_required
@require_GET
def response_panel_view(request: HttpRequest, response_id: int) -> HttpResponse:
    response = selectors.evidence_response_get(user=request.user, pk=response_id)
    return _panel(request, response)


@upload_view
def response_upload_view(request: HttpRequest, response_id: int) -> HttpResponse:
    response = selectors.evidence_response_get(user=request.user, pk=response_id, action=Action.EDIT)
    try:
        response_assert_editable(response=response, acting_user=request.user)
    except DomainError as exc:
        return _panel_refused(request, response, exc)
    results = _upload_each(
        request,
        lambda f: services.evidence_upload_to_response(
            response=response, uploaded_file=f, acting_user=request.user
        ),
    )
    return _panel(request, response, results=results)


@login_required
@require_POST
def response_attach_view(request: HttpRequest, response_id: int) -> HttpResponse:
    """Attach files picked from the school's library (`file` may repeat)."""
    response = selectors.evidence_response_get(user=request.user, pk=response_id, action=Action.EDIT)
    ids = [int(v) for v in request.POST.getlist("file") if v.isdigit()]
    library = selectors.evidence_file_list(
        user=request.user, action=Action.EDIT, school_id=response.assessment.school_id
    )
    chosen = list(library.filter(pk__in=ids))
    if not chosen:
        return _panel(request, response, results=[FileResult("", "warning", _("请先选择要关联的文件。"))])

    def attach():
        for evidence_file in chosen:
            services.evidence_attach(response=response, evidence_file=evidence_file, acting_user=request.user)

    return _panel_action(request, response, attach)


@login_required
@require_POST
def response_detach_view(request: HttpRequest, response_id: int, file_id: int) -> HttpResponse:
    response = selectors.evidence_response_get(user=request.user, pk=response_id, action=Action.EDIT)
    evidence_file = get_object_or_404(
        selectors.response_attachment_list(response=response), file_id=file_id
    ).file
    return _panel_action(
        request,
        response,
        lambda: services.evidence_detach(
            response=response, evidence_file=evidence_file, acting_user=request.user
        ),
    )


@login_required
@require_POST
def response_link_add_view(request: HttpRequest, response_id: int) -> HttpResponse:
    response = selectors.evidence_response_get(user=request.user, pk=response_id, action=Action.EDIT)
    form = EvidenceLinkForm(request.POST)
    try:
        if not form.is_valid():
            raise Invalid(" ".join(m for msgs in form.errors.values() for m in msgs), fields=form.errors)
        services.evidence_link_add(
            response=response,
            url=form.cleaned_data["url"],
            title=form.cleaned_data["title"],
            acting_user=request.user,
        )
    except (DomainError, ValidationError) as exc:
        return _panel_refused(request, response, exc, link_form=form)
    return _panel(request, response)


@login_required
@require_POST
def response_link_remove_view(request: HttpRequest, response_id: int, link_id: int) -> HttpResponse:
    response = selectors.evidence_response_get(user=request.user, pk=response_id, action=Action.EDIT)
    link = get_object_or_404(selectors.response_link_list(response=response), pk=link_id)
    return _panel_action(
        request, response, lambda: services.evidence_link_remove(link=link, acting_user=request.user)
    )


@login_required
@require_GET
def response_picker_view(request: HttpRequest, response_id: int) -> HttpResponse:
    """ "从材料库选择": the school's library files not yet attached to this response, searchable."""
    response = selectors.evidence_response_get(user=request.user, pk=response_id)
    q = (request.GET.get("q") or "").strip()[:100]
    files = (
        selectors.evidence_file_list(
            user=request.user, school_id=response.assessment.school_id, filters={"q": q}
        )
        .exclude(attachments__response=response)
        .order_by("-uploaded_at", "-id")
    )
    return render(request, "evidence/_picker.html", {"response": response, "files": files[:50], "q": q})


@login_required
@require_GET
def response_history_view(request: HttpRequest, response_id: int) -> HttpResponse:
    response = selectors.evidence_response_get(user=request.user, pk=response_id)
    entries = selectors.response_evidence_history(response=response)
    return render(request, "evidence/_history.html", {"response": response, "entries": entries})
