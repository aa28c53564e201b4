"""The one mechanism that decides who may do what: "may this user <action> this object?".

A user's memberships and review assignments are read once per request into a `UserScope`. For each
`Action` the scope answers with a `Q` over a model (`schools_q`, `regions_q`, `campaigns_q`,
`assessments_q`, `users_q`) that selectors apply, and for one loaded object with `can(action, obj)`. Views,
API views, services and templates never test roles: they ask a selector for the object *with the
action* (outside the action's scope the object does not exist: 404), or read a `can_…` boolean
a selector computed here.

| action        | who, on what                                                                      |
|---------------|-----------------------------------------------------------------------------------|
| `view`        | see a school, region, campaign, assessment (and its responses and evidence):      |
|               | the school's CIO, reviewers of its region or assigned to it, commission staff     |
|               | covering it                                                                       |
| `edit`        | change a school's answers and its evidence library: the school's CIO              |
| `submit`      | submit the school's assessment: the school's CIO                                  |
| `read_review` | read the review of an assessment: its reviewers and commission staff covering it  |
| `review`      | judge items, start, return, finalise: reviewers of the school's region or         |
|               | assigned to the assessment                                                        |
| `lead`        | consolidate two reviews: the assessment's lead reviewer                           |
| `manage`      | a campaign and its assessments (schools, deadlines), a region's schools, users    |
|               | and imports: commission staff covering it (a user: every one of their roles lies  |
|               | in the commission's regions — `users_q`)                                          |
| `reopen`      | reopen a finalised review: commission staff managing the campaign                 |
| `assign`      | assign reviewers: commission staff managing the campaign                          |
| `report`      | request the reports of a region's schools: reviewers and commission covering it   |
| `rectify`     | write the plan of a rectification item and report its completion: the school's CIO |
| `verify`      | confirm, approve, return, verify or waive rectification items: the reviewers of   |
|               | the assessment (as for `review`, from the submission on)                          |
| `nominate`    | nominate a school for a designation: the district, i.e. the reviewers (区县评审专家) |
|               | whose region membership covers the school (an assessment-only assignment does not |
|               | make a reviewer the school's district)                                            |
| `award`       | award, refuse or revoke a designation and set the quotas: commission staff        |
|               | managing the campaign                                                             |
| `accept`      | accept a finalised assessment or send it back to the district (市级验收):        |
|               | commission staff managing the campaign, and the city reviewers they delegated the |
|               | campaign's acceptance or that school's to (`AcceptanceDelegate`), never for a     |
|               | school they are a CIO of; delegates also read the review they accept              |
| `sample`      | draw a sample of a campaign's schools for the city re-check and assign its city  |
|               | reviewers: commission staff managing the campaign                                 |
| `recheck`     | re-score a sampled school (the city stage of the review): the city reviewer the  |
|               | commission assigned to it in a saved sample; they also read its district review   |
| `inspect`     | schedule an on-site visit (现场核验) and be on its team: commission staff managing |
|               | the campaign and the reviewers of the school (by region or assignment), from the  |
|               | submission on; findings are recorded by the visit's own team                      |
| `object`      | raise an objection (申辩) against a published result: the school's CIO              |
| `publish`     | publish a campaign's results, decide objections, close the publication: commission|
|               | staff managing the campaign                                                       |

The review of an assessment exists from its submission on: for the review actions (`read_review`,
`review`, `lead`, `reopen`, `assign`) a draft is outside every scope. A reviewer who is also a CIO
of the school stays in the review scope (the queue and the workbench show the school, with the
reason), and the review services refuse every verdict with a conflict (`has_conflict`).
A superuser is in every scope except `edit` and `submit`, which belong to the school's own CIOs.

Objects of higher apps that belong to one assessment (a rectification item) name it as
`scope_assessment`: `view` as for the assessment, `rectify` and `verify` as above.

Objects of higher apps that belong to one school (a classroom of the inventory, one of its devices)
name it as `scope_school`: they are in scope for `view` and `edit` exactly where their school is,
and for no other action. This module never imports those apps.
"""

from __future__ import annotations

import enum
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from smartcampus.db import CompiledQuery

