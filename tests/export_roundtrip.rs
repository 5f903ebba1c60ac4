//! `sysgate export --to oci` checked against two independent readers of the profile:
//!
//! - **libseccomp** (Debian `python3-seccomp`): `tests/support/libseccomp_oci.py` loads the
//!   exported profile the way runc does and exports libseccomp's BPF; sysgate's emulator runs
//!   it on every syscall number of every target table, with argument values around every
//!   constant of the policy (high word 0), and it must give the decision of sysgate's own
//!   compiled program (which itself equals the resolved policy).
//! - **sysgate's importer** (`formats::oci::import`, libseccomp/runc semantics): importing the
//!   export gives the source policy's decisions again on the same inputs.
//!
//! The policies: the built-in `container` and policies whose rules use every operator,
//! `in`, `not in`, `!`, `||`, masks, and overlapping rules with different actions where
//! order matters (first match must survive libseccomp's "most restrictive action wins").
//!
//! Excluded, by design and documented in `src/formats/export.rs`: numbers outside sysgate's
//! table (`unknown`), and syscall names that this libseccomp does not know (runc skips them;
//! they get the default action) — the test prints those names.

#[allow(unused_imports)]
mod common;

use common::libseccomp_available;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use sysgate::arch::Arch;
use sysgate::bpf::emulator::{run, SeccompData};
use sysgate::bpf::{from_bytes, Insn};
use sysgate::formats::{export, oci};
use sysgate::ir::{self, Test};
use sysgate::policy::ast::Action;
use sysgate::policy::{Options, Policy};

const PYTHON: &str = "/usr/bin/python3";

const OPERATORS: &str = "
arch x86_64 i386 x32
default allow
unknown allow
# order matters: 5 is EACCES although 3 < 5 <= 10 is allowed and < 20 denied
errno EACCES personality if arg0 == 5
allow personality if arg0 > 3 && arg0 <= 10
deny personality if arg0 < 20
kill-thread personality if arg0 >= 0x100 && arg0 != 0x200
# masks, an overlapping allow before a deny
errno ENOSYS clone if (arg0 & 0xff) == 0x11
allow clone if arg0 & CLONE_NEWUSER
deny clone if arg0 & (CLONE_NEWNS | CLONE_NEWNET)
# in, not in, !, || across arguments
deny socket if arg0 in {AF_ALG, AF_VSOCK} || arg1 == 3
errno EAFNOSUPPORT socket if !(arg0 not in {1, 2, 10}) && arg2 != 0
trap socket if arg0 == 16
allow mmap if arg2 & PROT_EXEC && arg3 & MAP_SHARED
deny mmap if arg2 & PROT_EXEC
log setns
errno 5 fcntl if arg1 >= 1000 || (arg1 == 4 && arg2 > 0)
";

const ALLOWLIST: &str = "
arch x86_64 i386 x32
default errno EPERM
unknown errno EPERM
allow read write close exit exit_group rt_sigreturn
allow openat if (arg2 & 3) == 0
allow ioctl if arg1 in {0x5401, 0x5413}
errno ENOTTY ioctl
allow mprotect if !(arg2 & 4)
kill prctl if arg0 == 22
allow prctl if arg0 > 10 && arg0 < 40
allow kill if arg0 != 1 && arg1 not in {9, 19}
";

fn policy(name: &str, text: &str) -> Policy {
    if text.is_empty() {
        return Policy::load(name, &Options::default()).unwrap();
    }
    let dir = std::env::temp_dir().join(format!("sysgate-export-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.policy"));
    std::fs::write(&path, text).unwrap();
    Policy::load(path.to_str().unwrap(), &Options::default()).unwrap()
}

fn policies() -> Vec<Policy> {
    vec![
        policy("container", ""),
        policy("operators", OPERATORS),
        policy("allowlist", ALLOWLIST),
    ]
}

