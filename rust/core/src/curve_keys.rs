//! CURVE key pairs (RFC 26): 32-byte X25519 keys, public = X25519(secret, base point 9), as
//! libzmq's `zmq_curve_keypair` and `zmq_curve_public` (whose text form is Z85, see `z85`).
//!
//! The arithmetic is RustCrypto's (`crypto_box`'s X25519). Secret bytes live in [`Secret`]
//! buffers, wiped when dropped, whose `Debug` shows no byte of them.

use crate::error::{Error, Result};
use crate::z85;
use crypto_box::aead::rand_core::RngCore;
use crypto_box::aead::OsRng;
use crypto_box::SecretKey;
use zeroize::Zeroizing;

/// Length of a raw key.
pub const KEY_LEN: usize = 32;
/// Length of a key in Z85 (without libzmq's terminating NUL).
pub const KEY_Z85_LEN: usize = z85::encoded_len(KEY_LEN);

/// Secret bytes (a key, or its Z85 text): wiped when dropped, never formatted.
pub struct Secret<const N: usize>(Zeroizing<[u8; N]>);

impl<const N: usize> Secret<N> {
    fn zeroed() -> Self {
        Secret(Zeroizing::new([0u8; N]))
    }
}

impl<const N: usize> std::ops::Deref for Secret<N> {
    type Target = [u8; N];
    fn deref(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> std::ops::DerefMut for Secret<N> {
    fn deref_mut(&mut self) -> &mut [u8; N] {
        &mut self.0
    }
}

impl<const N: usize> std::fmt::Debug for Secret<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret<{N}>(..)")
    }
}

/// A new key pair: the secret from the operating system's random generator, the public key
/// derived from it. Returns (public, secret).
pub fn keypair() -> Result<([u8; KEY_LEN], Secret<KEY_LEN>)> {
    let mut secret = Secret::zeroed();
    OsRng.try_fill_bytes(&mut secret[..]).map_err(|e| {
        Error::Os(
            e.raw_os_error().unwrap_or(libc::EIO),
            format!("the system's random generator failed: {e}"),
        )
    })?;
    Ok((public_from_secret(&secret), secret))
}

/// The public key of `secret` (any 32 bytes are a valid secret: X25519 clamps them).
pub fn public_from_secret(secret: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
    // SecretKey wipes its copy when dropped.
    *SecretKey::from_bytes(*secret).public_key().as_bytes()
}

/// A key from its Z85 text (40 characters).
pub fn key_from_z85(text: &[u8]) -> Result<Secret<KEY_LEN>> {
    if text.len() != KEY_Z85_LEN {
        return Err(Error::invalid(format!(
            "a CURVE key in Z85 is {KEY_Z85_LEN} characters, got {}",
            text.len()
        )));
    }
    let mut key = Secret::zeroed();
    z85::decode_into(text, &mut key[..])?;
    Ok(key)
}

/// A key as Z85 text (40 characters).
pub fn key_to_z85(key: &[u8; KEY_LEN]) -> Secret<KEY_Z85_LEN> {
    let mut text = Secret::zeroed();
    // 32 is a multiple of 4 and the buffer has the length it needs: this cannot fail.
    let _ = z85::encode_into(key, &mut text[..]);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> [u8; 32] {
        let mut k = [0u8; 32];
        for (i, b) in k.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        k
    }

    // (secret, public) in hex, then in Z85 for the two libzmq test pairs (security.md §8.1).
    const PAIRS: [(&str, &str, &str, &str); 2] = [
        (
            "7bb864b489afa3671fbe69101f94b38972f24816dfb01b51656b3fec8dfd0888",
            "bb88471d65e2659b30c55a5321cebb5aab2b70a398645c26dca2b2fcb43fc518",
            "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
            "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
        ),
        (
            "8e0bdd697628b91d8f245587ee95c5b04d48963f79259877b49cd9063aead3b7",
            "54fcba24e93249969316fb617c872bb0c1d1ff14800427c594cbfacf1bc2d652",
            "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
            "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
        ),
    ];

    #[test]
    fn libzmq_test_pairs() {
        for (sec, public, sec_z85, pub_z85) in PAIRS {
            assert_eq!(public_from_secret(&hex(sec)), hex(public));
            let secret = key_from_z85(sec_z85.as_bytes()).unwrap();
            assert_eq!(*secret, hex(sec));
            assert_eq!(
                &key_to_z85(&public_from_secret(&secret))[..],
                pub_z85.as_bytes()
            );
        }
    }

    #[test]
    fn constant_secrets() {
        assert_eq!(
            public_from_secret(&[0x11; 32]),
            hex("7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13")
        );
        assert_eq!(
            public_from_secret(&[0x22; 32]),
            hex("0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20")
        );
    }

    #[test]
    fn keypair_is_random_and_consistent() {
        let (p1, s1) = keypair().unwrap();
        let (p2, s2) = keypair().unwrap();
        assert_ne!(*s1, *s2);
        assert_ne!(p1, p2);
        assert_eq!(public_from_secret(&s1), p1);
        assert_eq!(public_from_secret(&s2), p2);
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let (_, secret) = keypair().unwrap();
        assert_eq!(format!("{secret:?}"), "Secret<32>(..)");
    }

    #[test]
    fn key_from_z85_refuses_bad_text() {
        let e = key_from_z85(b"HelloWorld").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid argument: a CURVE key in Z85 is 40 characters, got 10"
        );
        let mut t = *b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
        t[3] = b'~';
        assert!(key_from_z85(&t)
            .unwrap_err()
            .to_string()
            .contains("not a Z85 character"));
        assert!(key_from_z85(&[b'#'; 40]).is_err());
    }
}
