use strict;
use warnings;

use Test::More;
use FindBin ();
use File::Spec ();

# The engine's modules (rust/core/src) depend on each other without a circle: pipes at the
# bottom, io and ctx below the sockets. xt/import-cycles.pl lists the dependencies and exits
# non-zero when they form a circle; this runs it so that the suite guards the layering.

my $script = File::Spec->catfile( $FindBin::Bin, File::Spec->updir, 'xt', 'import-cycles.pl' );
ok( -f $script, 'xt/import-cycles.pl is there' ) or BAIL_OUT("no $script");

my $out = qx{"$^X" "$script" 2>&1};
my $status = $?;
is( $status >> 8, 0, 'no import circle among the engine modules' ) or diag($out);
unlike( $out, qr/^circle of/m, 'and it names none' );

done_testing;
