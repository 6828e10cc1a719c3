//! ROUTER and DEALER: routing ids, routing, ROUTER_MANDATORY, handover, probes.

mod util;

use util::*;
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, Error, Socket, SocketType, DONTWAIT, POLLOUT, SNDMORE};

fn dealer_with_id(ctx: &Context, rid: &[u8], ep: &str) -> Socket {
    let mut d = socket(ctx, SocketType::Dealer);
    d.set_option(id::ROUTING_ID, rid).unwrap();
    d.connect(ep).unwrap();
    d
}

#[test]
fn generated_ids_are_five_bytes_starting_with_zero() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://gen");
    let mut d1 = connected(&ctx, SocketType::Dealer, "inproc://gen");
    let mut d2 = connected(&ctx, SocketType::Dealer, "inproc://gen");
    send(&mut d1, b"one");
    send(&mut d2, b"two");
    let m1 = recv(&mut router);
    let m2 = recv(&mut router);
    for m in [&m1, &m2] {
        assert_eq!(m[0].len(), 5, "id {:?}", m[0]);
        assert_eq!(m[0][0], 0);
    }
    assert_eq!(m1[1], b"one");
    assert_eq!(m2[1], b"two");
    // libzmq counts up from a random start.
    let n1 = u32::from_be_bytes(m1[0][1..].try_into().unwrap());
    let n2 = u32::from_be_bytes(m2[0][1..].try_into().unwrap());
    assert_eq!(n2, n1.wrapping_add(1));
    // Replies find their way back by those ids.
    send_parts(&mut router, &[&m2[0], b"to two"]);
    send_parts(&mut router, &[&m1[0], b"to one"]);
    assert_eq!(recv_one(&mut d1), b"to one");
    assert_eq!(recv_one(&mut d2), b"to two");
}

#[test]
fn routing_id_option_names_the_peer() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://rid");
    let mut d = dealer_with_id(&ctx, b"dealer-1", "inproc://rid");
    send(&mut d, b"hello");
    assert_eq!(recv(&mut router), msg(&[b"dealer-1", b"hello"]));
    assert!(!router.rcvmore());
    // The DEALER can read its own id back.
    assert_eq!(
        d.get_option(id::ROUTING_ID).unwrap().to_raw(),
        b"dealer-1".to_vec()
    );
}

#[test]
fn routing_id_with_connect_before_bind() {
    let ctx = Context::new();
    let mut d = dealer_with_id(&ctx, b"early", "inproc://cbb");
    send(&mut d, b"queued");
    let mut router = bound(&ctx, SocketType::Router, "inproc://cbb");
    assert_eq!(recv(&mut router), msg(&[b"early", b"queued"]));
    send_parts(&mut router, &[b"early", b"back"]);
    assert_eq!(recv_one(&mut d), b"back");
}

#[test]
fn router_connecting_before_the_peer_binds_learns_its_id() {
    let ctx = Context::new();
    let mut router = connected(&ctx, SocketType::Router, "inproc://rcbb");
    let mut d = socket(&ctx, SocketType::Dealer);
    d.set_option(id::ROUTING_ID, b"D").unwrap();
    d.bind("inproc://rcbb").unwrap();
    send(&mut d, b"hi");
    assert_eq!(recv(&mut router), msg(&[b"D", b"hi"]));
    send_parts(&mut router, &[b"D", b"back"]);
    assert_eq!(recv_one(&mut d), b"back");
}

#[test]
fn replies_go_to_the_right_dealer() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://route");
    let mut dealers: Vec<_> = [b"A", b"B", b"C"]
        .iter()
        .map(|n| dealer_with_id(&ctx, *n, "inproc://route"))
        .collect();
    for d in dealers.iter_mut() {
        send(d, b"hi");
    }
    for _ in 0..3 {
        recv(&mut router);
    }
    for name in [b"C", b"A", b"B", b"B"] {
        send_parts(&mut router, &[name, b"for", name]);
    }
    assert_eq!(drain(&mut dealers[0]), vec![msg(&[b"for", b"A"])]);
    assert_eq!(drain(&mut dealers[1]), vec![msg(&[b"for", b"B"]); 2]);
    assert_eq!(drain(&mut dealers[2]), vec![msg(&[b"for", b"C"])]);
}

