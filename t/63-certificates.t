use strict;
use warnings;

use Test::More;
use Errno qw(EINVAL);
use File::Temp ();
use POSIX ();
use ZMQ::Rust qw(:all);
use ZMQ::Rust::Certificate ();
use lib 't/lib';
use ZMQRTest qw(caught);
use ZMQRTest::Peer ();

# CURVE certificate files as czmq 4.2's zcert writes them (security.md 6): the captured files
# byte for byte, loading (public, secret, secret-only), the ZPL reader's tolerance and its
# errors, metadata, the certificate store, and files exchanged with pyzmq's zmq.auth and with
# czmq itself (t/lib/zcert_peer.c). Without pyzmq or czmq those parts skip, except under
# ZMQ_RUST_REQUIRE_INTEROP=1, where a missing peer fails.

my $CLIENT_SECRET = 'D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs';
my $CLIENT_PUBLIC = 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID';
my $SERVER_SECRET = 'JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6';
my $SERVER_PUBLIC = 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7';
my $Z85_KEY       = qr/\A[0-9a-zA-Z.\-:+=^!\/*?&<>()\[\]{}\@%\$#]{40}\z/;

# security.md 6, captured from czmq 4.2.1's zcert_save (first line: the time stamp).
my $CAPTURED_PUBLIC = <<'EOF';
#   ****  Generated on 2026-12-07 21:43:13 by CZMQ  ****
#   ZeroMQ CURVE Public Certificate
#   Exchange securely, or use a secure mechanism to verify the contents
#   of this file after exchange. Store public certificates in your home
#   directory, in the .curve subdirectory.

metadata
    name = "test client"
    email = "client@example.org"
curve
    public-key = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
EOF
my $CAPTURED_SECRET = <<'EOF';
#   ****  Generated on 2026-12-07 21:43:13 by CZMQ  ****
#   ZeroMQ CURVE **Secret** Certificate
#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.

metadata
    name = "test client"
    email = "client@example.org"
curve
    public-key = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
    secret-key = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
EOF

my $STAMP_LINE = qr/\A#   \*\*\*\*  Generated on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d by (\S+)  \*\*\*\*\n/;

my $dir = File::Temp::tempdir( CLEANUP => 1 );
my $N   = 0;
sub fresh_dir { my $d = "$dir/d" . ++$N; mkdir $d or die "mkdir $d: $!"; return $d }

sub slurp {
    open my $fh, '<:raw', $_[0] or die "$_[0]: $!";
    local $/;
    return scalar <$fh>;
}

sub spew {
    my ( $path, $text ) = @_;
    open my $fh, '>:raw', $path or die "$path: $!";
    print {$fh} $text;
    close $fh or die "$path: $!";
}

# ($stamp_tool, $rest) of a certificate file's text: the tool named in the time stamp line,
# and every byte after that line.
sub split_stamp {
    my ($text) = @_;
    return ( undef, $text ) unless $text =~ $STAMP_LINE;
    return ( $1, substr $text, $+[0] );
}

sub client_cert {
    return ZMQ::Rust::Certificate->new(
        public => $CLIENT_PUBLIC,
        secret => $CLIENT_SECRET,
        meta   => [ name => 'test client', email => 'client@example.org' ],
    );
}

sub load_error {
    my ( $text, $name ) = @_;
    my $path = "$dir/" . ( $name || 'bad.cert' );
    spew( $path, $text );
    my ($err) = caught( sub { ZMQ::Rust::Certificate->load_file($path) } );
    return $err;
}

# -- files as czmq writes them -----------------------------------------------------------------

subtest 'the captured czmq files, byte for byte' => sub {
    my $d = fresh_dir();
    my $before = POSIX::strftime( '%Y-%m-%d %H:%M:%S', localtime );
    client_cert()->save("$d/client.cert");
    my $after = POSIX::strftime( '%Y-%m-%d %H:%M:%S', localtime );
    for ( [ 'client.cert', $CAPTURED_PUBLIC ], [ 'client.cert_secret', $CAPTURED_SECRET ] ) {
        my ( $file, $captured ) = @$_;
        my $text = slurp("$d/$file");
        my ( $tool, $rest ) = split_stamp($text);
        is( $tool, 'ZMQ::Rust', "$file: time stamp line as czmq's, naming ZMQ::Rust" );
        my ($stamp) = $text =~ /Generated on (\S+ \S+)/;
        ok( $stamp ge $before && $stamp le $after, "$file: local time stamp ($stamp)" );
        is( $rest, ( split_stamp($captured) )[1], "$file: every byte after the time stamp line" );
    }
    is( ( stat "$d/client.cert_secret" )[2] & 07777, 0600, 'the secret file is 0600' );
    my $umask = umask;
    is( ( stat "$d/client.cert" )[2] & 07777, 0666 & ~$umask, 'the public file is 0666 less the umask' );
    opendir my $dh, $d or die "$d: $!";
    is_deeply( [ sort grep { !/^\.\.?\z/ } readdir $dh ], [qw(client.cert client.cert_secret)],
        'no temporary file left' );

    chmod 0644, "$d/client.cert_secret";
    client_cert()->save("$d/client.cert");
    is( ( stat "$d/client.cert_secret" )[2] & 07777, 0600, 'saving over a 0644 secret file makes it 0600' );

    my $empty = ZMQ::Rust::Certificate->new( secret => $SERVER_SECRET );
    my ( undef, $rest ) = split_stamp( $empty->save("$d/server.cert") && slurp("$d/server.cert") );
    is( $rest, join( '', map {"$_\n"} ( split /\n/, $CAPTURED_PUBLIC )[ 1 .. 5 ] ) . <<"EOF",
metadata
curve
    public-key = "$SERVER_PUBLIC"
EOF
        'no metadata: the metadata section is still written' );
    my $pub_only = ZMQ::Rust::Certificate->new( public => $SERVER_PUBLIC );
    $pub_only->save("$d/pub.cert");
    ok( -f "$d/pub.cert" && !-e "$d/pub.cert_secret", 'save without a secret key: the public file only' );
};

subtest 'the captured czmq files load' => sub {
    my $d = fresh_dir();
    spew( "$d/client.cert",        $CAPTURED_PUBLIC );
    spew( "$d/client.cert_secret", $CAPTURED_SECRET );
    my $c = ZMQ::Rust::Certificate->load("$d/client.cert");
    is( $c->public_txt, $CLIENT_PUBLIC, 'public_txt' );
    is( $c->secret_txt, $CLIENT_SECRET, 'secret_txt: load read client.cert_secret' );
    is( $c->public_key, ZMQ::Rust::z85_decode($CLIENT_PUBLIC), 'public_key: 32 bytes' );
    is( $c->secret_key, ZMQ::Rust::z85_decode($CLIENT_SECRET), 'secret_key: 32 bytes' );
    is_deeply( [ $c->meta_keys ], [qw(name email)], 'meta_keys in file order' );
    is( $c->meta('name'),  'test client',        'meta name' );
    is( $c->meta('email'), 'client@example.org', 'meta email' );
    is( $c->meta('nope'),  undef,                'an absent name is undef' );

    my $p = ZMQ::Rust::Certificate->load_file("$d/client.cert");
    is( $p->public_txt, $CLIENT_PUBLIC, 'load_file of the public file: public key' );
    ok( !$p->has_secret && !defined $p->secret_key && !defined $p->secret_txt, '... no secret key' );
    is( $p->meta('email'), 'client@example.org', '... metadata' );

    unlink "$d/client.cert_secret";
    my $q = ZMQ::Rust::Certificate->load("$d/client.cert");
    ok( !$q->has_secret, 'load without the _secret file: the public certificate' );

    my $d2 = fresh_dir();
    spew( "$d2/only.cert_secret", $CAPTURED_SECRET );
    my $s = ZMQ::Rust::Certificate->load("$d2/only.cert");
    is( $s->secret_txt, $CLIENT_SECRET, 'only the _secret file: load finds it, as zcert_load' );
    is( ZMQ::Rust::Certificate->load("$d2/only.cert_secret")->public_txt,
        $CLIENT_PUBLIC, 'load of the _secret path itself' );

    my $round = ZMQ::Rust::Certificate->from_string( $CAPTURED_SECRET, 'captured' );
    my $d3 = fresh_dir();
    $round->save("$d3/again.cert");
    is( ( split_stamp( slurp("$d3/again.cert_secret") ) )[1], ( split_stamp($CAPTURED_SECRET) )[1],
        'loaded and saved again: same bytes' );
};

# -- construction, keys, metadata --------------------------------------------------------------

subtest 'new' => sub {
    my $r = ZMQ::Rust::Certificate->new;
    like( $r->public_txt, $Z85_KEY, 'random pair: public key' );
    like( $r->secret_txt, $Z85_KEY, 'random pair: secret key' );
    is( ZMQ::Rust::curve_public( $r->secret_txt ), $r->public_txt, 'random pair: the keys belong together' );
    isnt( ZMQ::Rust::Certificate->new->public_txt, $r->public_txt, 'two random pairs differ' );
    is_deeply( [ $r->meta_keys ], [], 'no metadata' );

    my $bin = ZMQ::Rust::Certificate->new(
        public => ZMQ::Rust::z85_decode($CLIENT_PUBLIC),
        secret => ZMQ::Rust::z85_decode($CLIENT_SECRET)
    );
    is( $bin->public_txt, $CLIENT_PUBLIC, 'from 32-byte keys' );
    is( $bin->secret_txt, $CLIENT_SECRET, '... both' );
    ok( $bin->equals( client_cert() ), 'equals a certificate with the same keys' );
    ok( !$bin->equals( ZMQ::Rust::Certificate->new( public => $CLIENT_PUBLIC ) ), 'not one without the secret' );

    is( ZMQ::Rust::Certificate->new( secret => $SERVER_SECRET )->public_txt,
        $SERVER_PUBLIC, 'secret only: the public key is derived' );
    is( ZMQ::Rust::Certificate->new( secret => "$SERVER_SECRET\0" )->public_txt,
        $SERVER_PUBLIC, "a 41st NUL byte (libzmq's form) is dropped" );
    ok( !ZMQ::Rust::Certificate->new( public => $SERVER_PUBLIC )->has_secret, 'public only: no secret' );

    my $h = ZMQ::Rust::Certificate->new( public => $SERVER_PUBLIC, meta => { b => 2, a => 1 } );
    is_deeply( [ $h->meta_keys ], [qw(a b)], 'meta as a hash: sorted names' );

    my @bad = (
        [ [ secret => 'short' ],             qr/->new: the secret key must be 32 bytes or 40 Z85 characters, got 5 bytes/ ],
        [ [ public => 'x' x 41 ],            qr/->new: the public key must be 32 bytes or 40 Z85 characters, got 41 bytes/ ],
        [ [ public => ( '~' x 40 ) ],        qr/->new: the public key is not Z85 text/ ],
        [ [ public => ( '#' x 40 ) ],        qr/->new: the public key is not valid Z85/ ],
        [ [ public => "\x{100}" x 32 ],      qr/->new: the public key has wide characters/ ],
        [ [ public => $SERVER_PUBLIC, secret => $CLIENT_SECRET ],
            qr/->new: the secret key does not belong to the public key \Q$SERVER_PUBLIC\E \(its public key is \Q$CLIENT_PUBLIC\E\)/ ],
        [ [ pub => $SERVER_PUBLIC ],         qr/->new: unknown argument 'pub'/ ],
        [ [ public => $SERVER_PUBLIC, meta => 'x' ], qr/meta must be a hash or array reference/ ],
        [ [ public => $SERVER_PUBLIC, meta => ['x'] ], qr/meta needs name => value pairs/ ],
    );
    for my $case (@bad) {
        my ( $args, $re ) = @$case;
        my ($err) = caught( sub { ZMQ::Rust::Certificate->new(@$args) } );
        like( $err, $re, "croaks: $re" );
        like( $err, qr/ at \Q$0\E line \d+/, '... at the caller' );
    }
};

subtest 'metadata' => sub {
    my $c = ZMQ::Rust::Certificate->new( public => $SERVER_PUBLIC );
    $c->set_meta( name => 'one' )->set_meta( 'x-tag' => '' )->set_meta( name => 'two' );
    is_deeply( [ $c->meta_keys ], [qw(name x-tag)], 'order of first setting; replacing keeps the place' );
    is( $c->meta('name'),  'two', 'replaced value' );
    is( $c->meta('x-tag'), '',    'empty value' );
    $c->set_meta( quote => 'say "hi"' );
    $c->unset_meta('name');
    is_deeply( [ $c->meta_keys ], [qw(x-tag quote)], 'unset_meta' );
    my $d = fresh_dir();
    $c->save("$d/m.cert");
    like( slurp("$d/m.cert"), qr/^metadata\n    x-tag = ""\n    quote = 'say "hi"'\ncurve\n/m,
        'an empty value in quotes; a value with " in single quotes' );
    my $back = ZMQ::Rust::Certificate->load("$d/m.cert");
    is( $back->meta('quote'), 'say "hi"', '... and read back' );
    is( $back->meta('x-tag'), '', '... empty value read back' );

    for my $case (
        [ [ '/b', 1 ],       qr/the metadata name '\/b' is not a ZPL name/ ],
        [ [ 'a/', 1 ],       qr/the metadata name 'a\/' is not a ZPL name/ ],
        [ [ 'a b', 1 ],      qr/the metadata name 'a b' is not a ZPL name/ ],
        [ [ '', 1 ],         qr/the metadata name '' is not a ZPL name/ ],
        [ [ undef, 1 ],      qr/the metadata name is undefined/ ],
        [ [ 'n', undef ],    qr/the value of metadata 'n' is undefined/ ],
        [ [ 'n', "a\nb" ],   qr/the value of metadata 'n' spans lines/ ],
        [ [ 'n', qq{"'} ],   qr/the value of metadata 'n' has both quote characters/ ],
        [ [ 'n', "\x{263a}" ], qr/the value of metadata 'n' has wide characters/ ],
        )
    {
        my ( $args, $re ) = @$case;
        my ($err) = caught( sub { $c->set_meta(@$args) } );
        like( $err, qr/ZMQ::Rust::Certificate->set_meta: $re/, "set_meta croaks: $re" );
    }
};

# -- the reader --------------------------------------------------------------------------------

subtest 'ZPL as zconfig reads it' => sub {
    my $text = <<"EOF";
# a comment line
   # an indented comment

context
    iothreads = 1
curve   # the keys
    # comment inside a section
    public-key = '$CLIENT_PUBLIC'   # single quotes, then a comment
    secret-key = "$CLIENT_SECRET"
        nested = "ignored"
metadata
    plain = unquoted value with spaces   # trailing comment
    quoted = "a # is kept inside quotes"
    flag
EOF
    ( my $crlf = $text ) =~ s/\n/\r\n/g;
    for ( [ 'LF', $text ], [ 'CRLF', $crlf ] ) {
        my ( $what, $t ) = @$_;
        my $c = ZMQ::Rust::Certificate->from_string( $t, $what );
        is( $c->public_txt, $CLIENT_PUBLIC, "$what: public key" );
        is( $c->secret_txt, $CLIENT_SECRET, "$what: secret key" );
        is( $c->meta('plain'),  'unquoted value with spaces', "$what: unquoted value, comment dropped" );
        is( $c->meta('quoted'), 'a # is kept inside quotes',  "$what: # inside quotes" );
        is( $c->meta('flag'),   '',                           "$what: a name without a value" );
    }
};

subtest 'bad files croak naming file, line and problem' => sub {
    my ($missing) = caught( sub { ZMQ::Rust::Certificate->load("$dir/nope.cert") } );
    like( $missing, qr/\AZMQ::Rust::Certificate: cannot read \Q$dir\E\/nope.cert: No such file or directory at \Q$0\E line \d+/,
        'missing file' );
    my $good = $CAPTURED_SECRET;
    my @cases = (
        [ 'indentation',  sub { s/^    email/  email/m },       qr/line 7: indentation of 2 spaces \(ZPL indents 4 spaces per level\)/ ],
        [ 'tab',          sub { s/^    email/\temail/m },       qr/line 7: a tab in the indentation/ ],
        [ 'too deep',     sub { s/^metadata\n    name/metadata\n        name/m }, qr/line 6: indented more than one level below the line before/ ],
        [ 'bad name',     sub { s/^curve/"curve"/m },           qr/line 8: '"' cannot start a name/ ],
        [ 'slash name',   sub { s/^curve/curve\//m },           qr/line 8: '\/' at the start or end of the name 'curve\/'/ ],
        [ 'open quote',   sub { s/(secret-key = "[^"]+)"/$1/ }, qr/line 10: missing closing " in the value of 'secret-key'/ ],
        [ 'after value',  sub { s/(secret-key = "[^"]+")/$1 x/ }, qr/line 10: unexpected text after the value of 'secret-key': ' x'/ ],
        [ 'after name',   sub { s/^curve/curve x/m },           qr/line 8: unexpected text after the name 'curve': ' x'/ ],
        [ 'short key',    sub { s/secret-key = "D/secret-key = "/ }, qr/line 10: secret-key must be 40 Z85 characters, got 39/ ],
        [ 'not Z85',      sub { s/secret-key = "D/secret-key = "~/ }, qr/line 10: secret-key: the secret key is not Z85 text/ ],
        [ 'overflow',     sub { s/secret-key = "...../secret-key = "#####/ }, qr/line 10: secret-key: the secret key is not valid Z85/ ],
        [ 'wrong pair',   sub { s/\Q$CLIENT_SECRET\E/$SERVER_SECRET/ }, qr/line 10: the secret key does not belong to the public key/ ],
        [ 'no curve',     sub { s/^curve\n.*//ms },             qr/: no curve section \(not a CURVE certificate\)/ ],
        [ 'no public',    sub { s/^    public-key.*\n//m },     qr/line 8: no public-key in the curve section/ ],
        [ 'twice',        sub { s/^(    email.*\n)/$1$1/m },    qr/line 8: metadata 'email' appears twice/ ],
    );
    for my $case (@cases) {
        my ( $what, $edit, $re ) = @$case;
        local $_ = $good;
        $edit->();
        isnt( $_, $good, "$what: the file was changed" );
        my $err = load_error( $_, 'bad.cert' );
        like( $err, qr/\AZMQ::Rust::Certificate: \Q$dir\E\/bad\.cert ?$re/, "$what: $re" );
        like( $err, qr/ at \Q$0\E line \d+\.?\n\z/, "$what: ... at the caller" );
    }
    ( my $both = $good ) =~ s/^(    email = ).*/$1say "it's"/m;
    my $c = ZMQ::Rust::Certificate->from_string( $both, 'both' );
    is( $c->meta('email'), q{say "it's"}, 'an unquoted value with both quotes loads' );
    my ($serr) = caught( sub { $c->save("$dir/both.cert") } );
    like( $serr, qr/\AZMQ::Rust::Certificate: cannot save: the value of metadata 'email' has both quote characters/,
        '... and saving it croaks' );
    ( my $slash = $good ) =~ s/^    email/    e\/mail/m;
    is( ZMQ::Rust::Certificate->from_string($slash)->meta('e/mail'), 'client@example.org',
        'a metadata name with / inside (a ZPL name)' );
    my $err = load_error( "\x00\x01binary junk\n", 'junk.bin' );
    like( $err, qr/junk\.bin line 1: '\x00' cannot start a name/, 'a binary file' );
};

