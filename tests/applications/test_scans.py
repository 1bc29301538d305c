"""R4 scans parse as what they claim (issue 12, finding 3): a PDF must open with pypdf, a JPEG or
PNG must verify with Pillow and is stored encoded again without its metadata; anything else is
refused next to the field. Scans are never cached; images open inline, PDFs download."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image, ImageFile, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.papersizes import PaperSize
from sqlalchemy import func, select

from portal import scans
from portal.applications import storage
from portal.applications.models import Document
from portal.extensions import db
from tests.applications.helpers import PDF, image, post_document, staff_with_application

pytestmark = pytest.mark.clock("2026-11-25 09:00")

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>\n"


def made_pdf(pages: int = 1, **encrypt) -> bytes:
    """A PDF written by pypdf: blank A4 pages, encrypted (RC4) if a password is given."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=PaperSize.A4.width, height=PaperSize.A4.height)
    if encrypt:
        writer.encrypt(**encrypt, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def phone_photo(fmt: str) -> bytes:
    """A photo as a phone saves it: lying on its side (EXIF orientation 6: turn it 90° clockwise
    to show it), with the camera's make, the owner's name and a GPS position in its EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.Artist] = "Aigerim Nurlanovna"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    extra = {}
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Author", "Aigerim Nurlanovna")
        extra["pnginfo"] = text
    return image(fmt, (40, 20), exif=exif, **extra)


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` × `height` pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def _documents() -> int:
    return db.session.scalar(select(func.count()).select_from(Document))


@pytest.fixture
def uploads(app, tmp_path):
    """A folder of this test's own for the stored scans."""
    app.config["PORTAL_UPLOAD_DIR"] = str(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("polyglot", "lang", "message"),
    [
        (
            b"%PDF-1.4\n" + HTML,
            "en",
            "This file cannot be opened as a PDF. Scan it again or save it again as PDF.",
        ),
        (
            b"\x89PNG\r\n\x1a\n" + HTML,
            "en",
            "This file cannot be opened as a JPEG or PNG image. "
            "Scan it again or save it again as JPEG or PNG.",
        ),
        (
            b"%PDF-1.4\n" + HTML + b"%%EOF\n",
            "kk",
            "Бұл файлды PDF ретінде ашу мүмкін емес. "
            "Құжатты қайта сканерлеңіз немесе PDF ретінде қайта сақтаңыз.",
        ),
        (
            b"\x89PNG\r\n\x1a\n" + HTML,
            "ru",
            "Этот файл не открывается как изображение JPEG или PNG. "
            "Отсканируйте документ заново или сохраните его в JPEG или PNG еще раз.",
        ),
    ],
    ids=["pdf-header-then-html", "png-signature-then-html", "pdf-in-kazakh", "png-in-russian"],
)
def test_r4_a_header_followed_by_html_is_refused_next_to_the_field(
    f, login, uploads, polyglot, lang, message
):
    """Issue 12, finding 3: these used to be stored and served as application/pdf or image/png."""
    client, family, application = staff_with_application(f, login)
    resp = post_document(client, application, family, polyglot, "passport.pdf", lang=lang)
    assert resp.status_code == 422
    assert f'id="p{family.head.id}-identity-scan-error">{message} </p>' in resp.text
    assert 'value="E1234567"' in resp.text  # what was typed is kept
    assert _documents() == 0
    assert list(uploads.rglob("*")) == []  # nothing of it was written


def test_r4_a_pdf_made_by_pypdf_is_stored_as_sent_and_downloaded(f, login, uploads):
    client, family, application = staff_with_application(f, login)
    pdf = made_pdf(pages=3)
    name = "Қасымов паспорт.pdf"
    assert post_document(client, application, family, pdf, name).status_code == 303
    doc = db.session.scalars(select(Document)).one()
    assert scans.store().get(doc.file_key) == pdf  # a signed PDF keeps its signature
    assert (doc.content_type, doc.size, doc.sha256) == (
        "application/pdf",
        len(pdf),
        hashlib.sha256(pdf).hexdigest(),
    )
    served = client.get(f"/en/documents/{doc.id}/file")
    assert served.status_code == 200
    assert served.data == pdf
    assert served.mimetype == "application/pdf"
    disposition = served.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")  # never opened inside the portal's origin
    assert "filename*=UTF-8''%D2%9A%D0%B0%D1%81%D1%8B%D0%BC%D0%BE%D0%B2%20" in disposition
    assert served.headers["Cache-Control"] == "no-store"
    assert served.headers["X-Content-Type-Options"] == "nosniff"  # portal/security.py, for all


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_r4_an_image_is_stored_upright_without_its_metadata_and_shown_inline(
    f, login, uploads, fmt
):
    client, family, application = staff_with_application(f, login)
    photo = phone_photo(fmt)
    assert Image.open(io.BytesIO(photo)).getexif()[ExifTags.Base.Make] == "SpyCam"
    resp = post_document(client, application, family, photo, "photo", kind="autobiography")
    assert resp.status_code == 303
    doc = db.session.scalars(select(Document)).one()
    stored = scans.store().get(doc.file_key)
    assert stored != photo  # what is stored is the image encoded again, and counted as stored
    assert (doc.size, doc.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())
    assert doc.content_type == f"image/{fmt.lower()}"
    kept = Image.open(io.BytesIO(stored))
    assert kept.format == fmt
    assert dict(kept.getexif()) == {}
    assert not {"exif", "Author", "Raw profile type exif"} & set(kept.info)
    assert b"SpyCam" not in stored and b"Aigerim" not in stored
    # Turned as the phone said: the red left half of the sensor is now the top.
    assert kept.size == (20, 40)
    red, blue = kept.convert("RGB").getpixel((10, 5)), kept.convert("RGB").getpixel((10, 35))
    assert red[0] > 200 and red[2] < 60, red
    assert blue[2] > 200 and blue[0] < 60, blue
    served = client.get(f"/en/documents/{doc.id}/file")
    assert served.status_code == 200
    assert served.data == stored
    assert served.mimetype == f"image/{fmt.lower()}"
    assert served.headers["Content-Disposition"].startswith("inline;")
    assert served.headers["Cache-Control"] == "no-store"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_r4_a_valid_image_carrying_html_after_its_end_is_stored_without_it(f, login, uploads):
    client, family, application = staff_with_application(f, login)
    resp = post_document(client, application, family, image("PNG") + HTML, "p.png", kind="autobiography")
    assert resp.status_code == 303
    doc = db.session.scalars(select(Document)).one()
    assert b"<script>" not in scans.store().get(doc.file_key)


NOT_A_PDF = "This file cannot be opened as a PDF. Scan it again or save it again as PDF."
NOT_AN_IMAGE = (
    "This file cannot be opened as a JPEG or PNG image. "
    "Scan it again or save it again as JPEG or PNG."
)
PROTECTED = (
    "This PDF is protected with a password or restrictions. "
    "Save a copy without protection and try again."
)
TOO_LARGE = "The image is larger than 40 megapixels. Scan it at a lower resolution."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (image("PNG")[:-30], NOT_AN_IMAGE),
        (image("JPEG")[:-60], NOT_AN_IMAGE),
        (b"\xff\xd8\xff" + HTML, NOT_AN_IMAGE),
        (png_claiming(100_000, 100_000), TOO_LARGE),  # beyond Pillow's own bomb limit
        (png_claiming(8_000, 6_000), TOO_LARGE),  # beyond the portal's, within Pillow's
        (made_pdf()[:300], NOT_A_PDF),
        (made_pdf(pages=0), NOT_A_PDF),
        (made_pdf(user_password="secret"), PROTECTED),
        (made_pdf(user_password="", owner_password="owner"), PROTECTED),  # opens, but locked
        (made_pdf(pages=storage.MAX_PDF_PAGES + 1), "A scan may have at most 200 pages."),
        (b"GIF89a" + HTML, "Only PDF, JPEG and PNG files are accepted."),
    ],
    ids=[
        "truncated-png", "truncated-jpeg", "jpeg-marker-then-html", "png-bomb",
        "png-over-40-megapixels", "truncated-pdf", "pdf-without-pages", "pdf-with-password",
        "pdf-with-restrictions", "pdf-over-200-pages", "gif",
    ],
)  # fmt: skip
def test_r4_a_file_that_does_not_parse_as_what_it_claims_is_refused(app, uploads, data, message):
    with app.test_request_context("/en/"), pytest.raises(storage.UploadError) as refused:
        storage.checked(data)
    assert str(refused.value) == message


