//! The `sysgate` binary as a user meets it: diagnostics, exit codes, outputs.

#[allow(unused_imports)]
mod common;

use common::{sysgate, tmpdir, write};
use std::process::Command;

/// Each kind of mistake: the exit status is 1, stderr has `file:line:col`, the offending
/// line, a caret under the offending text and the hint, and no output file appears.
#[test]
fn every_kind_of_mistake_is_located_and_writes_nothing() {
    let dir = tmpdir("diag");
    // (policy text, line, col, underlined text, message part, hint part)
    let cases: &[(&str, u32, u32, &str, &str, &str)] = &[
        (
            "default allow\ndeny opne\n",
            2,
            6,
            "opne",
            "unknown syscall 'opne'",
            "did you mean 'open'?",
        ),
        (
            "default allow\nalow read\n",
            2,
            1,
            "alow",
            "unknown statement 'alow'",
            "did you mean 'allow'?",
        ),
        (
            "errno EPREM read\n",
            1,
            7,
            "EPREM",
            "unknown errno name 'EPREM'",
            "did you mean 'EPERM'?",
        ),
        (
            "deny @mont\n",
            1,
            6,
            "@mont",
            "unknown group '@mont'",
            "did you mean '@mount'?",
        ),
        (
            "deny socket if domian == 1\n",
            1,
            16,
            "domian",
            "'socket' has no parameter 'domian'",
            "did you mean 'domain'?",
        ),
        (
            "default allow\narch x86_64 i386\ndeny dup2 if newfd == 1\n",
            3,
            14,
            "newfd",
            "sysgate knows the parameter names of 'dup2' on 64-bit ABIs, not on i386",
            "by position, 'arg1'",
        ),
        (
            "deny socket if domain == AF_ALGG\n",
            1,
            26,
            "AF_ALGG",
            "unknown constant 'AF_ALGG'",
            "did you mean 'AF_ALG'?",
        ),
        (
            "deny clone if flags & 1 == 1\n",
            1,
            15,
            "flags & 1 ==",
            "in parentheses",
            "(x & MASK) == VALUE",
        ),
        (
            "arch x86_46\n",
            1,
            6,
            "x86_46",
            "unknown architecture 'x86_46'",
            "did you mean 'x86_64'?",
        ),
        (
            "errno 5000 read\n",
            1,
            7,
            "5000",
            "errno 5000 is out of range",
            "4095",
        ),
        (
            "deny read if arg7 == 1\n",
            1,
            14,
            "arg7",
            "'arg7' is out of range",
            "arg0 to arg5",
        ),
        (
            "use nosuch\n",
            1,
            5,
            "nosuch",
            "no built-in policy 'nosuch'",
            "built-ins are",
        ),
        (
            "deny read }\n",
            1,
            11,
            "}",
            "unexpected '}'",
            "no opening one",
        ),
        (
            "default allow\ndefault deny\n",
            2,
            9,
            "deny",
            "'default' is set twice",
            "line 1",
        ),
    ];
    for (i, (text, line, col, under, msg, hint)) in cases.iter().enumerate() {
        let file = write(&dir, &format!("p{i}.policy"), text);
        let out_file = dir.join(format!("p{i}.bpf"));
        let o = sysgate(&["compile", &file, "-o", out_file.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "case {i} {text:?}: {err}");
        assert!(!out_file.exists(), "case {i}: an output file was written");
        let loc = format!("{file}:{line}:{col}: error: ");
        assert!(err.contains(&loc), "case {i}: expected {loc} in:\n{err}");
        assert!(err.contains(msg), "case {i}: expected {msg:?} in:\n{err}");
        assert!(err.contains(hint), "case {i}: expected {hint:?} in:\n{err}");
        // The caret line underlines exactly the offending text.
        let src_line = text.lines().nth(*line as usize - 1).unwrap();
        let caret = format!(
            "| {}{}",
            " ".repeat(*col as usize - 1),
            "^".repeat(under.chars().count())
        );
        assert!(
            err.contains(&format!("| {src_line}")),
            "case {i}: source line missing:\n{err}"
        );
        assert!(
            err.contains(&caret),
            "case {i}: expected caret {caret:?} in:\n{err}"
        );
        // `check` agrees.
        let c = sysgate(&["check", &file]);
        assert_eq!(c.status.code(), Some(1), "check, case {i}");
    }
}

#[test]
fn several_mistakes_are_reported_at_once() {
    let dir = tmpdir("multi");
    let file = write(
        &dir,
        "m.policy",
        "deny opne\nalow read\nerrno EPREM close\n",
    );
    let o = sysgate(&["check", &file]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    for needle in [":1:6: error", ":2:1: error", ":3:7: error"] {
        assert!(err.contains(needle), "missing {needle} in:\n{err}");
    }
}

/// `check --deny-warnings` on a policy with a warning fails, and its summary says so
/// instead of "ok".
#[test]
fn check_deny_warnings_does_not_say_ok() {
    let dir = tmpdir("denywarn");
    let file = write(&dir, "w.policy", "allow read\nallow read\n");
    let o = sysgate(&["check", &file]);
    assert_eq!(o.status.code(), Some(0));
    assert!(common::stdout(&o).contains(": ok — "), "{o:?}");
    let o = sysgate(&["check", &file, "--deny-warnings"]);
    let (out, err) = (common::stdout(&o), common::stderr(&o));
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!out.contains(": ok") && !err.contains(": ok"), "{out}{err}");
    assert!(err.contains("not ok (--deny-warnings)"), "{err}");
    assert!(err.contains("1 warning"), "{err}");
}

/// A rule whose condition can never hold — contradictory comparisons, an empty range, a
/// masked value outside its mask, 64-bit values across both words, 16-bit modes — is
/// "never matches", located at the rule and naming the syscall and ABIs; one whose every
/// call earlier rules decide names their lines; a condition that holds on x86_64 but not
/// on i386, where every argument is 32 bits, is located at the condition and names i386.
/// Conditions that look alike but can hold get nothing. Warnings make `--deny-warnings`
/// fail and nothing else: the program is still compiled.
#[test]
fn check_warns_about_conditions_that_can_never_hold() {
    let dir = tmpdir("unsat");
    let file = write(
        &dir,
        "u.policy",
        "default allow
arch x86_64 i386
deny read if fd == 1 && fd == 2
deny read if fd > 5 && fd < 3
deny write if (count & 0x3) == 0x4
deny lseek if arg1 > 0xffffffff && arg1 < 0x100000000
deny chmod if mode == 0x10000
deny chmod if mode > 0xffff
deny lseek if arg1 > 0xffffffff && (arg1 & 0xffffffff) == 0
deny read if fd > 5 && fd < 7
deny write if fd == 1 || fd == 3
deny write if fd == 3
deny close if (fd & 0xf0) == 0x30 && fd & 0x8
deny fchmod if mode & 0o4000 && mode & 0o2000 && mode < 0o7000
deny mmap2 if arg1 >= 0x100000000 || (flags & 0x3) == 0x4
",
    );
    let o = sysgate(&["check", &file]);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let never = |line: u32, what: &str| {
        format!(
            "{file}:{line}:1: warning: this rule never matches: its condition can never hold for {what}\n"
        )
    };
    let both = "on x86_64 and i386";
    for (line, name) in [
        (3, "read"),
        (4, "read"),
        (5, "write"),
        (6, "lseek"),
        (7, "chmod"),
        (8, "chmod"),
    ] {
        let want = never(line, &format!("'{name}' {both}"));
        assert!(err.contains(&want), "missing {want:?} in:\n{err}");
    }
    // mmap2 exists on i386 only; `arg1` is 32 bits there.
    let want = never(15, "'mmap2' on i386");
    assert!(err.contains(&want), "missing {want:?} in:\n{err}");
    // 0x100000000 on x86_64; on i386 arg1 has no high word. At the condition's column.
    let want = format!("{file}:9:15: warning: this condition can never hold for 'lseek' on i386\n");
    assert!(err.contains(&want), "missing {want:?} in:\n{err}");
    assert!(err.contains("\n9 | deny lseek"), "{err}");
    let want = format!(
        "{file}:12:1: warning: this rule never matches: earlier rules decide every call it would match\n"
    );
    assert!(err.contains(&want), "missing {want:?} in:\n{err}");
    assert!(
        err.contains("decided first: 'write' on x86_64 and i386 by line 11"),
        "{err}"
    );
    // fd 6; fd 0x38; mode 0o6000: nothing on lines 10, 13, 14, and nothing else at all.
    for line in [10, 11, 13, 14] {
        assert!(
            !err.contains(&format!("{file}:{line}:")),
            "line {line}:\n{err}"
        );
    }
    assert!(common::stdout(&o).contains("0 errors, 9 warnings"), "{o:?}");
    let o = sysgate(&["check", &file, "--deny-warnings"]);
    assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
    let out = dir.join("u.bpf");
    let o = sysgate(&["compile", &file, "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    assert!(std::fs::metadata(&out).unwrap().len() > 0);

    // x32's compat ioctl takes a 32-bit argument; x86_64's is 64 bits.
    let file = write(
        &dir,
        "x32.policy",
        "default allow\narch x86_64 x32\ndeny ioctl if arg > 0xffffffff\n",
    );
    let o = sysgate(&["check", &file, "--deny-warnings"]);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let want = format!("{file}:3:15: warning: this condition can never hold for 'ioctl' on x32\n");
    assert!(err.contains(&want), "missing {want:?} in:\n{err}");
}

/// Conditions that look suspicious but can hold, and rules that only partly overlap the
/// ones before them, pass `check --deny-warnings`.
#[test]
fn satisfiable_conditions_do_not_warn() {
    let dir = tmpdir("sat");
    let file = write(
        &dir,
        "s.policy",
        "default allow
arch x86_64 i386 x32
deny read if fd > 5 && fd < 7
deny read if fd >= 7 && fd <= 7
deny write if (count & 0x3) == 0x3 && count < 4
deny write if fd != 1 && fd != 2 && fd < 3
deny close if fd in {1, 2, 3} && fd not in {1, 2}
deny lseek if arg1 >= 0xffffffff && arg1 <= 0xffffffff
deny chmod if mode >= 0xffff
deny chmod if mode & 0o4000 && !(mode & 0o2000)
deny close if fd == -1 && fd > 0x7fffffff
allow ioctl if request == 0x5401 && fd == 0
allow ioctl if request == 0x5401 && fd == 1
deny ioctl if request == 0x5401
deny ioctl if request == 0x5401 || request == 0x5402
deny ioctl
",
    );
    let o = sysgate(&["check", &file, "--deny-warnings"]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    assert!(common::stdout(&o).contains("0 errors, 0 warnings"), "{o:?}");
}

#[test]
fn unreadable_policy_exits_3_and_a_good_one_writes_atomically() {
    let dir = tmpdir("io");
    let o = sysgate(&["compile", "/nonexistent/x.policy", "-o", "/tmp/never.bpf"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read policy"));

    let file = write(
        &dir,
        "ok.policy",
        "default allow\ndeny unshare\narch x86_64\n",
    );
    let out = dir.join("ok.bpf");
    let o = sysgate(&["compile", &file, "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(bytes.len() % 8, 0);
    let prog = sysgate::bpf::from_bytes(&bytes).unwrap();
    sysgate::bpf::emulator::validate(&prog).unwrap();
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("sysgate-tmp")),
        "{names:?}"
    );

    // An output path in a missing directory: exit 3, nothing written.
    let o = sysgate(&["compile", &file, "-o", "/nonexistent/dir/out.bpf"]);
    assert_eq!(o.status.code(), Some(3));
}

/// An output that is a FIFO (or `/dev/null`, `/dev/stdout`) is written into, not renamed
/// over; a symbolic link is followed and stays a link.
#[test]
fn output_to_a_fifo_or_through_a_link_keeps_what_is_there() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tmpdir("outkinds");
    let file = write(
        &dir,
        "ok.policy",
        "default allow\ndeny unshare\narch x86_64\n",
    );
    let plain = dir.join("plain.bpf");
    assert!(sysgate(&["compile", &file, "-o", plain.to_str().unwrap()])
        .status
        .success());
    let want = std::fs::read(&plain).unwrap();

    let fifo = dir.join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        // Opening a FIFO to read waits for a writer; were the FIFO renamed over, no writer
        // would come and this thread would wait forever, so the test checks the node first.
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let o = sysgate(&["compile", &file, "-o", fifo.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced by {kind:?}");
    assert_eq!(reader.join().unwrap(), want);

    let target = dir.join("target.bpf");
    std::fs::write(&target, b"old").unwrap();
    let link = dir.join("link.bpf");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert!(sysgate(&["compile", &file, "-o", link.to_str().unwrap()])
        .status
        .success());
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&target).unwrap(), want);

    // A link to a file not made yet (through a relative link) makes that file.
    let new = dir.join("new.bpf");
    std::os::unix::fs::symlink("new.bpf", dir.join("hop.bpf")).unwrap();
    let dangling = dir.join("dangling.bpf");
    std::os::unix::fs::symlink(dir.join("hop.bpf"), &dangling).unwrap();
    let o = sysgate(&["compile", &file, "-o", dangling.to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(std::fs::symlink_metadata(&dangling)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&new).unwrap(), want);
}

/// `-o -` is standard output, as `-` is standard input for the inputs: no file named `-`.
#[test]
fn output_dash_is_standard_output() {
    let dir = tmpdir("dash");
    let file = dir.join("c.bpf");
    assert!(
        sysgate(&["compile", "container", "-o", file.to_str().unwrap()])
            .status
            .success()
    );
    let want = std::fs::read(&file).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sysgate"))
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let o = run(&["compile", "container", "-o", "-"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.stdout, want);
    assert!(String::from_utf8_lossy(&o.stderr).contains("wrote standard output"));
    let o = run(&["decompile", file.to_str().unwrap(), "-o", "-"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("deny "));
    assert!(!dir.join("-").exists(), "a file named '-' was written");
}

/// An empty policy (no rules, no `default`) refuses everything: legal, but said.
#[test]
fn an_empty_policy_is_warned_about() {
    let dir = tmpdir("empty");
    let empty = write(&dir, "empty.policy", "# nothing yet\n");
    let o = sysgate(&["check", &empty]);
    assert_eq!(o.status.code(), Some(0));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("empty.policy:1:1: warning: this policy refuses every syscall"),
        "{e}"
    );
    assert_eq!(
        sysgate(&["check", "--deny-warnings", &empty]).status.code(),
        Some(1)
    );
    // A deny-list with no rules yet, or rules without a `default` line, is not warned about.
    for text in ["default allow\n", "allow read\n"] {
        let p = write(&dir, "p.policy", text);
        let o = sysgate(&["check", &p]);
        assert!(
            !String::from_utf8_lossy(&o.stderr).contains("refuses every"),
            "{text}"
        );
    }
}

#[test]
fn too_many_instructions_is_a_clear_error() {
    let dir = tmpdir("big");
    // Every rule adds a distinct 64-bit comparison on mmap's length argument.
    let mut text = String::from("default allow\narch x86_64\n");
    for k in 0..1500u64 {
        text.push_str(&format!(
            "errno {} mmap if arg1 == {}\n",
            1 + k % 4000,
            (k << 33) | k
        ));
    }
    let file = write(&dir, "big.policy", &text);
    let out = dir.join("big.bpf");
    let o = sysgate(&["compile", &file, "-o", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("more than the kernel's limit of 4096"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn explain_names_the_deciding_line_per_architecture() {
    let dir = tmpdir("explain");
    let file = write(
        &dir,
        "e.policy",
        "default allow\narch x86_64 i386 x32 aarch64\n# comment\ndeny clone if flags & CLONE_NEWUSER\nerrno ENOSYS clone3\n",
    );
    let o = sysgate(&[
        "explain",
        &file,
        "clone",
        "CLONE_NEWUSER|CLONE_VM",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 4);
    for e in arr {
        assert_eq!(e["action"]["action"], "errno", "{e}");
        assert_eq!(e["action"]["value"], 1, "{e}");
        assert_eq!(e["origin"]["line"], 4, "{e}");
    }
    // Without the flag, the default decides (line 1).
    let o = sysgate(&["explain", &file, "clone", "CLONE_VM", "--arch", "aarch64"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("aarch64") && out.contains("allow") && out.contains(":1: default allow"),
        "{out}"
    );
    // clone3 on aarch64: ENOSYS from line 5.
    let o = sysgate(&["explain", &file, "clone3", "--arch", "aarch64"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("errno ENOSYS") && out.contains(":5:"), "{out}");
    // A typo in the syscall name.
    let o = sysgate(&["explain", &file, "clnoe"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean 'clone'?"));
}

#[test]
fn explain_and_disasm_work_on_raw_bpf() {
    let dir = tmpdir("rawbpf");
    let out = dir.join("c.bpf");
    let o = sysgate(&[
        "compile",
        "container",
        "--arch",
        "x86_64,i386",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let o = sysgate(&[
        "explain",
        out.to_str().unwrap(),
        "unshare",
        "--arch",
        "i386",
    ]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(s.contains("i386") && s.contains("deny"), "{s}");
    let o = sysgate(&["disasm", out.to_str().unwrap()]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("AUDIT_ARCH_X86_64") && s.contains("unshare"),
        "{s}"
    );
}

#[test]
fn syscalls_lists_numbers_and_groups() {
    let o = sysgate(&["syscalls", "--arch", "i386", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let execve = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "execve")
        .unwrap();
    assert_eq!(execve["nr"], 11); // i386 execve, from the kernel's syscall_32.tbl
    let o = sysgate(&["syscalls", "@mount", "--arch", "x86_64"]);
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("165  mount"), "{s}"); // x86_64 mount is 165
    let o = sysgate(&["syscalls", "--groups"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("@system-service"));
    // `native` is the host, as for every other --arch.
    let native = sysgate(&["syscalls", "--arch", "native"]);
    assert!(
        native.status.success(),
        "{}",
        String::from_utf8_lossy(&native.stderr)
    );
    assert_eq!(native.stdout, sysgate(&["syscalls"]).stdout);
}

#[test]
fn compile_formats() {
    for (fmt, needle) in [
        ("c", "struct sock_filter"),
        ("rust", "FILTER"),
        ("disasm", "ld  [4]"),
    ] {
        let o = sysgate(&["compile", "container", "--format", fmt]);
        assert!(o.status.success());
        assert!(String::from_utf8_lossy(&o.stdout).contains(needle), "{fmt}");
    }
    // The C header is one block comment whose lines line up under its `/*`.
    let c = String::from_utf8(sysgate(&["compile", "container", "--format", "c"]).stdout).unwrap();
    let header: Vec<&str> = c.lines().take_while(|l| !l.starts_with('#')).collect();
    assert_eq!(header.first(), Some(&"/*"), "{c}");
    assert_eq!(header.last(), Some(&" */"), "{c}");
    for l in &header[1..header.len() - 1] {
        assert!(
            l.starts_with(" * "),
            "misaligned comment line {l:?} in:\n{c}"
        );
    }
    let raw = sysgate(&["compile", "container", "--format", "raw"]).stdout;
    let b64 = sysgate(&["compile", "container", "--format", "base64"]).stdout;
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(String::from_utf8_lossy(&b64).trim())
        .unwrap();
    assert_eq!(decoded, raw);
}

#[test]
fn run_propagates_status_and_denies() {
    let o = sysgate(&["run", "--", "sh", "-c", "exit 7"]);
    assert_eq!(o.status.code(), Some(7));
    let o = sysgate(&["run", "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(o.status.code(), Some(128 + 15), "killed by SIGTERM");
    let o = sysgate(&["run", "--", "/no/such/program"]);
    assert_eq!(o.status.code(), Some(127));
    // A policy that refuses execve is reported before anything runs.
    let dir = tmpdir("run");
    let file = write(&dir, "noexec.policy", "default allow\ndeny execve\n");
    let o = sysgate(&["run", "-p", &file, "--", "true"]);
    assert_eq!(o.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not allow execve"));
}

/// A reader that leaves early ends sysgate by SIGPIPE, quietly, like `cat`: no panic.
#[test]
fn a_closed_output_pipe_ends_quietly() {
    use std::io::Read;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    // A pipe of one page, smaller than the listing (~8 KiB), so sysgate is still writing
    // when the reader leaves.
    let mut fds = [0; 2];
    // SAFETY: a new pipe; each end is owned once below.
    let (mut reader, writer) = unsafe {
        assert_eq!(libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC), 0);
        assert!(libc::fcntl(fds[0], libc::F_SETPIPE_SZ, 4096) >= 4096);
        (
            std::fs::File::from_raw_fd(fds[0]),
            OwnedFd::from_raw_fd(fds[1]),
        )
    };
    let child = Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .args(["syscalls"])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut byte = [0u8; 1];
    reader.read_exact(&mut byte).unwrap();
    drop(reader);
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        o.status.signal(),
        Some(libc::SIGPIPE),
        "{:?} {err}",
        o.status
    );
}

/// `--arch` says what it does for each command: the ones that read BPF have no policy whose
/// `arch` line it could override; and the list of names reads as one list.
#[test]
fn arch_help_fits_each_command() {
    for (cmd, policy) in [
        ("compile", true),
        ("check", true),
        ("export", true),
        ("disasm", false),
        ("decompile", false),
        ("dump", false),
    ] {
        let o = sysgate(&[cmd, "--help"]);
        let help = common::stdout(&o);
        let arch = help
            .lines()
            .find(|l| l.trim_start().starts_with("--arch"))
            .unwrap_or_else(|| panic!("{cmd}: no --arch in\n{help}"));
        assert_eq!(
            arch.contains("overrides the policy's `arch` line"),
            policy,
            "{cmd}: {arch}"
        );
        assert!(arch.contains("s390x,ppc64le,loongarch64"), "{cmd}: {arch}");
    }
}

/// A file that is not a seccomp filter: every command that reads one says which file.
#[test]
fn an_invalid_filter_is_named_by_its_file() {
    let dir = tmpdir("badbpf");
    // One instruction with an opcode seccomp refuses (0xffff).
    let bad = dir.join("bad.bpf");
    std::fs::write(&bad, [0xff, 0xff, 0, 0, 0, 0, 0, 0]).unwrap();
    let bad = bad.to_str().unwrap();
    for args in [
        vec!["explain", bad, "read"],
        vec!["diff", "container", bad],
        vec!["diff", bad, "container"],
        vec!["decompile", bad],
    ] {
        let o = sysgate(&args);
        let err = common::stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.starts_with(&format!("sysgate: {bad}: not a valid seccomp filter: ")),
            "{args:?}: {err}"
        );
    }
}

/// `syscalls --groups` lists the groups; with a group as well, it is a usage error rather
/// than a group silently ignored.
#[test]
fn syscalls_groups_and_a_group_conflict() {
    let o = sysgate(&["syscalls", "--groups", "@mount"]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(o.stdout.is_empty());
}

/// An argument value that is no number and no constant says what is wrong with it.
#[test]
fn explain_says_why_an_argument_value_is_bad() {
    for (value, want) in [
        ("0x1ffffffffffffffff", "bad number '0x1ffffffffffffffff'"),
        ("08x", "bad number '08x'"),
        ("AF_INET|", "empty value in 'AF_INET|'"),
        ("AF_INTE", "unknown constant 'AF_INTE' on x86_64"),
    ] {
        let o = sysgate(&["explain", "container", "socket", value, "--arch", "x86_64"]);
        assert_eq!(o.status.code(), Some(1), "{value}");
        let err = common::stderr(&o);
        assert!(
            err.starts_with(&format!("sysgate: argument 0: {want}")),
            "{value}: {err}"
        );
    }
}

/// An architecture named twice in `--arch` (also through `native`) is targeted once.
#[test]
fn arch_lists_are_deduplicated() {
    let o = sysgate(&[
        "explain",
        "container",
        "read",
        "--arch",
        "x86_64,i386,x86_64",
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(
        common::stdout(&o).lines().count(),
        2,
        "{}",
        common::stdout(&o)
    );
    let o = sysgate(&[
        "compile",
        "container",
        "--arch",
        "native,x86_64",
        "-o",
        "/dev/null",
    ]);
    let err = common::stderr(&o);
    assert!(o.status.success(), "{err}");
    if sysgate::arch::Arch::host() == sysgate::arch::Arch::X86_64 {
        assert!(err.contains("x86_64, i386, x32, format"), "{err}");
    }
}
