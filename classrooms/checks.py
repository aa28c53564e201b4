"""A classroom's devices against its catalogue, and what the counts of the school facts read from
it: pure functions over plain data (no database access).

- `measured_parse` turns what a person typed or a spreadsheet cell held into the stored JSON of
  `ClassroomDevice.measured`, one Chinese message per spec it cannot read;
- `check` runs `indicators.equipment.check.classroom_check` on a classroom's rows;
- `is_interactive` / `is_networked` decide the two school facts (`facts.py` counts them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from indicators.equipment.catalog import CatalogSpec, DeviceSpec
from indicators.equipment.check import ClassroomCheck, InstalledDevice, Status, classroom_check
from indicators.equipment.thresholds import json_value, parse_measurement

#: Appendix B's display group (二选一): the devices that make a classroom's teaching display
#: interactive — 交互式触控一体机 and 电子白板+投影机 (an interactive whiteboard). These are the
#: 多媒体交互设备 of the facts; the writing boards (智能黑板…) are judged as writing surfaces by the
#: table, and 扩展显示屏 / 电子班牌 are displays without interaction.
INTERACTIVE_DEVICES = frozenset({"interactive-panel", "whiteboard-projector"})

#: Appendix B's 接入传输设备 that connect the classroom's teaching devices to the campus network:
#: 路由器, 交换机, 无线 AP (each specified for ≥ 50 terminals at once). 物联网关 connects the room's
#: controllers only and does not count. The catalogue states no speed: the speed of the link is the
#: `classroom_mbps` fact's business.
NETWORK_DEVICES = frozenset({"router", "switch", "wireless-ap"})


def is_interactive(device_codes: Iterable[str]) -> bool:
    """Whether a classroom with these devices present (count > 0) 配置多媒体交互设备."""
    return not INTERACTIVE_DEVICES.isdisjoint(device_codes)


def is_networked(device_codes: Iterable[str]) -> bool:
    """Whether a classroom with these devices present (count > 0) 实现高速网络连接."""
    return not NETWORK_DEVICES.isdisjoint(device_codes)


class MeasurementError(ValueError):
    """Measured values that cannot be read: `errors` maps each spec (`what`) to a Chinese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(_("；").join(errors.values()))
        self.errors = errors


def measured_parse(device: DeviceSpec, values: Mapping[str, Any]) -> dict:
    """The stored form of measured values given per spec (`what` → "86", "86 英寸", 86,
    "3840×2160"…). Empty values are left out (the spec stays unverified). Raises
    `MeasurementError` naming every spec it cannot read and every value for a spec the device
    does not have."""
    thresholds = {t.what: t for t in device.specs}
    parsed, errors = {}, {}
    for what, raw in values.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        threshold = thresholds.get(what)
        if threshold is None:
            errors[what] = _("“%(what)s”不是设备“%(device)s”的参数") % {"what": what, "device": device.name}
            continue
        try:
            parsed[what] = json_value(parse_measurement(raw, threshold=threshold))
        except ValueError as exc:
            errors[what] = str(exc)
    if errors:
        raise MeasurementError(errors)
    return parsed


@dataclass(frozen=True)
class Row:
    """One device row of a classroom, as the check reads it (device code, count, measured)."""

    device: str
    count: int
    measured: Mapping[str, Any]


def check(catalog: CatalogSpec, rows: Iterable[Row], *, seats: int | None) -> ClassroomCheck:
    """The classroom's check (rules in `indicators.equipment.check`)."""
    return classroom_check(
        catalog, [InstalledDevice(r.device, r.count, r.measured) for r in rows], seats=seats
    )


@dataclass(frozen=True)
class Outcome:
    """What is kept on the classroom row."""

    status: Status
    interactive: bool
    networked: bool


def outcome(result: ClassroomCheck) -> Outcome:
    present = [r.device.code for r in result.devices if r.present]
    return Outcome(result.status, is_interactive(present), is_networked(present))
