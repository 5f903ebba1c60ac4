//! `sysgate dump PID` and `sysgate decompile FILE`, end to end.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use sysgate::analyze::diff;
use sysgate::policy::Policy;

fn sysgate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sysgate"))
}

fn is_root() -> bool {
    // SAFETY: getuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Kills and reaps the child on drop.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The pid of the `sleep` that `sysgate run` execs (the same process: run execs in a child
/// it forks, so wait for a child of `run` whose Seccomp field is 2).
fn sandboxed_sleep() -> (Reaped, i32) {
    sleep_under(&["run", "-p", "container", "--", "sleep", "30"], 1)
}

/// Starts `sysgate ARGS…`, which ends in `sleep 30`, and returns the pid of that `sleep`
/// (a descendant, found once it runs under `filters` seccomp filters).
fn sleep_under(args: &[&str], filters: usize) -> (Reaped, i32) {
    let child = sysgate()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let run_pid = child.id() as i32;
    let guard = Reaped(child);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        let mut pids = vec![run_pid];
        let mut i = 0;
        while i < pids.len() {
            pids.extend(children(pids[i]));
            i += 1;
        }
        for pid in pids {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "sleep"
                && status.contains("Seccomp:\t2")
                && status.contains(&format!("Seccomp_filters:\t{filters}\n"))
            {
                return (guard, pid);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the sandboxed sleep did not start");
}

fn children(pid: i32) -> Vec<i32> {
    let path = format!("/proc/{pid}/task/{pid}/children");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

#[test]
fn dump_of_a_sandboxed_process_is_equivalent_to_container() {
    if !is_root() {
        println!("SKIP: dump needs root");
        return;
    }
    let (_guard, pid) = sandboxed_sleep();
    let out = sysgate().args(["dump", &pid.to_string()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("filter 0 of 1"), "{text}");
    let again = Policy::parse("dumped.policy", &text)
        .unwrap()
        .compile()
        .unwrap()
        .insns;
    let native = Policy::builtin("container")
        .unwrap()
        .compile()
        .unwrap()
        .insns;
    let r = diff::diff(&native, &again, &diff::Options::default()).unwrap();
    assert!(r.equivalent, "{:#?}\n{text}", r.differences);

    // Raw: exactly the installed program; disasm names it.
    let raw = sysgate()
        .args(["dump", &pid.to_string(), "--format", "raw"])
        .output()
        .unwrap();
    assert_eq!(raw.stdout, sysgate::bpf::to_bytes(&native));
    let dis = sysgate()
        .args(["dump", &pid.to_string(), "-f", "disasm"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&dis.stdout).contains("AUDIT_ARCH_X86_64"));
    // SAFETY: signalling the sleep this test started.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

/// With two filters, index 0 is the one installed first (the kernel's
/// `PTRACE_SECCOMP_GET_FILTER` counts from the oldest), and the headers say so.
#[test]
fn dump_numbers_filters_from_the_first_installed() {
    if !is_root() {
        println!("SKIP: dump needs root");
        return;
    }
    let me = env!("CARGO_BIN_EXE_sysgate");
    // `container` is installed first (on the inner sysgate), `strict` last (on sleep).
    let (_guard, pid) = sleep_under(
        &[
            "run",
            "-p",
            "container",
            "--",
            me,
            "run",
            "-p",
            "strict",
            "--",
            "sleep",
            "30",
        ],
        2,
    );
    let out = sysgate().args(["dump", &pid.to_string()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parts: Vec<&str> = text.split("# filter ").skip(1).collect();
    assert_eq!(parts.len(), 2, "{text}");
    assert!(parts[0].starts_with("0 of 2"), "{text}");
    assert!(
        parts[0].contains("\ndefault allow\n"),
        "filter 0 should be container:\n{text}"
    );
    assert!(
        parts[1].contains("\ndefault deny\n"),
        "filter 1 should be strict:\n{text}"
    );
    assert!(!text.contains("0 is the most recently installed"), "{text}");
    assert!(text.contains("0 is the first installed"), "{text}");

    // -o writes OUT.0 and OUT.1 together, or neither: here OUT.1 cannot be written.
    let dir = std::env::temp_dir().join(format!("sysgate-dump-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("f.policy.1")).unwrap();
    let out = sysgate()
        .args(["dump", &pid.to_string(), "-o"])
        .arg(dir.join("f.policy"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("f.policy.1': it is a directory"), "{err}");
    assert!(!dir.join("f.policy.0").exists(), "{err}");
    std::fs::remove_dir(dir.join("f.policy.1")).unwrap();
    let out = sysgate()
        .args(["dump", &pid.to_string(), "-o"])
        .arg(dir.join("f.policy"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.join("f.policy.0").is_file() && dir.join("f.policy.1").is_file());
    let _ = std::fs::remove_dir_all(&dir);
    // SAFETY: signalling the sleep this test started.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

#[test]
fn dump_of_a_process_without_filter_says_so() {
    let mut child = Command::new("sleep").arg("30").spawn().unwrap();
    let out = sysgate()
        .args(["dump", &child.id().to_string()])
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no seccomp filter"), "{err}");
}

#[test]
fn dump_of_a_missing_process_says_so() {
    let out = sysgate().args(["dump", "2147483646"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no process with id 2147483646"), "{err}");
}

#[test]
fn decompile_cli_round_trips_a_compiled_policy() {
    let dir = std::env::temp_dir().join(format!("sysgate-decompile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bpf = dir.join("container.bpf");
    let out = sysgate()
        .args(["compile", "container", "-o"])
        .arg(&bpf)
        .output()
        .unwrap();
    assert!(out.status.success());
    let pol = dir.join("back.policy");
    let out = sysgate()
        .arg("decompile")
        .arg(&bpf)
        .arg("-o")
        .arg(&pol)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = sysgate().arg("diff").arg(&bpf).arg(&pol).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // One architecture only.
    let out = sysgate()
        .arg("decompile")
        .arg(&bpf)
        .args(["--arch", "aarch64"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("arch aarch64\n"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
