package ZMQ::Rust::Certificate;
use strict;
use warnings;
use Carp ();
use Fcntl ();
use File::Basename ();
use POSIX ();
use ZMQ::Rust ();
use ZMQ::Rust::Constants ();

our $VERSION = '0.01';

# CURVE certificates in czmq's file format (zcert, ZPL = ZeroMQ RFC 4): a public file and a
# "_secret" file beside it, each with header comments, a metadata section and a curve section.

my $Z85_KEY  = qr/\A[0-9a-zA-Z.\-:+=^!\/*?&<>()\[\]{}\@%\$#]{40}\z/;
my $NAMECHAR = qr/[A-Za-z0-9\$\-_\@.&+\/]/;

my @PUBLIC_BANNER = (
    'ZeroMQ CURVE Public Certificate',
    'Exchange securely, or use a secure mechanism to verify the contents',
    'of this file after exchange. Store public certificates in your home',
    'directory, in the .curve subdirectory.',
);
my @SECRET_BANNER = (
    'ZeroMQ CURVE **Secret** Certificate',
    'DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.',
);

# -- construction ------------------------------------------------------------------------------

sub new {
    my ( $class, %args ) = @_;
    my @unknown = grep { !/\A(?:public|secret|meta)\z/ } sort keys %args;
    Carp::croak( "ZMQ::Rust::Certificate->new: unknown argument '$unknown[0]'"
            . ' (known: public, secret, meta)' )
        if @unknown;
    my ( $public, $secret ) = @args{qw(public secret)};
    ( $public, $secret ) = ZMQ::Rust::curve_keypair() unless defined $public || defined $secret;

    my $self = bless { meta => [], meta_value => {} }, $class;
    $self->{secret} = _key( 'secret', $secret, sub { "ZMQ::Rust::Certificate->new: $_[0]" } )
        if defined $secret;
    $public = ZMQ::Rust::curve_public( ZMQ::Rust::z85_encode( $self->{secret} ) )
        unless defined $public;
    $self->{public} = _key( 'public', $public, sub { "ZMQ::Rust::Certificate->new: $_[0]" } );
    $self->_check_pair( sub { "ZMQ::Rust::Certificate->new: $_[0]" } );

    my $meta = $args{meta};
    if ( defined $meta ) {
        my @pairs
            = ref $meta eq 'HASH'  ? map { ( $_ => $meta->{$_} ) } sort keys %$meta
            : ref $meta eq 'ARRAY' ? @$meta
            : Carp::croak('ZMQ::Rust::Certificate->new: meta must be a hash or array reference');
        Carp::croak('ZMQ::Rust::Certificate->new: meta needs name => value pairs')
            if @pairs % 2;
        while ( my ( $name, $value ) = splice @pairs, 0, 2 ) {
            $self->set_meta( $name, $value );
        }
    }
    return $self;
}

# A key given as 32 bytes or 40 Z85 characters (41 with libzmq's trailing NUL), as 32 bytes;
# $err turns a problem into the message to croak with.
sub _key {
    my ( $what, $value, $err ) = @_;
    Carp::croak( $err->("the $what key is a reference, not a key") ) if ref $value;
    Carp::croak( $err->("the $what key has wide characters (not bytes or Z85 text)") )
        if utf8::is_utf8($value) && !utf8::downgrade( my $copy = $value, 1 );
    utf8::downgrade( $value = "$value", 1 );
    return $value if length $value == 32;
    ( my $text = $value ) =~ s/\0\z//;
    Carp::croak( $err->( "the $what key must be 32 bytes or 40 Z85 characters, got "
                . length($value)
                . ( length $value == 1 ? ' byte' : ' bytes' ) ) )
        unless length $text == 40;
    Carp::croak( $err->("the $what key is not Z85 text: '$text'") ) unless $text =~ $Z85_KEY;
    my $bin = eval { ZMQ::Rust::z85_decode($text) };
    Carp::croak( $err->("the $what key is not valid Z85: '$text' (a group is above 2**32 - 1)") )
        unless defined $bin && length $bin == 32;
    return $bin;
}

sub _check_pair {
    my ( $self, $err ) = @_;
    return unless defined $self->{secret};
    my $derived = ZMQ::Rust::curve_public( ZMQ::Rust::z85_encode( $self->{secret} ) );
    Carp::croak( $err->( 'the secret key does not belong to the public key ' . $self->public_txt
                . " (its public key is $derived)" ) )
        unless $derived eq $self->public_txt;
}

# -- accessors ---------------------------------------------------------------------------------

sub public_key { return $_[0]{public} }
sub secret_key { return $_[0]{secret} }
sub public_txt { return ZMQ::Rust::z85_encode( $_[0]{public} ) }

sub secret_txt {
    return defined $_[0]{secret} ? ZMQ::Rust::z85_encode( $_[0]{secret} ) : undef;
}

sub has_secret { return defined $_[0]{secret} }

sub meta {
    my ( $self, $name ) = @_;
    return $self->{meta_value}{$name};
}

sub meta_keys { return @{ $_[0]{meta} } }

sub set_meta {
    my ( $self, $name, $value ) = @_;
    my $problem = _meta_problem( $name, $value );
    Carp::croak("ZMQ::Rust::Certificate->set_meta: $problem") if $problem;
    push @{ $self->{meta} }, $name unless exists $self->{meta_value}{$name};
    $self->{meta_value}{$name} = "$value";
    return $self;
}

sub unset_meta {
    my ( $self, $name ) = @_;
    return $self unless defined $name && exists $self->{meta_value}{$name};
    delete $self->{meta_value}{$name};
    @{ $self->{meta} } = grep { $_ ne $name } @{ $self->{meta} };
    return $self;
}

# Why ($name, $value) cannot be certificate metadata, or undef. Names are ZPL names; values
# go on one line between quotes ($reading: as a file has them, where any one-line value is
# fine).
sub _meta_problem {
    my ( $name, $value, $reading ) = @_;
    return 'the metadata name is undefined' unless defined $name;
    return "the metadata name '$name' is not a ZPL name (letters, digits and \$ - _ \@ . & + /,"
        . " no / at either end)"
        unless $name =~ /\A$NAMECHAR+\z/ && $name !~ m{\A/|/\z};
    return "the value of metadata '$name' is undefined" unless defined $value;
    return "the value of metadata '$name' is a reference" if ref $value;
    return "the value of metadata '$name' has wide characters (encode it to bytes first)"
        if $value =~ /[^\x00-\xff]/;
    return "the value of metadata '$name' spans lines or has a NUL byte"
        if $value =~ /[\r\n\0]/;
    return "the value of metadata '$name' has both quote characters, which ZPL cannot hold"
        if $value =~ /"/ && $value =~ /'/ && !$reading;
    return undef;
}

# -- writing -----------------------------------------------------------------------------------

sub save {
    my ( $self, $path ) = @_;
    Carp::croak('ZMQ::Rust::Certificate->save: a path is needed') unless defined $path;
    $self->save_public($path);
    $self->save_secret("${path}_secret") if defined $self->{secret};
    return $self;
}

sub save_public {
    my ( $self, $path ) = @_;
    Carp::croak('ZMQ::Rust::Certificate->save_public: a path is needed') unless defined $path;
    _write_file( $path, 0666, $self->_text( \@PUBLIC_BANNER, 0 ) );
    return $self;
}

sub save_secret {
    my ( $self, $path ) = @_;
    Carp::croak('ZMQ::Rust::Certificate->save_secret: a path is needed') unless defined $path;
    Carp::croak("ZMQ::Rust::Certificate->save_secret: $path: this certificate has no secret key")
        unless defined $self->{secret};
    _write_file( $path, 0600, $self->_text( \@SECRET_BANNER, 1 ) );
    return $self;
}

# The file text as czmq's zcert_save writes it (zconfig_save: comments, a blank line, then
# sections indented 4 spaces per level, values in double quotes).
sub _text {
    my ( $self, $banner, $with_secret ) = @_;
    my $stamp = POSIX::strftime( '%Y-%m-%d %H:%M:%S', localtime );
    my $text = join '', map {"#   $_\n"}
        "****  Generated on $stamp by ZMQ::Rust  ****", @$banner;
    $text .= "\nmetadata\n";
    for my $name ( @{ $self->{meta} } ) {
        my $value   = $self->{meta_value}{$name};
        my $problem = _meta_problem( $name, $value );
        Carp::croak("ZMQ::Rust::Certificate: cannot save: $problem") if $problem;
        my $q     = $value =~ /"/ ? "'" : '"';
        $text .= "    $name = $q$value$q\n";
    }
    $text .= "curve\n";
    $text .= '    public-key = "' . $self->public_txt . "\"\n";
    $text .= '    secret-key = "' . $self->secret_txt . "\"\n" if $with_secret;
    return $text;
}

# Writes $text to $path through a new file beside it, created with $mode (less the umask),
# then renamed over $path, so a secret file is never readable by others, even for a moment.
sub _write_file {
    my ( $path, $mode, $text ) = @_;
    my $dir = File::Basename::dirname($path);
    my ( $tmp, $fh );
    for my $try ( 1 .. 100 ) {
        $tmp = sprintf '%s/.%s.%d.%d.tmp', $dir, File::Basename::basename($path), $$, int rand 1e9;
        last if sysopen $fh, $tmp, Fcntl::O_WRONLY() | Fcntl::O_CREAT() | Fcntl::O_EXCL(), $mode;
        Carp::croak("ZMQ::Rust::Certificate: cannot write $path: $!") unless $!{EEXIST};
        undef $fh;
    }
    Carp::croak("ZMQ::Rust::Certificate: cannot write $path: no free temporary name") unless $fh;
    binmode $fh;
    my $ok = ( print {$fh} $text ) && close $fh;
    my $err = $!;
    $ok &&= rename $tmp, $path or $err = $!;
    unless ($ok) {
        unlink $tmp;
        Carp::croak("ZMQ::Rust::Certificate: cannot write $path: $err");
    }
    return 1;
}

# -- reading -----------------------------------------------------------------------------------

# As czmq's zcert_load: "$path_secret" when it exists (it holds both keys and the metadata),
# else $path.
sub load {
    my ( $class, $path ) = @_;
    Carp::croak('ZMQ::Rust::Certificate->load: a path is needed') unless defined $path;
    my $file = -e "${path}_secret" ? "${path}_secret" : $path;
    return $class->load_file($file);
}

# One certificate file, public or secret, as it is.
sub load_file {
    my ( $class, $file ) = @_;
    Carp::croak('ZMQ::Rust::Certificate->load_file: a path is needed') unless defined $file;
    open my $fh, '<:raw', $file
        or Carp::croak("ZMQ::Rust::Certificate: cannot read $file: $!");
    my $text = do { local $/; <$fh> };
    close $fh;
    Carp::croak("ZMQ::Rust::Certificate: cannot read $file: $!") unless defined $text;
    return $class->from_string( $text, $file );
}

# A certificate from the text of a file; $name (default "string") names it in errors.
sub from_string {
    my ( $class, $text, $name ) = @_;
    $name = 'string' unless defined $name;
    my $root = _parse_zpl( $text, $name );
    my $err_at = sub {
        my ( $line, $msg ) = @_;
        Carp::croak( "ZMQ::Rust::Certificate: $name" . ( $line ? " line $line" : '' ) . ": $msg" );
    };

    my $curve = _child( $root, 'curve' )
        or $err_at->( 0, 'no curve section (not a CURVE certificate)' );
    my $pub = _child( $curve, 'public-key' )
        or $err_at->( $curve->{line}, 'no public-key in the curve section' );
    my $sec = _child( $curve, 'secret-key' );
    my $self = bless { meta => [], meta_value => {} }, $class;
    for ( [ public => $pub ], [ secret => $sec ] ) {
        my ( $what, $node ) = @$_;
        next unless $node;
        my $v = $node->{value};
        $err_at->( $node->{line}, "$what-key must be 40 Z85 characters, got " . length($v) )
            unless length $v == 40;
        $self->{$what} = _key( $what, $v, sub { $err_at->( $node->{line}, "$what-key: $_[0]" ) } );
    }
    $self->_check_pair( sub { $err_at->( $sec->{line}, $_[0] ) } );

    if ( my $meta = _child( $root, 'metadata' ) ) {
        for my $item ( @{ $meta->{children} } ) {
            $err_at->( $item->{line}, "metadata '$item->{name}' appears twice" )
                if exists $self->{meta_value}{ $item->{name} };
            push @{ $self->{meta} }, $item->{name};
            $self->{meta_value}{ $item->{name} } = $item->{value};
        }
    }
    return $self;
}

sub _child {
    my ( $node, $name ) = @_;
    for ( @{ $node->{children} } ) { return $_ if $_->{name} eq $name }
    return undef;
}

# ZPL (ZeroMQ RFC 4) as czmq's zconfig reads it: '#' comments and blank lines anywhere; each
# level indented exactly 4 spaces more than its parent; "name", "name = value",
# "name = \"value\"" or "name = 'value'"; a name is letters, digits and $ - _ @ . & + /, with
# no '/' at either end. Returns the root node {children => [{name, value, line, children}]}.
# A name that appears twice keeps both nodes; the first is the one read.
sub _parse_zpl {
    my ( $text, $file ) = @_;
    my $root  = { name => '', value => '', line => 0, children => [] };
    my @stack = ($root);    # $stack[$level] is the node that level's lines go into
    my $n     = 0;
    for my $line ( split /\n/, $text ) {
        $n++;
        $line =~ s/\r\z//;
        next if $line =~ /\A\s*(?:#|\z)/;
        my $fail = sub { Carp::croak("ZMQ::Rust::Certificate: $file line $n: $_[0]") };
        my ($indent) = $line =~ /\A([ \t]*)/;
        $fail->('a tab in the indentation (ZPL indents with 4 spaces per level)')
            if $indent =~ /\t/;
        $fail->( 'indentation of ' . length($indent) . ' spaces (ZPL indents 4 spaces per level)' )
            if length($indent) % 4;
        my $level = length($indent) / 4;
        $fail->("indented more than one level below the line before")
            if $level > $#stack;
        my $rest = substr $line, length $indent;
        my ($name) = $rest =~ /\A($NAMECHAR+)/;
        $fail->( "'" . substr( $rest, 0, 1 ) . "' cannot start a name" ) unless defined $name;
        $fail->("'/' at the start or end of the name '$name'") if $name =~ m{\A/|/\z};
        $rest = substr $rest, length $name;
        my $value = '';
        if ( $rest =~ s/\A\s*=\s*// ) {
            if ( $rest =~ /\A(["'])/ ) {
                my $q = $1;
                $rest =~ s/\A$q([^$q]*)$q//
                    or $fail->("missing closing $q in the value of '$name'");
                $value = $1;
                $fail->("unexpected text after the value of '$name': '$rest'")
                    unless $rest =~ /\A\s*(?:#|\z)/;
            }
            else {
                ( $value = $rest ) =~ s/\s*(?:#.*)?\z//s;
            }
        }
        elsif ( $rest !~ /\A\s*(?:#|\z)/ ) {
            $fail->("unexpected text after the name '$name': '$rest'");
        }
        my $node = { name => $name, value => $value, line => $n, children => [] };
        push @{ $stack[$level]{children} }, $node;
        $#stack = $level;
        push @stack, $node;
    }
    return $root;
}

# -- sockets -----------------------------------------------------------------------------------

sub apply {
    my ( $self, $socket ) = @_;
    Carp::croak('ZMQ::Rust::Certificate->apply: a socket is needed') unless ref $socket;
    $socket->set( ZMQ::Rust::Constants::ZMQ_CURVE_PUBLICKEY(), 'binary', $self->{public} );
    Carp::croak('ZMQ::Rust::Certificate->apply: this certificate has no secret key')
        unless defined $self->{secret};
    $socket->set( ZMQ::Rust::Constants::ZMQ_CURVE_SECRETKEY(), 'binary', $self->{secret} );
    return $self;
}

sub equals {
    my ( $self, $other ) = @_;
    return ref $other
        && $self->{public} eq $other->{public}
        && ( defined $self->{secret} ? $self->{secret} : '' )
        eq ( defined $other->{secret} ? $other->{secret} : '' );
}

# ================================================================================================

package ZMQ::Rust::Certificate::Store;
use strict;
use warnings;
use Carp ();
use File::Find ();

our $VERSION = '0.01';

# czmq's zcertstore over a directory: every public certificate file of the tree, keyed by
# public key, reloaded when the tree changed.

sub new {
    my ( $class, $dir ) = @_;
    Carp::croak('ZMQ::Rust::Certificate::Store->new: a directory is needed') unless defined $dir;
    Carp::croak("ZMQ::Rust::Certificate::Store->new: $dir is not a directory") unless -d $dir;
    my $self = bless { dir => $dir, inserted => {} }, $class;
    $self->reload;
    return $self;
}

sub directory { return $_[0]{dir} }

# The tree's regular files that may hold public certificates, and a stamp of the tree
# (newest modification time, number of files and their total size) that changes with them.
sub _scan {
    my ($self) = @_;
    my ( $newest, $count, $size, @files ) = ( 0, 0, 0 );
    File::Find::find(
        {   no_chdir => 1,
            wanted   => sub {
                my @st = lstat $_ or return;
                $newest = $st[9] if $st[9] > $newest;
                return unless -f _;
                $count++;
                $size += $st[7];
                push @files, $_ unless /_secret\z/;
            },
        },
        $self->{dir}
    );
    return ( [ sort @files ], join ':', $newest, $count, $size );
}

sub reload {
    my ($self) = @_;
    Carp::croak("ZMQ::Rust::Certificate::Store: directory $self->{dir} is gone")
        unless -d $self->{dir};
    my ( $files, $stamp ) = $self->_scan;
    my ( %certs, %file, @skipped );
    for my $path (@$files) {
        my $cert = eval { ZMQ::Rust::Certificate->load_file($path) };
        unless ($cert) {
            ( my $why = $@ ) =~ s/ at \S+ line \d+\.?\n\z//;
            push @skipped, [ $path, $why ];
            next;
        }
        my $key = $cert->public_txt;
        if ( $file{$key} ) {
            push @skipped, [ $path, "same public key as $file{$key}" ];
            next;
        }
        $certs{$key} = $cert;
        $file{$key}  = $path;
    }
    @$self{qw(certs file skipped stamp)} = ( \%certs, \%file, \@skipped, $stamp );
    return $self;
}

# Reloads when the directory tree changed since the last load; true when it did.
sub refresh {
    my ($self) = @_;
    return 0 unless -d $self->{dir};
    my ( undef, $stamp ) = $self->_scan;
    return 0 if $stamp eq $self->{stamp};
    $self->reload;
    return 1;
}

sub lookup {
    my ( $self, $key ) = @_;
    return undef unless defined $key;
    $key = ZMQ::Rust::z85_encode($key) if length $key == 32;
    $key =~ s/\0\z//;
    $self->refresh;
    return $self->{certs}{$key} || $self->{inserted}{$key};
}

sub insert {
    my ( $self, $cert ) = @_;
    Carp::croak('ZMQ::Rust::Certificate::Store->insert: a ZMQ::Rust::Certificate is needed')
        unless ref $cert && eval { $cert->isa('ZMQ::Rust::Certificate') };
    $self->{inserted}{ $cert->public_txt } = $cert;
    return $self;
}

sub certificates {
    my ($self) = @_;
    $self->refresh;
    my %all = ( %{ $self->{inserted} }, %{ $self->{certs} } );
    return map { $all{$_} } sort keys %all;
}

sub file_of {
    my ( $self, $key ) = @_;
    return $self->{file}{$key};
}

sub skipped { return map { [@$_] } @{ $_[0]{skipped} } }

1;
__END__

=head1 NAME

ZMQ::Rust::Certificate - CURVE certificates in czmq's file format, and a certificate store

=head1 SYNOPSIS

    use ZMQ::Rust::Certificate;

    # A new key pair, with metadata, saved as client.cert and client.cert_secret (mode 0600).
    my $cert = ZMQ::Rust::Certificate->new;
    $cert->set_meta( name => 'test client' );
    $cert->save('client.cert');

    # Read back: client.cert_secret when it exists, else client.cert.
    my $again = ZMQ::Rust::Certificate->load('client.cert');
    print $again->public_txt, "\n";          # 40 Z85 characters
    my $raw = $again->secret_key;            # 32 bytes
    print $again->meta('name'), "\n";

    # Known keys (Z85 or 32 bytes); the public key can be left out.
    my $server = ZMQ::Rust::Certificate->new(
        secret => 'JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6',
        meta   => [ name => 'server' ],
    );

    # Every public certificate in a directory tree, keyed by public key.
    my $store = ZMQ::Rust::Certificate::Store->new('.curve');
    if ( my $known = $store->lookup($client_public_z85) ) { ... }

=head1 DESCRIPTION

A CURVE certificate is a key pair (the secret key may be absent) with metadata. This module
reads and writes the certificate files of czmq's C<zcert> (czmq 4.2), which are also what
pyzmq's C<zmq.auth.load_certificate> reads, and loads directories of them as czmq's
C<zcertstore> does. It is pure Perl; the keys come from L<ZMQ::Rust>'s C<curve_keypair>,
C<curve_public> and Z85 functions.

ZMQ::Rust has no CURVE mechanism yet: certificates can be made, saved, loaded and looked up,
but a socket cannot use them yet (see C<apply> below).

=head1 CONSTRUCTORS

=head2 ZMQ::Rust::Certificate->new(%args)

Without keys, a new random key pair (C<ZMQ::Rust::curve_keypair>). Arguments:

=over

=item public => $key, secret => $key

Each key as 32 bytes or 40 Z85 characters (a 41st NUL byte, as libzmq gives keys, is
dropped). With only C<secret>, the public key is derived from it; with only C<public>, the
certificate has no secret key (as a public certificate file). With both, the secret key must
belong to the public key.

=item meta => { name => $value, ... } or [ name => $value, ... ]

Metadata, in the array's order (a hash's in sorted order), with the rules of C<set_meta>.

=back

=head2 ZMQ::Rust::Certificate->load($path)

As czmq's C<zcert_load>: reads C<${path}_secret> when that file exists (it holds both keys
and the metadata), else C<$path>. So C<load('client.cert')> gives the full pair when both
files are there, and the public half when only C<client.cert> is; a lone
C<client.cert_secret> loads too. Unlike czmq, a file whose secret key does not belong to its
public key is an error, as is a key that is not 40 Z85 characters (czmq skips such a secret
key).

=head2 ZMQ::Rust::Certificate->load_file($file)

Reads exactly C<$file>, public or secret.

=head2 ZMQ::Rust::Certificate->from_string($text, $name)

The certificate in C<$text> (the contents of a file); C<$name> names it in errors.

=head1 METHODS

=head2 public_key, secret_key

The keys as 32 bytes. C<secret_key> is undef for a public certificate (czmq fills it with
zeros instead).

=head2 public_txt, secret_txt

The keys as 40 Z85 characters (no trailing NUL). C<secret_txt> is undef without a secret key.

=head2 has_secret

True when the certificate has its secret key.

=head2 meta($name), set_meta($name => $value), unset_meta($name), meta_keys

Metadata (czmq's C<zcert_meta>, C<zcert_set_meta>, C<zcert_unset_meta>,
C<zcert_meta_keys>). C<meta_keys> lists names in the order they were first set (czmq uses its
hash order). Setting an existing name replaces its value in place. A name is a ZPL name:
letters, digits and C<$ - _ @ . & + />, with no C</> at either end; a value is a byte string
on one line, without both kinds of quote (a file may hold such a value unquoted; it loads, but
saving it croaks). Anything else croaks.

=head2 save($path)

As czmq's C<zcert_save>: the public file C<$path> and, when there is a secret key, the secret
file C<${path}_secret>. Returns the certificate.

=head2 save_public($path), save_secret($path)

One file each (C<save_secret> croaks without a secret key). Each file is written whole to a
new file in the same directory and renamed into place. The secret file is created with mode
0600, as czmq's; the public one with 0666 less the umask.

=head2 apply($socket)

Sets C<ZMQ_CURVE_PUBLICKEY> and C<ZMQ_CURVE_SECRETKEY> on C<$socket> (czmq's C<zcert_apply>).
B<ZMQ::Rust does not implement CURVE yet>: the engine refuses those options, so today
C<apply> croaks with the socket's C<EINVAL> error (a L<ZMQ::Rust::Error>), as setting the
options directly does. It also croaks when the certificate has no secret key.

=head2 equals($other)

True when both certificates have the same keys (metadata is not compared).

=head1 FILE FORMAT

ZPL (ZeroMQ RFC 4), written byte for byte as czmq 4.2's C<zcert_save>; only the tool name in
the first line differs. The public file:

    #   ****  Generated on 2026-12-07 21:43:13 by ZMQ::Rust  ****
    #   ZeroMQ CURVE Public Certificate
    #   Exchange securely, or use a secure mechanism to verify the contents
    #   of this file after exchange. Store public certificates in your home
    #   directory, in the .curve subdirectory.

    metadata
        name = "test client"
        email = "client@example.org"
    curve
        public-key = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"

The secret file has a shorter banner (C<ZeroMQ CURVE **Secret** Certificate> and C<DO NOT
PROVIDE THIS FILE TO OTHER USERS nor change its permissions.>) and a C<secret-key> line after
C<public-key>. The time stamp is local time. C<metadata> is written even when empty. Values are
in double quotes; a value containing C<"> is written in single quotes, which ZPL also allows
(czmq would write a file it cannot read back).

The reader accepts what czmq's C<zconfig> accepts in these files: C<#> comments and blank
lines anywhere, each level indented exactly 4 spaces more than its parent, C<name>,
C<name = value>, C<name = "value"> and C<name = 'value'> with a comment after the value, and
CRLF line ends. Sections other than C<metadata> and C<curve> are ignored. pyzmq's files
(C<zmq.auth.create_certificates>: "by pyzmq" banner, unquoted metadata, metadata only in the
secret file) read as they are.

=head1 CERTIFICATE STORE

=head2 ZMQ::Rust::Certificate::Store->new($directory)

As czmq's C<zcertstore_new>: loads every regular file in the directory tree (subdirectories
included) whose name does not end in C<_secret>, keyed by Z85 public key. Files that are not
certificates are skipped (C<< $store->skipped >> lists them), as czmq skips them; so is a second file with the
same public key (czmq aborts there; here the first path in sorted order wins).

=head2 $store->lookup($public_key)

The certificate with that public key (40 Z85 characters, or 32 bytes), or undef. As in czmq,
each lookup first checks the tree and reloads it when a file or directory was added, removed
or modified (newest modification time, number of files or total size changed).

=head2 $store->reload, $store->refresh

C<reload> loads the tree again now; C<refresh> does so only when it changed (and returns true
then).

=head2 $store->insert($cert)

Adds a certificate kept in memory (czmq's C<zcertstore_insert>); it stays across reloads. A
certificate loaded from the directory with the same key is found first.

=head2 $store->certificates, $store->file_of($public_txt), $store->skipped, $store->directory

All certificates sorted by public key; the file a key was loaded from; C<[$path, $reason]>
for each file that was skipped at the last load; the directory.

=head1 ERRORS

Every problem croaks with a message that names the file, the line when there is one, and what
was wrong, e.g.

    ZMQ::Rust::Certificate: cannot read client.cert: No such file or directory
    ZMQ::Rust::Certificate: client.cert line 8: indentation of 2 spaces (ZPL indents 4 spaces per level)
    ZMQ::Rust::Certificate: client.cert line 10: public-key must be 40 Z85 characters, got 39
    ZMQ::Rust::Certificate: client.cert line 10: public-key: the public key is not Z85 text: '...'
    ZMQ::Rust::Certificate: client.cert line 11: the secret key does not belong to the public key ...
    ZMQ::Rust::Certificate: client.cert: no curve section (not a CURVE certificate)
    ZMQ::Rust::Certificate->new: the secret key must be 32 bytes or 40 Z85 characters, got 12 bytes
    ZMQ::Rust::Certificate: cannot save: the value of metadata 'note' has both quote characters, which ZPL cannot hold

=head1 SEE ALSO

L<ZMQ::Rust>; czmq's zcert(3) and zcertstore(3); pyzmq's C<zmq.auth>; ZeroMQ RFC 4 (ZPL),
RFC 26 (CurveZMQ) and RFC 32 (Z85).

=cut
