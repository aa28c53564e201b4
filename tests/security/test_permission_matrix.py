"""The permission matrix: every URL pattern × every role × an object in scope and one outside it.

The URLconf is walked recursively (DRF router routes and their format-suffix variants included), so
a new view cannot escape: a URL name without an entry in `MATRIX` fails the test with the missing
names. Each entry says how to fill the URL's kwargs from the `world` objects and which status each
role gets for each method. Two objects per entry:

- "a" belongs to school a1 (district A1, city A): in scope for cio, reviewer and commission;
  outside the scope of other_cio (A2), other_reviewer (A2) and other_commission (city B).
- "b" belongs to school b1 (city B): derived from "a" by symmetry — other_commission gets what
  commission gets for "a", every other logged-in role 404, anonymous the same as for "a".

The one rule: outside the scope of the URL's action the answer is 404 (never 403, never 200), the
same as for an object that does not exist, and its body names nothing of the other scope; in scope
but the state forbids the action: 409; invalid input: 400. An id outside the scope sent in a body
(not in the URL) is answered like a missing id: 400 on the field. The review URLs run on a submitted
assessment (school a1b / b2), the others on the draft of school a1 / b1; for drafts every review URL
answers 404 (`test_review_urls_of_a_draft_do_not_exist`). Anonymous: 302 to the login page for
pages, 401 for the API. Every request runs in a savepoint that is rolled back, so the cases are
independent and the order does not matter.

Skipped, with reasons: `SKIPPED_NAMES` and `SKIPPED_NAMESPACES` below.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assessments.models import Acceptance, AcceptanceDelegate, Assessment, Designation, Role
from assessments.services import campaign_create, end_of_day
from evidence.models import ResponseEvidence
from evidence.services import evidence_attach, evidence_link_add, evidence_upload
from tests.assessments.facts_support import load_catalogue
from tests.conftest import ROLES
from tests.factories import (
    MembershipFactory,
    SchoolFactory,
    UserFactory,
    fill_and_submit,
    small_points_framework,
)
from tests.samples import image_bytes

# --- what is not in the matrix, and why --------------------------------------------------------------

SKIPPED_NAMESPACES = {
    "admin": "Django admin: staff-only, guarded by Django's own permission system, tested by Django",
}
SKIPPED_NAMES = {
    "login": "the login page is public by design; its lockout is tested in test_web_security.py",
    "logout": "ends the session; exercising it would log the matrix clients out",
    "set_language": "Django's i18n view: sets a cookie, reads no data",
}
SKIPPED_ROUTE_PREFIXES = {
    "static/": "static files are public (served by whitenoise, not a view)",
    "media/": "no media URL is routed: files go through permission-checked views only",
}

LOGGED_IN = [r for r in ROLES if r != "anonymous"]
A_IN_SCOPE = ("cio", "reviewer", "commission")
A_OUT_OF_SCOPE = ("other_cio", "other_reviewer", "other_commission")
LOGIN = "login"  # marker: 302 to the login page


def statuses(default: int | None = None, **by_role: int) -> dict[str, int]:
    """Expected status per logged-in role: `default` for the roles not named."""
    result = {role: default for role in LOGGED_IN}
    result.update(by_role)
    missing = [role for role, status in result.items() if status is None]
    assert not missing, f"no expectation for {missing}"
    return result


def scoped(in_scope: int = 200, out: int = 404, **by_role: int) -> dict[str, int]:
    """`in_scope` for cio/reviewer/commission, `out` for the three others, then per-role overrides."""
    result = {**dict.fromkeys(A_IN_SCOPE, in_scope), **dict.fromkeys(A_OUT_OF_SCOPE, out)}
    result.update(by_role)
    return result


def cio_only(ok: int, forbidden: int, out: int = 404) -> dict[str, int]:
    return scoped(ok, out, reviewer=forbidden, commission=forbidden)


def commission_only(ok: int = 200, others: int = 404) -> dict[str, int]:
    return statuses(others, commission=ok, other_commission=ok)


ALL_200 = statuses(200)
NOT_ALLOWED = statuses(405)  # the method exists on the URL but not for this view


@dataclass
class Entry:
    """One URL name: how to build its kwargs and what each role gets for each method."""

    methods: dict[str, dict[str, int]]
    kwargs: Any = None  # callable(objects, "a"|"b") -> dict, or None when the URL has no object
    data: dict[str, Any] = field(default_factory=dict)  # method -> callable(objects, side) -> payload
    api: bool = False
    anonymous: int | str | dict | None = None  # default: LOGIN for pages, 401 for the API; or per method
    #: status for roles outside the object's scope when the object is named in the body, not the URL
    body_out: dict[str, int] = field(default_factory=dict)
    query: str = ""


def page(methods=None, kwargs=None, **extra) -> Entry:
    return Entry(methods=methods or {"GET": ALL_200}, kwargs=kwargs, **extra)


def api(methods, kwargs=None, **extra) -> Entry:
    return Entry(methods=methods, kwargs=kwargs, api=True, **extra)


# --- the world's objects -----------------------------------------------------------------------------

PNG = image_bytes("PNG")  # a real image: its thumbnail can be made


def png(name: str = "证明.png", salt: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG + salt, content_type="image/png")


@pytest.fixture
def objects(world, settings, tmp_path):
    """Per city: a campaign, an assessment, a response, two library files (one attached) and a link."""
    settings.MEDIA_ROOT = tmp_path / "media"
    b_cio = MembershipFactory(
        user=UserFactory(username="b_cio"), role=Role.SCHOOL_CIO, school=world.school_b1
    ).user
    school_b2 = SchoolFactory(code="S-B2", name="乙一区第二小学", region=world.district_b1)
    submitters = {
        "a": MembershipFactory(
            user=UserFactory(username="a1b_cio"), role=Role.SCHOOL_CIO, school=world.school_a1b
        ).user,
        "b": MembershipFactory(
            user=UserFactory(username="b2_cio"), role=Role.SCHOOL_CIO, school=school_b2
        ).user,
    }
    framework = small_points_framework()
    load_catalogue()  # the facts of the 学校基本情况 tab
    today = timezone.localdate()
    objs = {"framework": framework, "world": world}
    for side, region, schools, staff, cio in (
        (
            "a",
            world.city_a,
            [world.school_a1, world.school_a1b],
            world.users["commission"],
            world.users["cio"],
        ),
        ("b", world.city_b, [world.school_b1, school_b2], world.users["other_commission"], b_cio),
    ):
        campaign = campaign_create(
            framework=framework,
            year=2026,
            title=f"矩阵测试{side}",
            region=region,
            self_deadline=end_of_day(today + datetime.timedelta(days=10)),
            review_deadline=end_of_day(today + datetime.timedelta(days=20)),
            schools=schools,
            acting_user=staff,
        )
        school = schools[0]
        assessment = campaign.assessments.get(school=school)
        response = assessment.responses.select_related("node").get(node__code="1.1")
        attached = evidence_upload(
            school=school, uploaded_file=png(salt=side.encode()), acting_user=cio
        ).evidence_file
        spare = evidence_upload(
            school=school, uploaded_file=png("备用.png", salt=side.encode() * 2), acting_user=cio
        ).evidence_file
        evidence_attach(response=response, evidence_file=attached, acting_user=cio)
        link = evidence_link_add(
            response=response, url="https://example.edu.cn/a", title="链接", acting_user=cio
        )
        submitted = fill_and_submit(campaign.assessments.get(school=schools[1]), submitters[side])
        classroom = _classroom_objects(school=school, cio=cio, attached=attached)
        # the district reviewer of A1 re-checks side a's sampled school (nobody side b's)
        rechecker = world.users["reviewer"] if side == "a" else None
        objs[side] = {
            **_sample_objects(campaign=campaign, submitted=submitted, staff=staff, rechecker=rechecker),
            **classroom,
            **(
                rect := _rectification_objects(
                    framework=framework, region=region, school=school, staff=staff, cio=cio
                )
            ),
            **_inspection_objects(
                assessment=rect["rect_assessment"],
                staff=staff,
                cio=cio,
                team=[staff, world.users["reviewer"]] if side == "a" else [staff],
            ),
            # a nomination of the submitted school (the services need a finalised pass to make one)
            "designation": Designation.objects.create(
                campaign=campaign, assessment=submitted, kind="demonstration", state="nominated"
            ),
            "submitted": submitted,
            "submitted_response": submitted.responses.select_related("node").get(node__code="1.1"),
            "school": school,
            "district": school.region,
            "region": region,
            "campaign": campaign,
            "assessment": assessment,
            "response": response,
            "file": attached,
            "spare_file": spare,
            "attachment": ResponseEvidence.objects.get(response=response, file=attached),
            "link": link,
            # acceptance delegated to a city reviewer who holds no role among the matrix's users
            "acceptance_delegate": AcceptanceDelegate.objects.create(
                campaign=campaign, reviewer=UserFactory(username=f"delegate_{side}")
            ),
        }
    return objs


def _rectification_objects(*, framework, region, school, staff, cio) -> dict:
    """A finalised assessment of the school (a campaign of its own) with one rectification item
    whose plan awaits review."""
    from assessments.models import Assessment, AssessmentStatus
    from rectification.models import RectificationItem, RectificationState

    today = timezone.localdate()
    campaign = campaign_create(
        framework=framework,
        year=2025,
        title=f"整改矩阵{school.code}",
        region=region,
        self_deadline=end_of_day(today + datetime.timedelta(days=10)),
        review_deadline=end_of_day(today + datetime.timedelta(days=20)),
        schools=[school],
        acting_user=staff,
    )
    assessment = fill_and_submit(campaign.assessments.get(school=school), cio)
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.FINALISED)
    item = RectificationItem.objects.create(
        assessment=assessment,
        node=assessment.responses.get(node__code="1.2").node,
        source="review_adjust",
        problem="矩阵问题",
        action="矩阵要求",
        due_date=today + datetime.timedelta(days=30),
        state=RectificationState.PLAN_REVIEW,
        plan="矩阵方案",
        responsible="矩阵",
    )
    return {"rect_assessment": assessment, "rect_item": item}


def _sample_objects(*, campaign, submitted, staff, rechecker) -> dict:
    """A saved re-check sample of the campaign holding its submitted school, with `rechecker` as its
    city reviewer."""
    from assessments.models import Sample, SampleSchool

    sample = Sample.objects.create(
        campaign=campaign, method="simple", strata=[], rate="0.5", seed=1, drawn_by=staff
    )
    row = SampleSchool.objects.create(sample=sample, assessment=submitted, position=1, reviewer=rechecker)
    return {"sample": sample, "sample_row": row}


def _inspection_objects(*, assessment, staff, cio, team) -> dict:
    """A visit of the finalised assessment (one item to check) and a public publication of its
    campaign (the assessment accepted by the city) with one open objection of the school."""
    from inspections.services import objection_raise, publication_create, visit_schedule

    today = timezone.localdate()
    node_id = assessment.responses.get(node__code="1.2").node_id
    visit = visit_schedule(
        assessment=assessment,
        acting_user=staff,
        date=today,
        team_ids=[u.pk for u in team],
        node_ids=[node_id],
    )
    # a publication shows only results the city accepted
    Assessment.objects.filter(pk=assessment.pk).update(acceptance=Acceptance.ACCEPTED)
    publication = publication_create(
        campaign=assessment.campaign,
        acting_user=staff,
        visibility="public",
        fields=["show_pass"],
        window_start=today,
        window_end=today + datetime.timedelta(days=7),
    )
    objection = objection_raise(
        publication=publication, assessment=assessment, acting_user=cio, reason="矩阵申辩", node_id=node_id
    )
    return {
        "visit": visit,
        "finding": visit.findings.get(),
        "publication": publication,
        "objection": objection,
    }


def _classroom_objects(*, school, cio, attached) -> dict:
    """A classroom of the school with a device row and the library file `attached` attached to it."""
    from classrooms.services import classroom_create, classroom_device_add, classroom_evidence_attach
    from indicators.equipment.catalog import catalog_from_dict
    from indicators.models import EquipmentDevice
    from indicators.selectors import equipment_catalog_get
    from indicators.services import equipment_catalog_load
    from tests.classrooms.conftest import catalogue_data

    catalog = (
        equipment_catalog_get() or equipment_catalog_load(spec=catalog_from_dict(catalogue_data())).catalog
    )
    classroom = classroom_create(school=school, name="矩阵教室", kind="smart", seats=40, acting_user=cio)
    router = EquipmentDevice.objects.get(catalog=catalog, code="router")
    row = classroom_device_add(
        classroom=classroom, device=router, measured={"同时接入终端数": "64"}, acting_user=cio
    )
    classroom_evidence_attach(classroom=classroom, evidence_file=attached, acting_user=cio)
    return {"classroom": classroom, "classroom_device": row}


def _o(key):
    return lambda objs, side: {"pk": objs[side][key].pk}


def _visit_body(objs, side) -> dict:
    """A visit of side a's finalised school: today, the commission on the team, item 1.2."""
    assessment = objs["a"]["rect_assessment"]
    return {
        "assessment": assessment.pk,
        "date": timezone.localdate().isoformat(),
        "team": [objs["world"].users["commission"].pk],
        "items": [assessment.responses.get(node__code="1.2").node_id],
    }


