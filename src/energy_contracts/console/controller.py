"""The console's pages: thin handlers that ask ``views`` and render a template.

Every page but the sign-in form needs a session (``viewer``); pages that change data need a
client with the write scope (``writer``). Every form, sign-in included, carries a CSRF token
(Litestar's ``CSRFMiddleware`` on this router only: the API takes bearer tokens, not
cookies). Errors are pages too: another organisation's ids are the same 404 page as ids
that do not exist.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, Router, get, post
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.params import Body, FromPath, QueryParameter
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from energy_contracts.api.instants import local_day
from energy_contracts.auth.keys import SigningKey
from energy_contracts.console import sessions, views
from energy_contracts.console.sessions import SignInRefused, SignInRequired, Viewer
from energy_contracts.errors import Conflict, ProblemError, Unprocessable

HERE = Path(__file__).parent
CSRF_COOKIE = "energy_console_csrf"


class SignInForm(msgspec.Struct):
    client_id: str
    client_secret: str


class NewUserForm(msgspec.Struct):
    email: str
    external_user_id: str = ""


FormOf = Body(media_type=RequestEncodingType.URL_ENCODED)


class ConsolePages(Controller):
    path = "/"
    include_in_schema = False
    dependencies = {
        "viewer": Provide(sessions.provide_viewer),
        "writer": Provide(sessions.provide_writer),
    }

    @get("/sign-in")
    async def sign_in_form(self) -> Template:
        return Template("sign_in.html", context={"error": None})

    @post("/sign-in", status_code=303)
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        data: Annotated[SignInForm, FormOf],
    ) -> Response[Any]:
        try:
            token = await sessions.sign_in(session, request, data.client_id, data.client_secret)
        except SignInRefused as refused:
            return Template(
                "sign_in.html",
                context={"error": str(refused), "client_id": data.client_id},
                status_code=401,
            )
        return Redirect(
            "/console/", cookies=[sessions.session_cookie(request, token)], status_code=303
        )

    @post("/sign-out", status_code=303)
    async def sign_out(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
    ) -> Redirect:
        await sessions.sign_out(session, request)
        return Redirect(
            sessions.SIGN_IN_PATH,
            cookies=[sessions.cleared_session_cookie(request)],
            status_code=303,
        )

    @get("/")
    async def overview(
        self, viewer: NamedDependency[Viewer], session: NamedDependency[AsyncSession]
    ) -> Template:
        shown = await views.overview(session, viewer, datetime.now(UTC))
        return Template(
            "overview.html",
            context={"viewer": viewer, "overview": shown, "hours": views.RUNNING_OUT_WITHIN},
        )

    @get("/users")
    async def users(
        self,
        viewer: NamedDependency[Viewer],
        session: NamedDependency[AsyncSession],
        q: Annotated[str, QueryParameter(max_length=254)] = "",
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Template:
        shown = await views.user_list(session, viewer, query=q, cursor=cursor)
        return Template("users.html", context={"viewer": viewer, "list": shown, "error": None})

    @post("/users", status_code=303)
    async def create_user(
        self,
        writer: NamedDependency[Viewer],
        session: NamedDependency[AsyncSession],
        data: Annotated[NewUserForm, FormOf],
    ) -> Response[Any]:
        try:
            user = await views.create_user(session, writer, data.email, data.external_user_id)
        except (Unprocessable, Conflict) as refused:
            shown = await views.user_list(session, writer, query="", cursor=None)
            return Template(
                "users.html",
                context={"viewer": writer, "list": shown, "error": refused.detail, "form": data},
                status_code=refused.status,
            )
        return Redirect(f"/console/users/{user.id}", status_code=303)

    @get("/users/{user_id:uuid}")
    async def user(
        self,
        viewer: NamedDependency[Viewer],
        session: NamedDependency[AsyncSession],
        user_id: FromPath[uuid.UUID],
    ) -> Template:
        shown = await views.user_page(session, viewer, user_id)
        return Template("user.html", context={"viewer": viewer, "page": shown})

    @get("/users/{user_id:uuid}/buildings/{building_id:uuid}")
    async def building_day(
        self,
        viewer: NamedDependency[Viewer],
        session: NamedDependency[AsyncSession],
        connection: NamedDependency[AsyncConnection],
        user_id: FromPath[uuid.UUID],
        building_id: FromPath[uuid.UUID],
        day: Annotated[str | None, QueryParameter(max_length=10)] = None,
        window: Annotated[int, QueryParameter(ge=15, le=720)] = views.DEFAULT_WINDOW_MINUTES,
    ) -> Template:
        shown = await views.day_view(
            session,
            connection,
            viewer,
            user_id,
            building_id,
            day=_local_day(day),
            window_minutes=window,
            now=datetime.now(UTC),
        )
        return Template(
            "day.html",
            context={
                "viewer": viewer,
                "view": shown,
                "window_choices": views.WINDOW_CHOICES,
                "breakdown_parts": views.BREAKDOWN_PARTS,
                "chart_data": views.script_json(shown.chart_data()),
            },
        )

    @get("/users/{user_id:uuid}/buildings/{building_id:uuid}/prices.csv")
    async def building_day_csv(
        self,
        viewer: NamedDependency[Viewer],
        session: NamedDependency[AsyncSession],
        connection: NamedDependency[AsyncConnection],
        user_id: FromPath[uuid.UUID],
        building_id: FromPath[uuid.UUID],
        day: Annotated[str | None, QueryParameter(max_length=10)] = None,
    ) -> Response[str]:
        shown = await views.day_view(
            session,
            connection,
            viewer,
            user_id,
            building_id,
            day=_local_day(day),
            window_minutes=None,  # the CSV has no window: none is searched for
            now=datetime.now(UTC),
        )
        return _csv_download(
            views.prices_csv(shown), f"prices-{building_id}-{shown.day.isoformat()}.csv"
        )

    @get("/series")
    async def series_list(
        self,
        viewer: NamedDependency[Viewer],
        session: NamedDependency[AsyncSession],
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Template:
        shown = await views.series_list(session, viewer, cursor=cursor, now=datetime.now(UTC))
        return Template("series_list.html", context={"viewer": viewer, "list": shown})

    @get("/series/{series_id:uuid}")
    async def series(
        self,
        viewer: NamedDependency[Viewer],
        session: NamedDependency[AsyncSession],
        series_id: FromPath[uuid.UUID],
        day: Annotated[str | None, QueryParameter(max_length=10)] = None,
    ) -> Template:
        shown = await views.series_page(
            session,
            viewer,
            series_id,
            day=_local_day(day),
            now=datetime.now(UTC),
        )
        return Template(
            "series.html",
            context={
                "viewer": viewer,
                "page": shown,
                "chart_data": views.script_json(shown.chart_data()),
            },
        )

    @get("/series/{series_id:uuid}/prices.csv")
    async def series_csv(
        self,
        viewer: NamedDependency[Viewer],
        session: NamedDependency[AsyncSession],
        series_id: FromPath[uuid.UUID],
        day: Annotated[str | None, QueryParameter(max_length=10)] = None,
    ) -> Response[str]:
        shown = await views.series_page(
            session,
            viewer,
            series_id,
            day=_local_day(day),
            now=datetime.now(UTC),
        )
        return _csv_download(
            views.series_prices_csv(shown), f"series-{series_id}-{shown.day.isoformat()}.csv"
        )


def _local_day(day: str | None) -> date | None:
    """The ``day`` query parameter as a local day; absent, the page shows today."""
    return None if day is None else local_day(day)


def _csv_download(text: str, filename: str) -> Response[str]:
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _sign_in_again(request: Request[Any, Any, Any], _: SignInRequired) -> Response[Any]:
    redirect = Redirect(sessions.SIGN_IN_PATH, status_code=303)
    if sessions.SESSION_COOKIE in request.cookies:
        redirect.set_cookie(sessions.cleared_session_cookie(request))
    return redirect


def _error_page(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    status = error.status_code
    detail = error.detail if isinstance(error, ProblemError) or status < 500 else ""
    title = {403: "Not allowed", 404: "Not found"}.get(status, "Cannot show this")
    return Template(
        "error.html",
        context={"status": status, "title": title, "detail": detail},
        status_code=status,
    )


def console_routes(signing_key: SigningKey) -> list[Router]:
    """The pages (with CSRF protection) and their static files."""
    csrf = CSRFConfig(
        secret=sessions.csrf_secret(signing_key),
        cookie_name=CSRF_COOKIE,
        cookie_path=sessions.COOKIE_PATH,
        cookie_httponly=True,
        cookie_samesite="strict",
    )
    pages = Router(
        path="/console",
        route_handlers=[ConsolePages],
        middleware=[DefineMiddleware(CSRFMiddleware, config=csrf)],
        exception_handlers={
            SignInRequired: _sign_in_again,
            # ProblemError too: the app maps it (through its base) to problem+json.
            ProblemError: _error_page,
            HTTPException: _error_page,
        },
        include_in_schema=False,
    )
    static = create_static_files_router(
        path="/console/static",
        directories=[HERE / "static"],
        name="console-static",
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=3600),
    )
    return [pages, static]


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine)
