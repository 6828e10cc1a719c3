#!/usr/bin/env perl
# Lists the module dependencies of the engine (rust/core/src) and fails if they form a circle.
#
#   perl xt/import-cycles.pl            # the circles, if any; exit 1 when there is one
#   perl xt/import-cycles.pl --edges    # also every file's dependencies
#
# A file depends on a module when it names it through `crate::` (in a use declaration or in a
# path); the module is the longest prefix of that path that is a file of the crate. Test
# modules (everything from a `#[cfg(test)]` line at the start of a line) and the crate root
# (lib.rs, which only declares and re-exports) are left out. The aim (DESIGN.md, layers
# without circles): pipes and their commands at the bottom, monitor as an event sink that
# imports neither ctx nor socket, io depending on the session/pipe interface, not on sockets.
use strict;
use warnings;
use File::Find ();
use File::Spec ();

my $show_edges = grep { $_ eq '--edges' } @ARGV;
my $root = File::Spec->catdir( ( File::Spec->splitpath( File::Spec->rel2abs($0) ) )[1], '..', 'rust', 'core', 'src' );

# module path ("io::session") => file
my %file;
File::Find::find( { no_chdir => 1, wanted => sub {
    return unless /\.rs\z/;
    my $rel = File::Spec->abs2rel( $_, $root );
    return if $rel eq 'lib.rs';
    ( my $mod = $rel ) =~ s{(?:/mod)?\.rs\z}{};
    $mod =~ s{/}{::}g;
    $file{$mod} = $_;
} }, $root );

# The module a `crate::a::b::c` path lands in.
sub module_of {
    my @parts = split /::/, shift;
    while (@parts) {
        my $m = join '::', @parts;
        return $m if $file{$m};
        pop @parts;
    }
    return;
}

my %deps;
for my $mod ( sort keys %file ) {
    open my $fh, '<', $file{$mod} or die "$file{$mod}: $!";
    my $text = '';
    while ( my $line = <$fh> ) {
        last if $line =~ /^#\[cfg\(test\)\]/;
        next if $line =~ m{^\s*//};
        $text .= $line;
    }
    my @paths;
    # use crate::{a, b::{c, d}} and use crate::a::b
    while ( $text =~ /\buse\s+crate::(\{(?:[^{}]++|(?1))*\}|[\w:]+)/g ) {
        my $tree = $1;
        if ( $tree =~ /^\{/ ) {
            push @paths, expand( '', $tree );
        }
        else { push @paths, $tree }
    }
    push @paths, $1 while $text =~ /\bcrate::((?:\w+::)*\w+)/g;
    for my $p (@paths) {
        my $m = module_of($p) or next;
        next if $m eq $mod || $mod =~ /^\Q$m\E::/;    # itself, or its own parent
        $deps{$mod}{$m} = 1;
    }
}

# Flattens a use-tree "{a, b::{c, d}}" under $prefix into paths.
sub expand {
    my ( $prefix, $tree ) = @_;
    $tree =~ s/^\{//;
    $tree =~ s/\}\z//;
    my ( @items, $depth, $cur ) = ( (), 0, '' );
    for my $ch ( split //, $tree ) {
        if ( $ch eq ',' && !$depth ) { push @items, $cur; $cur = ''; next }
        $depth++ if $ch eq '{';
        $depth-- if $ch eq '}';
        $cur .= $ch;
    }
    push @items, $cur;
    my @out;
    for my $it ( map { s/\s+//gr } @items ) {
        next unless length $it;
        if ( $it =~ /^([\w:]*?)::(\{.*\})\z/ ) {
            push @out, expand( $prefix . $1 . '::', $2 );
        }
        else { push @out, $prefix . $it }
    }
    return @out;
}

if ($show_edges) {
    printf "%-22s -> %s\n", $_, join( ' ', sort keys %{ $deps{$_} || {} } ) for sort keys %file;
    print "\n";
}

# Tarjan's strongly connected components: every component of more than one module is a circle.
my ( $index, %idx, %low, %on, @stack, @circles ) = (0);
sub visit {
    my ($v) = @_;
    $idx{$v} = $low{$v} = $index++;
    push @stack, $v;
    $on{$v} = 1;
    for my $w ( sort keys %{ $deps{$v} || {} } ) {
        if ( !defined $idx{$w} ) { visit($w); $low{$v} = $low{$w} if $low{$w} < $low{$v} }
        elsif ( $on{$w} ) { $low{$v} = $idx{$w} if $idx{$w} < $low{$v} }
    }
    if ( $low{$v} == $idx{$v} ) {
        my @c;
        while (1) {
            my $w = pop @stack;
            $on{$w} = 0;
            push @c, $w;
            last if $w eq $v;
        }
        push @circles, [ sort @c ] if @c > 1;
    }
}
visit($_) for grep { !defined $idx{$_} } sort keys %file;

if ( !@circles ) {
    print "no import circle among ", scalar( keys %file ), " modules\n";
    exit 0;
}
for my $c (@circles) {
    print "circle of ", scalar(@$c), " modules: @$c\n";
    for my $m (@$c) {
        my @in = grep { my $d = $_; grep { $_ eq $d } @$c } sort keys %{ $deps{$m} };
        print "  $m -> @in\n";
    }
}
exit 1;