def _publication_body(objs, side) -> dict:
    return {
        "campaign": objs["a"]["rect_assessment"].campaign_id,
        "visibility": "login",
        "fields_shown": ["show_pass"],
        "window_start": timezone.localdate().isoformat(),
        "window_end": timezone.localdate().isoformat(),
    }


def _objection_body(objs, side) -> dict:
    """Side a's school objects again to item 1.2, which has an open objection already."""
    assessment = objs["a"]["rect_assessment"]
    return {
        "publication": objs["a"]["publication"].pk,
        "assessment": assessment.pk,
        "node": assessment.responses.get(node__code="1.2").node_id,
        "reason": "矩阵",
    }


def _rect_step(objs, side, **data) -> dict:
    """A transition's body: the version of the side's rectification item, and the texts given."""
    return {"version": objs[side]["rect_item"].version, **data}


def _response_kwargs(objs, side):
    return {"response_id": objs[side]["response"].pk}


def _item_kwargs(objs, side):
    return {"pk": objs[side]["assessment"].pk, "code": objs[side]["response"].node.code}


def _submitted(objs, side):
    return {"pk": objs[side]["submitted"].pk}


def _submitted_item_kwargs(objs, side):
    return {"pk": objs[side]["submitted"].pk, "code": objs[side]["submitted_response"].node.code}


def _fact_kwargs(objs, side):
    return {"pk": objs[side]["assessment"].pk, "code": "students"}


def _submitted_fact_kwargs(objs, side):
    return {"pk": objs[side]["submitted"].pk, "code": "students"}


def _verdict(objs, side) -> dict:
    return {"version": objs[side]["submitted_response"].version, "verdict": "accept"}


def reviewer_only(ok: int) -> dict[str, int]:
    """The school's district reviewer (commission staff read a review but do not review)."""
    return statuses(404, reviewer=ok)


def review_readers(ok: int = 200) -> dict[str, int]:
    return statuses(404, reviewer=ok, commission=ok)


def campaign_manager(ok: int) -> dict[str, int]:
    return statuses(404, commission=ok)


# --- the table -----------------------------------------------------------------------------------------

