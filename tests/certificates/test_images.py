"""The CB's certificate images (organisations/images.py): checked for what they are, not for what
their name says."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from organisations.images import IMAGE_MAX_BYTES, IMAGE_MAX_SIDE, image_format, image_path, validate_image

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><image href="file:///etc/passwd"/></svg>'


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def picture(kind: str, size: tuple[int, int] = (40, 20)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, format=kind)
    return buffer.getvalue()


def refusal(file: SimpleUploadedFile) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_image(file)
    return caught.value.code


@pytest.mark.parametrize(
    ("name", "kind", "expected"), [("logo.png", "PNG", "PNG"), ("logo.jpg", "JPEG", "JPEG")]
)
def test_a_png_and_a_jpeg_are_accepted(name, kind, expected):
    file = upload(name, picture(kind))
    file.seek(5)

    assert image_format(file) == expected
    validate_image(file)
    assert file.tell() == 5  # the form's later read starts where it was


def test_the_name_does_not_decide_the_kind():
    assert image_format(upload("mark.png", picture("JPEG"))) == "JPEG"


def test_text_renamed_to_png_is_refused():
    assert refusal(upload("mark.png", b"Certified by us, trust me.\n" * 10)) == "not_an_image"


def test_an_svg_is_refused():
    assert refusal(upload("mark.svg", SVG)) == "not_an_image"
    assert refusal(upload("mark.png", SVG)) == "not_an_image"


def test_another_image_format_is_refused():
    assert refusal(upload("mark.gif", picture("GIF"))) == "not_an_image"


def test_a_truncated_png_is_refused():
    assert refusal(upload("mark.png", picture("PNG")[:60])) == "not_an_image"


def test_a_file_over_the_size_limit_is_refused():
    content = picture("PNG") + b"\0" * (IMAGE_MAX_BYTES + 1)

    assert refusal(upload("mark.png", content)) == "too_large"


def test_a_file_at_the_size_limit_is_read():
    content = picture("PNG")
    content += b"\0" * (IMAGE_MAX_BYTES - len(content))

    assert image_format(upload("mark.png", content)) == "PNG"  # trailing bytes after IEND are ignored


@pytest.mark.parametrize("size", [(IMAGE_MAX_SIDE + 1, 1), (1, IMAGE_MAX_SIDE + 1)])
def test_an_image_too_many_pixels_wide_or_high_is_refused(size):
    assert refusal(upload("mark.png", picture("PNG", size))) == "too_big"


def test_an_image_of_the_largest_side_is_accepted():
    assert image_format(upload("mark.png", picture("PNG", (IMAGE_MAX_SIDE, 1)))) == "PNG"


@pytest.mark.parametrize(
    ("filename", "extension"),
    [("../../etc/passwd", "png"), ("logo.JPG", "jpg"), ("mark.svg", "png"), ("x.php.png", "png")],
)
def test_the_stored_name_is_chosen_by_the_server(filename, extension):
    class Body:
        pk = 7

    path = image_path(Body(), filename)

    assert path.startswith("bodies/7/") and path.endswith(f".{extension}")
    assert ".." not in path and "passwd" not in path and "php" not in path
