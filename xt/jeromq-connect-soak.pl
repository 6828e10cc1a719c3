#!/usr/bin/perl
# The long version of t/77-jeromq-connect.t: a JeroMQ peer connects to a bound ZMQ::Rust socket
# thousands of times, with the machine kept busy, and every connection must carry a message
# each way. Prints, per socket pair, the connections made, the stalls (no message within --ms)
# and the connections JeroMQ had to make twice (its connect race, zeromq/jeromq#1022, ended by
# its handshake timer). Exits 1 if anything stalled.
#
#   perl Makefile.PL && make && .ci/jeromq.sh
#   perl -Mblib xt/jeromq-connect-soak.pl [--rounds 1000] [--pairs DEALER-DEALER,PUB-SUB]
#       [--handshake-ivl 1000 | 0] [--shared-context] [--fresh-jvm] [--load N] [--ms 5000]
#
# --handshake-ivl 0 leaves JeroMQ's default (30 s): a raced connection then needs 30 s, so use
# a --ms above that. --shared-context puts every JeroMQ socket in one context (JeroMQ's race
# is rare there); the default gives each its own, as t/77 does. --fresh-jvm starts a JVM per
# connection (about 0.4 s each), the way a JeroMQ program that starts, connects and exits
# meets ZMQ::Rust.

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../t/lib";
use Getopt::Long qw(GetOptions);
use Time::HiRes qw(time);
use ZMQ::Rust;
use ZMQRTest::JeroMQ;
use ZMQRTest::JeroMQConnect;

my %o = ( rounds => 1000, ms => 5000, 'handshake-ivl' => 1000 );
GetOptions( \%o, 'rounds=i', 'pairs=s', 'handshake-ivl=i', 'shared-context', 'fresh-jvm', 'load=i', 'ms=i',
    'stop-after=i' )
    or die "usage: see the comment at the top of $0\n";
my @pairs = $o{pairs} ? split( /,/, $o{pairs} ) : @ZMQRTest::JeroMQConnect::PAIRS;

my ( $v, $why ) = ZMQRTest::JeroMQ->probe;
die "no JeroMQ peer: $why\n" unless $v;
printf "JeroMQ %s, ZMQ::Rust %s; %d rounds per pair; JeroMQ handshake interval %s; %s; %s\n", $v,
    $ZMQ::Rust::VERSION, $o{rounds}, $o{'handshake-ivl'} ? "$o{'handshake-ivl'} ms" : 'default (30 s)',
    $o{'shared-context'} ? 'one JeroMQ context' : 'a JeroMQ context per socket',
    $o{'fresh-jvm'} ? 'a JVM per connection' : 'one JVM';

my $ctx  = ZMQ::Rust->new;
my $loop = ZMQRTest::JeroMQConnect->new(
    ctx           => $ctx,
    ms            => $o{ms},
    own_context   => !$o{'shared-context'},
    handshake_ivl => $o{'handshake-ivl'} || undef,
    fresh_jvm     => $o{'fresh-jvm'},
    jvm_deadline  => 86400,
);
my $load = ZMQRTest::JeroMQConnect->start_load( $o{load}, 86400 );
print "$load busy processes in the background\n";

my $failed = 0;
printf "%-14s %8s %7s %8s %9s\n", 'pair', 'conns', 'stalls', 'retried', 'seconds';
for my $pair (@pairs) {
    my ( $n, $stalls, $retried, $t ) = ( 0, 0, 0, time );
    for my $i ( 1 .. $o{rounds} ) {
        my $r = $loop->round( $pair, $i );
        $n++;
        $retried++ if $r->{accepted} > 1;
        if ( length $r->{why} ) {
            $stalls++;
            printf "  %s #%d: %s after %.1f s (%d accepted)\n", $pair, $i, $r->{why}, $r->{secs}, $r->{accepted};
            last if $o{'stop-after'} && $stalls >= $o{'stop-after'};
        }
    }
    printf "%-14s %8d %7d %8d %9.1f\n", $pair, $n, $stalls, $retried, time - $t;
    $failed += $stalls;
}
ZMQRTest::JeroMQConnect->stop_load;
$loop->finish;
$ctx->destroy;
exit( $failed ? 1 : 0 );
