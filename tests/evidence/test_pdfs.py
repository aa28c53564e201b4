"""PDF uploads: refused when broken or carrying active content (scripts, launch actions, automatic
actions, XFA, executable attachments), with a Chinese reason that tells the school what to do."""

import io

import pikepdf
import pytest

from evidence.filetypes import PDF, UnsupportedContent
from evidence.sniffing import detect_type
from tests import samples

SAVE_AS = "另存为"  # every active-content refusal says how to make a clean copy


def refusal(content: bytes) -> str:
    with pytest.raises(UnsupportedContent) as exc:
        detect_type(io.BytesIO(content))
    return str(exc.value)


@pytest.mark.parametrize(
    ("build", "found"),
    [
        (samples.pdf_open_action_javascript, "JavaScript 脚本"),
        (samples.pdf_launch, "启动外部程序的操作（Launch）"),
        (samples.pdf_names_javascript, "JavaScript 脚本"),
        (samples.pdf_page_aa_javascript, "JavaScript 脚本"),
        (samples.pdf_link_launch, "Launch"),  # even as a link the reader would have to click
        (samples.pdf_open_action_uri, "自动执行的操作（URI）"),
        (samples.pdf_xfa, "XFA 动态表单"),
        (samples.pdf_attached_exe, "可执行程序或脚本附件（.exe）"),
        (samples.pdf_attached_exe_renamed, "可执行程序或脚本附件"),  # found by its first bytes
    ],
    ids=[
        "open-action-js",
        "launch",
        "names-tree-js",
        "page-aa-js",
        "link-launch",
        "open-action-uri",
        "xfa",
        "attached-exe",
        "attached-exe-as-txt",
    ],
)
def test_active_content_is_refused_with_a_way_out(build, found):
    message = refusal(samples.pdf_with(build))
    assert found in message and "为安全起见未保存" in message and SAVE_AS in message


def test_script_inside_a_compressed_object_stream_is_found():
    content = samples.pdf_with(
        samples.pdf_open_action_javascript, object_stream_mode=pikepdf.ObjectStreamMode.generate
    )
    assert b"/JavaScript" not in content  # nothing to see for a byte search
    assert "JavaScript" in refusal(content)


def test_escaped_names_are_decoded_before_they_are_compared():
    content = samples.pdf_escaped_javascript()
    assert b"/JavaScript" not in content and b"/JS" not in content
    assert "JavaScript" in refusal(content)


@pytest.mark.parametrize(
    "build",
    [samples.pdf_link_uri, samples.pdf_attached_spreadsheet],
    ids=["hyperlink-and-open-at-page-1", "csv-attachment"],
)
def test_ordinary_pdfs_are_accepted(build):
    assert detect_type(io.BytesIO(samples.pdf_with(build))) == PDF


def test_a_report_written_by_weasyprint_is_accepted():
    import weasyprint

    html = "<h1>自评报告</h1>" + "".join(
        f"<p><a href='https://example.edu.cn/{i}'>第{i}项</a></p>" for i in range(50)
    )
    assert detect_type(io.BytesIO(weasyprint.HTML(string=html).write_pdf())) == PDF


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (samples.pdf_truncated(), "不完整"),
        (samples.pdf_bytes("x")[:-40], "不完整"),  # the last bytes and %%EOF lost in transfer
        (samples.pdf_without_xref(), "结构已损坏"),
        (b"%PDF-1.7\n1 0 obj<<\n%%EOF\n", "结构已损坏"),
        (samples.pdf_encrypted(), "已加密"),
    ],
    ids=["truncated", "no-eof", "no-xref", "garbage", "encrypted"],
)
def test_broken_pdfs_are_refused(content, found):
    assert found in refusal(content)


def test_a_pdf_whose_objects_are_not_where_the_xref_says_is_refused():
    whole = samples.pdf_bytes("偏移")
    shifted = whole.replace(b"%PDF-1.3\n", b"%PDF-1.3\n% shifted by a comment\n", 1)
    assert shifted != whole
    assert "结构已损坏" in refusal(shifted)


def test_a_pdf_without_pages_is_refused():
    pdf = pikepdf.new()
    buf = io.BytesIO()
    pdf.save(buf)
    assert "没有任何页面" in refusal(buf.getvalue())


def test_object_count_is_bounded(settings):
    settings.EVIDENCE_PDF_MAX_OBJECTS = 3
    assert "结构过于复杂" in refusal(samples.pdf_bytes("对象"))
