"""A catalogue reloaded with changed data (its row is saved only then) may change the outcome of
every classroom checked against it: they are checked again once the load has committed."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from indicators.models import EquipmentCatalog


@receiver(post_save, sender=EquipmentCatalog, dispatch_uid="classrooms_recheck_after_catalog_load")
def _recheck_after_load(sender, instance: EquipmentCatalog, created: bool, raw: bool = False, **kwargs):
    if created or raw:
        return  # a new catalogue has no classrooms; fixtures loaded raw are not the loader

    def recheck():
        from .services import classrooms_recheck

        classrooms_recheck(catalog=instance)

    transaction.on_commit(recheck)
