//! `sysgate dump` of a process that runc confined with Docker's default profile (issue 5):
//! the dumped filter, raw and decompiled, is what importing Docker's profile directly gives,
//! except for differences each explained by how runc and its libseccomp (2.5.4 here) build
//! the filter.
//!
//! runc does not read Docker's profile format (archMap, includes, excludes), so the profile
//! goes through `sysgate import` (proven equivalent to the JSON by tests/import_diff.rs) and
//! `sysgate export --to oci` into the bundle's `linux.seccomp`. runc runs `sleep 60` in a
//! busybox root filesystem (Debian's `busybox-static`); `runc state` gives the pid.
//!
//! What `sysgate diff` finds between the dumped filter (A) and Docker's JSON (B), and why:
//! - numbers outside the syscall table: A allows, B answers EPERM. An OCI profile cannot say
//!   `unknown deny` (`sysgate export` warns so): libseccomp gives numbers it does not know
//!   the default action, here SCMP_ACT_ALLOW, since the imported policy is an allow-by-default
//!   deny list;
//! - syscalls newer than libseccomp 2.5.4 that Docker's profile refuses ([`NEWER`]): runc
//!   drops rules naming a syscall its libseccomp cannot resolve, so A allows them;
//! - i386 `socketcall(SYS_SOCKET)`: A answers EPERM, B allows. libseccomp rewrites the rules
//!   on `socket` (refusing AF_VSOCK and AF_ALG) for the multiplexed `socketcall`, where the
//!   domain is behind a pointer, and so refuses every `socketcall(SYS_SOCKET)`;
//! - a difference on a named syscall whose witness has an argument with non-zero upper 32
//!   bits would be libseccomp comparing all 64 bits of a 32-bit parameter on x86_64; it is
//!   accepted, though none was found with runc 1.1.5 and libseccomp 2.5.4.
//!
//! Missing runc, busybox-static or root prints SKIP, or fails under
//! `SYSGATE_REQUIRE_INTEROP=1`.

#[allow(unused_imports)]
mod common;

use common::{require_or_skip, sysgate};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const DOCKER: &str = "../shared/fixtures/docker-default.json";
const ARCHES: &str = "x86_64,i386,x32";
const BUSYBOX: &str = "/bin/busybox";

/// Syscalls Docker's profile refuses that libseccomp 2.5.4 does not know, per architecture
/// (`uprobe` has no i386 number).
const NEWER: &[(&str, &[&str])] = &[
    (
        "x86_64",
        &[
            "uprobe",
            "lsm_get_self_attr",
            "lsm_set_self_attr",
            "lsm_list_modules",
            "open_tree_attr",
            "file_getattr",
        ],
    ),
    (
        "x32",
        &[
            "uprobe",
            "lsm_get_self_attr",
            "lsm_set_self_attr",
            "lsm_list_modules",
            "open_tree_attr",
            "file_getattr",
        ],
    ),
    (
        "i386",
        &[
            "lsm_get_self_attr",
            "lsm_set_self_attr",
            "lsm_list_modules",
            "open_tree_attr",
            "file_getattr",
        ],
    ),
];

const ALLOW: &str = "allow";
const EPERM: &str = "errno EPERM (1)";

