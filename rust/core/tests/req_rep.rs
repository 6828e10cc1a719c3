//! REQ/REP, after libzmq's tests/test_spec_req.cpp, test_spec_rep.cpp and test_req_relaxed.cpp.

mod util;

use util::*;
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, Error, SocketType, DONTWAIT, SNDMORE};

/// The request id a REQ_CORRELATE REQ put in front of its request, as the ROUTER saw it.
fn request_id(router_msg: &[Vec<u8>]) -> Vec<u8> {
    assert_eq!(router_msg[1].len(), 4, "request id frame: {router_msg:?}");
    router_msg[1].clone()
}

#[test]
fn req_round_robins_requests() {
    let ctx = Context::new();
    let mut req = bound(&ctx, SocketType::Req, "inproc://rr");
    let mut reps: Vec<_> = (0..3)
        .map(|_| connected(&ctx, SocketType::Rep, "inproc://rr"))
        .collect();
    for round in 0..2 {
        for (i, rep) in reps.iter_mut().enumerate() {
            send(&mut req, b"ABC");
            assert_eq!(recv_one(rep), b"ABC", "round {round}, rep {i}");
            send(rep, format!("DEF{i}").as_bytes());
            assert_eq!(recv_one(&mut req), format!("DEF{i}").as_bytes());
        }
    }
}

#[test]
fn req_fsm() {
    let ctx = Context::new();
    let mut req = bound(&ctx, SocketType::Req, "inproc://fsm");
    let mut rep = connected(&ctx, SocketType::Rep, "inproc://fsm");

    assert_eq!(req.recv(0).unwrap_err(), Error::Fsm, "recv before any send");
    assert_eq!(req.recv(DONTWAIT).unwrap_err(), Error::Fsm);
    send(&mut req, b"q1");
    assert_eq!(req.send("q2".into(), 0), Err(Error::Fsm), "second send");
    assert_eq!(req.send("q2".into(), DONTWAIT), Err(Error::Fsm));
    assert_eq!(
        req.recv(DONTWAIT).unwrap_err(),
        Error::Again,
        "reply not there yet"
    );

    assert_eq!(recv_one(&mut rep), b"q1");
    send(&mut rep, b"a1");
    assert_eq!(recv_one(&mut req), b"a1");
    assert_eq!(req.recv(0).unwrap_err(), Error::Fsm, "reply already taken");
    // Back to sending: the cycle starts over.
    send(&mut req, b"q2");
    assert_eq!(recv_one(&mut rep), b"q2");
}

#[test]
fn req_without_peer_blocks() {
    let ctx = Context::new();
    let mut req = ctx.socket(SocketType::Req).unwrap();
    req.set_int(id::SNDTIMEO, 50).unwrap();
    assert_eq!(req.send("x".into(), DONTWAIT), Err(Error::Again));
    assert_eq!(req.send("x".into(), 0), Err(Error::Again));
    // A refused send leaves the REQ ready to send, not waiting for a reply.
    assert_eq!(req.recv(DONTWAIT).unwrap_err(), Error::Fsm);
}

#[test]
fn req_only_listens_to_the_peer_it_sent_to() {
    let ctx = Context::new();
    let mut req = socket(&ctx, SocketType::Req);
    req.set_option(id::ROUTING_ID, b"A").unwrap();
    req.bind("inproc://cur").unwrap();
    let mut routers: Vec<_> = (0..3)
        .map(|_| {
            let mut r = socket(&ctx, SocketType::Router);
            r.set_int(id::ROUTER_MANDATORY, 1).unwrap();
            r.connect("inproc://cur").unwrap();
            r
        })
        .collect();
    for round in 0..2 {
        for i in 0..3 {
            send(&mut req, b"ABC");
            assert_eq!(recv(&mut routers[i]), msg(&[b"A", b"", b"ABC"]));
            // Every router answers; only the one that got the request may be heard.
            for (j, r) in routers.iter_mut().enumerate() {
                let reply: &[u8] = if i == j { b"GOOD" } else { b"WRONG" };
                send_parts(r, &[b"A", b"", reply]);
            }
            assert_eq!(recv_one(&mut req), b"GOOD", "round {round}, router {i}");
        }
    }
}

#[test]
fn req_message_format_on_the_wire() {
    let ctx = Context::new();
    let mut req = bound(&ctx, SocketType::Req, "inproc://fmt");
    let mut router = connected(&ctx, SocketType::Router, "inproc://fmt");
    send_parts(&mut req, &[b"ABC", b"DEF"]);
    let m = recv(&mut router);
    assert_eq!(m.len(), 4);
    assert!(!m[0].is_empty(), "routing id");
    assert_eq!(&m[1..], &msg(&[b"", b"ABC", b"DEF"])[..]);
    send_parts(&mut router, &[&m[0], b"", b"GHI"]);
    assert_eq!(recv(&mut req), msg(&[b"GHI"]));
}

