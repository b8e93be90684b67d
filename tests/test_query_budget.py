"""A fixed number of SQL statements per page, whatever the size of the catalog."""


import pytest
from sqlalchemy import delete, select

from ally_web.extensions import db
from ally_web.models import Colour, StockMovement, Style, Variant
from ally_web.seed import seed_catalog
from tests.support.queries import count_queries


def make_catalog(styles: int) -> None:
    """Replace the catalog with `styles` styles of 2 colours and 6 variants each."""
    for model in (StockMovement, Variant, Colour, Style):
        db.session.execute(delete(model))
    for n in range(styles):
        style = Style(slug=f"style-{n}", name=f"Style {n}", tagline="t", description="d",
                      price_cents=30000, material="Leather", heel_height_mm=90,
                      hs_code="6403.59", origin_country="CN", position=n)
        for c in range(2):
            colour = Colour(slug=f"c{c}", name=f"Colour {c}", hex="#111111",
                            image="img/products/classic-pump-black.svg", position=c)
            style.colours.append(colour)
            for size in (16, 17, 18):
                for width in ("M", "W"):
                    colour.variants.append(Variant(size_halves=size, width=width,
                                                   sku=f"S{n}-{c}-{size}{width}", stock=size % 2))
        db.session.add(style)
    db.session.commit()


def queries_for(client, url, **kw):
    client.get(url, **kw)  # warm caches that are not per request
    with count_queries() as statements:
        response = client.get(url, **kw)
    assert response.status_code == 200
    return len(statements)


def fill_cart(client, lines: int):
    ids = db.session.scalars(select(Variant.id).order_by(Variant.id).limit(lines)).all()
    for variant_id in ids:
        client.post("/cart/add", data={"variant_id": str(variant_id), "quantity": "1"})


@pytest.mark.parametrize("url", ["/", "/shop", "/products/style-0?colour=c1&size=8.5&width=M", "/cart"])
def test_pages_issue_the_same_queries_for_5_and_500_products(app, url):
    counts = []
    for styles, lines in ((5, 5), (500, 20)):
        make_catalog(styles)
        client = app.test_client()
        fill_cart(client, lines)
        counts.append(queries_for(client, url))
        counts.append(queries_for(client, url, headers={"HX-Request": "true"}))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
    assert max(counts) <= 4, counts


def test_seeded_product_page_query_count(app):
    seed_catalog()
    client = app.test_client()
    assert queries_for(client, "/products/classic-pump?colour=black&size=8&width=M") <= 4
