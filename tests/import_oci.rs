//! The Docker/OCI importer: round trip through policy text, errors, warnings, and the
//! meaning of every action and operator.

use sysgate::arch::Arch;
use sysgate::formats::{oci, text};
use sysgate::ir::{Atom, Decision, Policy};
use sysgate::policy::ast::Action;

const DOCKER: &str = "../shared/fixtures/docker-default.json";

fn x86() -> Vec<Arch> {
    vec![Arch::X86_64, Arch::I386, Arch::X32]
}

fn import(json: &str, caps: oci::Caps, arches: Vec<Arch>) -> oci::Imported {
    let opts = oci::Options {
        caps,
        arches: Some(arches),
        kernel: Some((6, 1)),
    };
    oci::import("test.json", json, &opts).expect("imports")
}

/// Argument vectors around every constant the decisions test.
fn arg_vectors(ds: &[&Decision]) -> Vec<[u64; 6]> {
    let mut atoms: Vec<Atom> = Vec::new();
    for d in ds {
        for r in &d.rules {
            r.cond.atoms(&mut atoms);
        }
    }
    let mut out = vec![[0u64; 6]];
    for a in atoms {
        let k = match a.test {
            sysgate::ir::Test::Eq(v) | sysgate::ir::Test::Gt(v) | sysgate::ir::Test::Ge(v) => {
                vec![v]
            }
            sysgate::ir::Test::AnySet(m) => vec![m, m & m.wrapping_neg()],
            sysgate::ir::Test::MaskedEq { mask, value } => vec![mask, value, value | !mask],
        };
        for v in k {
            for x in [
                v.wrapping_sub(1),
                v,
                v.wrapping_add(1),
                0,
                u64::from(u32::MAX),
                v | (1 << 32),
                u64::MAX,
            ] {
                let mut args = [0u64; 6];
                args[usize::from(a.arg)] = x;
                out.push(args);
            }
        }
    }
    out
}

/// Compares two policies on every table number of `arches`, a few numbers beyond the
/// tables, and arguments around every constant; returns the differing syscall names.
fn differences(a: &Policy, b: &Policy, arches: &[Arch]) -> Vec<String> {
    let mut diffs = Vec::new();
    for &arch in arches {
        let (sa, sb) = (a.section(arch).unwrap(), b.section(arch).unwrap());
        let mut nrs: Vec<u32> = arch.syscalls().iter().map(|(_, n)| *n).collect();
        let base = if arch == Arch::X32 { 0x4000_0000 } else { 0 };
        nrs.extend([base + 1000, base + 4095]);
        for nr in nrs {
            let ds: Vec<&Decision> = [sa.syscalls.get(&nr), sb.syscalls.get(&nr)]
                .into_iter()
                .flatten()
                .collect();
            for args in arg_vectors(&ds) {
                let x = a.decide(arch.audit_arch(), nr, &args);
                let y = b.decide(arch.audit_arch(), nr, &args);
                if x.action != y.action {
                    diffs.push(format!(
                        "{arch} {} {args:x?}: {} ({}) vs {} ({})",
                        arch.syscall_name(nr).unwrap_or("?"),
                        x.action,
                        x.origin,
                        y.action,
                        y.origin
                    ));
                    break;
                }
            }
        }
    }
    diffs
}

fn round_trip(caps: oci::Caps) {
    let json = std::fs::read_to_string(DOCKER).unwrap();
    let imp = import(&json, caps, x86());
    let t = text::write(&imp.policy, &["round trip".to_string()]);
    let back =
        sysgate::policy::Policy::parse("docker.policy", &t).unwrap_or_else(|e| panic!("{e}\n{t}"));
    let d = differences(&imp.policy, &back.resolved, &x86());
    assert!(d.is_empty(), "{}\n{t}", d.join("\n"));
    // Reading it back says nothing but the socketcall note.
    for w in &back.warnings {
        assert!(w.message.contains("socketcall"), "{w}");
    }
}

#[test]
fn docker_profile_round_trips_through_policy_text() {
    round_trip(oci::Caps::Docker);
}

#[test]
fn docker_profile_with_all_caps_round_trips() {
    round_trip(oci::Caps::All);
}

