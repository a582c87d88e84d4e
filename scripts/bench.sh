#!/usr/bin/env bash
# wtmap benchmarks end to end (docs/benchmarks.md):
#   1. builds the release binary;
#   2. generates a 100,000-record Flex export with scripts/gen_flex.py (1,000,000 with --1m);
#   3. runs `cargo bench` (benches/check.rs and benches/plan.rs) on that same file;
#   4. times `wtmap plan` from the command line (empty state and ~95% state), `wtmap diff` of
#      the Flex mapping against an edited copy over the same file and states, and the jq, jaq
#      and Python baselines (scripts/baseline.jq run by jq 1.6 and by jaq, scripts/baseline.py)
#      on the same file, with /usr/bin/time -v for wall time and peak RSS;
#   5. prints a summary table with ratios.
#
# usage: scripts/bench.sh [--1m] [--runs N]
#   --1m      also the 1,000,000-record run: in-process parse-only vs plan, and one command-line
#             `wtmap plan` (empty state) and Python run each (jq would take minutes). Needs
#             ~12 GB of free memory (the in-process bench refuses with less; wtmap's own 1M plan peaks at ~1.5 GB).
#   --runs N  command-line runs per tool (default 3; min and median wall, max RSS reported),
#             after one untimed warm-up run when N > 1 (the "warm" rows)
#   --pairs N rounds of the cold, alternating measurement (default 7): wtmap, Python, jq and
#             jaq run in turn, A B C D A B C D …, medians and pairwise ratios
#             (scripts/alternate.py)
#
# jaq (a jq clone in Rust, https://github.com/01mf02/jaq) is the strong peer: it runs on
# `$JAQ`, else `jaq` on the PATH or in ~/.cargo/bin. It is never installed by this script
# (`cargo install jaq --root DIR` takes a few minutes); without it its rows are skipped, with a
# message saying so.
#
# Missing jq or GNU time are installed with apt-get when running as root; otherwise the rows
# that need them are skipped. Results are noisy on shared machines: see the load averages.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

ONE_M=0
RUNS=3
PAIRS=7
while [ $# -gt 0 ]; do
    case "$1" in
        --1m) ONE_M=1 ;;
        --runs) RUNS="$2"; shift ;;
        --pairs) PAIRS="$2"; shift ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/wtmap-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }
say() { printf '\n== %s (load average %s)\n' "$*" "$(load)"; }

apt_install() { # package: installs it when root with apt-get, else returns 1
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing $1 with apt-get"
        apt-get install -y "$1" >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y "$1" >/dev/null 2>&1; }
    else
        return 1
    fi
}

TIME=/usr/bin/time
if ! [ -x "$TIME" ] || ! "$TIME" -v true >/dev/null 2>&1; then
    apt_install time || true
fi
HAVE_TIME=0
if [ -x "$TIME" ] && "$TIME" -v true >/dev/null 2>&1; then HAVE_TIME=1; fi
command -v jq >/dev/null || apt_install jq || true
HAVE_JQ=0; command -v jq >/dev/null && HAVE_JQ=1
HAVE_PY=0; command -v python3 >/dev/null && HAVE_PY=1
JAQ="${JAQ:-$(command -v jaq || true)}"
[ -z "$JAQ" ] && [ -x "$HOME/.cargo/bin/jaq" ] && JAQ="$HOME/.cargo/bin/jaq"
HAVE_JAQ=0
if [ -n "$JAQ" ] && [ -x "$JAQ" ]; then
    HAVE_JAQ=1
else
    echo "jaq not found (set JAQ=/path/to/jaq, or: cargo install jaq --root DIR): its rows are skipped"
fi
if [ "$HAVE_PY" = 0 ]; then
    echo "python3 is required to generate the records file (scripts/gen_flex.py)" >&2
    exit 1
fi

say "machine"
echo "$(nproc) logical CPUs; $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
echo "memory: $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB total, " $7 " GiB available"}')"
[ "$HAVE_JQ" = 1 ] && jq --version
[ "$HAVE_JAQ" = 1 ] && "$JAQ" --version
python3 --version

