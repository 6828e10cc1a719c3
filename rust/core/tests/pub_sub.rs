//! PUB/SUB and XPUB/XSUB: prefix filtering, counted subscriptions, HWM drops, XPUB options.
//!
//! Subscriptions travel through the pipe: inproc puts them there synchronously and a PUB reads
//! them on its next send, so a test may publish right after subscribe() in the same thread.

mod util;

use util::*;
use zmq_rust_core::options::id;
use zmq_rust_core::{Context, Error, Socket, SocketType, DONTWAIT, POLLIN, POLLOUT};

fn sub(ctx: &Context, ep: &str, topics: &[&[u8]]) -> Socket {
    let mut s = connected(ctx, SocketType::Sub, ep);
    for t in topics {
        s.set_option(id::SUBSCRIBE, t).unwrap();
    }
    s
}

fn publish_all(p: &mut Socket, msgs: &[&[u8]]) {
    for m in msgs {
        send(p, m);
    }
}

fn received(s: &mut Socket) -> Vec<Vec<u8>> {
    drain(s)
        .into_iter()
        .map(|mut m| {
            assert_eq!(m.len(), 1);
            m.pop().unwrap()
        })
        .collect()
}

#[test]
fn prefix_matching() {
    let ctx = Context::new();
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://pf");
    let mut s = sub(&ctx, "inproc://pf", &[b"ab"]);
    publish_all(&mut publ, &[b"abc", b"a", b"xab", b"ab", b"b", b"abab"]);
    assert_eq!(received(&mut s), msg(&[b"abc", b"ab", b"abab"]));
}

#[test]
fn nothing_without_subscription() {
    let ctx = Context::new();
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://none");
    let mut s = sub(&ctx, "inproc://none", &[]);
    publish_all(&mut publ, &[b"a", b""]);
    assert_nothing(&mut s);
}

#[test]
fn empty_subscription_matches_everything() {
    let ctx = Context::new();
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://all");
    let mut s = sub(&ctx, "inproc://all", &[b""]);
    publish_all(&mut publ, &[b"a", b"", b"\x00\x01", b"zzz"]);
    assert_eq!(received(&mut s), msg(&[b"a", b"", b"\x00\x01", b"zzz"]));
}

#[test]
fn binary_topics_and_several_subscriptions() {
    let ctx = Context::new();
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://bin");
    let mut s = sub(&ctx, "inproc://bin", &[b"\x00", b"\xffA", b"\xff"]);
    publish_all(&mut publ, &[b"\x00x", b"\x01", b"\xffAB", b"\xff", b"A"]);
    // "\xffAB" matches two subscriptions and still arrives once.
    assert_eq!(received(&mut s), msg(&[b"\x00x", b"\xffAB", b"\xff"]));
}

#[test]
fn subscriptions_are_counted() {
    let ctx = Context::new();
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://cnt");
    let mut s = sub(&ctx, "inproc://cnt", &[b"A", b"A"]);
    s.set_option(id::UNSUBSCRIBE, b"A").unwrap();
    send(&mut publ, b"A1");
    assert_eq!(
        received(&mut s),
        msg(&[b"A1"]),
        "one subscription to A left"
    );
    s.set_option(id::UNSUBSCRIBE, b"A").unwrap();
    send(&mut publ, b"A2");
    assert_nothing(&mut s);
    // Unsubscribing what was never subscribed is harmless.
    s.set_option(id::UNSUBSCRIBE, b"never").unwrap();
}

#[test]
fn unsubscribe_stops_delivery() {
    let ctx = Context::new();
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://unsub");
    let mut s = sub(&ctx, "inproc://unsub", &[b"A", b"B"]);
    publish_all(&mut publ, &[b"A1", b"B1"]);
    assert_eq!(received(&mut s), msg(&[b"A1", b"B1"]));
    s.set_option(id::UNSUBSCRIBE, b"A").unwrap();
    publish_all(&mut publ, &[b"A2", b"B2"]);
    assert_eq!(received(&mut s), msg(&[b"B2"]));
}

#[test]
fn sub_filters_messages_already_queued() {
    // Messages published before an unsubscribe reached the PUB are filtered by the SUB itself.
    let ctx = Context::new();
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://local");
    let mut s = sub(&ctx, "inproc://local", &[b"A"]);
    send(&mut publ, b"A1");
    s.set_option(id::UNSUBSCRIBE, b"A").unwrap();
    assert_nothing(&mut s);
}

