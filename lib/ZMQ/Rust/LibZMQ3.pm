package ZMQ::Rust::LibZMQ3;
use strict;
use warnings;
use B ();
use Carp ();
use Errno ();
use Scalar::Util ();
use ZMQ::Rust ();
use ZMQ::Rust::Constants ();

our $VERSION = '0.01';

# ZMQ::LibZMQ3's functional API over ZMQ::Rust. Pure Perl: each LibZMQ3 object is a blessed
# hash holding the ZMQ::Rust object it wraps (whose die_on_error is off), and every function
# turns the engine's outcome into LibZMQ3's return conventions and $!.

use Exporter 'import';
our @EXPORT = qw(
    zmq_errno zmq_strerror zmq_init zmq_term zmq_ctx_new zmq_ctx_destroy zmq_ctx_set zmq_ctx_get
    zmq_msg_send zmq_msg_recv zmq_msg_close zmq_msg_data zmq_msg_init zmq_msg_init_data
    zmq_msg_init_size zmq_msg_size zmq_msg_copy zmq_msg_move zmq_bind zmq_unbind zmq_close
    zmq_connect zmq_disconnect zmq_getsockopt zmq_recv zmq_recvmsg zmq_send zmq_sendmsg
    zmq_setsockopt zmq_socket zmq_socket_monitor zmq_poll zmq_device zmq_proxy
);
our @EXPORT_OK = qw(
    zmq_version zmq_proxy_steerable
    zmq_curve_keypair zmq_curve_public zmq_z85_encode zmq_z85_decode
    zmq_getsockopt_int zmq_getsockopt_int64 zmq_getsockopt_uint64 zmq_getsockopt_string
    zmq_setsockopt_int zmq_setsockopt_int64 zmq_setsockopt_uint64 zmq_setsockopt_string
);
our %EXPORT_TAGS = ( all => [ @EXPORT, @EXPORT_OK ] );

# What libzmq 4.3 has, as ZMQ::LibZMQ3 reports it: everything.
use constant {
    map { ( "HAS_ZMQ_$_" => 1 ) } qw(INIT TERM CTX_NEW CTX_DESTROY CTX_GET CTX_SET DEVICE PROXY
        MSG_SEND MSG_RECV SENDMSG RECVMSG SOCKET_MONITOR UNBIND DISCONNECT)
};

use constant {
    CONTEXT_CLASS => 'ZMQ::Rust::LibZMQ3::Context',
    SOCKET_CLASS  => 'ZMQ::Rust::LibZMQ3::Socket',
    MESSAGE_CLASS => 'ZMQ::Rust::LibZMQ3::Message',
};

my $EFAULT   = Errno::EFAULT();
my $EINVAL   = Errno::EINVAL();
my $ENOMEM   = Errno::ENOMEM();
my $ENOTSOCK = ZMQ::Rust::Constants::ENOTSOCK();
my $ETERM    = ZMQ::Rust::Constants::ETERM();
my $LAST_ENDPOINT = ZMQ::Rust::Constants::ZMQ_LAST_ENDPOINT();
my %DEVICE = map { $_ => 1 } ZMQ::Rust::Constants::ZMQ_STREAMER(),
    ZMQ::Rust::Constants::ZMQ_FORWARDER(), ZMQ::Rust::Constants::ZMQ_QUEUE();

# ---- helpers --------------------------------------------------------------------------------

sub _tid { $INC{'threads.pm'} ? threads->tid : 0 }

# C int arguments: undef is 0, as XS typemaps read it.
sub _iv {
    my ($v) = @_;
    return 0 unless defined $v;
    no warnings 'numeric';
    return int $v;
}

# The bytes SvPV would give: UTF-8 strings as their UTF-8 encoding, references stringified.
sub _bytes {
    my ($v) = @_;
    return '' unless defined $v;
    $v = "$v" if ref $v;
    utf8::encode($v) if utf8::is_utf8($v);
    return $v;
}

sub _usage {
    my ( $name, $args ) = @_;
    Carp::croak("Usage: ZMQ::Rust::LibZMQ3::$name($args)");
}

# Checks that $obj is an object of $class (else croaks as the typemaps do). Returns true for a
# live object; for a closed one sets $! to $closed_errno and returns false.
sub _check {
    my ( $obj, $class, $closed_errno ) = @_;
    Carp::croak("Argument is not an object ($class)") unless Scalar::Util::blessed($obj);
    unless ( $obj->isa($class) ) {
        Carp::croak( "Invalid $class object was passed (got a " . ref($obj) . ')' );
    }
    if ( $obj->{_closed} ) {
        $! = $closed_errno;
        return 0;
    }
    return 1;
}

# The ZMQ::Rust socket behind a LibZMQ3 socket. Returns undef when the LibZMQ3 socket is
# closed ($! = ENOTSOCK: callers return empty), 0 when its context was terminated ($! = ETERM:
# callers return their failure value), else the socket. Croaks for a socket cloned into
# another thread (inert, as in ZMQ::LibZMQ3) or inherited over fork.
sub _sock {
    my ($s) = @_;
    _check( $s, SOCKET_CLASS, $ENOTSOCK ) or return undef;
    Carp::croak( 'Invalid ' . SOCKET_CLASS . " object (perhaps you've already freed it?)" )
        if $s->{_tid} != _tid();
    _croak_forked( 'socket', $s ) if $s->{_pid} != $$;
    my $z = $s->{_zr};
    if ( $z->is_closed ) {
        $! = $ETERM;
        return 0;
    }
    return $z;
}