say "building release"
cargo build --release --quiet
WTMAP="$ROOT/target/release/wtmap"

say "generating records"
python3 scripts/gen_flex.py 100000 > "$WORK/flex100k.json"
ls -l "$WORK/flex100k.json" | awk '{printf "flex100k.json: %.1f MB\n", $5/1e6}'
if [ "$ONE_M" = 1 ]; then
    python3 scripts/gen_flex.py 1000000 > "$WORK/flex1m.json"
    ls -l "$WORK/flex1m.json" | awk '{printf "flex1m.json: %.1f MB\n", $5/1e6}'
fi

say "cargo bench --bench check"
cargo bench --quiet --bench check 2>&1 | tee "$WORK/check.txt"

say "cargo bench --bench plan"
export WTMAP_BENCH_FILE="$WORK/flex100k.json" WTMAP_BENCH_KEEP_DIR="$WORK"
if [ "$ONE_M" = 1 ]; then export WTMAP_BENCH_1M=1 WTMAP_BENCH_FILE_1M="$WORK/flex1m.json"; fi
cargo bench --quiet --bench plan 2>&1 | tee "$WORK/plan.txt"

say "cargo bench --bench profile"
cargo bench --quiet --bench profile 2>&1 | tee "$WORK/profile.txt"

# measure LABEL CMD... : runs CMD $RUNS times; appends "label|min s|median s|max RSS MB|rc" to
# the results. Standard output of CMD is discarded. With several runs, one untimed run comes
# first (as hyperfine's --warmup): the file is in the page cache, and the runs are all warm.
# On the development VM, a wtmap run that starts seconds after the last one pays up to half a
# second of huge-page faults (docs/benchmarks.md, "Cold runs"); this table measures warm runs.
RESULTS="$WORK/results"
: > "$RESULTS"
measure() {
    local label="$1"; shift
    local walls=() rss=0 rc=0
    if [ "$RUNS" -gt 1 ]; then "$@" > /dev/null 2>&1 || true; fi
    for _ in $(seq "$RUNS"); do
        if [ "$HAVE_TIME" = 1 ]; then
            "$TIME" -v -o "$WORK/time.txt" "$@" > /dev/null 2> "$WORK/stderr.txt" || rc=$?
            # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:01.23"
            local wall kb
            wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$WORK/time.txt")
            kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
            walls+=("$wall")
            [ "${kb:-0}" -gt "$rss" ] && rss=$kb
        else
            local t0 t1
            t0=$(date +%s.%N)
            "$@" > /dev/null 2> "$WORK/stderr.txt" || rc=$?
            t1=$(date +%s.%N)
            walls+=("$(echo "$t1 - $t0" | bc)")
        fi
    done
    local sorted min med
    sorted=$(printf '%s\n' "${walls[@]}" | sort -g)
    min=$(echo "$sorted" | head -1)
    med=$(echo "$sorted" | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}')
    local mb="n/a"
    [ "$HAVE_TIME" = 1 ] && mb=$(awk -v k="$rss" 'BEGIN {printf "%.0f", k/1024}')
    echo "$label|$min|$med|$mb|$rc" >> "$RESULTS"
    printf '%-34s min %7.2f s  median %7.2f s  peak RSS %6s MB  exit %s  (load %s)\n' \
        "$label" "$min" "$med" "$mb" "$rc" "$(load)"
    if [ "$rc" != 0 ] && [ "$rc" != 3 ] && ! { [ "$rc" = 2 ] && [[ "$label" == "wtmap diff"* ]]; }; then sed 's/^/    /' "$WORK/stderr.txt" | head -5; fi
}

# The plan goes to standard output, which `measure` sends to /dev/null. Never `--out /dev/null`:
# `--out` writes atomically (a temporary file renamed over the target), which as root would
# replace the /dev/null device with a regular file.
PLAN=("$WTMAP" plan mappings/flex.wtmap --today 2025-06-02 --format json --records)