#[test]
fn req_drops_malformed_replies() {
    let ctx = Context::new();
    let mut req = bound(&ctx, SocketType::Req, "inproc://bad");
    let mut router = connected(&ctx, SocketType::Router, "inproc://bad");
    send(&mut req, b"q");
    let m = recv(&mut router);
    let rid = m[0].clone();
    send_parts(&mut router, &[&rid, b"no delimiter"]);
    send_parts(&mut router, &[&rid, b"x", b"", b"delimiter not first"]);
    send_parts(&mut router, &[&rid, b""]); // delimiter with nothing after it
    send_parts(&mut router, &[&rid, b"", b"ok"]);
    assert_eq!(recv_one(&mut req), b"ok");
}

#[test]
fn rep_fsm() {
    let ctx = Context::new();
    let mut rep = bound(&ctx, SocketType::Rep, "inproc://rfsm");
    let mut req = connected(&ctx, SocketType::Req, "inproc://rfsm");
    assert_eq!(rep.send("x".into(), 0), Err(Error::Fsm), "send before recv");
    assert_eq!(rep.send("x".into(), DONTWAIT), Err(Error::Fsm));
    send(&mut req, b"q");
    assert_eq!(recv_one(&mut rep), b"q");
    assert_eq!(rep.recv(0).unwrap_err(), Error::Fsm, "recv twice");
    assert_eq!(rep.recv(DONTWAIT).unwrap_err(), Error::Fsm);
    send(&mut rep, b"a");
    assert_eq!(rep.send("x".into(), 0), Err(Error::Fsm), "send twice");
    assert_eq!(recv_one(&mut req), b"a");
}

#[test]
fn rep_fair_queues_requests() {
    let ctx = Context::new();
    let mut rep = bound(&ctx, SocketType::Rep, "inproc://rfq");
    let mut reqs: Vec<_> = (0..3)
        .map(|_| connected(&ctx, SocketType::Req, "inproc://rfq"))
        .collect();
    for (i, req) in reqs.iter_mut().enumerate() {
        send(req, &[b'A' + i as u8]);
    }
    for (i, req) in reqs.iter_mut().enumerate() {
        let name = [b'A' + i as u8];
        assert_eq!(recv_one(&mut rep), name);
        send(&mut rep, &name);
        assert_eq!(recv_one(req), name, "reply goes back to its requester");
    }
}

#[test]
fn rep_keeps_the_envelope_for_a_dealer() {
    let ctx = Context::new();
    let mut rep = bound(&ctx, SocketType::Rep, "inproc://env");
    let mut dealer = connected(&ctx, SocketType::Dealer, "inproc://env");

    // Minimal envelope: just the delimiter.
    send_parts(&mut dealer, &[b"", b"body"]);
    assert_eq!(recv(&mut rep), msg(&[b"body"]));
    send(&mut rep, b"reply");
    assert_eq!(recv(&mut dealer), msg(&[b"", b"reply"]));

    // Multi-hop envelope: every frame up to the delimiter comes back in order.
    send_parts(&mut dealer, &[b"id2", b"id1", b"", b"body"]);
    assert_eq!(recv(&mut rep), msg(&[b"body"]));
    send(&mut rep, b"reply");
    assert_eq!(recv(&mut dealer), msg(&[b"id2", b"id1", b"", b"reply"]));

    // A request without a delimiter is dropped; the next good one is served.
    send_parts(&mut dealer, &[b"no", b"delimiter"]);
    send_parts(&mut dealer, &[b"", b"good"]);
    assert_eq!(recv(&mut rep), msg(&[b"good"]));
    send_parts(&mut rep, &[b"r1", b"r2"]);
    assert_eq!(recv(&mut dealer), msg(&[b"", b"r1", b"r2"]));
}

#[test]
fn multipart_request_and_reply() {
    let ctx = Context::new();
    let mut rep = bound(&ctx, SocketType::Rep, "inproc://mp");
    let mut req = connected(&ctx, SocketType::Req, "inproc://mp");
    send_parts(&mut req, &[b"a", b"", b"c"]);
    let f = rep.recv(0).unwrap();
    assert_eq!((&f.data[..], f.more), (&b"a"[..], true));
    assert!(rep.rcvmore());
    assert_eq!(
        recv(&mut rep),
        msg(&[b"", b"c"]),
        "empty frames after the envelope are data"
    );
    assert!(!rep.rcvmore());
    rep.send("x".into(), SNDMORE).unwrap();
    rep.send("y".into(), SNDMORE).unwrap();
    rep.send("z".into(), 0).unwrap();
    assert_eq!(recv(&mut req), msg(&[b"x", b"y", b"z"]));
}

