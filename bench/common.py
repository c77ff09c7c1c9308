"""Shared pieces of the benchmark harness: project files, layer reading, the TXT parser and
the zone ranking every peer uses.

Every peer reads the same files that `redline` reads (the project's `project.toml` names them)
and must reach the same answers; these helpers hold the rules the answers depend on, written
once:

* zone ranking (DOMAIN §2): core = core_protection (3) > buffer (2) > experimental =
  general_control (1); between equal ranks the reserve name that sorts first (code-point
  order, which is UTF-8 byte order, as Rust's `String` sorts) wins;
* county ties: the smaller county code wins;
* the TXT exchange format (DOMAIN §1.1): X is the northing, Y the easting.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ZONES = {
    # text as written in GNFQ (after removing spaces and brackets) -> (contract code, rank)
    "核心区": ("core", 3),
    "核心": ("core", 3),
    "core": ("core", 3),
    "缓冲区": ("buffer", 2),
    "缓冲": ("buffer", 2),
    "buffer": ("buffer", 2),
    "实验区": ("experimental", 1),
    "实验": ("experimental", 1),
    "试验区": ("experimental", 1),
    "experimental": ("experimental", 1),
    "核心保护区": ("core_protection", 3),
    "核心保护": ("core_protection", 3),
    "core_protection": ("core_protection", 3),
    "一般控制区": ("general_control", 1),
    "一般控制": ("general_control", 1),
    "general_control": ("general_control", 1),
}

NO_ZONE = "-"
REVIEW_RULES = ("forbid", "avoid", "within", "classify", "existing_homestead")


def parse_zone(text: str):
    """(code, rank) of a GNFQ value, or None."""
    t = "".join(c for c in text if not c.isspace() and c not in "（）()").lower()
    return ZONES.get(t)


@dataclass
class LayerSpec:
    name: str
    path: Path
    rule: str
    raw: dict = field(default_factory=dict)

    def get(self, key, default=None):
        return self.raw.get(key, default)


@dataclass
class Project:
    path: Path
    working_crs: str
    layers: list
    near_boundary_m: float

    def layer(self, rule):
        return [l for l in self.layers if l.rule == rule]


def load_project(path) -> Project:
    path = Path(path)
    with open(path, "rb") as f:
        t = tomllib.load(f)
    layers = []
    for l in t.get("layer", []):
        layers.append(LayerSpec(l["name"], (path.parent / l["path"]).resolve(), l["rule"], l))
    near = float(t.get("inspection", {}).get("near_boundary_m", 100.0))
    return Project(path, t.get("working_crs", "EPSG:4527"), layers, near)


# ----------------------------------------------------------------------------------------------
# Layer files.

def shp_encoding(shp: Path) -> str:
    cpg = shp.with_suffix(".cpg")
    if cpg.exists():
        v = cpg.read_text(errors="replace").strip().upper()
        if v in ("GBK", "CP936", "936", "GB2312", "GB18030"):
            return "gbk"
        if v.replace("-", "") == "UTF8":
            return "utf-8"
    with open(shp.with_suffix(".dbf"), "rb") as f:
        head = f.read(32)
    if len(head) > 29 and head[29] == 0x4D:
        return "gbk"
    return "gbk"


def layer_crs(path: Path, spec: LayerSpec | None = None) -> str:
    """The CRS of a layer file as an 'EPSG:n' string (from the .prj or the GeoJSON crs member)."""
    if spec is not None and spec.get("crs"):
        return spec.get("crs")
    if path.suffix.lower() == ".shp":
        prj = path.with_suffix(".prj")
        if prj.exists():
            from pyproj import CRS

            crs = CRS.from_wkt(prj.read_text(errors="replace"))
            epsg = crs.to_epsg(min_confidence=20)
            if epsg:
                return f"EPSG:{epsg}"
            # ESRI Gauss_Kruger on CGCS2000: zone from the central meridian.
            wkt = crs.to_wkt()
            if crs.is_geographic:
                return "EPSG:4490"
            m = re.search(r'"?central_meridian"?\s*,\s*([0-9.]+)', wkt, re.I)
            fe = re.search(r'"?false_easting"?\s*,\s*([0-9.]+)', wkt, re.I)
            if m:
                cm = float(m.group(1))
                zone = round(cm / 3)
                if fe and float(fe.group(1)) > 1e6:
                    return f"EPSG:{4513 + zone - 25}"
                return f"EPSG:{4534 + zone - 25}"
        return "EPSG:4490"
    with open(path, "rb") as f:
        gj = json.load(f)
    name = (gj.get("crs") or {}).get("properties", {}).get("name", "")
    m = re.search(r"EPSG:*(\d+)", name)
    return f"EPSG:{m.group(1)}" if m else "EPSG:4490"


def read_layer(path: Path):
    """Read polygon features: (list of GeoJSON-like geometry dicts, list of attribute dicts)."""
    path = Path(path)
    if path.suffix.lower() == ".shp":
        import shapefile  # pyshp

        r = shapefile.Reader(str(path), encoding=shp_encoding(path), encodingErrors="replace")
        names = [f[0] for f in r.fields[1:]]
        geoms, attrs = [], []
        for sr in r.iterShapeRecords():
            geoms.append(sr.shape.__geo_interface__)
            attrs.append({k: (v.strip() if isinstance(v, str) else v) for k, v in zip(names, sr.record)})
        r.close()
        return geoms, attrs
    with open(path, "rb") as f:
        gj = json.load(f)
    feats = gj["features"] if gj.get("type") == "FeatureCollection" else [gj]
    return [f["geometry"] for f in feats], [
        {k: (str(v) if v is not None else "") for k, v in (f.get("properties") or {}).items()}
        for f in feats
    ]


def to_shapely(geoms):
    """GeoJSON-like geometry dicts as a numpy array of shapely geometries."""
    import numpy as np
    from shapely.geometry import shape

    out = np.empty(len(geoms), dtype=object)
    out[:] = [shape(g) for g in geoms]
    return out


# ----------------------------------------------------------------------------------------------
# The TXT exchange format (enough of DOMAIN §1.1 for the benchmark data).

def decode_text(b: bytes) -> str:
    if b.startswith(b"\xef\xbb\xbf"):
        return b[3:].decode("utf-8")
    if b.startswith(b"\xff\xfe"):
        return b[2:].decode("utf-16-le")
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("gbk", errors="replace")


@dataclass
class TxtParcel:
    source: str
    rings: list  # list of (ring number, [(easting, northing), ...])
    zone: int | None
    prefixed: bool


def parse_txt(path: Path) -> list:
    """Parcels of a TXT file: rings with x = easting (prefix kept as written), y = northing."""
    text = decode_text(Path(path).read_bytes())
    zone = None
    section = None
    parcels = []
    cur = None
    for raw in text.split("\n"):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        if section != "地块坐标":
            if "=" in line:
                k, v = line.split("=", 1)
                if k.strip() == "带号" and v.strip().isdigit():
                    zone = int(v.strip())
            continue
        if line.endswith("@"):
            cur = {"rings": {}, "order": []}
            parcels.append(cur)
            continue
        f = [s.strip() for s in line.split(",")]
        if cur is None or len(f) < 4:
            continue
        ring, x, y = int(f[1]), float(f[2]), float(f[3])
        north, east = (x, y)
        if north > 1e7 and east < 1e7:  # X/Y swapped by the writer
            north, east = east, north
        if ring not in cur["rings"]:
            cur["rings"][ring] = []
            cur["order"].append(ring)
        cur["rings"][ring].append((east, north))
    name = Path(path).name
    out = []
    for i, p in enumerate(parcels, 1):
        rings = [(n, p["rings"][n]) for n in p["order"]]
        prefixed = any(e > 1e7 for _, pts in rings for e, _ in pts)
        z = zone
        if prefixed:
            z = int(rings[0][1][0][0] // 1e6)
        out.append(TxtParcel(f"{name}#{i}", rings, z, prefixed))
    return out


def txt_to_shapely(p: TxtParcel, working_crs: str):
    """A TxtParcel as a shapely (Multi)Polygon in the working CRS (EPSG:4527/4548 style GK zones).

    Ring 1 is the outer boundary; a further ring is a hole when it lies inside ring 1, else a
    separate part.
    """
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    w = int(working_crs.split(":")[1])
    w_prefixed = 4513 <= w <= 4533
    rings = []
    for _, pts in p.rings:
        pts2 = []
        for e, n in pts:
            if w_prefixed and not p.prefixed and p.zone:
                e += p.zone * 1e6
            elif not w_prefixed and p.prefixed:
                e -= (e // 1e6) * 1e6
            pts2.append((e, n))
        rings.append(pts2)
    outer = Polygon(rings[0])
    holes, parts = [], []
    for r in rings[1:]:
        rp = Polygon(r)
        if outer.contains(rp.representative_point()):
            holes.append(r)
        else:
            parts.append(Polygon(r))
    first = Polygon(rings[0], holes)
    if parts:
        return shapely.normalize(MultiPolygon([first] + parts))
    return first


# ----------------------------------------------------------------------------------------------
# Answers.

def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1, sort_keys=True)


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def threads_env(threads: int) -> dict:
    """Environment for a child limited to `threads` threads (0 = all cores)."""
    env = dict(os.environ)
    if threads:
        env["RAYON_NUM_THREADS"] = str(threads)
        for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[k] = str(threads)
    else:
        env.pop("RAYON_NUM_THREADS", None)
    return env