# -- the store ---------------------------------------------------------------------------------

subtest 'certificate store' => sub {
    my $d = fresh_dir();
    my $c1 = client_cert();
    my $c2 = ZMQ::Rust::Certificate->new( secret => $SERVER_SECRET, meta => [ name => 'server' ] );
    $c1->save("$d/client.cert");
    mkdir "$d/sub";
    $c2->save_public("$d/sub/server.cert");
    spew( "$d/README", "not a certificate\n" );
    spew( "$d/orphan_secret", "junk that would not load\n" );

    my $store = ZMQ::Rust::Certificate::Store->new($d);
    is( $store->directory, $d, 'directory' );
    my $f = $store->lookup($CLIENT_PUBLIC);
    ok( $f, 'lookup by Z85 key' );
    ok( !$f->has_secret, '... loaded from the public file, not client.cert_secret' );
    is( $f->meta('name'), 'test client', '... with its metadata' );
    is( $store->file_of($CLIENT_PUBLIC), "$d/client.cert", 'file_of' );
    is( $store->lookup( ZMQ::Rust::z85_decode($SERVER_PUBLIC) )->meta('name'), 'server',
        'lookup by 32-byte key, in a subdirectory' );
    is( $store->lookup("$SERVER_PUBLIC\0")->public_txt, $SERVER_PUBLIC, 'lookup with a trailing NUL' );
    is( $store->lookup( '0' x 40 ), undef, 'an unknown key' );
    is( $store->lookup(undef), undef, 'undef' );
    is_deeply( [ map { $_->public_txt } $store->certificates ], [ sort $CLIENT_PUBLIC, $SERVER_PUBLIC ],
        'certificates: every public certificate, none twice' );
    my @skipped = $store->skipped;
    is_deeply( [ map { $_->[0] } @skipped ], ["$d/README"], 'skipped: the file that is not a certificate' );
    like( $skipped[0][1], qr/README line 1: unexpected text after the name 'not'/, '... and why' );

    my $c3 = ZMQ::Rust::Certificate->new( meta => [ name => 'late' ] );
    $c3->save("$d/late.cert");
    is( $store->lookup( $c3->public_txt )->meta('name'), 'late', 'a file added later is found (reload)' );

    unlink "$d/sub/server.cert";
    is( $store->lookup($SERVER_PUBLIC), undef, 'a removed file is gone' );

    $c3->set_meta( name => 'renamed' )->save_public("$d/late.cert");
    utime time + 5, time + 5, "$d/late.cert";
    is( $store->lookup( $c3->public_txt )->meta('name'), 'renamed', 'a rewritten file is read again' );

    $c2->save_public("$d/copy-a.cert");
    $c2->save_public("$d/copy-b.cert");
    ok( $store->lookup($SERVER_PUBLIC), 'the same key in two files' );
    is( $store->file_of($SERVER_PUBLIC), "$d/copy-a.cert", '... the first in sorted order wins' );
    like( ( grep { $_->[0] eq "$d/copy-b.cert" } $store->skipped )[0][1],
        qr/same public key as \Q$d\E\/copy-a\.cert/, '... the second is skipped, saying why' );

    my $mem = ZMQ::Rust::Certificate->new( meta => [ name => 'memory' ] );
    $store->insert($mem);
    is( $store->lookup( $mem->public_txt ), $mem, 'insert: found' );
    $store->reload;
    is( $store->lookup( $mem->public_txt ), $mem, '... and kept across a reload' );
    ok( !$store->refresh, 'refresh: nothing changed' );

    my ($err) = caught( sub { ZMQ::Rust::Certificate::Store->new("$d/none") } );
    like( $err, qr/Store->new: \Q$d\E\/none is not a directory at \Q$0\E/, 'not a directory' );
};