sub _croak_forked {
    my ( $what, $obj ) = @_;
    Carp::croak( "ZMQ::Rust::LibZMQ3: this $what was created in process $obj->{_pid} and cannot "
            . "be used in process $$; create a new context after fork" );
}

# The ZMQ::Rust context behind a LibZMQ3 context, or undef ($! = EFAULT) when it is closed.
sub _ctx {
    my ($c) = @_;
    _check( $c, CONTEXT_CLASS, $EFAULT ) or return undef;
    _croak_forked( 'context', $c ) if $c->{_pid} != $$;
    return $c->{_zr};
}

# The message hash, or undef ($! = EFAULT) when it is closed.
sub _msg {
    my ($m) = @_;
    _check( $m, MESSAGE_CLASS, $EFAULT ) or return undef;
    return $m;
}

sub _new_msg {
    return bless { _data => $_[0] }, MESSAGE_CLASS;
}

sub _is_error {
    my ($e) = @_;
    return Scalar::Util::blessed($e) && $e->isa('ZMQ::Rust::Error');
}

# Runs $code; a ZMQ::Rust::Error becomes $! and a false return, anything else is rethrown.
# The caller's $@ is left alone.
sub _try {
    my ($code) = @_;
    my ( @r, $e );
    {
        local $@;
        return ( 1, @r ) if eval { @r = $code->(); 1 };
        $e = $@;
    }
    die $e unless _is_error($e);
    $! = $e->errno;
    return (0);
}

# ---- errors and version ---------------------------------------------------------------------

sub zmq_errno { return 0 + $! }

sub zmq_strerror {
    _usage( 'zmq_strerror', 'num' ) unless @_ == 1;
    return ZMQ::Rust::strerror( _iv( $_[0] ) );
}

sub zmq_version {
    return unless defined wantarray;
    my @v = ZMQ::Rust::_engine_version();
    return wantarray ? @v : join '.', @v;
}

# ---- contexts -------------------------------------------------------------------------------

sub zmq_ctx_new {
    _usage( 'zmq_ctx_new', 'nthreads = 5' ) if @_ > 1;
    my $n = @_ ? _iv( $_[0] ) : 5;
    # libzmq's default LINGER (-1): queued messages are delivered before a socket goes away.
    my ( $ok, $ctx ) = _try( sub { ZMQ::Rust->new( threads => $n, linger => -1 ) } );
    return undef unless $ok;
    $ctx->die_on_error(0);
    return bless { _zr => $ctx, _pid => $$, _tid => _tid() }, CONTEXT_CLASS;
}

*zmq_init = \&zmq_ctx_new;

sub zmq_ctx_destroy {
    _usage( 'zmq_ctx_destroy', 'ctxt' ) unless @_ == 1;
    my $c = $_[0];
    _check( $c, CONTEXT_CLASS, $EFAULT ) or return;
    # Only the process and thread that made a context terminate it.
    return -1 if $c->{_pid} != $$ || $c->{_tid} != _tid();
    my ($ok) = _try( sub { $c->{_zr}->destroy } );
    # With die_on_error off (as here) an interrupted destroy returns empty and sets $!.
    return -1 unless $ok && $c->{_zr}->is_destroyed;
    $c->{_closed} = 1;
    return 0;
}

*zmq_term = \&zmq_ctx_destroy;

sub zmq_ctx_get {
    _usage( 'zmq_ctx_get', 'ctxt, option_name' ) unless @_ == 2;
    my $c = _ctx( $_[0] ) // return;
    my @r = $c->get( _iv( $_[1] ) );
    return $r[0] if @r;
    $! = $c->last_errno;
    return -1;
}

sub zmq_ctx_set {
    _usage( 'zmq_ctx_set', 'ctxt, option_name, option_value' ) unless @_ == 3;
    my $c = _ctx( $_[0] ) // return;
    my @r = $c->set( _iv( $_[1] ), _iv( $_[2] ) );
    return 0 if @r;
    $! = $c->last_errno;
    return -1;
}

# ---- sockets --------------------------------------------------------------------------------

sub zmq_socket {
    _usage( 'zmq_socket', 'ctxt, type' ) unless @_ == 2;
    my $c = _ctx( $_[0] ) // return;
    my $type = _iv( $_[1] );
    my ( $ok, $z ) = _try( sub { $c->socket($type) } );
    unless ( $ok && $z ) {
        $! = $c->last_errno if $ok;
        return undef;
    }
    $z->die_on_error(0);
    # The socket keeps its context alive, as in ZMQ::LibZMQ3.
    return bless { _zr => $z, _ctx => $_[0], _pid => $$, _tid => _tid() }, SOCKET_CLASS;
}

sub zmq_close {
    _usage( 'zmq_close', 'socket' ) unless @_ == 1;
    my $s = $_[0];
    _check( $s, SOCKET_CLASS, $ENOTSOCK ) or return;
    Carp::croak( 'Invalid ' . SOCKET_CLASS . " object (perhaps you've already freed it?)" )
        if $s->{_tid} != _tid();
    # In a forked child the parent's socket is left alone.
    $s->{_zr}->close if $s->{_pid} == $$;
    $s->{_closed} = 1;
    delete @$s{qw(_zr _ctx)};
    return 0;
}

