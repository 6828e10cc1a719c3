//! Z85 text (RFC 32) and CURVE key pairs, as libzmq's `zmq_z85_encode`, `zmq_z85_decode`,
//! `zmq_curve_keypair` and `zmq_curve_public`. Secrets pass through buffers that are wiped
//! when the call returns.

use crate::error::{fail, guard};
use crate::socket::bytes_of;
use std::ffi::c_char;
use zeroize::Zeroizing;
use zmq_rust_core::{curve_keys, z85, Error};

/// Size of a buffer for a CURVE key in Z85: 40 characters and a NUL.
pub const ZR_CURVE_KEY_Z85_BUF: usize = 41;

/// Encodes `len` bytes at `src` (a multiple of 4) as Z85 into `out`, followed by a NUL;
/// `*out_len` is the number of characters, without the NUL. EINVAL for a length that is not
/// a multiple of 4, or an `out_cap` below that number plus 1.
///
/// # Safety
/// `src` is valid for `len` bytes (or NULL when `len` is 0), `out` for `out_cap` bytes,
/// `out_len` for writing (or NULL).
#[no_mangle]
pub unsafe extern "C" fn zr_z85_encode(
    src: *const u8,
    len: usize,
    out: *mut c_char,
    out_cap: usize,
    out_len: *mut usize,
) -> i32 {
    guard(-1, || {
        let Some(data) = bytes_of(src, len) else {
            return fail(&Error::invalid("NULL data"));
        };
        let n = match z85::checked_encoded_len(len) {
            Ok(n) => n,
            Err(e) => return fail(&e),
        };
        if out.is_null() || out_cap < n + 1 {
            return fail(&Error::invalid(format!(
                "the output buffer of {out_cap} bytes is too small for {n} characters and a NUL"
            )));
        }
        let text = std::slice::from_raw_parts_mut(out.cast::<u8>(), n + 1);
        if let Err(e) = z85::encode_into(data, &mut text[..n]) {
            return fail(&e);
        }
        text[n] = 0;
        crate::option::write_out(out_len, n);
        0
    })
}

/// Decodes `len` characters of Z85 at `src` into `out`; `*out_len` is the number of bytes.
/// EINVAL for a length below 5 or not a multiple of 5, a character outside the alphabet, a
/// group of 5 above 0xFFFFFFFF, or an `out_cap` too small; then `out` is left alone.
///
/// # Safety
/// `src` is valid for `len` bytes (or NULL when `len` is 0), `out` for `out_cap` bytes,
/// `out_len` for writing (or NULL).
#[no_mangle]
pub unsafe extern "C" fn zr_z85_decode(
    src: *const c_char,
    len: usize,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> i32 {
    guard(-1, || {
        let Some(text) = bytes_of(src.cast(), len) else {
            return fail(&Error::invalid("NULL string"));
        };
        let n = match z85::checked_decoded_len(len) {
            Ok(n) => n,
            Err(e) => return fail(&e),
        };
        if out.is_null() || out_cap < n {
            return fail(&Error::invalid(format!(
                "the output buffer of {out_cap} bytes is too small for {n} bytes"
            )));
        }
        // Decoded into a wiped buffer first: the text may be a secret key, and `out` is
        // written only when all of it is valid.
        let mut bytes = Zeroizing::new(vec![0u8; n]);
        if let Err(e) = z85::decode_into(text, &mut bytes) {
            return fail(&e);
        }
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), out, n);
        crate::option::write_out(out_len, n);
        0
    })
}

/// A new CURVE key pair (secret from the OS's random generator) as two Z85 strings of 40
/// characters and a NUL, as `zmq_curve_keypair`.
///
/// # Safety
/// `public` and `secret` are valid for writing [`ZR_CURVE_KEY_Z85_BUF`] bytes.
#[no_mangle]
pub unsafe extern "C" fn zr_curve_keypair(public: *mut c_char, secret: *mut c_char) -> i32 {
    guard(-1, || {
        if public.is_null() || secret.is_null() {
            return fail(&Error::invalid("NULL key buffer"));
        }
        match curve_keys::keypair() {
            Ok((p, s)) => {
                write_key(public, &p);
                write_key(secret, &s);
                0
            }
            Err(e) => fail(&e),
        }
    })
}

/// The public key (Z85, 40 characters and a NUL) of a secret key given as 40 Z85 characters
/// followed by a NUL, as `zmq_curve_public`. EINVAL if the secret is not that.
///
/// # Safety
/// `public` is valid for writing [`ZR_CURVE_KEY_Z85_BUF`] bytes; `secret` is valid for
/// reading up to its NUL or [`ZR_CURVE_KEY_Z85_BUF`] bytes, whichever comes first.
#[no_mangle]
pub unsafe extern "C" fn zr_curve_public(public: *mut c_char, secret: *const c_char) -> i32 {
    guard(-1, || {
        if public.is_null() || secret.is_null() {
            return fail(&Error::invalid("NULL key buffer"));
        }
        let mut len = 0;
        while len < ZR_CURVE_KEY_Z85_BUF && *secret.add(len) != 0 {
            len += 1;
        }
        let text = std::slice::from_raw_parts(secret.cast::<u8>(), len);
        match curve_keys::key_from_z85(text) {
            Ok(s) => {
                write_key(public, &curve_keys::public_from_secret(&s));
                0
            }
            Err(e) => fail(&e),
        }
    })
}