#[test]
fn unknown_id_is_dropped_silently() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://unk");
    let mut d = dealer_with_id(&ctx, b"D", "inproc://unk");
    send(&mut d, b"hi");
    recv(&mut router);
    send_parts(&mut router, &[b"nobody", b"lost", b"frames"]);
    send_parts(&mut router, &[b"D", b"found"]);
    assert_eq!(recv(&mut d), msg(&[b"found"]));
    assert_nothing(&mut d);
}

#[test]
fn mandatory_unknown_id_is_host_unreachable() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://mand");
    router.set_int(id::ROUTER_MANDATORY, 1).unwrap();
    let mut d = dealer_with_id(&ctx, b"D", "inproc://mand");
    assert_eq!(
        router.send("nobody".into(), SNDMORE),
        Err(Error::HostUnreachable)
    );
    assert_eq!(
        router.send("nobody".into(), SNDMORE | DONTWAIT),
        Err(Error::HostUnreachable)
    );
    // The failed id frame left no message half-sent: the next one starts afresh.
    send_parts(&mut router, &[b"D", b"ok"]);
    assert_eq!(recv(&mut d), msg(&[b"ok"]));
}

#[test]
fn mandatory_full_pipe_is_again() {
    let ctx = Context::new();
    let mut router = socket(&ctx, SocketType::Router);
    router.set_int(id::ROUTER_MANDATORY, 1).unwrap();
    router.set_int(id::SNDHWM, 1).unwrap();
    router.set_int(id::SNDTIMEO, 50).unwrap();
    router.bind("inproc://full").unwrap();
    let mut d = socket(&ctx, SocketType::Dealer);
    d.set_option(id::ROUTING_ID, b"D").unwrap();
    d.set_int(id::RCVHWM, 1).unwrap();
    d.connect("inproc://full").unwrap();

    // The pipe holds SNDHWM + RCVHWM = 2 messages.
    let mut sent = 0;
    loop {
        match router.send("D".into(), SNDMORE | DONTWAIT) {
            Ok(()) => {
                router.send("body".into(), DONTWAIT).unwrap();
                sent += 1;
            }
            Err(Error::Again) => break,
            Err(e) => panic!("{e:?}"),
        }
        assert!(sent <= 2, "HWM not enforced");
    }
    assert_eq!(sent, 2);
    // Blocking send waits SNDTIMEO, then gives Again too.
    assert_eq!(router.send("D".into(), SNDMORE), Err(Error::Again));
    assert_eq!(router.events().unwrap() & POLLOUT, 0, "no peer has room");
    // Reading makes room again.
    assert_eq!(recv_one(&mut d), b"body");
    assert_ne!(router.events().unwrap() & POLLOUT, 0);
    send_parts(&mut router, &[b"D", b"more"]);
    assert_eq!(drain(&mut d).len(), 2);
}

#[test]
fn without_mandatory_full_pipe_drops() {
    let ctx = Context::new();
    let mut router = socket(&ctx, SocketType::Router);
    router.set_int(id::SNDHWM, 1).unwrap();
    router.bind("inproc://drop").unwrap();
    let mut d = socket(&ctx, SocketType::Dealer);
    d.set_option(id::ROUTING_ID, b"D").unwrap();
    d.set_int(id::RCVHWM, 1).unwrap();
    d.connect("inproc://drop").unwrap();
    for i in 0..10u8 {
        router.send("D".into(), SNDMORE | DONTWAIT).unwrap();
        router.send(vec![i].into(), DONTWAIT).unwrap();
    }
    let got: Vec<u8> = drain(&mut d).into_iter().map(|m| m[0][0]).collect();
    assert_eq!(got, vec![0, 1]);
}

