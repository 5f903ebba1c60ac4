//! `sysgate run --report`: every refused syscall is reported once per (syscall, action) with
//! its arguments and the policy line that refused it, from every thread and descendant, and
//! the program sees exactly what it sees without `--report`.
#![cfg(target_arch = "x86_64")]

#[allow(unused_imports)]
mod common;

use common::real_python as python;

use std::process::Output;

use common::{stderr, stdout, sysgate_run as run};

/// A policy file in a fresh temporary directory.
fn policy(name: &str, text: &str) -> String {
    let d = std::env::temp_dir().join(format!("sysgate-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let p = d.join("p.policy");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// sysgate's report lines.
fn reports(o: &Output) -> Vec<String> {
    stderr(o)
        .lines()
        .filter(|l| l.starts_with("sysgate: refused: "))
        .map(str::to_string)
        .collect()
}

/// The program's own stderr (and sysgate's usual messages): all but the report's lines.
fn program_stderr(o: &Output) -> String {
    stderr(o)
        .lines()
        .filter(|l| {
            !["sysgate: refused: ", "sysgate: summary: ", "sysgate:   "]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Runs `args` with and without `--report`; asserts the program behaved the same, returns
/// the reported run.
fn both(args: &[&str]) -> Output {
    let plain = run(args);
    let mut with = vec!["--report"];
    with.extend_from_slice(args);
    let reported = run(&with);
    assert_eq!(
        reported.status.code(),
        plain.status.code(),
        "exit status differs: {}\n---\n{}",
        stderr(&reported),
        stderr(&plain)
    );
    assert_eq!(stdout(&reported), stdout(&plain));
    assert_eq!(program_stderr(&reported), stderr(&plain));
    reported
}

/// `builtin:container:N: deny unshare setns`, N read from the policy's own text.
fn unshare_origin() -> String {
    let text = sysgate::policy::builtin::source("container")
        .unwrap()
        .text
        .clone();
    let n = text
        .lines()
        .position(|l| l.starts_with("deny unshare setns"))
        .expect("container denies unshare on a line of its own")
        + 1;
    format!("builtin:container:{n}: deny unshare setns")
}

#[test]
fn unshare_under_container_names_the_line() {
    let o = both(&["--", "unshare", "-n", "true"]);
    assert_eq!(o.status.code(), Some(1));
    let r = reports(&o);
    assert_eq!(r.len(), 1, "{}", stderr(&o));
    for want in [
        "unshare(flags=0x40000000)",
        "x86_64",
        "deny",
        "errno EPERM",
        &unshare_origin(),
    ] {
        assert!(r[0].contains(want), "missing {want:?} in {}", r[0]);
    }
    assert!(program_stderr(&o).contains("Operation not permitted"));
    assert!(stderr(&o).contains("sysgate: summary: 1 refused call"));
}

#[test]
fn grandchild_denials_are_reported() {
    let o = both(&["--", "sh", "-c", "sh -c 'unshare -n true'; echo after"]);
    assert_eq!(stdout(&o), "after\n");
    let r = reports(&o);
    assert!(r.iter().any(|l| l.contains("unshare(")), "{}", stderr(&o));
}

#[test]
fn second_thread_denials_are_reported() {
    if !common::require_or_skip("python3", python().is_some()) {
        return;
    }
    let py = python().unwrap();
    let script = r#"
import ctypes, threading
res = []
def worker():
    libc = ctypes.CDLL(None, use_errno=True)
    res.append((libc.syscall(272, 0), ctypes.get_errno()))
t = threading.Thread(target=worker); t.start(); t.join()
print(res)
"#;
    let o = both(&["--", &py, "-c", script]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "[(-1, 1)]");
    let r = reports(&o);
    assert!(
        r.iter()
            .any(|l| l.contains("unshare(flags=0)") && l.contains(&unshare_origin())),
        "{}",
        stderr(&o)
    );
}

#[test]
fn path_argument_is_read_and_repeats_are_counted() {
    let p = policy("mkdir", "default allow\ndeny mkdir mkdirat\n");
    let dir = format!("/tmp/sysgate-report-xyz-{}", std::process::id());
    let o = both(&[
        "-p",
        &p,
        "--",
        "sh",
        "-c",
        &format!("mkdir {dir}; mkdir {dir}; echo done"),
    ]);
    assert_eq!(stdout(&o), "done\n");
    let r = reports(&o);
    assert_eq!(r.len(), 1, "reported once: {}", stderr(&o));
    assert!(r[0].contains(&format!("\"{dir}\"")), "{}", r[0]);
    assert!(
        r[0].contains(&format!("{p}:2: deny mkdir mkdirat")),
        "{}",
        r[0]
    );
    let e = stderr(&o);
    assert!(e.contains("sysgate: summary: 2 refused calls"), "{e}");
    assert!(
        e.lines()
            .any(|l| l.contains("2 × mkdir on x86_64: deny") || l.contains("2 × mkdirat")),
        "{e}"
    );
    assert!(!std::path::Path::new(&dir).exists());
}

#[test]
fn kill_actions_end_the_program_as_the_kernel_would() {
    for action in ["kill", "kill-thread", "trap"] {
        let p = policy(
            &format!("kill-{action}"),
            &format!("default allow\n{action} mkdir mkdirat\n"),
        );
        let o = both(&["-p", &p, "--", "mkdir", "/tmp/sysgate-report-never"]);
        assert_eq!(o.status.code(), Some(128 + libc::SIGSYS), "{}", stderr(&o));
        let r = reports(&o);
        assert_eq!(r.len(), 1, "{}", stderr(&o));
        assert!(r[0].contains(&format!(": {action}")), "{}", r[0]);
    }
}

#[test]
fn policy_refusing_read_still_starts() {
    // sysgate's own wait for the listener hand-over is a `read`: it must not be reported
    // or refused, while the program's reads are.
    let p = policy("read", "default allow\ndeny read\n");
    let o = both(&["-p", &p, "--", "true"]);
    let r = reports(&o);
    assert!(r.iter().all(|l| !l.contains("read(fd=") || l.contains(&p)));
}

#[test]
fn nothing_refused_says_so() {
    let o = both(&["--", "sh", "-c", "echo hi"]);
    assert!(o.status.success());
    assert_eq!(stdout(&o), "hi\n");
    assert!(reports(&o).is_empty());
    assert!(stderr(&o).contains("sysgate: summary: no call was refused"));
}

#[test]
fn execve_refusal_is_reported_not_bypassed() {
    // An execve refused for its real arguments (envp is never null here) happens before the
    // program runs, while sysgate lets its own calls through: it must still be refused.
    let p = policy("exec", "default allow\ndeny execve if arg2 != 0\n");
    let o = both(&["-p", &p, "--", "true"]);
    assert_eq!(o.status.code(), Some(126), "{}", stderr(&o));
    let r = reports(&o);
    assert!(r.iter().any(|l| l.contains("execve(")), "{}", stderr(&o));
}

/// The lines a README example shows after `$ COMMAND`, up to the end of its block.
fn readme_example(command: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find(&format!("$ {command}\n"))
        .unwrap_or_else(|| panic!("README has no example of `{command}`"));
    readme[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("```") && !l.starts_with("$ "))
        .map(str::to_string)
        .collect()
}

/// The README's `run --report` example is what sysgate prints (but for the pid).
#[test]
fn the_readme_report_example_is_what_sysgate_prints() {
    let want = readme_example("sysgate run --report -- unshare -n true");
    let o = run(&["--report", "--", "unshare", "-n", "true"]);
    let pid = |l: &str| match l.split_once(" by pid ") {
        Some((a, b)) => format!("{a} by pid N{}", &b[b.find(':').unwrap_or(b.len())..]),
        None => l.to_string(),
    };
    let got: Vec<String> = stderr(&o).lines().map(pid).collect();
    let want: Vec<String> = want.iter().map(|l| pid(l)).collect();
    assert_eq!(got, want, "\n{}", stderr(&o));
}
