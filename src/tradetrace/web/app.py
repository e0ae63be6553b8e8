"""The investigation web application: server-rendered pages, a JSON API and triage.

``create_app(settings)`` builds the FastAPI app for one workspace; ``tradetrace
serve`` runs it with uvicorn. Pages are rendered on the server (Jinja2, names
escaped and bidi-isolated) and read without JavaScript; the network explorer
adds Cytoscape.js, shipped in ``static/vendor`` (see VENDORED.md there). Every
page has a JSON twin under ``/api``, described by the OpenAPI document at
``/openapi.json`` and browsable at ``/docs``.

Safety (see ``security.py``): loopback only unless a token is set, a CSRF
token on every form and API call that writes, bounded request bodies and
batches, and a strict Content-Security-Policy.
"""

from __future__ import annotations

import getpass
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import date
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Form, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, Undefined, select_autoescape
from markupsafe import escape
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from tradetrace import __version__
from tradetrace.settings import Settings
from tradetrace.web import views
from tradetrace.web.access import Access, Answer, NoWorkspaceError, WorkspaceBusyError
from tradetrace.web.security import CSRF_COOKIE, Guard, csrf_ok, new_csrf

CSRF_MARK = "tt-csrf-0f5c2a"  # placeholders in a rendered page for what differs per user
WHO_MARK = "tt-who-7d1e9b"
WARM_CASES = 5  # case pages read at start
MAX_BATCH = 1000
MAX_NAME = 500
FLUSH_SECONDS = 3.0
Decision = Literal["confirm", "dismiss", "reopen"]
CaseStatus = Literal["new", "in review", "confirmed", "closed"]


# ---------------------------------------------------------------------------- API models
class MatchQuery(BaseModel):
    """One party to screen, as a row of `match --file`."""

    id: str | None = Field(default=None, max_length=200)
    name: str = Field(min_length=1, max_length=MAX_NAME)
    kind: Literal["company", "person"] | None = None
    country: str | None = Field(default=None, max_length=100)
    birth_date: str | None = Field(default=None, max_length=10)
    tax_id: str | None = Field(default=None, max_length=100)


class MatchBatch(BaseModel):
    queries: list[MatchQuery] = Field(min_length=1, max_length=MAX_BATCH)
    limit: int = Field(default=5, ge=1, le=50)
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)


class DecisionIn(BaseModel):
    decision: Decision
    note: str | None = Field(default=None, max_length=2000)
    who: str | None = Field(default=None, max_length=100)


class StatusIn(BaseModel):
    status: CaseStatus
    note: str | None = Field(default=None, max_length=2000)
    who: str | None = Field(default=None, max_length=100)