/// Argument values around every constant of the decision (high word 0), per argument.
fn probes(d: &ir::Decision) -> [Vec<u64>; 6] {
    let mut atoms = Vec::new();
    for r in &d.rules {
        r.cond.atoms(&mut atoms);
    }
    let mut out: [BTreeSet<u64>; 6] = Default::default();
    for s in out.iter_mut() {
        s.extend([0, 1, 0xffff_ffff]);
    }
    for a in atoms {
        let s = &mut out[usize::from(a.arg)];
        let mut add = |v: u64| {
            for x in [v.wrapping_sub(1), v, v.wrapping_add(1)] {
                if x <= 0xffff_ffff {
                    s.insert(x);
                }
            }
        };
        match a.test {
            Test::Eq(v) | Test::Gt(v) | Test::Ge(v) => add(v),
            Test::AnySet(m) => {
                add(m);
                for i in 0..32 {
                    if m & (1 << i) != 0 {
                        add(1 << i);
                    }
                }
            }
            Test::MaskedEq { mask, value } => {
                add(mask);
                add(value);
                add(value | !mask & 0xf0);
                add(value ^ (mask & mask.wrapping_neg()));
            }
        }
    }
    out.map(|s| s.into_iter().collect())
}

/// Every argument vector to try: each used argument over its probes, the others 0;
/// pairs of arguments fully when the product is small.
fn arg_vectors(d: &ir::Decision) -> Vec<[u64; 6]> {
    let p = probes(d);
    let used: Vec<usize> = (0..6).filter(|i| p[*i].len() > 3).collect();
    let mut out = vec![[0u64; 6]];
    for &i in &used {
        for &v in &p[i] {
            let mut a = [0u64; 6];
            a[i] = v;
            out.push(a);
        }
    }
    for (k, &i) in used.iter().enumerate() {
        for &j in &used[k + 1..] {
            if p[i].len() * p[j].len() > 4000 {
                continue;
            }
            for &x in &p[i] {
                for &y in &p[j] {
                    let mut a = [0u64; 6];
                    a[i] = x;
                    a[j] = y;
                    out.push(a);
                }
            }
        }
    }
    out
}

fn emulate(prog: &[Insn], arch: Arch, nr: u32, args: [u64; 6]) -> Action {
    let data = SeccompData {
        nr,
        arch: arch.audit_arch(),
        instruction_pointer: 0,
        args,
    };
    Action::from_ret(run(prog, &data).expect("the program runs").ret)
}

