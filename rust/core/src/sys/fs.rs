//! Private temporary directories (the home of a socket bound to `ipc://*`).

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;

/// Creates a new directory, readable by this user only, named after `template`, whose last
/// six characters must be `XXXXXX` (mkdtemp(3) replaces them); returns its path.
pub(crate) fn make_temp_dir(template: PathBuf) -> io::Result<PathBuf> {
    let mut bytes = template.into_os_string().into_encoded_bytes();
    bytes.push(0);
    // SAFETY: mkdtemp rewrites the NUL-terminated template in place, within its length.
    let p = unsafe { libc::mkdtemp(bytes.as_mut_ptr().cast()) };
    if p.is_null() {
        return Err(io::Error::last_os_error());
    }
    bytes.pop();
    // SAFETY: the bytes came from an OsString and mkdtemp only replaced X's with ASCII.
    Ok(PathBuf::from(unsafe {
        OsString::from_encoded_bytes_unchecked(bytes)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_a_new_directory() {
        let dir = make_temp_dir(std::env::temp_dir().join("zr-test-XXXXXX")).unwrap();
        assert!(dir.is_dir());
        assert!(!dir.to_string_lossy().ends_with("XXXXXX"));
        std::fs::remove_dir(&dir).unwrap();
        let e = make_temp_dir(PathBuf::from("/nonexistent-zr/XXXXXX")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }
}
