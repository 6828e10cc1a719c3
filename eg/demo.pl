#!/usr/bin/env perl
# A tour of ZMQ::Rust over inproc://: REQ/REP, PUSH/PULL fan-in, PUB/SUB with prefix
# filters, and JSON messages. Run it with `make demo` (or perl -Mblib eg/demo.pl).
use strict;
use warnings;
use ZMQ::Rust qw(:socket_types ZMQ_DONTWAIT ZMQ_SNDMORE);

my $ctx = ZMQ::Rust->new;

# REQ/REP: strict request/reply.
my $rep = $ctx->socket(ZMQ_REP);
$rep->bind('inproc://echo');
my $req = $ctx->socket(ZMQ_REQ);
$req->connect('inproc://echo');
$req->send('ping');
my $q = $rep->recv;
$rep->send("pong to $q");
print "REQ/REP:   ", $req->recv, "\n";

# PUSH/PULL: two workers' results fair-queued into one sink, in one multipart message each.
my $sink = $ctx->socket(ZMQ_PULL);
$sink->bind('inproc://sink');
my @workers = map { my $s = $ctx->socket(ZMQ_PUSH); $s->connect('inproc://sink'); $s } 1 .. 2;
$workers[$_]->send_multipart(["worker $_", 'result ' . ($_ * 10)]) for 0 .. 1;
print "PUSH/PULL: ", join(' => ', $sink->recv_multipart), "\n" for 1 .. 2;

# PUB/SUB: only subscribed prefixes arrive.
my $pub = $ctx->socket(ZMQ_PUB);
$pub->bind('inproc://news');
my $sub = $ctx->socket(ZMQ_SUB);
$sub->connect('inproc://news');
$sub->subscribe('weather.');
$pub->send($_) for 'sports.score 3-1', 'weather.paris sunny', 'weather.oslo snow';
while (defined(my $m = eval { $sub->recv(ZMQ_DONTWAIT) })) {
    print "PUB/SUB:   $m\n";
}

# JSON: structured messages, canonical UTF-8 encoding.
my $server = $ctx->socket(ZMQ_ROUTER);
$server->bind('inproc://api');
my $client = $ctx->socket(ZMQ_DEALER);
$client->set_identity('client-1');
$client->connect('inproc://api');
$client->send_json({ op => 'add', args => [ 2, 40 ] });
my ($id, $body) = $server->recv_multipart;
my $call = ZMQ::Rust::Serializer::json()->decode($body);
$server->send($id, ZMQ_SNDMORE);
$server->send_json({ result => $call->{args}[0] + $call->{args}[1] });
print "JSON:      $id asked '$call->{op}', got ", $client->recv_json->{result}, "\n";

$ctx->destroy;
print "done\n";