#[test]
fn multipart_filtered_on_first_frame_only() {
    let ctx = Context::new();
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://mp");
    let mut s = sub(&ctx, "inproc://mp", &[b"topic"]);
    send_parts(&mut publ, &[b"other", b"topic"]);
    send_parts(&mut publ, &[b"topic.x", b"", b"other", b"last"]);
    send_parts(&mut publ, &[b"nope", b"topic"]);
    assert_eq!(recv(&mut s), msg(&[b"topic.x", b"", b"other", b"last"]));
    assert_nothing(&mut s);
}

#[test]
fn fan_out_to_three_subs() {
    let ctx = Context::new();
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://fan");
    let mut subs: Vec<_> = [&b"a"[..], b"b", b""]
        .iter()
        .map(|t| sub(&ctx, "inproc://fan", &[*t]))
        .collect();
    publish_all(&mut publ, &[b"a1", b"b1", b"c1"]);
    assert_eq!(received(&mut subs[0]), msg(&[b"a1"]));
    assert_eq!(received(&mut subs[1]), msg(&[b"b1"]));
    assert_eq!(received(&mut subs[2]), msg(&[b"a1", b"b1", b"c1"]));
}

#[test]
fn pub_without_subscribers_drops() {
    let ctx = Context::new();
    let mut publ = ctx.socket(SocketType::Pub).unwrap();
    for _ in 0..10 {
        publ.send("x".into(), 0).unwrap();
    }
    assert_ne!(publ.events().unwrap() & POLLOUT, 0);
}

#[test]
fn pub_drops_at_hwm_and_never_blocks() {
    let ctx = Context::new();
    let mut publ = socket(&ctx, SocketType::Pub);
    publ.set_int(id::SNDHWM, 10).unwrap();
    publ.bind("inproc://hwm").unwrap();
    let mut s = socket(&ctx, SocketType::Sub);
    s.set_int(id::RCVHWM, 10).unwrap();
    s.connect("inproc://hwm").unwrap();
    s.set_option(id::SUBSCRIBE, b"").unwrap();
    for i in 0..10_000u32 {
        publ.send(i.to_be_bytes().to_vec().into(), 0)
            .expect("PUB never blocks");
    }
    let got: Vec<u32> = received(&mut s)
        .into_iter()
        .map(|m| u32::from_be_bytes(m.try_into().unwrap()))
        .collect();
    // inproc pipe limit = sender SNDHWM + receiver RCVHWM; the oldest messages are kept.
    assert_eq!(got, (0..20).collect::<Vec<u32>>());
    // Room again once read.
    send(&mut publ, b"after");
    assert_eq!(received(&mut s), msg(&[b"after"]));
}

#[test]
fn slow_subscriber_does_not_hold_back_others() {
    let ctx = Context::new();
    let mut publ = socket(&ctx, SocketType::Pub);
    publ.set_int(id::SNDHWM, 5).unwrap();
    publ.bind("inproc://slow").unwrap();
    let mut slow = socket(&ctx, SocketType::Sub);
    slow.set_int(id::RCVHWM, 5).unwrap();
    slow.connect("inproc://slow").unwrap();
    slow.set_option(id::SUBSCRIBE, b"").unwrap();
    let mut fast = sub(&ctx, "inproc://slow", &[b""]);
    let mut fast_count = 0;
    for _ in 0..100 {
        send(&mut publ, b"m");
        fast_count += received(&mut fast).len();
    }
    assert_eq!(fast_count, 100);
    assert_eq!(received(&mut slow).len(), 10);
}

#[test]
fn send_on_sub_and_recv_on_pub_are_not_supported() {
    let ctx = Context::new();
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://ns");
    let mut s = sub(&ctx, "inproc://ns", &[b""]);
    assert_eq!(s.send("x".into(), 0), Err(Error::NotSupported));
    assert_eq!(publ.recv(0).unwrap_err(), Error::NotSupported);
    assert_eq!(publ.recv(DONTWAIT).unwrap_err(), Error::NotSupported);
    assert_eq!(s.events().unwrap() & POLLOUT, 0);
    assert_eq!(publ.events().unwrap() & POLLIN, 0);
}

