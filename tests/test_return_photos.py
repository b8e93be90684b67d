"""Photos of a damaged or faulty pair: sent with the request, checked by content,
re-encoded without metadata, kept under random names outside any public address,
and shown to staff only."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image
from sqlalchemy import select

from ally_web import policy
from ally_web.extensions import db
from ally_web.models import OutboxMessage, ReturnPhoto, ReturnRequest, ReturnState
from ally_web.services import returns
from ally_web.services.returns import photos as photo_rules
from tests.test_returns import ALL_CONDITIONS, ask, delivered_order, link_for, photo


@pytest.fixture(autouse=True)
def media_in_tmp(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))


def phone_photo(size=(3200, 2400)) -> bytes:
    """A JPEG as a phone writes it: large, turned by its orientation tag, and telling
    where it was taken."""
    image = Image.new("RGB", size, "white")
    image.paste((200, 30, 30), (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show upright
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (40.0, 42.0, 51.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def noisy_jpeg(megabytes: float) -> bytes:
    """A real photo-sized JPEG (noise compresses badly): about ``megabytes`` MB."""
    side = 400
    while True:
        out = io.BytesIO()
        Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "JPEG", quality=95)
        if len(out.getvalue()) >= megabytes * 1024 * 1024:
            return out.getvalue()
        side += 300


TEXT_AS_JPEG = b"Dear ALLY, the heel came off. Regards."
SVG_AS_JPEG = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script>'
               b'<rect width="10" height="10"/></svg>')
HTML_AS_PNG = b"<!DOCTYPE html><html><body><script>fetch('/admin')</script></body></html>"


# --- The rules --------------------------------------------------------------------------


def test_a_damaged_pair_needs_its_photos(app):
    order = delivered_order()
    line_id = order.lines[0].id
    with pytest.raises(returns.RequestInvalid) as none:
        ask(order, reason="damaged", photos=[])
    assert "Please add 1 to 4 photos" in none.value.errors[f"photos-{line_id}"]
    request = ask(order, reason="damaged", photos=[returns.Upload("a.jpg", photo()), returns.Upload("b.png", photo(
        kind="PNG"))])
    assert request.state is ReturnState.IN_REVIEW
    assert [p.name[-3:] for p in request.items[0].photos] == ["jpg", "png"]


def test_photos_are_kept_only_for_a_damaged_pair(app):
    request = ask(delivered_order(), reason="too_small", photos=[returns.Upload("a.jpg", photo())])
    assert request.state is ReturnState.LABEL_ISSUED and request.items[0].photos == []


@pytest.mark.parametrize(("name", "data", "words"), [
    ("letter.jpg", TEXT_AS_JPEG, "“letter.jpg” is not a photo we can open"),
    ("drawing.jpg", SVG_AS_JPEG, "“drawing.jpg” is not a photo we can open"),
    ("page.png", HTML_AS_PNG, "“page.png” is not a photo we can open"),
    ("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "“anim.gif” is not a photo we can open"),
    ("broken.png", photo(kind="PNG")[:60], "“broken.png” is not a photo we can open"),
    ("huge.jpg", b"\xff\xd8" + bytes(policy.RETURN_PHOTO_MAX_BYTES), "“huge.jpg” is over 8 MB"),
    ("", b"", "Photo 1 is empty"),
])
def test_what_is_not_a_photo_is_refused_by_its_content(app, tmp_path, name, data, words):
    cleaned, problem = photo_rules.check_photos([returns.Upload(name, data)])
    assert cleaned == [] and problem is not None and problem.startswith(words)


def test_too_many_photos_are_refused(app):
    uploads = [returns.Upload(f"{i}.jpg", photo()) for i in range(policy.RETURN_PHOTOS_PER_PAIR + 1)]
    assert photo_rules.check_photos(uploads)[1] == "Please choose up to 4 photos for this pair."


def test_a_picture_that_would_unpack_into_gigabytes_is_refused_before_decoding(app, monkeypatch):
    monkeypatch.setattr(policy, "PICTURE_MAX_AREA", 100 * 100)
    problem = photo_rules.check_photos([returns.Upload("big.png", photo(size=(200, 200), kind="PNG"))])[1]
    assert problem == "“big.png” has too many pixels for us to open. Please send a smaller photo."


def test_a_photo_is_re_encoded_upright_smaller_and_without_its_metadata(app, tmp_path):
    request = ask(delivered_order(), reason="damaged", photos=[returns.Upload("IMG_0001.jpg", phone_photo())])
    (kept,) = request.items[0].photos
    path = returns.photo_file(kept)
    assert path is not None and path.parent == tmp_path / "return-photos"
    assert "IMG_0001" not in kept.name and len(kept.name) == 36
    with Image.open(path) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (kept.width, kept.height) == (1800, 2400)  # turned upright, longer side 2400
        assert not stored.getexif() and "exif" not in stored.info
        assert stored.getpixel((kept.width - 10, 10))[0] > 150  # the red corner turned with it
    assert b"PhoneMaker" not in path.read_bytes() and kept.size_bytes == path.stat().st_size


def test_nothing_is_written_when_the_request_is_refused(app, tmp_path):
    order = delivered_order()
    with pytest.raises(returns.RequestInvalid) as refused:
        ask(order, reason="damaged", conditions={"box"}, photos=[returns.Upload("a.jpg", photo())])
    assert refused.value.errors[f"photos-{order.lines[0].id}"] == photo_rules.CHOOSE_AGAIN
    assert not (tmp_path / "return-photos").exists()


# --- The customer's form ----------------------------------------------------------------


def damaged_form(line_id, *photos, **more):
    return {f"action-{line_id}": "return", f"reason-{line_id}": "damaged", "conditions": sorted(ALL_CONDITIONS),
            f"note-{line_id}": "The left heel wobbles.", f"photos-{line_id}": list(photos), **more}


def test_the_form_sends_photos_and_the_request_waits_for_review(client, app, tmp_path):
    order = delivered_order()
    line_id = order.lines[0].id
    page = client.get(f"/exchange/{link_for(order)}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and f'name="photos-{line_id}" type="file" multiple' in page
    sent = client.post(f"/exchange/{link_for(order)}", content_type="multipart/form-data", data=damaged_form(
        line_id, (io.BytesIO(photo()), "heel.jpg"), (io.BytesIO(photo("blue", kind="PNG")), "sole.png")))
    assert sent.status_code == 303
    request = db.session.scalar(select(ReturnRequest))
    assert request.state is ReturnState.IN_REVIEW and len(request.items[0].photos) == 2
    assert "looks at your photos" in client.get(sent.headers["Location"]).get_data(as_text=True)
    email = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "return_requested"))
    assert "Thank you for the photos" in email.text_body and "reply to this email with" not in email.text_body


def test_a_photo_of_phone_size_gets_through(client, app):
    """The request form takes more than the 1 MB every other form stops at."""
    order = delivered_order()
    line_id = order.lines[0].id
    big = noisy_jpeg(2)
    assert 1024 * 1024 < len(big) < policy.RETURN_PHOTO_MAX_BYTES
    sent = client.post(f"/exchange/{link_for(order)}", content_type="multipart/form-data",
                       data=damaged_form(line_id, (io.BytesIO(big), "IMG_2041.JPG")))
    assert sent.status_code == 303
    assert client.post("/pages/order-lookup", data={"email": "x" * (2 * 1024 * 1024)}).status_code == 413
    beyond = client.post(f"/exchange/{link_for(order)}", content_type="multipart/form-data", data=damaged_form(
        line_id, (io.BytesIO(bytes(policy.RETURN_REQUEST_MAX_BYTES)), "film.mov")))
    assert beyond.status_code == 413 and "That was too much to send" in beyond.get_data(as_text=True)


@pytest.mark.parametrize(("files", "words"), [
    ([(TEXT_AS_JPEG, "letter.jpg")], "“letter.jpg” is not a photo we can open"),
    ([(SVG_AS_JPEG, "heel.jpg")], "“heel.jpg” is not a photo we can open"),
    ([(b"\xff\xd8" + bytes(policy.RETURN_PHOTO_MAX_BYTES), "huge.jpg")], "“huge.jpg” is over 8 MB"),
    ([(photo(), f"{i}.jpg") for i in range(5)], "Please choose up to 4 photos for this pair."),
    ([], "Please add 1 to 4 photos"),
])
def test_a_refused_photo_is_named_beside_the_field_and_the_rest_is_kept(client, app, htmx_headers, files, words):
    order = delivered_order()
    line_id = order.lines[0].id
    for headers in ({}, htmx_headers):
        uploads = [(io.BytesIO(data), name) for data, name in files]
        page = client.post(f"/exchange/{link_for(order)}", content_type="multipart/form-data", headers=headers,
                           data=damaged_form(line_id, *uploads))
        body = page.get_data(as_text=True)
        assert page.status_code == 422
        assert f'id="photos-{line_id}-error">{words}' in body.replace("&#34;", '"')
        assert "The left heel wobbles.</textarea>" in body and 'value="damaged" selected' in body
        assert body.lstrip().startswith('<form id="request-form"') == bool(headers)
    assert db.session.scalar(select(ReturnRequest)) is None


def test_good_photos_are_asked_again_when_something_else_is_wrong(client, app):
    order = delivered_order()
    line_id = order.lines[0].id
    page = client.post(f"/exchange/{link_for(order)}", content_type="multipart/form-data",
                       data=damaged_form(line_id, (io.BytesIO(photo()), "heel.jpg"), conditions=["box"]))
    body = page.get_data(as_text=True)
    assert page.status_code == 422 and "Please confirm each condition" in body
    assert "Please choose your photos again" in body and 'value="box" checked' in body


# --- Staff only ---------------------------------------------------------------------------


def test_staff_see_the_photos_and_nobody_else_can(client, app, auth, tmp_path):
    request = ask(delivered_order(), reason="damaged", photos=[returns.Upload("a.jpg", photo())])
    db.session.commit()
    (kept,) = request.items[0].photos
    address = f"/admin/returns/{request.id}/photos/{kept.id}"
    assert client.get(address).status_code in (302, 303, 401)  # signed out: the sign-in page
    assert client.get(f"/media/{kept.name}").status_code == 404  # the public picture route cannot reach it
    assert client.get(f"/media/return-photos/{kept.name}").status_code == 404
    assert client.get(f"/static/{kept.name}").status_code == 404
    auth.login()
    page = client.get(f"/admin/returns/{request.id}").get_data(as_text=True)
    assert f'src="{address}"' in page and "Look at the photos beside each pair" in page
    served = client.get(address)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "no-store" in served.headers["Cache-Control"] and served.data.startswith(b"\xff\xd8")
    other = ask(delivered_order(email="other@example.com"), reason="damaged")
    db.session.commit()
    assert client.get(f"/admin/returns/{other.id}/photos/{kept.id}").status_code == 404  # not that request's
    db.session.delete(db.session.get(ReturnPhoto, kept.id))
    db.session.commit()
    assert client.get(address).status_code == 404


def test_a_png_keeps_its_transparency_and_loses_its_text(app):
    from PIL import PngImagePlugin

    from ally_web.services import media

    source = Image.new("P", (20, 20), 1)
    source.putpalette([255, 255, 255, 200, 30, 30] + [0, 0, 0] * 254)
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "taken at 40.7128 N, 74.0060 W")
    out = io.BytesIO()
    source.save(out, "PNG", transparency=1, pnginfo=text)
    clean = media.clean_image(out.getvalue(), formats=frozenset({"PNG"}), max_side=100)
    with Image.open(io.BytesIO(clean.body)) as kept:
        assert kept.info.get("transparency") == 1 and "Comment" not in kept.info
    assert b"40.7128" not in clean.body