#[test]
fn docker_profile_on_arm_round_trips() {
    let json = std::fs::read_to_string(DOCKER).unwrap();
    let arches = vec![Arch::Aarch64, Arch::Arm];
    let imp = import(&json, oci::Caps::Docker, arches.clone());
    let t = text::write(&imp.policy, &[]);
    let back =
        sysgate::policy::Policy::parse("docker.policy", &t).unwrap_or_else(|e| panic!("{e}\n{t}"));
    let d = differences(&imp.policy, &back.resolved, &arches);
    assert!(d.is_empty(), "{}\n{t}", d.join("\n"));
}

#[test]
fn docker_profile_imports_with_its_meaning() {
    let json = std::fs::read_to_string(DOCKER).unwrap();
    let p = import(&json, oci::Caps::Docker, x86()).policy;
    let act = |arch: Arch, name: &str, args: [u64; 6]| {
        p.decide(arch.audit_arch(), arch.syscall_nr(name).unwrap(), &args)
            .action
    };
    assert_eq!(act(Arch::X86_64, "read", [0; 6]), Action::Allow);
    assert_eq!(act(Arch::X86_64, "mount", [0; 6]), Action::Errno(1));
    assert_eq!(act(Arch::X86_64, "clone3", [0; 6]), Action::Errno(38));
    // clone without namespace flags only (mask 0x7e020000).
    assert_eq!(
        act(Arch::X86_64, "clone", [0x11, 0, 0, 0, 0, 0]),
        Action::Allow
    );
    assert_eq!(
        act(Arch::X86_64, "clone", [0x1000_0000, 0, 0, 0, 0, 0]),
        Action::Errno(1)
    );
    // socket: everything but AF_VSOCK (40) and 38 (AF_ALG).
    assert_eq!(
        act(Arch::X86_64, "socket", [2, 0, 0, 0, 0, 0]),
        Action::Allow
    );
    assert_eq!(
        act(Arch::X86_64, "socket", [40, 0, 0, 0, 0, 0]),
        Action::Errno(1)
    );
    assert_eq!(
        act(Arch::X86_64, "socket", [38, 0, 0, 0, 0, 0]),
        Action::Errno(1)
    );
    // ptrace needs kernel 4.8 (we said 6.1); arch_prctl is amd64/x32 only.
    assert_eq!(act(Arch::X86_64, "ptrace", [0; 6]), Action::Allow);
    assert_eq!(act(Arch::X86_64, "arch_prctl", [0; 6]), Action::Allow);
    // Out-of-table numbers: the default (libseccomp), not ENOSYS.
    assert_eq!(
        p.decide(Arch::X86_64.audit_arch(), 3000, &[0; 6]).action,
        Action::Errno(1)
    );
    // The origin points at the JSON entry.
    let r = p.decide(
        Arch::X86_64.audit_arch(),
        Arch::X86_64.syscall_nr("personality").unwrap(),
        &[8, 0, 0, 0, 0, 0],
    );
    assert!(
        r.origin.line == 491 && r.origin.text.contains("personality"),
        "{}",
        r.origin
    );
    // An old kernel loses ptrace.
    let old = oci::import(
        "d.json",
        &json,
        &oci::Options {
            caps: oci::Caps::Docker,
            arches: Some(x86()),
            kernel: Some((4, 4)),
        },
    )
    .unwrap()
    .policy;
    let ptrace = Arch::X86_64.syscall_nr("ptrace").unwrap();
    assert_eq!(
        old.decide(Arch::X86_64.audit_arch(), ptrace, &[0; 6])
            .action,
        Action::Errno(1)
    );
}

#[test]
fn malformed_json_is_an_error_with_line_and_column() {
    let e = oci::import(
        "bad.json",
        "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [ { \"names\": [\"read\"] ,, } ]\n}\n",
        &oci::Options::default(),
    )
    .unwrap_err();
    assert_eq!((e.line, e.column), (3, 38), "{e}");
    assert!(
        e.to_string().starts_with("bad.json:3:38: invalid JSON"),
        "{e}"
    );
}

