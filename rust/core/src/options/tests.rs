//! Tests of the option table and its get/set dispatch.

use super::*;
use bytes::Bytes;

#[test]
fn defaults_match_libzmq() {
    let o = Options::new(-1);
    assert_eq!(o.get(id::SNDHWM), Some(OptValue::Int(1000)));
    assert_eq!(o.get(id::RCVHWM), Some(OptValue::Int(1000)));
    assert_eq!(o.get(id::LINGER), Some(OptValue::Int(-1)));
    assert_eq!(o.get(id::RCVTIMEO), Some(OptValue::Int(-1)));
    assert_eq!(o.get(id::MAXMSGSIZE), Some(OptValue::Int64(-1)));
    assert_eq!(o.get(id::AFFINITY), Some(OptValue::Uint64(0)));
    assert_eq!(o.get(id::RECONNECT_IVL), Some(OptValue::Int(100)));
    assert_eq!(o.get(id::HANDSHAKE_IVL), Some(OptValue::Int(30000)));
    assert_eq!(o.get(id::ROUTING_ID), Some(OptValue::Binary(Bytes::new())));
}

#[test]
fn wrong_type_or_value_is_einval_and_changes_nothing() {
    let mut o = Options::new(-1);
    assert!(matches!(
        o.set(id::SNDHWM, &5i64.to_ne_bytes()),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        o.set(id::SNDHWM, &(-2i32).to_ne_bytes()),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        o.set(id::LINGER, &(-2i32).to_ne_bytes()),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        o.set(id::MAXMSGSIZE, &5i32.to_ne_bytes()),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(o.set(id::ROUTING_ID, b""), Err(Error::Invalid(_))));
    assert!(matches!(
        o.set(id::ROUTING_ID, &[1u8; 256]),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        o.set(9999, &1i32.to_ne_bytes()),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        o.set(id::RCVMORE, &1i32.to_ne_bytes()),
        Err(Error::Invalid(_))
    ));
    assert_eq!(o.sndhwm, 1000);
    assert_eq!(o.linger, -1);
}

#[test]
fn set_then_get() {
    let mut o = Options::new(0);
    o.set(id::SNDHWM, &7i32.to_ne_bytes()).unwrap();
    o.set(id::MAXMSGSIZE, &1234i64.to_ne_bytes()).unwrap();
    o.set(id::AFFINITY, &u64::MAX.to_ne_bytes()).unwrap();
    o.set(id::ROUTING_ID, b"me").unwrap();
    assert_eq!(o.get(id::SNDHWM), Some(OptValue::Int(7)));
    assert_eq!(o.get(id::MAXMSGSIZE), Some(OptValue::Int64(1234)));
    assert_eq!(o.get(id::AFFINITY), Some(OptValue::Uint64(u64::MAX)));
    assert_eq!(
        o.get(id::ROUTING_ID),
        Some(OptValue::Binary(Bytes::from_static(b"me")))
    );
}

#[test]
fn security_options_are_refused_and_mechanism_stays_null() {
    let mut o = Options::new(-1);
    let einval = [
        (id::CURVE_SERVER, 1i32.to_ne_bytes().to_vec()),
        (id::CURVE_PUBLICKEY, vec![7u8; 32]),
        (id::CURVE_SECRETKEY, vec![7u8; 32]),
        (id::CURVE_SERVERKEY, vec![b'a'; 40]),
        (id::GSSAPI_SERVER, 1i32.to_ne_bytes().to_vec()),
        (id::GSSAPI_PRINCIPAL, b"me".to_vec()),
        (id::GSSAPI_SERVICE_PRINCIPAL, b"svc".to_vec()),
        (id::GSSAPI_PLAINTEXT, 1i32.to_ne_bytes().to_vec()),
        (id::GSSAPI_PRINCIPAL_NAMETYPE, 0i32.to_ne_bytes().to_vec()),
        (
            id::GSSAPI_SERVICE_PRINCIPAL_NAMETYPE,
            0i32.to_ne_bytes().to_vec(),
        ),
    ];
    for (num, raw) in einval.iter() {
        let want = libc::EINVAL;
        let e = o.set(*num, raw).unwrap_err();
        assert_eq!(e.errno(), want, "option {num}");
        assert!(e.to_string().contains("not available in this build"), "{e}");
        assert_eq!(unavailable(*num).map(|e| e.errno()), Some(want));
        assert_eq!(o.get(id::MECHANISM), Some(OptValue::Int(MECHANISM_NULL)));
    }
    assert!(unavailable(id::LINGER).is_none());
}

#[test]
fn zap_options_as_libzmq() {
    let int = |v: i32| v.to_ne_bytes();
    let mut o = Options::new(-1);
    assert_eq!(o.get(id::ZAP_DOMAIN), Some(OptValue::Str(String::new())));
    assert_eq!(
        o.set(id::ZAP_DOMAIN, b"").unwrap_err().errno(),
        libc::EINVAL
    );
    o.set(id::ZAP_DOMAIN, b"global").unwrap();
    assert_eq!(o.get(id::ZAP_DOMAIN), Some(OptValue::Str("global".into())));
    assert_eq!(
        o.set(id::ZAP_DOMAIN, b"").unwrap_err().errno(),
        libc::EINVAL
    );
    assert_eq!(
        o.set(id::ZAP_DOMAIN, &[b'd'; 256]).unwrap_err().errno(),
        libc::EINVAL
    );
    assert_eq!(o.get(id::ZAP_DOMAIN), Some(OptValue::Str("global".into())));
    assert_eq!(o.session().zap_domain, "global");
    assert_eq!(o.get(id::ZAP_ENFORCE_DOMAIN), Some(OptValue::Int(0)));
    for (v, want) in [(5, 1), (0, 0), (-1, 1)] {
        o.set(id::ZAP_ENFORCE_DOMAIN, &int(v)).unwrap();
        assert_eq!(o.get(id::ZAP_ENFORCE_DOMAIN), Some(OptValue::Int(want)));
    }
    assert!(o.session().zap_enforce_domain);
    assert_eq!(o.get(id::MECHANISM), Some(OptValue::Int(MECHANISM_NULL)));
}

#[test]
fn plain_options_as_libzmq() {
    let int = |v: i32| v.to_ne_bytes();
    let mech = |o: &Options| o.get(id::MECHANISM);
    let mut o = Options::new(-1);
    assert_eq!(mech(&o), Some(OptValue::Int(MECHANISM_NULL)));
    assert_eq!(o.get(id::PLAIN_SERVER), Some(OptValue::Int(0)));
    assert_eq!(
        o.get(id::PLAIN_USERNAME),
        Some(OptValue::Str(String::new()))
    );
    assert_eq!(
        o.get(id::PLAIN_PASSWORD),
        Some(OptValue::Str(String::new()))
    );
    assert!(matches!(
        o.set(id::MECHANISM, &int(1)),
        Err(Error::Invalid(_))
    ));

    // Server: 1; 0 goes back to NULL; 2 is EINVAL and changes nothing.
    o.set(id::PLAIN_SERVER, &int(1)).unwrap();
    assert_eq!(mech(&o), Some(OptValue::Int(MECHANISM_PLAIN)));
    assert_eq!(o.get(id::PLAIN_SERVER), Some(OptValue::Int(1)));
    assert_eq!(
        o.set(id::PLAIN_SERVER, &int(2)).unwrap_err().errno(),
        libc::EINVAL
    );
    assert_eq!(o.get(id::PLAIN_SERVER), Some(OptValue::Int(1)));
    o.set(id::PLAIN_SERVER, &int(0)).unwrap();
    assert_eq!(mech(&o), Some(OptValue::Int(MECHANISM_NULL)));
    assert_eq!(o.get(id::PLAIN_SERVER), Some(OptValue::Int(0)));

    // Client: username or password; 1 to 255 bytes.
    o.set(id::PLAIN_SERVER, &int(1)).unwrap();
    o.set(id::PLAIN_USERNAME, b"admin").unwrap();
    assert_eq!(mech(&o), Some(OptValue::Int(MECHANISM_PLAIN)));
    assert_eq!(
        o.get(id::PLAIN_SERVER),
        Some(OptValue::Int(0)),
        "a client now"
    );
    assert_eq!(
        o.get(id::PLAIN_USERNAME),
        Some(OptValue::Str("admin".into()))
    );
    for bad in [&b""[..], &[b'x'; 256]] {
        assert_eq!(
            o.set(id::PLAIN_PASSWORD, bad).unwrap_err().errno(),
            libc::EINVAL
        );
    }
    o.set(id::PLAIN_PASSWORD, &[b'p'; 255]).unwrap();
    assert_eq!(
        o.get(id::PLAIN_PASSWORD),
        Some(OptValue::Str("p".repeat(255)))
    );
    let s = o.session();
    assert_eq!(s.mechanism.security, Security::Plain { server: false });
    assert_eq!(s.mechanism.plain_username, "admin");

    // Last writer wins: server again, then a password makes a client with both credentials.
    o.set(id::PLAIN_SERVER, &int(1)).unwrap();
    assert_eq!(
        o.session().mechanism.security,
        Security::Plain { server: true }
    );
    o.set(id::PLAIN_PASSWORD, b"secret").unwrap();
    assert_eq!(o.get(id::PLAIN_SERVER), Some(OptValue::Int(0)));
    assert_eq!(
        o.get(id::PLAIN_USERNAME),
        Some(OptValue::Str("admin".into()))
    );
    o.set(id::PLAIN_SERVER, &int(0)).unwrap();
    assert_eq!(mech(&o), Some(OptValue::Int(MECHANISM_NULL)));
    assert_eq!(
        o.get(id::PLAIN_USERNAME),
        Some(OptValue::Str("admin".into())),
        "kept"
    );
}

#[test]
fn unimplemented_options_take_their_default_only() {
    let mut o = Options::new(-1);
    o.set(id::SOCKS_PROXY, b"").unwrap();
    o.set(id::BINDTODEVICE, b"").unwrap();
    o.set(id::TCP_MAXRT, &0i32.to_ne_bytes()).unwrap();
    o.set(id::USE_FD, &(-1i32).to_ne_bytes()).unwrap();
    for (num, raw) in [
        (id::SOCKS_PROXY, b"proxy:1080".to_vec()),
        (id::BINDTODEVICE, b"eth0".to_vec()),
        (id::TCP_MAXRT, 5000i32.to_ne_bytes().to_vec()),
        (id::USE_FD, 3i32.to_ne_bytes().to_vec()),
    ] {
        let e = o.set(num, &raw).unwrap_err();
        assert_eq!(e.errno(), libc::ENOTSUP, "option {num}");
        assert!(e.to_string().contains("not implemented"), "{e}");
    }
    assert_eq!(o.get(id::SOCKS_PROXY), Some(OptValue::Str(String::new())));
    assert_eq!(o.get(id::TCP_MAXRT), Some(OptValue::Int(0)));
    assert_eq!(o.get(id::USE_FD), Some(OptValue::Int(-1)));
    assert_eq!(o.get(id::BINDTODEVICE), Some(OptValue::Str(String::new())));
}

#[test]
fn every_table_entry_is_handled() {
    let o = Options::new(-1);
    for s in TABLE {
        let answered_by_socket = matches!(
            s.num,
            id::RCVMORE | id::FD | id::EVENTS | id::TYPE | id::LAST_ENDPOINT
        );
        if s.access != Access::WriteOnly && !answered_by_socket && unavailable(s.num).is_none() {
            assert!(o.get(s.num).is_some(), "{} not readable", s.name);
        }
    }
}

#[test]
fn numbers_and_names_are_unique() {
    for (i, a) in TABLE.iter().enumerate() {
        for b in &TABLE[i + 1..] {
            assert_ne!(a.num, b.num, "{} and {} share a number", a.name, b.name);
            assert_ne!(a.name, b.name);
        }
        assert_eq!(spec(a.num).map(|s| s.name), Some(a.name));
        assert_eq!(spec_by_name(a.name).map(|s| s.num), Some(a.num));
    }
}

#[test]
fn roles_fit_the_dispatch() {
    for s in TABLE {
        let refused = matches!(s.support, Support::Unavailable(_));
        let kept = matches!(s.role, Role::Socket | Role::Connection);
        // A mechanism's options have get/set functions once the mechanism is built.
        let mechanism = s.role == Role::Mechanism && !refused;
        assert_eq!(
            kept || s.role == Role::View || mechanism,
            s.set.is_some(),
            "{} set",
            s.name
        );
        let readable = s.access != Access::WriteOnly;
        match s.role {
            Role::Socket | Role::Connection | Role::View => {
                assert_eq!(s.get.is_some(), readable, "{} get", s.name)
            }
            Role::Fixed => assert!(s.get.is_some() && s.access == Access::ReadOnly),
            Role::Live => assert!(s.get.is_none() && s.access == Access::ReadOnly),
            Role::Mechanism => assert_eq!(s.get.is_some(), mechanism, "{}", s.name),
            Role::SocketType => assert!(s.get.is_none(), "{}", s.name),
        }
        assert_eq!(refused, s.refusal().is_some(), "{}", s.name);
        if refused {
            assert_eq!(s.role, Role::Mechanism, "{}", s.name);
        }
    }
}

#[test]
fn an_option_taking_its_default_only_accepts_its_default() {
    let mut o = Options::new(-1);
    let mut n = 0;
    for s in TABLE {
        if let Support::DefaultOnly(_) = s.support {
            let default = o.get(s.num).expect("readable");
            let raw = match default {
                OptValue::Str(v) => v.into_bytes(),
                v => v.to_raw(),
            };
            assert_eq!(o.set(s.num, &raw), Ok(true), "{}", s.name);
            n += 1;
        }
    }
    assert_eq!(n, 4);
}

#[test]
fn a_connection_takes_the_connection_options() {
    let mut o = Options::new(0);
    o.set(id::SNDHWM, &7i32.to_ne_bytes()).unwrap();
    o.set(id::HEARTBEAT_TTL, &2500i32.to_ne_bytes()).unwrap();
    o.set(id::ROUTING_ID, b"me").unwrap();
    let s = o.session();
    assert_eq!((s.sndhwm, s.rcvhwm, s.heartbeat_ttl), (7, 1000, 2500));
    assert_eq!(&s.routing_id[..], b"me");
    assert_eq!(s.handshake_ivl, 30_000);
}

#[test]
fn check_messages() {
    let mut o = Options::new(-1);
    let msg = |o: &mut Options, num, v: i32| o.set(num, &v.to_ne_bytes()).unwrap_err().to_string();
    assert!(msg(&mut o, id::TCP_KEEPALIVE, 2).ends_with("TCP_KEEPALIVE must be -1, 0 or 1, got 2"));
    assert!(msg(&mut o, id::IMMEDIATE, 2).ends_with("IMMEDIATE must be 0 or 1, got 2"));
    assert!(msg(&mut o, id::HEARTBEAT_TTL, 6_553_600).ends_with("must be <= 6553599, got 6553600"));
    assert!(msg(&mut o, id::HEARTBEAT_TTL, -1).ends_with("must be >= 0, got -1"));
    assert!(msg(&mut o, id::TCP_KEEPALIVE_CNT, 0).ends_with("must be -1 or > 0, got 0"));
    let e = o
        .set(id::BINDTODEVICE, b"a-very-long-interface")
        .unwrap_err();
    assert!(e
        .to_string()
        .ends_with("BINDTODEVICE names an interface of at most 15 bytes"));
    let e = o.set(id::SOCKS_PROXY, b"proxy:1080").unwrap_err();
    assert!(
        e.to_string().contains("only its default '' is accepted"),
        "{e}"
    );
    assert!(matches!(
        decode_flag(id::ROUTER_MANDATORY, &(-1i32).to_ne_bytes()),
        Err(Error::Invalid(_))
    ));
    assert_eq!(
        decode_flag(id::ROUTER_MANDATORY, &7i32.to_ne_bytes()),
        Ok(true)
    );
    assert_eq!(o.get(id::IPV4ONLY), Some(OptValue::Int(1)));
    o.set(id::IPV4ONLY, &0i32.to_ne_bytes()).unwrap();
    assert!(o.ipv6);
}