subtest 'apply: CURVE options are refused until the engine has CURVE' => sub {
    my $ctx = ZMQ::Rust->new;
    my $s   = $ctx->socket(ZMQ_REQ);
    my ($err) = caught( sub { client_cert()->apply($s) } );
    isa_ok( $err, 'ZMQ::Rust::Error' );
    is( eval { $err->errno }, EINVAL, 'EINVAL, as setting ZMQ_CURVE_PUBLICKEY directly' );
    $s->close;
};

# -- other implementations ---------------------------------------------------------------------

# true when a peer is there; otherwise fails under ZMQ_RUST_REQUIRE_INTEROP=1, else skips.
sub have_peer {
    my ( $ok, $what, $why ) = @_;
    return 1 if $ok;
    if ( $ENV{ZMQ_RUST_REQUIRE_INTEROP} ) {
        fail("ZMQ_RUST_REQUIRE_INTEROP=1 but no $what: $why");
        return 0;
    }
    plan skip_all => "no $what: $why (ZMQ_RUST_REQUIRE_INTEROP=1 makes this fatal)";
}

sub run_capture {
    my @cmd = @_;
    my $pid = open my $fh, '-|' // die "fork: $!";
    if ( !$pid ) {
        open STDERR, '>&', \*STDOUT;
        exec @cmd or do { print "exec $cmd[0]: $!\n"; POSIX::_exit(127) };
    }
    my $out = do { local $/; <$fh> };
    close $fh;
    return ( $? >> 8, $out );
}