sub _endpoint_call {
    my ( $method, $s, $addr ) = @_;
    my $z = _sock($s) // return;
    $z or return -1;
    $addr = _bytes($addr);
    unless ( length $addr ) {
        $! = $EINVAL;
        return -1;
    }
    return 0 if $z->$method($addr);
    $! = $z->last_errno;
    return -1;
}

sub zmq_bind {
    _usage( 'zmq_bind', 'socket, addr' ) unless @_ == 2;
    return _endpoint_call( 'bind', @_ );
}

sub zmq_connect {
    _usage( 'zmq_connect', 'socket, addr' ) unless @_ == 2;
    return _endpoint_call( 'connect', @_ );
}

sub zmq_unbind {
    _usage( 'zmq_unbind', 'socket, addr' ) unless @_ == 2;
    return _endpoint_call( 'unbind', @_ );
}

sub zmq_disconnect {
    _usage( 'zmq_disconnect', 'socket, addr' ) unless @_ == 2;
    return _endpoint_call( 'disconnect', @_ );
}

# ---- send and receive -----------------------------------------------------------------------

sub zmq_send {
    _usage( 'zmq_send', 'socket, message, size = -1, flags = 0' ) if @_ < 2 || @_ > 4;
    my ( $s, $buf, $size, $flags ) = @_;
    my $z = _sock($s) // return;
    Carp::croak('ZMQ::Rust::LibZMQ3::zmq_send(): NULL message passed') unless defined $buf;
    $z or return -1;
    my $bytes = _bytes($buf);
    $size = defined $size ? _iv($size) : -1;
    $bytes = substr( $bytes, 0, $size ) if $size >= 0 && $size < length $bytes;
    if ( $z->send( $bytes, _iv($flags) ) ) {
        return length $bytes;
    }
    $! = $z->last_errno;
    return -1;
}

sub zmq_recv {
    _usage( 'zmq_recv', 'socket, buf_sv, len, flags = 0' ) if @_ < 3 || @_ > 4;
    my $z = _sock( $_[0] ) // return;
    $z or return -1;
    my $len = _iv( $_[2] );
    $len = 0 if $len < 0;
    my @r = $z->recv( _iv( $_[3] ) );
    unless (@r) {
        $! = $z->last_errno;
        return -1;
    }
    my $size = length $r[0];
    # As ZMQ::LibZMQ3: the buffer is always $len bytes, cut or padded with NULs; the return
    # value is the size of the frame.
    $_[1] = $size >= $len ? substr( $r[0], 0, $len ) : $r[0] . ( "\0" x ( $len - $size ) );
    return $size;
}

sub zmq_recvmsg {
    _usage( 'zmq_recvmsg', 'socket, flags = 0' ) if @_ < 1 || @_ > 2;
    my $z = _sock( $_[0] ) or return;
    my @r = $z->recv( _iv( $_[1] ) );
    unless (@r) {
        $! = $z->last_errno;
        return;
    }
    return _new_msg( $r[0] );
}

sub zmq_msg_send {
    _usage( 'zmq_msg_send', 'message, socket, flags = 0' ) if @_ < 2 || @_ > 3;
    my ( $msg, $s, $flags ) = @_;
    $msg = zmq_msg_init_data($msg) unless ref $msg;
    my $m = _msg($msg) // return;
    my $z = _sock($s) // return;
    $z or return -1;
    unless ( $z->send( $m->{_data}, _iv($flags) ) ) {
        $! = $z->last_errno;
        return -1;
    }
    my $n = length $m->{_data};
    $m->{_data} = '';    # as zmq_msg_send: a sent message is left empty
    return $n;
}