/// Writes `key` as Z85 and a NUL to `out`.
///
/// # Safety
/// `out` is valid for writing [`ZR_CURVE_KEY_Z85_BUF`] bytes.
unsafe fn write_key(out: *mut c_char, key: &[u8; curve_keys::KEY_LEN]) {
    let text = curve_keys::key_to_z85(key);
    std::ptr::copy_nonoverlapping(text.as_ptr(), out.cast::<u8>(), text.len());
    *out.add(text.len()) = 0;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn errno() -> i32 {
        crate::zr_errno()
    }

    fn encode(data: &[u8], cap: usize) -> Result<String, i32> {
        let mut out = vec![0x55 as c_char; cap];
        let mut n = usize::MAX;
        let rc = unsafe { zr_z85_encode(data.as_ptr(), data.len(), out.as_mut_ptr(), cap, &mut n) };
        if rc != 0 {
            assert_eq!(n, usize::MAX, "out_len written on failure");
            assert!(out.iter().all(|&c| c == 0x55), "out written on failure");
            return Err(errno());
        }
        let s = unsafe { CStr::from_ptr(out.as_ptr()) };
        assert_eq!(s.to_bytes().len(), n);
        Ok(s.to_str().unwrap().to_owned())
    }

    fn decode(text: &str, cap: usize) -> Result<Vec<u8>, i32> {
        let mut out = vec![0x55u8; cap];
        let mut n = usize::MAX;
        let rc = unsafe {
            zr_z85_decode(
                text.as_ptr().cast(),
                text.len(),
                out.as_mut_ptr(),
                cap,
                &mut n,
            )
        };
        if rc != 0 {
            assert_eq!(n, usize::MAX, "out_len written on failure");
            assert!(out.iter().all(|&c| c == 0x55), "out written on failure");
            return Err(errno());
        }
        out.truncate(n);
        Ok(out)
    }

    fn last_error() -> String {
        unsafe { CStr::from_ptr(crate::zr_last_error()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn z85_through_the_c_abi() {
        let hello = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        assert_eq!(encode(&hello, 11).unwrap(), "HelloWorld");
        assert_eq!(encode(&[], 1).unwrap(), "");
        assert_eq!(encode(&hello, 10), Err(libc::EINVAL), "no room for the NUL");
        assert_eq!(encode(&hello[..7], 64), Err(libc::EINVAL));
        assert!(
            last_error().contains("multiple of 4, got 7"),
            "{}",
            last_error()
        );
        assert_eq!(decode("HelloWorld", 8).unwrap(), hello);
        assert_eq!(decode("HelloWorld", 7), Err(libc::EINVAL));
        assert_eq!(decode("Hell~", 8), Err(libc::EINVAL));
        assert!(
            last_error().contains("not a Z85 character: '~'"),
            "{}",
            last_error()
        );
        assert_eq!(decode("#####", 8), Err(libc::EINVAL));
        assert!(last_error().contains("out of range"), "{}", last_error());
        assert_eq!(decode("", 8), Err(libc::EINVAL));
        assert_eq!(decode("%nSc0", 4).unwrap(), [0xFF; 4]);
        let rc = unsafe {
            zr_z85_decode(
                std::ptr::null(),
                5,
                [0u8; 4].as_mut_ptr(),
                4,
                std::ptr::null_mut(),
            )
        };
        assert_eq!((rc, errno()), (-1, libc::EINVAL));
    }

    #[test]
    fn curve_keys_through_the_c_abi() {
        let mut public = [0x55 as c_char; ZR_CURVE_KEY_Z85_BUF];
        let secret = c"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
        assert_eq!(
            unsafe { zr_curve_public(public.as_mut_ptr(), secret.as_ptr()) },
            0
        );
        let got = unsafe { CStr::from_ptr(public.as_ptr()) };
        assert_eq!(
            got.to_str().unwrap(),
            "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
        );

        let mut p2 = [0x55 as c_char; ZR_CURVE_KEY_Z85_BUF];
        for bad in [
            c"HelloWorld",
            c"#####%%%%%HelloWorldHelloWorldHelloWorld",
            c"",
        ] {
            assert_eq!(
                unsafe { zr_curve_public(p2.as_mut_ptr(), bad.as_ptr()) },
                -1
            );
            assert_eq!(errno(), libc::EINVAL);
            assert!(p2.iter().all(|&c| c == 0x55), "public written on failure");
        }
        let long = c"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6X";
        assert_eq!(
            unsafe { zr_curve_public(p2.as_mut_ptr(), long.as_ptr()) },
            -1
        );

        let (mut p, mut s) = ([0 as c_char; 41], [0 as c_char; 41]);
        assert_eq!(
            unsafe { zr_curve_keypair(p.as_mut_ptr(), s.as_mut_ptr()) },
            0
        );
        assert_eq!((p[40], s[40]), (0, 0));
        assert_eq!(unsafe { zr_curve_public(p2.as_mut_ptr(), s.as_ptr()) }, 0);
        assert_eq!(p2, p);
        let (mut q, mut t) = ([0 as c_char; 41], [0 as c_char; 41]);
        assert_eq!(
            unsafe { zr_curve_keypair(q.as_mut_ptr(), t.as_mut_ptr()) },
            0
        );
        assert_ne!(s, t);
        assert_ne!(p, q);
        assert_eq!(
            unsafe { zr_curve_keypair(std::ptr::null_mut(), t.as_mut_ptr()) },
            -1
        );
        assert_eq!(errno(), libc::EINVAL);
    }
}