#[test]
fn duplicate_identity_is_ignored() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://dup");
    let mut first = dealer_with_id(&ctx, b"X", "inproc://dup");
    send(&mut first, b"from first");
    assert_eq!(recv(&mut router), msg(&[b"X", b"from first"]));

    let mut second = dealer_with_id(&ctx, b"X", "inproc://dup");
    let _ = second.send("from second".into(), DONTWAIT);
    send(&mut first, b"first again");
    assert_eq!(recv(&mut router), msg(&[b"X", b"first again"]));
    assert_nothing(&mut router);

    // Replies to "X" still reach the first connection.
    send_parts(&mut router, &[b"X", b"reply"]);
    assert_eq!(recv_one(&mut first), b"reply");
    assert_nothing(&mut second);
}

#[test]
fn handover_gives_the_id_to_the_new_connection() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://hand");
    router.set_int(id::ROUTER_HANDOVER, 1).unwrap();
    let mut first = dealer_with_id(&ctx, b"X", "inproc://hand");
    send(&mut first, b"from first");
    assert_eq!(recv(&mut router), msg(&[b"X", b"from first"]));

    let mut second = dealer_with_id(&ctx, b"X", "inproc://hand");
    send(&mut second, b"from second");
    assert_eq!(recv(&mut router), msg(&[b"X", b"from second"]));
    send_parts(&mut router, &[b"X", b"reply"]);
    assert_eq!(recv_one(&mut second), b"reply");
    assert_nothing(&mut first);
}

#[test]
fn probe_router_sends_an_empty_message_on_connect() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://probe");
    let mut d = socket(&ctx, SocketType::Dealer);
    d.set_int(id::PROBE_ROUTER, 1).unwrap();
    d.set_option(id::ROUTING_ID, b"P").unwrap();
    d.connect("inproc://probe").unwrap();
    assert_eq!(recv(&mut router), msg(&[b"P", b""]));
    // The probe is an ordinary message after that: the peer can answer it.
    send_parts(&mut router, &[b"P", b"hello"]);
    assert_eq!(recv_one(&mut d), b"hello");

    // A ROUTER with PROBE_ROUTER probes the peers that connect to it.
    let mut r2 = socket(&ctx, SocketType::Router);
    r2.set_int(id::PROBE_ROUTER, 1).unwrap();
    r2.bind("inproc://probe2").unwrap();
    let mut d2 = connected(&ctx, SocketType::Dealer, "inproc://probe2");
    // The binder attaches the pipe (and probes) when it next processes commands.
    assert_eq!(r2.events().unwrap() & zmq_rust_core::POLLIN, 0);
    assert_eq!(recv_one(&mut d2), b"");
}

#[test]
fn connect_routing_id_on_router_to_router() {
    let ctx = Context::new();
    let mut server = socket(&ctx, SocketType::Router);
    server.set_option(id::ROUTING_ID, b"server").unwrap();
    server.bind("inproc://r2r").unwrap();
    let mut client = socket(&ctx, SocketType::Router);
    client.set_option(id::ROUTING_ID, b"client").unwrap();
    client
        .set_option(id::CONNECT_ROUTING_ID, b"my-name-for-server")
        .unwrap();
    client.connect("inproc://r2r").unwrap();

    send_parts(&mut client, &[b"my-name-for-server", b"hello"]);
    assert_eq!(recv(&mut server), msg(&[b"client", b"hello"]));
    send_parts(&mut server, &[b"client", b"back"]);
    assert_eq!(recv(&mut client), msg(&[b"my-name-for-server", b"back"]));

    // CONNECT_ROUTING_ID applies to one connect only.
    let mut other = bound(&ctx, SocketType::Router, "inproc://other");
    client.connect("inproc://other").unwrap();
    send(&mut other, b""); // lone frame without MORE: ignored
    assert_nothing(&mut client);
    let mut d = connected(&ctx, SocketType::Dealer, "inproc://r2r");
    send(&mut d, b"x");
    let m = recv(&mut server);
    assert_eq!(m[0].len(), 5, "generated id for the DEALER");
}

