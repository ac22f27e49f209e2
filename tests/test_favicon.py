"""The portal's icon: linked from every page, served as SVG, and at /favicon.ico too."""


def test_the_icon_is_served_as_svg_at_both_addresses(client):
    for path in ("/static/favicon.svg", "/favicon.ico"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.mimetype == "image/svg+xml", path
        assert response.get_data(as_text=True).startswith("<svg"), path


def test_every_page_links_the_icon(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
