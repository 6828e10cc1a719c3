# What bench/callgrind.sh and bench/callgrind-loop.sh share: their common options and
# their defaults, the build of the programs they run (through bench/lib/ZMQRBench.pm, as
# bench/run.pl), the directory of callgrind's files and the per-function difference of two
# runs. Sourced first; then a script sets PROG (its name in messages), IMPLS (the default of
# --impl) and its own options, and calls parse_options.

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE=100
LO=20000
HI=120000
TOP=0
KEEP=
BUILD=1

# parse_options "$@": --impl, --size, --lo, --hi, --top, --keep, --no-build and --help;
# any other option goes to the script's own script_option OPTION VALUE, which returns 1
# for one it does not know. Then checks --lo and --hi and that valgrind is there.
parse_options() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --impl) IMPLS=$2; shift 2 ;;
            --size) SIZE=$2; shift 2 ;;
            --lo) LO=$2; shift 2 ;;
            --hi) HI=$2; shift 2 ;;
            --top) TOP=$2; shift 2 ;;
            --keep) KEEP=$2; shift 2 ;;
            --no-build) BUILD=0; shift ;;
            -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
            *)
                if [ $# -ge 2 ] && script_option "$1" "$2"; then
                    shift 2
                else
                    echo "$PROG: unknown option $1 (see --help)" >&2
                    exit 2
                fi ;;
        esac
    done
    [ "$HI" -gt "$LO" ] || { echo "$PROG: --hi must be larger than --lo" >&2; exit 2; }
    command -v valgrind >/dev/null || { echo "$PROG: valgrind is not installed" >&2; exit 1; }
}

# has_impl IMPL: whether IMPL is in --impl.
has_impl() {
    case ",$IMPLS," in *,"$1",*) return 0 ;; esac
    return 1
}

# drop_impl IMPL: leaves IMPL out of --impl.
drop_impl() {
    IMPLS=$(echo ",$IMPLS," | sed "s/,$1,/,/; s/^,//; s/,\$//")
}

# build_rust EXAMPLE: builds rust/core/examples/EXAMPLE.rs (cargo build --release --locked).
build_rust() {
    perl -I"$ROOT/bench/lib" -MZMQRBench=build_rust -e \
        'my $r = build_rust(0, @ARGV); $r eq "1" or die "$r\n"' "$1"
}

# build_c NAME: builds bench/bin/NAME from bench/c/NAME.c if it is older; fails without
# libzmq's headers.
build_c() {
    perl -I"$ROOT/bench/lib" -MZMQRBench=build_c -e \
        'my $r = build_c(0, @ARGV); $r eq "1" or die "$r\n"' "$1"
}

# make_work_dir: WORK, the directory of callgrind's files: --keep DIR, else a temporary
# directory removed at the end.
make_work_dir() {
    WORK=${KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/zmq-callgrind-XXXXXX")}
    mkdir -p "$WORK"
    [ -n "$KEEP" ] || trap 'rm -rf "$WORK"' EXIT
}

# top_functions ANNOTATED_LO ANNOTATED_HI N: from two outputs of
# `callgrind_annotate --inclusive=no`, the TOP functions whose self cost grew most from the
# --lo run to the --hi run, divided by N (hi - lo: per message).
top_functions() {
    perl -e '
        my ($lo_f, $hi_f, $n, $top) = @ARGV;
        my %c;
        for my $run ([$lo_f, -1], [$hi_f, 1]) {
            open my $fh, "<", $run->[0] or die "$run->[0]: $!";
            while (my $l = <$fh>) {
                next unless $l =~ /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.+?)\s*$/;
                my ($v, $fn) = ($1, $2);
                next if $fn eq "PROGRAM TOTALS";
                $v =~ tr/,//d;
                $fn =~ s/ \[.*\]$//;                                       # drop the object,
                $fn =~ s/^(?:\?\?\?|[^ ]*\.(?:c|S|h|cc|rs|xs)):(?!:)//;    # the source file
                $c{$fn} += $run->[1] * $v;
            }
        }
        my @f = sort { $c{$b} <=> $c{$a} } grep { $c{$_} > 0 } keys %c;
        splice @f, $top if @f > $top;
        printf "%10.1f  %s\n", $c{$_} / $n, $_ for @f;
    ' "$1" "$2" "$3" "$TOP"
}
