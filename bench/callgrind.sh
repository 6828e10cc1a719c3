#!/bin/sh
# Instructions (and heap calls) per message of PUSH/PULL over tcp, counted by
# valgrind --tool=callgrind: repeatable where timings on a shared VM are not.
#
#   bench/callgrind.sh                      # Rust core and C libzmq, tcp, 100 B
#   bench/callgrind.sh --size 1048576 --lo 200 --hi 1200
#   bench/callgrind.sh --impl rust --top 15 # also the 15 costliest functions per thread
#
# Options: --impl rust,c (default both; c needs libzmq3-dev), --transport tcp|ipc (tcp),
# --what push_pull|multipart (push_pull; multipart: 3 frames of --size bytes per message),
# --size B (100), --lo N and --hi N (message counts of the two runs: 20000 and 120000),
# --top K (also the K costliest functions of each thread, per message, by the same
# difference of the two runs),
# --keep DIR (keep the callgrind.out files there), --no-build, --rust-bin PATH (a bench_net
# built elsewhere, e.g. from a modified engine, instead of target/release/examples/).
#
# Each implementation runs twice under callgrind (rust/core/examples/bench_net.rs or
# bench/bin/net_thr, --what push_pull, both processes traced with --trace-children=yes, one
# output file per thread). The figures are the differences between the two runs divided by
# hi - lo, so start-up, connection, handshake and teardown cancel out: what remains is the
# cost of one more message, per process (receiver = PULL, binds; sender = PUSH, connects) and
# thread (app = the thread calling send/recv; io = the I/O thread; libzmq's reaper thread is
# left out: it does nothing per message).
#
# Valgrind runs one thread of a process at a time, so batching differs from a real run (the
# figures are those of two single-CPU processes); counts vary by a few % between runs for the
# Rust engine (thread interleaving), by < 0.5 % for libzmq.
set -eu

. "$(dirname "$0")/lib/callgrind.sh"
PROG=callgrind.sh
IMPLS=rust,c
TRANSPORT=tcp
WHAT=push_pull
RUST_BIN_OPT=
script_option() {
    case "$1" in
        --transport) TRANSPORT=$2 ;;
        --what) WHAT=$2 ;;
        --rust-bin) RUST_BIN_OPT=$2 ;;
        *) return 1 ;;
    esac
}
parse_options "$@"

RUST_BIN=${RUST_BIN_OPT:-$ROOT/target/release/examples/bench_net}
C_BIN=$ROOT/bench/bin/net_thr
if [ "$BUILD" = 1 ]; then
    if has_impl rust && [ -z "$RUST_BIN_OPT" ]; then
        build_rust bench_net
    fi
    if has_impl c; then
        build_c net_thr ||
            { echo "$PROG: cannot build the C harness (libzmq3-dev?)" >&2; drop_impl c; }
    fi
fi
make_work_dir

# run IMPL N: callgrind over one measurement of N messages, output in $WORK/IMPL-N/
run() {
    impl=$1 n=$2
    bin=$RUST_BIN
    [ "$impl" = c ] && bin=$C_BIN
    dir=$WORK/$impl-$n
    rm -rf "$dir"
    mkdir -p "$dir"
    valgrind --tool=callgrind --trace-children=yes --separate-threads=yes \
        --callgrind-out-file="$dir/cg.%p" "$bin" --transport "$TRANSPORT" --what "$WHAT" \
        --sizes "$SIZE" --msgs "$n" >"$dir/out" 2>"$dir/valgrind.log" ||
        { echo "callgrind.sh: $impl run failed, see $dir/valgrind.log" >&2; cat "$dir/out" >&2; exit 1; }
    grep -q "^$WHAT .* lost=0 bad=0" "$dir/out" ||
        { echo "callgrind.sh: $impl run lost messages:" >&2; cat "$dir/out" >&2; exit 1; }
}

