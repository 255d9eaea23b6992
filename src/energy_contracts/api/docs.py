"""The interactive docs, Swagger UI at ``docs`` and ReDoc at ``redoc``, with no network.

Both pages load their scripts and styles from ``docs/assets`` under the API prefix, files
the package carries (``api/static``, fetched at pinned versions by
``tools/vendor_web_assets.py`` with their licences), never from a CDN. Both show the
document ``ApiDocument`` serves — the one with msgspec's components — embedded in the page.
Swagger UI's *Authorize* gets a token through the document's ``oauth2`` clientCredentials
flow from the token endpoint, with both scopes preselected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import OpenAPIRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from energy_contracts.api.openapi import ApiDocument

STATIC = Path(__file__).parent / "static"
ASSETS_PATH = "/docs/assets"
_STYLE = "<style>body { margin: 0; padding: 0 }</style>"


def _embeddable(document: bytes) -> bytes:
    # The document goes inside a <script>: no "</script>" in a description may end it early.
    return document.replace(b"</", b"<\\/")


# Nothing but this origin: ReDoc's side menu would otherwise fetch a logo from its CDN. The
# inline script holds the document; data: URLs are the UIs' own icons.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:"
)


def _head(assets: str) -> str:
    """The first lines of each page's head (passed as the plugins' ``favicon``): the
    policy, before anything it governs is loaded, then the icon."""
    return (
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        f"<link rel='icon' type='image/png' href='{assets}/swagger-ui/favicon-32x32.png'>"
    )


class SwaggerUI(SwaggerRenderPlugin):
    """Swagger UI 5 from the package's assets, showing the served document."""

    def __init__(self, document: ApiDocument, *, assets: str, path: str = "/docs") -> None:
        super().__init__(
            js_url=f"{assets}/swagger-ui/swagger-ui-bundle.js",
            css_url=f"{assets}/swagger-ui/swagger-ui.css",
            standalone_preset_js_url=f"{assets}/swagger-ui/swagger-ui-standalone-preset.js",
            init_oauth={"scopes": "read write"},
            path=path,
            favicon=_head(assets),
            style=_STYLE,
        )
        self._document = document

    def render_json(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:  # type: ignore[override]
        return _embeddable(self._document.render(request, openapi_schema))


class ReDoc(RedocRenderPlugin):
    """ReDoc 2 from the package's assets (and no web fonts), showing the served document."""

    def __init__(self, document: ApiDocument, *, assets: str, path: str = "/redoc") -> None:
        super().__init__(
            js_url=f"{assets}/redoc/redoc.standalone.js",
            google_fonts=False,
            path=path,
            favicon=_head(assets),
            style=_STYLE,
        )
        self._document = document

    def render_json(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:  # type: ignore[override]
        return _embeddable(self._document.render(request, openapi_schema))


def interactive_docs(
    document: ApiDocument, *, api_prefix: str
) -> tuple[list[OpenAPIRenderPlugin], Router]:
    """The two render plugins and the router that serves their assets."""
    assets = f"{api_prefix}{ASSETS_PATH}"
    assets_router = create_static_files_router(
        path=assets,
        directories=[STATIC],
        name="docs-assets",
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=3600),
    )
    return [SwaggerUI(document, assets=assets), ReDoc(document, assets=assets)], assets_router