#[test]
fn connect_before_bind_keeps_subscriptions() {
    let ctx = Context::new();
    let mut s = sub(&ctx, "inproc://cbb", &[b"A"]);
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://cbb");
    publish_all(&mut publ, &[b"A1", b"B1"]);
    assert_eq!(received(&mut s), msg(&[b"A1"]));
}

#[test]
fn sub_invert_matching() {
    let ctx = Context::new();
    let mut publ = socket(&ctx, SocketType::Pub);
    publ.set_int(id::INVERT_MATCHING, 1).unwrap();
    publ.bind("inproc://inv").unwrap();
    let mut s = socket(&ctx, SocketType::Sub);
    s.set_int(id::INVERT_MATCHING, 1).unwrap();
    s.connect("inproc://inv").unwrap();
    s.set_option(id::SUBSCRIBE, b"A").unwrap();
    publish_all(&mut publ, &[b"A1", b"B1", b"C1", b"AB"]);
    assert_eq!(received(&mut s), msg(&[b"B1", b"C1"]));
    assert_eq!(int_opt(&mut s, id::INVERT_MATCHING), 1);

    // A SUB that inverts alone drops what its (normal) PUB sends it.
    let mut publ2 = bound(&ctx, SocketType::Pub, "inproc://inv2");
    let mut s2 = socket(&ctx, SocketType::Sub);
    s2.set_int(id::INVERT_MATCHING, 1).unwrap();
    s2.connect("inproc://inv2").unwrap();
    s2.set_option(id::SUBSCRIBE, b"A").unwrap();
    publish_all(&mut publ2, &[b"A1", b"B1"]);
    assert_nothing(&mut s2);
}

// ---- XPUB ------------------------------------------------------------------------------

#[test]
fn xpub_sees_first_subscribe_and_last_unsubscribe() {
    let ctx = Context::new();
    let mut xpub = bound(&ctx, SocketType::XPub, "inproc://xp");
    let mut s1 = sub(&ctx, "inproc://xp", &[b"topic"]);
    assert_eq!(recv_one(&mut xpub), b"\x01topic");
    let mut s2 = sub(&ctx, "inproc://xp", &[b"topic"]);
    assert_nothing(&mut xpub);
    s1.set_option(id::UNSUBSCRIBE, b"topic").unwrap();
    assert_nothing(&mut xpub);
    s2.set_option(id::UNSUBSCRIBE, b"topic").unwrap();
    assert_eq!(recv_one(&mut xpub), b"\x00topic");
    assert_nothing(&mut xpub);
}

#[test]
fn xpub_unsubscribes_when_a_subscriber_closes() {
    let ctx = Context::new();
    let mut xpub = bound(&ctx, SocketType::XPub, "inproc://xpc");
    let mut s1 = sub(&ctx, "inproc://xpc", &[b"A", b"B"]);
    let s2 = sub(&ctx, "inproc://xpc", &[b"B"]);
    let mut got = vec![recv_one(&mut xpub), recv_one(&mut xpub)];
    got.sort();
    assert_eq!(got, msg(&[b"\x01A", b"\x01B"]));
    assert_nothing(&mut xpub);
    s1.close();
    // Only A had no other subscriber.
    assert_eq!(recv_one(&mut xpub), b"\x00A");
    assert_nothing(&mut xpub);
    drop(s2);
    assert_eq!(recv_one(&mut xpub), b"\x00B");
}

#[test]
fn xpub_unsubscribes_for_a_subscriber_that_closes_before_being_read() {
    let ctx = Context::new();
    let mut xpub = bound(&ctx, SocketType::XPub, "inproc://early");
    let mut s = sub(&ctx, "inproc://early", &[b"T"]);
    s.close();
    assert_eq!(recv_one(&mut xpub), b"\x01T");
    assert_ne!(xpub.events().unwrap() & POLLIN, 0);
    assert_eq!(xpub.recv(DONTWAIT).unwrap().data, &b"\x00T"[..]);
}