MATRIX: dict[str, Entry] = {
    # public
    "healthz": page(anonymous=200),
    "javascript-catalog": page(anonymous=200),  # interface strings only, the same for everyone
    "api-schema": api({"GET": ALL_200}, anonymous=200),
    "api-docs": api({"GET": ALL_200}, anonymous=200),
    # pages without an object
    "home": page(),
    "api-token": page(
        {"GET": ALL_200, "POST": statuses(302)}, data={"POST": lambda objs, side: {"action": "revoke"}}
    ),
    # accounts: one's own password (an empty form is invalid input); the e-mailed reset is public
    "accounts:password-change": page({"GET": ALL_200, "POST": statuses(400)}),
    "accounts:password-reset": page(
        {"GET": ALL_200, "POST": statuses(302)},
        data={"POST": lambda objs, side: {"email": "nobody@example.cn"}},
        anonymous={"GET": 200, "POST": 302},
    ),
    "accounts:password-reset-sent": page(anonymous=200),
    "accounts:password-reset-complete": page(anonymous=200),
    # a link that is not valid: the page says so
    "accounts:password-reset-confirm": page(
        kwargs=lambda objs, side: {"uidb64": "MQ", "token": "invalid-token"}, anonymous=200
    ),
    # the accounts commission staff look after: users whose every role lies in their regions
    "accounts:user-list": page({"GET": commission_only()}),
    "accounts:user-password-reset": page(
        {"GET": campaign_manager(200), "POST": campaign_manager(302)},
        kwargs=lambda objs, side: _cio_of(objs, side),
    ),
    "indicators:framework-list": page(),
    "assessments:school-list": page(),
    "assessments:region-list": page(),
    "assessments:campaign-list": page(),
    "assessments:assessment-list": page(),
    "indicators:framework-detail": page(kwargs=lambda objs, side: {"code": objs["framework"].code}),
    # the correspondence of framework versions: commission staff; the matrix's framework has one
    # version, so saving, downloading and importing a mapping is refused by the state (409)
    "indicators:framework-mapping": page(
        {"GET": commission_only(200), "POST": commission_only(409)},
        kwargs=lambda objs, side: {"code": objs["framework"].code},
    ),
    "indicators:framework-mapping-template": page(
        {"GET": commission_only(409)}, kwargs=lambda objs, side: {"code": objs["framework"].code}
    ),
    "indicators:framework-mapping-import": page(
        {"GET": NOT_ALLOWED, "POST": commission_only(409)},
        kwargs=lambda objs, side: {"code": objs["framework"].code},
    ),
    # an empty form is invalid input: 400
    "assessments:campaign-create": page({"GET": commission_only(), "POST": commission_only(400)}),
    "assessments:import-index": page({"GET": commission_only()}),
    "assessments:import-template": page(
        {"GET": commission_only()}, kwargs=lambda objs, side: {"kind": "schools"}
    ),
    "assessments:import-upload": page(
        {"GET": commission_only(), "POST": commission_only(400)},
        kwargs=lambda objs, side: {"kind": "schools"},
    ),
    "assessments:import-confirm": page(
        {"GET": NOT_ALLOWED, "POST": commission_only(400)}, kwargs=lambda objs, side: {"kind": "schools"}
    ),
    # organisation pages with an object
    "assessments:school-detail": page(
        {"GET": scoped()}, kwargs=lambda objs, side: {"pk": objs[side]["school"].pk}
    ),
    # campaigns
    "assessments:campaign-detail": page({"GET": scoped()}, kwargs=_o("campaign")),
    "assessments:campaign-add-schools": page(
        {
            "GET": NOT_ALLOWED,
            "POST": scoped(200, cio=404, reviewer=404),
        },
        kwargs=_o("campaign"),
    ),
    # 「复制为下一年活动」: the confirmation, then the copy (a redirect to the new campaign)
    "assessments:campaign-next-year": page(
        {"GET": campaign_manager(200), "POST": campaign_manager(302)},
        kwargs=_o("campaign"),
        data={"POST": lambda objs, side: {"confirm": "1"}},
    ),
    # the school's assessment
    "assessments:assessment-detail": page({"GET": scoped()}, kwargs=_o("assessment")),
    "assessments:assessment-history": page({"GET": scoped()}, kwargs=_o("assessment")),
    "assessments:assessment-item-jump": page({"GET": scoped(302)}, kwargs=_o("assessment")),
    "assessments:assessment-item": page({"GET": scoped()}, kwargs=_item_kwargs),
    "assessments:assessment-item-history": page({"GET": scoped()}, kwargs=_item_kwargs),
    # carrying last year's answers forward: the school's CIO; the matrix's campaign has no previous
    # year, so the CIO is refused by the state (409), everyone else finds nothing (404)
    "assessments:assessment-carry": page(
        {"GET": cio_only(409, 404), "POST": cio_only(409, 404)}, kwargs=_o("assessment")
    ),
    "assessments:assessment-item-carry": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(409, 404)},
        kwargs=_item_kwargs,
        data={"POST": lambda objs, side: {"version": "1"}},
    ),
    "assessments:assessment-item-confirm": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(409, 404)},
        kwargs=_item_kwargs,
        data={"POST": lambda objs, side: {"version": "1", "value": "1"}},
    ),
    "assessments:assessment-item-save": page(
        # htmx autosave: a refusal in scope is swapped in as 200 with X-Save-Status (item_save_view)
        {"GET": NOT_ALLOWED, "POST": cio_only(200, 404)},
        kwargs=_item_kwargs,
        data={"POST": lambda objs, side: {"version": "1", "self_score": "1"}},
    ),
    # the school's clause ticks (htmx autosave, refusals in scope swapped in like the answer's)
    "assessments:assessment-item-clauses": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(200, 404)},
        kwargs=_item_kwargs,
        data={"POST": lambda objs, side: {"version": "0", "met": "1"}},
    ),
    # designations: the commission's queue and settings, the district's board and nominations
    "assessments:campaign-result-rule": page(
        {"GET": campaign_manager(200), "POST": campaign_manager(400)}, kwargs=_o("campaign")
    ),
    "assessments:designation-queue": page({"GET": campaign_manager(200)}, kwargs=_o("campaign")),
    # city acceptance: the commission managing the campaign; a submitted (not finalised) result → 409
    "assessments:acceptance-list": page({"GET": campaign_manager(200)}, kwargs=_o("campaign")),
    "assessments:acceptance-bulk": page({"POST": campaign_manager(400)}, kwargs=_o("campaign")),
    "assessments:acceptance-accept": page({"POST": campaign_manager(409)}, kwargs=_submitted),
    "assessments:acceptance-send-back": page(
        {"POST": campaign_manager(409)},
        kwargs=_submitted,
        data={"POST": lambda objs, side: {"reason": "矩阵"}},
    ),
    # delegating the acceptance: the commission managing the campaign (no reviewer chosen → 400)
    "assessments:acceptance-delegates": page(
        {"GET": campaign_manager(200), "POST": campaign_manager(400)}, kwargs=_o("campaign")
    ),
    "assessments:acceptance-delegate-remove": page(
        {"GET": NOT_ALLOWED, "POST": campaign_manager(302)}, kwargs=_o("acceptance_delegate")
    ),
    # re-check sampling: the commission managing the campaign (an empty form is invalid input)
    "assessments:sample-draw": page(
        {"GET": campaign_manager(200), "POST": campaign_manager(400)}, kwargs=_o("campaign")
    ),
    "assessments:sample-detail": page({"GET": campaign_manager(200)}, kwargs=_o("sample")),
    "assessments:sample-assign": page(
        {"POST": campaign_manager(302)},
        kwargs=lambda objs, side: {"pk": objs[side]["sample"].pk, "row": objs[side]["sample_row"].pk},
        data={"POST": lambda objs, side: {"reviewer": ""}},
    ),
    # the city re-check: only the assigned city reviewer (here A1's reviewer, side a); the district
    # review is not finalised yet → 409
    "assessments:recheck-list": page({"GET": statuses(404, reviewer=200)}),
    # the re-check opens the review workbench in the city stage (a redirect to its first item);
    # its autosave is swapped in (200, the 409 in X-Save-Status)
    "assessments:recheck": page({"GET": statuses(404, reviewer=302)}, kwargs=_submitted),
    "assessments:recheck-item": page({"GET": statuses(404, reviewer=200)}, kwargs=_submitted_item_kwargs),
    "assessments:recheck-item-save": page(
        {"GET": NOT_ALLOWED, "POST": statuses(404, reviewer=200)},
        kwargs=_submitted_item_kwargs,
        data={"POST": lambda objs, side: {"value": "1", "version": "0"}},
    ),
    "assessments:designation-settings": page({"POST": campaign_manager(400)}, kwargs=_o("campaign")),
    "assessments:designation-board": page({"GET": reviewer_only(200)}, kwargs=_o("campaign")),
    "assessments:designation-nominate": page(
        {"POST": reviewer_only(409)},
        kwargs=_o("assessment"),
        data={"POST": lambda objs, side: {"kind": "demonstration"}},
    ),
    "assessments:designation-decide": page({"POST": campaign_manager(400)}, kwargs=_o("designation")),
    # the 学校基本情况 tab: the school's CIO records facts (htmx autosave: a refusal in scope is swapped
    # in as 200 with X-Save-Status), the school's reviewer marks them doubtful once submitted
    "assessments:assessment-facts": page({"GET": scoped()}, kwargs=_o("assessment")),
    "assessments:assessment-fact-save": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(200, 404)},
        kwargs=_fact_kwargs,
        data={"POST": lambda objs, side: {"version": "0", "value": "1200"}},
    ),
    "assessments:assessment-fact-doubt": page(
        {"GET": NOT_ALLOWED, "POST": reviewer_only(302)},
        kwargs=_submitted_fact_kwargs,
        data={"POST": lambda objs, side: {"version": "0", "doubtful": "1", "comment": "与合同不符"}},
    ),
    # an empty extension form is invalid input
    "assessments:assessment-extend": page(
        {"GET": campaign_manager(200), "POST": campaign_manager(400)}, kwargs=_o("assessment")
    ),
    "assessments:assessment-submit": page(
        # GET: completeness check; POST: refused as incomplete (400) — only the school's CIO gets there
        {"GET": cio_only(200, 404), "POST": cio_only(400, 404)},
        kwargs=_o("assessment"),
    ),
    # the district review, on a submitted assessment (school a1b / b2): its district's reviewer reviews,
    # commission staff read it, reopen (a finalised one) and assign reviewers
    "assessments:review-queue": page({"GET": statuses(404, reviewer=200, other_reviewer=200)}),
    "assessments:review-summary": page({"GET": review_readers()}, kwargs=_submitted),
    "assessments:review-history": page({"GET": review_readers()}, kwargs=_submitted),
    "assessments:review-item": page({"GET": review_readers()}, kwargs=_submitted_item_kwargs),
    # starting redirects to the first item; returning and finalising a review not started: 409
    "assessments:review-start": page({"GET": NOT_ALLOWED, "POST": reviewer_only(302)}, kwargs=_submitted),
    "assessments:review-return": page({"GET": NOT_ALLOWED, "POST": reviewer_only(409)}, kwargs=_submitted),
    "assessments:review-finalise": page({"GET": NOT_ALLOWED, "POST": reviewer_only(409)}, kwargs=_submitted),
    # only a finalised review is reopened: 409
    "assessments:review-reopen": page(
        {"GET": campaign_manager(200), "POST": campaign_manager(409)},
        kwargs=_submitted,
        data={"POST": lambda objs, side: {"reason": "矩阵"}},
    ),
    # the reviewer is picked among the candidates (an expert without a role is one everywhere)
    "assessments:review-assign": page(
        {"GET": NOT_ALLOWED, "POST": campaign_manager(302)},
        kwargs=_submitted,
        data={"POST": lambda objs, side: {"reviewer": _expert().pk}},
    ),
    "assessments:review-reviewers": page({"GET": campaign_manager(200)}, kwargs=_submitted),
    "assessments:review-item-save": page(
        {"GET": NOT_ALLOWED, "POST": reviewer_only(200)},
        kwargs=_submitted_item_kwargs,
        data={"POST": _verdict},
    ),
    "assessments:review-item-clauses": page(
        {"GET": NOT_ALLOWED, "POST": reviewer_only(200)},
        kwargs=_submitted_item_kwargs,
        data={"POST": lambda objs, side: {"version": "0", "met": "1"}},
    ),
    "assessments:notification-list": page({"GET": ALL_200, "POST": statuses(302)}),
    "assessments:notification-unread": page(),
    # evidence
    "evidence:library": page(
        {"GET": scoped()}, kwargs=lambda objs, side: {"school_id": objs[side]["school"].pk}
    ),
    "evidence:library-upload": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(302, 404)},
        kwargs=lambda objs, side: {"school_id": objs[side]["school"].pk},
        data={"POST": lambda objs, side: {"files": png("新文件.png", salt=b"new")}},
    ),
    "evidence:file-download": page({"GET": scoped()}, kwargs=_o("file")),
    "evidence:file-preview": page({"GET": scoped()}, kwargs=_o("file")),
    "evidence:file-thumbnail": page({"GET": scoped()}, kwargs=_o("file")),
    "evidence:file-delete": page({"GET": cio_only(200, 404), "POST": cio_only(302, 404)}, kwargs=_o("file")),
    # changing evidence is the CIO's (404 for everyone else); a refusal in scope is swapped into the
    # panel as 200 with X-Save-Status (htmx swaps 2xx only)
    "evidence:response-panel": page({"GET": scoped()}, kwargs=_response_kwargs),
    "evidence:response-picker": page({"GET": scoped()}, kwargs=_response_kwargs),
    "evidence:response-history": page({"GET": scoped()}, kwargs=_response_kwargs),
    "evidence:response-upload": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(200, 404)},
        kwargs=_response_kwargs,
        data={"POST": lambda objs, side: {"files": png("条目文件.png", salt=b"item")}},
    ),
    "evidence:response-attach": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(200, 404)},
        kwargs=_response_kwargs,
        data={"POST": lambda objs, side: {"file": objs[side]["spare_file"].pk}},
    ),
    "evidence:response-detach": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(200, 404)},
        kwargs=lambda objs, side: {
            "response_id": objs[side]["response"].pk,
            "file_id": objs[side]["file"].pk,
        },
    ),
    "evidence:response-link-add": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(200, 404)},
        kwargs=_response_kwargs,
        data={"POST": lambda objs, side: {"url": "https://example.edu.cn/b", "title": "另一个链接"}},
    ),
    "evidence:response-link-remove": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(200, 404)},
        kwargs=lambda objs, side: {
            "response_id": objs[side]["response"].pk,
            "link_id": objs[side]["link"].pk,
        },
    ),
    # classrooms: the school's scope reads them, only its CIO changes them (404 for everyone else);
    # an empty form or upload is invalid input (400)
    "classrooms:overview": page(),
    "classrooms:school": page(
        {"GET": scoped()}, kwargs=lambda objs, side: {"school_id": objs[side]["school"].pk}
    ),
    "classrooms:classroom-create": page(
        {"GET": cio_only(200, 404), "POST": cio_only(400, 404)},
        kwargs=lambda objs, side: {"school_id": objs[side]["school"].pk},
    ),
    "classrooms:import-upload": page(
        {"GET": cio_only(200, 404), "POST": cio_only(400, 404)},
        kwargs=lambda objs, side: {"school_id": objs[side]["school"].pk},
    ),
    "classrooms:import-template": page(
        {"GET": cio_only(200, 404)}, kwargs=lambda objs, side: {"school_id": objs[side]["school"].pk}
    ),
    # confirming without a previewed file: the preview has expired (400)
    "classrooms:import-confirm": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(400, 404)},
        kwargs=lambda objs, side: {"school_id": objs[side]["school"].pk},
    ),
    "classrooms:classroom-detail": page({"GET": scoped()}, kwargs=_o("classroom")),
    "classrooms:classroom-edit": page(
        {"GET": cio_only(200, 404), "POST": cio_only(400, 404)}, kwargs=_o("classroom")
    ),
    "classrooms:classroom-delete": page(
        {"GET": cio_only(200, 404), "POST": cio_only(302, 404)}, kwargs=_o("classroom")
    ),
    "classrooms:device-add": page(
        {"GET": cio_only(200, 404), "POST": cio_only(400, 404)}, kwargs=_o("classroom")
    ),
    "classrooms:device-edit": page(
        {"GET": cio_only(200, 404), "POST": cio_only(400, 404)},
        kwargs=lambda objs, side: _classroom_device(objs, side),
    ),
    "classrooms:device-remove": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(302, 404)},
        kwargs=lambda objs, side: _classroom_device(objs, side),
    ),
    "classrooms:evidence-attach": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(302, 404)},
        kwargs=_o("classroom"),
        data={"POST": lambda objs, side: {"file": objs[side]["spare_file"].pk}},
    ),
    "classrooms:evidence-detach": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(302, 404)},
        kwargs=lambda objs, side: {"pk": objs[side]["classroom"].pk, "file_id": objs[side]["file"].pk},
    ),
    # --- API ---
    "api-root": api({"GET": ALL_200}),
    "api-framework-list": api({"GET": ALL_200}),
    "api-framework-detail": api({"GET": ALL_200}, kwargs=lambda objs, side: {"code": objs["framework"].code}),
    "api-framework-nodes": api({"GET": ALL_200}, kwargs=lambda objs, side: {"code": objs["framework"].code}),
    "api-school-list": api({"GET": ALL_200}),
    "api-school-detail": api({"GET": scoped()}, kwargs=lambda objs, side: {"pk": objs[side]["school"].pk}),
    "api-region-list": api({"GET": ALL_200}),
    "api-region-detail": api({"GET": scoped()}, kwargs=lambda objs, side: {"pk": objs[side]["district"].pk}),
    "api-campaign-list": api(
        # only commission staff create campaigns; another city's staff cannot own this city's one
        # creating is commission staff's (404 for others); another city's staff send ids outside their
        # scope: 400 on the fields, like ids that do not exist
        {"GET": ALL_200, "POST": statuses(404, commission=201, other_commission=400)},
        data={
            "POST": lambda objs, side: {
                "framework": objs["framework"].pk,
                "year": 2027,
                "title": "接口新建",
                "region": objs["a"]["region"].pk,
                "self_deadline": "2027-06-30T23:59:59+08:00",
                "review_deadline": "2027-07-30T23:59:59+08:00",
                "schools": [objs["a"]["school"].pk],
            }
        },
    ),
    "api-campaign-detail": api({"GET": scoped()}, kwargs=_o("campaign")),
    "api-assessment-list": api({"GET": ALL_200}),
    "api-assessment-detail": api({"GET": scoped()}, kwargs=_o("assessment")),
    "api-assessment-submit": api({"POST": cio_only(400, 404)}, kwargs=_o("assessment")),
    "api-results-detail": api({"GET": scoped()}, kwargs=_o("assessment")),
    # the campaign's result rule: read by whoever views the campaign, set by commission staff managing it
    "api-result-rule-detail": api(
        {"GET": scoped(), "PUT": statuses(404, commission=200)},
        kwargs=_o("campaign"),
        data={"PUT": lambda objs, side: {"pass_rule": "percent", "pass_min_percent": "60"}},
    ),
    # the dashboard's figures: reviewers and commission staff (a CIO has the school's results)
    "api-statistics-detail": api({"GET": review_readers()}, kwargs=_o("campaign")),
    # the review API, on the submitted assessment
    "api-assessment-facts-detail": api(
        {"GET": scoped(), "PATCH": cio_only(200, 404)},
        kwargs=_o("assessment"),
        data={"PATCH": lambda objs, side: {"values": {"students": 1200}, "versions": {"students": 0}}},
    ),
    "api-assessment-facts-checks": api({"GET": scoped()}, kwargs=_o("assessment")),
    # designations: the district nominates (a draft has not passed: 409), the commission decides
    "api-designation-list": api(
        {"GET": ALL_200, "POST": statuses(400, reviewer=409)},
        data={
            "POST": lambda objs, side: {"assessment": objs[side]["assessment"].pk, "kind": "demonstration"}
        },
        body_out={"POST": 400},
    ),
    "api-designation-detail": api({"GET": review_readers()}, kwargs=_o("designation")),
    "api-designation-award": api({"POST": campaign_manager(409)}, kwargs=_o("designation")),
    "api-designation-refuse": api({"POST": campaign_manager(400)}, kwargs=_o("designation")),
    "api-designation-revoke": api(
        {"POST": campaign_manager(409)},
        kwargs=_o("designation"),
        data={"POST": lambda objs, side: {"reason": "矩阵"}},
    ),
    # city acceptance: the commission managing the campaign (the result is accepted already → 409)
    "api-acceptance-list": api({"GET": ALL_200}),
    "api-acceptance-detail": api({"GET": campaign_manager(200)}, kwargs=_o("rect_assessment")),
    "api-acceptance-accept": api({"POST": campaign_manager(409)}, kwargs=_o("rect_assessment")),
    "api-acceptance-send-back": api(
        {"POST": campaign_manager(409)},
        kwargs=_o("rect_assessment"),
        data={"POST": lambda objs, side: {"reason": "矩阵"}},
    ),
    # re-check samples: the commission managing the campaign (a preview draw answers 200)
    "api-sample-list": api({"GET": ALL_200}),
    "api-sample-detail": api({"GET": campaign_manager(200)}, kwargs=_o("sample")),
    "api-sample-draw": api(
        {"POST": statuses(404, commission=200)},
        data={
            "POST": lambda objs, side: {
                "campaign": objs["a"]["rect_assessment"].campaign_id,  # it has a finalised school
                "rate": "0.5",
                "seed": "7",
            }
        },
    ),
    # visits: the school's inspectors schedule; the team records findings
    "api-visit-list": api(
        {"GET": ALL_200, "POST": statuses(404, reviewer=201, commission=201)},
        data={"POST": _visit_body},
    ),
    "api-visit-detail": api({"GET": statuses(404, reviewer=200, commission=200)}, kwargs=_o("visit")),
    "api-visit-findings": api(
        {"POST": statuses(404, reviewer=200, commission=200)},
        kwargs=lambda objs, side: {"pk": objs[side]["visit"].pk, "finding_pk": objs[side]["finding"].pk},
        data={"POST": lambda objs, side: {"verdict": "confirmed", "text": ""}},
    ),
    # publications: participants read; the commission publishes (already published → 409) and closes
    # (an objection is undecided → 409)
    "api-publication-list": api(
        {"GET": ALL_200, "POST": statuses(404, commission=409)}, data={"POST": _publication_body}
    ),
    "api-publication-detail": api({"GET": scoped()}, kwargs=_o("publication")),
    "api-publication-close": api({"POST": campaign_manager(409)}, kwargs=_o("publication")),
    # objections: the school raises (its item has an open one → 409); the commission decides
    "api-objection-list": api(
        {"GET": ALL_200, "POST": statuses(404, cio=409)}, data={"POST": _objection_body}
    ),
    "api-objection-detail": api({"GET": scoped()}, kwargs=_o("objection")),
    "api-objection-uphold": api(
        {"POST": campaign_manager(200)},
        kwargs=_o("objection"),
        data={"POST": lambda objs, side: {"reason": "矩阵"}},
    ),
    "api-objection-reject": api(
        {"POST": campaign_manager(200)},
        kwargs=_o("objection"),
        data={"POST": lambda objs, side: {"reason": "矩阵"}},
    ),
    "api-review-list": api({"GET": ALL_200}),
    "api-review-detail": api({"GET": review_readers()}, kwargs=_submitted),
    "api-review-start": api({"POST": reviewer_only(200)}, kwargs=_submitted),
    "api-review-return": api({"POST": reviewer_only(409)}, kwargs=_submitted),
    "api-review-finalise": api({"POST": reviewer_only(409)}, kwargs=_submitted),
    "api-review-reviewers": api({"GET": campaign_manager(200)}, kwargs=_submitted),
    "api-review-assign": api(
        {"POST": campaign_manager(200)},
        kwargs=_submitted,
        data={"POST": lambda objs, side: {"reviewer": _expert().pk}},
    ),
    "api-review-reopen": api(
        {"POST": campaign_manager(409)},
        kwargs=_submitted,
        data={"POST": lambda objs, side: {"reason": "矩阵"}},
    ),
    "api-review-item-list": api({"GET": ALL_200}),
    "api-review-item-detail": api(
        {"GET": review_readers(), "PATCH": reviewer_only(200), "PUT": NOT_ALLOWED},
        kwargs=lambda objs, side: {"pk": objs[side]["submitted_response"].pk},
        data={"PATCH": _verdict, "PUT": _verdict},
    ),
    "api-response-list": api({"GET": ALL_200}),
    "api-response-detail": api(
        {"GET": scoped(), "PATCH": cio_only(200, 404), "PUT": NOT_ALLOWED},
        kwargs=_o("response"),
        data={
            "PATCH": lambda objs, side: {"version": 1, "self_score": "1"},
            "PUT": lambda objs, side: {"version": 1, "self_score": "1"},
        },
    ),
    "api-evidence-file-list": api(
        {"GET": ALL_200, "POST": cio_only(201, 400, out=400)},
        data={
            "POST": lambda objs, side: {"school": objs[side]["school"].pk, "file": png("接口.png", b"api")}
        },
        body_out={"POST": 400},
    ),
    "api-evidence-file-detail": api({"GET": scoped()}, kwargs=_o("file")),
    "api-evidence-attachment-list": api(
        {"GET": ALL_200, "POST": cio_only(201, 400, out=400)},
        data={
            "POST": lambda objs, side: {
                "response": objs[side]["response"].pk,
                "file": objs[side]["spare_file"].pk,
            }
        },
        body_out={"POST": 400},
    ),
    "api-evidence-attachment-detail": api({"DELETE": cio_only(204, 404)}, kwargs=_o("attachment")),
    "api-evidence-link-list": api(
        {"GET": ALL_200, "POST": cio_only(201, 400, out=400)},
        data={
            "POST": lambda objs, side: {
                "response": objs[side]["response"].pk,
                "url": "https://example.edu.cn/c",
                "title": "接口链接",
            }
        },
        body_out={"POST": 400},
    ),
    "api-evidence-link-detail": api({"DELETE": cio_only(204, 404)}, kwargs=_o("link")),
    "api-classroom-list": api(
        {"GET": ALL_200, "POST": cio_only(201, 400, out=400)},
        data={
            "POST": lambda objs, side: {
                "school": objs[side]["school"].pk,
                "name": "接口教室",
                "kind": "smart",
            }
        },
        body_out={"POST": 400},
    ),
    "api-classroom-detail": api(
        {"GET": scoped(), "PATCH": cio_only(200, 404), "PUT": NOT_ALLOWED, "DELETE": cio_only(204, 404)},
        kwargs=_o("classroom"),
        data={
            "PATCH": lambda objs, side: {"version": 1, "seats": 30},
            "PUT": lambda objs, side: {"version": 1},
        },
    ),
    "api-classroom-device-list": api(
        {"GET": ALL_200, "POST": cio_only(201, 400, out=400)},
        data={"POST": lambda objs, side: {"classroom": objs[side]["classroom"].pk, "device": "laptop"}},
        body_out={"POST": 400},
    ),
    "api-classroom-device-detail": api(
        {"GET": scoped(), "PATCH": cio_only(200, 404), "PUT": NOT_ALLOWED, "DELETE": cio_only(204, 404)},
        kwargs=_o("classroom_device"),
        data={
            "PATCH": lambda objs, side: {"version": 1, "count": 2},
            "PUT": lambda objs, side: {"version": 1},
        },
    ),
    # rectification items (the item's plan awaits review): read by whoever views the assessment; the
    # school's steps are its CIO's (the state forbids them now: 409), the review steps its reviewer's
    "api-rectification-item-list": api({"GET": ALL_200}),
    "api-rectification-item-detail": api({"GET": scoped()}, kwargs=_o("rect_item")),
    "api-rectification-item-plan": api(
        {"POST": cio_only(409, 404)},
        kwargs=_o("rect_item"),
        data={"POST": lambda objs, side: _rect_step(objs, side, plan="矩阵方案", responsible="矩阵")},
    ),
    "api-rectification-item-complete": api(
        {"POST": cio_only(409, 404)},
        kwargs=_o("rect_item"),
        data={"POST": lambda objs, side: _rect_step(objs, side, report="矩阵完成")},
    ),
    "api-rectification-item-approve": api(
        {"POST": reviewer_only(200)}, kwargs=_o("rect_item"), data={"POST": _rect_step}
    ),
    "api-rectification-item-return-plan": api(
        {"POST": reviewer_only(200)},
        kwargs=_o("rect_item"),
        data={"POST": lambda objs, side: _rect_step(objs, side, comment="矩阵退回")},
    ),
    "api-rectification-item-verify": api(
        {"POST": reviewer_only(409)}, kwargs=_o("rect_item"), data={"POST": _rect_step}
    ),
    "api-rectification-item-return-completion": api(
        {"POST": reviewer_only(409)},
        kwargs=_o("rect_item"),
        data={"POST": lambda objs, side: _rect_step(objs, side, comment="矩阵退回")},
    ),
    "api-rectification-item-waive": api(
        {"POST": reviewer_only(200)},
        kwargs=_o("rect_item"),
        data={"POST": lambda objs, side: _rect_step(objs, side, reason="矩阵免于整改")},
    ),
    # --- reports: a job is visible to its requester only (the school's CIO here) ---
    # rectification: the CIO's list, the reviewer's queue, one item, its transitions, the confirmation
    "rectification:due-list": page({"GET": statuses(404, cio=200, other_cio=200)}),
    "rectification:review-queue": page({"GET": statuses(404, reviewer=200, other_reviewer=200)}),
    "rectification:item": page({"GET": scoped()}, kwargs=_o("rect_item")),
    # approving the plan: the school's reviewer only (the CIO and the commission only read the item)
    "rectification:item-step": page(
        {"GET": NOT_ALLOWED, "POST": reviewer_only(302)},
        kwargs=lambda objs, side: {"pk": objs[side]["rect_item"].pk, "step": "approve"},
        data={"POST": lambda objs, side: {"version": objs[side]["rect_item"].version, "comment": ""}},
    ),
    # the list is confirmed already: the page says so; a POST without the list is invalid
    "rectification:confirm": page(
        {"GET": reviewer_only(200), "POST": reviewer_only(400)}, kwargs=_o("rect_assessment")
    ),
    # on-site visits: the school's inspectors (its reviewers, the campaign's commission); findings
    # and the sheet are the visit team's (reviewer and commission on side a); the school reads the visit
    "inspections:visit-list": page(
        {"GET": statuses(404, reviewer=200, other_reviewer=200, commission=200, other_commission=200)}
    ),
    "inspections:visit-schedule": page(
        {
            "GET": statuses(404, reviewer=200, commission=200),
            "POST": statuses(404, reviewer=400, commission=400),
        },
        kwargs=_o("rect_assessment"),
    ),
    "inspections:visit-detail": page({"GET": scoped()}, kwargs=_o("visit")),
    # without a file the form is invalid
    "inspections:visit-sheet": page(
        {"GET": NOT_ALLOWED, "POST": statuses(404, reviewer=400, commission=400)}, kwargs=_o("visit")
    ),
    "inspections:finding-record": page(
        {"GET": NOT_ALLOWED, "POST": statuses(404, reviewer=302, commission=302)},
        kwargs=_o("finding"),
        data={"POST": lambda objs, side: {"verdict": "confirmed", "text": ""}},
    ),
    "inspections:finding-rectify": page(
        {"GET": NOT_ALLOWED, "POST": statuses(404, reviewer=400, commission=400)}, kwargs=_o("finding")
    ),
    # the finding is not recorded as a discrepancy yet: nothing to adjust
    "inspections:finding-adjust": page(
        {"GET": NOT_ALLOWED, "POST": statuses(404, reviewer=409, commission=409)}, kwargs=_o("finding")
    ),
    # publication: the commission publishes, decides and closes; the school objects; participants read
    "inspections:publication-list": page(),
    "inspections:publication-create": page(
        {"GET": campaign_manager(200), "POST": campaign_manager(400)},
        kwargs=lambda objs, side: {"pk": objs[side]["rect_assessment"].campaign_id},
    ),
    "inspections:publication-detail": page({"GET": scoped()}, kwargs=_o("publication")),
    # the school's objection is undecided: closing is refused
    "inspections:publication-close": page(
        {"GET": NOT_ALLOWED, "POST": campaign_manager(409)}, kwargs=_o("publication")
    ),
    "inspections:publication-school": page(
        {"GET": cio_only(200, 404)},
        kwargs=lambda objs, side: {
            "pk": objs[side]["publication"].pk,
            "assessment_pk": objs[side]["rect_assessment"].pk,
        },
    ),
    # an objection to the result as a whole (the item has one open already)
    "inspections:objection-raise": page(
        {"GET": NOT_ALLOWED, "POST": cio_only(302, 404)},
        kwargs=lambda objs, side: {
            "pk": objs[side]["publication"].pk,
            "assessment_pk": objs[side]["rect_assessment"].pk,
        },
        data={"POST": lambda objs, side: {"node": "", "reason": "矩阵"}},
    ),
    "inspections:objection-decide": page(
        {"GET": NOT_ALLOWED, "POST": campaign_manager(302)},
        kwargs=lambda objs, side: {"pk": objs[side]["objection"].pk, "decision": "reject"},
        data={"POST": lambda objs, side: {"reason": "矩阵"}},
    ),
    # a public results page: anyone with the link (the login-only variant: tests/inspections)
    "inspections:results": page(
        {"GET": ALL_200}, kwargs=lambda objs, side: {"token": objs["a"]["publication"].token}, anonymous=200
    ),
    "reports:dashboard": page(),
    "reports:job-list": page(),
    "reports:job-request": page(
        {"GET": NOT_ALLOWED, "POST": scoped(302)},
        data={"POST": lambda objs, side: {"kind": "school_pdf", "assessment": objs[side]["assessment"].pk}},
    ),
    "reports:job-detail": page(
        {"GET": cio_only(200, 404)}, kwargs=lambda objs, side: _report_job(objs, side)
    ),
    "reports:job-row": page({"GET": cio_only(200, 404)}, kwargs=lambda objs, side: _report_job(objs, side)),
    "reports:job-retry": page(
        # retrying a finished job is refused (409) for its requester; anyone else does not see it
        {"GET": NOT_ALLOWED, "POST": cio_only(409, 404)},
        kwargs=lambda objs, side: _report_job(objs, side),
    ),
    "reports:job-download": page(
        {"GET": cio_only(200, 404)}, kwargs=lambda objs, side: _report_job(objs, side)
    ),
    # the newest 整改通知书 of an assessment: everyone who may view it (made by its reviewers)
    "reports:rectification-notice": page(
        {"GET": scoped()}, kwargs=lambda objs, side: _rectification_notice(objs, side)
    ),
    "api-report-job-list": api(
        {"GET": ALL_200, "POST": scoped(201)},
        data={"POST": lambda objs, side: {"kind": "school_pdf", "assessment": objs[side]["assessment"].pk}},
    ),
    "api-report-job-detail": api(
        {"GET": cio_only(200, 404)}, kwargs=lambda objs, side: _report_job(objs, side)
    ),
    # retrying a finished job is refused (409) for its requester; anyone else does not see it
    "api-report-job-retry": api(
        {"POST": cio_only(409, 404)}, kwargs=lambda objs, side: _report_job(objs, side)
    ),
    "api-report-job-download": api(
        {"GET": cio_only(200, 404)}, kwargs=lambda objs, side: _report_job(objs, side)
    ),
}