#[test]
fn connect_routing_id_before_bind() {
    let ctx = Context::new();
    let mut client = socket(&ctx, SocketType::Router);
    client.set_option(id::CONNECT_ROUTING_ID, b"srv").unwrap();
    client.set_option(id::ROUTING_ID, b"cli").unwrap();
    client.connect("inproc://later").unwrap();
    send_parts(&mut client, &[b"srv", b"early"]);
    let mut server = bound(&ctx, SocketType::Router, "inproc://later");
    assert_eq!(recv(&mut server), msg(&[b"cli", b"early"]));
    send_parts(&mut server, &[b"cli", b"late"]);
    assert_eq!(recv(&mut client), msg(&[b"srv", b"late"]));
}

#[test]
fn dealer_load_balances_and_fair_queues() {
    let ctx = Context::new();
    let mut dealer = bound(&ctx, SocketType::Dealer, "inproc://dlb");
    let mut peers: Vec<_> = (0..3)
        .map(|_| connected(&ctx, SocketType::Dealer, "inproc://dlb"))
        .collect();
    for i in 0..6u8 {
        send_parts(&mut dealer, &[&[i], b"tail"]);
    }
    for (k, p) in peers.iter_mut().enumerate() {
        let got: Vec<u8> = drain(p).into_iter().map(|m| m[0][0]).collect();
        assert_eq!(got, vec![k as u8, k as u8 + 3], "peer {k}");
    }
    for round in 0..2u8 {
        for (k, p) in peers.iter_mut().enumerate() {
            send_parts(p, &[&[k as u8], &[round]]);
        }
    }
    let got: Vec<Vec<Vec<u8>>> = (0..6).map(|_| recv(&mut dealer)).collect();
    let want: Vec<Vec<Vec<u8>>> = (0..2u8)
        .flat_map(|r| (0..3u8).map(move |k| vec![vec![k], vec![r]]))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn dealer_leaves_envelopes_alone() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://denv");
    let mut d = dealer_with_id(&ctx, b"D", "inproc://denv");
    send_parts(&mut d, &[b"", b"a", b""]);
    assert_eq!(recv(&mut router), msg(&[b"D", b"", b"a", b""]));
    send_parts(&mut router, &[b"D", b"", b"", b"z"]);
    assert_eq!(recv(&mut d), msg(&[b"", b"", b"z"]));
}

#[test]
fn lone_frame_on_router_is_ignored() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://lone");
    let mut d = dealer_with_id(&ctx, b"D", "inproc://lone");
    send(&mut d, b"hi");
    recv(&mut router);
    // "D" alone is a routing id with nothing after it: silently ignored, even with MANDATORY.
    router.send("D".into(), 0).unwrap();
    router.set_int(id::ROUTER_MANDATORY, 1).unwrap();
    router.send("nobody".into(), 0).unwrap();
    assert_nothing(&mut d);
    send_parts(&mut router, &[b"D", b"real"]);
    assert_eq!(recv(&mut d), msg(&[b"real"]));
}

#[test]
fn router_recv_sets_rcvmore_on_the_id_frame() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://more");
    let mut d = dealer_with_id(&ctx, b"D", "inproc://more");
    send(&mut d, b"x");
    let f = router.recv(0).unwrap();
    assert_eq!((&f.data[..], f.more), (&b"D"[..], true));
    assert_eq!(int_opt(&mut router, id::RCVMORE), 1);
    let f = router.recv(0).unwrap();
    assert_eq!((&f.data[..], f.more), (&b"x"[..], false));
    assert_eq!(int_opt(&mut router, id::RCVMORE), 0);
}

#[test]
fn mandatory_peer_gone_is_host_unreachable() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://gone");
    router.set_int(id::ROUTER_MANDATORY, 1).unwrap();
    let mut d = dealer_with_id(&ctx, b"D", "inproc://gone");
    send(&mut d, b"one");
    send(&mut d, b"two");
    assert_eq!(recv(&mut router), msg(&[b"D", b"one"]));
    d.close();
    // The peer left (its last message is still queued here): it cannot be reached.
    assert_eq!(
        router.send("D".into(), SNDMORE),
        Err(Error::HostUnreachable)
    );
    assert_eq!(recv(&mut router), msg(&[b"D", b"two"]));
    assert_eq!(
        router.send("D".into(), SNDMORE),
        Err(Error::HostUnreachable)
    );
}
