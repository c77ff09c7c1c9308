#!/usr/bin/env bash
# Writes every output of one redline binary on the fixtures (and, with a data folder, on the
# county-scale set) into OUT, so that two builds can be compared byte for byte:
#
#   bench/outputs.sh BIN OUT [COUNTY_DATA]
#   diff -r OUT_BEFORE OUT_AFTER && echo identical
#
# review (json, text, geojson), inspect (full report and --summary-only), convert, and the
# ledger: import, list, show, transitions, summary (json, csv, gbk csv, xlsx) and export
# (geojson, shapefile points and patches). Every command runs under Debian's faketime at one
# frozen instant, so timestamps written into the ledger and the files are the same in every run.
# Progress lines (stderr) carry timings and are not compared.
set -euo pipefail
BIN="$(realpath "$1")"
OUT="$2"
COUNTY="${3:-}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v faketime >/dev/null || { echo "outputs.sh: needs faketime (apt-get install faketime)" >&2; exit 1; }
export PROJ_DATA="${PROJ_DATA:-/usr/share/proj}" TZ=UTC
rm -rf "$OUT"
mkdir -p "$OUT"
OUT="$(realpath "$OUT")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
at() { faketime -f '2026-12-01 09:30:00' "$@"; }
run() { # run NAME CMD... : stdout to OUT/NAME, the exit status to OUT/NAME.status
  local name="$1"; shift
  set +e
  at "$@" >"$OUT/$name" 2>/dev/null
  echo $? >"$OUT/$name.status"
  set -e
}

cd "$ROOT"
R=fixtures/review
I=fixtures/inspect
for f in "$R"/parcels/*.txt "$R"/parcels/*.geojson "$R"/parcels/*.shp; do
  b="$(basename "$f")"
  run "review_$b.json" "$BIN" review --config "$R/project.toml" "$f"
  run "review_$b.txt" "$BIN" review --config "$R/project.toml" --format text "$f"
  run "review_$b.geojson" "$BIN" review --config "$R/project.toml" --format geojson "$f"
done
run review_all.json "$BIN" review --config "$R/project.toml" "$R"/parcels/*
for f in "$R"/parcels/ka01_gbk_crlf.txt "$R"/parcels/q01_lonlat.geojson "$R"/parcels/q_parcels.shp; do
  b="$(basename "$f")"
  for ext in txt geojson shp; do
    at "$BIN" convert "$f" "$WORK/conv_$b.$ext" >/dev/null 2>&1 || echo "failed" >"$OUT/convert_$b.$ext.failed"
  done
done
for f in "$WORK"/conv_*; do cp "$f" "$OUT/"; done

for f in "$I"/clues/clues_gbk.csv "$I"/clues/clues.xlsx "$I"/clues/patches.shp; do
  b="$(basename "$f")"
  run "inspect_$b.json" "$BIN" inspect --config "$I/project.toml" "$f"
  run "inspect_summary_$b.json" "$BIN" inspect --summary-only --config "$I/project.toml" "$f"
done

ledger_run() { # ledger_run PREFIX PROJECT CLUES...
  local prefix="$1" project="$2"; shift 2
  local dir="$WORK/$prefix"
  mkdir -p "$dir"
  # The project's files, linked (not copied) beside a ledger of its own.
  for f in "$(dirname "$project")"/*; do
    case "$f" in *ledger.sqlite*) ;; *) ln -s "$(realpath "$f")" "$dir/" ;; esac
  done
  local p="$dir/$(basename "$project")"
  rm -f "$dir"/ledger.sqlite*
  run "${prefix}_import.json" "$BIN" ledger --config "$p" import "$@" --who 张三
  run "${prefix}_import_again.json" "$BIN" ledger --config "$p" import "$@" --who 张三
  run "${prefix}_list.json" "$BIN" ledger --config "$p" list --limit 50
  run "${prefix}_show1.json" "$BIN" ledger --config "$p" show 1
  run "${prefix}_t1.json" "$BIN" ledger --config "$p" transition 1 --version 1 --to 属实 --who 李四 --reason 现场核实
  run "${prefix}_t2.json" "$BIN" ledger --config "$p" transition 1 --version 2 --to 整改中 --who 李四 --deadline 2026-12-31
  run "${prefix}_t_stale.json" "$BIN" ledger --config "$p" transition 1 --version 1 --to 属实 --who 李四
  run "${prefix}_t3.json" "$BIN" ledger --config "$p" transition 2 --version 1 --to 不属实 --who 王五 --reason 无
  run "${prefix}_list_focus.json" "$BIN" ledger --config "$p" list --focus --limit 50
  run "${prefix}_summary.json" "$BIN" ledger --config "$p" summary
  at "$BIN" ledger --config "$p" summary --format csv --out "$OUT/${prefix}_summary.csv" >/dev/null 2>&1 || true
  at "$BIN" ledger --config "$p" summary --format csv --gbk --out "$OUT/${prefix}_summary_gbk.csv" >/dev/null 2>&1 || true
  at "$BIN" ledger --config "$p" summary --format xlsx --out "$OUT/${prefix}_summary.xlsx" >/dev/null 2>&1 || true
  at "$BIN" ledger --config "$p" export --out "$OUT/${prefix}_export.geojson" >/dev/null 2>&1 || true
  at "$BIN" ledger --config "$p" export --out "$OUT/${prefix}_export_points.shp" >/dev/null 2>&1 || true
  at "$BIN" ledger --config "$p" export --patches --out "$OUT/${prefix}_export_patches.shp" >/dev/null 2>&1 || true
  at "$BIN" ledger --config "$p" export --utf8 --out "$OUT/${prefix}_export_utf8.shp" >/dev/null 2>&1 || true
}
ledger_run fixtures "$I/project.toml" "$I"/clues/clues_gbk.csv "$I"/clues/patches.shp

if [ -n "$COUNTY" ]; then
  C="$(realpath "$COUNTY")"
  run county_review.json "$BIN" review --config "$C/review/project.toml" "$C"/review/parcels/*
  run county_inspect.json "$BIN" inspect --config "$C/inspect/project.toml" "$C"/inspect/clues/clues.csv
  run county_inspect_summary.json "$BIN" inspect --summary-only --config "$C/inspect/project.toml" "$C"/inspect/clues/clues.csv
  # The ledger on a slice of the county list (the whole list takes minutes to import).
  head -n 20001 "$C/inspect/clues/clues.csv" >"$WORK/county_clues.csv"
  ledger_run county "$C/inspect/project.toml" "$WORK/county_clues.csv"
fi
( cd "$OUT" && sha256sum -- * >"$WORK/SHA256SUMS" && mv "$WORK/SHA256SUMS" . )
echo "outputs.sh: $(ls "$OUT" | wc -l) files in $OUT" >&2