def test_r4_a_truncated_image_is_refused_even_after_weasyprint_allowed_them(
    app, uploads, monkeypatch
):
    """Importing WeasyPrint (the letters) sets Pillow's LOAD_TRUNCATED_IMAGES for the process."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    for truncated in (image("JPEG")[:-60], image("PNG")[:-30]):
        with app.test_request_context("/en/"), pytest.raises(storage.UploadError) as refused:
            storage.checked(truncated)
        assert str(refused.value) == NOT_AN_IMAGE
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as it was found


def test_the_stored_name_cannot_break_the_download_header(f, login, uploads):
    assert storage.safe_name('C:\\Users\\a\\pass"port\r\n.pdf') == 'pass"port.pdf'
    assert storage.safe_name("../../\x00") == "scan"
    client, family, application = staff_with_application(f, login)
    post_document(client, application, family, PDF, "p.pdf")
    doc = db.session.scalars(select(Document)).one()
    doc.file_name = "old\r\nSet-Cookie: x=1.pdf"  # a name stored before names were cleaned
    db.session.commit()
    served = client.get(f"/en/documents/{doc.id}/file")
    assert served.status_code == 200
    assert "Set-Cookie" not in served.headers
    assert served.headers["Content-Disposition"] == 'attachment; filename="oldSet-Cookie: x=1.pdf"'


def test_the_minimal_pdf_of_the_tests_and_the_demo_parses_strictly():
    """helpers.PDF is the constant proposed for portal/demo: one blank A4 page, exact offsets."""
    reader = PdfReader(io.BytesIO(PDF), strict=True)
    assert len(reader.pages) == 1
    assert [float(v) for v in reader.pages[0].mediabox] == [0, 0, 595, 842]