def _cio_of(objs, side) -> dict:
    """The account of the CIO of the side's submitted school (a1b / b2): no matrix client uses it."""
    return {"pk": objs[side]["submitted"].school.memberships.get(role=Role.SCHOOL_CIO).user_id}


def _classroom_device(objs, side) -> dict:
    return {"pk": objs[side]["classroom"].pk, "device_id": objs[side]["classroom_device"].pk}


def _expert():
    """A reviewer without any role: assignable to any school (see `reviewer_candidate_list`)."""
    return UserFactory(username="matrix_expert")


def _report_job(objs, side) -> dict:
    """A finished school report of the side's school, requested by that school's CIO (created once)."""
    if "report_job" not in objs[side]:
        from django.core.files.base import ContentFile

        from reports.models import ReportJob

        cio = objs[side]["school"].memberships.get(role=Role.SCHOOL_CIO).user
        job = ReportJob.objects.create(
            kind="school_pdf",
            dedupe_key=f"matrix:{side}",
            campaign=objs[side]["campaign"],
            assessment=objs[side]["assessment"],
            requested_by=cio,
            status="done",
            progress_done=1,
            progress_total=1,
            result_name="报告.pdf",
        )
        job.result.save("报告.pdf", ContentFile(b"%PDF-1.7 matrix"), save=True)
        objs[side]["report_job"] = job
    return {"pk": objs[side]["report_job"].pk}


