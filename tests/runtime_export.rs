//! Real runtimes run with what `sysgate export` writes (DESIGN.md §6, issue 4 item 2):
//! runc and crun run a busybox container with the exported OCI profile of the built-in
//! `container` policy, crun also with the compiled BPF in its `run.oci.seccomp_bpf_data`
//! annotation, and bubblewrap with the raw BPF on `--seccomp FD`.
//!
//! Each run gives the sandbox CAP_SYS_ADMIN, so that `unshare -n true` succeeds without a
//! filter (a control run checks that); with the filter it must fail with EPERM ("Operation
//! not permitted"), while `echo ok` works. The root filesystem is a temporary directory with
//! Debian's static busybox (`busybox-static`) and a few links to it.
//!
//! crun on this machine's hybrid cgroup layout runs in a private mount namespace with a pure
//! cgroup2 mount and `--cgroup-manager=disabled` (DESIGN.md §6).
//!
//! A missing program prints SKIP, or fails under `SYSGATE_REQUIRE_INTEROP=1`.

#[allow(unused_imports)]
mod common;

use common::require_or_skip;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const BUSYBOX: &str = "/bin/busybox";
const SCRIPT: &str = "echo ok; unshare -n true && echo unshared";

static SEQ: AtomicUsize = AtomicUsize::new(0);

fn unique(tag: &str) -> String {
    format!(
        "sysgate-export-{tag}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    )
}

fn have(prog: &str) -> bool {
    Command::new(prog)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::getuid() == 0 }
}

/// `sysgate export container --to TARGET` (stdout).
fn export(target: &str) -> Vec<u8> {
    let o = Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .args(["export", "container", "--to", target])
        .output()
        .expect("start sysgate");
    assert!(
        o.status.success(),
        "sysgate export --to {target}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(unique(tag));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A bundle: rootfs with busybox, and config.json from `RUNTIME spec`, edited.
fn bundle(runtime: &str, seccomp: Option<Value>, annotation: Option<String>) -> TempDir {
    let dir = TempDir::new(runtime);
    let bin = dir.0.join("rootfs/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(BUSYBOX, bin.join("busybox")).unwrap();
    for l in ["sh", "echo", "unshare", "true"] {
        std::os::unix::fs::symlink("busybox", bin.join(l)).unwrap();
    }
    let st = Command::new(runtime)
        .arg("spec")
        .current_dir(&dir.0)
        .status()
        .unwrap();
    assert!(st.success(), "{runtime} spec failed");
    let path = dir.0.join("config.json");
    let mut c: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    c["process"]["args"] = json!(["sh", "-c", SCRIPT]);
    c["process"]["terminal"] = json!(false);
    c["root"] = json!({"path": "rootfs", "readonly": true});
    if let Some(caps) = c["process"]["capabilities"].as_object_mut() {
        for set in caps.values_mut() {
            if let Some(a) = set.as_array_mut() {
                a.push(json!("CAP_SYS_ADMIN"));
            }
        }
    }
    match seccomp {
        Some(s) => c["linux"]["seccomp"] = s,
        None => {
            if let Some(l) = c["linux"].as_object_mut() {
                l.remove("seccomp");
            }
        }
    }
    if let Some(b64) = annotation {
        c["annotations"] = json!({ "run.oci.seccomp_bpf_data": b64 });
    }
    std::fs::write(&path, serde_json::to_string_pretty(&c).unwrap()).unwrap();
    dir
}

fn run_runc(dir: &Path) -> Output {
    let id = unique("runc");
    let o = Command::new("runc")
        .args(["run", "--bundle"])
        .arg(dir)
        .arg(&id)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let _ = Command::new("runc")
        .args(["delete", "-f", &id])
        .stderr(Stdio::null())
        .status();
    o
}

fn run_crun(dir: &Path) -> Output {
    let id = unique("crun");
    let cmd = format!(
        "mount -t cgroup2 none /sys/fs/cgroup && exec crun --cgroup-manager=disabled run --bundle '{}' '{id}'",
        dir.display()
    );
    let o = Command::new("unshare")
        .args(["-m", "sh", "-c", &cmd])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let _ = Command::new("crun")
        .args(["delete", "-f", &id])
        .stderr(Stdio::null())
        .status();
    o
}

fn text(o: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Without a filter the script unshares; with one, echo works and unshare gets EPERM.
fn assert_control(o: &Output, what: &str) {
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && out.contains("ok") && out.contains("unshared"),
        "{what} without a filter should be able to unshare:\n{}",
        text(o)
    );
}

fn assert_filtered(o: &Output, what: &str) {
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        out.lines().next() == Some("ok"),
        "{what}: echo should work:\n{}",
        text(o)
    );
    assert!(
        !out.contains("unshared") && err.contains("Operation not permitted"),
        "{what}: unshare -n should fail with EPERM:\n{}",
        text(o)
    );
}

fn ready(runtime: &str) -> bool {
    require_or_skip(
        &format!("{runtime} (apt-get install {runtime})"),
        have(runtime),
    ) && require_or_skip(
        "busybox-static (apt-get install busybox-static)",
        Path::new(BUSYBOX).exists(),
    ) && require_or_skip("root (containers need it here)", is_root())
}

fn oci_profile() -> Value {
    serde_json::from_slice(&export("oci")).expect("the OCI export is JSON")
}

#[test]
fn runc_runs_the_exported_oci_profile() {
    if !ready("runc") {
        return;
    }
    let ctl = bundle("runc", None, None);
    assert_control(&run_runc(&ctl.0), "runc");
    let b = bundle("runc", Some(oci_profile()), None);
    assert_filtered(&run_runc(&b.0), "runc with the exported OCI profile");
}

#[test]
fn crun_runs_the_exported_oci_profile_and_the_bpf_annotation() {
    if !ready("crun") {
        return;
    }
    let ctl = bundle("crun", None, None);
    assert_control(&run_crun(&ctl.0), "crun");
    let b = bundle("crun", Some(oci_profile()), None);
    assert_filtered(&run_crun(&b.0), "crun with the exported OCI profile");
    let b64 = String::from_utf8(export("crun"))
        .unwrap()
        .trim()
        .to_string();
    let a = bundle("crun", None, Some(b64));
    assert_filtered(
        &run_crun(&a.0),
        "crun with run.oci.seccomp_bpf_data (sysgate's BPF)",
    );
}

#[test]
fn bwrap_runs_the_exported_raw_bpf() {
    if !require_or_skip("bubblewrap (apt-get install bubblewrap)", have("bwrap"))
        || !require_or_skip("root (bwrap --cap-add needs it)", is_root())
    {
        return;
    }
    let dir = TempDir::new("bwrap");
    let file = dir.0.join("container.bpf");
    std::fs::write(&file, export("bwrap")).unwrap();
    let run = |seccomp: bool| {
        let mut cmd =
            "exec bwrap --ro-bind / / --dev /dev --proc /proc --cap-add CAP_SYS_ADMIN".to_string();
        if seccomp {
            cmd.push_str(" --seccomp 3");
        }
        cmd.push_str(&format!(" -- sh -c '{SCRIPT}' 3<'{}'", file.display()));
        Command::new("sh")
            .args(["-c", &cmd])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    assert_control(&run(false), "bwrap");
    assert_filtered(&run(true), "bwrap --seccomp with sysgate's raw BPF");
}
