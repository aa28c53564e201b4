"""HTML views of the classroom inventory: the overview per district, a school's classrooms, a
classroom's checklist, the forms of the school's CIO and the asset-list import.

Objects come from selectors asked with the action the view performs (outside its scope: 404);
writes go through services, whose refusals `smartcampus.errors.error_response` answers (409/400
with the page again). Templates get `can_edit`, never a role.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.forms import ImportUploadForm
from assessments.scoping import Action
from assessments.selectors import region_list, school_get
from indicators.equipment.check import Status
from indicators.equipment.thresholds import value_text
from indicators.models import EquipmentDevice
from indicators.selectors import equipment_catalog_spec
from smartcampus.downloads import content_disposition
from smartcampus.errors import DomainError, as_domain_error, error_response

from . import imports, selectors, services
from .forms import AttachForm, ClassroomForm, DeviceChoiceForm, DeviceForm
from .models import CheckStatus, Classroom, ClassroomKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _region_filter(request: HttpRequest) -> str | None:
    code = (request.GET.get("region") or "").strip()
    return code if code.isdigit() else None


# --- overview and school --------------------------------------------------------------------------


@login_required
@require_GET
def overview_view(request: HttpRequest) -> HttpResponse:
    """Per district: classrooms by kind and the share meeting the configuration, over the schools in
    the user's scope; then those schools (paginated) with their counts."""
    region_code = _region_filter(request)
    total, districts = selectors.classroom_overview(user=request.user, region_code=region_code)
    schools = selectors.classroom_school_list(user=request.user, region_code=region_code)
    page = Paginator(schools, 25).get_page(request.GET.get("page"))
    regions = region_list(user=request.user).order_by("path")
    context = {
        "total": total,
        "districts": districts,
        "page": page,
        "regions": regions,
        "region_code": region_code or "",
        "kinds": ClassroomKind.choices,
    }
    return render(request, "classrooms/overview.html", context)


@login_required
@require_GET
def school_view(request: HttpRequest, school_id: int) -> HttpResponse:
    """The school's classrooms: 智慧教室 n 间、达到配置要求 m 间, per kind, and the list."""
    school = school_get(user=request.user, pk=school_id)
    kind = request.GET.get("kind")
    status = request.GET.get("status")
    classrooms = selectors.classroom_list(
        user=request.user, school_id=school.pk, filters={"kind": kind, "status": status}
    ).order_by("name", "id")
    page = Paginator(classrooms, 50).get_page(request.GET.get("page"))
    context = {
        "school": school,
        "counts": selectors.school_classroom_counts(school=school),
        "page": page,
        "kind": kind if kind in ClassroomKind.values else "",
        "status": status if status in CheckStatus.values else "",
        "kinds": ClassroomKind.choices,
        "statuses": CheckStatus.choices,
        **selectors.classroom_abilities(user=request.user, school=school),
    }
    return render(request, "classrooms/school.html", context)


# --- one classroom: the checklist ------------------------------------------------------------------


def _detail_context(request: HttpRequest, classroom: Classroom) -> dict:
    devices = list(classroom.devices.select_related("device").order_by("device__order", "id"))
    spec = equipment_catalog_spec(catalog=classroom.catalog)
    result = selectors.classroom_check_get(classroom=classroom, devices=devices, spec=spec)
    abilities = selectors.classroom_abilities(user=request.user, school=classroom.school)
    rows_by_device: dict[str, list] = {}
    for row in devices:
        rows_by_device.setdefault(row.device.code, []).append(row)
    results = {r.device.code: r for r in result.devices}
    # per category run of the table: (device result, [(its entry's thresholds, the row it came from)])
    runs = [
        (
            category,
            [
                (
                    results[d.code],
                    list(zip(results[d.code].entries, rows_by_device.get(d.code, []), strict=True)),
                )
                for d in members
            ],
        )
        for category, members in spec.category_runs()
    ]
    context = {
        "classroom": classroom,
        "school": classroom.school,
        "check": result,
        "runs": runs,
        "attachments": selectors.classroom_attachment_list(classroom=classroom),
        "unverified": result.status == Status.UNVERIFIED,
        **abilities,
    }
    if abilities["can_edit"]:
        context["attach_form"] = _attach_form(request, classroom)
    return context