def _rectification_notice(objs, side) -> dict:
    """A finished 整改通知书 of the side's rectification assessment (created once)."""
    assessment = objs[side]["rect_assessment"]
    if "rect_notice" not in objs[side]:
        from django.core.files.base import ContentFile

        from reports.models import ReportJob

        job = ReportJob.objects.create(
            kind="rectification_notice",
            dedupe_key=f"matrix-notice:{side}",
            campaign=assessment.campaign,
            assessment=assessment,
            requested_by=objs[side]["school"].memberships.get(role=Role.SCHOOL_CIO).user,
            status="done",
            progress_done=1,
            progress_total=1,
            result_name="整改通知书.pdf",
        )
        job.result.save("整改通知书.pdf", ContentFile(b"%PDF-1.7 notice"), save=True)
        objs[side]["rect_notice"] = job
    return {"pk": assessment.pk}


# --- walking the URLconf -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    params: frozenset[str]
    methods: tuple[str, ...] | None  # DRF viewset actions' methods, else None (declared in the table)

    @property
    def has_format(self) -> bool:
        return "format" in self.params


def _params(pattern) -> set[str]:
    regex = pattern.regex
    return set(regex.groupindex)


def walk_urlconf(patterns=None, prefix: str = "", namespace: str | None = None, params=frozenset()):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from walk_urlconf(
                entry.url_patterns, prefix + str(entry.pattern), ns, params | _params(entry.pattern)
            )
        elif isinstance(entry, URLPattern):
            actions = getattr(entry.callback, "actions", None)
            yield (
                namespace,
                Route(
                    name=f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or "",
                    route=prefix + str(entry.pattern),
                    params=frozenset(params | _params(entry.pattern)),
                    methods=tuple(m.upper() for m in actions if m not in ("head", "options"))
                    if actions
                    else None,
                ),
            )


