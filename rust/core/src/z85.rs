//! Z85 (ZeroMQ RFC 32), the text form of CURVE keys: every 4 bytes, read as a big-endian
//! number, become 5 characters of an 85-character alphabet, most significant digit first.
//! As libzmq's `zmq_z85_encode` and `zmq_z85_decode`, with an error that says what was wrong.

use crate::error::{Error, Result};

/// The 85 digits, in order of value.
pub const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// The value of each byte as a digit, or 0xFF for a byte outside the alphabet.
const DIGIT: [u8; 256] = {
    let mut t = [0xFF; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// The length of the text for `n` bytes (a multiple of 4).
pub const fn encoded_len(n: usize) -> usize {
    n / 4 * 5
}

/// The length of the bytes for a text of `n` characters (a multiple of 5).
pub const fn decoded_len(n: usize) -> usize {
    n / 5 * 4
}

/// Encodes `data`, whose length must be a multiple of 4 (0 gives the empty string).
pub fn encode(data: &[u8]) -> Result<String> {
    let mut out = vec![0u8; checked_encoded_len(data.len())?];
    encode_into(data, &mut out)?;
    // Every byte written is from ALPHABET, which is ASCII.
    Ok(out.into_iter().map(char::from).collect())
}

/// The text length for `n` bytes, or the error for a length that is not a multiple of 4.
pub fn checked_encoded_len(n: usize) -> Result<usize> {
    if n % 4 != 0 {
        return Err(Error::invalid(format!(
            "the length must be a multiple of 4, got {n}"
        )));
    }
    Ok(encoded_len(n))
}

/// Encodes `data` (a multiple of 4 bytes) into `out`, which must be exactly
/// `encoded_len(data.len())` bytes long.
pub fn encode_into(data: &[u8], out: &mut [u8]) -> Result<()> {
    let need = checked_encoded_len(data.len())?;
    if out.len() != need {
        return Err(Error::invalid(format!(
            "Z85 text of {} bytes needs {need} characters, the buffer has {}",
            data.len(),
            out.len()
        )));
    }
    for (group, text) in data.chunks_exact(4).zip(out.chunks_exact_mut(5)) {
        let mut v = u32::from_be_bytes([group[0], group[1], group[2], group[3]]);
        for digit in text.iter_mut().rev() {
            *digit = ALPHABET[(v % 85) as usize];
            v /= 85;
        }
    }
    Ok(())
}

/// Decodes `text`: at least 5 characters, a multiple of 5, all from the alphabet, and no group
/// of 5 above 0xFFFFFFFF.
pub fn decode(text: &[u8]) -> Result<Vec<u8>> {
    let mut out = vec![0u8; checked_decoded_len(text.len())?];
    decode_into(text, &mut out)?;
    Ok(out)
}

/// The byte length for a text of `n` characters, or the error for a length libzmq refuses
/// (below 5, or not a multiple of 5).
pub fn checked_decoded_len(n: usize) -> Result<usize> {
    if n < 5 {
        return Err(Error::invalid(format!(
            "the length must be a multiple of 5 and at least 5, got {n}"
        )));
    }
    if n % 5 != 0 {
        return Err(Error::invalid(format!(
            "the length must be a multiple of 5, got {n}"
        )));
    }
    Ok(decoded_len(n))
}

/// Decodes `text` into `out`, which must be exactly `decoded_len(text.len())` bytes long.
/// `out` is written only when the whole text is valid.
pub fn decode_into(text: &[u8], out: &mut [u8]) -> Result<()> {
    let need = checked_decoded_len(text.len())?;
    if out.len() != need {
        return Err(Error::invalid(format!(
            "{} Z85 characters decode to {need} bytes, the buffer has {}",
            text.len(),
            out.len()
        )));
    }
    // Checked first, so that a bad text leaves `out` untouched.
    for (i, group) in text.chunks_exact(5).enumerate() {
        group_value(group, i * 5)?;
    }
    for (i, (group, bytes)) in text
        .chunks_exact(5)
        .zip(out.chunks_exact_mut(4))
        .enumerate()
    {
        let v = group_value(group, i * 5)?;
        bytes.copy_from_slice(&v.to_be_bytes());
    }
    Ok(())
}

/// The value of one group of 5 characters starting at `offset` in the text.
fn group_value(group: &[u8], offset: usize) -> Result<u32> {
    let mut v: u64 = 0;
    for (j, &c) in group.iter().enumerate() {
        let d = DIGIT[c as usize];
        if d == 0xFF {
            return Err(Error::invalid(format!(
                "not a Z85 character: '{}' at offset {}",
                shown(&[c]),
                offset + j
            )));
        }
        v = v * 85 + u64::from(d);
    }
    u32::try_from(v).map_err(|_| {
        Error::invalid(format!(
            "the group '{}' at offset {offset} is out of range (above 0xFFFFFFFF)",
            shown(group)
        ))
    })
}

/// `bytes` for an error message: printable ASCII as it is, anything else as `\xNN`.
fn shown(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b' '..=b'~' => char::from(b).to_string(),
            _ => format!("\\x{b:02x}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn message(e: Error) -> String {
        e.to_string()
    }

    #[test]
    fn known_answers() {
        let hello = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        assert_eq!(encode(&hello).unwrap(), "HelloWorld");
        assert_eq!(decode(b"HelloWorld").unwrap(), hello);
        let seq: Vec<u8> = (0..32).collect();
        assert_eq!(
            encode(&seq).unwrap(),
            "009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x"
        );
        assert_eq!(
            decode(b"009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x").unwrap(),
            seq
        );
        assert_eq!(encode(&[0; 32]).unwrap(), "0".repeat(40));
        assert_eq!(decode(b"%nSc0").unwrap(), [0xFF; 4]);
        assert_eq!(encode(&[0xFF; 4]).unwrap(), "%nSc0");
        assert_eq!(
            encode(&hex(
                "7bb864b489afa3671fbe69101f94b38972f24816dfb01b51656b3fec8dfd0888"
            ))
            .unwrap(),
            "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
        );
        assert_eq!(
            decode(b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7").unwrap(),
            hex("54fcba24e93249969316fb617c872bb0c1d1ff14800427c594cbfacf1bc2d652")
        );
    }

    #[test]
    fn round_trips_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(encode(&all).unwrap().as_bytes()).unwrap(), all);
        assert_eq!(encode(&[]).unwrap(), "");
    }

    #[test]
    fn encode_needs_a_multiple_of_4() {
        for n in [1, 2, 3, 5, 31, 33] {
            let m = message(encode(&vec![0; n]).unwrap_err());
            assert_eq!(
                m,
                format!("Invalid argument: the length must be a multiple of 4, got {n}")
            );
        }
    }

    #[test]
    fn decode_refuses_bad_lengths() {
        for t in ["", "Hell", "HelloWorl", "HelloWorld1"] {
            let e = decode(t.as_bytes()).unwrap_err();
            assert_eq!(e.errno(), libc::EINVAL);
            assert!(message(e).contains("multiple of 5"), "{t:?}");
        }
    }

    #[test]
    fn decode_refuses_characters_outside_the_alphabet() {
        let m = message(decode(b"Hell~").unwrap_err());
        assert_eq!(m, "Invalid argument: not a Z85 character: '~' at offset 4");
        let m = message(decode(b"Hello\xffxyzw").unwrap_err());
        assert_eq!(
            m,
            "Invalid argument: not a Z85 character: '\\xff' at offset 5"
        );
        let m = message(decode(b"HelloWor\"d").unwrap_err());
        assert_eq!(m, "Invalid argument: not a Z85 character: '\"' at offset 8");
        for bad in [
            b' ', b'"', b'\'', b',', b';', b'\\', b'_', b'`', b'|', b'~', 0,
        ] {
            let mut t = *b"HelloWorld";
            t[7] = bad;
            assert!(decode(&t).is_err(), "{bad}");
        }
    }

    #[test]
    fn decode_refuses_groups_above_u32() {
        let m = message(decode(b"#####").unwrap_err());
        assert_eq!(
            m,
            "Invalid argument: the group '#####' at offset 0 is out of range (above 0xFFFFFFFF)"
        );
        assert!(decode(b"HelloWorld%nSc1").is_err());
        assert!(decode(b"%%%%%").is_err());
    }

    #[test]
    fn decode_into_leaves_the_buffer_alone_on_error() {
        let mut out = [7u8; 8];
        assert!(decode_into(b"Hello####~", &mut out).is_err());
        assert_eq!(out, [7; 8]);
        assert!(decode_into(b"HelloWorld", &mut [0u8; 7]).is_err());
        decode_into(b"HelloWorld", &mut out).unwrap();
        assert_eq!(out, [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]);
    }
}
