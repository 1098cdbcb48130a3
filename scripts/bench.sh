#!/usr/bin/env bash
# bench.sh - throughput and peak memory of `mailtls report` on a large realistic Postfix log,
# beside `gzip -dc` and `wc -l` on the same input.
#
# The first run generates the log with scripts/gen-postfix-log.py (size BENCH_SIZE, default 1G)
# plus a gzip copy and the truth figures, cached under ./bench-data/ (git-ignored); later runs
# reuse them. It then builds mailtls in release mode and times each command on the plain and on
# the gzip input. MB/s is always the uncompressed size of the log divided by wall-clock seconds.
# Peak memory comes from /usr/bin/time -f %M (Debian package `time`), or, when that is missing,
# from a Python wrapper reading getrusage(RUSAGE_CHILDREN).
#
# Environment: BENCH_SIZE (e.g. 50M, 1G; default 1G), BENCH_SEED (default 42),
# BENCH_SKIP_BUILD=1 to reuse an existing .build/release/mailtls.
# Fails (exit 1) when generation or the build fails; a mailtls run that exits non-zero is
# still timed and its exit status is shown in the table, so the script works before the
# parser does.

set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

size="${BENCH_SIZE:-1G}"
seed="${BENCH_SEED:-42}"
data="bench-data"
log="$data/postfix-$size-seed$seed.log"
gz="$log.gz"
truth="$log.truth.json"
mkdir -p "$data"

# --- input (cached) ---------------------------------------------------------------------------
if [[ ! -s "$log" || ! -s "$truth" ]]; then
  echo "generating $log (BENCH_SIZE=$size, seed $seed) ..." >&2
  python3 scripts/gen-postfix-log.py --seed "$seed" --size "$size" --start 2026-01-05 \
    --output "$log.tmp" --truth "$truth.tmp"
  mv "$log.tmp" "$log"
  mv "$truth.tmp" "$truth"
  rm -f "$gz"
fi
if [[ ! -s "$gz" ]]; then
  echo "compressing $gz ..." >&2
  gzip -c -6 "$log" > "$gz.tmp"
  mv "$gz.tmp" "$gz"
fi

# --- build ------------------------------------------------------------------------------------
bin=".build/release/mailtls"
if [[ "${BENCH_SKIP_BUILD:-0}" != "1" ]]; then
  echo "building (swift build -c release) ..." >&2
  swift build -c release >&2
fi
if [[ ! -x "$bin" ]]; then
  echo "bench.sh: $bin not found (build failed or BENCH_SKIP_BUILD=1 without a build)" >&2
  exit 1
fi

# --- measuring --------------------------------------------------------------------------------
# measure LABEL OUTFILE CMD...  -> prints one table row; stdout of CMD goes to OUTFILE
bytes=$(stat -c %s "$log")
gzbytes=$(stat -c %s "$gz")
lines=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lines"])' "$truth")
stats="$(mktemp)"
trap 'rm -f "$stats"' EXIT

if [[ -x /usr/bin/time ]]; then
  timer="gnu-time"
else
  timer="python-rusage"
  echo "note: /usr/bin/time not found (apt-get install time); using getrusage(RUSAGE_CHILDREN)," >&2
  echo "      whose peak RSS includes the Python wrapper's own pages (about 14 MB floor)" >&2
fi

run_timed() {  # run_timed OUTFILE CMD... ; writes "seconds maxrss_kb exitcode" to $stats
  local out="$1"; shift
  if [[ "$timer" == "gnu-time" ]]; then
    local t0="$EPOCHREALTIME" t1 rest
    /usr/bin/time -f '%M %x' -o "$stats" "$@" > "$out" 2>/dev/null || true
    t1="$EPOCHREALTIME"
    rest="$(tail -n 1 "$stats")"
    python3 -c 'import sys; print("%.3f %s" % (float(sys.argv[2]) - float(sys.argv[1]), sys.argv[3]))' \
      "$t0" "$t1" "$rest" > "$stats"
  else
    python3 - "$stats" "$out" "$@" <<'PY'
import resource, subprocess, sys, time
stats, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
t0 = time.monotonic()
with open(out, 'wb') as fh:
    rc = subprocess.call(cmd, stdout=fh, stderr=subprocess.DEVNULL)
secs = time.monotonic() - t0
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
open(stats, 'w').write('%.3f %d %d\n' % (secs, kb, rc))
PY
  fi
}

row() {  # row LABEL OUTFILE CMD...
  local label="$1"; shift
  run_timed "$@"
  python3 - "$label" "$bytes" "$(tail -n 1 "$stats")" <<'PY'
import sys
label, nbytes, stat = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
secs, kb, rc = float(stat[0]), int(stat[1]), stat[2]
mbs = '%9.1f' % ((nbytes / 1e6) / secs) if secs > 0 else '%9s' % '-'
print('%-38s %9.3f %s %12.1f %6s' % (label, secs, mbs, kb / 1024.0, rc))
PY
}

echo
echo "input: $log ($bytes bytes, $lines lines); gzip copy $gzbytes bytes; truth $truth"
echo "timer: $timer; MB/s = uncompressed MB (1e6 bytes) / wall seconds"
printf '%-38s %9s %9s %12s %6s\n' "command" "seconds" "MB/s" "peak RSS MB" "exit"
row "wc -l (plain)" /dev/null wc -l "$log"
row "gzip -dc (gzip)" /dev/null gzip -dc "$gz"
row "mailtls report --format json (plain)" "$data/report-plain.json" "$bin" report "$log" --format json
row "mailtls report --format json (gzip)" "$data/report-gzip.json" "$bin" report "$gz" --format json
echo
echo "mailtls output kept in $data/report-plain.json and $data/report-gzip.json"