from .models import (
    AcceptanceDelegate,
    Assessment,
    AssessmentStatus,
    Campaign,
    ItemResponse,
    Membership,
    Notification,
    Region,
    ReviewAssignment,
    Role,
    SampleSchool,
    School,
)
from .models.notifications import notification_writes

_CACHE_ATTR = "_smartcampus_scope"
_MENU_ATTR = "_smartcampus_menu"
ASSIGNED = "assigned"  # pseudo-role of a review assignment row in get_scope's UNION
RECHECK = "recheck"  # pseudo-role of a city re-check assignment row in get_scope's UNION
ACCEPTING = "accepting"  # pseudo-role of an acceptance delegation row in get_scope's UNION
UNREAD = "unread"  # pseudo-role of the unread notifications' count in get_scope's UNION


class Action(enum.StrEnum):
    VIEW = "view"
    EDIT = "edit"
    SUBMIT = "submit"
    READ_REVIEW = "read_review"
    REVIEW = "review"
    LEAD = "lead"
    MANAGE = "manage"
    REOPEN = "reopen"
    ASSIGN = "assign"
    REPORT = "report"
    RECTIFY = "rectify"
    VERIFY = "verify"
    NOMINATE = "nominate"
    AWARD = "award"
    ACCEPT = "accept"
    SAMPLE = "sample"
    RECHECK = "recheck"
    INSPECT = "inspect"
    OBJECT = "object"
    PUBLISH = "publish"


#: actions on the review of an assessment, which exists once the school has submitted
REVIEW_ACTIONS = frozenset(
    {
        Action.READ_REVIEW,
        Action.REVIEW,
        Action.LEAD,
        Action.REOPEN,
        Action.ASSIGN,
        Action.VERIFY,
        Action.ACCEPT,
        Action.RECHECK,
        Action.INSPECT,
    }
)
#: what may be done to an object that belongs to one assessment (a rectification item, a
#: designation), decided by the rule of that action on the assessment
OWNED_BY_ASSESSMENT_ACTIONS = frozenset(
    {
        Action.VIEW,
        Action.RECTIFY,
        Action.VERIFY,
        Action.NOMINATE,
        Action.AWARD,
        Action.INSPECT,
        Action.OBJECT,
        Action.PUBLISH,
    }
)
NOTHING = Q(pk__in=[])


def _under(paths, lookup: str) -> Q:
    """Rows whose `lookup` (a region path) lies in one of the subtrees `paths`."""
    q = NOTHING
    for path in paths:
        q |= Q(**{f"{lookup}__startswith": path})
    return q


def _covered(path: str, paths) -> bool:
    return any(path.startswith(p) for p in paths)


