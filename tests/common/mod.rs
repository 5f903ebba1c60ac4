//! Harness for tests that check what the kernel really does with a filter.
//!
//! Use it from a test file with `mod common;`. The pieces:
//! - [`raw_syscall`] makes a system call through one of the three x86_64 "doors" seccomp
//!   distinguishes: the native `syscall` instruction, the i386 compat entry (`int 0x80`) and
//!   x32 (native with bit 30 set in the number);
//! - [`run_filtered`] forks, installs a filter in the child, runs a closure there and reports
//!   how the child fared ([`Outcome`]);
//! - [`require_or_skip`] lets a test skip when an outside component is missing.

// Each test file uses a different subset of the harness.
#![allow(dead_code)]

pub mod doors;
pub mod rng;
pub mod run;

// Each test file uses a different part of the harness.
#[allow(unused_imports)]
pub use doors::*;
#[allow(unused_imports)]
pub use run::*;

/// Decides whether a test that needs `what` can run. When it is `available`, returns true.
/// Otherwise prints `SKIP: <what>` and returns false, unless the environment variable
/// `SYSGATE_REQUIRE_INTEROP=1` is set, in which case it panics with the reason (so CI that is
/// meant to have every component cannot pass silently).
pub fn require_or_skip(what: &str, available: bool) -> bool {
    if available {
        return true;
    }
    if std::env::var("SYSGATE_REQUIRE_INTEROP").as_deref() == Ok("1") {
        panic!("required component missing (SYSGATE_REQUIRE_INTEROP=1): {what}");
    }
    println!("SKIP: {what}");
    false
}

/// Runs the built `sysgate ARGS…` and waits for it.
pub fn sysgate(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .args(args)
        .output()
        .expect("start sysgate")
}

/// A fresh, empty directory for one test: named after the test binary, `name` and this
/// process, so tests running in parallel never share one.
pub fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "sysgate-{}-{name}-{}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes `text` to `dir/name`; returns the path as text.
pub fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Runs the built `sysgate run ARGS…` and waits for it.
pub fn sysgate_run(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .arg("run")
        .args(args)
        .output()
        .expect("start sysgate")
}

/// A process's standard output as text.
pub fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A process's standard error as text.
pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Debian's interpreter, the one `python3-seccomp` is built for.
pub const SYSTEM_PYTHON: &str = "/usr/bin/python3";

/// Whether libseccomp's Python bindings load; otherwise a SKIP (a failure in CI).
pub fn libseccomp_available() -> bool {
    let ok = std::process::Command::new(SYSTEM_PYTHON)
        .args(["-c", "import seccomp"])
        .output()
        .is_ok_and(|o| o.status.success());
    require_or_skip("python3-seccomp (apt-get install python3-seccomp)", ok)
}

/// Runs `tests/support/libseccomp_export.py` with `desc` on its standard input and returns
/// its standard output (raw BPF, unless `desc` names an output file or asks to resolve).
pub fn libseccomp_export(desc: &serde_json::Value) -> Vec<u8> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let helper =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/libseccomp_export.py");
    let mut child = Command::new(SYSTEM_PYTHON)
        .arg(helper)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start /usr/bin/python3");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(desc.to_string().as_bytes())
        .expect("write the description");
    let out = child
        .wait_with_output()
        .expect("wait for libseccomp_export.py");
    assert!(
        out.status.success(),
        "libseccomp_export.py failed ({}) on {desc}:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The real Python interpreter behind `python3` (which may be a shell shim that a sandbox
/// cannot run), found outside the sandbox.
pub fn real_python() -> Option<String> {
    let o = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    let p = String::from_utf8_lossy(&o.stdout).trim().to_string();
    (o.status.success() && !p.is_empty()).then_some(p)
}