def covered_routes() -> tuple[list[Route], dict[str, str]]:
    routes, skipped = [], {}
    for namespace, route in walk_urlconf():
        if namespace in SKIPPED_NAMESPACES:
            skipped[f"{namespace}:*"] = SKIPPED_NAMESPACES[namespace]
        elif route.name in SKIPPED_NAMES:
            skipped[route.name] = SKIPPED_NAMES[route.name]
        elif any(route.route.startswith(p) for p in SKIPPED_ROUTE_PREFIXES):
            skipped[route.route] = "static/media"
        else:
            routes.append(route)
    return routes, skipped


def test_every_url_name_has_an_entry():
    routes, _ = covered_routes()
    missing = sorted({r.name or f"<unnamed {r.route}>" for r in routes} - set(MATRIX))
    assert not missing, f"URL names without an entry in the permission matrix: {missing}"
    stale = sorted(set(MATRIX) - {r.name for r in routes})
    assert not stale, f"entries for URL names that no longer exist: {stale}"


def test_viewset_methods_are_all_in_the_table():
    routes, _ = covered_routes()
    gaps = sorted(
        f"{r.name} {m}"
        for r in routes
        if r.methods and r.name in MATRIX
        for m in r.methods
        if m not in MATRIX[r.name].methods
    )
    assert not gaps, f"API methods routed but without expectations: {gaps}"