def _attach_form(request: HttpRequest, classroom: Classroom, data=None) -> AttachForm:
    return AttachForm(
        data, files=selectors.classroom_attachable_files(user=request.user, classroom=classroom)
    )


@login_required
@require_GET
def classroom_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The checklist: every catalogue device and choice group with ✓ / ✗ / 未核实, the numbers used."""
    classroom = selectors.classroom_get(user=request.user, pk=pk)
    return render(request, "classrooms/classroom_detail.html", _detail_context(request, classroom))


# --- the CIO's forms --------------------------------------------------------------------------------


def _form_error(form: forms.Form, exc: DomainError | ValidationError, field_map=None) -> None:
    """Field messages of a refusal beside their inputs (the page shows the message on top)."""
    for name, messages_ in as_domain_error(exc).fields.items():
        target = (field_map or {}).get(name, name)
        if target in form.fields:
            for message in messages_:
                form.add_error(target, message)


def _respond(request, exc, *, template: str, context: dict, form: forms.Form, field_map=None):
    """A refusal of a service on a form page: 404 for refused, else the form again (409/400)."""
    _form_error(form, exc, field_map)
    return error_response(request, exc, template=template, context=context)


@login_required
@require_http_methods(["GET", "POST"])
def classroom_create_view(request: HttpRequest, school_id: int) -> HttpResponse:
    school = school_get(user=request.user, pk=school_id, action=Action.EDIT)
    form = ClassroomForm(request.POST if request.method == "POST" else None)
    context = {"school": school, "form": form, "classroom": None}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "classrooms/classroom_form.html", context, status=400)
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            classroom = services.classroom_create(school=school, acting_user=request.user, **data)
        except (DomainError, ValidationError) as exc:
            return _respond(
                request, exc, template="classrooms/classroom_form.html", context=context, form=form
            )
        messages.success(request, _("已新增教室“%(name)s”，请登记其设备。") % {"name": classroom.name})
        return redirect("classrooms:classroom-detail", pk=classroom.pk)
    return render(request, "classrooms/classroom_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def classroom_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = selectors.classroom_get(user=request.user, pk=pk, action=Action.EDIT)
    initial = {f: getattr(classroom, f) for f in ("name", "kind", "seats", "building", "room", "version")}
    form = ClassroomForm(request.POST if request.method == "POST" else None, initial=initial)
    context = {"school": classroom.school, "form": form, "classroom": classroom}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "classrooms/classroom_form.html", context, status=400)
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.classroom_update(classroom=classroom, version=version, acting_user=request.user, **data)
        except (DomainError, ValidationError) as exc:
            return _respond(
                request, exc, template="classrooms/classroom_form.html", context=context, form=form
            )
        messages.success(request, _("教室信息已保存。"))
        return redirect("classrooms:classroom-detail", pk=classroom.pk)
    return render(request, "classrooms/classroom_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def classroom_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = selectors.classroom_get(user=request.user, pk=pk, action=Action.EDIT)
    context = {"classroom": classroom, "school": classroom.school, "devices": classroom.devices.count()}
    if request.method == "POST":
        try:
            services.classroom_delete(classroom=classroom, acting_user=request.user)
        except (DomainError, ValidationError) as exc:
            return error_response(
                request, exc, template="classrooms/classroom_confirm_delete.html", context=context
            )
        messages.success(request, _("已删除教室“%(name)s”。") % {"name": classroom.name})
        return redirect("classrooms:school", school_id=classroom.school_id)
    return render(request, "classrooms/classroom_confirm_delete.html", context)


def _catalog_device(classroom: Classroom, code: str) -> EquipmentDevice:
    device = EquipmentDevice.objects.filter(catalog_id=classroom.catalog_id, code=code).first()
    if device is None:
        raise Http404
    return device


@login_required
@require_http_methods(["GET", "POST"])
def device_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Two steps in one page: choose the catalogue device (GET ?device=), then its count and specs."""
    classroom = selectors.classroom_get(user=request.user, pk=pk, action=Action.EDIT)
    spec = equipment_catalog_spec(catalog=classroom.catalog)
    code = request.POST.get("device") or request.GET.get("device") or ""
    choice = DeviceChoiceForm({"device": code} if code else None, devices=spec.devices)
    context = {
        "classroom": classroom,
        "school": classroom.school,
        "choice": choice,
        "form": None,
        "row": None,
    }
    device_spec = spec.device(code) if code else None
    if device_spec is None:
        if request.method == "POST":
            choice.is_valid()
            return render(request, "classrooms/device_form.html", context, status=400)
        return render(request, "classrooms/device_form.html", context)
    form = DeviceForm(request.POST if request.method == "POST" else None, device=device_spec)
    context.update(form=form, device=device_spec)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "classrooms/device_form.html", context, status=400)
        try:
            services.classroom_device_add(
                classroom=classroom,
                device=_catalog_device(classroom, code),
                count=form.cleaned_data["count"],
                year=form.cleaned_data["year"],
                measured=form.measured(),
                acting_user=request.user,
            )
        except (DomainError, ValidationError) as exc:
            field_map = {f"measured.{t.what}": form.field_for(t.what) for t in device_spec.specs}
            return _respond(
                request,
                exc,
                template="classrooms/device_form.html",
                context=context,
                form=form,
                field_map=field_map,
            )
        messages.success(request, _("已登记“%(name)s”。") % {"name": device_spec.name})
        return redirect("classrooms:classroom-detail", pk=classroom.pk)
    return render(request, "classrooms/device_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def device_edit_view(request: HttpRequest, pk: int, device_id: int) -> HttpResponse:
    classroom = selectors.classroom_get(user=request.user, pk=pk, action=Action.EDIT)
    row = selectors.classroom_device_get(user=request.user, pk=device_id, action=Action.EDIT)
    if row.classroom_id != classroom.pk:
        raise Http404
    device_spec = equipment_catalog_spec(catalog=classroom.catalog).device(row.device.code)
    initial = {"count": row.count, "year": row.year, "version": row.version}
    for index, threshold in enumerate(device_spec.specs):
        value = row.measured.get(threshold.what)
        if value is not None:
            initial[f"spec_{index}"] = value_text(
                tuple(value) if isinstance(value, list) else value, ratio=threshold.is_ratio
            )
    form = DeviceForm(request.POST if request.method == "POST" else None, device=device_spec, initial=initial)
    context = {
        "classroom": classroom,
        "school": classroom.school,
        "form": form,
        "device": device_spec,
        "row": row,
    }
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "classrooms/device_form.html", context, status=400)
        try:
            services.classroom_device_update(
                installed=row,
                version=form.cleaned_data["version"],
                count=form.cleaned_data["count"],
                year=form.cleaned_data["year"],
                measured=form.measured(),
                acting_user=request.user,
            )
        except (DomainError, ValidationError) as exc:
            field_map = {f"measured.{t.what}": form.field_for(t.what) for t in device_spec.specs}
            return _respond(
                request,
                exc,
                template="classrooms/device_form.html",
                context=context,
                form=form,
                field_map=field_map,
            )
        messages.success(request, _("已保存“%(name)s”。") % {"name": device_spec.name})
        return redirect("classrooms:classroom-detail", pk=classroom.pk)
    return render(request, "classrooms/device_form.html", context)


