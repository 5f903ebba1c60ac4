//! `sysgate run` under the built-in `container` policy: ordinary programs work, the
//! dangerous calls are refused with the documented errno, and the exit status is the
//! program's (128+N when signal N killed it).

#[allow(unused_imports)]
mod common;

use common::real_python as python;

use std::process::Command;

use common::{stderr, stdout, sysgate_run as run};

fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("sysgate-run-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn shell_pipeline() {
    let o = run(&["--", "sh", "-c", "echo a b | tr a-z A-Z | wc -c"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "4");
    let o = run(&["--", "sh", "-c", "echo a b | tr a-z A-Z"]);
    assert_eq!(stdout(&o), "A B\n");
}

/// The program gets SIGPIPE's default action back (sysgate itself runs with it ignored, and
/// an ignored signal would survive `execve`): a writer whose reader left dies quietly.
#[test]
fn a_writer_to_a_closed_pipe_dies_of_sigpipe() {
    let o = run(&[
        "--",
        "sh",
        "-c",
        "(yes; echo \"yes ended: $?\" >&2) | head -c 2 >/dev/null",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // 141 = 128 + SIGPIPE; "Broken pipe" would mean the signal was ignored.
    assert_eq!(stderr(&o).trim(), "yes ended: 141");
}

#[test]
fn ls_root() {
    let o = run(&["--", "ls", "/"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names: Vec<_> = stdout(&o).lines().map(str::to_string).collect();
    assert!(names.iter().any(|n| n == "usr"), "{names:?}");
}

#[test]
fn tar_create_and_list() {
    let d = tmpdir("tar");
    std::fs::create_dir(d.join("in")).unwrap();
    std::fs::write(d.join("in/a.txt"), "alpha\n").unwrap();
    std::fs::write(d.join("in/b.txt"), "beta\n").unwrap();
    let dir = d.to_str().unwrap();
    let o = run(&[
        "--",
        "sh",
        "-c",
        &format!("cd {dir} && tar cf x.tar in/a.txt in/b.txt && tar tf x.tar"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "in/a.txt\nin/b.txt\n");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn python_threads_and_subprocess() {
    if !common::require_or_skip("python3", python().is_some()) {
        return;
    }
    let py = python().unwrap();
    let script = r#"
import subprocess, threading
out = []
ts = [threading.Thread(target=lambda i=i: out.append(i * i)) for i in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(sorted(out))
print(subprocess.run(["echo", "child"], capture_output=True, text=True).stdout, end="")
"#;
    let o = run(&["--", &py, "-c", script]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "[0, 1, 4, 9]\nchild\n");
}

#[test]
fn python_tcp_server_and_client() {
    if !common::require_or_skip("python3", python().is_some()) {
        return;
    }
    let py = python().unwrap();
    let script = r#"
import socket, threading
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
port = srv.getsockname()[1]
def serve():
    c, _ = srv.accept()
    line = c.makefile().readline()
    c.sendall(("echo: " + line).encode()); c.close()
t = threading.Thread(target=serve); t.start()
cl = socket.create_connection(("127.0.0.1", port))
cl.sendall(b"hello\n")
print(cl.makefile().readline(), end="")
t.join()
"#;
    let o = run(&["--", &py, "-c", script]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "echo: hello\n");
}

#[test]
fn unshare_is_refused() {
    let o = run(&["--", "unshare", "-n", "true"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("Operation not permitted"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn dangerous_syscalls_get_the_documented_errno() {
    if !common::require_or_skip("python3", python().is_some()) {
        return;
    }
    let py = python().unwrap();
    let script = r#"
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
for name, nr in [("mount", 165), ("bpf", 321), ("keyctl", 250), ("perf_event_open", 298),
                 ("clone3", 435), ("1000", 1000)]:
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), 0, 0, 0, 0, 0)
    print(name, r, ctypes.get_errno())
"#;
    let o = run(&["--", &py, "-c", script]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (eperm, enosys) = (libc::EPERM, libc::ENOSYS);
    assert_eq!(
        stdout(&o),
        format!(
            "mount -1 {eperm}\nbpf -1 {eperm}\nkeyctl -1 {eperm}\nperf_event_open -1 {eperm}\n\
             clone3 -1 {enosys}\n1000 -1 {enosys}\n"
        )
    );
}

#[test]
fn exit_status_is_the_programs() {
    let o = run(&["--", "sh", "-c", "exit 7"]);
    assert_eq!(o.status.code(), Some(7));
    let o = run(&["--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(o.status.code(), Some(128 + libc::SIGTERM));
    let o = run(&["--", "true"]);
    assert_eq!(o.status.code(), Some(0));
    let o = run(&["--", "/no/such/program"]);
    assert_eq!(o.status.code(), Some(127));
    let o = run(&["--", "/etc/hostname"]);
    assert_eq!(o.status.code(), Some(126), "{}", stderr(&o));
}

#[test]
fn signals_sent_to_sysgate_reach_the_program() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .args(["run", "--", "sleep", "30"])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // SAFETY: sending SIGTERM to the sysgate process we started.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let st = child.wait().unwrap();
    assert_eq!(st.code(), Some(128 + libc::SIGTERM));
}
