//! `sysgate run` with Landlock rules: files outside the allowed trees and TCP ports other
//! than the allowed ones are refused by the kernel (EACCES), the rest works.

#[allow(unused_imports)]
mod common;

use std::net::TcpListener;
use std::process::Command;
use sysgate::sandbox::landlock::kernel_abi;

use common::{stderr, stdout, sysgate_run as run};

/// The real Python interpreter and its installation prefix, found outside the sandbox.
fn python() -> Option<(String, String)> {
    let o = Command::new("python3")
        .args([
            "-c",
            "import sys; print(sys.executable); print(sys.base_prefix)",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut l = text.lines();
    let (exe, prefix) = (l.next()?.to_string(), l.next()?.to_string());
    o.status.success().then_some((exe, prefix))
}

fn landlock(min_abi: i32) -> bool {
    let abi = kernel_abi();
    common::require_or_skip(
        &format!("Landlock ABI {min_abi}+ (this kernel: {abi})"),
        abi >= min_abi,
    )
}

#[test]
fn fs_read_only_usr() {
    if !landlock(1) {
        return;
    }
    // On merged-/usr systems /bin and /lib are links into /usr, so the program, the loader
    // and the libraries are all beneath /usr.
    let o = run(&[
        "--fs-exec",
        "/usr",
        "--",
        "sh",
        "-c",
        "cat /etc/hostname; echo \"cat=$?\"; head -qc 0 /usr/share/common-licenses/GPL-3 /usr/bin/sh && echo usr-ok",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "cat=1\nusr-ok\n");
    assert!(stderr(&o).contains("Permission denied"), "{}", stderr(&o));
}

#[test]
fn fs_errno_is_eacces() {
    if !landlock(1) || !common::require_or_skip("python3", python().is_some()) {
        return;
    }
    let (py, prefix) = python().unwrap();
    let script = r#"
import os
for p in ["/etc/hostname", "/usr/bin/env"]:
    try:
        os.close(os.open(p, os.O_RDONLY)); print(p, "ok")
    except OSError as e:
        print(p, e.errno)
"#;
    let o = run(&[
        "--fs-exec",
        "/usr",
        "--fs-exec",
        &prefix,
        "--",
        &py,
        "-c",
        script,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        format!("/etc/hostname {}\n/usr/bin/env ok\n", libc::EACCES)
    );
}

#[test]
fn fs_rules_from_a_policy_file() {
    if !landlock(1) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("sysgate-ll-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pol = dir.join("ro.policy");
    std::fs::write(&pol, "use container\nfs exec /usr\n").unwrap();
    let o = run(&["-p", pol.to_str().unwrap(), "--", "cat", "/etc/hostname"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("Permission denied"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn program_outside_the_rules_cannot_start() {
    if !landlock(1) {
        return;
    }
    let o = run(&["--fs-read", "/usr", "--", "true"]);
    assert_eq!(o.status.code(), Some(126));
    assert!(stderr(&o).contains("--fs-exec"), "{}", stderr(&o));
}

/// Without filesystem rules, a file that is not executable is the reason, not Landlock:
/// the message does not send the user to --fs-exec.
#[test]
fn a_program_that_is_not_executable_gets_no_landlock_hint() {
    let dir = common::tmpdir("noexec");
    let file = common::write(&dir, "data.txt", "not a program\n");
    let o = run(&["--", &file]);
    assert_eq!(o.status.code(), Some(126), "{}", stderr(&o));
    assert!(stderr(&o).contains("Permission denied"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("--fs-exec"), "{}", stderr(&o));
}

#[test]
fn missing_path_is_sysgates_error() {
    let o = run(&["--fs-read", "/no/such/dir", "--", "true"]);
    assert_eq!(o.status.code(), Some(125));
    assert!(stderr(&o).contains("/no/such/dir"), "{}", stderr(&o));
}

#[test]
fn net_connect_only_to_the_allowed_port() {
    if !landlock(4) || !common::require_or_skip("python3", python().is_some()) {
        return;
    }
    let (py, _) = python().unwrap();
    let allowed = TcpListener::bind("127.0.0.1:0").unwrap();
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    let (p, q) = (
        allowed.local_addr().unwrap().port(),
        other.local_addr().unwrap().port(),
    );
    let script = format!(
        r#"
import socket
for port in [{p}, {q}]:
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port)); print("ok")
    except OSError as e:
        print(e.errno)
    s.close()
"#
    );
    let o = run(&["--net-connect", &p.to_string(), "--", &py, "-c", &script]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("ok\n{}\n", libc::EACCES));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}