#[test]
fn unknown_fields_are_warnings_naming_them() {
    let json = r#"{
  "defaultAction": "SCMP_ACT_ALLOW",
  "defualtErrnoRet": 1,
  "syscalls": [
    { "names": ["bpf"], "action": "SCMP_ACT_ERRNO", "argz": [] },
    { "names": ["no_such_call"], "action": "SCMP_ACT_ERRNO" }
  ]
}"#;
    let imp = import(json, oci::Caps::Docker, vec![Arch::X86_64]);
    let w = imp.warnings.join("\n");
    assert!(w.contains("'defualtErrnoRet'"), "{w}");
    assert!(w.contains("'argz'") && w.contains("line 5"), "{w}");
    assert!(w.contains("no_such_call"), "{w}");
}

/// An OCI `config.json` with every action and every operator.
#[test]
fn oci_linux_seccomp_every_action_and_operator() {
    let json = r#"{
  "ociVersion": "1.0.2",
  "process": { "args": ["sh"] },
  "linux": {
    "seccomp": {
      "defaultAction": "SCMP_ACT_ERRNO",
      "defaultErrnoRet": 13,
      "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
      "syscalls": [
        { "names": ["kexec_load"], "action": "SCMP_ACT_KILL" },
        { "names": ["reboot"], "action": "SCMP_ACT_KILL_PROCESS" },
        { "names": ["swapon"], "action": "SCMP_ACT_KILL_THREAD" },
        { "names": ["acct"], "action": "SCMP_ACT_TRAP" },
        { "names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5 },
        { "names": ["umount2"], "action": "SCMP_ACT_ERRNO" },
        { "names": ["chroot"], "action": "SCMP_ACT_TRACE", "errnoRet": 7 },
        { "names": ["getpid"], "action": "SCMP_ACT_LOG" },
        { "names": ["pivot_root"], "action": "SCMP_ACT_NOTIFY" },
        { "names": ["read", "write"], "action": "SCMP_ACT_ALLOW" },
        { "names": ["close"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 0, "value": 3, "op": "SCMP_CMP_NE" } ] },
        { "names": ["dup"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 0, "value": 10, "op": "SCMP_CMP_LT" } ] },
        { "names": ["dup2"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 0, "value": 10, "op": "SCMP_CMP_LE" } ] },
        { "names": ["lseek"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 2, "value": 1, "op": "SCMP_CMP_EQ" } ] },
        { "names": ["mmap"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 1, "value": 4096, "op": "SCMP_CMP_GE" } ] },
        { "names": ["munmap"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 1, "value": 4096, "op": "SCMP_CMP_GT" } ] },
        { "names": ["mprotect"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 2, "value": 4, "op": "SCMP_CMP_MASKED_EQ", "valueTwo": 0 } ] },
        { "names": ["madvise"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 2, "value": 6, "op": "SCMP_CMP_MASKED_EQ", "valueTwo": 7 } ] },
        { "names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 0, "value": 1, "op": "SCMP_CMP_GT" }, { "index": 1, "value": 9, "op": "SCMP_CMP_NE" } ] },
        { "names": ["tkill"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 1, "value": 9, "op": "SCMP_CMP_EQ" }, { "index": 1, "value": 15, "op": "SCMP_CMP_EQ" } ] },
        { "names": ["ioctl"], "action": "SCMP_ACT_ALLOW", "args": [ { "index": 1, "value": 21505, "op": "SCMP_CMP_EQ" } ] },
        { "names": ["ioctl"], "action": "SCMP_ACT_KILL_PROCESS", "args": [ { "index": 1, "value": 21505, "op": "SCMP_CMP_GE" } ] },
        { "names": ["fcntl"], "action": "SCMP_ACT_LOG" },
        { "names": ["fcntl"], "action": "SCMP_ACT_ERRNO", "args": [ { "index": 1, "value": 1, "op": "SCMP_CMP_EQ" } ] },
        { "names": ["getuid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13 }
      ]
    }
  }
}"#;
    let imp = import(json, oci::Caps::Docker, vec![Arch::X86_64, Arch::I386]);
    assert!(imp.warnings.is_empty(), "{:?}", imp.warnings);
    let p = &imp.policy;
    let act = |arch: Arch, name: &str, args: [u64; 6]| {
        p.decide(arch.audit_arch(), arch.syscall_nr(name).unwrap(), &args)
            .action
    };
    let a = |a0: u64, a1: u64, a2: u64| [a0, a1, a2, 0, 0, 0];
    let x = Arch::X86_64;
    assert_eq!(act(x, "kexec_load", a(0, 0, 0)), Action::KillThread);
    assert_eq!(act(x, "reboot", a(0, 0, 0)), Action::Kill);
    assert_eq!(act(x, "swapon", a(0, 0, 0)), Action::KillThread);
    assert_eq!(act(x, "acct", a(0, 0, 0)), Action::Trap(0));
    assert_eq!(act(x, "mount", a(0, 0, 0)), Action::Errno(5));
    assert_eq!(act(x, "umount2", a(0, 0, 0)), Action::Errno(1));
    assert_eq!(act(x, "chroot", a(0, 0, 0)), Action::Trace(7));
    assert_eq!(act(x, "getpid", a(0, 0, 0)), Action::Log);
    assert_eq!(act(x, "pivot_root", a(0, 0, 0)), Action::Notify);
    assert_eq!(act(x, "write", a(0, 0, 0)), Action::Allow);
    assert_eq!(act(x, "getppid", a(0, 0, 0)), Action::Errno(13)); // default
                                                                  // NE, LT, LE
    assert_eq!(act(x, "close", a(3, 0, 0)), Action::Errno(13));
    assert_eq!(act(x, "close", a(4, 0, 0)), Action::Allow);
    assert_eq!(act(x, "dup", a(9, 0, 0)), Action::Allow);
    assert_eq!(act(x, "dup", a(10, 0, 0)), Action::Errno(13));
    assert_eq!(act(x, "dup2", a(10, 0, 0)), Action::Allow);
    assert_eq!(act(x, "dup2", a(11, 0, 0)), Action::Errno(13));
    // EQ, GE, GT
    assert_eq!(act(x, "lseek", a(0, 0, 1)), Action::Allow);
    assert_eq!(act(x, "lseek", a(0, 0, 2)), Action::Errno(13));
    assert_eq!(act(x, "mmap", a(0, 4096, 0)), Action::Allow);
    assert_eq!(act(x, "mmap", a(0, 4095, 0)), Action::Errno(13));
    assert_eq!(act(x, "munmap", a(0, 4096, 0)), Action::Errno(13));
    assert_eq!(act(x, "munmap", a(0, 4097, 0)), Action::Allow);
    // 64-bit comparison of a 64-bit parameter on x86_64; only the low word on i386.
    assert_eq!(act(x, "munmap", a(0, 1 << 32, 0)), Action::Allow);
    assert_eq!(
        act(Arch::I386, "munmap", a(0, 1 << 32, 0)),
        Action::Errno(13)
    );
    // MASKED_EQ: (arg & value) == valueTwo, the datum masked as libseccomp does.
    assert_eq!(act(x, "mprotect", a(0, 0, 3)), Action::Allow);
    assert_eq!(act(x, "mprotect", a(0, 0, 4)), Action::Errno(13));
    assert_eq!(act(x, "madvise", a(0, 0, 6)), Action::Allow); // 7 & 6 == 6
    assert_eq!(act(x, "madvise", a(0, 0, 7)), Action::Allow);
    assert_eq!(act(x, "madvise", a(0, 0, 4)), Action::Errno(13));
    // Conditions on different arguments are ANDed.
    assert_eq!(act(x, "kill", a(2, 15, 0)), Action::Allow);
    assert_eq!(act(x, "kill", a(2, 9, 0)), Action::Errno(13));
    assert_eq!(act(x, "kill", a(1, 15, 0)), Action::Errno(13));
    // The same argument twice: runc adds one rule per condition, so they are ORed.
    assert_eq!(act(x, "tkill", a(0, 9, 0)), Action::Allow);
    assert_eq!(act(x, "tkill", a(0, 15, 0)), Action::Allow);
    assert_eq!(act(x, "tkill", a(0, 2, 0)), Action::Errno(13));
    // Overlapping conditional rules: the most restrictive action wins.
    assert_eq!(act(x, "ioctl", a(0, 21505, 0)), Action::Kill);
    assert_eq!(act(x, "ioctl", a(0, 21506, 0)), Action::Kill);
    assert_eq!(act(x, "ioctl", a(0, 1, 0)), Action::Errno(13));
    // An unconditional rule wins over conditional ones (libseccomp drops the chains).
    assert_eq!(act(x, "fcntl", a(0, 1, 0)), Action::Log);
    // A rule with the default action is dropped (libseccomp refuses it; runc skips it).
    assert_eq!(act(x, "getuid", a(0, 0, 0)), Action::Errno(13));
    assert_eq!(p.section(x).unwrap().unknown.action, Action::Errno(13));

    // And it survives a round trip through text.
    let t = text::write(p, &[]);
    let back =
        sysgate::policy::Policy::parse("oci.policy", &t).unwrap_or_else(|e| panic!("{e}\n{t}"));
    let d = differences(p, &back.resolved, &[Arch::X86_64, Arch::I386]);
    assert!(d.is_empty(), "{}\n{t}", d.join("\n"));
}