#[test]
fn xpub_verbose_passes_duplicates() {
    let ctx = Context::new();
    let mut xpub = socket(&ctx, SocketType::XPub);
    xpub.set_int(id::XPUB_VERBOSE, 1).unwrap();
    xpub.bind("inproc://verbose").unwrap();
    let mut s1 = sub(&ctx, "inproc://verbose", &[b"A"]);
    let _s2 = sub(&ctx, "inproc://verbose", &[b"A"]);
    s1.set_option(id::SUBSCRIBE, b"A").unwrap();
    assert_eq!(received(&mut xpub), msg(&[b"\x01A", b"\x01A", b"\x01A"]));
    // VERBOSE is for subscriptions only: unsubscribes still pass once.
    s1.set_option(id::UNSUBSCRIBE, b"A").unwrap();
    s1.set_option(id::UNSUBSCRIBE, b"A").unwrap();
    assert_nothing(&mut xpub);
}

#[test]
fn xpub_verboser_passes_every_unsubscribe() {
    let ctx = Context::new();
    let mut xpub = socket(&ctx, SocketType::XPub);
    xpub.set_int(id::XPUB_VERBOSER, 1).unwrap();
    xpub.bind("inproc://verboser").unwrap();
    let mut s1 = sub(&ctx, "inproc://verboser", &[b"A"]);
    let s2 = sub(&ctx, "inproc://verboser", &[b"A"]);
    assert_eq!(received(&mut xpub), msg(&[b"\x01A", b"\x01A"]));
    s1.set_option(id::UNSUBSCRIBE, b"A").unwrap();
    assert_eq!(received(&mut xpub), msg(&[b"\x00A"]));
    drop(s2);
    assert_eq!(recv_one(&mut xpub), b"\x00A");
}

#[test]
fn xpub_nodrop_returns_again_when_full() {
    let ctx = Context::new();
    let mut xpub = socket(&ctx, SocketType::XPub);
    xpub.set_int(id::XPUB_NODROP, 1).unwrap();
    xpub.set_int(id::SNDHWM, 4).unwrap();
    xpub.set_int(id::SNDTIMEO, 50).unwrap();
    xpub.bind("inproc://nodrop").unwrap();
    let mut s = socket(&ctx, SocketType::Sub);
    s.set_int(id::RCVHWM, 3).unwrap();
    s.connect("inproc://nodrop").unwrap();
    s.set_option(id::SUBSCRIBE, b"").unwrap();
    assert_eq!(recv_one(&mut xpub), b"\x01");
    assert_eq!(fill(&mut xpub, 100), 7);
    assert_eq!(
        xpub.send("x".into(), 0),
        Err(Error::Again),
        "after SNDTIMEO"
    );
    assert_eq!(recv_one(&mut s), b"x");
    send(&mut xpub, b"y");
    assert_eq!(received(&mut s).len(), 7);
}

#[test]
fn xpub_nodrop_ignores_pipes_that_do_not_match() {
    let ctx = Context::new();
    let mut xpub = socket(&ctx, SocketType::XPub);
    xpub.set_int(id::XPUB_NODROP, 1).unwrap();
    xpub.set_int(id::SNDHWM, 1).unwrap();
    xpub.bind("inproc://nodrop2").unwrap();
    let mut full = socket(&ctx, SocketType::Sub);
    full.set_int(id::RCVHWM, 1).unwrap();
    full.connect("inproc://nodrop2").unwrap();
    full.set_option(id::SUBSCRIBE, b"A").unwrap();
    let mut other = sub(&ctx, "inproc://nodrop2", &[b"B"]);
    assert_eq!(received(&mut xpub).len(), 2);
    send(&mut xpub, b"A1");
    send(&mut xpub, b"A2");
    assert_eq!(xpub.send("A3".into(), DONTWAIT), Err(Error::Again));
    send(&mut xpub, b"B1");
    assert_eq!(received(&mut other), msg(&[b"B1"]));
    assert_eq!(received(&mut full), msg(&[b"A1", b"A2"]));
}

#[test]
fn xpub_manual_decides_subscriptions() {
    let ctx = Context::new();
    let mut xpub = socket(&ctx, SocketType::XPub);
    xpub.set_int(id::XPUB_MANUAL, 1).unwrap();
    xpub.bind("inproc://manual").unwrap();
    let mut xsub = connected(&ctx, SocketType::XSub, "inproc://manual");
    send(&mut xsub, b"\x01A");
    assert_eq!(recv_one(&mut xpub), b"\x01A");
    // The application subscribes that subscriber to B instead of A.
    xpub.set_option(id::SUBSCRIBE, b"B").unwrap();
    publish_all(&mut xpub, &[b"A", b"B"]);
    assert_eq!(received(&mut xsub), msg(&[b"B"]));
    // Every (un)subscription is passed on in manual mode, duplicates included (the XSUB
    // counts: its first unsubscribe of a topic subscribed twice stays local).
    send(&mut xsub, b"\x01A");
    send(&mut xsub, b"\x00A");
    send(&mut xsub, b"\x00A");
    assert_eq!(received(&mut xpub), msg(&[b"\x01A", b"\x00A"]));
    xpub.set_option(id::UNSUBSCRIBE, b"B").unwrap();
    send(&mut xpub, b"B");
    assert_nothing(&mut xsub);
}

