#!/bin/sh
# Instructions per message of the one-thread inproc send+recv loop, counted by
# valgrind --tool=callgrind: the cost of a Perl send + recv pair, repeatable where timings on
# a shared VM are not.
#
#   bench/callgrind-loop.sh                     # Perl ZMQ::Rust, ZMQ::FFI, Rust core, C; 100 B
#   bench/callgrind-loop.sh --impl perl --top 20
#   bench/callgrind-loop.sh --size 65536 --lo 2000 --hi 12000
#
# Options: --impl perl,ffi,rust,c (default all; ffi needs ZMQ::FFI, c libzmq3-dev),
# --size B (100), --lo N and --hi N (message counts of the two runs: 20000 and 120000),
# --top K (also the K costliest functions, per message, by the same difference),
# --keep DIR (keep the callgrind.out files there), --no-build.
#
# The measurement is the "send+recv loop" of bench/run.pl: one thread sends a batch of 100
# messages, then receives them, and so on (bench/perl_inproc.pl --what loop for Perl,
# bench_inproc / inproc_thr --what loop for Rust and C). Each implementation runs twice under
# callgrind, with --lo and --hi messages; the difference divided by hi - lo is the cost of
# one more message sent and received, start-up and teardown cancelled out. Every thread of
# the process is counted (libzmq's I/O and reaper threads do nothing per message here).
set -eu

. "$(dirname "$0")/lib/callgrind.sh"
PROG=callgrind-loop.sh
IMPLS=perl,ffi,rust,c
script_option() { return 1; }
parse_options "$@"

RUST_BIN=$ROOT/target/release/examples/bench_inproc
C_BIN=$ROOT/bench/bin/inproc_thr
if [ "$BUILD" = 1 ]; then
    if has_impl rust; then
        build_rust bench_inproc
    fi
    if has_impl c; then
        build_c inproc_thr ||
            { echo "$PROG: cannot build the C harness (libzmq3-dev?)" >&2; drop_impl c; }
    fi
fi
if has_impl perl; then
    [ -f "$ROOT/blib/arch/auto/ZMQ/Rust/Rust.so" ] ||
        { echo "$PROG: build the module first (perl Makefile.PL && make)" >&2; exit 1; }
fi
if has_impl ffi; then
    perl -MZMQ::FFI -e1 2>/dev/null ||
        { echo "$PROG: ZMQ::FFI is not installed, leaving it out" >&2; drop_impl ffi; }
fi
make_work_dir

# run IMPL N: callgrind over the loop with N messages, output in $WORK/IMPL-N/
run() {
    impl=$1 n=$2
    dir=$WORK/$impl-$n
    rm -rf "$dir"
    mkdir -p "$dir"
    case "$impl" in
        perl) set -- perl -Mblib="$ROOT" "$ROOT/bench/perl_inproc.pl" --impl rust ;;
        ffi) set -- perl "$ROOT/bench/perl_inproc.pl" --impl ffi ;;
        rust) set -- "$RUST_BIN" ;;
        c) set -- "$C_BIN" ;;
    esac
    valgrind --tool=callgrind --callgrind-out-file="$dir/cg.%p" "$@" --what loop \
        --sizes "$SIZE" --msgs "$n" >"$dir/out" 2>"$dir/valgrind.log" ||
        { echo "callgrind-loop.sh: $impl run failed, see $dir/valgrind.log" >&2; cat "$dir/out" >&2; exit 1; }
    grep -q "^loop .*msgs=$n .*bad=0" "$dir/out" ||
        { echo "callgrind-loop.sh: $impl run did not do $n messages:" >&2; cat "$dir/out" >&2; exit 1; }
}

total() {
    sed -n 's/^totals: //p' "$WORK/$1-$2"/cg.* | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

echo "callgrind: inproc send+recv loop, $SIZE B, one thread, batch 100;"
echo "per message (one send + one recv) = (run of $HI messages - run of $LO) / $((HI - LO))"
printf '%-28s %12s\n' implementation 'instr/msg'
for impl in $(echo "$IMPLS" | tr ',' ' '); do
    run "$impl" "$LO"
    run "$impl" "$HI"
    case "$impl" in
        perl) label="Perl ZMQ::Rust" ;;
        ffi) label="Perl ZMQ::FFI" ;;
        rust) label="Rust core" ;;
        c) label="C libzmq" ;;
    esac
    lo=$(total "$impl" "$LO")
    hi=$(total "$impl" "$HI")
    printf '%-28s %12.0f\n' "$label" "$(echo "($hi - $lo) / ($HI - $LO)" | bc -l)"
done

if [ "$TOP" -gt 0 ] && command -v callgrind_annotate >/dev/null; then
    for impl in $(echo "$IMPLS" | tr ',' ' '); do
        echo
        echo "== $impl: top $TOP functions, self instructions per message"
        callgrind_annotate --inclusive=no --threshold=100 "$WORK/$impl-$LO"/cg.* >"$WORK/ann-lo" 2>/dev/null
        callgrind_annotate --inclusive=no --threshold=100 "$WORK/$impl-$HI"/cg.* >"$WORK/ann-hi" 2>/dev/null
        top_functions "$WORK/ann-lo" "$WORK/ann-hi" "$((HI - LO))"
    done
fi
[ -z "$KEEP" ] || echo "callgrind output kept in $WORK"