#[test]
fn kernel_versions_parse() {
    assert_eq!(oci::parse_kernel("6.1.0-18-amd64"), Some((6, 1)));
    assert_eq!(oci::parse_kernel("4.8"), Some((4, 8)));
    assert_eq!(oci::parse_kernel("x"), None);
}

#[test]
fn list_fields_read_as_strings() {
    let e: serde_json::Value =
        serde_json::from_str(r#"{"names": ["read", 1, "write"], "caps": "CAP_KILL"}"#).unwrap();
    assert_eq!(oci::string_list(e.get("names")), ["read", "write"]);
    assert!(oci::string_list(e.get("caps")).is_empty());
    assert!(oci::string_list(e.get("arches")).is_empty());
}

/// A profile's condition on a 16-bit `mode` is imported on the 16 bits the kernel reads, so
/// that the policy text means what the imported policy does (a mode with bit 16 set no
/// longer escapes it), and the importer says so.
#[test]
fn mode_conditions_are_imported_on_16_bits_with_a_warning() {
    let json = r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["fchmod"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 1, "value": 2541, "op": "SCMP_CMP_EQ"}]},
        {"names": ["chmod"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 1, "value": 2048, "valueTwo": 2048, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["getpid"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}
    ]}"#;
    let imp = import(json, oci::Caps::Docker, x86());
    let warning = imp
        .warnings
        .iter()
        .find(|w| w.contains("16-bit mode or"))
        .unwrap_or_else(|| panic!("{:?}", imp.warnings));
    assert!(warning.contains("chmod, fchmod"), "{warning}");
    assert!(!warning.contains("getpid"), "{warning}");
    let p = &imp.policy;
    let fchmod = Arch::X86_64.syscall_nr("fchmod").unwrap();
    let decide = |mode: u64| p.decide(Arch::X86_64.audit_arch(), fchmod, &[3, mode, 0, 0, 0, 0]);
    assert_eq!(decide(0o4755).action, Action::Errno(1));
    assert_eq!(decide(0x1_0000 | 0o4755).action, Action::Errno(1));
    assert_eq!(decide(0o755).action, Action::Allow);
    // The text says the same.
    let t = text::write(p, &["mode".to_string()]);
    let back =
        sysgate::policy::Policy::parse("mode.policy", &t).unwrap_or_else(|e| panic!("{e}\n{t}"));
    let d = differences(p, &back.resolved, &x86());
    assert!(d.is_empty(), "{}\n{t}", d.join("\n"));
}

