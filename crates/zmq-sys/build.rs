//! Builds the one libzmq of the build: the pristine libzmq source that the `zeromq-src` crate
//! carries, copied into OUT_DIR, with the repository's `patches/*.patch` applied in order,
//! compiled with CURVE against libsodium (libsodium-sys-stable) and with the platform macros
//! libzmq's own CMake build finds. This crate has `links = "zmq"`, so cargo lets no other
//! crate of the build link a libzmq, however the build is started.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use diffy::patch_set::{FileOperation, ParseOptions, PatchSet};

/// The `zeromq-src` release whose libzmq the patches are made against (Cargo.toml pins it).
const ZEROMQ_SRC: &str = "0.3.6+4.3.5";

/// libzmq's sources, as `zeromq-src` 0.3.6 lists them (`wss_*` need GnuTLS and stay out).
const CPP_SOURCES: &[&str] = &[
    "address",
    "channel",
    "client",
    "clock",
    "ctx",
    "curve_client",
    "curve_mechanism_base",
    "curve_server",
    "dealer",
    "decoder_allocators",
    "devpoll",
    "dgram",
    "dish",
    "dist",
    "endpoint",
    "epoll",
    "err",
    "fq",
    "gather",
    "gssapi_client",
    "gssapi_mechanism_base",
    "gssapi_server",
    "io_object",
    "io_thread",
    "ip_resolver",
    "ip",
    "ipc_address",
    "ipc_connecter",
    "ipc_listener",
    "kqueue",
    "lb",
    "mailbox_safe",
    "mailbox",
    "mechanism_base",
    "mechanism",
    "metadata",
    "msg",
    "mtrie",
    "norm_engine",
    "null_mechanism",
    "object",
    "options",
    "own",
    "pair",
    "peer",
    "pgm_receiver",
    "pgm_sender",
    "pgm_socket",
    "pipe",
    "plain_client",
    "plain_server",
    "poll",
    "poller_base",
    "polling_util",
    "pollset",
    "precompiled",
    "proxy",
    "pub",
    "pull",
    "push",
    "radio",
    "radix_tree",
    "random",
    "raw_decoder",
    "raw_encoder",
    "raw_engine",
    "reaper",
    "rep",
    "req",
    "router",
    "scatter",
    "select",
    "server",
    "session_base",
    "signaler",
    "socket_base",
    "socket_poller",
    "socks_connecter",
    "socks",
    "stream_connecter_base",
    "stream_engine_base",
    "stream_listener_base",
    "stream",
    "sub",
    "tcp_address",
    "tcp_connecter",
    "tcp_listener",
    "tcp",
    "thread",
    "timers",
    "tipc_address",
    "tipc_connecter",
    "tipc_listener",
    "trie",
    "udp_address",
    "udp_engine",
    "v1_decoder",
    "v1_encoder",
    "v2_decoder",
    "v2_encoder",
    "v3_1_encoder",
    "vmci_address",
    "vmci_connecter",
    "vmci_listener",
    "vmci",
    "ws_address",
    "ws_connecter",
    "ws_decoder",
    "ws_encoder",
    "ws_engine",
    "ws_listener",
    "xpub",
    "xsub",
    "zap_client",
    "zmq_utils",
    "zmq",
    "zmtp_engine",
];

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let patches = manifest.join("../../patches");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", patches.display());

    let pristine = libzmq_source(&manifest, &out);
    // The part of libzmq's tree that is compiled, copied (sources include `../include` and
    // `../external`), so that patches change the copy only.
    let tree = out.join("libzmq");
    for dir in ["src", "include", "external"] {
        copy_dir(&pristine.join(dir), &tree.join(dir));
    }
    for patch in patch_files(&patches) {
        apply(&patch, &tree);
    }
    let sodium = Sodium::from_env();
    compile(&pristine, &tree, &out, &target, &sodium);

    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=zmq");
    // After libzmq on the link line: libzmq calls into libsodium.
    println!("cargo:rustc-link-search=native={}", sodium.lib.display());
    let sodium_name = if target.contains("msvc") {
        "libsodium"
    } else {
        "sodium"
    };
    println!("cargo:rustc-link-lib=static={sodium_name}");
    if target.contains("windows") {
        println!("cargo:rustc-link-lib=iphlpapi");
    }
    // What zmq-sys 0.12 exported (DEP_ZMQ_INCLUDE, DEP_ZMQ_LIB) for crates that read it.
    println!("cargo:include={}", tree.join("include").display());
    println!("cargo:lib={}", out.display());
}

/// Where libsodium-sys-stable put libsodium (its `links = "sodium"` metadata).
struct Sodium {
    include: PathBuf,
    lib: PathBuf,
}