# ---------------------------------------------------------------------------- rendering
def _templates() -> Environment:
    from tradetrace.report.html import bdi

    root = resources.files("tradetrace")
    folders = [str(root / "web" / "templates"), str(root / "report" / "templates")]  # reports' partials too
    env = Environment(
        loader=FileSystemLoader(folders),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["bdi"] = bdi
    env.filters["usd"] = lambda v: "" if v is None or isinstance(v, Undefined) else f"${float(v):,.0f}"
    return env


class Screening:
    """The screener over the active list versions, rebuilt when the workspace changes."""

    def __init__(self, access: Access) -> None:
        self.access = access
        self._lock = threading.Lock()
        self._state: tuple[int, int] | None = None
        self._screener: Any = None

    def get(self) -> Any:
        from tradetrace.resolve.matcher import Screener

        state = self.access.state()
        with self._lock:
            if self._screener is None or state != self._state:
                with self.access.reader() as ws:
                    tmp = ws.path / "tmp"
                    cache = tmp if tmp.is_dir() else None
                    self._screener = Screener.from_engine(ws.engine, cache_dir=cache)
                self._state = state
            return self._screener


def create_app(
    settings: Settings, token: str | None = None, loopback: bool = True, warm: bool = True
) -> FastAPI:
    """The app for one workspace; ``token`` (required off loopback) guards every request;
    ``warm`` reads the dashboard and top case pages at start."""
    access = Access(settings)
    screening = Screening(access)
    env = _templates()
    stop = threading.Event()

    def flusher() -> None:
        while not stop.wait(FLUSH_SECONDS):
            with suppress(Exception):  # keep retrying; a failed write stays queued
                access.flush()

    def warm_up() -> None:
        """Read the dashboard and the top cases once, so that their first visit is quick."""
        with suppress(Exception):
            board = access.read("dashboard", views.dashboard).value
            for c in board["cases"][:WARM_CASES]:
                if stop.is_set():
                    return
                case_id = str(c["case_id"])
                access.read(f"case:{case_id}", partial(_case_of, case_id))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        thread = threading.Thread(target=flusher, name="tradetrace-flush", daemon=True)
        thread.start()
        if warm:
            threading.Thread(target=warm_up, name="tradetrace-warm", daemon=True).start()
        try:
            yield
        finally:
            stop.set()

    app = FastAPI(
        title="tradetrace",
        version=__version__,
        description="Cases, entities, records, networks and screening of one tradetrace workspace.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.access = access
    app.add_middleware(Guard, token=token, loopback=loopback)
    static = resources.files("tradetrace") / "web" / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    # ------------------------------------------------------------------ helpers
    rendered: dict[tuple[Any, ...], tuple[Any, str | None, str]] = {}  # pages of remembered answers
    rendered_lock = threading.Lock()

    def page(
        request: Request, template: str, answer: Answer | None, status: int = 200, **extra: Any
    ) -> Response:
        csrf = request.cookies.get(CSRF_COOKIE) or new_csrf()
        who = request.cookies.get("tt_who") or getpass.getuser()
        key = (template, request.url.path, str(request.query_params), status, repr(sorted(extra.items())))
        hit = rendered.get(key)
        value = answer.value if answer else None
        if (
            hit
            and hit[0] is value
            and value is not None
            and hit[1] == (answer.stale_since if answer else None)
        ):
            html = hit[2]  # the same data as last time: only the per-user parts differ
        else:
            ctx = {
                "request": request,
                "data": value,
                "stale_since": answer.stale_since if answer else None,
                "busy": answer.busy if answer else None,
                "csrf": CSRF_MARK,
                "who": WHO_MARK,
                "version": __version__,
                "workspace": str(settings.workspace),
                **extra,
            }
            html = env.get_template(template).render(**ctx)
            with rendered_lock:
                rendered[key] = (value, ctx["stale_since"], html)
                while len(rendered) > 128:
                    rendered.pop(next(iter(rendered)))
        html = html.replace(CSRF_MARK, csrf).replace(WHO_MARK, str(escape(who)))
        response = HTMLResponse(html, status_code=status)
        if request.cookies.get(CSRF_COOKIE) != csrf:
            response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict")
        return response

    def api(answer: Answer) -> JSONResponse:
        body = {"data": jsonable_encoder(answer.value)}
        if answer.busy:
            body["stale"] = {"since": answer.stale_since, "busy": answer.busy}
        return JSONResponse(body)

    def read(key: str, fn: Callable[[Any], Any]) -> Answer:
        return access.read(key, fn)

    # ------------------------------------------------------------------ errors
    @app.exception_handler(WorkspaceBusyError)
    async def busy(request: Request, exc: WorkspaceBusyError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse(
                {"detail": exc.message, "busy": True}, status_code=503, headers={"Retry-After": "5"}
            )
        return page(request, "error.html.j2", None, 503, title="Workspace busy", message=exc.message)

    @app.exception_handler(LookupError)
    async def missing(request: Request, exc: LookupError) -> Response:
        text = str(exc.args[0]) if exc.args else "not found"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": text}, status_code=404)
        return page(request, "error.html.j2", None, 404, title="Not found", message=text)

    @app.exception_handler(ValueError)
    async def refused(request: Request, exc: ValueError) -> Response:
        if isinstance(exc, LookupError):
            return await missing(request, exc)
        text = str(exc.args[0]) if exc.args else "not valid"
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": text}, status_code=422)
        return page(request, "error.html.j2", None, 422, title="Not done", message=text)

    @app.exception_handler(NoWorkspaceError)
    async def no_ws(request: Request, exc: NoWorkspaceError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=404)
        return page(request, "error.html.j2", None, 404, title="No workspace", message=str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.url.path.startswith("/static/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return page(request, "error.html.j2", None, exc.status_code, title="Error", message=str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in err.get('loc', ()) if p != 'body')}: {err.get('msg')}"
            for err in exc.errors()
        ][:20]
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": problems}, status_code=422)
        return page(request, "error.html.j2", None, 422, title="Bad request", message="; ".join(problems))

    # ------------------------------------------------------------------ pages
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard_page(request: Request) -> Response:
        return page(request, "dashboard.html.j2", read("dashboard", views.dashboard))

    @app.get("/cases/{case_id}", response_class=HTMLResponse, include_in_schema=False)
    def case_html(request: Request, case_id: str) -> Response:
        return page(request, "case.html.j2", read(f"case:{case_id}", lambda ws: views.case_page(ws, case_id)))

    @app.get("/entities/{node_id}", response_class=HTMLResponse, include_in_schema=False)
    def entity_html(request: Request, node_id: str) -> Response:
        return page(
            request, "entity.html.j2", read(f"entity:{node_id}", lambda ws: views.entity_page(ws, node_id))
        )

    @app.get("/records/{record_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def record_html(request: Request, record_id: str) -> Response:
        answer = read(f"record:{record_id}", lambda ws: views.record_page(ws, record_id))
        return page(request, "record.html.j2", answer)

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_html(
        request: Request, q: str = Query("", max_length=MAX_NAME), exact: bool = False
    ) -> Response:
        answer = read(f"search:{exact}:{q}", lambda ws: views.search(ws, q, exact))
        return page(request, "search.html.j2", answer)

    @app.get("/network", response_class=HTMLResponse, include_in_schema=False)
    def network_html(
        request: Request,
        node: str = Query(..., max_length=200),
        case: str | None = Query(None, max_length=200),
    ) -> Response:
        answer = read(f"expand:{node}", lambda ws: views.expand(ws, node, cap=views.NEIGHBOUR_CAP))
        return page(request, "network.html.j2", answer, start=node, case=case)

    # ------------------------------------------------------------------ forms (triage)
    def _form_decision(
        request: Request, kind: str, target: str, decision: str, note: str, who: str, csrf: str, back: str
    ) -> Response:
        if not csrf_ok(request, csrf):
            return page(request, "error.html.j2", None, 403, title="Refused",
                        message="the form's security token is missing or stale; reload the page and try again")  # fmt: skip
        who = (who or "").strip()[:100] or getpass.getuser()
        result = access.decide(kind, target, decision, note.strip()[:2000] or None, who)
        response = RedirectResponse(f"{_local(back)}?saved={result}", status_code=303)
        response.set_cookie("tt_who", who, httponly=True, samesite="strict")
        return response

    @app.post("/{what}/{target}/decision", include_in_schema=False)
    def decision_form(
        request: Request,
        what: Literal["findings", "matches"],
        target: str,
        decision: Annotated[Decision, Form()],
        note: Annotated[str, Form(max_length=2000)] = "",
        who: Annotated[str, Form(max_length=100)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
        back: Annotated[str, Form(max_length=300)] = "/",
    ) -> Response:
        kind = "finding" if what == "findings" else "match"
        return _form_decision(request, kind, target, decision, note, who, csrf, back)

    @app.post("/cases/{case_id}/status", include_in_schema=False)
    def status_form(
        request: Request,
        case_id: str,
        status: Annotated[CaseStatus, Form()],
        note: Annotated[str, Form(max_length=2000)] = "",
        who: Annotated[str, Form(max_length=100)] = "",
        csrf: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        return _form_decision(request, "case", case_id, status, note, who, csrf, f"/cases/{case_id}")

    # ------------------------------------------------------------------ JSON API
    @app.get("/api/dashboard", tags=["pages"], summary="Ranked cases, flag counts, lists in force, last runs")
    def api_dashboard() -> JSONResponse:
        return api(read("dashboard", views.dashboard))

    @app.get("/api/cases", tags=["cases"], summary="Ranked cases")
    def api_cases() -> JSONResponse:
        answer = read("dashboard", views.dashboard)
        return api(Answer(answer.value["cases"], answer.stale_since, answer.busy))

    @app.get("/api/cases/{case_id}", tags=["cases"], summary="One case as its page shows it")
    def api_case(case_id: str) -> JSONResponse:
        answer = read(f"case:{case_id}", lambda ws: views.case_page(ws, case_id))
        value = {k: v for k, v in answer.value.items() if k != "charts"}
        return api(Answer(value, answer.stale_since, answer.busy))

    @app.get("/api/entities/{node_id}", tags=["entities"], summary="Names, identifiers, matches, ties, cases")
    def api_entity(node_id: str) -> JSONResponse:
        return api(read(f"entity:{node_id}", lambda ws: views.entity_page(ws, node_id)))

    @app.get(
        "/api/records/{record_id:path}", tags=["records"], summary="A shipment or payment with its provenance"
    )
    def api_record(record_id: str) -> JSONResponse:
        return api(read(f"record:{record_id}", lambda ws: views.record_page(ws, record_id)))

    @app.get("/api/search", tags=["entities"], summary="Entities by name, across scripts unless exact")
    def api_search(
        q: str = Query(..., min_length=1, max_length=MAX_NAME), exact: bool = False
    ) -> JSONResponse:
        return api(read(f"search:{exact}:{q}", lambda ws: views.search(ws, q, exact)))

    @app.get("/api/network/expand", tags=["network"], summary="A node's neighbours, a page at a time")
    def api_expand(
        node: str = Query(..., max_length=200),
        kinds: str | None = Query(None, max_length=300),
        since: date | None = None,
        until: date | None = None,
        offset: int = Query(0, ge=0, le=1_000_000),
        cap: int = Query(views.NEIGHBOUR_CAP, ge=1, le=views.MAX_CAP),
    ) -> JSONResponse:
        kind_list = _kinds(kinds)
        key = f"expand:{node}:{kind_list}:{since}:{until}:{offset}:{cap}"
        return api(read(key, lambda ws: views.expand(ws, node, kind_list, since, until, offset, cap)))

    @app.get("/api/network/path", tags=["network"], summary="Shortest chain of ties between two entities")
    def api_path(
        a: str = Query(..., max_length=200),
        b: str = Query(..., max_length=200),
        kinds: str | None = Query(None, max_length=300),
    ) -> JSONResponse:
        kind_list = _kinds(kinds)
        return api(read(f"path:{a}:{b}:{kind_list}", lambda ws: views.shortest_path(ws, a, b, kind_list)))

    @app.get("/api/match", tags=["screening"], summary="Screen one name against the active lists")
    def api_match_one(
        name: str = Query(..., min_length=1, max_length=MAX_NAME),
        country: str | None = Query(None, max_length=100),
        tax_id: str | None = Query(None, max_length=100),
        kind: Literal["company", "person"] | None = None,
        birth_date: str | None = Query(None, max_length=10),
        limit: int = Query(5, ge=1, le=50),
        threshold: float | None = Query(None, ge=0.0, le=1.0),
    ) -> JSONResponse:
        screener = screening.get()
        found = screener.match(name, country, tax_id, kind, birth_date, limit=limit, threshold=threshold)
        return JSONResponse({"matches": jsonable_encoder([m.as_dict() for m in found])})

    @app.post("/api/match", tags=["screening"], summary="Screen a batch (the rows of `match --file`)")
    def api_match_batch(batch: MatchBatch) -> JSONResponse:
        from tradetrace.resolve.matcher import Query as ScreenQuery

        screener = screening.get()
        queries = [
            ScreenQuery(q.name, q.country, q.tax_id, q.kind, q.birth_date, q.id) for q in batch.queries
        ]
        results = screener.match_many(queries, limit=batch.limit, threshold=batch.threshold)
        lines = [
            {"id": q.id, "matches": [m.as_dict() for m in found]}
            for q, found in zip(queries, results, strict=True)
        ]
        return JSONResponse({"results": jsonable_encoder(lines)})

    def _api_decide(
        request: Request, kind: str, target: str, decision: str, body: DecisionIn | StatusIn
    ) -> JSONResponse:
        who = (body.who or "").strip() or getpass.getuser()
        result = access.decide(kind, target, decision, body.note, who)
        return JSONResponse({"result": result, "kind": kind, "id": target, "decision": decision},
                            status_code=200 if result == "written" else 202)  # fmt: skip

    @app.post(
        "/api/findings/{finding_id}/decision", tags=["triage"], summary="Confirm, dismiss or reopen a finding"
    )
    def api_finding_decision(request: Request, finding_id: str, body: DecisionIn) -> JSONResponse:
        return _api_decide(request, "finding", finding_id, body.decision, body)

    @app.post(
        "/api/matches/{match_id}/decision", tags=["triage"], summary="Confirm, dismiss or reopen a list match"
    )
    def api_match_decision(request: Request, match_id: str, body: DecisionIn) -> JSONResponse:
        return _api_decide(request, "match", match_id, body.decision, body)

    @app.post("/api/cases/{case_id}/status", tags=["triage"], summary="Set a case's status")
    def api_case_status(request: Request, case_id: str, body: StatusIn) -> JSONResponse:
        return _api_decide(request, "case", case_id, body.status, body)

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return HTMLResponse(env.get_template("docs.html.j2").render())

    return app


def _case_of(case_id: str, ws: Any) -> dict[str, Any]:
    return views.case_page(ws, case_id)


def _kinds(text: str | None) -> list[str] | None:
    if not text:
        return None
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    return kinds[:20] or None


def _local(path: str) -> str:
    """A redirect target inside this site (never another host)."""
    path = path.strip()
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path.split("?", 1)[0]


def static_root() -> Path:
    return Path(str(resources.files("tradetrace") / "web" / "static"))
