use strict;
use warnings;
use Test::More;

# Every program in eg/ runs to completion and prints what it promises.
my $out = `$^X -Mblib eg/demo.pl 2>&1`;
is $?, 0, 'eg/demo.pl exits 0' or diag $out;
like $out, qr/^REQ\/REP:   pong to ping$/m,            'REQ/REP round trip';
like $out, qr/^PUSH\/PULL: worker 0 => result 0$/m,     'first worker result';
like $out, qr/^PUSH\/PULL: worker 1 => result 10$/m,    'second worker result';
like $out, qr/^PUB\/SUB:   weather\.paris sunny$/m,     'subscribed topic arrives';
unlike $out, qr/sports/,                                'unsubscribed topic filtered out';
like $out, qr/^JSON:      client-1 asked 'add', got 42$/m, 'JSON request/reply through ROUTER/DEALER';
like $out, qr/^done$/m, 'finished';

done_testing;
