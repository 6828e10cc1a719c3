package ZMQRust::Toolchain;
# The Rust toolchain, for Makefile.PL (which builds the engine) and bench/lib/ZMQRBench.pm
# (which builds the bench examples). Part of the distribution, never installed.
use strict;
use warnings;
use Exporter qw(import);
use File::Spec;

our @EXPORT_OK = qw(find_cargo rustc_version);

# cargo: $CARGO, else the first on PATH, else ~/.cargo/bin/cargo ($CARGO_HOME/bin). Undef if
# there is none.
sub find_cargo {
    return $ENV{CARGO} if $ENV{CARGO} && -x $ENV{CARGO};
    for my $dir (File::Spec->path) {
        my $c = File::Spec->catfile($dir, 'cargo');
        return $c if -x $c;
    }
    my $home = $ENV{CARGO_HOME} || ($ENV{HOME} ? "$ENV{HOME}/.cargo" : undef);
    if ($home) {
        my $c = "$home/bin/cargo";
        return $c if -x $c;
    }
    return;
}

# `rustc -V` of the rustc beside $cargo (else the one on PATH); '' if it cannot be run.
sub rustc_version {
    my ($cargo) = @_;
    (my $rustc = $cargo // '') =~ s/cargo$/rustc/;
    $rustc = 'rustc' unless length $rustc && -x $rustc;
    my $v = `"$rustc" -V 2>/dev/null` // '';
    chomp $v;
    return $v;
}

1;