#[test]
fn xpub_manual_applies_to_the_subscriber_whose_message_was_read() {
    let ctx = Context::new();
    let mut xpub = socket(&ctx, SocketType::XPub);
    xpub.set_int(id::XPUB_MANUAL, 1).unwrap();
    xpub.bind("inproc://manual2").unwrap();
    let mut s1 = connected(&ctx, SocketType::XSub, "inproc://manual2");
    let mut s2 = connected(&ctx, SocketType::XSub, "inproc://manual2");
    send(&mut s1, b"\x01one");
    send(&mut s2, b"\x01two");
    // Both subscriptions are queued before the application reads the first one.
    assert_ne!(xpub.events().unwrap() & POLLIN, 0);
    for _ in 0..2 {
        let m = recv_one(&mut xpub);
        xpub.set_option(id::SUBSCRIBE, &m[1..]).unwrap();
    }
    publish_all(&mut xpub, &[b"one", b"two"]);
    assert_eq!(received(&mut s1), msg(&[b"one"]));
    assert_eq!(received(&mut s2), msg(&[b"two"]));
}

#[test]
fn xpub_manual_unsubscribes_what_a_closed_subscriber_had() {
    let ctx = Context::new();
    let mut xpub = socket(&ctx, SocketType::XPub);
    xpub.set_int(id::XPUB_MANUAL, 1).unwrap();
    xpub.bind("inproc://manual3").unwrap();
    let mut xsub = connected(&ctx, SocketType::XSub, "inproc://manual3");
    send(&mut xsub, b"\x01A");
    assert_eq!(recv_one(&mut xpub), b"\x01A");
    xpub.set_option(id::SUBSCRIBE, b"XA").unwrap();
    drop(xsub);
    assert_eq!(recv_one(&mut xpub), b"\x00A");
    // Without a subscriber to apply it to, SUBSCRIBE does nothing (libzmq returns success).
    xpub.set_option(id::SUBSCRIBE, b"Z").unwrap();
}