say "command line, 100k records, $RUNS runs each"
measure "wtmap plan 100k (empty state)" "${PLAN[@]}" "$WORK/flex100k.json"
if [ -f "$WORK/state-100000.json" ]; then
    measure "wtmap plan 100k (95% state)" "${PLAN[@]}" "$WORK/flex100k.json" --state "$WORK/state-100000.json"
fi
measure "wtmap profile 100k" "$WTMAP" profile --source flex --format json --records "$WORK/flex100k.json"
# `wtmap diff` runs two plans and compares them: the Flex mapping against a copy with a
# changed value-map arm and a group path one level shorter (people change: exit 2).
sed -e 's/2->Female/2->None/' -e 's/group path = \[Office, Department, Team\]/group path = [Office, Department]/' \
    mappings/flex.wtmap > "$WORK/flex-edited.wtmap"
DIFF=("$WTMAP" diff mappings/flex.wtmap "$WORK/flex-edited.wtmap" --today 2025-06-02 --format json --records)
measure "wtmap diff 100k (empty state)" "${DIFF[@]}" "$WORK/flex100k.json"
if [ -f "$WORK/state-100000.json" ]; then
    measure "wtmap diff 100k (95% state)" "${DIFF[@]}" "$WORK/flex100k.json" --state "$WORK/state-100000.json"
fi
[ "$HAVE_PY" = 1 ] && measure "python baseline 100k" python3 scripts/baseline.py "$WORK/flex100k.json"
[ "$HAVE_JQ" = 1 ] && measure "jq baseline 100k" jq -c -f scripts/baseline.jq "$WORK/flex100k.json"
[ "$HAVE_JAQ" = 1 ] && measure "jaq baseline 100k" "$JAQ" -c -f scripts/baseline.jq "$WORK/flex100k.json"

# Cold runs as the nightly job has them: each tool's runs alternate with the others' (A B C A B
# C …), so no run inherits its own warm state. Medians of wall, user, sys and peak RSS (with its
# range), and the median pairwise ratio against wtmap.
say "cold runs, 100k records, alternating, $PAIRS rounds (scripts/alternate.py)"
ALT=("wtmap plan 100k=${PLAN[*]} $WORK/flex100k.json")
[ "$HAVE_PY" = 1 ] && ALT+=("python baseline 100k=python3 scripts/baseline.py $WORK/flex100k.json")
[ "$HAVE_JQ" = 1 ] && ALT+=("jq baseline 100k=jq -c -f scripts/baseline.jq $WORK/flex100k.json")
[ "$HAVE_JAQ" = 1 ] && ALT+=("jaq baseline 100k=$JAQ -c -f scripts/baseline.jq $WORK/flex100k.json")
if [ "$HAVE_TIME" = 1 ] && [ "${#ALT[@]}" -gt 1 ]; then
    python3 scripts/alternate.py --pairs "$PAIRS" --json "$WORK/alternate.json" "${ALT[@]}"
fi

if [ "$ONE_M" = 1 ]; then
    say "command line, 1M records, 1 run each"
    RUNS_100K=$RUNS; RUNS=1
    measure "wtmap plan 1M (empty state)" "${PLAN[@]}" "$WORK/flex1m.json"
    [ "$HAVE_PY" = 1 ] && measure "python baseline 1M" python3 scripts/baseline.py "$WORK/flex1m.json"
    RUNS=$RUNS_100K
fi