@login_required
@require_POST
def device_remove_view(request: HttpRequest, pk: int, device_id: int) -> HttpResponse:
    classroom = selectors.classroom_get(user=request.user, pk=pk, action=Action.EDIT)
    row = selectors.classroom_device_get(user=request.user, pk=device_id, action=Action.EDIT)
    if row.classroom_id != classroom.pk:
        raise Http404
    try:
        services.classroom_device_remove(installed=row, acting_user=request.user)
    except (DomainError, ValidationError) as exc:
        return error_response(
            request,
            exc,
            template="classrooms/classroom_detail.html",
            context=_detail_context(request, classroom),
        )
    messages.success(request, _("已移除“%(name)s”。") % {"name": row.device.name})
    return redirect("classrooms:classroom-detail", pk=classroom.pk)


@login_required
@require_POST
def evidence_attach_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file of the school's library (no second upload path: files enter through the library)."""
    classroom = selectors.classroom_get(user=request.user, pk=pk, action=Action.EDIT)
    form = _attach_form(request, classroom, request.POST)
    if not form.is_valid():
        context = {**_detail_context(request, classroom), "attach_form": form}
        return render(request, "classrooms/classroom_detail.html", context, status=400)
    evidence_file = form.cleaned_data["file"]
    try:
        services.classroom_evidence_attach(
            classroom=classroom, evidence_file=evidence_file, acting_user=request.user
        )
    except (DomainError, ValidationError) as exc:
        return error_response(
            request,
            exc,
            template="classrooms/classroom_detail.html",
            context=_detail_context(request, classroom),
        )
    messages.success(request, _("已关联“%(name)s”。") % {"name": evidence_file.original_name})
    return redirect("classrooms:classroom-detail", pk=classroom.pk)


