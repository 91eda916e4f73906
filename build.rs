//! Builds libzmq with CURVE (against libsodium built from source by libsodium-sys-stable) on
//! the target whose zmq-sys build script `.cargo/config.toml` overrides; elsewhere zmq-sys
//! builds libzmq without CURVE and this does nothing. Either way the libzmq source is
//! vendor/zeromq-src, which carries the routing-id fix and the whole-message size limit
//! (vendor/zeromq-src/PATCHES.md, docs/SECURITY.md).

/// The target on which `.cargo/config.toml` replaces zmq-sys's build script.
const CURVE_TARGET: &str = "x86_64-unknown-linux-gnu";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(zmqtool_curve)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=vendor/zeromq-src/vendor/src");
    if std::env::var("TARGET").as_deref() != Ok(CURVE_TARGET) {
        return;
    }
    let (Ok(include), Ok(lib)) = (
        std::env::var("DEP_SODIUM_INCLUDE"),
        std::env::var("DEP_SODIUM_LIB"),
    ) else {
        panic!("libsodium-sys-stable did not export DEP_SODIUM_INCLUDE and DEP_SODIUM_LIB");
    };
    zeromq_src::Build::new()
        .with_libsodium(Some(zeromq_src::LibLocation::new(lib, include)))
        .build();
    println!("cargo::rustc-cfg=zmqtool_curve");
}
