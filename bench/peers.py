"""The peers of the benchmark: shapely 2 (GEOS), DuckDB spatial and PostGIS.

Run as a child process, one workload per process, so that its wall time and peak RSS are its
own:

    python bench/peers.py PEER WORKLOAD --project P.toml --threads T --out answers.json INPUT...

PEER is shapely | duckdb | postgis; WORKLOAD is W1 (clue matching; W3 is W1 on a one-clue
file, i.e. loading) or W2 (parcel review). The answers JSON also carries the time of each phase
(load, reproject, index, match) measured inside the process.

Each peer does the same work as `redline`: read the layer files named by the project, reproject
them once into the working CRS, index them, then for every clue find the zones containing it
(closed polygons: boundary points are inside), keep the most restrictive zone, find its county,
and for clues outside every reserve, whether a zone lies within `near_boundary_m`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

PHASES: dict = {}


class phase:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.t = time.perf_counter()

    def __exit__(self, *a):
        PHASES[self.name] = PHASES.get(self.name, 0.0) + time.perf_counter() - self.t


def csv_columns(path):
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        head = f.readline().strip().split(",")
    def find(*names):
        for i, h in enumerate(head):
            if h.strip().lower() in names:
                return i
        raise SystemExit(f"{path}: no column {names} in header {head}")
    return head, find("lon", "经度", "longitude", "x"), find("lat", "纬度", "latitude", "y")


def zone_meta(attrs, spec):
    """Per zone feature: (reserve, zone code, rank); None for features with no known zone."""
    rf = spec.get("reserve_field", "BHQMC")
    zf = spec.get("zone_field", "GNFQ")
    out = []
    for a in attrs:
        z = common.parse_zone(str(a.get(zf, spec.get("zone", "")) or spec.get("zone", "")))
        reserve = str(a.get(rf, spec.get("reserve", "")) or spec.get("reserve", ""))
        out.append((reserve, z[0], z[1]) if z else None)
    return out


def order_keys(meta):
    """An integer per zone feature: smaller = wins (rank desc, reserve name asc, zone code)."""
    keyed = sorted({(-m[2], m[0], m[1]) for m in meta if m})
    pos = {k: i for i, k in enumerate(keyed)}
    return [pos[(-m[2], m[0], m[1])] if m else None for m in meta], keyed


def w1_answers(best_keys, counties, near, n):
    keys = Counter(best_keys)
    in_reserve = n - keys.get(common.NO_ZONE, 0)
    return {
        "items": n,
        "keys": dict(sorted(keys.items())),
        "counties": dict(sorted(Counter(counties).items())),
        "in_reserve": in_reserve,
        "near_boundary": near,
        "outside": n - in_reserve - near,
    }


# ----------------------------------------------------------------------------------------------
# shapely 2

def shapely_w1(project, inputs, threads):
    import numpy as np
    import shapely
    from pyproj import Transformer

    work = project.working_crs
    tfs = {}

    def to_work(geoms, crs):
        if crs == work:
            return geoms
        tr = tfs.setdefault(crs, Transformer.from_crs(crs, work, always_xy=True))
        return shapely.transform(geoms, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))

    zspec = project.layer("reserve_zones")
    cspec = project.layer("county")
    zg, zmeta, cg, ccode = [], [], [], []
    with phase("load"):
        raw = []
        for s in zspec:
            g, a = common.read_layer(s.path)
            raw.append((common.to_shapely(g), zone_meta(a, s), common.layer_crs(s.path, s)))
        craw = []
        for s in cspec:
            g, a = common.read_layer(s.path)
            cf = s.get("code_field", "XZQDM")
            craw.append((common.to_shapely(g), [str(x.get(cf, "")) for x in a], common.layer_crs(s.path, s)))
    with phase("reproject"):
        for geoms, meta, crs in raw:
            zg.extend(to_work(geoms, crs))
            zmeta.extend(meta)
        for geoms, codes, crs in craw:
            cg.extend(to_work(geoms, crs))
            ccode.extend(codes)
        keep = [i for i, m in enumerate(zmeta) if m]
        zg = np.array([zg[i] for i in keep])
        zmeta = [zmeta[i] for i in keep]
        cg = np.array(cg)
    with phase("index"):
        shapely.prepare(zg)
        shapely.prepare(cg)
        order, keyed = order_keys(zmeta)
        order = np.array(order, dtype=np.int64)
        corder = sorted(range(len(ccode)), key=lambda i: ccode[i])
        crank = np.empty(len(ccode), dtype=np.int64)
        crank[corder] = np.arange(len(ccode))
    results = None
    for path in inputs:
        with phase("load"):
            _, ilon, ilat = csv_columns(path)
            xy = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(ilon, ilat), ndmin=2, encoding="utf-8")
        with phase("reproject"):
            tr = tfs.setdefault("EPSG:4490", Transformer.from_crs("EPSG:4490", work, always_xy=True))
            x, y = tr.transform(xy[:, 0], xy[:, 1])
            pts = shapely.points(x, y)
        with phase("index"):
            # Index the points and query with the zone polygons: shapely prepares the *input*
            # geometries of a bulk query, so each of the few big polygons is prepared once and
            # tested against the points in its box (the other way round every test would walk
            # a 50k-vertex boundary).
            ptree = shapely.STRtree(pts)
        with phase("match"):
            n = len(pts)
            big = np.iinfo(np.int64).max
            t = time.perf_counter()
            zi, pi = ptree.query(zg, predicate="intersects")
            PHASES["match.zones"] = time.perf_counter() - t
            best = np.full(n, big, dtype=np.int64)
            np.minimum.at(best, pi, order[zi])
            inside = best != big
            names = np.array([f"{k[1]}|{k[2]}" for k in keyed] + [common.NO_ZONE], dtype=object)
            best_keys = names[np.where(inside, best, len(keyed))]
            t = time.perf_counter()
            _, near_pi = ptree.query(zg, predicate="dwithin", distance=project.near_boundary_m)
            near_pi = np.unique(near_pi)
            near = int((~inside[near_pi]).sum())
            PHASES["match.near"] = time.perf_counter() - t
            t = time.perf_counter()
            ci, qi = ptree.query(cg, predicate="intersects")
            cbest = np.full(n, big, dtype=np.int64)
            np.minimum.at(cbest, qi, crank[ci])
            cnames = np.array([ccode[i] for i in corder] + [common.NO_ZONE], dtype=object)
            counties = cnames[np.where(cbest != big, cbest, len(corder))]
            PHASES["match.counties"] = time.perf_counter() - t
            results = w1_answers(best_keys.tolist(), counties.tolist(), near, n)
    results["zone_area_m2"] = float(shapely.area(zg).sum())
    return results


def shapely_w2(project, inputs, threads):
    import numpy as np
    import shapely
    from pyproj import Transformer

    work = project.working_crs
    with phase("load"):
        parcels = []
        for p in inputs:
            parcels.extend(common.parse_txt(p))
        pg = np.array([common.txt_to_shapely(p, work) for p in parcels])
        layers = []
        for s in [l for l in project.layers if l.rule in common.REVIEW_RULES]:
            g, a = common.read_layer(s.path)
            layers.append((s, common.to_shapely(g), a, common.layer_crs(s.path, s)))
    with phase("reproject"):
        done = []
        for s, g, a, crs in layers:
            if crs != work:
                tr = Transformer.from_crs(crs, work, always_xy=True)
                g = shapely.transform(g, lambda c, tr=tr: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
            done.append((s, np.asarray(g), a))
    with phase("index"):
        trees = [(s, g, a, shapely.STRtree(g)) for s, g, a in done]
        for _, g, _, _ in trees:
            shapely.prepare(g)
    with phase("match"):
        res = {p.source: {"area": float(shapely.area(g)), "layers": {}, "classes": {}} for p, g in zip(parcels, pg)}
        srcs = [p.source for p in parcels]
        for s, g, a, tree in trees:
            pi, fi = tree.query(pg, predicate="intersects")
            if s.rule == "within":
                for k in range(len(pg)):
                    cands = fi[pi == k]
                    u = shapely.union_all(g[cands]) if len(cands) else None
                    inside = shapely.area(shapely.intersection(pg[k], u)) if u is not None else 0.0
                    res[srcs[k]]["layers"][s.name] = float(shapely.area(pg[k]) - inside)
                continue
            areas = shapely.area(shapely.intersection(pg[pi], g[fi]))
            cf = s.get("class_field", "DLBM")
            for k, f, ar in zip(pi, fi, areas):
                if ar <= 0:
                    continue
                r = res[srcs[k]]
                if s.rule != "classify":
                    r["layers"][s.name] = r["layers"].get(s.name, 0.0) + float(ar)
                else:
                    code = str(a[f].get(cf, "")).strip()[:4]
                    r["classes"][code] = r["classes"].get(code, 0.0) + float(ar)
    return {"items": len(parcels), "parcels": res}


# ----------------------------------------------------------------------------------------------
# DuckDB spatial (extension loaded by path from the duckdb-extension-spatial wheel)

def duckdb_connect(threads):
    import duckdb
    import duckdb_extension_spatial as ext

    path = Path(ext.__file__).parent / "extensions" / f"v{duckdb.__version__}" / "spatial.duckdb_extension"
    if not path.exists():
        raise SystemExit(f"duckdb {duckdb.__version__}: no spatial extension at {path} (versions differ?)")
    con = duckdb.connect(config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "threads": threads or os.cpu_count(),
    })
    con.execute(f"LOAD '{path}'")
    return con


def st_read(path):
    """The table function reading a layer file. DuckDB's GDAL cannot recode GBK attributes
    (it fails with "Invalid unicode"), so GBK shapefiles go through ST_ReadSHP with text as
    BLOB; `text_col` turns such a column into VARCHAR."""
    path = Path(path)
    if path.suffix.lower() == ".shp" and common.shp_encoding(path) == "gbk":
        return f"ST_ReadSHP({sql_str(path)}, encoding := 'blob')"
    return f"ST_Read({sql_str(path)})"


def gbk_lookup(con, table, path, col):
    """A table (b BLOB, s VARCHAR) mapping the distinct raw values of a GBK text column to text
    (decoded here, in Python: DuckDB has no GBK decoder)."""
    path = Path(path)
    if not (path.suffix.lower() == ".shp" and common.shp_encoding(path) == "gbk"):
        con.execute(f'CREATE OR REPLACE TABLE {table} AS SELECT DISTINCT CAST("{col}" AS VARCHAR) AS b, CAST("{col}" AS VARCHAR) AS s FROM {st_read(path)}')
        return
    raw = [r[0] for r in con.execute(f'SELECT DISTINCT "{col}" FROM {st_read(path)}').fetchall()]
    con.execute(f"CREATE OR REPLACE TABLE {table} (b BLOB, s VARCHAR)")
    con.executemany(f"INSERT INTO {table} VALUES (?, ?)",
                    [(b, bytes(b).decode("gbk", errors="replace").strip()) for b in raw if b is not None])


def sql_str(s):
    return "'" + str(s).replace("'", "''") + "'"


def zone_case(col):
    parts = " ".join(f"WHEN {sql_str(k)} THEN {sql_str(v[0])}" for k, v in common.ZONES.items())
    ranks = " ".join(f"WHEN {sql_str(k)} THEN {v[1]}" for k, v in common.ZONES.items())
    norm = f"lower(regexp_replace({col}, '[\\s（）()]', '', 'g'))"
    return f"CASE {norm} {parts} END", f"CASE {norm} {ranks} END"


def duckdb_w1(project, inputs, threads):
    con = duckdb_connect(threads)
    work = project.working_crs
    zsel = []
    with phase("load+reproject"):
        for i, s in enumerate(project.layer("reserve_zones")):
            crs = common.layer_crs(s.path, s)
            rf, zf = s.get("reserve_field", "BHQMC"), s.get("zone_field", "GNFQ")
            gbk_lookup(con, f"rmap{i}", s.path, rf)
            gbk_lookup(con, f"zmap{i}", s.path, zf)
            zcode, zrank = zone_case("zm.s")
            con.execute(f"""CREATE TABLE z{i} AS SELECT rm.s AS reserve, {zcode} AS zone, {zrank} AS rank,
                ST_Transform(t.geom, {sql_str(crs)}, {sql_str(work)}, always_xy := true) AS geom
                FROM {st_read(s.path)} t JOIN rmap{i} rm ON t."{rf}" = rm.b JOIN zmap{i} zm ON t."{zf}" = zm.b""")
            zsel.append(f"SELECT * FROM z{i} WHERE zone IS NOT NULL")
        con.execute("CREATE TABLE zones AS SELECT *, dense_rank() OVER (ORDER BY rank DESC, reserve, zone) AS ord FROM ("
                    + " UNION ALL ".join(zsel) + ")")
        csel = []
        for i, s in enumerate(project.layer("county")):
            crs = common.layer_crs(s.path, s)
            cf = s.get("code_field", "XZQDM")
            con.execute(f"""CREATE TABLE c{i} AS SELECT CAST("{cf}" AS VARCHAR) AS code,
                ST_Transform(geom, {sql_str(crs)}, {sql_str(work)}, always_xy := true) AS geom
                FROM {st_read(s.path)}""")
            csel.append(f"SELECT * FROM c{i}")
        con.execute("CREATE TABLE counties AS " + " UNION ALL ".join(csel))
    res = None
    for path in inputs:
        head, ilon, ilat = csv_columns(path)
        with phase("load+reproject"):
            con.execute(f"""CREATE OR REPLACE TABLE pts AS SELECT row_number() OVER () AS i,
                ST_Transform(ST_Point("{head[ilon]}", "{head[ilat]}"), 'EPSG:4490', {sql_str(work)}, always_xy := true) AS geom
                FROM read_csv({sql_str(path)}, header = true, all_varchar = false)""")
        with phase("match"):
            n = con.execute("SELECT count(*) FROM pts").fetchone()[0]
            con.execute("""CREATE OR REPLACE TABLE best AS
                SELECT p.i, arg_min(z.reserve || '|' || z.zone, z.ord) AS k
                FROM pts p JOIN zones z ON ST_Intersects(z.geom, p.geom) GROUP BY p.i""")
            keys = dict(con.execute("SELECT k, count(*) FROM best GROUP BY k").fetchall())
            inside = sum(keys.values())
            keys[common.NO_ZONE] = n - inside
            near = con.execute(f"""SELECT count(DISTINCT p.i) FROM (SELECT * FROM pts ANTI JOIN best USING (i)) p
                JOIN zones z ON ST_DWithin(z.geom, p.geom, {project.near_boundary_m})""").fetchone()[0]
            counties = dict(con.execute("""SELECT k, count(*) FROM (
                SELECT p.i, min(c.code) AS k FROM pts p JOIN counties c ON ST_Intersects(c.geom, p.geom) GROUP BY p.i)
                GROUP BY k""").fetchall())
            counties[common.NO_ZONE] = n - sum(counties.values())
            if counties[common.NO_ZONE] == 0:
                del counties[common.NO_ZONE]
            if keys[common.NO_ZONE] == 0:
                del keys[common.NO_ZONE]
            res = {
                "items": n,
                "keys": dict(sorted(keys.items())),
                "counties": dict(sorted(counties.items())),
                "in_reserve": inside,
                "near_boundary": near,
                "outside": n - inside - near,
            }
    res["zone_area_m2"] = con.execute("SELECT sum(ST_Area(geom)) FROM zones").fetchone()[0]
    return res


def parcels_wkb(project, inputs):
    import shapely

    parcels = []
    for p in inputs:
        parcels.extend(common.parse_txt(p))
    return [(p.source, shapely.to_wkb(common.txt_to_shapely(p, project.working_crs))) for p in parcels]


def duckdb_w2(project, inputs, threads):
    con = duckdb_connect(threads)
    work = project.working_crs
    with phase("load"):
        rows = parcels_wkb(project, inputs)
        con.execute("CREATE TABLE parcels (src VARCHAR, wkb BLOB)")
        con.executemany("INSERT INTO parcels VALUES (?, ?)", rows)
        con.execute("CREATE TABLE p AS SELECT src, ST_GeomFromWKB(wkb) AS geom FROM parcels")
    specs = [l for l in project.layers if l.rule in common.REVIEW_RULES]
    with phase("load+reproject"):
        for i, s in enumerate(specs):
            crs = common.layer_crs(s.path, s)
            geom = "geom" if crs == work else f"ST_Transform(geom, {sql_str(crs)}, {sql_str(work)}, always_xy := true)"
            cf = s.get("class_field", "DLBM") if s.rule == "classify" else None
            cast = f'decode("{cf}")' if st_read(s.path).startswith("ST_ReadSHP") else f'CAST("{cf}" AS VARCHAR)'
            cls = f"left(trim({cast}), 4)" if cf else "NULL"
            con.execute(f"CREATE TABLE l{i} AS SELECT {cls} AS cls, {geom} AS geom FROM {st_read(s.path)}")
    res = {src: {"area": a, "layers": {}, "classes": {}} for src, a in con.execute("SELECT src, ST_Area(geom) FROM p").fetchall()}
    with phase("match"):
        for i, s in enumerate(specs):
            if s.rule == "within":
                q = f"""SELECT p.src, ST_Area(p.geom) - coalesce(ST_Area(ST_Intersection(p.geom, u.g)), 0) FROM p LEFT JOIN (
                    SELECT p.src, ST_Union_Agg(l.geom) AS g FROM p JOIN l{i} l ON ST_Intersects(p.geom, l.geom) GROUP BY p.src
                    ) u USING (src)"""
                for src, a in con.execute(q).fetchall():
                    res[src]["layers"][s.name] = a
                continue
            q = f"""SELECT src, cls, sum(a) FROM (SELECT p.src, l.cls, ST_Area(ST_Intersection(p.geom, l.geom)) AS a
                FROM p JOIN l{i} l ON ST_Intersects(p.geom, l.geom)) WHERE a > 0 GROUP BY src, cls"""
            for src, cls, a in con.execute(q).fetchall():
                r = res[src]
                if s.rule != "classify":
                    r["layers"][s.name] = r["layers"].get(s.name, 0.0) + a
                else:
                    r["classes"][cls] = r["classes"].get(cls, 0.0) + a
    return {"items": len(res), "parcels": res}


# ----------------------------------------------------------------------------------------------
# PostGIS (a private cluster on 127.0.0.1 started by bench/run; PGHOST/PGPORT in the environment)

def pg_connect(threads):
    import psycopg2

    con = psycopg2.connect(host=os.environ.get("PGHOST", "127.0.0.1"), port=int(os.environ["PGPORT"]),
                           dbname=os.environ.get("PGDATABASE", "bench"), user=os.environ.get("PGUSER", "postgres"))
    con.autocommit = True
    cur = con.cursor()
    workers = 0 if threads == 1 else max((threads or os.cpu_count() or 1) - 1, 0)
    cur.execute(f"SET max_parallel_workers_per_gather = {workers}")
    cur.execute("SET work_mem = '256MB'")
    cur.execute("SELECT pg_backend_pid()")
    return con, cur, cur.fetchone()[0]


def backend_hwm_kb(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def pg_load_layer(cur, table, spec, work, extra_cols):
    """Load a layer with its attributes into `table` (geom in the working CRS, GiST index)."""
    import io

    import shapely

    g, a = common.read_layer(spec.path)
    crs = common.layer_crs(spec.path, spec)
    srid = int(crs.split(":")[1])
    wsrid = int(work.split(":")[1])
    cols = ", ".join(f"{c} text" for c in extra_cols)
    cur.execute(f"DROP TABLE IF EXISTS {table}_raw; CREATE TABLE {table}_raw ({cols}, wkb text)")
    buf = io.StringIO()
    wkbs = shapely.to_wkb(common.to_shapely(g), hex=True)
    for attrs, w in zip(a, wkbs):
        vals = [str(attrs.get(src, "") or "").replace("\t", " ").replace("\\", "\\\\").replace("\n", " ") for src in extra_cols.values()]
        buf.write("\t".join(vals + [w]) + "\n")
    buf.seek(0)
    cur.copy_expert(f"COPY {table}_raw FROM STDIN", buf)
    geom = f"ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), {srid})"
    if srid != wsrid:
        geom = f"ST_Transform({geom}, {wsrid})"
    names = ", ".join(extra_cols)
    cur.execute(f"DROP TABLE IF EXISTS {table}; CREATE TABLE {table} AS SELECT {names}, {geom} AS geom FROM {table}_raw")


def postgis_w1(project, inputs, threads):
    con, cur, pid = pg_connect(threads)
    work = project.working_crs
    wsrid = int(work.split(":")[1])
    with phase("load+reproject"):
        zsel = []
        for i, s in enumerate(project.layer("reserve_zones")):
            pg_load_layer(cur, f"z{i}", s, work, {"reserve": s.get("reserve_field", "BHQMC"), "gnfq": s.get("zone_field", "GNFQ")})
            zcode, zrank = zone_case("gnfq")
            zcode = zcode.replace("'[\\s（）()]'", "'[[:space:]（）()]'")
            zrank = zrank.replace("'[\\s（）()]'", "'[[:space:]（）()]'")
            zsel.append(f"SELECT reserve, {zcode} AS zone, {zrank} AS rank, geom FROM z{i}")
        cur.execute("DROP TABLE IF EXISTS zones; CREATE TABLE zones AS SELECT * FROM (" + " UNION ALL ".join(zsel) + ") q WHERE zone IS NOT NULL")
        csel = []
        for i, s in enumerate(project.layer("county")):
            pg_load_layer(cur, f"c{i}", s, work, {"code": s.get("code_field", "XZQDM")})
            csel.append(f"SELECT code, geom FROM c{i}")
        cur.execute("DROP TABLE IF EXISTS counties; CREATE TABLE counties AS " + " UNION ALL ".join(csel))
    with phase("index"):
        cur.execute("CREATE INDEX ON zones USING gist (geom); CREATE INDEX ON counties USING gist (geom); ANALYZE zones; ANALYZE counties")
    res = None
    for path in inputs:
        head, ilon, ilat = csv_columns(path)
        with phase("load+reproject"):
            cols = ", ".join(f"c{k} text" for k in range(len(head)))
            cur.execute(f"DROP TABLE IF EXISTS clues_raw; CREATE UNLOGGED TABLE clues_raw ({cols})")
            with open(path, encoding="utf-8-sig") as f:
                cur.copy_expert("COPY clues_raw FROM STDIN WITH (FORMAT csv, HEADER true)", f)
            cur.execute(f"""DROP TABLE IF EXISTS pts; CREATE UNLOGGED TABLE pts AS SELECT row_number() OVER () AS i,
                ST_Transform(ST_SetSRID(ST_MakePoint(c{ilon}::float8, c{ilat}::float8), 4490), {wsrid}) AS geom FROM clues_raw""")
        with phase("index"):
            cur.execute("CREATE INDEX ON pts USING gist (geom); ANALYZE pts")
        with phase("match"):
            cur.execute("SELECT count(*) FROM pts")
            n = cur.fetchone()[0]
            cur.execute("""DROP TABLE IF EXISTS best; CREATE UNLOGGED TABLE best AS
                SELECT DISTINCT ON (p.i) p.i, z.reserve || '|' || z.zone AS k FROM pts p JOIN zones z ON ST_Intersects(z.geom, p.geom)
                ORDER BY p.i, z.rank DESC, z.reserve COLLATE "C", z.zone COLLATE "C" """)
            cur.execute("SELECT k, count(*) FROM best GROUP BY k")
            keys = dict(cur.fetchall())
            inside = sum(keys.values())
            if n - inside:
                keys[common.NO_ZONE] = n - inside
            cur.execute(f"""SELECT count(*) FROM pts p WHERE NOT EXISTS (SELECT 1 FROM best b WHERE b.i = p.i)
                AND EXISTS (SELECT 1 FROM zones z WHERE ST_DWithin(z.geom, p.geom, {project.near_boundary_m}))""")
            near = cur.fetchone()[0]
            cur.execute("""SELECT k, count(*) FROM (SELECT p.i, min(c.code COLLATE "C") AS k FROM pts p
                JOIN counties c ON ST_Intersects(c.geom, p.geom) GROUP BY p.i) q GROUP BY k""")
            counties = dict(cur.fetchall())
            if n - sum(counties.values()):
                counties[common.NO_ZONE] = n - sum(counties.values())
            res = {"items": n, "keys": dict(sorted(keys.items())), "counties": dict(sorted(counties.items())),
                   "in_reserve": inside, "near_boundary": near, "outside": n - inside - near}
    cur.execute("SELECT sum(ST_Area(geom)) FROM zones")
    res["zone_area_m2"] = float(cur.fetchone()[0])
    res["backend_peak_rss_kb"] = backend_hwm_kb(pid)
    return res


def postgis_w2(project, inputs, threads):
    import io

    con, cur, pid = pg_connect(threads)
    work = project.working_crs
    wsrid = int(work.split(":")[1])
    with phase("load"):
        rows = parcels_wkb(project, inputs)
        cur.execute("DROP TABLE IF EXISTS p_raw; CREATE UNLOGGED TABLE p_raw (src text, wkb text)")
        buf = io.StringIO("".join(f"{s}\t{w.hex()}\n" for s, w in rows))
        cur.copy_expert("COPY p_raw FROM STDIN", buf)
        cur.execute(f"DROP TABLE IF EXISTS p; CREATE TABLE p AS SELECT src, ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), {wsrid}) AS geom FROM p_raw")
    specs = [l for l in project.layers if l.rule in common.REVIEW_RULES]
    with phase("load+reproject"):
        for i, s in enumerate(specs):
            cf = s.get("class_field", "DLBM") if s.rule == "classify" else None
            pg_load_layer(cur, f"l{i}", s, work, {"cls": cf or "__none__"})
    with phase("index"):
        for i in range(len(specs)):
            cur.execute(f"CREATE INDEX ON l{i} USING gist (geom); ANALYZE l{i}")
        cur.execute("CREATE INDEX ON p USING gist (geom); ANALYZE p")
    cur.execute("SELECT src, ST_Area(geom) FROM p")
    res = {src: {"area": a, "layers": {}, "classes": {}} for src, a in cur.fetchall()}
    with phase("match"):
        for i, s in enumerate(specs):
            if s.rule == "within":
                cur.execute(f"""SELECT p.src, ST_Area(p.geom) - coalesce(ST_Area(ST_Intersection(p.geom, u.g)), 0) FROM p LEFT JOIN (
                    SELECT p.src, ST_Union(l.geom) AS g FROM p JOIN l{i} l ON ST_Intersects(p.geom, l.geom) GROUP BY p.src
                    ) u USING (src)""")
                for src, a in cur.fetchall():
                    res[src]["layers"][s.name] = a
                continue
            cur.execute(f"""SELECT src, cls, sum(a) FROM (SELECT p.src, left(trim(l.cls), 4) AS cls,
                ST_Area(ST_Intersection(p.geom, l.geom)) AS a FROM p JOIN l{i} l ON ST_Intersects(p.geom, l.geom)) q
                WHERE a > 0 GROUP BY src, cls""")
            for src, cls, a in cur.fetchall():
                r = res[src]
                if s.rule != "classify":
                    r["layers"][s.name] = r["layers"].get(s.name, 0.0) + a
                else:
                    r["classes"][cls] = r["classes"].get(cls, 0.0) + a
    return {"items": len(res), "parcels": res, "backend_peak_rss_kb": backend_hwm_kb(pid)}


PEERS = {
    ("shapely", "W1"): shapely_w1,
    ("shapely", "W2"): shapely_w2,
    ("duckdb", "W1"): duckdb_w1,
    ("duckdb", "W2"): duckdb_w2,
    ("postgis", "W1"): postgis_w1,
    ("postgis", "W2"): postgis_w2,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peer", choices=["shapely", "duckdb", "postgis"])
    ap.add_argument("workload", choices=["W1", "W2", "W3"])
    ap.add_argument("--project", required=True)
    ap.add_argument("--threads", type=int, default=1, help="0 = all cores")
    ap.add_argument("--out", required=True)
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args()
    wl = "W1" if a.workload == "W3" else a.workload
    project = common.load_project(a.project)
    t0 = time.perf_counter()
    res = PEERS[(a.peer, wl)](project, a.inputs, a.threads)
    res["phases"] = PHASES
    res["inside_s"] = time.perf_counter() - t0
    common.write_json(a.out, res)


if __name__ == "__main__":
    main()