/// An `errnoRet` beyond 4095 is imported as the errno the program gets (libseccomp keeps 16
/// bits, the kernel caps at `MAX_ERRNO`), with a warning, so the policy text reads back.
#[test]
fn errno_ret_beyond_max_errno_is_what_the_kernel_returns() {
    let json = r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 65537, "syscalls": [
        {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 99999},
        {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4095}
    ]}"#;
    let imp = import(json, oci::Caps::Docker, x86());
    let p = &imp.policy;
    let x = Arch::X86_64;
    let act = |name: &str| {
        p.decide(x.audit_arch(), x.syscall_nr(name).unwrap(), &[0; 6])
            .action
    };
    // 99999 & 0xffff = 34463, above 4095; 65537 & 0xffff = 1.
    assert_eq!(act("mkdir"), Action::Errno(4095));
    assert_eq!(act("rmdir"), Action::Errno(4095));
    assert_eq!(act("getpid"), Action::Errno(1));
    let w = imp.warnings.join("\n");
    assert!(
        w.contains("errnoRet 99999 is returned as errno 4095"),
        "{w}"
    );
    assert!(w.contains("errnoRet 65537 is returned as errno 1"), "{w}");
    assert!(!w.contains("errnoRet 4095"), "{w}");
    let t = text::write(p, &[]);
    let back =
        sysgate::policy::Policy::parse("errno.policy", &t).unwrap_or_else(|e| panic!("{e}\n{t}"));
    let d = differences(p, &back.resolved, &x86());
    assert!(d.is_empty(), "{}\n{t}", d.join("\n"));
}

