"""Orchestrates the benchmark: check that every runner gives the same answers, then time them.

    python bench/harness.py --inspect DIR --review DIR [--redline BIN] [--workloads W1,W2,W3]
                            [--peers shapely,duckdb,postgis] [--threads 1,0] [--repeat N]
                            [--results bench/results] [--label NAME]

Every measurement is one child process (redline itself, or `bench/peers.py` for a peer): its
wall time is taken around the process and its peak RSS from GNU time (`/usr/bin/time -f %M`,
which forks the command from its own small process). For PostGIS the work happens in the server backend, whose VmHWM the peer reads
from /proc before it disconnects; the table adds it to the client's.

Agreement comes first: a workload is timed only when every runner's answers agree with
redline's (and with each other's):
* W1/W3: counts per `reserve|zone` key (most restrictive zone), per county, and the
  in_reserve / near_boundary / outside totals must be identical;
* W2: per parcel, the overlap area per layer (for `within` layers: the area outside) and the
  area per land class (first four characters of the code) within 1e-6 relative between peers;
  redline prints areas rounded to 0.01 m², so against redline the allowance is 0.005 m² plus
  1e-6 relative, and an overlap at or below the review tolerance (0.01 m²) that redline does
  not report counts as agreeing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

HERE = Path(__file__).resolve().parent
PY = sys.executable


# ----------------------------------------------------------------------------------------------
# Running children.

def run_child(cmd, env, stdout_path=None):
    """Run `cmd` under /usr/bin/time; return (wall seconds, peak RSS in KiB, return code).

    The peak RSS comes from GNU time (`%M`), which forks the command from its own small
    process: measured from this (possibly large) harness process, a child's ru_maxrss would
    include the harness's pages shared at fork time.
    """
    base = Path(str(stdout_path or "/tmp/bench_child"))
    rss_file = Path(str(base) + ".rss")
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    err = open(str(base) + ".err", "wb")
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(rss_file)] + list(cmd), env=env, stdout=out, stderr=err)
    wall = time.perf_counter() - t0
    if stdout_path:
        out.close()
    err.close()
    try:
        rss = int(rss_file.read_text().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        rss = 0
    return wall, rss, p.returncode


class Runner:
    def __init__(self, name, workdir):
        self.name = name
        self.workdir = Path(workdir)


class Redline(Runner):
    def __init__(self, binary, workdir):
        super().__init__("redline", workdir)
        self.binary = binary

    def cmd(self, wl, project, inputs, full):
        if wl in ("W1", "W3"):
            c = [self.binary, "inspect", "--config", str(project)] + [str(i) for i in inputs]
            return c if full else c + ["--summary-only"]
        return [self.binary, "review", "--config", str(project)] + [str(i) for i in inputs]

    def run(self, wl, project, inputs, threads, full=False):
        out = self.workdir / f"redline.{wl}.{threads}.json"
        wall, rss, rc = run_child(self.cmd(wl, project, inputs, full), common.threads_env(threads), out)
        if rc != 0:
            err = Path(str(out) + ".err").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"redline {wl} failed ({rc}): {err}")
        return wall, rss, out

    def answers(self, wl, out_path, project):
        with open(out_path, encoding="utf-8") as f:
            doc = json.load(f)
        if wl in ("W1", "W3"):
            return redline_w1_answers(doc)
        return redline_w2_answers(doc, project)


def redline_phases(wl, err_path):
    """Phases from redline's progress lines on stderr (`[   0.29s] 载入…`): W1/W3 `load`
    (layers), `read+match` (the streamed clue list), `index` (the quick grid, built for long
    lists) and `match` (the placing alone, summed over chunks); W2 `read` (parcels), `load`
    (layers) and `match` (the review)."""
    import re

    try:
        text = err_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    stamps = [(float(m.group(1)), m.group(2)) for m in re.finditer(r"^\[\s*([0-9.]+)s\] (\S+)", text, re.M)]
    def at(prefix):
        return next((t for t, what in stamps if what.startswith(prefix)), None)
    ph = {}
    if wl == "W2":
        read, load, done = at("读取地块"), at("载入审查图层"), at("审查完成")
        if None not in (read, load, done):
            ph = {"read": read, "load": load - read, "match": done - load}
    else:
        load, done = at("载入保护区"), at("核查线索")
        if None not in (load, done):
            ph = {"load": load, "read+match": done - load}
        m = re.search(r"定位用时 ([0-9.]+) s", text)
        if m:
            ph["match"] = float(m.group(1))
        m = re.search(r"quick grid ([0-9.]+) s", text)
        if m:
            ph["index"] = float(m.group(1))
    return ph


def redline_w1_answers(doc):
    """Answers from `inspect` output: the full report (`clues`) or the streamed summary
    (`--summary-only`: `by_zone` and `by_county`), so that every timed run is checked too."""
    from collections import Counter

    summary = doc.get("summary", {})
    res = {k: summary.get(k) for k in ("in_reserve", "near_boundary", "outside")}
    clues = doc.get("clues")
    if clues is None:
        if "by_zone" in doc:
            keys = Counter()
            for z in doc["by_zone"]:
                if z["in_reserve"]:
                    keys[f"{z['reserve']}|{z['zone']}"] += z["in_reserve"]
            outside = (summary.get("near_boundary") or 0) + (summary.get("outside") or 0)
            if outside:
                keys[common.NO_ZONE] += outside
            counties = Counter()
            for c in doc.get("by_county", []):
                if c["clues"]:
                    counties[c.get("county_code") or common.NO_ZONE] += c["clues"]
            res["items"] = summary.get("clues")
            res["keys"] = dict(sorted(keys.items()))
            res["counties"] = dict(sorted(counties.items()))
        return res
    keys, counties = Counter(), Counter()
    for c in clues:
        inside = c.get("status") == "in_reserve" if "status" in c else (c.get("distance_m") == 0 and c.get("zone"))
        keys[f"{c['reserve']}|{c['zone']}" if inside else common.NO_ZONE] += 1
        counties[c.get("county_code") or common.NO_ZONE] += 1
    res["items"] = len(clues)
    res["keys"] = dict(sorted(keys.items()))
    res["counties"] = dict(sorted(counties.items()))
    return res


def redline_w2_answers(doc, project):
    rules = {l.name: l.rule for l in project.layers}
    out = {}
    for p in doc["parcels"]:
        r = {"area": p.get("area_m2"), "layers": {}, "classes": {}}
        for f in p.get("findings", []):
            layer, a = f.get("layer"), f.get("area_m2")
            if layer in rules and a is not None and rules[layer] != "classify" and f.get("code", "").startswith(("overlap", "outside")):
                r["layers"][layer] = r["layers"].get(layer, 0.0) + a
        for c in p.get("land_classes", []):
            k = str(c["code"]).strip()[:4]
            r["classes"][k] = r["classes"].get(k, 0.0) + c["area_m2"]
        out[p["source"]] = r
    return {"items": len(out), "parcels": out, "rounded": True}


class Peer(Runner):
    def run(self, wl, project, inputs, threads, full=False):
        out = self.workdir / f"{self.name}.{wl}.{threads}.json"
        cmd = [PY, str(HERE / "peers.py"), self.name, wl, "--project", str(project), "--threads", str(threads),
               "--out", str(out)] + [str(i) for i in inputs]
        env = common.threads_env(threads)
        wall, rss, rc = run_child(cmd, env, self.workdir / f"{self.name}.{wl}.{threads}.stdout")
        if rc != 0:
            err = Path(str(self.workdir / f"{self.name}.{wl}.{threads}.stdout") + ".err").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{self.name} {wl} failed ({rc}): {err}")
        return wall, rss, out

    def answers(self, wl, out_path, project):
        return common.read_json(out_path)


# ----------------------------------------------------------------------------------------------
# Agreement.

W1_FIELDS = ("keys", "counties", "in_reserve", "near_boundary", "outside")


def compare_w1(ref, other, ref_name, name):
    problems = []
    for k in W1_FIELDS:
        if k not in ref or k not in other or ref[k] is None or other[k] is None:
            continue
        if ref[k] != other[k]:
            if isinstance(ref[k], dict):
                diff = {kk: (ref[k].get(kk), other[k].get(kk)) for kk in sorted(set(ref[k]) | set(other[k]))
                        if ref[k].get(kk) != other[k].get(kk)}
                problems.append(f"{k}: {ref_name} vs {name}: {json.dumps(diff, ensure_ascii=False)[:1500]}")
            else:
                problems.append(f"{k}: {ref_name}={ref[k]} {name}={other[k]}")
    if "zone_area_m2" in ref and "zone_area_m2" in other:
        a, b = ref["zone_area_m2"], other["zone_area_m2"]
        if abs(a - b) > 1e-6 * abs(a):
            problems.append(f"zone_area_m2: {ref_name}={a} {name}={b}")
    return problems


def close(a, b, rounded, tol_overlap=0.01):
    a = a or 0.0
    b = b or 0.0
    if rounded:
        if abs(a - b) <= 0.005 + 1e-6 * max(abs(a), abs(b)) + 1e-9:
            return True
        return a == 0.0 and b <= tol_overlap + 0.005  # redline omits overlaps at or below the tolerance
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b)) + 1e-9


def compare_w2(ref, other, ref_name, name):
    problems = []
    rounded = bool(ref.get("rounded") or other.get("rounded"))
    rp, op = ref["parcels"], other["parcels"]
    if set(rp) != set(op):
        problems.append(f"parcels differ: only {ref_name}: {sorted(set(rp) - set(op))[:5]}, only {name}: {sorted(set(op) - set(rp))[:5]}")
    for src in sorted(set(rp) & set(op)):
        a, b = rp[src], op[src]
        if a.get("area") is not None and b.get("area") is not None and not close(a["area"], b["area"], rounded):
            problems.append(f"{src} area: {a['area']} vs {b['area']}")
        for part in ("layers", "classes"):
            for k in sorted(set(a[part]) | set(b[part])):
                va, vb = a[part].get(k), b[part].get(k)
                ok = close(va, vb, rounded) if not rounded else (close(va, vb, True) or close(vb, va, True))
                if not ok:
                    problems.append(f"{src} {part}.{k}: {ref_name}={va} {name}={vb}")
    return problems[:40]


# ----------------------------------------------------------------------------------------------
# Machine description.

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception as e:  # noqa: BLE001
        return f"? ({e})"


def machine(redline_bin):
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = "?"
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    v = {}
    try:
        import shapely

        v["shapely"] = f"{shapely.__version__} (GEOS {shapely.geos_version_string})"
    except ImportError:
        pass
    try:
        import pyproj

        v["pyproj"] = f"{pyproj.__version__} (PROJ {pyproj.proj_version_str})"
    except ImportError:
        pass
    try:
        import duckdb
        import importlib.metadata as md

        v["duckdb"] = f"{duckdb.__version__}, duckdb-extension-spatial {md.version('duckdb-extension-spatial')} (loaded by path, autoinstall off)"
    except ImportError:
        pass
    if os.environ.get("PGPORT"):
        v["postgis"] = sh(f"psql -h 127.0.0.1 -p {os.environ['PGPORT']} -U postgres -d bench -Atc 'select version(); select postgis_full_version()' | tr '\\n' ' '")[:400]
    if redline_bin:
        v["redline"] = sh(f"{redline_bin} --version") + f" (git {sh('git rev-parse --short HEAD')}), " + sh("rustc --version") + ", PROJ " + sh("pkg-config --modversion proj")
    v["python"] = platform.python_version()
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory": mem, "kernel": platform.release(), "versions": v}


# ----------------------------------------------------------------------------------------------
# Main.

def fmt_items(n):
    return f"{n / 1e6:.2f} M/s" if n >= 1e6 else f"{n / 1e3:.1f} k/s" if n >= 1e3 else f"{n:.1f} /s"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--inspect", required=True, help="folder with project.toml and clues/ (inspection data)")
    ap.add_argument("--review", help="folder with project.toml and parcels/ (review data)")
    ap.add_argument("--clues", help="clue CSV for W1 (default: DIR/clues/clues.csv)")
    ap.add_argument("--one-clue", help="CSV with one clue for W3 (made when missing)")
    ap.add_argument("--parcels", nargs="*", help="parcel files for W2 (default: DIR/parcels/*.txt)")
    ap.add_argument("--redline", help="the redline binary (omit to compare peers only)")
    ap.add_argument("--workloads", default="W1,W2,W3")
    ap.add_argument("--peers", default="shapely,duckdb,postgis")
    ap.add_argument("--threads", default="1,0", help="thread settings to time: 1 = single, 0 = all cores")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer-repeat", type=int, help="runs per peer (default: --repeat); the agreement run counts as one")
    ap.add_argument("--results", default=str(HERE / "results"))
    ap.add_argument("--label", default="")
    ap.add_argument("--work", default="bench-data/runs")
    a = ap.parse_args()

    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    runners = []
    if a.redline:
        runners.append(Redline(a.redline, work))
    runners += [Peer(p, work) for p in a.peers.split(",") if p]
    threads = [int(t) for t in a.threads.split(",")]
    mach = machine(a.redline)
    failed = []

    inspect_dir = Path(a.inspect)
    clues = Path(a.clues) if a.clues else inspect_dir / "clues/clues.csv"
    one = Path(a.one_clue) if a.one_clue else work / "one_clue.csv"
    if not a.one_clue:
        with open(clues, encoding="utf-8") as f:
            one.write_text(f.readline() + f.readline(), encoding="utf-8")

    for wl in a.workloads.split(","):
        if wl == "W2":
            if not a.review:
                print("W2: no review data (--review): skipped")
                continue
            project_path = Path(a.review) / "project.toml"
            inputs = [Path(p) for p in a.parcels] if a.parcels else (sorted((Path(a.review) / "parcels").glob("batch_*.txt")) or sorted((Path(a.review) / "parcels").glob("*.txt")))
        else:
            project_path = inspect_dir / "project.toml"
            inputs = [clues] if wl == "W1" else [one]
        project = common.load_project(project_path)
        print(f"== {wl}: {project_path} {[str(i) for i in inputs][:3]}{'…' if len(inputs) > 3 else ''}", flush=True)

        # 1. Agreement (single-threaded run of each runner; redline with its full output).
        answers, errors, first_run = {}, {}, {}
        for r in runners:
            try:
                wall, rss, out = r.run(wl, project_path, inputs, 1, full=True)
                answers[r.name] = r.answers(wl, out, project)
                if isinstance(r, Peer):
                    doc = answers[r.name]
                    first_run[r.name] = (wall, rss + (doc.get("backend_peak_rss_kb") or 0), doc.get("phases", {}))
                print(f"  {r.name}: answers in {wall:.2f} s", flush=True)
            except Exception as e:  # noqa: BLE001
                errors[r.name] = str(e)
                print(f"  {r.name}: FAILED: {e}", flush=True)
        names = list(answers)
        problems = []
        cmp = compare_w2 if wl == "W2" else compare_w1
        ref = names[0] if names else None
        for n in names[1:]:
            problems += [f"[{ref} vs {n}] {p}" for p in cmp(answers[ref], answers[n], ref, n)]
        if wl != "W2" and "redline" in answers and len(names) > 2:
            # Peers among themselves too (redline's W1 answers may lack zone_area_m2).
            problems += [f"[{names[1]} vs {n}] {p}" for n in names[2:] for p in cmp(answers[names[1]], answers[n], names[1], n)]
        if wl == "W2" and len(names) > 2:
            peers = [n for n in names if n != "redline"]
            problems += [f"[{peers[0]} vs {n}] {p}" for n in peers[1:] for p in compare_w2(answers[peers[0]], answers[n], peers[0], n)]
        common.write_json(work / f"{wl}.answers.json", answers)
        if problems or errors:
            failed.append(wl)
            print(f"  {wl}: answers DISAGREE — not timed:")
            for p in problems[:40]:
                print("   ", p)
            write_report(a, wl, mach, project_path, inputs, answers, None, problems, errors)
            continue
        print(f"  {wl}: all {len(names)} runners agree", flush=True)

        # 2. Timing.
        items = answers[ref].get("items") or len(inputs)
        if wl == "W3":
            items = layer_vertices(project)
        table = []
        for t in threads:
            for r in runners:
                if r.name not in answers:
                    continue
                walls, rsss, phases = [], [], []
                n_runs = a.repeat
                if isinstance(r, Peer):
                    n_runs = a.peer_repeat or a.repeat
                    if t == 1 and r.name in first_run:
                        w0, r0, p0 = first_run[r.name]
                        walls.append(w0)
                        rsss.append(r0)
                        phases.append(p0)
                        n_runs -= 1
                for _ in range(n_runs):
                    wall, rss, out = r.run(wl, project_path, inputs, t)
                    if r.name == "redline" and wl != "W2":
                        got = r.answers(wl, out, project)
                        bad = compare_w1(answers["redline"], got, "check", "timed")
                        if bad:
                            raise SystemExit(f"redline's timed run changed its answers: {bad}")
                    walls.append(wall)
                    if isinstance(r, Redline):
                        phases.append(redline_phases(wl, Path(str(out) + ".err")))
                    if isinstance(r, Peer):
                        doc = common.read_json(out)
                        phases.append(doc.get("phases", {}))
                        rss += doc.get("backend_peak_rss_kb") or 0
                    rsss.append(rss)
                table.append({"runner": r.name, "threads": t, "walls": walls, "wall": statistics.median(walls),
                              "rss_kb": max(rsss), "phases": phases[len(phases) // 2] if phases else {}})
                print(f"  {r.name:8} threads={t or 'all'}: {statistics.median(walls):.3f} s (runs {', '.join(f'{w:.3f}' for w in walls)}), peak RSS {max(rsss) / 1024:.0f} MiB", flush=True)
        write_report(a, wl, mach, project_path, inputs, answers, (table, items), [], {})
    if failed:
        print(f"disagreement in {', '.join(failed)}")
        sys.exit(1)


def layer_vertices(project):
    import shapely

    n = 0
    for l in project.layers:
        if l.rule in ("reserve_zones", "county"):
            g, _ = common.read_layer(l.path)
            n += int(shapely.get_num_coordinates(common.to_shapely(g)).sum())
    return n


WHAT = {
    "W1": "clue matching: every clue placed in its most restrictive reserve zone (closed polygons), its county, and near-boundary for clues outside within `near_boundary_m`; end to end from the files (load, reproject, index, match). Items = clues.",
    "W2": "parcel review: every parcel against the review layers — overlap area per layer (outside area for `within`), area per land class; end to end from the files. Items = parcels.",
    "W3": "loading: read the layer files, reproject to the working CRS, build the indexes (and place one clue). Items = layer vertices.",
}


def shown(p):
    """A path as the report shows it: relative to the repository when inside it (no absolute
    path of the machine in a committed file)."""
    p = Path(p).resolve()
    try:
        return str(p.relative_to(HERE.parent))
    except ValueError:
        return p.name


def write_report(a, wl, mach, project_path, inputs, answers, timing, problems, errors):
    res = Path(a.results)
    res.mkdir(parents=True, exist_ok=True)
    name = f"{wl}{'-' + a.label if a.label else ''}.md"
    L = [f"# {wl} — {WHAT[wl]}", ""]
    L.append(f"Generated by `bench/run` on {time.strftime('%Y-%m-%d %H:%M %Z')}. Data: `{shown(project_path)}`, inputs: "
             + ", ".join(f"`{shown(i)}`" for i in list(inputs)[:4]) + (" …" if len(inputs) > 4 else ""))
    L.append("")
    L.append("## Machine")
    L.append(f"- nproc {mach['nproc']}, CPU {mach['cpu']}, memory {mach['memory']}, kernel {mach['kernel']}")
    L.append(f"- load average when written: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (a shared machine makes runs noisy)")
    for k, v in mach["versions"].items():
        L.append(f"- {k}: {v}")
    L.append("")
    L.append("## Agreement")
    if problems or errors:
        L.append("**The answers disagree: nothing was timed.**")
        L += [f"- {e}" for e in list(errors.values()) + problems[:40]]
    else:
        L.append(f"All runners ({', '.join(answers)}) give the same answers (rules in `bench/harness.py`).")
        first = next(iter(answers.values()))
        if wl != "W2":
            L.append("")
            L.append(f"in_reserve {first.get('in_reserve')}, near_boundary {first.get('near_boundary')}, outside {first.get('outside')}")
            keys = next((v["keys"] for v in answers.values() if "keys" in v), {})
            if keys:
                L.append("")
                L.append("| reserve | zone | clues |")
                L.append("|---|---|---:|")
                for k, n in keys.items():
                    r, _, z = k.partition("|")
                    L.append(f"| {r} | {z or '—'} | {n} |")
        else:
            L.append(f"{first.get('items')} parcels compared.")
    if timing:
        table, items = timing
        L.append("")
        L.append("## Times")
        L.append(f"Median of {a.repeat} runs of redline and {a.peer_repeat or a.repeat} of each peer; each run is one process, from start to exit. Peak RSS: max over the runs "
                 "(PostGIS: client + server backend VmHWM; parallel workers not counted). "
                 "`redline/peer` is redline's wall time divided by the peer's: below 1 redline is faster.")
        for t in sorted({r["threads"] for r in table}, key=lambda x: (x == 0, x)):
            rows = [r for r in table if r["threads"] == t]
            red = next((r for r in rows if r["runner"] == "redline"), None)
            L.append("")
            nproc = mach["nproc"]
            title = ("single-threaded (RAYON_NUM_THREADS=1; peers 1 thread)" if t == 1
                     else f"all cores ({nproc}; shapely has no threads and runs as before)" if t == 0 else f"{t} threads")
            L.append(f"### {title}")
            L.append("")
            L.append("| runner | wall s | throughput | ns / item | peak RSS MiB | redline/peer |")
            L.append("|---|---:|---:|---:|---:|---:|")
            for r in rows:
                ratio = f"{red['wall'] / r['wall']:.2f}" if red and r is not red else "—"
                L.append(f"| {r['runner']} | {r['wall']:.3f} | {fmt_items(items / r['wall'])} | {r['wall'] / items * 1e9:,.0f} | {r['rss_kb'] / 1024:.0f} | {ratio} |")
        ph = [r for r in table if r["phases"]]
        if ph:
            L.append("")
            L.append("### Phases (seconds, inside the process, median run; redline's from its progress lines: `match` is the placing alone, summed over the chunks, and overlaps the reading when threads > 1)")
            L.append("")
            L.append("| runner | threads | " + " | ".join(sorted({k for r in ph for k in r["phases"]})) + " |")
            keys = sorted({k for r in ph for k in r["phases"]})
            L.append("|---|---|" + "---:|" * len(keys))
            for r in ph:
                L.append(f"| {r['runner']} | {r['threads'] or 'all'} | " + " | ".join(f"{r['phases'].get(k, 0):.3f}" for k in keys) + " |")
        L.append("")
        L.append(f"Items: {items:,}.")
    (res / name).write_text("\n".join(L) + "\n", encoding="utf-8")
    print(f"  wrote {res / name}")


if __name__ == "__main__":
    main()
