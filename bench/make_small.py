"""A small synthetic data set in the layout of `redline-testdata` (for testing the harness).

    python bench/make_small.py OUT [--clues N] [--parcels N]

Writes OUT/inspect/{project.toml, layers/reserve_zones.shp, layers/counties.geojson,
clues/clues.csv} and OUT/review/{project.toml, layers/*.shp, parcels/batch.txt}. Geometry is
designed in EPSG:4527 (metres) around Jingdezhen and written as CGCS2000 lon/lat (EPSG:4490)
for the inspection layers, as the generator does; review layers stay in EPSG:4527 with a .prj.

Reserve zones are nested star-shaped outlines (core ⊂ buffer ⊂ experimental, or core
protection ⊂ general control) so that most points inside a reserve lie in two or three zones
and only the most-restrictive rule decides; two reserves overlap so that the name tie-break is
exercised. Deterministic (numpy's PCG64 with a fixed seed).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import shapefile
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import Polygon, box, mapping

CX, CY = 39_519_431.265, 3_242_537.394  # lon 117.2, lat 29.3 in EPSG:4527
TO_LL = Transformer.from_crs("EPSG:4527", "EPSG:4490", always_xy=True)
PRJ_4490 = CRS.from_epsg(4490).to_wkt("WKT1_ESRI")
PRJ_4527 = CRS.from_epsg(4527).to_wkt("WKT1_ESRI")


def star(cx, cy, r, n, phase):
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    rr = r * (1 + 0.08 * np.sin(3 * t + phase) + 0.05 * np.sin(7 * t + 2 * phase) + 0.02 * np.cos(31 * t))
    return Polygon(np.column_stack([cx + rr * np.cos(t), cy + rr * np.sin(t)]))


def to_ll(g):
    return shapely.transform(g, lambda c: np.column_stack(TO_LL.transform(c[:, 0], c[:, 1])))


def write_shp(path: Path, fields, rows, geoms, prj, encoding="gbk"):
    path.parent.mkdir(parents=True, exist_ok=True)
    w = shapefile.Writer(str(path), shapeType=shapefile.POLYGON, encoding=encoding)
    for name, kind, size in fields:
        w.field(name, kind, size=size)
    for row, g in zip(rows, geoms):
        w.record(*row)
        w.shape(mapping(g))
    w.close()
    path.with_suffix(".prj").write_text(prj)
    path.with_suffix(".cpg").write_text("GBK" if encoding == "gbk" else "UTF-8")


def make_inspect(out: Path, n_clues: int, rng):
    reserves = [
        ("瑶里示例自然保护区", "国家级", 3, (-6000, 4000), 3000, 2000),
        ("浮梁示例湿地保护区", "省级", 3, (5000, -3000), 2500, 1500),
        ("昌江示例保护区", "县级", 2, (7000, -1500), 2000, 1200),  # overlaps the previous one
        ("乐平示例森林公园", "市级", 2, (-2000, -7000), 1800, 800),
    ]
    rows, geoms = [], []
    for ri, (name, level, scheme, (dx, dy), r, n) in enumerate(reserves):
        zones = [("核心区", 0.3), ("缓冲区", 0.6), ("实验区", 1.0)] if scheme == 3 else [("核心保护区", 0.45), ("一般控制区", 1.0)]
        for zi, (z, f) in enumerate(zones):
            g = star(CX + dx, CY + dy, r * f, n, ri * 0.7 + zi * 0.1)
            rows.append((f"BHQ{ri + 1:02}{zi + 1:02}", name, level, "自然保护区", z))
            geoms.append(to_ll(g))
    write_shp(out / "layers/reserve_zones.shp", [("BSM", "C", 10), ("BHQMC", "C", 60), ("JB", "C", 10), ("LX", "C", 20), ("GNFQ", "C", 20)], rows, geoms, PRJ_4490)

    frame = box(CX - 12000, CY - 12000, CX + 12000, CY + 12000)
    west = box(CX - 12000, CY - 12000, CX + 500, CY + 12000)
    east = box(CX + 500, CY - 12000, CX + 12000, CY + 12000)  # shares the line x = CX + 500
    feats = []
    for code, name, g in [("360222", "浮梁县", west), ("360281", "乐平市", east)]:
        feats.append({"type": "Feature", "properties": {"XZQDM": code, "XZQMC": name}, "geometry": mapping(to_ll(shapely.segmentize(g, 500)))})
    (out / "layers/counties.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False))

    minx, miny, maxx, maxy = frame.bounds
    x = rng.uniform(minx - 1000, maxx + 1000, n_clues)
    y = rng.uniform(miny - 1000, maxy + 1000, n_clues)
    lon, lat = TO_LL.transform(x, y)
    (out / "clues").mkdir(parents=True, exist_ok=True)
    kinds = ["矿产资源开发", "工业开发", "能源开发", "旅游开发", "交通开发", "养殖", "农业开发", "居民点", "其他"]
    with open(out / "clues/clues.csv", "w", encoding="utf-8") as f:
        f.write("id,lon,lat,type,area_m2,year\n")
        for i in range(n_clues):
            f.write(f"C{i + 1:07},{lon[i]:.7f},{lat[i]:.7f},{kinds[i % 9]},{100 + i % 900}.0,{2017 + i % 4}\n")
    with open(out / "clues/one.csv", "w", encoding="utf-8") as f:
        f.write("id,lon,lat,type,area_m2,year\n")
        lo, la = TO_LL.transform(CX - 6000, CY + 4000)
        f.write(f"C0000001,{lo:.7f},{la:.7f},其他,100.0,2020\n")
    (out / "project.toml").write_text(
        'working_crs = "EPSG:4527"\n\n[[layer]]\nname = "reserves"\npath = "layers/reserve_zones.shp"\nrule = "reserve_zones"\n'
        'id_field = "BSM"\nreserve_field = "BHQMC"\nzone_field = "GNFQ"\nlevel_field = "JB"\ntype_field = "LX"\n\n'
        '[[layer]]\nname = "counties"\npath = "layers/counties.geojson"\nrule = "county"\ncode_field = "XZQDM"\nname_field = "XZQMC"\n\n'
        '[inspection]\nnear_boundary_m = 100.0\n'
    )


def make_review(out: Path, n_parcels: int, rng):
    # Land use: 40 m cells over 4 × 4 km with class codes.
    codes = ["0101", "0102", "0103", "0201", "0301", "0702", "1006", "1104", "1201", "0103K"]
    cells, rows = [], []
    x0, y0 = CX - 2000, CY - 2000
    for i in range(100):
        for j in range(100):
            cells.append(box(x0 + 40 * i, y0 + 40 * j, x0 + 40 * (i + 1), y0 + 40 * (j + 1)))
            rows.append((f"DL{i:03}{j:03}", codes[(i * 7 + j * 3) % len(codes)]))
    write_shp(out / "layers/landuse.shp", [("BSM", "C", 10), ("DLBM", "C", 6)], rows, cells, PRJ_4527)
    farm = [star(CX - 800, CY + 600, 500, 20000, 0.3), star(CX + 900, CY - 700, 350, 5000, 1.1)]
    write_shp(out / "layers/basic_farmland.shp", [("BSM", "C", 10)], [("JBNT1",), ("JBNT2",)], farm, PRJ_4527)
    red = [star(CX + 1200, CY + 1200, 400, 8000, 2.0)]
    write_shp(out / "layers/eco_redline.shp", [("BSM", "C", 10)], [("HX1",)], red, PRJ_4527)
    hazard = [box(CX - 2000, CY - 300, CX + 2000, CY - 100)]
    write_shp(out / "layers/hazard.shp", [("BSM", "C", 10)], [("ZH1",)], hazard, PRJ_4527)
    plan = [star(CX, CY, 1500, 3000, 0.5)]
    write_shp(out / "layers/village_plan.shp", [("BSM", "C", 10)], [("GH1",)], plan, PRJ_4527)

    lines = ["[属性描述]", "格式版本号=1.01版本", "坐标系=2000国家大地坐标系", "几度分带=3", "投影类型=高斯克吕格",
             "计量单位=米", "带号=39", "精度=0.001", "转换参数=,,,,,,", "[地块坐标]"]
    for k in range(n_parcels):
        ex = CX + rng.uniform(-1900, 1900)
        ny = CY + rng.uniform(-1900, 1900)
        w, h = rng.uniform(8, 16), rng.uniform(8, 18)
        pts = [(ny, ex), (ny, ex + w), (ny + h, ex + w * 1.1), (ny + h, ex), (ny, ex)]
        lines.append(f"5,{w * h / 1e4:.4f},{k + 1},宅基地申请-{k + 1},面,H50G065052,宅基地,0702,@")
        for j, (n_, e_) in enumerate(pts):
            lines.append(f"J{(j % 4) + 1},1,{n_:.3f},{e_:.3f}")
    (out / "parcels").mkdir(parents=True, exist_ok=True)
    (out / "parcels/batch.txt").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    layers = [("basic_farmland", "forbid"), ("eco_redline", "forbid"), ("hazard", "avoid"), ("landuse", "classify"), ("village_plan", "within")]
    toml = 'working_crs = "EPSG:4527"\n'
    for name, rule in layers:
        toml += f'\n[[layer]]\nname = "{name}"\npath = "layers/{name}.shp"\nrule = "{rule}"\nid_field = "BSM"\n'
        if rule == "classify":
            toml += 'class_field = "DLBM"\n'
    (out / "project.toml").write_text(toml)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--clues", type=int, default=50_000)
    ap.add_argument("--parcels", type=int, default=500)
    a = ap.parse_args()
    out = Path(a.out)
    rng = np.random.Generator(np.random.PCG64(2020))
    make_inspect(out / "inspect", a.clues, rng)
    make_review(out / "review", a.parcels, rng)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
