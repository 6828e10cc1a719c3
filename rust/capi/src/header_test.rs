//! The committed header must match what cbindgen generates from this crate.

#[cfg(feature = "gen-header")]
#[test]
fn header_is_current() {
    let crate_dir = env!("CARGO_MANIFEST_DIR");
    let header = std::path::Path::new(crate_dir).join("../../include/zmq_rust.h");
    let config = cbindgen::Config::from_file(std::path::Path::new(crate_dir).join("cbindgen.toml"))
        .expect("cbindgen.toml");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen failed")
        .write(&mut out);
    let generated = String::from_utf8(out).expect("utf-8 header");
    if std::env::var_os("ZR_UPDATE_HEADER").is_some() {
        std::fs::write(&header, &generated).expect("write header");
        return;
    }
    let committed = std::fs::read_to_string(&header).unwrap_or_default();
    assert!(
        committed == generated,
        "include/zmq_rust.h is stale: run `ZR_UPDATE_HEADER=1 cargo test -p zmq-rust-capi --features gen-header header_is_current`"
    );
}