@dataclass(frozen=True)
class UserScope:
    """What one user covers: schools as CIO, region subtrees as reviewer or commission staff, and
    the assessments they were assigned to review (and lead)."""

    user_id: int | None
    is_superuser: bool = False
    cio_school_ids: frozenset[int] = field(default_factory=frozenset)
    reviewer_paths: tuple[str, ...] = ()
    commission_paths: tuple[str, ...] = ()
    review_school_ids: frozenset[int] = field(default_factory=frozenset)
    review_assessment_ids: frozenset[int] = field(default_factory=frozenset)
    lead_assessment_ids: frozenset[int] = field(default_factory=frozenset)
    #: assessments the user re-checks for the city (a saved sample's `SampleSchool.reviewer`)
    recheck_assessment_ids: frozenset[int] = field(default_factory=frozenset)
    #: acceptance delegated to the user: whole campaigns, single assessments, and the campaigns
    #: of either (`AcceptanceDelegate`)
    accept_campaign_ids: frozenset[int] = field(default_factory=frozenset)
    accept_assessment_ids: frozenset[int] = field(default_factory=frozenset)
    accepting_campaign_ids: frozenset[int] = field(default_factory=frozenset)

    # --- querysets: one Q per model and action ----------------------------------------------------

    def schools_q(self, action: Action = Action.VIEW, prefix: str = "") -> Q:
        """Schools (`prefix` is the path to the school, e.g. "school__") in scope for `action`."""
        if action in (Action.EDIT, Action.SUBMIT):
            return Q(**{f"{prefix}id__in": sorted(self.cio_school_ids)}) if self.cio_school_ids else NOTHING
        if self.is_superuser:
            return Q()
        if action == Action.MANAGE:
            return _under(self.commission_paths, f"{prefix}region__path")
        if action != Action.VIEW:
            return NOTHING
        q = _under(self.reviewer_paths + self.commission_paths, f"{prefix}region__path")
        ids = sorted(self.cio_school_ids | self.review_school_ids)
        return q | Q(**{f"{prefix}id__in": ids}) if ids else q

    def regions_q(self, action: Action = Action.VIEW, prefix: str = "") -> Q:
        """Regions in scope: subtrees of the user's region memberships (`view` adds the regions of
        their own schools; `manage` only the commission ones; `report` reviewers' and commission's)."""
        if self.is_superuser:
            return Q()
        path = f"{prefix}path"
        if action == Action.MANAGE:
            return _under(self.commission_paths, path)
        if action == Action.REPORT:
            return _under(self.reviewer_paths + self.commission_paths, path)
        if action != Action.VIEW:
            return NOTHING
        q = _under(self.reviewer_paths + self.commission_paths, path)
        if self.cio_school_ids:
            q |= Q(**{f"{prefix}schools__id__in": sorted(self.cio_school_ids)})
        return q

    def users_q(self, action: Action = Action.MANAGE) -> Q:
        """Other users' accounts in scope (`manage`: reset their password). Commission staff cover a
        user whose every membership and review assignment lies in their region subtrees, so taking
        the account over would give them no right they do not hold already; superusers and staff
        (who hold rights beyond any region) and users without a role are covered by superusers only.
        Nobody covers themselves here: one's own password is changed, not reset."""
        if action != Action.MANAGE or self.user_id is None:
            return NOTHING
        if self.is_superuser:
            return ~Q(pk=self.user_id)
        if not self.commission_paths:
            return NOTHING
        paths = self.commission_paths
        in_paths = _under(paths, "school__region__path") | _under(paths, "region__path")
        inside = Membership.objects.filter(in_paths)
        outside = Membership.objects.exclude(pk__in=inside.values("pk"))
        assigned_outside = ReviewAssignment.objects.exclude(_under(paths, "assessment__school__region__path"))
        return (
            Q(pk__in=inside.values("user_id"))
            & ~Q(pk__in=outside.values("user_id"))
            & ~Q(pk__in=assigned_outside.values("reviewer_id"))
            & Q(is_superuser=False, is_staff=False)
            & ~Q(pk=self.user_id)
        )

    def campaign_owner_regions_q(self) -> Q:
        """Regions that may own a new campaign of this user: their commission regions themselves."""
        if self.is_superuser:
            return Q(level__in=[Region.Level.PROVINCE, Region.Level.CITY])
        return Q(path__in=self.commission_paths) if self.commission_paths else NOTHING

    def campaigns_q(self, action: Action = Action.VIEW, prefix: str = "") -> Q:
        """Campaigns: managed ones (owned by a region the user covers as commission staff) and, to
        view, also those with an assessment the user may view."""
        if self.is_superuser:
            return Q()
        managed = _under(self.commission_paths, f"{prefix}region__path")
        if action == Action.ACCEPT and self.accepting_campaign_ids:
            return managed | Q(**{f"{prefix}pk__in": sorted(self.accepting_campaign_ids)})
        if action in (Action.MANAGE, Action.AWARD, Action.SAMPLE, Action.ACCEPT, Action.PUBLISH):
            return managed
        if action == Action.NOMINATE:
            nominating = Assessment.objects.filter(self.assessments_q(Action.NOMINATE)).values("campaign_id")
            return Q(**{f"{prefix}pk__in": nominating}) if self.reviewer_paths else NOTHING
        if action != Action.VIEW:
            return NOTHING
        # EXISTS per campaign stops at its first assessment in scope; `pk IN (every assessment in
        # scope)` read all of them (the whole city for its commission) on every list and count.
        taking_part = Assessment.objects.filter(
            self.schools_q(Action.VIEW, "school__"), campaign_id=OuterRef(f"{prefix}pk")
        )
        return managed | Q(Exists(taking_part))

    def assessments_q(self, action: Action = Action.VIEW, prefix: str = "") -> Q:
        """Assessments (`prefix` is the path to the assessment, e.g. "assessment__") in scope."""
        q = self._assessments_q(action, prefix)
        if action in REVIEW_ACTIONS:
            q &= Q(**{f"{prefix}status__in": AssessmentStatus.in_review()})
        return q

    def _assessments_q(self, action: Action, prefix: str) -> Q:
        school = f"{prefix}school__"
        if action in (Action.RECTIFY, Action.OBJECT):
            return self.schools_q(Action.EDIT, school)
        if action in (Action.VIEW, Action.EDIT, Action.SUBMIT):
            return self.schools_q(action, school)
        if self.is_superuser:
            return Q()
        managed = _under(self.commission_paths, f"{prefix}campaign__region__path")
        reviewer = _under(self.reviewer_paths, f"{school}region__path")
        if self.review_assessment_ids:
            reviewer |= Q(**{f"{prefix}id__in": sorted(self.review_assessment_ids)})
        rechecking = (
            Q(**{f"{prefix}id__in": sorted(self.recheck_assessment_ids)})
            if self.recheck_assessment_ids
            else NOTHING
        )
        accepting = self._delegated_q(prefix)
        if action in (Action.REVIEW, Action.VERIFY):
            return reviewer
        if action == Action.READ_REVIEW:
            return reviewer | _under(self.commission_paths, f"{school}region__path") | rechecking | accepting
        if action == Action.ACCEPT:
            return managed | accepting
        if action == Action.RECHECK:
            return rechecking
        if action == Action.LEAD:
            ids = sorted(self.lead_assessment_ids)
            return Q(**{f"{prefix}id__in": ids}) if ids else NOTHING
        if action in (
            Action.MANAGE,
            Action.REOPEN,
            Action.ASSIGN,
            Action.AWARD,
            Action.ACCEPT,
            Action.PUBLISH,
        ):
            return managed
        if action == Action.INSPECT:
            return managed | reviewer
        if action == Action.NOMINATE:
            return _under(self.reviewer_paths, f"{school}region__path")
        return NOTHING

    def _delegated_q(self, prefix: str) -> Q:
        """Assessments whose acceptance commission staff delegated to the user (not their schools)."""
        q = NOTHING
        if self.accept_campaign_ids:
            q |= Q(**{f"{prefix}campaign_id__in": sorted(self.accept_campaign_ids)})
        if self.accept_assessment_ids:
            q |= Q(**{f"{prefix}id__in": sorted(self.accept_assessment_ids)})
        if q is not NOTHING and self.cio_school_ids:
            q &= ~Q(**{f"{prefix}school_id__in": sorted(self.cio_school_ids)})
        return q

    def _delegated(self, assessment: Assessment) -> bool:
        return (
            assessment.campaign_id in self.accept_campaign_ids or assessment.pk in self.accept_assessment_ids
        ) and assessment.school_id not in self.cio_school_ids

    # --- one object ---------------------------------------------------------------------------------

    def can(self, action: Action, obj) -> bool:
        """May this user do `action` on `obj` (a School, Region, Campaign, Assessment or ItemResponse,
        or an object with a `scope_school`, with the regions and campaign it points to loaded)?
        No query."""
        if isinstance(obj, ItemResponse):
            obj = obj.assessment
        assessment = getattr(obj, "scope_assessment", None)
        if isinstance(assessment, Assessment):
            # objects that belong to one assessment (rectification items, designations)
            return action in OWNED_BY_ASSESSMENT_ACTIONS and self._can_assessment(action, assessment)
        owner = getattr(obj, "scope_school", None)
        if isinstance(owner, School):
            return action in (Action.VIEW, Action.EDIT) and self._can_school(
                action, owner.pk, owner.region.path
            )
        if isinstance(obj, Assessment):
            return self._can_assessment(action, obj)
        if isinstance(obj, School):
            return self._can_school(action, obj.pk, obj.region.path)
        if isinstance(obj, Campaign):
            if action == Action.NOMINATE:
                path = obj.region.path
                return self.is_superuser or any(
                    p.startswith(path) or path.startswith(p) for p in self.reviewer_paths
                )
            if action == Action.ACCEPT and obj.pk in self.accepting_campaign_ids:
                return True
            if action in (Action.AWARD, Action.SAMPLE, Action.ACCEPT, Action.PUBLISH):
                action = Action.MANAGE
            if action not in (Action.VIEW, Action.MANAGE):
                return False
            return self.is_superuser or _covered(obj.region.path, self.commission_paths)
        if isinstance(obj, Region):
            if self.is_superuser:
                return action in (Action.VIEW, Action.MANAGE, Action.REPORT)
            paths = {
                Action.VIEW: self.reviewer_paths + self.commission_paths,
                Action.REPORT: self.reviewer_paths + self.commission_paths,
                Action.MANAGE: self.commission_paths,
            }.get(action, ())
            return _covered(obj.path, paths)
        raise TypeError(f"no scope rule for {type(obj).__name__}")

    def _can_school(self, action: Action, school_id: int, path: str) -> bool:
        if action in (Action.EDIT, Action.SUBMIT):
            return school_id in self.cio_school_ids
        if self.is_superuser:
            return action in (Action.VIEW, Action.MANAGE)
        if action == Action.MANAGE:
            return _covered(path, self.commission_paths)
        if action != Action.VIEW:
            return False
        return (
            school_id in self.cio_school_ids
            or school_id in self.review_school_ids
            or _covered(path, self.reviewer_paths + self.commission_paths)
        )

    def _can_assessment(self, action: Action, assessment: Assessment) -> bool:
        if action in (Action.RECTIFY, Action.OBJECT):
            return self._can_school(Action.EDIT, assessment.school_id, assessment.school.region.path)
        if action in (Action.VIEW, Action.EDIT, Action.SUBMIT):
            return self._can_school(action, assessment.school_id, assessment.school.region.path)
        if action in REVIEW_ACTIONS and assessment.status not in AssessmentStatus.in_review():
            return False
        if self.is_superuser:
            return True
        school_path = assessment.school.region.path
        reviewer = assessment.pk in self.review_assessment_ids or _covered(school_path, self.reviewer_paths)
        rechecking = assessment.pk in self.recheck_assessment_ids
        if action in (Action.REVIEW, Action.VERIFY):
            return reviewer
        if action == Action.READ_REVIEW:
            return (
                reviewer
                or _covered(school_path, self.commission_paths)
                or rechecking
                or self._delegated(assessment)
            )
        if action == Action.ACCEPT and self._delegated(assessment):
            return True
        if action == Action.RECHECK:
            return rechecking
        if action == Action.LEAD:
            return assessment.pk in self.lead_assessment_ids
        managed = _covered(assessment.campaign.region.path, self.commission_paths)
        if action in (
            Action.MANAGE,
            Action.REOPEN,
            Action.ASSIGN,
            Action.AWARD,
            Action.ACCEPT,
            Action.PUBLISH,
        ):
            return managed
        if action == Action.INSPECT:
            return managed or reviewer
        if action == Action.NOMINATE:
            return _covered(school_path, self.reviewer_paths)
        return False

    def can_any(self, action: Action) -> bool:
        """Whether any object at all is in scope for `action` (what the navigation offers)."""
        if action in (Action.EDIT, Action.SUBMIT, Action.RECTIFY, Action.OBJECT):
            return bool(self.cio_school_ids)
        if self.is_superuser:
            return True
        if action in (Action.REVIEW, Action.LEAD, Action.VERIFY):
            return bool(self.reviewer_paths or self.review_assessment_ids)
        if action in (
            Action.MANAGE,
            Action.REOPEN,
            Action.ASSIGN,
            Action.AWARD,
            Action.SAMPLE,
            Action.PUBLISH,
        ):
            return bool(self.commission_paths)
        if action == Action.RECHECK:
            return bool(self.recheck_assessment_ids)
        if action == Action.ACCEPT:
            return bool(self.commission_paths or self.accepting_campaign_ids)
        if action == Action.INSPECT:
            return bool(self.reviewer_paths or self.review_assessment_ids or self.commission_paths)
        if action == Action.NOMINATE:
            return bool(self.reviewer_paths)
        if action == Action.REPORT:
            return bool(self.reviewer_paths or self.commission_paths)
        return bool(
            self.cio_school_ids or self.reviewer_paths or self.commission_paths or self.review_school_ids
        )

    @property
    def can_manage_top_level(self) -> bool:
        """Only a superuser creates regions without a parent (provinces, municipalities)."""
        return self.is_superuser

    @property
    def own_schools_only(self) -> bool:
        """The user sees only their own schools (a CIO and nothing else): "本校" rather than "学校"."""
        return bool(self.cio_school_ids) and not (
            self.is_superuser or self.reviewer_paths or self.commission_paths or self.review_school_ids
        )

    def has_conflict(self, assessment) -> bool:
        """A reviewer who is a member (CIO) of the school may not review it."""
        return assessment.school_id in self.cio_school_ids

    def fingerprint(self) -> str:
        """A short digest of everything `schools_q` depends on: two users with the same fingerprint
        see exactly the same schools, so results computed for one (cached aggregates) may be shown
        to the other, and a membership change gives a new fingerprint."""
        parts = (
            self.is_superuser,
            sorted(self.cio_school_ids),
            sorted(self.reviewer_paths),
            sorted(self.commission_paths),
            sorted(self.review_school_ids),
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


ANONYMOUS_SCOPE = UserScope(user_id=None)


def _scope_rows_query(user_id: int):
    """The user's memberships, review assignments, re-check samples and acceptance delegations in
    one UNION: (role, school id, region path, assessment id, lead, campaign id, name, n). The navbar's
    rows ride along: a membership's `name` is its school's or region's name and `n` its id (the
    order the roles were made in); one more row, role `UNREAD`, counts the unread notifications in
    `n` (none when there are none)."""

    def none():
        # typed: a column that is NULL in the first parts of the UNION would be resolved as text
        return Cast(Value(None), BigIntegerField())

    def no_name():
        return Value(None, CharField())

    memberships = (
        Membership.objects.filter(user_id=user_id)
        .order_by()
        .values_list(
            "role",
            "school_id",
            "region__path",
            none(),
            Value(False, BooleanField()),
            none(),
            Coalesce("school__name", "region__name", Value("")),
            Cast("id", BigIntegerField()),
        )
    )
    assignments = (
        ReviewAssignment.objects.filter(reviewer_id=user_id)
        .order_by()
        .values_list(
            Value(ASSIGNED, CharField()),
            "assessment__school_id",
            Value(None, CharField()),
            "assessment_id",
            "lead",
            none(),
            no_name(),
            none(),
        )
    )
    rechecks = (
        SampleSchool.objects.filter(reviewer_id=user_id)
        .order_by()
        .values_list(
            Value(RECHECK, CharField()),
            "assessment__school_id",
            Value(None, CharField()),
            "assessment_id",
            Value(False, BooleanField()),
            none(),
            no_name(),
            none(),
        )
    )
    delegations = (
        AcceptanceDelegate.objects.filter(reviewer_id=user_id)
        .order_by()
        .values_list(
            Value(ACCEPTING, CharField()),
            "assessment__school_id",
            Value(None, CharField()),
            "assessment_id",
            Value(False, BooleanField()),
            "campaign_id",
            no_name(),
            none(),
        )
    )
    unread = (
        Notification.objects.filter(user_id=user_id, read_at__isnull=True)
        .order_by()
        .values("user_id")
        .annotate(n=Cast(Count("*"), BigIntegerField()))
        .values_list(
            Value(UNREAD, CharField()),
            none(),
            Value(None, CharField()),
            none(),
            Value(False, BooleanField()),
            none(),
            no_name(),
            "n",
        )
    )
    return memberships.union(assignments, rechecks, delegations, unread, all=True)


# compiled once per process: every request reads the scope, and building this UNION through the
# ORM cost more CPU than running it
_SCOPE_ROWS = CompiledQuery(_scope_rows_query)


def get_scope(user) -> UserScope:
    """The scope of `user`, computed with one query and cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    cio, reviewer, commission = set(), [], []
    review_schools, review_assessments, lead, recheck = set(), set(), set(), set()
    accept_campaigns, accept_assessments, accepting = set(), set(), set()

    writes = notification_writes()  # before the read: a write during it makes the menu stale
    rows = _SCOPE_ROWS.rows(user.pk)
    roles, unread = [], 0
    for role, school_id, path, assessment_id, is_lead, campaign_id, name, n in rows:
        if name is not None:  # a membership
            roles.append((n, role, name))
        if role == Role.SCHOOL_CIO:
            cio.add(school_id)
        elif role == Role.REVIEWER:
            reviewer.append(path)
        elif role == Role.COMMISSION:
            commission.append(path)
        elif role == ASSIGNED:
            review_schools.add(school_id)
            review_assessments.add(assessment_id)
            if is_lead:
                lead.add(assessment_id)
        elif role == RECHECK:
            # a city reviewer sees the school they re-check, as an assigned reviewer does
            review_schools.add(school_id)
            recheck.add(assessment_id)
        elif role == ACCEPTING:
            accepting.add(campaign_id)
            if assessment_id is None:
                accept_campaigns.add(campaign_id)
            else:
                accept_assessments.add(assessment_id)
        elif role == UNREAD:
            unread = n
    scope = UserScope(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        cio_school_ids=frozenset(cio),
        reviewer_paths=tuple(sorted(reviewer)),
        commission_paths=tuple(sorted(commission)),
        review_school_ids=frozenset(review_schools),
        review_assessment_ids=frozenset(review_assessments),
        lead_assessment_ids=frozenset(lead),
        recheck_assessment_ids=frozenset(recheck),
        accept_campaign_ids=frozenset(accept_campaigns),
        accept_assessment_ids=frozenset(accept_assessments),
        accepting_campaign_ids=frozenset(accepting),
    )
    setattr(user, _CACHE_ATTR, scope)
    roles.sort()
    setattr(user, _MENU_ATTR, ScopeMenu(tuple((role, name) for _n, role, name in roles), unread, writes))
    return scope


@dataclass(frozen=True)
class ScopeMenu:
    """The navbar's rows as `get_scope` read them with the scope: (role, school or region name) per
    membership in the order they were made, the unread notifications, and `notification_writes()`
    at the time of the read."""

    roles: tuple[tuple[str, str], ...]
    unread: int
    writes: int


def scope_menu(user) -> ScopeMenu | None:
    """The navbar's rows read with the user's scope (reading the scope if it is not yet), or None
    when a notification was written since (then the caller reads them afresh)."""
    get_scope(user)
    menu = getattr(user, _MENU_ATTR, None)
    if menu is None or menu.writes != notification_writes():
        return None
    return menu


# --- the other way round: who is in scope for an object (the recipients of notifications) ---------


def _ancestor_paths(path: str) -> list[str]:
    """ "/110000/110108/" → ["/110000/", "/110000/110108/"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def reviewer_ids_by_assessment(*, assessments: Iterable[Assessment]) -> dict[int, list[int]]:
    """For each assessment (with `school__region` loaded): the reviewers of the school's region (any
    ancestor) and those assigned to it, without CIOs of the school (conflict of interest).
    Three queries, whatever the number of assessments."""
    assessments = list(assessments)
    paths = {p for a in assessments for p in _ancestor_paths(a.school.region.path)}
    regional: dict[str, set[int]] = defaultdict(set)
    for user_id, path in Membership.objects.filter(role=Role.REVIEWER, region__path__in=paths).values_list(
        "user_id", "region__path"
    ):
        regional[path].add(user_id)
    assigned: dict[int, set[int]] = defaultdict(set)
    for assessment_id, user_id in ReviewAssignment.objects.filter(
        assessment_id__in=[a.pk for a in assessments]
    ).values_list("assessment_id", "reviewer_id"):
        assigned[assessment_id].add(user_id)
    cios = cio_ids_by_school(school_ids={a.school_id for a in assessments})
    result = {}
    for a in assessments:
        reviewers = set(assigned[a.pk]).union(*(regional[p] for p in _ancestor_paths(a.school.region.path)))
        result[a.pk] = sorted(reviewers - set(cios[a.school_id]))
    return result


def cio_ids_by_school(*, school_ids: Iterable[int]) -> dict[int, list[int]]:
    """School id → its CIOs' user ids (one query)."""
    result: dict[int, list[int]] = defaultdict(list)
    for school_id, user_id in (
        Membership.objects.filter(role=Role.SCHOOL_CIO, school_id__in=set(school_ids))
        .order_by("user_id")
        .values_list("school_id", "user_id")
    ):
        result[school_id].append(user_id)
    return result


def clear_scope_cache(user) -> None:
    for attr in (_CACHE_ATTR, _MENU_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)
