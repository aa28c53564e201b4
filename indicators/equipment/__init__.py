"""Equipment catalogues (智慧教室设施设备配置参考) as plain data, no database:

- `thresholds`: numeric specs of devices and measured values (parse, compare, print);
- `catalog`: the fixture format (`CatalogSpec`), reading/writing it, validation;
- `check`: checking one classroom's devices against a catalogue.

The models are `indicators.models.EquipmentCatalog` / `EquipmentDevice`; see docs/equipment.md.
"""
