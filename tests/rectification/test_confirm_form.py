"""The confirmation page's form as a browser fills it: the proposed due dates are shown in the date
inputs, and a row left out of the list need not be filled in."""

from __future__ import annotations

from django.urls import reverse

from rectification.models import RectificationItem


def test_the_proposed_due_date_is_in_the_date_input(client_for, finalised):
    page = client_for("reviewer").get(reverse("rectification:confirm", args=[finalised.pk]))
    due = page.context["formset"].forms[0].initial["due_date"]
    assert f'value="{due:%Y-%m-%d}"' in page.content.decode()


def test_a_row_left_out_need_not_be_filled_in(client_for, finalised):
    reviewer = client_for("reviewer")
    url = reverse("rectification:confirm", args=[finalised.pk])
    node = reviewer.get(url).context["formset"].forms[0].initial["node"]
    answer = reviewer.post(
        url,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-node": str(node),
            "form-0-source": "review_adjust",
            "form-0-problem": "",
            "form-0-action": "",
            "form-0-due_date": "",
        },
    )
    assert answer.status_code == 302
    assert not RectificationItem.objects.exists()
