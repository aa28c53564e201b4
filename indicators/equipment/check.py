"""Checking one classroom's devices against an equipment catalogue: pure functions, no database.

The inventory layer passes the catalogue (`catalog.CatalogSpec`, e.g. from
`selectors.equipment_catalog_spec`) and what it found in a classroom, one `InstalledDevice` per
inventory row (a catalogue device code, a count, the measured values keyed by `Threshold.what`):

    result = classroom_check(catalog, [InstalledDevice("interactive-panel", 1, {"屏幕尺寸": 86})], seats=40)
    result.status            # Status.MET / NOT_MET / UNVERIFIED
    result.devices           # one DeviceResult per catalogue row, in table order
    result.groups            # one GroupResult per 多选一/二选一 group
    result.seat_ratio        # student terminals per seat (reported, never judged)

The rules:
- a device is present when its rows add up to a count above zero;
- 必配: the device must be present;
- 多选一/二选一: the group is met when at least one member is present and meets its thresholds;
- every present device, whatever its rule, must meet its thresholds — a threshold without a
  measured value is "unverified", never assumed met;
- the classroom is NOT_MET if any of these fails, else UNVERIFIED if anything could not be
  verified, else MET.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import ConfigRule
from .catalog import CatalogSpec, DeviceSpec
from .thresholds import Threshold, Value, meets, value_text


class Status(enum.StrEnum):
    MET = "met"
    UNVERIFIED = "unverified"
    NOT_MET = "not_met"
    ABSENT = "absent"  # an optional device that is not there: neither good nor bad

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    Status.MET: gettext_lazy("达标"),
    Status.UNVERIFIED: gettext_lazy("待核验"),
    Status.NOT_MET: gettext_lazy("未达标"),
    Status.ABSENT: gettext_lazy("未配置"),
}
_RANK = {Status.NOT_MET: 0, Status.UNVERIFIED: 1, Status.MET: 2}


def _worst(statuses: Iterable[Status]) -> Status:
    ranked = [s for s in statuses if s in _RANK]
    return min(ranked, key=_RANK.__getitem__) if ranked else Status.MET


def _best(statuses: Iterable[Status]) -> Status:
    ranked = [s for s in statuses if s in _RANK]
    return max(ranked, key=_RANK.__getitem__) if ranked else Status.NOT_MET


@dataclass(frozen=True)
class InstalledDevice:
    """One inventory row of a classroom: `count` units of catalogue device `device` (its code),
    with the values measured on them, keyed by the threshold's `what` ("屏幕尺寸": 86,
    "分辨率": (3840, 2160)). Several rows may name the same device (two panels of different sizes)."""

    device: str
    count: int = 1
    measured: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class ThresholdResult:
    threshold: Threshold
    measured: Value | None
    status: Status  # MET, NOT_MET, or UNVERIFIED (no value, or a value that cannot be compared)
    message: str = ""


@dataclass(frozen=True)
class EntryResult:
    """The thresholds of one inventory row."""

    installed: InstalledDevice
    thresholds: tuple[ThresholdResult, ...]

    @property
    def status(self) -> Status:
        return _worst(t.status for t in self.thresholds)


@dataclass(frozen=True)
class DeviceResult:
    device: DeviceSpec
    count: int
    entries: tuple[EntryResult, ...]
    status: Status  # NOT_MET (missing 必配 or a threshold failed), UNVERIFIED, MET, or ABSENT

    @property
    def present(self) -> bool:
        return self.count > 0


@dataclass(frozen=True)
class GroupResult:
    group: str
    rule: str
    members: tuple[DeviceSpec, ...]
    present: tuple[DeviceSpec, ...]
    status: Status  # the best status of its present members; NOT_MET when none is present


@dataclass(frozen=True)
class SeatRatio:
    """Terminals counted per seat (生机比): reported in stages towards 1:1, never a failure."""

    device: DeviceSpec
    terminals: int
    seats: int

    @property
    def ratio(self) -> Fraction | None:
        return Fraction(self.terminals, self.seats) if self.seats else None

    @property
    def one_to_one(self) -> bool:
        return bool(self.seats) and self.terminals >= self.seats


@dataclass(frozen=True)
class ClassroomCheck:
    status: Status  # MET, UNVERIFIED or NOT_MET
    devices: tuple[DeviceResult, ...]
    groups: tuple[GroupResult, ...]
    seat_ratio: SeatRatio | None

    @property
    def failures(self) -> list[str]:
        """Why the classroom does not meet the configuration, one line per reason, in Chinese."""
        lines = []
        for result in self.devices:
            if result.device.rule == ConfigRule.REQUIRED and not result.present:
                lines.append(_("缺少必配设备：%(name)s") % {"name": result.device.name})
        for group in self.groups:
            if group.status == Status.NOT_MET:
                names = _("、").join(m.name for m in group.members)
                rule = ConfigRule(group.rule).label
                lines.append(
                    _("%(rule)s未满足：%(names)s") % {"rule": rule, "names": names}
                    if not group.present
                    else _("%(rule)s未满足：已配置的%(present)s参数不达标")
                    % {"rule": rule, "present": _("、").join(m.name for m in group.present)}
                )
        for result in self.devices:
            for entry in result.entries:
                for t in entry.thresholds:
                    if t.status == Status.NOT_MET:
                        lines.append(
                            _("%(device)s：%(message)s")
                            % {"device": result.device.name, "message": t.message}
                        )
        return lines


def _threshold_result(threshold: Threshold, measured: Mapping[str, Value]) -> ThresholdResult:
    value = measured.get(threshold.what)
    if value is None:
        return ThresholdResult(
            threshold, None, Status.UNVERIFIED, _("未填写%(what)s") % {"what": threshold.what}
        )
    if isinstance(value, list):
        value = tuple(value)
    try:
        ok = meets(threshold, value)
    except (ValueError, TypeError):
        return ThresholdResult(
            threshold, value, Status.UNVERIFIED, _("%(what)s的测量值无法比较") % {"what": threshold.what}
        )
    message = _("%(what)s实测 %(value)s，要求 %(threshold)s") % {
        "what": threshold.what,
        "value": value_text(value, ratio=threshold.is_ratio),
        "threshold": threshold,
    }
    return ThresholdResult(threshold, value, Status.MET if ok else Status.NOT_MET, message)


def classroom_check(
    catalog: CatalogSpec, installed: Iterable[InstalledDevice], *, seats: int | None = None
) -> ClassroomCheck:
    """Check one classroom's devices against `catalog` (rules in the module docstring).

    Raises ValueError for an inventory row that names a device not in the catalogue: that is a
    bug of the caller, not a finding about the classroom.
    """
    rows: dict[str, list[InstalledDevice]] = {}
    for item in installed:
        if catalog.device(item.device) is None:
            raise ValueError(f"device {item.device!r} is not in catalogue {catalog.code!r}")
        if item.count > 0:
            rows.setdefault(item.device, []).append(item)

    results: dict[str, DeviceResult] = {}
    for device in catalog.devices:
        entries = tuple(
            EntryResult(item, tuple(_threshold_result(t, item.measured) for t in device.specs))
            for item in rows.get(device.code, [])
        )
        count = sum(e.installed.count for e in entries)
        if count:
            status = _worst(e.status for e in entries)
        else:
            status = Status.NOT_MET if device.rule == ConfigRule.REQUIRED else Status.ABSENT
        results[device.code] = DeviceResult(device, count, entries, status)

    groups = []
    for group, members in catalog.groups().items():
        present = tuple(m for m in members if results[m.code].present)
        groups.append(
            GroupResult(
                group=group,
                rule=members[0].rule,
                members=tuple(members),
                present=present,
                status=_best(results[m.code].status for m in present),
            )
        )

    overall = _worst([*(r.status for r in results.values()), *(g.status for g in groups)])
    ratio = None
    terminal = catalog.device(catalog.seat_terminal) if catalog.seat_terminal else None
    if terminal is not None and seats is not None:
        ratio = SeatRatio(terminal, results[terminal.code].count, seats)
    return ClassroomCheck(overall, tuple(results.values()), tuple(groups), ratio)
