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

ROOT=$(cd "$(dirname "$0")/.." && pwd)
IMPLS=perl,ffi,rust,c
SIZE=100
LO=20000
HI=120000
TOP=0
KEEP=
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --impl) IMPLS=$2; shift 2 ;;
        --size) SIZE=$2; shift 2 ;;
        --lo) LO=$2; shift 2 ;;
        --hi) HI=$2; shift 2 ;;
        --top) TOP=$2; shift 2 ;;
        --keep) KEEP=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "callgrind-loop.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ "$HI" -gt "$LO" ] || { echo "callgrind-loop.sh: --hi must be larger than --lo" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "callgrind-loop.sh: valgrind is not installed" >&2; exit 1; }

RUST_BIN=$ROOT/target/release/examples/bench_inproc
C_BIN=$ROOT/bench/bin/inproc_thr
if [ "$BUILD" = 1 ]; then
    case ",$IMPLS," in *,rust,*)
        cargo build --release --locked --quiet -p zmq-rust-core --example bench_inproc \
            --manifest-path "$ROOT/Cargo.toml" --target-dir "$ROOT/target" ;;
    esac
    case ",$IMPLS," in *,c,*)
        if [ ! -x "$C_BIN" ] || [ "$ROOT/bench/c/inproc_thr.c" -nt "$C_BIN" ]; then
            mkdir -p "$ROOT/bench/bin"
            ${CC:-cc} -O2 -o "$C_BIN" "$ROOT/bench/c/inproc_thr.c" -lzmq -lpthread ||
                { echo "callgrind-loop.sh: cannot build the C harness (libzmq3-dev?)" >&2;
                  IMPLS=$(echo ",$IMPLS," | sed 's/,c,/,/; s/^,//; s/,$//'); }
        fi ;;
    esac
fi
case ",$IMPLS," in *,perl,*)
    [ -f "$ROOT/blib/arch/auto/ZMQ/Rust/Rust.so" ] ||
        { echo "callgrind-loop.sh: build the module first (perl Makefile.PL && make)" >&2; exit 1; } ;;
esac
case ",$IMPLS," in *,ffi,*)
    perl -MZMQ::FFI -e1 2>/dev/null ||
        { echo "callgrind-loop.sh: ZMQ::FFI is not installed, leaving it out" >&2;
          IMPLS=$(echo ",$IMPLS," | sed 's/,ffi,/,/; s/^,//; s/,$//'); } ;;
esac

WORK=${KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/zmq-callgrind-XXXXXX")}
mkdir -p "$WORK"
[ -n "$KEEP" ] || trap 'rm -rf "$WORK"' EXIT

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
        perl -e '
            my ($lo_f, $hi_f, $n, $top) = @ARGV;
            my %c;
            for my $run ([$lo_f, -1], [$hi_f, 1]) {
                open my $fh, "<", $run->[0] or die;
                while (my $l = <$fh>) {
                    next unless $l =~ /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.+?)\s*$/;
                    my ($v, $fn) = ($1, $2);
                    next if $fn eq "PROGRAM TOTALS";
                    $v =~ tr/,//d;
                    $fn =~ s/ \[.*\]$//;
                    $fn =~ s/^(?:\?\?\?|[^ ]*\.(?:c|S|h|cc|rs|xs)):(?!:)//;
                    $c{$fn} += $run->[1] * $v;
                }
            }
            my @f = sort { $c{$b} <=> $c{$a} } grep { $c{$_} > 0 } keys %c;
            splice @f, $top if @f > $top;
            printf "%10.1f  %s\n", $c{$_} / $n, $_ for @f;
        ' "$WORK/ann-lo" "$WORK/ann-hi" "$((HI - LO))" "$TOP"
    done
fi
[ -z "$KEEP" ] || echo "callgrind output kept in $WORK"