/// A number field that is not a 64-bit integer is an error at its entry's line, not a
/// silent 0 (which would turn `arg0 == "3"` into `arg0 == 0`).
#[test]
fn a_number_that_is_not_an_integer_is_an_error() {
    for (field, bad) in [
        ("value", r#""3""#),
        ("value", "18446744073709551616"),
        ("valueTwo", "1.5"),
        ("index", r#""1""#),
    ] {
        let json = format!(
            "{{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"syscalls\": [\n  {{\"names\": [\"read\"], \
             \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{{\"index\": 0, \"value\": 3, \
             \"op\": \"SCMP_CMP_MASKED_EQ\", \"{field}\": {bad}}}]}}\n]}}"
        );
        let opts = oci::Options {
            arches: Some(x86()),
            ..Default::default()
        };
        let e = oci::import("n.json", &json, &opts).unwrap_err();
        let msg = e.to_string();
        assert_eq!(e.line, 3, "{msg}");
        assert!(
            msg.starts_with("n.json:3: syscalls[0] (line 3).args[0]: "),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("'{field}' is not a 64-bit integer")),
            "{msg}"
        );
    }
    let e = oci::import(
        "d.json",
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": "EPERM"}"#,
        &oci::Options::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("'defaultErrnoRet' is not"), "{e}");
}

/// `--caps` takes Linux capability names in any case, with or without `CAP_`; a name that
/// is none is refused (exit 2) with the closest one, instead of leaving that capability out.
#[test]
fn capability_names_are_checked() {
    assert_eq!(
        oci::Caps::parse("sys_admin,CAP_NET_ADMIN"),
        Ok(oci::Caps::List(vec![
            "sys_admin".into(),
            "CAP_NET_ADMIN".into()
        ]))
    );
    assert_eq!(oci::Caps::parse(""), Ok(oci::Caps::List(vec![])));
    let e = oci::Caps::parse("CAP_SYS_ADMN").unwrap_err();
    assert!(
        e.contains("'CAP_SYS_ADMN'") && e.contains("CAP_SYS_ADMIN"),
        "{e}"
    );
    // A lower-case name grants the capability as the upper-case one does.
    let json = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}
    ]}"#;
    let mount = Arch::X86_64.syscall_nr("mount").unwrap();
    for caps in ["cap_sys_admin", "SYS_ADMIN", "Cap_Sys_Admin"] {
        let imp = import(json, oci::Caps::parse(caps).unwrap(), x86());
        let got = imp
            .policy
            .decide(Arch::X86_64.audit_arch(), mount, &[0; 6])
            .action;
        assert_eq!(got, Action::Allow, "{caps}");
    }
    for cmd in ["import", "diff"] {
        let mut args = vec![cmd, DOCKER];
        if cmd == "diff" {
            args.push("container");
        }
        args.extend(["--caps", "CAP_CHOWN,CAP_SYS_ADMN"]);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_sysgate"))
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains("did you mean 'CAP_SYS_ADMIN'?"),
            "{cmd}: {err}"
        );
        assert!(o.stdout.is_empty(), "{cmd}");
    }
}
