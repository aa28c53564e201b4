"""Reading pages the way a user reads them: which fields a form shows, and the errors beside each."""

from __future__ import annotations

from lxml import html as lxml_html


def document(content: bytes | str):
    return lxml_html.fromstring(content)


def field_errors(content: bytes | str) -> dict[str, list[str]]:
    """Field name → the error messages shown inside that field's block (`_field.html`)."""
    doc = document(content)
    errors = {}
    for block in doc.xpath("//*[@data-field]"):
        messages = [
            e.text_content().strip() for e in block.xpath(".//*[contains(@class, 'invalid-feedback')]")
        ]
        if messages:
            errors[block.get("data-field")] = messages
    return errors


def form_errors(content: bytes | str) -> str:
    """The text of the errors shown at the top of a form (not tied to one field)."""
    doc = document(content)
    return " ".join(e.text_content().strip() for e in doc.xpath("//*[@data-testid='form-errors']"))


def field_names(content: bytes | str) -> set[str]:
    """Names of the visible inputs, selects and textareas of the page."""
    doc = document(content)
    return {
        el.get("name")
        for el in doc.xpath("//input[not(@type='hidden')] | //select | //textarea")
        if el.get("name")
    }


def text(content: bytes | str, testid: str) -> str:
    doc = document(content)
    return " ".join(" ".join(e.text_content().split()) for e in doc.xpath(f"//*[@data-testid='{testid}']"))