fn ok(o: Output, what: &str) -> Output {
    assert!(
        o.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn have_runc() -> bool {
    Command::new("runc")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The container and its bundle: on drop the container is killed and deleted, the `runc
/// run` child reaped and the bundle removed, also when an assertion failed.
struct Container {
    id: String,
    dir: PathBuf,
    run: Option<Child>,
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("runc")
            .args(["kill", &self.id, "KILL"])
            .stderr(Stdio::null())
            .status();
        let _ = Command::new("runc")
            .args(["delete", "-f", &self.id])
            .stderr(Stdio::null())
            .status();
        if let Some(mut c) = self.run.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Imports Docker's profile, exports it as an OCI profile and writes a bundle that runs
/// `sleep 60` under it.
fn bundle(c: &Container) {
    let bin = c.dir.join("rootfs/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::copy(BUSYBOX, bin.join("busybox")).unwrap();
    std::os::unix::fs::symlink("busybox", bin.join("sleep")).unwrap();
    let policy = c.dir.join("docker.policy");
    let profile = c.dir.join("profile.json");
    ok(
        sysgate(&[
            "import",
            DOCKER,
            "--caps",
            "docker",
            "--arch",
            ARCHES,
            "-o",
            path(&policy),
        ]),
        "sysgate import",
    );
    ok(
        sysgate(&["export", path(&policy), "--to", "oci", "-o", path(&profile)]),
        "sysgate export --to oci",
    );
    let st = Command::new("runc")
        .arg("spec")
        .current_dir(&c.dir)
        .status()
        .unwrap();
    assert!(st.success(), "runc spec failed");
    let config = c.dir.join("config.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    v["process"]["args"] = json!(["sleep", "60"]);
    v["process"]["terminal"] = json!(false);
    v["root"] = json!({"path": "rootfs", "readonly": true});
    v["linux"]["seccomp"] = serde_json::from_str(&std::fs::read_to_string(&profile).unwrap())
        .expect("the OCI export is JSON");
    std::fs::write(&config, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// Starts `runc run` in a child and waits until the container's init is the filtered
/// `sleep`; returns its pid.
fn start(c: &mut Container) -> i32 {
    let child = Command::new("runc")
        .args(["run", "--bundle", path(&c.dir), &c.id])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start runc");
    c.run = Some(child);
    let begin = Instant::now();
    while begin.elapsed() < Duration::from_secs(20) {
        let o = Command::new("runc")
            .args(["state", &c.id])
            .stderr(Stdio::null())
            .output()
            .unwrap();
        if let Ok(v) = serde_json::from_slice::<Value>(&o.stdout) {
            let pid = v["pid"].as_i64().unwrap_or(0) as i32;
            if v["status"] == "running" && pid > 0 {
                let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
                let status =
                    std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                if comm.trim() == "sleep" && status.contains("Seccomp:\t2") {
                    assert!(
                        status.contains("Seccomp_filters:\t1\n"),
                        "runc should install one filter:\n{status}"
                    );
                    return pid;
                }
            }
        }
        if let Some(Ok(Some(st))) = c.run.as_mut().map(|r| r.try_wait()) {
            panic!("runc run exited early: {st}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the container's sleep did not start");
}

/// `sysgate diff A docker-default.json --json`, checked against the explanations in the
/// file comment. Returns the named (arch, syscall) differences for the report.
fn check_diff(a: &Path, what: &str) -> BTreeSet<(String, String)> {
    let o = sysgate(&[
        "diff",
        path(a),
        DOCKER,
        "--caps",
        "docker",
        "--arch",
        ARCHES,
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: diff --json output ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let diffs = v["differences"].as_array().expect("differences");
    assert_eq!(
        o.status.code(),
        Some(if diffs.is_empty() { 0 } else { 1 }),
        "{what}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let newer: BTreeSet<(String, String)> = NEWER
        .iter()
        .flat_map(|(arch, names)| names.iter().map(|n| (arch.to_string(), n.to_string())))
        .collect();
    let mut named = BTreeSet::new();
    let mut socketcall = false;
    for d in diffs {
        let arch = d["arch"].as_str().unwrap().to_string();
        let n = &d["numbers"];
        let (a_act, b_act) = (&d["action_a"], &d["action_b"]);
        let args: Vec<u64> = d["witness"]["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap())
            .collect();
        let upper = args.iter().any(|x| x >> 32 != 0);
        let text = serde_json::to_string(d).unwrap();
        if n["kind"] != "syscall" {
            // Outside the table: the OCI profile's default action (allow) applies.
            assert!(
                a_act == ALLOW && b_act == EPERM,
                "{what}: unexplained out-of-table difference {text}"
            );
            continue;
        }
        let name = n["name"].as_str().unwrap().to_string();
        named.insert((arch.clone(), name.clone()));
        if newer.contains(&(arch.clone(), name.clone())) {
            assert!(
                a_act == ALLOW && b_act == EPERM,
                "{what}: {name} is unknown to libseccomp 2.5.4, so runc should allow it: {text}"
            );
        } else if arch == "i386" && name == "socketcall" {
            assert!(
                a_act == EPERM && b_act == ALLOW && args[0] == 1,
                "{what}: libseccomp's socketcall rewrite refuses socketcall(SYS_SOCKET): {text}"
            );
            socketcall = true;
        } else {
            assert!(
                arch != "i386" && upper,
                "{what}: unexplained difference (not a newer syscall, and no argument with \
                 non-zero upper 32 bits for libseccomp's 64-bit comparison): {text}"
            );
        }
    }
    // Every expected difference is really there: the newer syscalls and the socketcall rewrite.
    let missing: Vec<_> = newer.difference(&named).collect();
    assert!(
        missing.is_empty(),
        "{what}: expected differences missing: {missing:?}"
    );
    assert!(
        socketcall,
        "{what}: expected i386 socketcall(SYS_SOCKET) difference missing"
    );
    named
}

#[test]
fn dump_of_runc_with_docker_profile_is_docker_profile() {
    if !require_or_skip("runc (apt-get install runc)", have_runc())
        || !require_or_skip(
            "busybox-static (apt-get install busybox-static)",
            Path::new(BUSYBOX).exists(),
        )
        || !require_or_skip("root (runc and dump need it)", is_root())
    {
        return;
    }
    assert!(Path::new(DOCKER).exists(), "fixture {DOCKER} is missing");
    let id = format!("sysgate-dump-runc-{}", std::process::id());
    let mut c = Container {
        dir: std::env::temp_dir().join(&id),
        id,
        run: None,
    };
    let _ = std::fs::remove_dir_all(&c.dir);
    std::fs::create_dir_all(&c.dir).unwrap();
    bundle(&c);
    let pid = start(&mut c).to_string();

    let raw = c.dir.join("filter.bpf");
    ok(
        sysgate(&["dump", &pid, "--format", "raw", "-o", path(&raw)]),
        "sysgate dump --format raw",
    );
    let dumped = ok(sysgate(&["dump", &pid]), "sysgate dump");
    let text = String::from_utf8_lossy(&dumped.stdout).into_owned();
    assert!(text.contains("filter 0 of 1"), "{text}");
    let pol = c.dir.join("filter.policy");
    std::fs::write(&pol, &text).unwrap();

    // The decompiled text says exactly what the raw filter does.
    let o = sysgate(&["diff", path(&pol), path(&raw), "--arch", ARCHES]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "decompiled policy vs dumped BPF: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );

    let from_raw = check_diff(&raw, "dumped BPF vs Docker's JSON");
    let from_pol = check_diff(&pol, "decompiled policy vs Docker's JSON");
    assert_eq!(from_raw, from_pol);
    println!("named differences (explained): {from_raw:?}");
}