sub zmq_sendmsg {
    _usage( 'zmq_sendmsg', 'socket, message, flags = 0' ) if @_ < 2 || @_ > 3;
    @_ = ( $_[1], $_[0], @_[ 2 .. $#_ ] );
    goto &zmq_msg_send;
}

sub zmq_msg_recv {
    _usage( 'zmq_msg_recv', 'msg, socket, flags = 0' ) if @_ < 2 || @_ > 3;
    my $m = _msg( $_[0] ) // return;
    my $z = _sock( $_[1] ) // return;
    $z or return -1;
    my @r = $z->recv( _iv( $_[2] ) );
    unless (@r) {
        $! = $z->last_errno;
        return -1;
    }
    $m->{_data} = $r[0];
    return length $r[0];
}

# ---- messages -------------------------------------------------------------------------------

sub zmq_msg_init {
    _usage( 'zmq_msg_init', '' ) if @_;
    return _new_msg('');
}

sub zmq_msg_init_size {
    _usage( 'zmq_msg_init_size', 'size' ) unless @_ == 1;
    my $n = _iv( $_[0] );
    if ( $n < 0 ) {
        $! = $ENOMEM;
        return undef;
    }
    return _new_msg( "\0" x $n );
}

sub zmq_msg_init_data {
    _usage( 'zmq_msg_init_data', 'data, size = -1' ) if @_ < 1 || @_ > 2;
    my $bytes = _bytes( $_[0] );
    my $size  = defined $_[1] ? _iv( $_[1] ) : -1;
    if ( $size >= 0 ) {
        $bytes = length $bytes >= $size
            ? substr( $bytes, 0, $size )
            : $bytes . ( "\0" x ( $size - length $bytes ) );
    }
    return _new_msg($bytes);
}

sub zmq_msg_data {
    _usage( 'zmq_msg_data', 'message' ) unless @_ == 1;
    my $m = _msg( $_[0] ) // return;
    return $m->{_data};
}

sub zmq_msg_size {
    _usage( 'zmq_msg_size', 'message' ) unless @_ == 1;
    my $m = _msg( $_[0] ) // return;
    return length $m->{_data};
}

sub zmq_msg_copy {
    _usage( 'zmq_msg_copy', 'dest, src' ) unless @_ == 2;
    my $d = _msg( $_[0] ) // return;
    my $s = _msg( $_[1] ) // return;
    $d->{_data} = $s->{_data};
    return 0;
}

sub zmq_msg_move {
    _usage( 'zmq_msg_move', 'dest, src' ) unless @_ == 2;
    my $d = _msg( $_[0] ) // return;
    my $s = _msg( $_[1] ) // return;
    my $data = $s->{_data};
    $s->{_data} = '';
    $d->{_data} = $data;
    return 0;
}

sub zmq_msg_close {
    _usage( 'zmq_msg_close', 'message' ) unless @_ == 1;
    my $m = _msg( $_[0] ) // return;
    $m->{_closed} = 1;
    delete $m->{_data};
    return 0;
}

# ---- socket options -------------------------------------------------------------------------

sub _sockopt_type {
    my ($opt) = @_;
    my $type = ZMQ::Rust::Constants::get_sockopt_type($opt);
    # Types added to a loaded ZMQ::Constants with its set_sockopt_type count too.
    $type = ZMQ::Constants::get_sockopt_type($opt)
        if !$type && defined $opt && ZMQ::Constants->can('get_sockopt_type');
    return $type;
}

sub zmq_getsockopt {
    my ( $s, $opt ) = @_;
    my $type = _sockopt_type($opt);
    Carp::croak( 'zmq_getsockopt: Could not find the data type for option ' . ( $opt // '' ) )
        unless $type;
    no strict 'refs';
    goto &{"zmq_getsockopt_$type"};
}

sub zmq_setsockopt {
    my ( $s, $opt ) = @_;
    my $type = _sockopt_type($opt);
    Carp::croak( 'zmq_setsockopt: Could not find the data type for option ' . ( $opt // '' ) )
        unless $type;
    no strict 'refs';
    goto &{"zmq_setsockopt_$type"};
}

# get: the value, or undef with $! set.
sub _getopt {
    my ( $s, $opt, $type ) = @_;
    my $z = _sock($s) // return;
    $z or return undef;
    my @r = $z->get( _iv($opt), $type );
    return $r[0] if @r;
    $! = $z->last_errno;
    return undef;
}

sub zmq_getsockopt_int {
    _usage( 'zmq_getsockopt_int', 'sock, option' ) unless @_ == 2;
    return _getopt( @_, 'int' );
}

sub zmq_getsockopt_int64 {
    _usage( 'zmq_getsockopt_int64', 'sock, option' ) unless @_ == 2;
    return _getopt( @_, 'int64_t' );
}

sub zmq_getsockopt_uint64 {
    _usage( 'zmq_getsockopt_uint64', 'sock, option' ) unless @_ == 2;
    return _getopt( @_, 'uint64_t' );
}

# The option's bytes, at most $len of them (else EINVAL, as libzmq), a string option with its
# terminating NUL except ZMQ_LAST_ENDPOINT (as ZMQ::LibZMQ3 1.19 returns them).
sub zmq_getsockopt_string {
    _usage( 'zmq_getsockopt_string', 'sock, option, len = 1024' ) if @_ < 2 || @_ > 3;
    my ( $s, $opt, $len ) = @_;
    my $z = _sock($s) // return;
    $z or return undef;
    $len = defined $len ? _iv($len) : 1024;
    $opt = _iv($opt);
    my $string = ( ZMQ::Rust::Constants::sockopt_type($opt) // '' ) eq 'string';
    my @r = $z->get( $opt, $string ? 'string' : 'binary' );
    unless (@r) {
        $! = $z->last_errno;
        return undef;
    }
    my $v = defined $r[0] ? $r[0] : '';
    $v .= "\0" if $string;
    if ( length $v > $len ) {
        $! = $EINVAL;
        return undef;
    }
    $v =~ s/\0\z// if $opt == $LAST_ENDPOINT;
    return $v;
}

sub _setopt {
    my ( $s, $opt, $type, $v ) = @_;
    my $z = _sock($s) // return;
    $z or return -1;
    $v = $type eq 'binary' || $type eq 'string' ? _bytes($v) : defined $v ? $v : 0;
    return 0 if $z->set( _iv($opt), $type, $v );
    $! = $z->last_errno;
    return -1;
}

sub zmq_setsockopt_int {
    _usage( 'zmq_setsockopt_int', 'sock, option, val' ) unless @_ == 3;
    return _setopt( $_[0], $_[1], 'int', $_[2] );
}

sub zmq_setsockopt_int64 {
    _usage( 'zmq_setsockopt_int64', 'sock, option, val' ) unless @_ == 3;
    return _setopt( $_[0], $_[1], 'int64_t', $_[2] );
}

sub zmq_setsockopt_uint64 {
    _usage( 'zmq_setsockopt_uint64', 'sock, option, val' ) unless @_ == 3;
    return _setopt( $_[0], $_[1], 'uint64_t', $_[2] );
}

sub zmq_setsockopt_string {
    _usage( 'zmq_setsockopt_string', 'sock, option, value' ) unless @_ == 3;
    my $string = ( ZMQ::Rust::Constants::sockopt_type( _iv( $_[1] ) ) // '' ) eq 'string';
    return _setopt( $_[0], $_[1], $string ? 'string' : 'binary', $_[2] );
}

# ---- zmq_poll -------------------------------------------------------------------------------

# fd and events must be integers (ZMQ::LibZMQ3 insists on an IV: the string "1" is refused).
sub _is_int {
    my ($v) = @_;
    return 0 if !defined $v || ref $v;
    return B::svref_2object( \$v )->FLAGS & B::SVf_IOK() ? 1 : 0;
}

sub zmq_poll {
    _usage( 'zmq_poll', 'list, timeout = 0' ) if @_ < 1 || @_ > 2;
    my ( $list, $timeout ) = @_;
    Carp::croak('ZMQ::Rust::LibZMQ3::zmq_poll: list is not an ARRAY reference')
        unless ref $list && Scalar::Util::reftype($list) eq 'ARRAY';
    my $n = @$list;
    return unless $n;
    my ( @items, @events, @callbacks );
    my $terminated = 0;
    for my $i ( 0 .. $n - 1 ) {
        my $it = $list->[$i];
        Carp::croak("Invalid value on index $i")
            unless ref $it && Scalar::Util::reftype($it) eq 'HASH';
        my $item;
        if ( exists $it->{socket} ) {
            my $s = $it->{socket};
            Carp::croak("Invalid 'socket' given for index $i")
                unless Scalar::Util::blessed($s) && $s->isa(SOCKET_CLASS);
            if ( $s->{_closed} ) {
                Carp::carp("Invalid socket found with pollitems[$i] in zmq_poll(), ignoring");
                $item = [ undef, undef, 0 ];
            }
            else {
                my $z = _sock($s);
                if ($z) {
                    $item = [ $z, undef, undef ];
                }
                else {
                    $terminated = 1;
                    $item = [ undef, undef, 0 ];
                }
            }
        }
        else {
            Carp::croak("Invalid 'fd' given for index $i") unless _is_int( $it->{fd} );
            $item = [ undef, $it->{fd}, undef ];
        }
        Carp::croak("Invalid 'events' given for index $i") unless _is_int( $it->{events} );
        my $cb = $it->{callback};
        Carp::croak("Invalid 'callback' given for index $i")
            unless ref $cb && Scalar::Util::reftype($cb) eq 'CODE';
        $item->[2] //= $it->{events};
        push @items,     $item;
        push @events,    $it->{events};
        push @callbacks, $cb;
    }
    # libzmq's zmq_poll fails with ETERM on a socket whose context was terminated.
    if ($terminated) {
        $! = $ETERM;
        return wantarray ? () : -1;
    }
    my ( $ok, @revents ) = _try( sub { ZMQ::Rust::_poll( \@items, _iv($timeout) ) } );
    return wantarray ? () : -1 unless $ok;
    my @fired = map { ( $revents[$_] & $events[$_] ) ? 1 : 0 } 0 .. $n - 1;
    my $rv    = grep { $_ } @revents;
    for my $i ( 0 .. $n - 1 ) {
        next unless $fired[$i];
        my $cb = $callbacks[$i];
        my $ignored = $cb->();    # no arguments, scalar context, as ZMQ::LibZMQ3 calls them
    }
    return wantarray ? @fired : $rv;
}

# ---- devices, proxies, monitors -------------------------------------------------------------

sub _proxy {
    my @socks = @_;
    my ( $ok, $r ) = _try( sub { ZMQ::Rust::_proxy(@socks) } );
    return $ok && $r ? 0 : -1;
}

# The proxy's sockets: the ZMQ::Rust sockets, or () after setting $! (the caller returns
# empty for a closed LibZMQ3 socket, -1 for one whose context was terminated).
sub _proxy_socks {
    my @out;
    for my $s (@_) {
        if ( !defined $s ) {
            push @out, undef;
            next;
        }
        my $z = _sock($s);
        return ( undef, 1 ) unless defined $z;
        return ( undef, 0 ) unless $z;
        push @out, $z;
    }
    return ( \@out );
}

sub zmq_device {
    _usage( 'zmq_device', 'device, insocket, outsocket' ) unless @_ == 3;
    my ( $type, @socks ) = @_;
    my ( $z, $closed ) = _proxy_socks(@socks);
    return $closed ? () : -1 unless $z;
    unless ( $DEVICE{ _iv($type) } ) {
        $! = $EINVAL;
        return -1;
    }
    return _proxy(@$z);
}

sub zmq_proxy {
    _usage( 'zmq_proxy', 'frontend, backend, capture = NULL' ) if @_ < 2 || @_ > 3;
    my ( $z, $closed ) = _proxy_socks(@_);
    return $closed ? () : -1 unless $z;
    return _proxy(@$z);
}

sub zmq_proxy_steerable {
    _usage( 'zmq_proxy_steerable', 'frontend, backend, capture, control' ) unless @_ == 4;
    Carp::croak('zmq_proxy_steerable: the control socket is required') unless defined $_[3];
    my ( $z, $closed ) = _proxy_socks(@_);
    return $closed ? () : -1 unless $z;
    return _proxy(@$z);
}

sub zmq_socket_monitor {
    _usage( 'zmq_socket_monitor', 'socket, addr, events' ) if @_ < 2 || @_ > 3;
    my ( $s, $addr, $events ) = @_;
    my $z = _sock($s) // return;
    $z or return -1;
    $events = defined $events ? _iv($events) : ZMQ::Rust::Constants::ZMQ_EVENT_ALL();
    my ( $ok, $r ) = _try( sub { $z->monitor( defined $addr ? _bytes($addr) : undef, $events ) } );
    return 0 if $ok && $r;
    $! = $z->last_errno if $ok;
    return -1;
}

# ---- CURVE keys and Z85 (not in ZMQ::LibZMQ3: libzmq's C functions, Perl-shaped) ---------

sub zmq_curve_keypair {
    _usage( 'zmq_curve_keypair', '' ) if @_;
    my ( $ok, @keys ) = _try( \&ZMQ::Rust::curve_keypair );
    return $ok ? @keys : ();
}

sub zmq_curve_public {
    _usage( 'zmq_curve_public', 'secret_key' ) unless @_ == 1;
    my ($secret) = @_;
    my ( $ok, $public ) = _try( sub { ZMQ::Rust::curve_public( _bytes_or_undef($secret) ) } );
    return $ok ? $public : undef;
}

sub zmq_z85_encode {
    _usage( 'zmq_z85_encode', 'data' ) unless @_ == 1;
    my ($data) = @_;
    my ( $ok, $text ) = _try( sub { ZMQ::Rust::z85_encode( _bytes_or_undef($data) ) } );
    return $ok ? $text : undef;
}

sub zmq_z85_decode {
    _usage( 'zmq_z85_decode', 'string' ) unless @_ == 1;
    my ($string) = @_;
    my ( $ok, $data ) = _try( sub { ZMQ::Rust::z85_decode( _bytes_or_undef($string) ) } );
    return $ok ? $data : undef;
}

sub _bytes_or_undef { defined $_[0] ? _bytes( $_[0] ) : undef }

# ---- classes --------------------------------------------------------------------------------

# The objects answer isa() for ZMQ::LibZMQ3's classes too, as code written for it (the ZMQ
# wrapper's recvmsg, for one) checks them. Those packages need to exist for that (they stay
# empty, and loading the real ZMQ::LibZMQ3 is still possible).
for my $class (qw(Context Socket Message)) {
    no strict 'refs';
    ${"ZMQ::LibZMQ3::${class}::_ZMQ_RUST_STAND_IN"} = 1;
}
@ZMQ::Rust::LibZMQ3::Context::ISA = ('ZMQ::LibZMQ3::Context');
@ZMQ::Rust::LibZMQ3::Socket::ISA  = ('ZMQ::LibZMQ3::Socket');
@ZMQ::Rust::LibZMQ3::Message::ISA = ('ZMQ::LibZMQ3::Message');

1;
__END__

=encoding utf8

=head1 NAME

ZMQ::Rust::LibZMQ3 - ZMQ::LibZMQ3's functional API on the ZMQ::Rust engine

=head1 SYNOPSIS

    use ZMQ::Rust::LibZMQ3;                 # was: use ZMQ::LibZMQ3;
    use ZMQ::Rust::Constants qw(:all);      # was: use ZMQ::Constants qw(:all);

    my $ctxt = zmq_init();
    my $rep  = zmq_socket($ctxt, ZMQ_REP);
    zmq_bind($rep, 'tcp://127.0.0.1:5555') == 0 or die "bind: $!";

    my $req = zmq_socket($ctxt, ZMQ_REQ);
    zmq_connect($req, 'tcp://127.0.0.1:5555');
    zmq_sendmsg($req, 'hello');

    my $msg = zmq_recvmsg($rep);
    print zmq_msg_data($msg), "\n";

    # or as the CPAN ZMQ wrapper's backend
    BEGIN { $ENV{PERL_ZMQ_BACKEND} = 'ZMQ::Rust::LibZMQ3' }
    use ZMQ;

=head1 DESCRIPTION

The API of L<ZMQ::LibZMQ3> 1.19 (the thin XS binding of libzmq 3/4), function for function
and with the same return conventions, over the ZMQ::Rust engine: no libzmq is needed.
Porting a program is the change of its C<use> lines; see L<ZMQ::Rust/PORTING>.

It is pure Perl: the objects are blessed hashes (C<reftype> is C<HASH>) of the classes
C<ZMQ::Rust::LibZMQ3::Context>, C<::Socket> and C<::Message>, which also answer C<isa> for
C<ZMQ::LibZMQ3::Context>, C<::Socket> and C<::Message>. They have no methods.

=head1 EXPORTS

The 34 functions ZMQ::LibZMQ3 exports by default, and nothing else:

C<zmq_errno zmq_strerror zmq_init zmq_term zmq_ctx_new zmq_ctx_destroy zmq_ctx_set
zmq_ctx_get zmq_msg_send zmq_msg_recv zmq_msg_close zmq_msg_data zmq_msg_init
zmq_msg_init_data zmq_msg_init_size zmq_msg_size zmq_msg_copy zmq_msg_move zmq_bind
zmq_unbind zmq_close zmq_connect zmq_disconnect zmq_getsockopt zmq_recv zmq_recvmsg zmq_send
zmq_sendmsg zmq_setsockopt zmq_socket zmq_socket_monitor zmq_poll zmq_device zmq_proxy>.

Called by their full names (or imported by name): C<zmq_version>, the typed
C<zmq_getsockopt_int>, C<_int64>, C<_uint64>, C<_string> and C<zmq_setsockopt_int>, C<_int64>,
C<_uint64>, C<_string>, and, not in ZMQ::LibZMQ3, C<zmq_proxy_steerable>,
C<zmq_curve_keypair>, C<zmq_curve_public>, C<zmq_z85_encode> and C<zmq_z85_decode>. The
constant subs
C<HAS_ZMQ_INIT>, C<HAS_ZMQ_TERM>, C<HAS_ZMQ_CTX_NEW>, C<HAS_ZMQ_CTX_DESTROY>,
C<HAS_ZMQ_CTX_GET>, C<HAS_ZMQ_CTX_SET>, C<HAS_ZMQ_DEVICE>, C<HAS_ZMQ_PROXY>,
C<HAS_ZMQ_MSG_SEND>, C<HAS_ZMQ_MSG_RECV>, C<HAS_ZMQ_SENDMSG>, C<HAS_ZMQ_RECVMSG>,
C<HAS_ZMQ_SOCKET_MONITOR>, C<HAS_ZMQ_UNBIND> and C<HAS_ZMQ_DISCONNECT> are all true.

No constants are exported: use L<ZMQ::Rust::Constants>, which also takes ZMQ::Constants'
import arguments (C<:v3.1.1>, C<:socket>, ...) and has its C<get_sockopt_type> and
C<set_sockopt_type>.

=head1 RETURN CONVENTIONS

Failures return C<-1> (or C<undef> where the function returns an object or a value) and set
C<$!> to the errno: the OS's own numbers (C<EAGAIN>, C<EINVAL>, C<EPROTONOSUPPORT>, ...) and
libzmq's C<EFSM>, C<ETERM>, ... (which C<"$!"> shows as C<Unknown error 156384765>; use
C<zmq_strerror($!+0)>). Nothing croaks except structural problems, each with ZMQ::LibZMQ3's
message: a non-object where an object is expected (C<Argument is not an object
(ZMQ::Rust::LibZMQ3::Socket)>), a wrong number of arguments (C<Usage: ...>), an undefined
C<zmq_send> buffer (C<NULL message passed>), an option of unknown type, a bad C<zmq_poll>
item.

A closed object (after C<zmq_close>, C<zmq_term> or C<zmq_msg_close>, which set its
C<_closed> key) makes every function return the empty list (C<undef> in scalar context) and
set C<$!> to C<ENOTSOCK> for sockets, C<EFAULT> for contexts and messages.

=head1 FUNCTIONS

=over

=item zmq_init($nthreads = 5), zmq_ctx_new($nthreads = 5)

A context, or undef (C<zmq_init(-1)> fails with EINVAL). Sockets start with libzmq's
C<ZMQ_LINGER> of -1.

=item zmq_term($ctxt), zmq_ctx_destroy($ctxt)

0, after closing the context's sockets that are still open (each waiting for its linger)
and waiting for sockets other threads made from it to be closed; their blocking calls fail
with ETERM. Later calls on sockets of a terminated context fail with ETERM. In a forked
child or another thread than the creator's, returns -1 and does nothing.

=item zmq_ctx_get($ctxt, $option), zmq_ctx_set($ctxt, $option, $value)

The value or 0; -1 on failure.

=item zmq_socket($ctxt, $type)

A socket, or undef (EINVAL for an unknown type).

=item zmq_close($socket)

0. In a forked child the parent's socket is left alone (and still 0).

=item zmq_bind, zmq_connect, zmq_unbind, zmq_disconnect ($socket, $endpoint)

0 or -1: EINVAL for a malformed endpoint, EPROTONOSUPPORT for an unknown transport,
EADDRINUSE, ENOENT.

=item zmq_send($socket, $buffer, $size = -1, $flags = 0)

The number of bytes sent, or -1. C<$size> below the length of C<$buffer> sends only that
many bytes. A UTF-8 string goes out as its UTF-8 bytes. An undefined buffer croaks.

=item zmq_recv($socket, $buffer, $len, $flags = 0)

Receives a frame into C<$buffer> and returns its size, or -1. As in ZMQ::LibZMQ3,
C<$buffer> is set to exactly C<$len> bytes: the frame cut to C<$len>, or padded with NULs.

=item zmq_sendmsg($socket, $msg_or_string, $flags = 0), zmq_msg_send($msg_or_string, $socket, $flags = 0)

The bytes sent, or -1. A sent message object is left empty, as libzmq does.

=item zmq_recvmsg($socket, $flags = 0)

A message; on failure undef in scalar context and the empty list in list context.

=item zmq_msg_recv($msg, $socket, $flags = 0)

The frame's size, or -1.

=item zmq_msg_init, zmq_msg_init_size($size), zmq_msg_init_data($data, $size = -1)

A message (C<init_data> copies C<$data>; C<$size> cuts or NUL-pads it).

=item zmq_msg_data($msg), zmq_msg_size($msg), zmq_msg_copy($dst, $src), zmq_msg_move($dst, $src), zmq_msg_close($msg)

Messages hold their bytes in Perl; C<move> leaves C<$src> empty.

=item zmq_getsockopt($socket, $option), zmq_setsockopt($socket, $option, $value)

Typed by C<ZMQ::Rust::Constants::get_sockopt_type> (then, if it is loaded,
C<ZMQ::Constants::get_sockopt_type>); an option of no known type croaks C<zmq_getsockopt:
Could not find the data type for option N>. C<ZMQ_RCVMORE> and C<ZMQ_FD> are ints; the fd
works with C<AE::io>. A failed get returns undef, a failed set -1.

=item zmq_getsockopt_int, _int64, _uint64, _string($socket, $option[, $len = 1024])

=item zmq_setsockopt_int, _int64, _uint64, _string($socket, $option, $value)

C<_string> returns string options with their terminating NUL, except C<ZMQ_LAST_ENDPOINT>,
as ZMQ::LibZMQ3 does with libzmq 4; a value longer than C<$len> fails with EINVAL.

=item zmq_poll(\@items, $timeout = 0)

Each item is a hash: C<socket> (a socket) or C<fd> (an integer), C<events> (an integer mask)
and C<callback> (a code reference, called with no arguments when the item fires). Anything
else croaks as ZMQ::LibZMQ3 does: C<Invalid value on index N>, C<Invalid 'socket' given for
index N>, C<Invalid 'fd' ...>, C<Invalid 'events' ...>, C<Invalid 'callback' ...>. A string
such as C<"1"> is not an integer (a number that has also been used as a string is accepted,
where ZMQ::LibZMQ3 refuses it). A closed socket warns C<Invalid socket found with
pollitems[N] in zmq_poll(), ignoring>. The timeout is in milliseconds (-1: forever). Returns
the number of ready items (scalar context) or a 0/1 per item (list context); -1 (or the
empty list) with C<$!> set on failure, ETERM if a socket's context was terminated.

=item zmq_device($type, $in, $out), zmq_proxy($frontend, $backend, $capture = undef)

Run a proxy (C<ZMQ_QUEUE>, C<ZMQ_FORWARDER> and C<ZMQ_STREAMER> are all the proxy) until the
context is terminated, then return -1 with ETERM. An unknown device type is EINVAL.

=item zmq_proxy_steerable($frontend, $backend, $capture, $control)

Not in ZMQ::LibZMQ3: the proxy with a control socket taking C<PAUSE>, C<RESUME>,
C<TERMINATE> (returns 0) and C<STATISTICS>.

=item zmq_socket_monitor($socket, $endpoint, $events)

0 or -1. Events arrive on a PAIR connected to the C<inproc://> endpoint as two frames:
C<unpack('S L', $frame1)> is (event, value), frame 2 the endpoint.

=item zmq_curve_keypair(), zmq_curve_public($secret)

Not in ZMQ::LibZMQ3; libzmq's C functions. C<zmq_curve_keypair> returns a new CURVE key pair
C<($public, $secret)>, each 40 Z85 characters (the secret from the operating system's random
generator). C<zmq_curve_public> returns the public key of a secret key given as 40 Z85
characters (a trailing NUL is allowed), or undef with C<$!> EINVAL when it is not that.
C<curve> is still not a mechanism sockets can use (see L<ZMQ::Rust/SECURITY>).

=item zmq_z85_encode($data), zmq_z85_decode($string)

Not in ZMQ::LibZMQ3; libzmq's C functions. Z85 (ZeroMQ RFC 32) text of C<$data> (a multiple
of 4 bytes), and the bytes of C<$string> (at least 5 characters, a multiple of 5, with an
optional trailing NUL). Invalid input returns undef with C<$!> EINVAL: a wrong length, a
character outside the Z85 alphabet, or a group of 5 characters above 0xFFFFFFFF (C<#####>).

=item zmq_errno, zmq_strerror($errno), zmq_version

C<zmq_version> is C<"4.3.5"> in scalar context and C<(4, 3, 5)> in list context.

=back

=head1 FORK AND THREADS

As in ZMQ::LibZMQ3: a context or socket is freed, closed or terminated only by the process
and thread that created it. In a forked child, C<zmq_term> returns -1 and C<zmq_close>
returns 0 and neither touches the parent's state; any other use of the parent's objects
croaks (create a new context in the child). In a new interpreter thread the context is
shared (make the thread's sockets from it; C<zmq_term> there returns -1), sockets are inert
(using one croaks C<Invalid ZMQ::Rust::LibZMQ3::Socket object (perhaps you've already freed
it?)>) and messages are copies.

=head1 DIFFERENCES

Unknown flag bits are ignored and bit 0 means C<ZMQ_DONTWAIT>, so C<zmq_recvmsg($s,
ZMQ_RCVMORE)> is non-blocking, as with libzmq. At program exit ZMQ::Rust closes the sockets
still open and waits at most 2 seconds for what they have queued, where libzmq with
C<LINGER> -1 can hang for ever. C<zmq_proxy($f, $b, undef)> is accepted. The C<##klass##>
of ZMQ::LibZMQ3's "Invalid object" message is filled in.

=head1 SEE ALSO

L<ZMQ::Rust>, L<ZMQ::Rust::Constants>, L<ZMQ::LibZMQ3>

=cut
