//! The numbers in the committed C header are the engine's: every `ZR_SOCKOPT_*` names an
//! option of the engine's option table with its number, every errno constant an entry of the
//! engine's errno list with its value, and each of libzmq's own errno values has its constant.
//! The table walks (`zr_option_at`, `zr_errno_at`) give the tables back row by row.

use crate::*;
use std::collections::BTreeMap;
use std::ffi::{c_char, CStr};
use zmq_rust_core::{options, ERRNOS, HAUSNUMERO};

/// The header's `#define ZR_<NAME> <integer>` lines, by NAME.
fn header_numbers() -> BTreeMap<String, i64> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../include/zmq_rust.h");
    let text = std::fs::read_to_string(path).expect("include/zmq_rust.h");
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if let (Some("#define"), Some(name), Some(value), None) =
            (words.next(), words.next(), words.next(), words.next())
        {
            if let (Some(name), Ok(v)) = (name.strip_prefix("ZR_"), value.parse::<i64>()) {
                out.insert(name.to_string(), v);
            }
        }
    }
    out
}

#[test]
fn every_option_constant_names_an_engine_option_with_its_number() {
    let header = header_numbers();
    let mut seen = 0;
    for (name, &v) in &header {
        let Some(opt) = name.strip_prefix("SOCKOPT_") else {
            continue;
        };
        let spec = options::spec_by_name(opt)
            .unwrap_or_else(|| panic!("ZR_{name}: the engine has no option {opt}"));
        assert_eq!(v, i64::from(spec.num), "ZR_{name}");
        seen += 1;
    }
    assert!(
        seen >= 8,
        "the header's ZR_SOCKOPT_* constants were not found"
    );
    assert!(
        !header.keys().any(|k| k.starts_with("CTXOPT_")),
        "ZR_CTXOPT_* constants need a check against the engine's context options"
    );
}

#[test]
fn every_errno_constant_is_the_engines() {
    let header = header_numbers();
    assert_eq!(header.get("HAUSNUMERO"), Some(&i64::from(HAUSNUMERO)));
    for (name, v) in ERRNOS {
        let ours = header.get(*name);
        if *v > HAUSNUMERO {
            assert_eq!(
                ours,
                Some(&i64::from(*v)),
                "ZR_{name} is libzmq's own: must be defined"
            );
        } else if let Some(&ours) = ours {
            assert_eq!(ours, i64::from(*v), "ZR_{name}");
        }
    }
    for name in header.keys() {
        if name.starts_with('E') && name.chars().all(|c| c.is_ascii_uppercase()) {
            assert!(
                ERRNOS.iter().any(|(n, _)| n == name),
                "ZR_{name} looks like an errno the engine does not name"
            );
        }
    }
}

#[test]
fn option_walk_gives_the_table() {
    let mut i = 0;
    loop {
        let (mut num, mut ty, mut name) = (0, 0, std::ptr::null::<c_char>());
        // SAFETY: the out-pointers are locals.
        if unsafe { zr_option_at(i, &mut num, &mut ty, &mut name) } != 0 {
            assert_eq!(zr_errno(), libc::EINVAL);
            break;
        }
        let spec = &options::TABLE[i];
        // SAFETY: zr_option_at returns a static NUL-terminated string.
        let name = unsafe { CStr::from_ptr(name) }.to_str().unwrap();
        assert_eq!((name, num), (spec.name, spec.num));
        assert_eq!(ty, zr_option_type(num));
        i += 1;
    }
    assert_eq!(i, options::TABLE.len());
    // SAFETY: NULL out-pointers are allowed.
    assert_eq!(
        unsafe {
            zr_option_at(
                0,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        },
        0
    );
}

#[test]
fn errno_walk_gives_the_list() {
    let mut i = 0;
    loop {
        let (mut v, mut name) = (0, std::ptr::null::<c_char>());
        // SAFETY: the out-pointers are locals.
        if unsafe { zr_errno_at(i, &mut v, &mut name) } != 0 {
            break;
        }
        // SAFETY: zr_errno_at returns a static NUL-terminated string.
        let name = unsafe { CStr::from_ptr(name) }.to_str().unwrap();
        assert_eq!((name, v), ERRNOS[i]);
        i += 1;
    }
    assert_eq!(i, ERRNOS.len());
}