impl Sodium {
    fn from_env() -> Sodium {
        match (env::var("DEP_SODIUM_INCLUDE"), env::var("DEP_SODIUM_LIB")) {
            (Ok(include), Ok(lib)) => Sodium {
                include: include.into(),
                lib: lib.into(),
            },
            _ => panic!(
                "zmq-sys: libsodium-sys-stable did not say where libsodium is \
                 (DEP_SODIUM_INCLUDE and DEP_SODIUM_LIB): CURVE needs it"
            ),
        }
    }
}

/// The `vendor/` directory of the `zeromq-src` crate: the libzmq release it carries.
///
/// `cargo metadata` says where cargo keeps the crate (the registry, or a directory that source
/// replacement names); when it cannot answer (offline with a lock file that names crates
/// not downloaded), the registry under CARGO_HOME is searched for it.
fn libzmq_source(manifest: &Path, out: &Path) -> PathBuf {
    let from_metadata = locate_with_cargo_metadata(manifest, out);
    let found = match &from_metadata {
        Ok(root) => Some(root.clone()),
        Err(_) => locate_in_registry(),
    };
    let Some(root) = found else {
        panic!(
            "zmq-sys: cannot find the source of zeromq-src {ZEROMQ_SRC} (libzmq): cargo metadata \
             said: {}; and no registry/src/*/zeromq-src-{ZEROMQ_SRC} is under CARGO_HOME",
            from_metadata.err().unwrap_or_default()
        );
    };
    let vendor = root.join("vendor");
    assert!(
        vendor.join("src/zmq.cpp").is_file(),
        "zmq-sys: {} does not hold libzmq's source (no src/zmq.cpp)",
        vendor.display()
    );
    vendor
}

/// Asks cargo where `zeromq-src` is, for a manifest of its own in OUT_DIR that needs nothing
/// else (so the answer does not depend on the workspace this crate is built in).
fn locate_with_cargo_metadata(manifest: &Path, out: &Path) -> Result<PathBuf, String> {
    let dir = out.join("locate-zeromq-src");
    fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let version = ZEROMQ_SRC.split('+').next().unwrap_or(ZEROMQ_SRC);
    let toml = format!(
        "[package]\nname = \"locate-zeromq-src\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
         [lib]\npath = \"lib.rs\"\n[dependencies]\nzeromq-src = \"={version}\"\n[workspace]\n"
    );
    let written = fs::write(dir.join("Cargo.toml"), toml).and(fs::write(dir.join("lib.rs"), ""));
    written.map_err(|e| format!("writing {}: {e}", dir.display()))?;
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let host = env::var("HOST").unwrap_or_default();
    let output = Command::new(cargo)
        // In this crate's directory, so the project's cargo configuration (source
        // replacement, a registry mirror) applies as it does to the build itself.
        .current_dir(manifest)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
        ])
        .arg(host)
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .output()
        .map_err(|e| format!("running cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("reading cargo metadata's output: {e}"))?;
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    packages
        .iter()
        .find(|p| p["name"] == "zeromq-src" && p["version"] == ZEROMQ_SRC)
        .and_then(|p| p["manifest_path"].as_str())
        .and_then(|m| Path::new(m).parent().map(Path::to_path_buf))
        .ok_or_else(|| format!("cargo metadata lists no zeromq-src {ZEROMQ_SRC}"))
}

/// `CARGO_HOME/registry/src/*/zeromq-src-VERSION`, where cargo unpacks registry crates.
fn locate_in_registry() -> Option<PathBuf> {
    let home = env::var_os("CARGO_HOME").map(PathBuf::from).or_else(|| {
        env::var_os("HOME")
            .or_else(|| env::var_os("USERPROFILE"))
            .map(|h| PathBuf::from(h).join(".cargo"))
    })?;
    let registries = fs::read_dir(home.join("registry/src")).ok()?;
    registries
        .filter_map(Result::ok)
        .map(|index| index.path().join(format!("zeromq-src-{ZEROMQ_SRC}")))
        .find(|dir| dir.join("vendor/src/zmq.cpp").is_file())
}

/// Copies directory `from` into `to`, replacing what a previous run left there.
fn copy_dir(from: &Path, to: &Path) {
    if to.exists() {
        fs::remove_dir_all(to).unwrap_or_else(|e| panic!("removing {}: {e}", to.display()));
    }
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("creating {}: {e}", to.display()));
    let entries = fs::read_dir(from).unwrap_or_else(|e| panic!("reading {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("reading {}: {e}", from.display()));
        let (source, dest) = (entry.path(), to.join(entry.file_name()));
        if source.is_dir() {
            copy_dir(&source, &dest);
        } else {
            fs::copy(&source, &dest)
                .unwrap_or_else(|e| panic!("copying {}: {e}", source.display()));
        }
    }
}

/// The `.patch` files in `dir`, in the order of their names (`NNNN-name.patch`).
fn patch_files(dir: &Path) -> Vec<PathBuf> {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| {
        panic!(
            "zmq-sys: reading the libzmq patches in {}: {e}",
            dir.display()
        )
    });
    let mut patches: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "patch"))
        .collect();
    patches.sort();
    patches
}