@login_required
@require_POST
def evidence_detach_view(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    classroom = selectors.classroom_get(user=request.user, pk=pk, action=Action.EDIT)
    link = selectors.classroom_attachment_list(classroom=classroom).filter(file_id=file_id).first()
    if link is None:
        raise Http404
    try:
        services.classroom_evidence_detach(
            classroom=classroom, evidence_file=link.file, acting_user=request.user
        )
    except (DomainError, ValidationError) as exc:
        return error_response(
            request,
            exc,
            template="classrooms/classroom_detail.html",
            context=_detail_context(request, classroom),
        )
    messages.success(
        request, _("已取消关联“%(name)s”（文件仍在材料库中）。") % {"name": link.file.original_name}
    )
    return redirect("classrooms:classroom-detail", pk=classroom.pk)


# --- the asset-list import -----------------------------------------------------------------------


@login_required
@require_GET
def import_template_view(request: HttpRequest, school_id: int) -> HttpResponse:
    school = school_get(user=request.user, pk=school_id, action=Action.EDIT)
    try:
        catalog = services.classroom_catalog()
    except DomainError as exc:
        return error_response(
            request,
            exc,
            template="classrooms/import.html",
            context={"school": school, "form": ImportUploadForm()},
        )
    response = HttpResponse(imports.template_xlsx(equipment_catalog_spec(catalog=catalog)), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(
        _("教室资产清单模板.xlsx"), fallback="classroom-assets-template.xlsx"
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_upload_view(request: HttpRequest, school_id: int) -> HttpResponse:
    """Step 1: upload → every row checked → preview (with each classroom's resulting check). Nothing
    is saved here."""
    school = school_get(user=request.user, pk=school_id, action=Action.EDIT)
    posted = request.method == "POST"
    form = ImportUploadForm(request.POST if posted else None, request.FILES if posted else None)
    context = {"school": school, "form": form, "preview": None}
    if not posted:
        return render(request, "classrooms/import.html", context)
    if not form.is_valid():
        return render(request, "classrooms/import.html", context, status=400)
    try:
        context["preview"] = services.classroom_import_preview(
            school=school, uploaded=form.cleaned_data["file"], acting_user=request.user
        )
    except (DomainError, ValidationError) as exc:
        return _respond(request, exc, template="classrooms/import.html", context=context, form=form)
    status = 200 if context["preview"].ok else 400
    return render(request, "classrooms/import.html", context, status=status)


@login_required
@require_POST
def import_confirm_view(request: HttpRequest, school_id: int) -> HttpResponse:
    """Step 2: apply the previewed file, all rows or none."""
    school = school_get(user=request.user, pk=school_id, action=Action.EDIT)
    try:
        outcome = services.classroom_import_commit(
            school=school, token=request.POST.get("token", ""), acting_user=request.user
        )
    except (DomainError, ValidationError) as exc:
        context = {"school": school, "form": ImportUploadForm(), "preview": None}
        return error_response(request, exc, template="classrooms/import.html", context=context)
    messages.success(
        request,
        _("导入完成：新增教室 %(new)d 间，更新 %(updated)d 间，登记设备 %(devices)d 行。")
        % {"new": outcome.created, "updated": outcome.updated, "devices": outcome.devices},
    )
    return redirect("classrooms:school", school_id=school.pk)
