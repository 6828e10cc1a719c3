//! PLAIN between two sockets of this engine over tcp without a ZAP handler: a
//! PLAIN server refuses every client (as libzmq 4.3 does without a handler), and PLAIN never
//! meets NULL.

use std::time::{Duration, Instant};
use zmq_rust_core::monitor::event;
use zmq_rust_core::options::{id, OptValue, MECHANISM_PLAIN};
use zmq_rust_core::{Context, Error, Socket, SocketType, DONTWAIT};

fn watcher(ctx: &Context, ep: &str) -> Socket {
    let mut m = ctx.socket(SocketType::Pair).unwrap();
    m.set_int(id::RCVTIMEO, 3000).unwrap();
    m.connect(ep).unwrap();
    m
}

/// (event, value) of the next event, None after the monitor's RCVTIMEO.
fn next(m: &mut Socket) -> Option<(u16, u32)> {
    let parts = m.recv_parts(0).ok()?;
    let ev = u16::from_ne_bytes([parts[0][0], parts[0][1]]);
    let val = u32::from_ne_bytes([parts[0][2], parts[0][3], parts[0][4], parts[0][5]]);
    Some((ev, val))
}

fn plain_server(ctx: &Context, ty: SocketType) -> Socket {
    let mut s = ctx.socket(ty).unwrap();
    s.set_int(id::PLAIN_SERVER, 1).unwrap();
    s.set_int(id::LINGER, 0).unwrap();
    assert_eq!(
        s.get_option(id::MECHANISM),
        Ok(OptValue::Int(MECHANISM_PLAIN))
    );
    s
}

fn plain_client(ctx: &Context, ty: SocketType) -> Socket {
    let mut s = ctx.socket(ty).unwrap();
    s.set_option(id::PLAIN_USERNAME, b"admin").unwrap();
    s.set_option(id::PLAIN_PASSWORD, b"secret").unwrap();
    s.set_int(id::LINGER, 0).unwrap();
    s
}

/// Nothing arrives on `s` for a while.
fn nothing_arrives(s: &mut Socket, what: &str) {
    let deadline = Instant::now() + Duration::from_millis(600);
    while Instant::now() < deadline {
        assert_eq!(s.recv(DONTWAIT).err(), Some(Error::Again), "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn plain_server_without_zap_handler_refuses_and_the_client_retries() {
    let ctx = Context::new();
    let mut server = plain_server(&ctx, SocketType::Pull);
    server
        .monitor(Some("inproc://plain-server"), event::ALL as i32)
        .unwrap();
    let mut sm = watcher(&ctx, "inproc://plain-server");
    server.bind("tcp://127.0.0.1:*").unwrap();
    let ep = server.last_endpoint().to_string();

    let mut client = plain_client(&ctx, SocketType::Push);
    client.set_int(id::RECONNECT_IVL, 50).unwrap();
    client
        .monitor(Some("inproc://plain-client"), event::ALL as i32)
        .unwrap();
    let mut cm = watcher(&ctx, "inproc://plain-client");
    client.connect(&ep).unwrap();
    client.send("never delivered".into(), DONTWAIT).unwrap();

    // The server: NO_DETAIL with EFAULT, for each attempt of the client.
    let mut refusals = 0;
    let deadline = Instant::now() + Duration::from_secs(5);
    while refusals < 2 && Instant::now() < deadline {
        match next(&mut sm) {
            Some((event::HANDSHAKE_FAILED_NO_DETAIL, v)) => {
                assert_eq!(v, libc::EFAULT as u32);
                refusals += 1;
            }
            Some((event::HANDSHAKE_SUCCEEDED, _)) => panic!("server accepted a PLAIN client"),
            Some(_) => {}
            None => break,
        }
    }
    assert_eq!(refusals, 2, "the client keeps reconnecting");
    // The client never completes a handshake; it sees the server close and tries again.
    let mut retried = false;
    while let Some((ev, _)) = next(&mut cm) {
        assert_ne!(ev, event::HANDSHAKE_SUCCEEDED);
        assert_ne!(ev, event::HANDSHAKE_FAILED_AUTH);
        if ev == event::CONNECT_RETRIED {
            retried = true;
            break;
        }
    }
    assert!(retried, "the client retries");
    nothing_arrives(&mut server, "no message through a refused PLAIN handshake");
}

#[test]
fn plain_and_null_never_talk() {
    let ctx = Context::new();
    // A PLAIN server and a NULL client, then a NULL server and a PLAIN client.
    for plain_binds in [true, false] {
        let (mut server, mut client) = if plain_binds {
            let null = {
                let mut s = ctx.socket(SocketType::Push).unwrap();
                s.set_int(id::LINGER, 0).unwrap();
                s
            };
            (plain_server(&ctx, SocketType::Pull), null)
        } else {
            let null = {
                let mut s = ctx.socket(SocketType::Pull).unwrap();
                s.set_int(id::LINGER, 0).unwrap();
                s
            };
            (null, plain_client(&ctx, SocketType::Push))
        };
        server
            .monitor(Some("inproc://mismatch"), event::ALL as i32)
            .unwrap();
        let mut sm = watcher(&ctx, "inproc://mismatch");
        server.bind("tcp://127.0.0.1:*").unwrap();
        client.connect(server.last_endpoint()).unwrap();
        client.send("hello".into(), DONTWAIT).unwrap();
        let mut mismatch = false;
        while let Some((ev, v)) = next(&mut sm) {
            assert_ne!(ev, event::HANDSHAKE_SUCCEEDED, "plain binds: {plain_binds}");
            if ev == event::HANDSHAKE_FAILED_PROTOCOL {
                assert_eq!(v, 0x1100_0002, "MECHANISM_MISMATCH");
                mismatch = true;
                break;
            }
        }
        assert!(mismatch, "plain binds: {plain_binds}");
        nothing_arrives(&mut server, "no message between PLAIN and NULL");
        server.monitor(None, 0).unwrap();
    }
}