my $PY_LOAD = <<'PY';
import sys, zmq.auth
pub, sec = zmq.auth.load_certificate(sys.argv[1])
print(pub.decode(), sec.decode() if sec is not None else 'None')
PY

subtest 'pyzmq zmq.auth' => sub {
    my ( $version, $why ) = ZMQRTest::Peer->probe;
    return unless have_peer( $version, 'pyzmq', $why );
    my $py = ZMQRTest::Peer::python();
    my $d  = fresh_dir();
    client_cert()->save("$d/client.cert");
    my ( $rc, $out ) = run_capture( $py, '-c', $PY_LOAD, "$d/client.cert" );
    is( $out, "$CLIENT_PUBLIC None\n", 'load_certificate of our public file' );
    ( $rc, $out ) = run_capture( $py, '-c', $PY_LOAD, "$d/client.cert_secret" );
    is( $out, "$CLIENT_PUBLIC $CLIENT_SECRET\n", 'load_certificate of our secret file' );

    ( $rc, $out ) = run_capture( $py, '-c', <<'PY', $d );
import sys, zmq.auth
pub, sec = zmq.auth.create_certificates(sys.argv[1], 'srv', metadata={'name': 'py server', 'k': 'v'})
for f in (pub, sec):
    p, s = zmq.auth.load_certificate(f)
    print(p.decode(), s.decode() if s is not None else 'None')
PY
    is( $rc, 0, 'create_certificates ran' ) or diag $out;
    my ( $pline, $sline ) = split /\n/, $out;
    my ( $ppub, $psec ) = split / /, $sline;
    my $c = ZMQ::Rust::Certificate->load("$d/srv.key");
    is( $c->public_txt, $ppub, 'load of pyzmq\'s srv.key (reads srv.key_secret): public key' );
    is( $c->secret_txt, $psec, '... secret key' );
    is( $c->meta('name'), 'py server', '... unquoted metadata value with a space' );
    is( $c->meta('k'),    'v',         '... second item' );
    my $p = ZMQ::Rust::Certificate->load_file("$d/srv.key");
    is( $p->public_txt . ' None', $pline, 'load_file of the public srv.key' );
    like( slurp("$d/srv.key_secret"), qr/^#   \*\*\*\*  Generated on .* by pyzmq  \*\*\*\*\n(?:.*\n)*    name = py server\n/,
        "(pyzmq's own variant: its banner, unquoted metadata)" );
    my $store = ZMQ::Rust::Certificate::Store->new($d);
    is( $store->lookup($ppub)->public_txt, $ppub, 'the store finds pyzmq\'s certificate' );
};

