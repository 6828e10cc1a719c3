use zmq_rust_core::{Context, Error, SocketType, DONTWAIT, SNDMORE};

#[test]
fn push_pull_req_rep_smoke() {
    let ctx = Context::new();
    let mut pull = ctx.socket(SocketType::Pull).unwrap();
    pull.bind("inproc://a").unwrap();
    let mut push = ctx.socket(SocketType::Push).unwrap();
    push.connect("inproc://a").unwrap();
    push.send("x".into(), 0).unwrap();
    assert_eq!(&pull.recv(0).unwrap().data[..], b"x");

    let mut rep = ctx.socket(SocketType::Rep).unwrap();
    let mut req = ctx.socket(SocketType::Req).unwrap();
    req.connect("inproc://r").unwrap(); // connect before bind
    rep.bind("inproc://r").unwrap();
    req.send("hello".into(), 0).unwrap();
    assert_eq!(req.recv(DONTWAIT).unwrap_err(), Error::Again);
    let f = rep.recv(0).unwrap();
    assert_eq!(&f.data[..], b"hello");
    rep.send("a".into(), SNDMORE).unwrap();
    rep.send("b".into(), 0).unwrap();
    assert_eq!(
        req.recv_parts(0).unwrap(),
        vec![bytes::Bytes::from("a"), bytes::Bytes::from("b")]
    );
    assert_eq!(req.recv(0).unwrap_err(), Error::Fsm);
}

#[test]
fn blocking_recv_wakes_across_threads() {
    let ctx = Context::new();
    let mut pull = ctx.socket(SocketType::Pull).unwrap();
    pull.bind("inproc://t").unwrap();
    let c2 = ctx.clone();
    let t = std::thread::spawn(move || {
        let mut push = c2.socket(SocketType::Push).unwrap();
        push.connect("inproc://t").unwrap();
        for i in 0..100_000u32 {
            push.send(bytes::Bytes::copy_from_slice(&i.to_le_bytes()), 0)
                .unwrap();
        }
    });
    for i in 0..100_000u32 {
        let f = pull.recv(0).unwrap();
        assert_eq!(&f.data[..], &i.to_le_bytes());
    }
    t.join().unwrap();
}
