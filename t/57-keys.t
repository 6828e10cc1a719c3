use strict;
use warnings;

use Test::More;
use Errno qw(EINVAL);
use File::Temp ();
use POSIX ();
use ZMQ::Rust ();
use ZMQ::Rust::LibZMQ3 ();
use lib 't/lib';
use ZMQRTest qw(caught);
use ZMQRTest::Peer ();

# Z85 (RFC 32) and CURVE key pairs: known answers (security.md 8.1), invalid text, the
# context methods, the functions of ZMQ::Rust and ZMQ::Rust::LibZMQ3, and agreement with
# libzmq through pyzmq.

my $Z85_KEY = qr/\A[0-9a-zA-Z.\-:+=^!\/*?&<>()\[\]{}\@%\$#]{40}\z/;

# (secret, public) of libzmq's test pairs, in hex and in Z85.
my @PAIRS = (
    [   '7bb864b489afa3671fbe69101f94b38972f24816dfb01b51656b3fec8dfd0888',
        'bb88471d65e2659b30c55a5321cebb5aab2b70a398645c26dca2b2fcb43fc518',
        'D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs',
        'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID',
    ],
    [   '8e0bdd697628b91d8f245587ee95c5b04d48963f79259877b49cd9063aead3b7',
        '54fcba24e93249969316fb617c872bb0c1d1ff14800427c594cbfacf1bc2d652',
        'JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6',
        'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7',
    ],
);

my $ctx = ZMQ::Rust->new;

subtest 'Z85 known answers' => sub {
    my $hello = pack 'H*', '864FD26FB559F75B';
    is( $ctx->z85_encode($hello),      'HelloWorld', 'RFC 32: HelloWorld' );
    is( $ctx->z85_decode('HelloWorld'), $hello,      'and back' );
    my $seq = join '', map { chr } 0 .. 31;
    is( $ctx->z85_encode($seq), '009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x', '00 01 .. 1F' );
    is( $ctx->z85_encode( "\0" x 32 ), '0' x 40, '32 zero bytes' );
    is( unpack( 'H*', $ctx->z85_decode('%nSc0') ), 'ffffffff', '%nSc0 is FF FF FF FF' );
    for my $p (@PAIRS) {
        is( $ctx->z85_encode( pack 'H*', $p->[0] ), $p->[2], "secret $p->[2]" );
        is( unpack( 'H*', $ctx->z85_decode( $p->[3] ) ), $p->[1], "public $p->[3]" );
    }
};

subtest 'Z85 round trips' => sub {
    my $all = join '', map { chr } 0 .. 255;
    is( $ctx->z85_decode( $ctx->z85_encode($all) ), $all, 'every byte value' );
    for my $n ( 0, 4, 8, 32, 1024 ) {
        my $data = join '', map { chr int rand 256 } 1 .. $n;
        my $text = ZMQ::Rust::z85_encode($data);
        is( length $text, $n / 4 * 5, "$n random bytes: " . ( $n / 4 * 5 ) . ' characters' );
        is( ZMQ::Rust::z85_decode($text), $data, '... decode back' ) if $n;
    }
    is( $ctx->z85_decode("$PAIRS[0][2]\0"), pack( 'H*', $PAIRS[0][0] ), 'a trailing NUL is dropped' );
};

subtest 'invalid Z85' => sub {
    my @bad = (
        [ encode => 'abc',         qr/^zmq_z85_encode: Invalid argument: the length must be a multiple of 4, got 3 at \Q$0\E line \d+/ ],
        [ encode => undef,         qr/^zmq_z85_encode: Invalid argument: data must be defined/ ],
        [ encode => "\x{263a}abc", qr/^zmq_z85_encode: Invalid argument: data must be bytes, not wide characters/ ],
        [ decode => 'Hell',        qr/^zmq_z85_decode: Invalid argument: the length must be a multiple of 5 and at least 5, got 4/ ],
        [ decode => '',            qr/^zmq_z85_decode: Invalid argument: the length must be a multiple of 5 and at least 5, got 0/ ],
        [ decode => 'HelloWorld!', qr/^zmq_z85_decode: Invalid argument: the length must be a multiple of 5, got 11/ ],
        [ decode => 'Hell~',       qr/^zmq_z85_decode: Invalid argument: not a Z85 character: '~' at offset 4/ ],
        [ decode => "Hello W\xffld", qr/not a Z85 character: ' ' at offset 5/ ],
        [ decode => 'HelloWor"d',  qr/not a Z85 character: '"' at offset 8/ ],
        [ decode => '#####',       qr/^zmq_z85_decode: Invalid argument: the group '#####' at offset 0 is out of range \(above 0xFFFFFFFF\)/ ],
        [ decode => 'HelloWorld%nSc1', qr/the group '%nSc1' at offset 10 is out of range/ ],
        [ decode => undef,         qr/^zmq_z85_decode: Invalid argument: string must be defined/ ],
    );
    for my $b (@bad) {
        my ( $what, $arg, $re ) = @$b;
        my $name = "z85_$what(" . shown($arg) . ')';
        my ($err) = caught( sub { $what eq 'encode' ? $ctx->z85_encode($arg) : $ctx->z85_decode($arg) } );
        like( $err, $re, "$name croaks" );
        is( ref $err && $err->errno, EINVAL, '... EINVAL' );
    }
    my ($err) = caught( sub { ZMQ::Rust::z85_decode('#####') } );
    like( $err, qr/out of range .* at \Q$0\E line \d+\.$/, 'the function croaks at its caller too' );

    my $c = ZMQ::Rust->new;
    $c->die_on_error(0);
    $! = 0;
    is_deeply( [ $c->z85_decode('#####') ], [], 'die_on_error(0): empty' );
    is( $! + 0,          EINVAL, '... $! EINVAL' );
    is( $c->last_errno,  EINVAL, '... last_errno EINVAL' );
    is( $c->z85_encode('1234'), 'f!$Kw', 'a good call after it' );
    is( $c->last_errno, 0, '... last_errno 0' );
    $c->destroy;
};

subtest 'curve_public known answers' => sub {
    for my $p (@PAIRS) {
        is( $ctx->curve_public( $p->[2] ), $p->[3], "public of $p->[2]" );
        is( $ctx->curve_public("$p->[2]\0"), $p->[3], '... with the trailing NUL of libzmq' );
    }
    is( unpack( 'H*', $ctx->z85_decode( $ctx->curve_public( $ctx->z85_encode( "\x11" x 32 ) ) ) ),
        '7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13', 'secret 32 x 0x11' );
    is( unpack( 'H*', $ctx->z85_decode( ZMQ::Rust::curve_public( ZMQ::Rust::z85_encode( "\x22" x 32 ) ) ) ),
        '0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20', 'secret 32 x 0x22' );
};

subtest 'curve_public refuses what is not a Z85 key' => sub {
    my $good = $PAIRS[0][2];
    my @bad = (
        [ 'HelloWorld',                qr/^zmq_curve_public: Invalid argument: the secret key must be 40 Z85 characters, got a length of 10/ ],
        [ "$good$good",                qr/got a length of 80/ ],
        [ substr( $good, 0, 39 ) . '~', qr/^zmq_curve_public: Invalid argument: not a Z85 character: '~' at offset 39/ ],
        [ '#' x 40,                    qr/^zmq_curve_public: Invalid argument: the group '#####' at offset 0 is out of range/ ],
        [ "\0" x 41,                   qr/^zmq_curve_public: Invalid argument: the secret key contains a NUL byte/ ],
        [ substr( $good, 0, 20 ) . "\0" . substr( $good, 21 ), qr/contains a NUL byte/ ],
        [ undef,                       qr/^zmq_curve_public: Invalid argument: the secret key must be defined/ ],
    );
    for my $b (@bad) {
        my ( $arg, $re ) = @$b;
        my ($err) = caught( sub { $ctx->curve_public($arg) } );
        like( $err, $re, 'curve_public(' . shown($arg) . ') croaks' );
        is( ref $err && $err->errno, EINVAL, '... EINVAL' );
    }
};

subtest 'curve_keypair' => sub {
    my %seen;
    for ( 1 .. 20 ) {
        my ( $pub, $sec ) = $ctx->curve_keypair;
        like( $pub, $Z85_KEY, 'public: 40 Z85 characters' ) if $_ == 1;
        like( $sec, $Z85_KEY, 'secret: 40 Z85 characters' ) if $_ == 1;
        is( $ctx->curve_public($sec), $pub, 'curve_public(secret) is the public key' ) if $_ == 1;
        $seen{$pub}++;
        $seen{$sec}++;
    }
    is( scalar keys %seen, 40, '20 pairs: 40 different keys' );
    my ( $pub, $sec ) = ZMQ::Rust::curve_keypair();
    is( ZMQ::Rust::curve_public($sec), $pub, 'the functions of ZMQ::Rust' );
    my @one = $ctx->curve_keypair;
    is( scalar @one, 2, 'a list of two' );
    ok( !$ctx->has_capability('curve'), "has_capability('curve') is still false" );
};

subtest 'ZMQ::Rust::LibZMQ3' => sub {
    my ( $pub, $sec ) = ZMQ::Rust::LibZMQ3::zmq_curve_keypair();
    like( $pub, $Z85_KEY, 'zmq_curve_keypair: public' );
    like( $sec, $Z85_KEY, '... secret' );
    isnt( $pub, $sec, '... different' );
    is( ZMQ::Rust::LibZMQ3::zmq_curve_public($sec), $pub, 'zmq_curve_public' );
    is( ZMQ::Rust::LibZMQ3::zmq_curve_public( $PAIRS[1][2] ), $PAIRS[1][3], 'zmq_curve_public: known answer' );
    is( ZMQ::Rust::LibZMQ3::zmq_z85_encode( pack 'H*', '864FD26FB559F75B' ), 'HelloWorld', 'zmq_z85_encode' );
    is( ZMQ::Rust::LibZMQ3::zmq_z85_decode('HelloWorld'), pack( 'H*', '864FD26FB559F75B' ), 'zmq_z85_decode' );
    for my $call (
        [ zmq_z85_encode   => 'abc' ],
        [ zmq_z85_decode   => '#####' ],
        [ zmq_z85_decode   => 'Hell~' ],
        [ zmq_z85_decode   => 'Hell' ],
        [ zmq_curve_public => 'HelloWorld' ],
        [ zmq_curve_public => '#' x 40 ],
        )
    {
        my ( $f, $arg ) = @$call;
        no strict 'refs';
        $! = 0;
        my ( $err, undef, @r ) = caught( sub { my $r = &{"ZMQ::Rust::LibZMQ3::$f"}($arg); ($r) } );
        ok( !$err, "$f('$arg') does not croak" );
        is_deeply( \@r, [undef], '... returns undef' );
        is( $! + 0, EINVAL, '... $! EINVAL' );
    }
    ZMQ::Rust::LibZMQ3->import(qw(zmq_curve_keypair zmq_curve_public zmq_z85_encode zmq_z85_decode));
    ok( defined &main::zmq_z85_decode, 'the four can be imported by name' );
    my ($err) = caught( sub { ZMQ::Rust::LibZMQ3::zmq_curve_public() } );
    like( $err, qr/^Usage: ZMQ::Rust::LibZMQ3::zmq_curve_public\(secret_key\)/, 'usage' );
};

# libzmq (through pyzmq) must agree: zmq_curve_public of our secrets, zmq_z85_encode of random
# bytes, zmq_z85_decode of our text; and our curve_public of libzmq's secrets.
subtest 'agreement with libzmq (pyzmq)' => sub {
    my ( $libzmq, $why ) = ZMQRTest::Peer->probe;
    if ( !$libzmq ) {
        fail("ZMQ_RUST_REQUIRE_INTEROP=1 but no libzmq peer: $why") if $ENV{ZMQ_RUST_REQUIRE_INTEROP};
        plan skip_all => "no libzmq peer: $why";
    }
    my $py = ZMQRTest::Peer::python();
    my $script = <<'PY';
import ctypes, ctypes.util, sys, zmq
if not zmq.has("curve"):
    print("NOCURVE")
    sys.exit(0)
lib = ctypes.CDLL(ctypes.util.find_library("zmq") or "libzmq.so.5")
lib.zmq_z85_encode.restype = ctypes.c_char_p
lib.zmq_z85_decode.restype = ctypes.c_void_p
for line in sys.stdin:
    kind, arg = line.split()
    if kind == "SECRET":
        print("PUBLIC " + zmq.curve_public(arg.encode()).decode())
    elif kind == "BYTES":
        data = bytes.fromhex(arg)
        buf = ctypes.create_string_buffer(len(data) * 5 // 4 + 1)
        print("Z85 " + lib.zmq_z85_encode(buf, data, len(data)).decode())
    elif kind == "TEXT":
        out = ctypes.create_string_buffer(len(arg) * 4 // 5)
        ok = lib.zmq_z85_decode(out, arg.encode())
        print("RAW " + (out.raw.hex() if ok else "FAIL"))
for _ in range(5):
    pub, sec = zmq.curve_keypair()
    print("PAIR " + pub.decode() + " " + sec.decode())
PY
    my $file = File::Temp->new( SUFFIX => '.py' );
    print {$file} $script;
    close $file;

    my ( @in, @want );
    for ( 1 .. 5 ) {
        my ( $pub, $sec ) = $ctx->curve_keypair;
        push @in,   "SECRET $sec";
        push @want, "PUBLIC $pub";
    }
    for my $n ( 4, 32, 64, 400 ) {
        my $data = join '', map { chr int rand 256 } 1 .. $n;
        my $text = $ctx->z85_encode($data);
        push @in,   'BYTES ' . unpack( 'H*', $data ), 'TEXT ' . $text;
        push @want, "Z85 $text", 'RAW ' . unpack( 'H*', $data );
    }
    push @in,   'TEXT %nSc0';
    push @want, 'RAW ffffffff';

    my @out = run_py( $py, "$file", join '', map {"$_\n"} @in );
    plan skip_all => "libzmq $libzmq has no CURVE" if @out && $out[0] eq 'NOCURVE' && !$ENV{ZMQ_RUST_REQUIRE_INTEROP};
    is( scalar @out, @want + 5, 'pyzmq answered every line' ) or diag explain \@out;
    for my $i ( 0 .. $#want ) {
        my $what = length $in[$i] > 60 ? substr( $in[$i], 0, 57 ) . "..." : $in[$i];
        is( $out[$i], $want[$i], "libzmq agrees: $what" );
    }
    for my $line ( @out[ @want .. $#out ] ) {
        my ( $tag, $pub, $sec ) = split ' ', $line // '';
        is( $tag, 'PAIR', 'a libzmq key pair' );
        is( $ctx->curve_public($sec), $pub, "our curve_public of libzmq's secret is its public key" );
        is( $ctx->z85_encode( $ctx->z85_decode($pub) ), $pub, '... and its key round-trips' );
    }
};

# An argument for a test name: quoted, anything but printable ASCII as \x{NN}.
sub shown {
    my ($v) = @_;
    return 'undef' unless defined $v;
    ( my $s = $v ) =~ s/([^\x20-\x7e])/sprintf '\\x{%x}', ord $1/ge;
    return "'$s'";
}

# Runs `$py $file` with $input on stdin; its output lines (without newlines), within 60 s.
sub run_py {
    my ( $py, $file, $input ) = @_;
    my $in = File::Temp->new;
    print {$in} $input;
    close $in;
    my $pid = open( my $fh, '-|' ) // die "fork: $!";
    if ( !$pid ) {
        open STDIN, '<', "$in" or POSIX::_exit(126);
        { exec $py, $file }
        POSIX::_exit(127);
    }
    local $SIG{ALRM} = sub { kill 'KILL', $pid; die "pyzmq helper timed out\n" };
    alarm 60;
    my @lines = <$fh>;
    close $fh;
    alarm 0;
    chomp @lines;
    return @lines;
}

$ctx->destroy;
done_testing;