# --- running it ----------------------------------------------------------------------------------------


def _url(route: Route, entry: Entry, objs, side: str) -> str:
    kwargs = dict(entry.kwargs(objs, side)) if entry.kwargs else {}
    if route.has_format:
        kwargs["format"] = "json"
    url = reverse(route.name, kwargs=kwargs or None)
    return url + (f"?{entry.query}" if entry.query else "")


def _request(client: Client, method: str, url: str, payload, *, api: bool):
    if method == "GET":
        return client.get(url)
    if method == "DELETE":
        return client.delete(url)
    if method in ("PATCH", "PUT"):
        return client.generic(method, url, _json(payload), content_type="application/json")
    if payload is None:
        return client.post(url)
    if api and not any(isinstance(v, SimpleUploadedFile) for v in payload.values()):
        return client.post(url, payload, content_type="application/json")
    return client.post(url, payload)


def _json(payload) -> str:
    return json.dumps(payload or {})


def _expected(entry: Entry, method: str, role: str, side: str) -> int | str:
    if role == "anonymous":
        if isinstance(entry.anonymous, dict):
            return entry.anonymous[method]
        if entry.anonymous is not None:
            return entry.anonymous
        return 401 if entry.api else LOGIN
    table = entry.methods[method]
    if set(table.values()) == {405}:
        return 405  # the method is refused before any lookup: the same for every object, no leak
    if side == "a":
        return table[role]
    # "b" (city B): other_commission stands where commission stood for "a"; everyone else is outside
    if role == "other_commission":
        return table["commission"]
    return entry.body_out.get(method, 404)