/// Applies one patch (a git-style unified diff of paths under libzmq's root, `src/...`) to the
/// copy of libzmq's tree in `tree`, or stops the build saying which file and hunk failed.
fn apply(patch: &Path, tree: &Path) {
    let name = patch.file_name().unwrap_or_default().to_string_lossy();
    let text = fs::read_to_string(patch)
        .unwrap_or_else(|e| panic!("zmq-sys: reading patches/{name}: {e}"));
    let mut changed = BTreeMap::new();
    for file in PatchSet::parse(&text, ParseOptions::gitdiff()) {
        let file = file.unwrap_or_else(|e| panic!("zmq-sys: patches/{name} is not a diff: {e}"));
        let FileOperation::Modify { original, modified } = file.operation() else {
            panic!(
                "zmq-sys: patches/{name} creates, deletes or renames a file: only changes apply"
            );
        };
        let path = strip_prefix(modified);
        assert_eq!(
            strip_prefix(original),
            path,
            "zmq-sys: patches/{name} changes a file's name"
        );
        let Some(diff) = file.patch().as_text() else {
            panic!("zmq-sys: patches/{name} holds a binary diff of {path}");
        };
        let local = tree.join(path);
        let before = fs::read_to_string(&local).unwrap_or_else(|e| {
            panic!(
                "zmq-sys: patches/{name} changes {path}, which libzmq {} lacks: {e}",
                libzmq_version()
            )
        });
        let after = diffy::apply(&before, diff).unwrap_or_else(|e| {
            panic!(
                "zmq-sys: patches/{name} does not apply to {path} of libzmq {} \
                 (zeromq-src {ZEROMQ_SRC}): {e}. Update the patch as patches/README.md says.",
                libzmq_version()
            )
        });
        changed.insert(local, after);
    }
    assert!(
        !changed.is_empty(),
        "zmq-sys: patches/{name} changes no file"
    );
    for (path, text) in changed {
        fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }
}

/// `src/x.cpp` from `a/src/x.cpp` or `b/src/x.cpp` (what `patch -p1` strips).
fn strip_prefix(path: &str) -> &str {
    path.split_once('/').map_or(path, |(_, rest)| rest)
}

/// The libzmq release `zeromq-src` carries, for messages.
fn libzmq_version() -> &'static str {
    ZEROMQ_SRC.split('+').nth(1).unwrap_or(ZEROMQ_SRC)
}

/// Compiles the patched `tree` into `out/libzmq.a` (`zmq.lib` with MSVC); `pristine` gives
/// MSVC's platform.hpp.
fn compile(pristine: &Path, tree: &Path, out: &Path, target: &str, sodium: &Sodium) {
    // libzmq's platform.hpp comes from its CMake or autotools configure step; here every
    // macro is defined on the command line and platform.hpp is empty.
    let shim = out.join("platform-shim");
    fs::create_dir_all(&shim).unwrap_or_else(|e| panic!("creating {}: {e}", shim.display()));
    fs::write(shim.join("platform.hpp"), "").expect("writing the empty platform.hpp");

    let mut build = cc::Build::new();
    build
        .cpp(true)
        .warnings(false)
        .include(tree.join("include"))
        .include(tree.join("src"))
        .include(&sodium.include)
        .out_dir(out);
    // libzmq's own warnings are not this project's to fix: keep the build output readable.
    let msvc = build.get_compiler().is_like_msvc();
    build.flag(if msvc { "/w" } else { "-w" });
    if !msvc {
        build.std("c++11");
    }
    for file in CPP_SOURCES {
        build.file(tree.join("src").join(format!("{file}.cpp")));
    }
    // Compiled with the rest, as C++ (as zeromq-src does): the WebSocket handshake's SHA-1.
    let sha1 = tree.join("external/sha1");
    build.include(&sha1).file(sha1.join("sha1.c"));
    if target.contains("windows") && !target.contains("gnu") {
        // epoll for Windows, under ZMQ_IOTHREAD_POLLER_USE_EPOLL.
        let wepoll = tree.join("external/wepoll");
        build.include(&wepoll).file(wepoll.join("wepoll.c"));
    }
    for (name, value) in [
        ("ZMQ_USE_CV_IMPL_STL11", "1"),
        ("ZMQ_STATIC", "1"),
        ("ZMQ_USE_BUILTIN_SHA1", "1"),
        ("ZMQ_HAVE_WS", "1"),
        ("ZMQ_USE_LIBSODIUM", "1"),
        ("ZMQ_HAVE_CURVE", "1"),
    ] {
        build.define(name, value);
    }
    platform(&mut build, pristine, target, &shim);
    build.compile("zmq");
}