subtest 'czmq zcert and zcertstore' => sub {
    my $src  = 't/lib/zcert_peer.c';
    my $peer = "$dir/zcert_peer";
    my $cc   = $ENV{CC} || 'cc';
    my ( $rc, $out ) = run_capture( $cc, '-o', $peer, $src, '-lczmq', '-lzmq' );
    return unless have_peer( $rc == 0 && -x $peer, 'czmq',
        "cannot build $src with $cc -lczmq -lzmq (install libczmq-dev): $out" );

    my $d = fresh_dir();
    ( $rc, $out ) = run_capture( $peer, 'save', "$d/czmq.cert", $CLIENT_PUBLIC, $CLIENT_SECRET,
        name => 'test client', email => 'client@example.org' );
    is( $rc, 0, 'zcert_save ran' ) or diag $out;
    client_cert()->save("$d/ours.cert");
    for my $suffix ( '', '_secret' ) {
        my ( $tool, $theirs ) = split_stamp( slurp("$d/czmq.cert$suffix") );
        is( $tool, 'CZMQ', "czmq.cert$suffix: czmq's stamp line has the same form" );
        is( ( split_stamp( slurp("$d/ours.cert$suffix") ) )[1], $theirs,
            "ours.cert$suffix: the same bytes as zcert_save's after the stamp line" );
        is( ( stat "$d/ours.cert$suffix" )[2] & 07777, ( stat "$d/czmq.cert$suffix" )[2] & 07777,
            "ours.cert$suffix: the same mode" );
    }
    my $c = ZMQ::Rust::Certificate->load("$d/czmq.cert");
    ok( $c->equals( client_cert() ), 'we load zcert_save\'s files: keys' );
    is( $c->meta('email'), 'client@example.org', '... metadata' );

    my $mine = ZMQ::Rust::Certificate->new( meta => [ name => 'quoted "x"', 'role/x' => 'peer' ] );
    $mine->save("$d/mine.cert");
    ( $rc, $out ) = run_capture( $peer, 'load', "$d/mine.cert" );
    is( $out, sprintf( "public %s\nsecret %s\nmeta name=quoted \"x\"\nmeta role/x=peer\n",
            $mine->public_txt, $mine->secret_txt ),
        'zcert_load reads our files: keys and metadata (single-quoted value too)' );
    unlink "$d/mine.cert_secret";
    ( $rc, $out ) = run_capture( $peer, 'load', "$d/mine.cert" );
    is( $out, sprintf( "public %s\nsecret %s\nmeta name=quoted \"x\"\nmeta role/x=peer\n",
            $mine->public_txt, '0' x 40 ),
        '... our public file alone (czmq: a zero secret key)' );

    # zcertstore aborts on two files with one key; this directory has one file per key.
    my $sd = fresh_dir();
    mkdir "$sd/sub";
    $mine->save("$sd/sub/mine.cert");
    client_cert()->save("$sd/client.cert");
    ( $rc, $out ) = run_capture( $peer, 'lookup', $sd, $mine->public_txt );
    is( $out, "found\nmeta name=quoted \"x\"\nmeta role/x=peer\n",
        'zcertstore finds our certificate in a subdirectory (and reads our _secret file not)' );
    ( $rc, $out ) = run_capture( $peer, 'lookup', $sd, $CLIENT_PUBLIC );
    is( $out, "found\nmeta email=client\@example.org\nmeta name=test client\n", '... and the other' );
    ( $rc, $out ) = run_capture( $peer, 'lookup', $sd, $SERVER_PUBLIC );
    is( $out, "missing\n", '... and not an absent one' );

    my $store = ZMQ::Rust::Certificate::Store->new($d);
    is_deeply( [ map { $_->public_txt } $store->certificates ], [ sort $CLIENT_PUBLIC, $mine->public_txt ],
        'our store over the same directory: the same keys' );
    is_deeply( [ sort map { $_->[0] } $store->skipped ], ["$d/ours.cert"],
        '... the second file with the client key is skipped' );
};

done_testing;