#[test]
fn xpub_subscribe_without_manual_is_invalid() {
    let ctx = Context::new();
    let mut xpub = socket(&ctx, SocketType::XPub);
    assert!(matches!(
        xpub.set_option(id::SUBSCRIBE, b"A"),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn xpub_welcome_message() {
    let ctx = Context::new();
    let mut xpub = socket(&ctx, SocketType::XPub);
    xpub.set_option(id::XPUB_WELCOME_MSG, b"W").unwrap();
    xpub.bind("inproc://welcome").unwrap();
    let mut s = sub(&ctx, "inproc://welcome", &[b"W"]);
    assert_eq!(recv_one(&mut xpub), b"\x01W");
    assert_eq!(recv_one(&mut s), b"W");
    assert_nothing(&mut s);
    // Every new subscriber gets its own copy.
    let mut s2 = sub(&ctx, "inproc://welcome", &[b""]);
    assert_eq!(received(&mut xpub), msg(&[b"\x01"]));
    assert_eq!(recv_one(&mut s2), b"W");
}

#[test]
fn xpub_receives_upstream_messages() {
    let ctx = Context::new();
    let mut xpub = bound(&ctx, SocketType::XPub, "inproc://up");
    let mut xsub = connected(&ctx, SocketType::XSub, "inproc://up");
    send_parts(&mut xsub, &[b"hello", b"world"]);
    send(&mut xsub, b"\x02not a subscription");
    assert_eq!(recv(&mut xpub), msg(&[b"hello", b"world"]));
    assert_eq!(recv_one(&mut xpub), b"\x02not a subscription");
    // PUB discards them.
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://up2");
    let mut xsub2 = connected(&ctx, SocketType::XSub, "inproc://up2");
    send(&mut xsub2, b"upstream");
    send(&mut xsub2, b"\x01");
    send(&mut publ, b"down");
    assert_eq!(received(&mut xsub2), msg(&[b"down"]));
}

// ---- XSUB ------------------------------------------------------------------------------

#[test]
fn xsub_sends_subscriptions_as_messages() {
    let ctx = Context::new();
    let mut xpub = socket(&ctx, SocketType::XPub);
    xpub.set_int(id::XPUB_VERBOSER, 1).unwrap();
    xpub.bind("inproc://xs").unwrap();
    let mut xsub = connected(&ctx, SocketType::XSub, "inproc://xs");
    send(&mut xsub, b"\x01A");
    send(&mut xsub, b"\x01A");
    assert_eq!(received(&mut xpub), msg(&[b"\x01A", b"\x01A"]));
    // Counted: the first unsubscribe stays local, the second goes out.
    send(&mut xsub, b"\x00A");
    assert_nothing(&mut xpub);
    send(&mut xsub, b"\x00A");
    assert_eq!(received(&mut xpub), msg(&[b"\x00A"]));
    // An unsubscribe for a topic never subscribed goes nowhere.
    send(&mut xsub, b"\x00B");
    assert_nothing(&mut xpub);
}

#[test]
fn xsub_receives_unfiltered() {
    let ctx = Context::new();
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://unf");
    let mut xsub = connected(&ctx, SocketType::XSub, "inproc://unf");
    let mut s = sub(&ctx, "inproc://unf", &[]);
    send(&mut xsub, b"\x01A");
    s.set_option(id::SUBSCRIBE, b"A").unwrap();
    send(&mut publ, b"A1");
    // Both unsubscribe with A1 already on its way: SUB filters it out, XSUB hands it over.
    send(&mut xsub, b"\x00A");
    s.set_option(id::UNSUBSCRIBE, b"A").unwrap();
    assert_eq!(received(&mut xsub), msg(&[b"A1"]));
    assert_nothing(&mut s);
    send(&mut publ, b"A2");
    assert_nothing(&mut xsub);
}

#[test]
fn xsub_replays_subscriptions_to_new_publishers() {
    let ctx = Context::new();
    let mut xsub = socket(&ctx, SocketType::XSub);
    send(&mut xsub, b"\x01A");
    let mut xpub = bound(&ctx, SocketType::XPub, "inproc://replay");
    xsub.connect("inproc://replay").unwrap();
    assert_eq!(recv_one(&mut xpub), b"\x01A");
}

#[test]
fn xsub_xpub_forwarding() {
    let ctx = Context::new();
    // publisher -> XSUB [proxy] XPUB -> subscribers
    let mut publ = bound(&ctx, SocketType::Pub, "inproc://upstream");
    let mut xsub = connected(&ctx, SocketType::XSub, "inproc://upstream");
    let mut xpub = bound(&ctx, SocketType::XPub, "inproc://downstream");
    let mut s1 = sub(&ctx, "inproc://downstream", &[b"A"]);
    let mut s2 = sub(&ctx, "inproc://downstream", &[b"B"]);

    let forward = |from: &mut Socket, to: &mut Socket| -> usize {
        let msgs = drain(from);
        for m in &msgs {
            let parts: Vec<&[u8]> = m.iter().map(Vec::as_slice).collect();
            send_parts(to, &parts);
        }
        msgs.len()
    };
    assert_eq!(forward(&mut xpub, &mut xsub), 2, "subscriptions upstream");
    send_parts(&mut publ, &[b"A", b"for s1"]);
    send_parts(&mut publ, &[b"B", b"for s2"]);
    send_parts(&mut publ, &[b"C", b"for nobody"]);
    assert_eq!(forward(&mut xsub, &mut xpub), 2, "PUB filtered C out");
    assert_eq!(recv(&mut s1), msg(&[b"A", b"for s1"]));
    assert_eq!(recv(&mut s2), msg(&[b"B", b"for s2"]));
    assert_nothing(&mut s1);
    assert_nothing(&mut s2);

    // An unsubscription travels the same way.
    s1.set_option(id::UNSUBSCRIBE, b"A").unwrap();
    assert_eq!(forward(&mut xpub, &mut xsub), 1);
    send(&mut publ, b"A again");
    assert_eq!(forward(&mut xsub, &mut xpub), 0);
}