/// The macros libzmq's CMake build would detect for `target`.
fn platform(build: &mut cc::Build, pristine: &Path, target: &str, shim: &Path) {
    let define = |build: &mut cc::Build, names: &[&str]| {
        for name in names {
            build.define(name, "1");
        }
    };
    if target.contains("linux") {
        build.include(shim);
        define(
            build,
            &[
                "ZMQ_HAVE_LINUX",
                "ZMQ_IOTHREAD_POLLER_USE_EPOLL",
                "ZMQ_POLL_BASED_ON_POLL",
                "ZMQ_HAVE_IPC",
                "HAVE_STRNLEN",
                "ZMQ_HAVE_UIO",
                "ZMQ_HAVE_STRUCT_SOCKADDR_UN",
                // Each socket's command mailbox signals through an eventfd (a write and a
                // read), not a socketpair (a send and a receive on a local socket, about four
                // times the cost per wake-up).
                "ZMQ_HAVE_EVENTFD",
                "ZMQ_HAVE_EVENTFD_CLOEXEC",
                // Timers (heartbeats, reconnect intervals, handshake timeouts) read
                // CLOCK_MONOTONIC, not the wall clock, which a clock step moves.
                "HAVE_CLOCK_GETTIME",
                // Descriptors are made close-on-exec atomically, so a child started by
                // another thread meanwhile (`worker --exec`) cannot inherit them.
                "ZMQ_HAVE_SOCK_CLOEXEC",
                "HAVE_ACCEPT4",
                "ZMQ_IOTHREAD_POLLER_USE_EPOLL_CLOEXEC",
            ],
        );
        // HAVE_FORK stays off: it makes every mailbox signal call getpid() to detect a
        // forked child using its parent's context, which zmqtool never does.
        if target.contains("android") || target.contains("musl") || has_strlcpy() {
            define(build, &["ZMQ_HAVE_STRLCPY"]);
        }
    } else if target.contains("apple") || target.contains("freebsd") {
        build.include(shim);
        define(
            build,
            &[
                "ZMQ_IOTHREAD_POLLER_USE_KQUEUE",
                "ZMQ_POLL_BASED_ON_POLL",
                "HAVE_STRNLEN",
                "ZMQ_HAVE_UIO",
                "ZMQ_HAVE_IPC",
                "ZMQ_HAVE_STRUCT_SOCKADDR_UN",
                "ZMQ_HAVE_STRLCPY",
            ],
        );
    } else if target.contains("windows") {
        define(
            build,
            &[
                "ZMQ_HAVE_WINDOWS",
                "ZMQ_IOTHREAD_POLLER_USE_EPOLL",
                "ZMQ_POLL_BASED_ON_POLL",
                "ZMQ_HAVE_STRUCT_SOCKADDR_UN",
            ],
        );
        build.define("_WIN32_WINNT", "0x0600");
        if target.contains("msvc") {
            build
                .include(pristine.join("builds/deprecated-msvc"))
                .flag("/GL-")
                .flag("/EHsc");
        } else {
            build.include(shim);
            define(build, &["HAVE_STRNLEN"]);
        }
    } else {
        panic!(
            "zmq-sys: no libzmq platform configuration for target {target} \
             (crates/zmq-sys/build.rs knows Linux, Android, macOS, iOS, FreeBSD and Windows)"
        );
    }
}

/// Whether the C library declares strlcpy (glibc from 2.38 does): libzmq then must not
/// define its own.
fn has_strlcpy() -> bool {
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let probe = out.join("strlcpy-probe.c");
    let program = "#include <string.h>\nint main(void) {\n    char buf[4];\n    \
                   return (int) strlcpy(buf, \"ab\", sizeof buf) - 2;\n}\n";
    if fs::write(&probe, program).is_err() {
        return false;
    }
    let compiler = cc::Build::new().warnings(false).get_compiler();
    compiler
        .to_command()
        .arg(&probe)
        .arg("-o")
        .arg(out.join("strlcpy-probe"))
        .output()
        .is_ok_and(|o| o.status.success())
}