def _check(response, expected) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and response["Location"].startswith(reverse("login"))
    return response.status_code == expected


def test_permission_matrix(objects, world):
    routes, skipped = covered_routes()
    clients = {role: Client(raise_request_exception=False) for role in ROLES}
    for role in LOGGED_IN:
        clients[role].force_login(world.users[role])

    seen_urls: set[tuple[str, str, str]] = set()
    failures, cases = [], 0
    for route in routes:
        entry = MATRIX.get(route.name)
        if entry is None:
            continue  # reported by test_every_url_name_has_an_entry
        sides = ("a", "b") if entry.kwargs and _has_object(entry, objects) else ("a",)
        for side in sides:
            url = _url(route, entry, objects, side)
            for method in entry.methods:
                if (url, method, side) in seen_urls:
                    continue  # the same URL reached through a shadowed duplicate pattern (api-root)
                seen_urls.add((url, method, side))
                for role in ROLES:
                    maker = entry.data.get(method)
                    payload = maker(objects, side) if maker else None
                    with transaction.atomic():
                        response = _request(clients[role], method, url, payload, api=entry.api)
                        transaction.set_rollback(True)
                    cases += 1
                    expected = _expected(entry, method, role, side)
                    if not _check(response, expected):
                        failures.append(
                            f"{method} {url} [{route.name}, object {side}] as {role}: "
                            f"expected {expected}, got {response.status_code}"
                        )
                    if entry.api and response.status_code >= 400 and response.status_code != 405:
                        if "json" in response.get("Content-Type", ""):
                            body = response.json()
                            if "error" not in body:
                                failures.append(f"{method} {url} as {role}: error body without 'error'")
                    if response.status_code in (400, 404) and _out_of_scope(entry, method, role, side):
                        leaked = [n for n in _other_scope_names(objects, role, side) if n in _body(response)]
                        if leaked:
                            failures.append(f"{method} {url} as {role}: the answer names {leaked}")
                    if (
                        route.name in ("evidence:file-download", "evidence:file-thumbnail")
                        and response.status_code == 200
                    ):
                        assert response["X-Content-Type-Options"] == "nosniff"

    report = (
        f"permission matrix: {cases} (endpoint, role, object) cases checked over "
        f"{len({r.name for r in routes})} URL names and {len(routes)} URL patterns; "
        f"skipped: {sorted(skipped)}"
    )
    print(report)  # noqa: T201 — the number is part of what this test reports
    artifacts = Path("test-artifacts")
    artifacts.mkdir(exist_ok=True)
    (artifacts / "permission-matrix.txt").write_text(report + "\n", encoding="utf-8")
    assert not failures, f"{len(failures)} of {cases} cases differ:\n" + "\n".join(failures)


def _out_of_scope(entry: Entry, method: str, role: str, side: str) -> bool:
    """Whether the object of this case lies outside the role's scope (the answer must name nothing)."""
    if role == "anonymous" or not entry.kwargs and method not in entry.body_out:
        return False
    if side == "a":
        return role in A_OUT_OF_SCOPE
    return role != "other_commission"


def _other_scope_names(objs, role: str, side: str) -> list[str]:
    """Names the role must never read in an answer about the side's objects."""
    o = objs[side]
    names = [o["school"].name, o["submitted"].school.name, o["campaign"].title]
    if side == "b" or role == "other_commission":
        names += [o["region"].name, o["district"].name]
    return names


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")


def test_review_urls_of_a_draft_do_not_exist(objects, world):
    """A draft is not part of the review yet: every review URL answers 404, for every role."""
    draft = objects["a"]["assessment"]
    code = objects["a"]["response"].node.code
    urls = [
        ("GET", reverse(f"assessments:review-{name}", args=[draft.pk]))
        for name in ("summary", "history", "reopen", "reviewers")
    ]
    urls += [
        ("POST", reverse(f"assessments:review-{n}", args=[draft.pk]))
        for n in ("start", "return", "finalise", "assign", "reopen")
    ]
    urls += [
        ("GET", reverse("assessments:review-item", args=[draft.pk, code])),
        ("POST", reverse("assessments:review-item-save", args=[draft.pk, code])),
        ("POST", reverse("assessments:review-item-clauses", args=[draft.pk, code])),
        ("GET", f"/api/reviews/{draft.pk}/"),
        ("POST", f"/api/reviews/{draft.pk}/start/"),
        ("GET", f"/api/reviews/{draft.pk}/reviewers/"),
        ("POST", f"/api/reviews/{draft.pk}/assign/"),
        ("GET", f"/api/review-items/{objects['a']['response'].pk}/"),
    ]
    for role in LOGGED_IN:
        client = Client()
        client.force_login(world.users[role])
        for method, url in urls:
            answer = client.get(url) if method == "GET" else client.post(url)
            assert answer.status_code == 404, (role, method, url, answer.status_code)


def _has_object(entry: Entry, objs) -> bool:
    """Whether the URL names a per-city object (else the kwargs are constants such as a framework code)."""
    return entry.kwargs(objs, "a") != entry.kwargs(objs, "b")