#[test]
fn req_relaxed_abandons_the_outstanding_request() {
    let ctx = Context::new();
    let mut req = socket(&ctx, SocketType::Req);
    req.set_int(id::REQ_RELAXED, 1).unwrap();
    req.set_int(id::REQ_CORRELATE, 1).unwrap();
    req.bind("inproc://relaxed").unwrap();
    let mut reps: Vec<_> = (0..3)
        .map(|_| connected(&ctx, SocketType::Rep, "inproc://relaxed"))
        .collect();

    // Case 1: a second send before the first reply arrives.
    send_parts(&mut req, &[b"A", b"B"]);
    assert_eq!(recv(&mut reps[0]), msg(&[b"A", b"B"]));
    send_parts(&mut req, &[b"C", b"D"]);
    assert_eq!(recv(&mut reps[1]), msg(&[b"C", b"D"]));
    send(&mut reps[0], b"WRONG");
    send(&mut reps[1], b"OK");
    assert_eq!(recv_one(&mut req), b"OK");

    // Case 2: a second send while the first reply is already waiting in the REQ.
    send(&mut req, b"E");
    assert_eq!(recv_one(&mut reps[2]), b"E");
    send(&mut reps[2], b"BAD");
    send(&mut req, b"F");
    // The abandoned pipe to reps[0] is still open (libzmq issue #1690): it is next in turn.
    assert_eq!(recv_one(&mut reps[0]), b"F");
    send(&mut reps[0], b"GOOD");
    assert_eq!(recv_one(&mut req), b"GOOD");

    // The round-robin order went on undisturbed.
    send(&mut req, b"G");
    assert_eq!(recv_one(&mut reps[1]), b"G");
}

#[test]
fn req_strict_refuses_second_send_but_relaxed_allows_it() {
    let ctx = Context::new();
    let mut req = bound(&ctx, SocketType::Req, "inproc://strict");
    let mut rep = connected(&ctx, SocketType::Rep, "inproc://strict");
    send(&mut req, b"1");
    assert_eq!(req.send("2".into(), 0), Err(Error::Fsm));
    req.set_int(id::REQ_RELAXED, 1).unwrap();
    send(&mut req, b"2");
    assert_eq!(recv_one(&mut rep), b"1");
    send(&mut rep, b"r1");
    assert_eq!(recv_one(&mut rep), b"2");
    send(&mut rep, b"r2");
    // Without REQ_CORRELATE a stale reply on the same pipe cannot be told apart.
    assert_eq!(recv_one(&mut req), b"r1");
}

#[test]
fn new_request_drops_replies_already_queued() {
    // REQ eats every reply already waiting when it starts a new request.
    let ctx = Context::new();
    let mut req = socket(&ctx, SocketType::Req);
    req.set_int(id::REQ_RELAXED, 1).unwrap();
    req.bind("inproc://eat").unwrap();
    let mut rep = connected(&ctx, SocketType::Rep, "inproc://eat");
    send(&mut req, b"1");
    assert_eq!(recv_one(&mut rep), b"1");
    send(&mut rep, b"stale");
    send(&mut req, b"2");
    assert_eq!(recv_one(&mut rep), b"2");
    send(&mut rep, b"fresh");
    assert_eq!(recv_one(&mut req), b"fresh");
}

#[test]
fn req_correlate_drops_replies_with_a_wrong_id() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://corr");
    let mut req = socket(&ctx, SocketType::Req);
    req.set_int(id::REQ_CORRELATE, 1).unwrap();
    req.connect("inproc://corr").unwrap();

    for round in 0..3 {
        send(&mut req, b"hi");
        let m = recv(&mut router);
        assert_eq!(m.len(), 4, "[rid, request id, delimiter, body]: {m:?}");
        assert_eq!(&m[2..], &msg(&[b"", b"hi"])[..]);
        let reqid = request_id(&m);
        let mut bogus = reqid.clone();
        bogus[0] ^= 0xff;
        send_parts(&mut router, &[&m[0], &bogus, b"", b"wrong id"]);
        send_parts(&mut router, &[&m[0], b"", b"no id"]);
        send_parts(&mut router, &[&m[0], &reqid, b"", b"right"]);
        assert_eq!(recv_one(&mut req), b"right", "round {round}");
    }
}

#[test]
fn req_correlate_relaxed_answers_only_the_last_request() {
    let ctx = Context::new();
    let mut req = socket(&ctx, SocketType::Req);
    req.set_int(id::REQ_RELAXED, 1).unwrap();
    req.set_int(id::REQ_CORRELATE, 1).unwrap();
    req.connect("inproc://late").unwrap();
    send(&mut req, b"TO_BE_DISCARDED");
    send(&mut req, b"TO_BE_ANSWERED");
    let mut router = bound(&ctx, SocketType::Router, "inproc://late");
    for _ in 0..2 {
        let m = recv(&mut router);
        let parts: Vec<&[u8]> = m.iter().map(Vec::as_slice).collect();
        send_parts(&mut router, &parts);
    }
    assert_eq!(recv_one(&mut req), b"TO_BE_ANSWERED");
    // The REQ is ready for the next request.
    send(&mut req, b"next");
    assert_eq!(recv(&mut router)[3], b"next");
}

#[test]
fn req_probe_router() {
    let ctx = Context::new();
    let mut router = bound(&ctx, SocketType::Router, "inproc://probe");
    let mut req = socket(&ctx, SocketType::Req);
    req.set_int(id::PROBE_ROUTER, 1).unwrap();
    req.set_option(id::ROUTING_ID, b"R").unwrap();
    req.connect("inproc://probe").unwrap();
    assert_eq!(recv(&mut router), msg(&[b"R", b""]));
}