# summary IMPL N: one line per thread file, "role thread Ir heapcalls frees"
summary() {
    perl -e '
        for my $f (@ARGV) {
            open my $fh, "<", $f or die "$f: $!";
            my ($role, $thread, $ir, %name, $cfn, %calls) = ("receiver", 0, 0);
            while (<$fh>) {
                if (/^cmd:.*--role (send|echo)/) { $role = "sender" }
                elsif (/^thread: (\d+)/) { $thread = $1 }
                elsif (/^totals: (\d+)/) { $ir = $1 }
                elsif (/^cfn=\((\d+)\)(?: (.*))?$/) {
                    $name{$1} = $2 if defined $2;
                    $cfn = $name{$1} // "";
                    $cfn =~ s/\x27\d+$//;
                }
                elsif (/^fn=\((\d+)\) (.*)$/) { $name{$1} = $2 }
                elsif (/^calls=(\d+)/) { $calls{$cfn} += $1 }
            }
            next unless $ir;
            my $alloc = 0;
            $alloc += $calls{$_} // 0 for qw(malloc calloc realloc posix_memalign aligned_alloc memalign);
            print join(" ", $role, $thread, $ir, $alloc, $calls{free} // 0), "\n";
        }' "$WORK/$1-$2"/cg.*-*
}

echo "callgrind: $TRANSPORT PUSH/PULL $WHAT $SIZE B, sender and receiver in two processes;"
echo "per message = (run of $HI messages - run of $LO messages) / $((HI - LO))"
printf '%-6s %-9s %-7s %12s %12s %12s\n' impl process thread 'instr/msg' 'allocs/msg' 'frees/msg'
for impl in $(echo "$IMPLS" | tr ',' ' '); do
    run "$impl" "$LO"
    run "$impl" "$HI"
    summary "$impl" "$LO" >"$WORK/$impl-lo.sum"
    summary "$impl" "$HI" >"$WORK/$impl-hi.sum"
    label=$impl
    [ "$impl" = rust ] && label="Rust core"
    [ "$impl" = c ] && label="C libzmq"
    perl -e '
        my ($impl, $lo_f, $hi_f, $n) = @ARGV;
        my (%lo, %hi);
        for my $run ([$lo_f, \%lo], [$hi_f, \%hi]) {
            open my $fh, "<", $run->[0] or die "$run->[0]: $!";
            while (my $l = <$fh>) { my ($r, $t, @v) = split " ", $l; $run->[1]{"$r $t"} = \@v }
        }
        # Thread 1 is the app thread; the I/O thread is the busiest of the others (libzmq
        # also has a reaper thread, which does nothing per message).
        my @tot = (0, 0, 0);
        for my $role (qw(receiver sender)) {
            my @threads = sort { $a <=> $b } map { /^$role (\d+)$/ ? $1 : () } keys %hi;
            my ($io) = sort { $hi{"$role $b"}[0] <=> $hi{"$role $a"}[0] } grep { $_ != 1 } @threads;
            for my $t (1, $io) {
                next unless defined $t && $lo{"$role $t"};
                my @d = map { ($hi{"$role $t"}[$_] - $lo{"$role $t"}[$_]) / $n } 0 .. 2;
                $_ = 0 for grep { abs($_) < 0.005 } @d;    # no "-0.00"
                $tot[$_] += $d[$_] for 0 .. 2;
                printf "%-6s %-9s %-7s %12.0f %12.2f %12.2f\n", $impl, $role,
                    $t == 1 ? "app" : "io", @d;
            }
        }
        printf "%-6s %-9s %-7s %12.0f %12.2f %12.2f\n", $impl, "total", "", @tot;
    ' "$impl" "$WORK/$impl-lo.sum" "$WORK/$impl-hi.sum" "$((HI - LO))"
done

if [ "$TOP" -gt 0 ] && command -v callgrind_annotate >/dev/null; then
    # Per function: (self cost in the --hi run - self cost in the --lo run) / (hi - lo).
    for impl in $(echo "$IMPLS" | tr ',' ' '); do
        for f in "$WORK/$impl-$HI"/cg.*-*; do
            # Threads with no per-message work (libzmq's reaper) are left out.
            [ "$(sed -n 's/^totals: //p' "$f")" -ge $((HI * 10)) ] || continue
            role=receiver
            grep -q -- '--role send' "$f" && role=sender
            t=$(sed -n 's/^thread: //p' "$f")
            lo=$(grep -l "^thread: $t\$" "$WORK/$impl-$LO"/cg.*-* | while read -r g; do
                if grep -q -- '--role send' "$g"; then r=sender; else r=receiver; fi
                if [ "$r" = "$role" ]; then echo "$g"; fi; done)
            [ -n "$lo" ] || continue
            tname=app
            [ "$t" = 1 ] || tname=io
            echo
            echo "== $impl $role $tname: top $TOP functions, self instructions per message"
            callgrind_annotate --inclusive=no --threshold=100 "$lo" >"$WORK/ann-lo" 2>/dev/null
            callgrind_annotate --inclusive=no --threshold=100 "$f" >"$WORK/ann-hi" 2>/dev/null
            top_functions "$WORK/ann-lo" "$WORK/ann-hi" "$((HI - LO))"
        done
    done
fi
[ -z "$KEEP" ] || echo "callgrind output kept in $WORK"
