"""infra/local/static_server.py: the small server under the checkout and dashboard servers."""

from __future__ import annotations

import http.client
import threading

import pytest

from infra.local.static_server import Request, StaticSite, json_answer, serve


@pytest.fixture
def site_url(tmp_path):
    (tmp_path / "page.html").write_text("<p>page</p>")
    (tmp_path / "app.js").write_text("console.log(1)")
    seen: list[Request] = []

    def echo(request: Request):
        seen.append(request)
        return json_answer(
            200,
            {
                "method": request.method,
                "origin": request.headers.get("origin"),
                "query": request.query,
                "body": request.body.decode(),
            },
        )

    def broken(method, query, body):
        raise RuntimeError("boom")

    site = StaticSite(
        tmp_path,
        routes={"/old": lambda method, query, body: json_answer(200, {"m": method}), "/broken": broken},
        request_routes={"/echo": echo},
        aliases={"/page": "page.html"},
        headers={"X-Site": "1"},
        path_headers={"/app.js": {"Access-Control-Allow-Origin": "*"}},
    )
    server = serve(site, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def call(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def test_request_routes_see_headers_query_and_body(site_url):
    status, headers, body = call(
        site_url, "POST", "/echo?a=1&a=2", b"hello", {"Origin": "http://x.test", "Content-Type": "text/plain"}
    )
    assert status == 200
    assert body == b'{"method": "POST", "origin": "http://x.test", "query": {"a": ["1", "2"]}, "body": "hello"}'
    assert headers["X-Site"] == "1"


def test_plain_routes_keep_their_signature(site_url):
    assert call(site_url, "PUT", "/old")[2] == b'{"m": "PUT"}'


def test_path_headers_apply_to_their_path_only(site_url):
    _, js_headers, _ = call(site_url, "GET", "/app.js")
    _, page_headers, page = call(site_url, "GET", "/page")
    assert js_headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in page_headers
    assert page == b"<p>page</p>" and page_headers["X-Site"] == "1"


def test_a_broken_route_answers_500(site_url):
    status, _, body = call(site_url, "GET", "/broken")
    assert status == 500 and b"SERVER_ERROR" in body


def test_bodies_are_bounded(site_url):
    assert call(site_url, "POST", "/echo", headers={"Content-Length": "abc"})[0] == 400
    assert call(site_url, "POST", "/echo", headers={"Content-Length": str(2 * 1024 * 1024)})[0] == 413


def test_nothing_outside_the_root_is_served(site_url):
    assert call(site_url, "GET", "/../etc/passwd")[0] == 404
    assert call(site_url, "GET", "/%2e%2e/etc/passwd")[0] == 404
    assert call(site_url, "POST", "/page")[0] == 405


def test_a_missing_spa_index_is_a_404_not_a_dropped_connection(tmp_path):
    server = serve(StaticSite(tmp_path, spa_index="index.html"), "127.0.0.1", 0)  # no index.html
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert call(server.server_address[1], "GET", "/some/route")[0] == 404
    finally:
        server.shutdown()
        server.server_close()