say "summary"
median_of() { awk -F'|' -v l="$1" '$1 == l {print $3}' "$RESULTS"; }
# The in-process 100k figures (medians, ms) from the plan bench's first block.
inproc() { awk -v l="$1" 'index($0, l) && !done {for (i=1;i<=NF;i++) if ($i=="median") {print $(i+1); done=1}}' "$WORK/plan.txt"; }
parse_ms=$(inproc "parse-only")
# The one-pass rows: what `wtmap plan` does with a records file.
plan_ms=$(inproc "plan, empty state, one pass")
plan95_ms=$(inproc "plan, 95% state, one pass")
check_us=$(sed -n 's/.*median \([0-9]*\) µs.*/\1/p' "$WORK/check.txt")
wt=$(median_of "wtmap plan 100k (empty state)")
wt95=$(median_of "wtmap plan 100k (95% state)")
prof=$(median_of "wtmap profile 100k")
py=$(median_of "python baseline 100k")
jqt=$(median_of "jq baseline 100k")
jaqt=$(median_of "jaq baseline 100k")
ratio() { # a b -> a/b
    if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.1fx", a/b; else print "n/a"}'; else echo "n/a"; fi
}
printf '%-46s %-14s %s\n' "measure" "value" "target"
printf '%-46s %-14s %s\n' "check_source, ~300-line mapping (median)" "${check_us:-?} us" "< 5000 us"
printf '%-46s %-14s %s\n' "in-process parse-only 100k (median)" "${parse_ms:-?} ms" ""
printf '%-46s %-14s %s\n' "in-process plan 100k, empty state, one pass" "${plan_ms:-?} ms" ""
printf '%-46s %-14s %s\n' "in-process plan 100k, 95% state, one pass" "${plan95_ms:-?} ms" ""
printf '%-46s %-14s %s\n' "  plan/parse-only, empty state" "$(ratio "$plan_ms" "$parse_ms")" "<= 2x"
printf '%-46s %-14s %s\n' "  plan/parse-only, 95% state" "$(ratio "$plan95_ms" "$parse_ms")" "<= 2x"
printf '%-46s %-14s %s\n' "CLI wtmap plan 100k, empty state (median)" "${wt:-?} s" ""
printf '%-46s %-14s %s\n' "CLI wtmap plan 100k, 95% state (median)" "${wt95:-?} s" ""
printf '%-46s %-14s %s\n' "CLI wtmap profile 100k (median)" "${prof:-?} s" ""
printf '%-46s %-14s %s\n' "  profile / plan (empty state)" "$(ratio "$prof" "$wt")" "<= 1x"
wd=$(median_of "wtmap diff 100k (empty state)")
wd95=$(median_of "wtmap diff 100k (95% state)")
printf '%-46s %-14s %s\n' "CLI wtmap diff 100k, empty state (median)" "${wd:-?} s" ""
printf '%-46s %-14s %s\n' "  diff / plan, empty state" "$(ratio "$wd" "$wt")" "<= 2.5x"
printf '%-46s %-14s %s\n' "CLI wtmap diff 100k, 95% state (median)" "${wd95:-?} s" ""
printf '%-46s %-14s %s\n' "  diff / plan, 95% state" "$(ratio "$wd95" "$wt95")" "<= 2.5x"
printf '%-46s %-14s %s\n' "jq baseline 100k (median)" "${jqt:-n/a} s" ""
printf '%-46s %-14s %s\n' "  jq / wtmap (empty state)" "$(ratio "$jqt" "$wt")" ">= 25x"
printf '%-46s %-14s %s\n' "jaq baseline 100k (median)" "${jaqt:-n/a} s" ""
printf '%-46s %-14s %s\n' "  jaq / wtmap (empty state)" "$(ratio "$jaqt" "$wt")" ""
printf '%-46s %-14s %s\n' "python baseline 100k (median)" "${py:-n/a} s" ""
printf '%-46s %-14s %s\n' "  python / wtmap (empty state)" "$(ratio "$py" "$wt")" ">= 4x"
if [ "$ONE_M" = 1 ]; then
    wt1m=$(median_of "wtmap plan 1M (empty state)")
    rss1m=$(awk -F'|' '$1 == "wtmap plan 1M (empty state)" {print $4}' "$RESULTS")
    py1m=$(median_of "python baseline 1M")
    printf '%-46s %-14s %s\n' "CLI wtmap plan 1M, empty state (1 run)" "${wt1m:-?} s" "< 10 s"
    printf '%-46s %-14s %s\n' "  peak RSS" "${rss1m:-?} MB" "< 2048 MB"
    printf '%-46s %-14s %s\n' "python baseline 1M (1 run)" "${py1m:-n/a} s" ""
fi
echo
echo "CLI rows: wall time of the whole process ($RUNS runs); exit 3 would mean a guard stopped the plan (diff exits 2: people change)."
echo "Load average at the end: $(load) on $(nproc) CPUs; other work on the machine inflates every figure."
