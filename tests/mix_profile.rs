//! `--mix`: the call-frequency profile the search tree is laid out for. A profile recorded
//! for a program puts that program's hot syscalls on shorter paths than no profile; the
//! filter decides exactly the same with any profile; bad profiles are located errors that
//! write nothing.
#![cfg(target_arch = "x86_64")]

#[allow(unused_imports)]
mod common;

use common::{stderr, sysgate, tmpdir, write};
use std::path::Path;
use sysgate::arch::Arch;
use sysgate::bpf::emulator::{run, SeccompData};
use sysgate::bpf::Insn;

/// `sysgate compile POLICY --arch native -o OUT EXTRA…`, the program read back.
fn compile(dir: &Path, policy: &str, extra: &[&str]) -> Vec<Insn> {
    let out = dir.join("out.bpf");
    let _ = std::fs::remove_file(&out);
    let mut args = vec!["compile", policy, "--arch", "native", "-o"];
    args.push(out.to_str().unwrap());
    args.extend_from_slice(extra);
    let o = sysgate(&args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    sysgate::bpf::from_bytes(&std::fs::read(&out).unwrap()).unwrap()
}

fn data(arch: Arch, nr: u32, args: [u64; 6]) -> SeccompData {
    SeccompData {
        nr,
        arch: arch.audit_arch(),
        instruction_pointer: 0,
        args,
    }
}

fn executed(prog: &[Insn], name: &str) -> usize {
    let nr = Arch::X86_64.syscall_nr(name).unwrap();
    run(prog, &data(Arch::X86_64, nr, [0; 6])).unwrap().executed
}

/// Every number of every native ABI (and numbers around the tables), with argument values
/// that reach both sides of the container policy's conditions: the same return value.
fn assert_same_decisions(a: &[Insn], b: &[Insn], what: &str) {
    let argsets: [[u64; 6]; 5] = [
        [0; 6],
        [u64::MAX; 6],
        [0x1000_0000, 0x2000_0000, 0x4000_0000, 0, 0, 0], // clone with CLONE_NEWUSER, …
        [38, 1, 0, 0, 0, 0],                              // socket(AF_ALG, …)
        [0x0008, 0x20000, 8, 0xffff_ffff, 0, 0],
    ];
    let mut checked = 0;
    for arch in Arch::native() {
        let top = arch.syscalls().iter().map(|(_, n)| *n).max().unwrap();
        let base = if arch == Arch::X32 { 0x4000_0000 } else { 0 };
        let nrs = (base..=top + 20).chain([base + 0x3fff_fff0, 0x4000_0000, u32::MAX]);
        for nr in nrs {
            for args in argsets {
                let d = data(arch, nr, args);
                let (x, y) = (run(a, &d).unwrap().ret, run(b, &d).unwrap().ret);
                assert_eq!(x, y, "{what}: {arch} nr {nr:#x} args {args:x?}");
                checked += 1;
            }
        }
    }
    assert!(checked > 3000, "{checked}");
}

/// The profile of a program that mostly calls `getrusage` and `sched_yield`, as
/// `sysgate record` writes it (counts per architecture, a group).
const RECORDED: &str = "\
# sysgate record -o prof.policy -- ./busy
# 120106 calls of 9 syscalls. After each rule: its count (per architecture).
default errno EPERM
unknown errno ENOSYS
arch x86_64 i386

allow getrusage                  # 80000 (x86_64 80000)
allow sched_yield                # 40000 (x86_64 39990, i386 10)
allow read                       # 50 (x86_64 50)
allow write                      # 40 (x86_64 40)
allow @timer                     # 9: timer_create 5 (x86_64 5), timer_delete 4 (x86_64 4)
allow exit_group                 # 1 (x86_64 1)
";

#[test]
fn a_recorded_profile_shortens_the_programs_hot_paths_and_decides_the_same() {
    let dir = tmpdir("better");
    let prof = write(&dir, "prof.policy", RECORDED);
    let none = compile(&dir, "container", &["--mix", "none"]);
    let builtin = compile(&dir, "container", &[]);
    let recorded = compile(&dir, "container", &["--mix", &prof]);

    // The recorded program's two hot syscalls run fewer instructions than in the
    // balanced tree; `getrusage`, absent from the built-in profile, fewer than there too.
    for name in ["getrusage", "sched_yield"] {
        let (n, r) = (executed(&none, name), executed(&recorded, name));
        assert!(r < n, "{name}: {r} with the profile, {n} with none");
    }
    assert!(executed(&recorded, "getrusage") < executed(&builtin, "getrusage"));
    // Over the recorded mix as a whole, the profile beats both.
    let mean = |prog: &[Insn]| {
        (80000 * executed(prog, "getrusage") + 40000 * executed(prog, "sched_yield")) as f64
            / 120000.0
    };
    let (r, n, b) = (mean(&recorded), mean(&none), mean(&builtin));
    assert!(
        r < n && r < b,
        "mean {r} with the profile, {n} with none, {b} built-in"
    );
    // The built-in profile favours what common programs call most.
    assert!(executed(&builtin, "futex") < executed(&none, "futex"));

    // The same counts as a `NAME COUNT` table give the same x86_64 layout.
    let table = write(
        &dir,
        "prof.tsv",
        "# name count\ngetrusage\t80000\nsched_yield 40000\n",
    );
    let from_table = compile(&dir, "container", &["--mix", &table]);
    assert_eq!(
        executed(&from_table, "getrusage"),
        executed(&recorded, "getrusage")
    );

    // Semantics never depend on the profile.
    assert_same_decisions(&none, &recorded, "none vs recorded");
    assert_same_decisions(&none, &builtin, "none vs built-in");
    assert_same_decisions(&none, &from_table, "none vs table");

    // The library's `Policy::compile` is the CLI's default.
    let p = sysgate::policy::Policy::load(
        "container",
        &sysgate::policy::Options {
            arches: Some(Arch::native()),
        },
    )
    .unwrap();
    assert_eq!(p.compile().unwrap().insns, builtin);
}

/// The real use: record a program, then compile its allow-list laid out for its own calls.
#[test]
fn a_real_recording_is_a_profile() {
    let dir = tmpdir("record");
    let prof = dir.join("ls.policy");
    let prof_s = prof.to_str().unwrap();
    let o = sysgate(&["record", "-o", prof_s, "--", "ls", "-lR", "/usr/share/doc"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&prof).unwrap();

    // The library reads the counts back, each on its architecture.
    let (rec, notes) = sysgate::sandbox::recording::Recording::from_policy(&text);
    assert!(notes.is_empty(), "{notes:?}");
    let arches: Vec<Arch> = rec.target_arches();
    let profile = sysgate::compile::Weights::read_profile(&text, &arches).unwrap();
    assert!(profile.warnings.is_empty(), "{:?}", profile.warnings);
    let mut counts: Vec<(Arch, &str, u64)> = Vec::new();
    for (name, call) in &rec.calls {
        for (a, n) in &call.counts {
            let nr = a.syscall_nr(name).unwrap();
            assert_eq!(profile.weights.calls[&(*a, nr)], *n as f64, "{a} {name}");
            counts.push((*a, name, *n));
        }
    }
    assert!(counts.len() > 10, "{text}");

    // Compiled with its own profile, the recorded program's calls run fewer instructions
    // on average than with no profile.
    let mean = |mix: &str| {
        let out = dir.join("out.bpf");
        let o = sysgate(&["compile", prof_s, "--mix", mix, "-o", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
        let prog = sysgate::bpf::from_bytes(&std::fs::read(&out).unwrap()).unwrap();
        let (mut sum, mut total) = (0u64, 0u64);
        for (a, name, n) in &counts {
            let d = data(*a, a.syscall_nr(name).unwrap(), [0; 6]);
            sum += run(&prog, &d).unwrap().executed as u64 * n;
            total += n;
        }
        (prog, sum as f64 / total as f64)
    };
    let (own, with_own) = mean(prof_s);
    let (none, with_none) = mean("none");
    assert!(
        with_own < with_none,
        "{with_own} with its profile, {with_none} without\n{text}"
    );
    assert_same_decisions(&own, &none, "recorded allow-list");
}

#[test]
fn bad_profiles_are_located_errors_and_write_nothing() {
    let dir = tmpdir("errors");
    let out = dir.join("out.bpf");
    let out_s = out.to_str().unwrap();

    let o = sysgate(&[
        "compile",
        "container",
        "--mix",
        "/nonexistent/p.tsv",
        "-o",
        out_s,
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        stderr(&o),
        "sysgate: cannot read profile '/nonexistent/p.tsv': No such file or directory (os error 2)\n"
    );
    assert!(!out.exists());

    // A compiled filter given as a profile by mistake: a located mistake, not a read error.
    let not_text = dir.join("filter.bpf");
    std::fs::write(&not_text, b"read 10\nwrite 3\n\x15\x00\xff\xfe 1\n").unwrap();
    let not_text = not_text.to_str().unwrap();
    let o = sysgate(&["compile", "container", "--mix", not_text, "-o", out_s]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(&format!("sysgate: {not_text}:3: not UTF-8 text")),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());

    let bad = write(&dir, "bad.tsv", "# name count\nread 10\nwrite lots\n");
    let o = sysgate(&["compile", "container", "--mix", &bad, "-o", out_s]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!("sysgate: {bad}:3: 'lots' is not a count (a number of calls, 0 or more)\n")
    );
    assert!(!out.exists());

    for (text, line, message) in [
        (
            "futex 100\nfutex arg1=1 5 6\n",
            2,
            "expected `NAME COUNT`, found '6' after the count '5'",
        ),
        (
            "futex 100\nfutex arg1=1 arg1=2 5\n",
            2,
            "'arg1=2': argument 1 twice on one line (one line is one set of calls)",
        ),
    ] {
        let f = write(&dir, "values.tsv", text);
        let o = sysgate(&["compile", "container", "--mix", &f, "-o", out_s]);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(stderr(&o), format!("sysgate: {f}:{line}: {message}\n"));
        assert!(!out.exists());
    }

    let short = write(&dir, "short.tsv", "read\n");
    let o = sysgate(&["compile", "container", "--mix", &short, "-o", out_s]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!("sysgate: {short}:1: expected `NAME COUNT`, found 'read'\n")
    );

    let bad_rec = write(
        &dir,
        "bad.policy",
        "default errno EPERM\narch x86_64\nallow read   # 12x\n",
    );
    let o = sysgate(&["compile", "container", "--mix", &bad_rec, "-o", out_s]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "sysgate: {bad_rec}:3: '12x' is not a count (expected `# COUNT` or \
             `# COUNT (ARCH COUNT, …)` after the rule)\n"
        )
    );
    assert!(!out.exists());

    // Unknown names are warned about, by name, and the rest is used.
    let typo = write(&dir, "typo.tsv", "read 10\nopne 5\nfrob 1\n");
    let o = sysgate(&[
        "compile",
        "container",
        "--arch",
        "native",
        "--mix",
        &typo,
        "-o",
        out_s,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(&format!(
            "sysgate: warning: {typo}: syscall names not on any target architecture, \
             ignored: 'opne', 'frob'\n"
        )),
        "{}",
        stderr(&o)
    );
    assert!(out.exists());

    // `run` refuses before starting the program.
    let marker = dir.join("ran");
    let o = sysgate(&[
        "run",
        "--mix",
        &bad,
        "--",
        "touch",
        marker.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(125), "{}", stderr(&o));
    assert!(!marker.exists());

    // Export: only the targets that carry BPF take a profile.
    let o = sysgate(&["export", "container", "--to", "oci", "--mix", "none"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "sysgate: --mix goes with --to crun or --to bwrap (the targets that carry BPF)\n"
    );
    // So does --for-action-cache, here and on raw BPF, which is laid out already.
    let o = sysgate(&["export", "container", "--to", "k8s", "--for-action-cache"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "sysgate: --for-action-cache goes with --to crun or --to bwrap (the targets that carry BPF)\n"
    );
    let bpf = dir.join("c.bpf");
    assert!(
        sysgate(&["compile", "container", "-o", bpf.to_str().unwrap()])
            .status
            .success()
    );
    let o = sysgate(&[
        "explain",
        bpf.to_str().unwrap(),
        "read",
        "--for-action-cache",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--for-action-cache goes with a policy"),
        "{}",
        stderr(&o)
    );
    let o = sysgate(&["export", "container", "--to", "crun", "--mix", &bad]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
}

#[test]
fn every_command_that_compiles_takes_mix() {
    let dir = tmpdir("cmds");
    let prof = write(&dir, "prof.policy", RECORDED);
    // explain counts the instructions of the layout it is given.
    let explain = |mix: &str| {
        let o = sysgate(&[
            "explain",
            "container",
            "getrusage",
            "--arch",
            "x86_64",
            "--json",
            "--mix",
            mix,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v[0]["executed"].as_u64().unwrap()
    };
    assert!(explain(&prof) < explain("none"));

    let o = sysgate(&["check", "container", "--mix", &prof]);
    assert!(o.status.success(), "{}", stderr(&o));

    for to in ["crun", "bwrap"] {
        let o = sysgate(&["export", "container", "--to", to, "--mix", &prof]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o2 = sysgate(&["export", "container", "--to", to, "--mix", "none"]);
        assert!(o2.status.success(), "{}", stderr(&o2));
        assert_ne!(o.stdout, o2.stdout, "{to}: the profile changes the BPF");
    }

    let o = sysgate(&["run", "--mix", &prof, "--", "true"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sysgate(&["run", "--mix", "none", "--report", "--", "true"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A program recorded on i386 only: its profile lays out the i386 tree, so its hot calls
/// there run fewer instructions than with no profile (the other architectures get the
/// counts by name, far lighter, and do not take over the layout).
#[test]
fn a_profile_recorded_on_i386_shortens_the_i386_paths() {
    let dir = tmpdir("i386");
    let prof = write(
        &dir,
        "i386.policy",
        "arch i386\nallow read # 100000\nallow write # 50000\nallow getpid # 10000\n\
         allow brk # 10000\n",
    );
    let none = compile(&dir, "container", &["--mix", "none"]);
    let recorded = compile(&dir, "container", &["--mix", &prof]);
    let i386 = |prog: &[Insn], name: &str| {
        let nr = Arch::I386.syscall_nr(name).unwrap();
        run(prog, &data(Arch::I386, nr, [0; 6])).unwrap().executed
    };
    let mut mean = [0.0; 2];
    for (name, n) in [
        ("read", 100000.0),
        ("write", 50000.0),
        ("getpid", 10000.0),
        ("brk", 10000.0),
    ] {
        let (r, x) = (i386(&recorded, name), i386(&none, name));
        assert!(r < x, "{name}: {r} with the profile, {x} with none");
        mean[0] += r as f64 * n;
        mean[1] += x as f64 * n;
    }
    assert!(mean[0] < mean[1], "{mean:?}");
    assert_same_decisions(&none, &recorded, "none vs i386 profile");
}

/// A hand-written policy is a profile too: its `allow NAME # COUNT` lines.
#[test]
fn a_hand_written_policy_is_a_profile() {
    let dir = tmpdir("handwritten");
    let prof = write(
        &dir,
        "hand.policy",
        "deny ptrace\nerrno EPERM mount\narch x86_64\nallow getrusage  # 80000\n\
         allow sched_yield  # 40000\n",
    );
    let o = sysgate(&["check", "container", "--mix", &prof]);
    assert!(o.status.success(), "{}", stderr(&o));
    let none = compile(&dir, "container", &["--mix", "none"]);
    let hand = compile(&dir, "container", &["--mix", &prof]);
    for name in ["getrusage", "sched_yield"] {
        assert!(executed(&hand, name) < executed(&none, name), "{name}");
    }
}

/// `check --json` reports a profile it cannot use in its JSON, with the exit status
/// `check` gives it without `--json`.
#[test]
fn check_json_reports_a_bad_profile() {
    let dir = tmpdir("checkjson");
    let bad = write(&dir, "bad.tsv", "read 10\nwrite lots\n");
    let missing = dir.join("missing.tsv").display().to_string();
    for (mix, code, message) in [
        (
            bad.clone(),
            1,
            format!("{bad}:2: 'lots' is not a count (a number of calls, 0 or more)"),
        ),
        (
            missing.clone(),
            3,
            format!("cannot read profile '{missing}': No such file or directory (os error 2)"),
        ),
    ] {
        let o = sysgate(&["check", "container", "--json", "--mix", &mix]);
        assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
        assert_eq!(v["ok"], false);
        assert_eq!(v["profile_error"], message.as_str());
        assert!(v["instructions"].is_null());
        let text = sysgate(&["check", "container", "--mix", &mix]);
        assert_eq!(text.status.code(), Some(code));
        assert_eq!(stderr(&text), format!("sysgate: {message}\n"));
    }
    let typo = write(&dir, "typo.tsv", "read 10\nopne 5\n");
    let o = sysgate(&[
        "check",
        "container",
        "--json",
        "--arch",
        "x86_64",
        "--mix",
        &typo,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true);
    assert!(v["profile_error"].is_null());
    assert_eq!(
        v["profile_warnings"][0],
        format!("{typo}: a syscall name not on the target architecture (x86_64), ignored: 'opne'")
    );
}

/// `NAME argN=VALUE COUNT` lines from the command line: the hot value runs fewer
/// instructions than with the call counts alone, every value is decided the same, and a
/// malformed value line is a located error that writes nothing.
#[test]
fn value_lines_shorten_the_hot_values_path() {
    let dir = tmpdir("values");
    let policy = write(
        &dir,
        "futex.policy",
        "default errno EPERM\narch x86_64\nallow read write exit_group\n\
         allow futex if futex_op in {0, 1, 4, 5, 128, 129, 132, 133, 137, 393}\n\
         allow ioctl if request in {0x5401, 0x5413, 0x5421, 0xae01, 0xae03, 0xae41, 0xae80, \
         0x4040ae46, 0x8090ae81, 0x4090ae82, 0xc008ae88}\n",
    );
    let calls = "futex 1000\nioctl 500\nread 300\n";
    let counts = write(&dir, "counts.tsv", calls);
    let values = write(
        &dir,
        "values.tsv",
        &format!("{calls}futex arg1=0x81 700\nfutex\targ1=137\t200\nioctl arg1=0x5401 450\n"),
    );
    let plain = compile(&dir, &policy, &["--mix", &counts]);
    let hot = compile(&dir, &policy, &["--mix", &values]);
    let run_on = |prog: &[Insn], name: &str, v: u64| {
        let nr = Arch::X86_64.syscall_nr(name).unwrap();
        run(prog, &data(Arch::X86_64, nr, [0, v, 0, 0, 0, 0]))
            .unwrap()
            .executed
    };
    for (name, v) in [("futex", 0x81), ("ioctl", 0x5401)] {
        let (h, p) = (run_on(&hot, name, v), run_on(&plain, name, v));
        assert!(h < p, "{name} {v:#x}: {h} with the values, {p} without");
    }
    for name in ["futex", "ioctl"] {
        let nr = Arch::X86_64.syscall_nr(name).unwrap();
        for v in (0..0x200).chain([0x5401, 0x5413, 0x5421, 0xae41, 0xc008ae88, u64::MAX]) {
            let d = data(Arch::X86_64, nr, [0, v, 0, 0, 0, 0]);
            assert_eq!(
                run(&hot, &d).unwrap().ret,
                run(&plain, &d).unwrap().ret,
                "{name} {v:#x}"
            );
        }
    }

    let out = dir.join("out.bpf");
    let _ = std::fs::remove_file(&out);
    let bad = write(&dir, "bad.tsv", "futex 10\nfutex arg7=0x81 5\n");
    let o = sysgate(&[
        "compile",
        &policy,
        "--mix",
        &bad,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!("sysgate: {bad}:2: 'arg7=0x81': no argument 7 (a syscall has arguments 0 to 5)\n")
    );
    assert!(!out.exists());
}

/// `--for-action-cache`: an argument-checked call (which the kernel's action cache cannot
/// serve) gets a shorter path than with the plain layout, and an unconditionally allowed
/// hot call (which the cache serves, so it never runs the filter there) a longer one; the
/// filter decides exactly the same, and every command that compiles takes the flag.
#[test]
fn for_action_cache_shortens_the_calls_that_run_the_filter() {
    let dir = tmpdir("cache");
    let policy = write(
        &dir,
        "vmm.policy",
        "default deny\nallow read write close newfstatat openat mmap\n\
         allow futex if futex_op in {0x80, 0x81}\n",
    );
    let plain = compile(&dir, &policy, &[]);
    let cached = compile(&dir, &policy, &["--for-action-cache"]);
    let futex = |prog: &[Insn]| {
        let nr = Arch::X86_64.syscall_nr("futex").unwrap();
        run(prog, &data(Arch::X86_64, nr, [0, 0x81, 0, 0, 0, 0]))
            .unwrap()
            .executed
    };
    assert!(
        futex(&cached) < futex(&plain),
        "futex: {} with --for-action-cache, {} without",
        futex(&cached),
        futex(&plain)
    );
    assert!(executed(&cached, "newfstatat") > executed(&plain, "newfstatat"));
    assert_same_decisions(&plain, &cached, "--for-action-cache");
    for args in [
        vec![
            "explain",
            &policy,
            "futex",
            "0",
            "0x81",
            "--for-action-cache",
        ],
        vec!["check", &policy, "--for-action-cache"],
        vec!["export", &policy, "--to", "crun", "--for-action-cache"],
        vec!["run", "--for-action-cache", "--", "true"],
    ] {
        let o = sysgate(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    }
}

/// `sysgate record --profile`: a program's own argument values, as value lines `--mix`
/// reads. Python calls `fcntl(fd, F_GETFD)` a known number of times; the profile counts at
/// least those calls, reads back without a warning, and laid out with it that call runs
/// fewer instructions than with `--mix none`, every value decided the same.
#[test]
fn a_recorded_profile_has_the_programs_argument_values() {
    if !common::require_or_skip("python3", common::real_python().is_some()) {
        return;
    }
    let py = common::real_python().unwrap();
    let dir = tmpdir("record-values");
    let prof = dir.join("py.tsv");
    let pol = dir.join("py.policy");
    const N: u64 = 300;
    let script = format!(
        "import os, fcntl\nfd = os.open('/dev/null', os.O_RDONLY)\n\
         for _ in range({N}): fcntl.fcntl(fd, fcntl.F_GETFD)\n"
    );
    let o = sysgate(&[
        "record",
        "-o",
        pol.to_str().unwrap(),
        "--profile",
        prof.to_str().unwrap(),
        "--",
        &py,
        "-c",
        &script,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&prof).unwrap();
    assert!(text.starts_with("# made by: sysgate record -o "), "{text}");
    let count = |line: &str| -> u64 {
        let want: Vec<&str> = line.split(' ').collect();
        text.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .find(|w| w.len() == want.len() + 1 && w[..want.len()] == want[..])
            .unwrap_or_else(|| panic!("no '{line}' line:\n{text}"))[want.len()]
        .parse()
        .unwrap()
    };
    let getfd = count("fcntl arg1=0x1");
    assert!(getfd >= N, "{getfd} F_GETFD calls:\n{text}");
    assert!(count("fcntl") >= getfd, "{text}");

    // The library reads it without a word, the values on x86_64's argument 1.
    let arches = [Arch::X86_64];
    let profile = sysgate::compile::Weights::read_profile(&text, &arches).unwrap();
    assert!(profile.warnings.is_empty(), "{:?}", profile.warnings);
    let nr = Arch::X86_64.syscall_nr("fcntl").unwrap();
    let shares = profile.weights.arg_values(Arch::X86_64, nr);
    assert!(
        shares.iter().any(|&(i, v, s)| i == 1 && v == 1 && s > 0.5),
        "{shares:?}"
    );

    // A policy checking fcntl's command: with the recorded profile, F_GETFD runs fewer
    // instructions than without a profile, and every command is decided the same.
    let policy = write(
        &dir,
        "fcntl.policy",
        "default errno EPERM\narch x86_64\nallow read write close exit_group openat\n\
         allow fcntl if cmd in {F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC, \
         F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK}\n",
    );
    let own = compile(&dir, &policy, &["--mix", prof.to_str().unwrap()]);
    let none = compile(&dir, &policy, &["--mix", "none"]);
    let run_on =
        |prog: &[Insn], v: u64| run(prog, &data(Arch::X86_64, nr, [3, v, 0, 0, 0, 0])).unwrap();
    let (o, n) = (run_on(&own, 1).executed, run_on(&none, 1).executed);
    assert!(o < n, "F_GETFD: {o} with the profile, {n} without\n{text}");
    for v in (0..0x500).chain([0x1_0000_0001, u64::MAX]) {
        assert_eq!(
            run_on(&own, v).ret,
            run_on(&none, v).ret,
            "fcntl cmd {v:#x}"
        );
    }
}

/// An unwritable `--profile`: exit 3 with a message naming it, and neither it nor the
/// policy of `-o` is written (nothing on standard output without `-o`).
#[test]
fn an_unwritable_profile_writes_nothing() {
    let dir = tmpdir("record-unwritable");
    let pol = dir.join("out.policy");
    let bad = dir.join("no-such-dir").join("p.tsv");
    let o = sysgate(&[
        "record",
        "-o",
        pol.to_str().unwrap(),
        "--profile",
        bad.to_str().unwrap(),
        "--",
        "true",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("cannot write '{}'", bad.display())),
        "{}",
        stderr(&o)
    );
    assert!(!pol.exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "left behind");

    let o = sysgate(&["record", "--profile", bad.to_str().unwrap(), "--", "true"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    // The same paths written: both files, the policy unchanged by --profile.
    let good = dir.join("p.tsv");
    let o = sysgate(&[
        "record",
        "-o",
        pol.to_str().unwrap(),
        "--profile",
        good.to_str().unwrap(),
        "--",
        "true",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let policy = std::fs::read_to_string(&pol).unwrap();
    assert!(
        policy.starts_with("# recorded by: sysgate record -- true\n"),
        "{policy}"
    );
    let profile = std::fs::read_to_string(&good).unwrap();
    assert!(profile.contains("\nexecve\t1\n"), "{profile}");
}