/// Runs the libseccomp loader on the profile: its BPF and the names it skipped.
fn libseccomp(profile: &Value, tag: &str) -> (Vec<Insn>, BTreeSet<String>) {
    let dir = std::env::temp_dir().join(format!("sysgate-export-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join(format!("{tag}.json"));
    let bpf = dir.join(format!("{tag}.bpf"));
    std::fs::write(&json, serde_json::to_string_pretty(profile).unwrap()).unwrap();
    let helper = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/libseccomp_oci.py");
    let mut child = Command::new(PYTHON)
        .arg(helper)
        .arg(&json)
        .arg(&bpf)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python3");
    // libseccomp can loop forever on some rule orders (see src/formats/export.rs).
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("libseccomp did not finish loading the exported profile ({tag}) in 120 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "libseccomp refused the exported profile ({tag}):\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    let skipped = out["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let prog = from_bytes(&std::fs::read(&bpf).unwrap()).unwrap();
    (prog, skipped)
}

#[test]
fn libseccomp_compiles_the_export_to_the_same_decisions() {
    if !libseccomp_available() {
        return;
    }
    for p in policies() {
        let ours = p.compile().unwrap();
        let (profile, _) = export::oci_profile(&p.resolved).unwrap();
        let tag = export::k8s_name(&p.name);
        let (theirs, skipped) = libseccomp(&profile, &tag);
        if !skipped.is_empty() {
            println!(
                "{}: names this libseccomp does not know (runc skips them): {skipped:?}",
                p.name
            );
        }
        let mut checked = 0usize;
        let mut bad = Vec::new();
        for s in &p.resolved.sections {
            for &(name, nr) in s.arch.syscalls() {
                let lname = if name == "fstatat" {
                    "newfstatat"
                } else {
                    name
                };
                if skipped.contains(lname) {
                    continue;
                }
                let d = &s.syscalls[&nr];
                for args in arg_vectors(d) {
                    let want = emulate(&ours.insns, s.arch, nr, args);
                    assert_eq!(want, d.decide(&args).action, "sysgate's own program");
                    let got = emulate(&theirs, s.arch, nr, args);
                    checked += 1;
                    if got != want && bad.len() < 20 {
                        bad.push(format!(
                            "{} {name}({args:x?}): sysgate {want}, libseccomp {got}",
                            s.arch
                        ));
                    }
                }
            }
        }
        assert!(
            bad.is_empty(),
            "{}: libseccomp's program for the exported profile differs:\n{}",
            p.name,
            bad.join("\n")
        );
        println!("{}: {checked} inputs agree", p.name);
    }
}

#[test]
fn import_of_the_export_gives_the_same_decisions() {
    for p in policies() {
        let (profile, _) = export::oci_profile(&p.resolved).unwrap();
        let text = serde_json::to_string_pretty(&profile).unwrap();
        let opts = oci::Options {
            caps: oci::Caps::All,
            arches: Some(p.resolved.arches()),
            kernel: None,
        };
        let back = oci::import("exported.json", &text, &opts).unwrap().policy;
        for s in &p.resolved.sections {
            let b = back.section(s.arch).unwrap();
            for (&nr, d) in &s.syscalls {
                for args in arg_vectors(d) {
                    let want = d.decide(&args).action;
                    let got = b.decide(nr, &args).action;
                    assert_eq!(
                        got,
                        want,
                        "{} {} {:?}({args:x?}): import of the export differs",
                        p.name,
                        s.arch,
                        s.arch.syscall_name(nr)
                    );
                }
            }
        }
    }
}

#[test]
fn cli_writes_atomically_and_nothing_on_error() {
    let dir = std::env::temp_dir().join(format!("sysgate-export-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("c.json");
    let o = Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .args(["export", "container", "--to", "oci", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["defaultAction"], "SCMP_ACT_ALLOW");
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown errno ENOSYS"));

    // A policy deciding `mmap` differently per ABI cannot become one profile.
    let pol = dir.join("differs.policy");
    std::fs::write(
        &pol,
        "arch x86_64 i386\ndefault allow\ndeny mmap if arg1 & 0x100000000\n",
    )
    .unwrap();
    let bad = dir.join("bad.json");
    let o = Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .args(["export", pol.to_str().unwrap(), "--to", "oci", "-o"])
        .arg(&bad)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("mmap") && err.contains("--arch"), "{err}");
    assert!(!bad.exists());
    // One architecture at a time works.
    let o = Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .args([
            "export",
            pol.to_str().unwrap(),
            "--to",
            "oci",
            "--arch",
            "x86_64",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // i386's setuid compares a 16-bit uid, x86_64's 32 bits: the message says so.
    let pol = dir.join("setuid.policy");
    std::fs::write(
        &pol,
        "arch x86_64 i386\ndefault allow\ndeny setuid if uid == 0\n",
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .args(["export", pol.to_str().unwrap(), "--to", "oci"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("its `uid` is 32 bits wide on x86_64 and 16 on i386"),
        "{err}"
    );

    // crun/bwrap: the compiled program itself.
    let raw = Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .args(["export", "container", "--to", "bwrap"])
        .output()
        .unwrap()
        .stdout;
    let compiled = Policy::load("container", &Options::default())
        .unwrap()
        .compile()
        .unwrap();
    assert_eq!(raw, sysgate::bpf::to_bytes(&compiled.insns));
    let b64 = Command::new(env!("CARGO_BIN_EXE_sysgate"))
        .args(["export", "container", "--to", "crun"])
        .output()
        .unwrap()
        .stdout;
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(String::from_utf8(b64).unwrap().trim())
        .unwrap();
    assert_eq!(decoded, raw);
    let _ = std::fs::remove_dir_all(&dir);
}
