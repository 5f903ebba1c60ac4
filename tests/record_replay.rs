//! `sysgate record`: record a program, then replay it under the recorded policy with
//! `sysgate run -p`. The program must run unchanged; a syscall the recording never saw must
//! be refused (and named by `run --report`); i386 calls (`int 0x80`) are recorded as i386;
//! `--args` writes argument conditions; `--merge` unites recordings.
#![cfg(target_arch = "x86_64")]

#[allow(unused_imports)]
mod common;

use common::real_python as python;

use common::{stderr, stdout, sysgate_run as run};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("sysgate-record-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `sysgate record ARGS…`.
fn record(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .arg("record")
        .args(args)
        .output()
        .expect("start sysgate")
}

/// Records `cmd` into `out` (with `extra` options before `--`), asserts success and that
/// `sysgate check` accepts the result; returns the program's output and the policy text.
fn record_ok(out: &Path, extra: &[&str], cmd: &[&str]) -> (Output, String) {
    let mut args = vec!["-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push("--");
    args.extend_from_slice(cmd);
    let o = record(&args);
    assert!(o.status.success(), "record failed: {}", stderr(&o));
    let text = std::fs::read_to_string(out).expect("policy written");
    let c = Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .args(["check", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(c.status.success(), "check: {}\n{text}", stderr(&c));
    assert!(
        stdout(&c).contains("0 errors"),
        "check: {}\n{text}",
        stdout(&c)
    );
    (o, text)
}

/// The syscall names (and @groups) the policy allows, from its `allow` lines.
fn allowed(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("allow "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The count in the comment of `name`'s allow line.
fn count_of(text: &str, name: &str) -> u64 {
    let l = text
        .lines()
        .find(|l| l.starts_with(&format!("allow {name} ")))
        .unwrap_or_else(|| panic!("{name} not allowed:\n{text}"));
    l.split('#')
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Replays `cmd` under `policy`; asserts the same output and status 0.
fn replay_same(policy: &Path, cmd: &[&str], expected_stdout: &str) {
    let mut args = vec!["-p", policy.to_str().unwrap(), "--"];
    args.extend_from_slice(cmd);
    let o = run(&args);
    assert!(
        o.status.success(),
        "replay of {cmd:?} failed ({:?}): {}\n{}",
        o.status,
        stderr(&o),
        std::fs::read_to_string(policy).unwrap()
    );
    assert_eq!(stdout(&o), expected_stdout);
}

const SHELL: &str = "echo hi | tr a-z A-Z; ls / > /dev/null";

#[test]
fn shell_pipeline_replays_under_its_recording() {
    let d = tmpdir("sh");
    let p = d.join("sh.policy");
    let (o, text) = record_ok(&p, &[], &["sh", "-c", SHELL]);
    assert_eq!(stdout(&o), "HI\n");
    assert!(text.contains("default errno EPERM\n"), "{text}");
    assert!(text.contains("unknown errno ENOSYS\n"), "{text}");
    assert!(text.contains("\narch x86_64\n"), "{text}");
    // Counts in comments, most frequent first.
    let counts: Vec<u64> = text
        .lines()
        .filter(|l| l.starts_with("allow "))
        .map(|l| {
            let c = l.split('#').nth(1).unwrap().trim();
            c.split([' ', ':']).next().unwrap().parse().unwrap()
        })
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{text}");
    // The program's execve is recorded (the policy must allow it), sysgate's setup is not.
    let names = allowed(&text);
    assert!(names.iter().any(|n| n == "execve"), "{text}");
    assert!(!names.iter().any(|n| n == "seccomp"), "{text}");
    replay_same(&p, &["sh", "-c", SHELL], "HI\n");
}

#[test]
fn tar_create_and_list_replay_and_merge() {
    if !common::require_or_skip("tar", Command::new("tar").arg("--version").output().is_ok()) {
        return;
    }
    let d = tmpdir("tar");
    std::fs::create_dir_all(d.join("src/sub")).unwrap();
    std::fs::write(d.join("src/a.txt"), "alpha\n").unwrap();
    std::fs::write(d.join("src/sub/b.txt"), "beta\n").unwrap();
    let archive = d.join("x.tar");
    let (a, src) = (archive.to_str().unwrap(), d.join("src"));
    let create = ["tar", "-cf", a, "-C", src.to_str().unwrap(), "."];
    let list = ["tar", "-tf", a];
    let p1 = d.join("create.policy");
    record_ok(&p1, &[], &create);
    let listing = stdout(&Command::new("tar").args(&list[1..]).output().unwrap());
    assert!(listing.contains("./sub/b.txt"), "{listing}");
    // The listing recorded on top of the creation: one policy for both.
    let p2 = d.join("both.policy");
    let (o, merged) = record_ok(&p2, &["--merge", p1.to_str().unwrap()], &list);
    assert_eq!(stdout(&o), listing);
    let first = std::fs::read_to_string(&p1).unwrap();
    for n in allowed(&first) {
        assert!(
            allowed(&merged).contains(&n),
            "{n} lost in the merge:\n{merged}"
        );
    }
    std::fs::remove_file(&archive).unwrap();
    replay_same(&p2, &create, "");
    replay_same(&p2, &list, &listing);
}

#[test]
fn merge_unites_two_different_programs() {
    let d = tmpdir("merge");
    let helper = match i386_helper(&d) {
        Some(h) => h,
        None => return,
    };
    let p1 = d.join("sh.policy");
    let (_, sh) = record_ok(&p1, &[], &["sh", "-c", SHELL]);
    let p2 = d.join("both.policy");
    let (_, both) = record_ok(&p2, &["--merge", p1.to_str().unwrap()], &[&helper]);
    assert!(both.contains("\narch x86_64 i386\n"), "{both}");
    for n in allowed(&sh) {
        assert!(allowed(&both).contains(&n), "{n} lost:\n{both}");
    }
    // Counts add up: execve was made by both (3 in the shell's recording).
    assert_eq!(
        count_of(&both, "execve"),
        count_of(&sh, "execve") + 1,
        "{both}"
    );
    replay_same(&p2, &["sh", "-c", SHELL], "HI\n");
    replay_same(&p2, &[&helper], "");
    // Merging the result once more with itself keeps every rule.
    let p3 = d.join("again.policy");
    let (_, again) = record_ok(&p3, &["--merge", p2.to_str().unwrap()], &[&helper]);
    assert_eq!(allowed(&again).len(), allowed(&both).len(), "{again}");
}

const PY_THREADS: &str = r#"
import subprocess, threading
out = []
ts = [threading.Thread(target=lambda i=i: out.append(i * i)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(sorted(out))
print(subprocess.run(["echo", "child"], capture_output=True, text=True).stdout, end="")
"#;

#[test]
fn python_threads_and_subprocess_and_a_new_syscall() {
    if !common::require_or_skip("python3", python().is_some()) {
        return;
    }
    let py = python().unwrap();
    let d = tmpdir("py");
    let p = d.join("py.policy");
    let expected = "[0, 1, 4, 9]\nchild\n";
    let (o, text) = record_ok(&p, &[], &[&py, "-c", PY_THREADS]);
    assert_eq!(stdout(&o), expected);
    // Threads (clone3 or clone) and the subprocess's execve were recorded.
    let names = allowed(&text);
    assert!(
        names.iter().any(|n| n == "clone3" || n == "clone"),
        "{text}"
    );
    // The interpreter's and the subprocess's execve (and the failed ones along $PATH).
    assert!(count_of(&text, "execve") >= 2, "{text}");
    replay_same(&p, &[&py, "-c", PY_THREADS], expected);

    // The same workload plus a call the recording never saw: refused with EPERM, and
    // `run --report` names it.
    assert!(!names.iter().any(|n| n == "getpriority"), "{text}");
    let more = format!(
        "{PY_THREADS}\nimport os\ntry:\n    os.getpriority(os.PRIO_PROCESS, 0)\n    print('allowed')\nexcept OSError as e:\n    print('errno', e.errno)\n"
    );
    let pol = p.to_str().unwrap();
    let o = run(&["-p", pol, "--", &py, "-c", &more]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{expected}errno {}\n", libc::EPERM));
    let o = run(&["--report", "-p", pol, "--", &py, "-c", &more]);
    assert!(o.status.success(), "{}", stderr(&o));
    let refused: Vec<String> = stderr(&o)
        .lines()
        .filter(|l| l.starts_with("sysgate: refused: "))
        .map(str::to_string)
        .collect();
    assert_eq!(refused.len(), 1, "{}", stderr(&o));
    assert!(
        refused[0].starts_with("sysgate: refused: getpriority("),
        "{}",
        refused[0]
    );
}

#[test]
fn args_records_socket_domains_and_types() {
    if !common::require_or_skip("python3", python().is_some()) {
        return;
    }
    let py = python().unwrap();
    let script = r#"
import socket
a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
b = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
b.bind(("127.0.0.1", 0))
print("ok", b.getsockname()[0])
"#;
    let d = tmpdir("args");
    let p = d.join("args.policy");
    let (o, text) = record_ok(&p, &["--args"], &[&py, "-c", script]);
    assert_eq!(stdout(&o), "ok 127.0.0.1\n");
    let rule = text
        .lines()
        .find(|l| l.starts_with("allow socket "))
        .unwrap_or_else(|| panic!("no socket rule:\n{text}"));
    assert!(
        rule.contains("domain in {AF_UNIX, AF_INET}"),
        "{rule}\n{text}"
    );
    assert!(rule.contains("SOCK_DGRAM|SOCK_CLOEXEC"), "{rule}");
    assert!(rule.contains("SOCK_STREAM|SOCK_CLOEXEC"), "{rule}");
    assert!(
        text.lines().any(|l| l.starts_with("allow mmap if prot ")),
        "{text}"
    );
    replay_same(&p, &[&py, "-c", script], "ok 127.0.0.1\n");
    // A domain that was not recorded is refused.
    let inet6 = format!(
        "{script}\ntry:\n    socket.socket(socket.AF_INET6, socket.SOCK_STREAM)\nexcept OSError as e:\n    print('errno', e.errno)\n"
    );
    let o = run(&["-p", p.to_str().unwrap(), "--", &py, "-c", &inet6]);
    assert_eq!(
        stdout(&o),
        format!("ok 127.0.0.1\nerrno {}\n", libc::EPERM),
        "{}",
        stderr(&o)
    );
    // --merge keeps the conditions and unites the values.
    let p2 = d.join("merged.policy");
    let (_, merged) = record_ok(
        &p2,
        &["--args", "--merge", p.to_str().unwrap()],
        &[&py, "-c", &inet6],
    );
    let rule = merged
        .lines()
        .find(|l| l.starts_with("allow socket "))
        .unwrap();
    assert!(
        rule.contains("domain in {AF_UNIX, AF_INET, AF_INET6}"),
        "{rule}"
    );
}

/// Compiles a small program that makes i386 `getpid` through `int 0x80` (then exits 0 if
/// it returned a pid). `None` (test skipped) when no C compiler is available.
fn i386_helper(dir: &Path) -> Option<String> {
    let c = dir.join("int80.c");
    std::fs::write(
        &c,
        "int main(void) {\n  long r;\n  __asm__ volatile(\"int $0x80\" : \"=a\"(r) : \"a\"(20L) : \"memory\");\n  return r > 0 ? 0 : 1;\n}\n",
    )
    .unwrap();
    let exe = dir.join("int80");
    let ok = Command::new("cc")
        .arg("-O2")
        .arg("-o")
        .arg(&exe)
        .arg(&c)
        .status()
        .is_ok_and(|s| s.success());
    if !common::require_or_skip("cc (to build the int 0x80 helper)", ok) {
        return None;
    }
    // The kernel may lack IA-32 emulation: then the call fails and the helper exits 1.
    let native = Command::new(&exe).status().unwrap();
    if !common::require_or_skip("IA-32 emulation (int 0x80)", native.success()) {
        return None;
    }
    Some(exe.to_str().unwrap().to_string())
}

#[test]
fn int80_calls_are_recorded_as_i386() {
    let d = tmpdir("i386");
    let Some(helper) = i386_helper(&d) else {
        return;
    };
    let p = d.join("i386.policy");
    let (_, text) = record_ok(&p, &[], &[&helper]);
    assert!(text.contains("\narch x86_64 i386\n"), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("allow getpid "))
        .unwrap_or_else(|| panic!("getpid not allowed:\n{text}"));
    assert!(line.contains("(i386 1)"), "{line}");
    replay_same(&p, &[&helper], "");
    // Without the i386 section the call is not allowed: the recording is what made it work.
    let x86_only = d.join("x86_64.policy");
    std::fs::write(
        &x86_only,
        text.replace("\narch x86_64 i386\n", "\narch x86_64\n"),
    )
    .unwrap();
    let o = run(&["-p", x86_only.to_str().unwrap(), "--", &helper]);
    assert!(!o.status.success(), "{}", stderr(&o));
}

#[test]
fn exit_status_is_propagated_and_the_policy_still_written() {
    let d = tmpdir("status");
    let p = d.join("s.policy");
    let o = record(&["-o", p.to_str().unwrap(), "--", "sh", "-c", "exit 3"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains("exited with status 3"), "{text}");
    let o = record(&["-o", p.to_str().unwrap(), "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(o.status.code(), Some(128 + libc::SIGTERM), "{}", stderr(&o));
    let missing = d.join("m.policy");
    let o = record(&[
        "-o",
        missing.to_str().unwrap(),
        "--",
        "/nonexistent/program",
    ]);
    assert_eq!(o.status.code(), Some(127), "{}", stderr(&o));
    assert!(!missing.exists());
    // Without -o the policy goes to standard output, after the program's own output.
    let o = record(&["--", "sh", "-c", "echo first"]);
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(
        out.starts_with("first\n# recorded by: sysgate record -- sh -c"),
        "{out}"
    );
    assert!(out.contains("\nallow execve "), "{out}");
}

#[test]
fn x32_calls_are_recorded_as_x32() {
    let d = tmpdir("x32");
    let c = d.join("x32.c");
    // x32 getpid: number 39 with bit 30 set, through the native `syscall` instruction. Kernels
    // without x32 support fail it with ENOSYS, but seccomp (and so the recording) sees it.
    std::fs::write(
        &c,
        "int main(void) {\n  long r;\n  __asm__ volatile(\"syscall\" : \"=a\"(r) : \"a\"(0x40000000L | 39) : \"rcx\", \"r11\", \"memory\");\n  return 0;\n}\n",
    )
    .unwrap();
    let exe = d.join("x32");
    let ok = Command::new("cc")
        .arg("-o")
        .arg(&exe)
        .arg(&c)
        .status()
        .is_ok_and(|s| s.success());
    if !common::require_or_skip("cc (to build the x32 helper)", ok) {
        return;
    }
    let exe = exe.to_str().unwrap();
    let p = d.join("x32.policy");
    let (_, text) = record_ok(&p, &[], &[exe]);
    assert!(text.contains("\narch x86_64 x32\n"), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("allow getpid "))
        .unwrap_or_else(|| panic!("getpid not allowed:\n{text}"));
    assert!(line.contains("(x32 1)"), "{line}");
    replay_same(&p, &[exe], "");
}
