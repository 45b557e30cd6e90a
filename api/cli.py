"""`vollsmose`: serve the platform, manage its database, ask for the tenure mix."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from api.settings import Settings
from gis import migrate, tenure, tenure_table
from gis.db import make_engine, translate_errors
from gis.errors import DomainError, InvalidParameter


def _engine(settings: Settings):
    return make_engine(settings.database_url, connect_timeout=settings.db_connect_timeout)


def prepare(settings: Settings, *, upgrade: bool, reference: bool) -> list[str]:
    """What `serve --upgrade --load-reference-if-empty` does before serving, in the one
    process that serves (`make run`): each check one query when there is nothing to do."""
    done = []
    if not (upgrade or reference):
        return done
    engine = _engine(settings)
    try:
        with engine.begin() as conn:
            # Workers or machines starting together: one migrates and loads, the others wait
            # for it and find nothing to do.
            migrate.lock(conn)
            if upgrade and migrate.upgrade_if_behind(conn):
                done.append(f"database upgraded to {', '.join(sorted(migrate.heads()))}")
            if reference:
                from gis.reference import default_reference_path, is_empty, load_reference

                if is_empty(conn):
                    path = default_reference_path()
                    counts = load_reference(conn, path)
                    done.append(f"loaded {path.name}: {sum(counts.values())} rows")
    finally:
        engine.dispose()
    return done


WORKER_HEALTHCHECK_SECONDS = 30


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.app import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    workers = settings.workers if args.workers is None else args.workers
    if not 1 <= workers <= 64:
        raise InvalidParameter("workers", "workers: 1 to 64 processes.")
    # Before uvicorn starts a worker: they all find the database migrated and loaded.
    for line in prepare(settings, upgrade=args.upgrade, reference=args.load_reference_if_empty):
        print(line, flush=True)
    if workers == 1:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_level=settings.log_level,
            timeout_keep_alive=settings.keep_alive_seconds,
        )
        return 0
    # uvicorn's own supervisor (it restarts a worker that dies); each worker builds its app
    # from the same environment and shares nothing with the others but the database.
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        workers=workers,
        # The supervisor kills a worker that leaves its ping unanswered this long. At its
        # default of 5 s, busy workers on a loaded machine (2 cores, load 12-16) were killed
        # and replaced during load runs (benchmarks/README.md, "Several workers").
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        host=host,
        port=port,
        log_level=settings.log_level,
        timeout_keep_alive=settings.keep_alive_seconds,
    )
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    target = args.revision or ("head" if args.action == "upgrade" else "base")
    with _engine(settings).begin() as conn:
        if target == "head" and args.action == "upgrade":
            if not migrate.upgrade_if_behind(conn):
                print("database already at head; nothing to do")
                return 0
        else:
            step = migrate.upgrade if args.action == "upgrade" else migrate.downgrade
            step(conn, target)
    print(f"database {args.action}d to {target}")
    return 0


def cmd_load_reference(args: argparse.Namespace, settings: Settings) -> int:
    from gis.reference import default_reference_path, is_empty, load_reference

    path = Path(args.path) if args.path else default_reference_path()
    with _engine(settings).begin() as conn:
        if args.if_empty and not is_empty(conn):
            print("database already holds data; reference dataset not loaded")
            return 0
        counts = load_reference(conn, path)
    summary = ", ".join(f"{n} {table}" for table, n in counts.items())
    print(f"loaded {path.name}: {summary}")
    return 0


def _table(rows: list[dict]) -> str:
    cols = [
        ("quarter", "quarter", "{}"),
        ("dwellings_total", "dwellings", "{}"),
        ("dwellings_almen_family", "almen family", "{}"),
        ("business_floor_area_m2", "business m2", "{:.0f}"),
        ("demolished_not_replaced", "demolished", "{}"),
        ("legal_share", "legal share", "{:.1%}"),
        ("compliant", "<= 40 %", "{}"),
    ]
    cells = [[h for _, h, _ in cols]]
    for r in rows:
        cells.append(["" if r[k] == "" else fmt.format(r[k]) for k, _, fmt in cols])
    widths = [max(len(row[i]) for row in cells) for i in range(len(cols))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cmd_tenure_mix(args: argparse.Namespace, settings: Settings) -> int:
    from api.schemas import TenureMixOut

    with _engine(settings).connect() as conn:
        result = tenure.tenure_mix(conn, args.area, args.year, args.quarters)
    if args.format == "json":
        print(
            json.dumps(
                TenureMixOut.of(result).model_dump(mode="json"), indent=2, ensure_ascii=False
            )
        )
    elif args.format == "csv":
        sys.stdout.write(tenure_table.to_csv(result))
    else:
        qs = result.quarter_set.slug if result.quarter_set else "-"
        print(f"{result.area.name}, 1 January {result.year}, quarters: {qs}")
        print(_table(tenure_table.rows(result)))
        if result.area.data_source:
            print(f"\nData: {result.area.data_source}")
    return 0


def cmd_render(args: argparse.Namespace, settings: Settings) -> int:
    from gis.render import geotiff, static

    with _engine(settings).connect() as conn:
        if args.format == "tif":
            content = geotiff.render_geotiff(
                conn, args.area, args.year, resolution=args.resolution
            ).content
        else:
            rendered = static.render_map(conn, args.area, args.year, args.format, dpi=args.dpi)
            content = rendered.content
    out = Path(args.out)
    out.write_bytes(content)
    print(f"wrote {out} ({len(content)} bytes): fremtidsbillede {args.year}, {args.area}")
    return 0


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from gis import auth

    with _engine(settings).begin() as conn:
        if args.action == "create":
            secret = auth.create_token(conn, args.name, args.role, args.expires_days)
            print(secret)
            print(
                f"token '{args.name}' ({args.role}) created; this is the only time it is shown",
                file=sys.stderr,
            )
        elif args.action == "revoke":
            auth.revoke_token(conn, args.name)
            print(f"token '{args.name}' revoked")
        else:
            now = datetime.now(UTC)
            for t in auth.list_tokens(conn):
                expires = t.expires_at.date().isoformat() if t.expires_at else "-"
                used = t.last_used_at.isoformat(timespec="seconds") if t.last_used_at else "-"
                print(
                    f"{t.name}\t{t.role}\tvm_{t.prefix}…\t{t.state(now)}\t"
                    f"expires {expires}\tlast used {used}"
                )
    return 0


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from gis.render.report import render_report

    with _engine(settings).connect() as conn:
        rendered = render_report(conn, args.area, args.year)
    Path(args.out).write_bytes(rendered.content)
    print(f"wrote {args.out} ({rendered.pages} pages): status report {args.year}, {args.area}")
    return 0


def cmd_criteria(args: argparse.Namespace, settings: Settings) -> int:
    from gis.criteria.importer import CsvImportError, import_values

    content = Path(args.file).read_text(encoding="utf-8")
    try:
        with _engine(settings).begin() as conn:
            n = import_values(conn, content)
    except CsvImportError as exc:
        for e in exc.errors:
            column = f", column {e['column']}" if e["column"] else ""
            print(f"{args.file}: line {e['line']}{column}: {e['message']}", file=sys.stderr)
        raise
    print(f"imported {n} rows of indicator values from {args.file}")
    return 0


def cmd_program(args: argparse.Namespace, settings: Settings) -> int:
    from gis.program.importer import CsvImportError, import_values

    content = Path(args.file).read_text(encoding="utf-8")
    try:
        with _engine(settings).begin() as conn:
            counts = import_values(conn, content)
    except CsvImportError as exc:
        for e in exc.errors:
            column = f", column {e['column']}" if e["column"] else ""
            print(f"{args.file}: line {e['line']}{column}: {e['message']}", file=sys.stderr)
        raise
    print(
        f"imported {counts['imported']} indicator values from {args.file}"
        f" ({counts['suppressed']} suppressed: fewer than 5 persons)"
    )
    return 0


def cmd_tiles(args: argparse.Namespace, settings: Settings) -> int:
    from contextlib import ExitStack

    from gis import record
    from gis.errors import InvalidParameter
    from gis.ogc import tiles_export

    # Every argument checked before the database is asked.
    zooms = tiles_export.parse_zooms(args.zoom)
    tiles_export.check_year(args.year)
    view = record.plan_view(args.scenario, args.recorded)
    out = Path(args.out)
    tiles_export.check_out(out)
    if args.jobs < 1:
        raise InvalidParameter("jobs", "jobs: at least 1 connection.")
    max_tiles = tiles_export.MAX_TILES if args.max_tiles is None else args.max_tiles
    if max_tiles < 1:
        raise InvalidParameter("max-tiles", "max-tiles: at least 1 tile.")
    engine = make_engine(
        settings.database_url,
        connect_timeout=settings.db_connect_timeout,
        pool_size=args.jobs,
    )
    try:
        with ExitStack() as stack:
            conn = stack.enter_context(engine.connect())
            helpers = [stack.enter_context(engine.connect()) for _ in range(args.jobs - 1)]
            made = tiles_export.export_pyramid(
                conn,
                out,
                args.year,
                zooms,
                view,
                helpers=helpers,
                max_tiles=max_tiles,
                show_progress=not args.quiet,
            )
    finally:
        engine.dispose()
    print(
        f"wrote {out} ({made.bytes} bytes): {made.tiles} tiles of {args.year}, "
        f"scenario {view.scenario}, zoom {zooms[0]}-{zooms[1]} ({made.empty} empty left out), "
        f"{made.seconds:.1f} s"
    )
    return 0


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _problems(path: str, exc) -> None:
    for problem in exc.problems:
        print(f"{path}: {problem}", file=sys.stderr)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from gis.registers.common import ImportRefused, check_extract_date, today
    from gis.registers.registry import IMPORTERS

    importer = IMPORTERS[args.register]
    if not Path(args.file).is_file():
        print(f"vollsmose: no file {args.file}", file=sys.stderr)
        return 2
    # Today in Denmark, not on this machine's clock, and the upload's rule, before any
    # connection is made.
    args.extract_date = args.extract_date or today()
    try:
        check_extract_date(args.extract_date)
    except DomainError as exc:
        print(f"vollsmose: {exc}", file=sys.stderr)
        return 2
    try:
        with _engine(settings).connect() as conn, conn.begin() as transaction:
            report = importer(
                conn,
                args.file,
                extract_date=args.extract_date,
                actor=_actor(),
                show_progress=not args.quiet,
            )
            if args.dry_run:
                transaction.rollback()
                report.change_id = None
    except ImportRefused as exc:
        _problems(args.file, exc)
        raise
    if args.format == "json":
        print(json.dumps({**report.as_dict(), "dry_run": args.dry_run}, indent=2,
                         ensure_ascii=False))  # fmt: skip
    else:
        print("\n".join(report.lines()))
        if args.dry_run and not report.unchanged:
            print("dry run: nothing was written")
    return 0


def cmd_area(args: argparse.Namespace, settings: Settings) -> int:
    from gis.registers.areas import define_area
    from gis.registers.common import ImportRefused

    content = Path(args.parcels).read_text(encoding="utf-8")
    try:
        with _engine(settings).begin() as conn:
            area = define_area(
                conn,
                args.slug,
                name=args.name,
                kind=args.kind,
                parcels_csv=content,
                actor=_actor(),
            )
    except ImportRefused as exc:
        _problems(args.parcels, exc)
        raise
    print(
        f"area '{area.slug}' ({area.kind}) defined by {area.parcels} parcels, "
        f"{area.area_m2 / 10_000:.1f} ha, quarters: {', '.join(area.quarters)}; "
        f"change {area.change_id}"
    )
    return 0


def _date(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date (2026-03-01)") from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vollsmose", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="serve the HTTP API")
    s.add_argument("--host", help="default: HOST or 127.0.0.1")
    s.add_argument("--port", type=int, help="default: PORT or 8000")
    s.add_argument(
        "--upgrade", action="store_true", help="first apply the migrations the database lacks"
    )
    s.add_argument(
        "--load-reference-if-empty",
        action="store_true",
        help="first load the bundled reference dataset when no area is stored",
    )
    s.add_argument("--workers", type=int, help="worker processes (default: WEB_CONCURRENCY or 1)")
    s.set_defaults(func=cmd_serve)

    d = sub.add_parser("db", help="apply or revert the database migrations")
    d.add_argument("action", choices=["upgrade", "downgrade"])
    d.add_argument("revision", nargs="?", help="default: head (upgrade) / base (downgrade)")
    d.set_defaults(func=cmd_db)

    r = sub.add_parser("load-reference", help="load the bundled Vollsmose reference dataset")
    r.add_argument("--path", help="a GeoPackage of the same layout (default: the bundled one)")
    r.add_argument("--if-empty", action="store_true", help="only when no area is stored yet")
    r.set_defaults(func=cmd_load_reference)

    t = sub.add_parser("tenure-mix", help="tenure mix per quarter and the legal share")
    t.add_argument("--area", required=True)
    t.add_argument("--year", type=int, required=True)
    t.add_argument("--quarters", help="quarter set (default: the area's first)")
    t.add_argument("--format", choices=["table", "json", "csv"], default="table")
    t.set_defaults(func=cmd_tenure_mix)

    m = sub.add_parser("render", help="the fremtidsbillede as PNG/PDF (A3) or GeoTIFF")
    m.add_argument("--area", default="vollsmose")
    m.add_argument("--year", type=int, required=True)
    m.add_argument("--format", choices=["png", "pdf", "tif"], required=True)
    m.add_argument("--out", required=True, help="file to write")
    m.add_argument("--dpi", type=int, help="png/pdf: default 150 / 300")
    m.add_argument("--resolution", type=float, default=2.0, help="tif: metres per pixel")
    m.set_defaults(func=cmd_render)

    k = sub.add_parser("token", help="API tokens: create (shown once), list, revoke")
    ksub = k.add_subparsers(dest="action", required=True)
    kc = ksub.add_parser("create", help="create a token and print it once")
    kc.add_argument("--name", required=True)
    kc.add_argument("--role", required=True, choices=["planner", "developer_company", "admin"])
    kc.add_argument("--expires-days", type=int, help="default: never expires")
    ksub.add_parser("list", help="tokens with role, prefix and state (never the secret)")
    kr = ksub.add_parser("revoke", help="revoke a token by name")
    kr.add_argument("name")
    k.set_defaults(func=cmd_token)

    rp = sub.add_parser("report", help="the annual status report (A4 PDF, Danish)")
    rp.add_argument("--area", default="vollsmose")
    rp.add_argument("--year", type=int, required=True, help="the state as of 1 January")
    rp.add_argument("--out", required=True, help="PDF file to write")
    rp.set_defaults(func=cmd_report)

    c = sub.add_parser("criteria", help="area criteria: import yearly indicator values")
    csub = c.add_subparsers(dest="action", required=True)
    ci = csub.add_parser("import", help="import a CSV (all rows or none; data/criteria/README.md)")
    ci.add_argument("file")
    c.set_defaults(func=cmd_criteria)

    pg = sub.add_parser("program", help="the ten delprogrammer: import indicator values")
    psub = pg.add_subparsers(dest="action", required=True)
    pi = psub.add_parser("import", help="import a CSV (all rows or none; data/program/README.md)")
    pi.add_argument("file")
    pg.set_defaults(func=cmd_program)

    ti = sub.add_parser(
        "tiles", help="a pre-rendered vector tile pyramid (PMTiles) for offline use"
    )
    tisub = ti.add_subparsers(dest="action", required=True)
    te = tisub.add_parser("export", help="every tile with data, one year and plan version")
    te.add_argument("--year", type=int, required=True, help="the state as of 1 January")
    te.add_argument("--scenario", help="a scenario's slug (default: vedtaget)")
    te.add_argument("--recorded", help="the plan as recorded then (a date or RFC 3339 time)")
    te.add_argument("--zoom", required=True, help="zoom levels from-to, e.g. 10-17")
    te.add_argument("--out", required=True, help="the .pmtiles file to write")
    te.add_argument("--quiet", action="store_true", help="no progress bar")
    te.add_argument(
        "--jobs", type=int, default=1, help="database connections making tiles (default 1)"
    )
    te.add_argument(
        "--max-tiles",
        type=int,
        help="refuse a pyramid of more tiles than this, counted zoom by zoom before each is "
        "made (default 2,000,000: gis.ogc.tiles_export.MAX_TILES; a national pyramid to z17 "
        "is about 9.4 million)",
    )
    ti.set_defaults(func=cmd_tiles)

    im = sub.add_parser("import", help="import a register extract (all or nothing, one change)")
    im.add_argument("register", choices=["bbr", "matrikel", "dar", "plandata"])
    im.add_argument(
        "file",
        help="BBR JSON (file extract or GraphQL), Matrikel GeoJSON or MAT2, DAR JSON, "
        "Plandata GeoJSON or GeoPackage",
    )
    im.add_argument(
        "--extract-date", type=_date, help="the extract's date (default: today, Danish time)"
    )
    im.add_argument("--format", choices=["text", "json"], default="text")
    im.add_argument("--quiet", action="store_true", help="no progress bar")
    im.add_argument(
        "--dry-run", action="store_true", help="report what would change, write nothing"
    )
    im.set_defaults(func=cmd_import)

    ar = sub.add_parser("area", help="designated areas defined by their cadastral parcels")
    asub = ar.add_subparsers(dest="action", required=True)
    ad = asub.add_parser("define", help="a new area from a CSV of parcels")
    ad.add_argument("slug")
    ad.add_argument("--name", required=True)
    ad.add_argument("--kind", required=True, help="omdannelsesomraade, forebyggelsesomraade, …")
    ad.add_argument("--parcels", required=True, help="CSV: ejerlavskode,matrikelnummer[,quarter]")
    ar.set_defaults(func=cmd_area)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    try:
        with translate_errors():
            return args.func(args, settings)
    except DomainError as exc:
        print(f"vollsmose: {exc.detail}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
