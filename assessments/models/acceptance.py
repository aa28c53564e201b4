"""City acceptance (市级验收) of a finalised assessment.

After the district finalises its review, commission staff accept the result or send it back to the
district with a reason. The state lives on `Assessment` (`acceptance`, `acceptance_by`,
`acceptance_at`, `acceptance_reason`) beside its workflow status, which it does not replace: the
district's status says where the review is, the acceptance whether the city has taken its result.
The official result (`result_*`) is final only once accepted.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Acceptance(models.TextChoices):
    PENDING = "pending", _("待市级验收")
    ACCEPTED = "accepted", _("已验收")
    SENT_BACK = "sent_back", _("验收退回")
