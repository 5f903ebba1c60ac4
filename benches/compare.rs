//! sysgate against libseccomp (level 1: linear, level 2: binary tree) on four policies, for
//! x86_64+i386+x32: the built-in `container`; Docker's default profile
//! (`../shared/fixtures/docker-default.json` from the crate root, as the tests find it;
//! skipped with a note when absent) imported with `formats::oci::import` and Docker's default
//! capabilities; a network-service allow-list; an argument-heavy VMM allow-list.
//!
//! Run: `cargo bench --bench compare` (needs Linux with seccomp, `/usr/bin/python3` with
//! Debian's `python3-seccomp`; without them only the sysgate columns are printed).
//!
//! libseccomp gets the same policy: the service and VMM lists are written once here and
//! rendered to both; `container` becomes its denials and argument rules (see
//! [`container_libseccomp`]); Docker's profile is turned into libseccomp rules from the same
//! JSON the way moby and runc do it ([`docker_libseccomp`]).
//!
//! Columns: sysgate with the built-in profile (`src/compile/mix.tsv`: call counts and
//! argument values), the same laid out for the kernel's action cache (`--for-action-cache`:
//! its "cached = 0" row is what such a kernel runs), with no profile; libseccomp levels 1
//! and 2.
//!
//! Per policy it prints program size, the size of the eBPF the kernel makes of it
//! (`sysgate::analyze::cost::ebpf_size`, the kernel's conversion rules), BPF instructions
//! executed per syscall (mean over the recorded mix in `src/compile/mix.tsv`, each call with
//! arguments drawn from the recorded value shares ([`mix`]), the same with cached calls
//! counted as 0, the eBPF the kernel runs for the same mix, the worst case over every
//! syscall of every targeted ABI, and for the timed argument-checked call), the share of
//! unconditionally allowed syscalls the kernel's action cache serves
//! (`sysgate::analyze::cost`, the kernel's own rules), real time and compile time; at the
//! end, one table of the issue's targets (sysgate with the mix against libseccomp level 2).
//!
//! Real time ([`ring_round`]): in each of `ROUNDS` rounds, one forked process per column and
//! two without a filter, all pinned to one CPU (`SYSGATE_BENCH_CPU`, default the last one
//! allowed), pass a token around; holding it, a process times a block of `getppid` (which
//! the action cache serves) and a block of an argument-checked call. Blocks of one turn ran
//! back to back, so a filter's overhead (its ns per call minus the unfiltered process's in
//! the same turn) is paired against the load of that moment; the second unfiltered process
//! shows the noise floor. Printed: ns vs none, overhead in ns and its ratio to libseccomp
//! 2's, each a median over rounds with the interquartile range. Filters are loaded with
//! `SECCOMP_FILTER_FLAG_SPEC_ALLOW`, so a kernel that forces the store-bypass mitigation on
//! seccomp tasks does not; the state the loaded processes report is printed.
//!
//! Switches: `SYSGATE_BENCH_NO_TIMING=1` skips real time; `SYSGATE_BENCH_PATHS=1` prints each
//! mix syscall's path length per column (classic / eBPF); `SYSGATE_BENCH_WRITE=DIR` writes the bench's
//! policies (`service.policy`, `vmm.policy`, and `docker.policy`, the imported text) there.

use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;
use sysgate::analyze::cost::{self, MixCost};
use sysgate::arch::Arch;
use sysgate::bpf::emulator::SeccompData;
use sysgate::bpf::Insn;
use sysgate::compile::{Options, Weights};
use sysgate::formats::oci::{self, string_list};
use sysgate::policy::ast::Action;

const MIX: &str = sysgate::compile::weights::BUILTIN_MIX;
const PY: &str = "/usr/bin/python3";
/// The bench's ABIs (x86_64, i386, x32) as libseccomp names them.
const LIB_ARCHES: [&str; 3] = ["x86_64", "x86", "x32"];

// ---------------------------------------------------------------------------------------
// One definition, two renderings: sysgate's language and libseccomp's rule list.

#[derive(Clone, Copy)]
enum Op {
    Eq,
    Ge,
    /// `(arg & mask) == value`.
    Masked(u64),
}

/// `(arg, op, value)`.
type Cmp = (u8, Op, u64);

struct Rule {
    /// sysgate's action text (`allow`, `deny`, `errno ENOSYS`…).
    action: &'static str,
    syscall: String,
    /// Alternatives (OR), each a conjunction on distinct arguments; empty: unconditional.
    alts: Vec<Vec<Cmp>>,
}

struct Spec {
    header: &'static str,
    /// libseccomp's default action.
    default: &'static str,
    rules: Vec<Rule>,
}

fn lib_action(a: &str) -> String {
    match a {
        "deny" => "errno 1".into(),
        "errno ENOSYS" => "errno 38".into(),
        other => other.into(),
    }
}

impl Spec {
    fn sysgate(&self) -> String {
        let mut t = format!("{}\n", self.header);
        for r in &self.rules {
            t += &format!("{} {}", r.action, r.syscall);
            if !r.alts.is_empty() {
                let alts: Vec<String> = r
                    .alts
                    .iter()
                    .map(|c| {
                        let parts: Vec<String> = c
                            .iter()
                            .map(|&(a, op, v)| match op {
                                Op::Eq => format!("arg{a} == {v:#x}"),
                                Op::Ge => format!("arg{a} >= {v:#x}"),
                                Op::Masked(m) => format!("(arg{a} & {m:#x}) == {v:#x}"),
                            })
                            .collect();
                        format!("({})", parts.join(" && "))
                    })
                    .collect();
                t += &format!(" if {}", alts.join(" || "));
            }
            t += "\n";
        }
        t
    }

    fn libseccomp(&self, optimize: u8, arches: &[&str]) -> Value {
        let mut rules = Vec::new();
        for r in &self.rules {
            let action = lib_action(r.action);
            if r.alts.is_empty() {
                rules.push(json!({"action": action, "syscall": r.syscall}));
            }
            for c in &r.alts {
                let conds: Vec<Value> = c
                    .iter()
                    .map(|&(a, op, v)| match op {
                        Op::Eq => json!({"arg": a, "op": "EQ", "value": v}),
                        Op::Ge => json!({"arg": a, "op": "GE", "value": v}),
                        Op::Masked(m) => {
                            json!({"arg": a, "op": "MASKED_EQ", "value": v, "mask": m})
                        }
                    })
                    .collect();
                rules.push(json!({"action": action, "syscall": r.syscall, "conditions": conds}));
            }
        }
        json!({"default": self.default, "badarch": "kill", "arches": arches,
               "optimize": optimize, "rules": rules})
    }
}

fn rule(action: &'static str, syscall: &str, alts: Vec<Vec<Cmp>>) -> Rule {
    Rule {
        action,
        syscall: syscall.to_string(),
        alts,
    }
}

fn one_of(arg: u8, values: &[u64]) -> Vec<Vec<Cmp>> {
    values.iter().map(|&v| vec![(arg, Op::Eq, v)]).collect()
}

/// An allow-list: `rules`, then every syscall of `names` allowed unconditionally; the rest
/// denied (EPERM).
fn allow_list(mut rules: Vec<Rule>, names: &str) -> Spec {
    rules.extend(names.split_whitespace().map(|n| rule("allow", n, vec![])));
    Spec {
        header: "default deny\nunknown deny\narch x86_64 i386 x32",
        default: "errno 1",
        rules,
    }
}

/// A network service (an HTTP server with worker threads): an allow-list.
fn service() -> Spec {
    let rules = vec![
        // Hot and argument-checked first (first match wins in sysgate; libseccomp merges).
        rule("allow", "fcntl", one_of(1, &[1, 2, 3, 4, 1030])), // F_GETFD F_SETFD F_GETFL F_SETFL F_DUPFD_CLOEXEC
        rule("allow", "ioctl", one_of(1, &[0x541b, 0x5421, 0x5401])), // FIONREAD FIONBIO TCGETS
        rule("allow", "socket", one_of(0, &[1, 2, 10])),        // AF_UNIX AF_INET AF_INET6
        rule("allow", "mprotect", vec![vec![(2, Op::Masked(4), 0)]]), // no PROT_EXEC
        rule("allow", "mmap", vec![vec![(2, Op::Masked(4), 0)]]),
        rule(
            "allow",
            "clone",
            vec![vec![(0, Op::Masked(0x7c02_0000), 0)]], // no CLONE_NEW*
        ),
    ];
    allow_list(
        rules,
        "read write readv writev pread64 pwrite64 close openat newfstatat fstat statx lseek \
         futex epoll_wait epoll_pwait epoll_ctl epoll_create1 poll ppoll select pselect6 \
         accept accept4 bind listen connect getsockname getpeername getsockopt setsockopt \
         sendto recvfrom sendmsg recvmsg shutdown socketpair sendfile munmap madvise brk \
         mremap rt_sigaction rt_sigprocmask rt_sigreturn sigaltstack getpid getppid gettid \
         getuid geteuid getgid getegid clock_gettime clock_nanosleep nanosleep gettimeofday \
         getrandom set_robust_list rseq set_tid_address exit exit_group wait4 getdents64 \
         readlink readlinkat access faccessat2 dup dup2 dup3 pipe2 eventfd2 uname prlimit64 \
         sched_getaffinity sched_yield getcwd arch_prctl execve tgkill kill",
    )
}

/// A VMM (Firecracker-style): KVM ioctls, futex operations, mmap protections.
fn vmm() -> Spec {
    let kvm: &[u64] = &[
        0xae80,
        0xae03,
        0xae04,
        0xae01,
        0xae41,
        0xae60,
        0xae61,
        0xae47,
        0xae9a,
        0x4040_ae46,
        0x4020_ae46,
        0x8090_ae81,
        0x4090_ae82,
        0x8138_ae83,
        0x4138_ae84,
        0x8208_ae8a,
        0x4208_ae8b,
        0x8400_ae8e,
        0x4400_ae8f,
        0x8080_ae9f,
        0x4080_aea0,
        0xc008_ae88,
        0x4008_ae89,
        0xc004_ae02,
        0x4004_ae86,
        0x8004_ae98,
        0x4040_ae77,
        0x4008_ae90,
        0x8018_aea1,
        0x4030_ae7b,
        0x4020_ae76,
        0xaea3,
        0x4008_ae6a,
        0xc008_aeba,
        0x5401,
        0x541b,
        0x5421,
        0x4004_5401,
        0x8004_54d2,
        0x4004_54d8,
        0x400454ca,
        0x8004_54cf,
    ];
    let rules = vec![
        rule("allow", "ioctl", one_of(1, kvm)),
        // FUTEX_WAIT/WAKE/CMP_REQUEUE/WAKE_OP, private or not, WAIT_BITSET|CLOCK_REALTIME.
        rule(
            "allow",
            "futex",
            one_of(1, &[0, 1, 4, 5, 128, 129, 132, 133, 137, 393]),
        ),
        rule(
            "allow",
            "mmap",
            vec![
                vec![(2, Op::Eq, 0), (3, Op::Eq, 0x22)],
                vec![(2, Op::Eq, 3), (3, Op::Eq, 0x22)],
                vec![(2, Op::Eq, 3), (3, Op::Eq, 0x4022)],
                vec![(2, Op::Eq, 1), (3, Op::Eq, 2)],
                vec![(2, Op::Eq, 3), (3, Op::Eq, 1)],
            ],
        ),
        rule("allow", "mprotect", one_of(2, &[0, 1, 3])),
        rule("allow", "madvise", one_of(2, &[4, 8, 14])),
        rule("allow", "fcntl", one_of(1, &[1, 2, 3, 4])),
        rule("allow", "socket", vec![vec![(0, Op::Eq, 1)]]),
        rule("allow", "clone", vec![vec![(0, Op::Eq, 0x3d0f00)]]),
        rule("allow", "tkill", vec![vec![(1, Op::Eq, 34)]]),
        rule("allow", "prctl", vec![vec![(0, Op::Eq, 15)]]),
        rule("allow", "accept4", vec![vec![(3, Op::Eq, 0x80800)]]),
        rule("allow", "timerfd_settime", vec![vec![(1, Op::Eq, 0)]]),
        rule("allow", "lseek", vec![vec![(2, Op::Ge, 0)]]),
    ];
    allow_list(
        rules,
        "read write readv writev pread64 pwrite64 preadv pwritev close openat newfstatat fstat \
         epoll_wait epoll_pwait epoll_ctl epoll_create1 eventfd2 timerfd_create munmap brk \
         rt_sigaction rt_sigprocmask rt_sigreturn sigaltstack getpid getppid gettid \
         clock_gettime exit exit_group recvfrom recvmsg sendmsg connect fsync fdatasync \
         ftruncate restart_syscall sched_yield getrandom set_robust_list rseq dup",
    )
}

/// The built-in `container`, as libseccomp rules: every syscall the resolved policy denies
/// outright, plus its argument rules. libseccomp cannot say "deny personality unless persona
/// is one of five values" under a default of allow (one comparison per argument per rule),
/// so that rule becomes "deny personality if persona is 1, 2, 3 or 4" (same shape, rare call).
fn container_libseccomp(p: &sysgate::ir::Policy, known: &BTreeSet<String>) -> Spec {
    let mut names: BTreeSet<(String, &'static str)> = BTreeSet::new();
    for s in &p.sections {
        for (&nr, d) in &s.syscalls {
            let name = s.arch.syscall_name(nr).unwrap_or("");
            if !d.rules.is_empty() || !known.contains(name) {
                continue;
            }
            let a = match d.otherwise.action {
                Action::Allow => continue,
                Action::Errno(38) => "errno ENOSYS",
                Action::Errno(1) => "deny",
                _ => "kill",
            };
            names.insert((name.to_string(), a));
        }
    }
    let mut rules: Vec<Rule> = names
        .into_iter()
        .map(|(n, a)| rule(a, &n, vec![]))
        .collect();
    rules.push(rule(
        "deny",
        "clone",
        [0x1000_0000u64, 0x2_0000, 0x4000_0000]
            .iter()
            .map(|&b| vec![(0, Op::Masked(b), b)])
            .collect(),
    ));
    rules.push(rule("deny", "socket", one_of(0, &[38, 40])));
    rules.push(rule("deny", "personality", one_of(0, &[1, 2, 3, 4])));
    Spec {
        header: "",
        default: "allow",
        rules,
    }
}

/// Where a policy's libseccomp columns come from.
enum Lib {
    /// Written once in the bench (or derived from `container`).
    Spec(Spec),
    /// A description for `tests/support/libseccomp_export.py` without its `optimize` level
    /// (Docker's profile, built the way moby and runc build it).
    Desc(Value),
}

impl Lib {
    fn desc(&self, optimize: u8, arches: &[&str]) -> Value {
        match self {
            Lib::Spec(s) => s.libseccomp(optimize, arches),
            Lib::Desc(d) => {
                let mut d = d.clone();
                d["optimize"] = json!(optimize);
                d
            }
        }
    }
}

/// Docker's profile as libseccomp rules, the way a container gets it: moby keeps the
/// entries that apply to this host (`amd64`), Docker's default capabilities and `kernel`
/// (`includes`/`excludes`, `minKernel`) and takes the ABIs from `archMap`; runc then adds
/// every entry to libseccomp — skipping entries whose action is the default action and
/// names libseccomp does not know on the native ABI, splitting an entry whose conditions
/// test one argument twice into one rule per condition, `SCMP_CMP_MASKED_EQ` as
/// `(arg & value) == valueTwo`. (`tests/support/libseccomp_oci.py` repeats runc's part for
/// OCI profiles; runc's extra `-ENOSYS` stub for numbers newer than the profile is left out
/// on both sides.)
fn docker_libseccomp(profile: &Value, kernel: (u32, u32)) -> Option<Value> {
    const HOST: &str = "amd64";
    let action = |name: &str, ret: Option<u64>| -> Option<String> {
        let ret = ret.unwrap_or(1);
        Some(match name {
            "SCMP_ACT_ALLOW" => "allow".into(),
            "SCMP_ACT_KILL" | "SCMP_ACT_KILL_THREAD" => "kill_thread".into(),
            "SCMP_ACT_KILL_PROCESS" => "kill_process".into(),
            "SCMP_ACT_TRAP" => "trap".into(),
            "SCMP_ACT_LOG" => "log".into(),
            "SCMP_ACT_ERRNO" => format!("errno {ret}"),
            "SCMP_ACT_TRACE" => format!("trace {ret}"),
            _ => return None,
        })
    };
    let caps: Vec<String> = oci::DOCKER_CAPS
        .iter()
        .map(|c| format!("CAP_{c}"))
        .collect();
    let default = action(
        profile["defaultAction"].as_str()?,
        profile["defaultErrnoRet"].as_u64(),
    )?;
    let lib_arch = |s: &str| match s {
        "SCMP_ARCH_X86_64" => Some("x86_64"),
        "SCMP_ARCH_X86" => Some("x86"),
        "SCMP_ARCH_X32" => Some("x32"),
        _ => None,
    };
    let mut arches = Vec::new();
    for m in profile["archMap"].as_array()? {
        if m["architecture"] == "SCMP_ARCH_X86_64" {
            arches.push(lib_arch("SCMP_ARCH_X86_64")?);
            for s in string_list(m.get("subArchitectures")) {
                arches.push(lib_arch(&s)?);
            }
        }
    }
    let mut entries = Vec::new();
    for e in profile["syscalls"].as_array()? {
        let (inc, exc) = (&e["includes"], &e["excludes"]);
        if string_list(exc.get("arches")).iter().any(|a| a == HOST)
            || string_list(exc.get("caps"))
                .iter()
                .any(|c| caps.contains(c))
        {
            continue;
        }
        let inc_arches = string_list(inc.get("arches"));
        if !inc_arches.is_empty() && !inc_arches.iter().any(|a| a == HOST) {
            continue;
        }
        if !string_list(inc.get("caps"))
            .iter()
            .all(|c| caps.contains(c))
        {
            continue;
        }
        if let Some(k) = inc["minKernel"].as_str() {
            if kernel < oci::parse_kernel(k)? {
                continue;
            }
        }
        let act = action(e["action"].as_str()?, e["errnoRet"].as_u64())?;
        if act == default {
            continue;
        }
        let mut conds = Vec::new();
        let mut indexes = BTreeSet::new();
        for c in e["args"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let index = c["index"].as_u64()?;
            indexes.insert(index);
            let op = c["op"].as_str()?.strip_prefix("SCMP_CMP_")?;
            let (value, two) = (c["value"].as_u64()?, c["valueTwo"].as_u64().unwrap_or(0));
            conds.push(if op == "MASKED_EQ" {
                json!({"arg": index, "op": op, "mask": value, "value": two})
            } else {
                json!({"arg": index, "op": op, "value": value})
            });
        }
        let alts = if indexes.len() == conds.len() {
            vec![conds]
        } else {
            conds.into_iter().map(|c| vec![c]).collect()
        };
        for name in string_list(e.get("names")) {
            entries.push((name, act.clone(), alts.clone()));
        }
    }
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    let known = libseccomp_native(&names)?;
    let mut rules = Vec::new();
    for (name, act, alts) in entries.iter().filter(|e| known.contains(&e.0)) {
        for conds in alts {
            rules.push(json!({"action": act, "syscall": name, "conditions": conds}));
        }
    }
    Some(json!({"default": default, "arches": arches, "rules": rules}))
}

// ---------------------------------------------------------------------------------------
// libseccomp through its Python binding.

fn helper() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/libseccomp_export.py")
}

fn python(args: &[&str], input: &str) -> Option<Vec<u8>> {
    let mut child = Command::new(PY)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(input.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        eprintln!("python: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    Some(out.stdout)
}

fn libseccomp_known(names: &[&str]) -> Option<BTreeSet<String>> {
    let mut known = BTreeSet::new();
    for arch in LIB_ARCHES {
        let req = json!({"resolve": {"arch": arch, "names": names}});
        let out = python(&[helper().to_str()?], &req.to_string())?;
        let v: Value = serde_json::from_slice(&out).ok()?;
        for (k, n) in v.as_object()? {
            if !n.is_null() {
                known.insert(k.clone());
            }
        }
    }
    Some(known)
}

/// The names libseccomp resolves on the native ABI (runc skips the others).
fn libseccomp_native(names: &[&str]) -> Option<BTreeSet<String>> {
    let script = r#"
import json, sys, seccomp
names = json.load(sys.stdin)
print(json.dumps([n for n in names if seccomp.resolve_syscall(seccomp.Arch.NATIVE, n) != -1]))
"#;
    let out = python(&["-c", script], &json!(names).to_string())?;
    serde_json::from_slice(&out).ok()
}

fn libseccomp_prog(desc: &Value) -> Option<Vec<Insn>> {
    let bytes = python(&[helper().to_str()?], &desc.to_string())?;
    sysgate::bpf::insn::from_bytes(&bytes).ok()
}

/// Median seconds for libseccomp to build and export the filter, timed inside Python.
fn libseccomp_compile_time(desc: &Value) -> Option<f64> {
    let script = format!(
        r#"
import json, sys, time, os, importlib.util
spec = importlib.util.spec_from_file_location("h", {helper:?})
h = importlib.util.module_from_spec(spec); spec.loader.exec_module(h)
desc = json.loads(sys.stdin.read())
ts = []
with open(os.devnull, "wb") as null:
    for _ in range(15):
        t = time.perf_counter(); f = h.build(desc); f.export_bpf(null); ts.append(time.perf_counter() - t)
ts.sort(); print(ts[len(ts) // 2])
"#,
        helper = helper().to_string_lossy()
    );
    let out = python(&["-c", &script], &desc.to_string())?;
    String::from_utf8_lossy(&out).trim().parse().ok()
}

// ---------------------------------------------------------------------------------------
// The mix, and inputs.

const AUDIT_X86_64: u32 = 0xc000_003e;

/// Typical arguments of the calls (what strace showed most): the worst-case inputs and the
/// mix's arguments where `src/compile/mix.tsv` records no values.
fn typical_args(name: &str) -> [u64; 6] {
    match name {
        "fcntl" => [3, 1, 0, 0, 0, 0],             // F_GETFD
        "ioctl" => [1, 0x5401, 0, 0, 0, 0],        // TCGETS
        "mmap" => [0, 4096, 3, 0x22, u64::MAX, 0], // rw, private anonymous
        "mprotect" => [0, 4096, 1, 0, 0, 0],
        "madvise" => [0, 4096, 4, 0, 0, 0],
        "futex" => [0, 129, 1, 0, 0, 0], // FUTEX_WAKE_PRIVATE
        "socket" => [2, 1, 0, 0, 0, 0],
        "clone" => [0x3d0f00, 0, 0, 0, 0, 0],
        "personality" => [0xffff_ffff, 0, 0, 0, 0, 0],
        "lseek" => [3, 0, 1, 0, 0, 0],
        "accept4" => [3, 0, 0, 0x80800, 0, 0],
        _ => [0; 6],
    }
}

/// The recorded mix on x86_64: every syscall of `src/compile/mix.tsv` (hottest first) with
/// its count, split over the argument values recorded for it. Each argument with recorded
/// values takes them in proportion to their counts (the unlisted rare values left out), the
/// arguments independently of each other (mmap's prot and flags: the product of the two);
/// the other arguments are [`typical_args`]. Every column is measured on the same calls.
fn mix() -> Vec<(SeccompData, f64)> {
    let (weights, _) = Weights::from_mix(MIX, &[Arch::X86_64]);
    let mut out = Vec::new();
    for line in MIX.lines().filter(|l| !l.starts_with('#')) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let [name, n] = words[..] else {
            continue;
        };
        let (Some(nr), Ok(n)) = (Arch::X86_64.syscall_nr(name), n.parse::<f64>()) else {
            continue;
        };
        let mut calls = vec![(typical_args(name), n)];
        let values = weights.arg_values(Arch::X86_64, nr);
        for arg in 0..6u8 {
            let of_arg: Vec<(u64, f64)> = values
                .iter()
                .filter(|v| v.0 == arg)
                .map(|v| (v.1, v.2))
                .collect();
            let total: f64 = of_arg.iter().map(|v| v.1).sum();
            if total <= 0.0 {
                continue;
            }
            // The calls with values the mix does not list (each under 0.5%) keep the
            // typical arguments, rather than being spread over the listed values (which the
            // layout was made for).
            let rest = (1.0 - total).max(0.0);
            let scale = total.max(1.0);
            calls = calls
                .iter()
                .flat_map(|&(args, w)| {
                    let listed = of_arg.iter().map(move |&(v, share)| {
                        let mut args = args;
                        args[usize::from(arg)] = v;
                        (args, w * share / scale)
                    });
                    listed.chain((rest > 0.0).then_some((args, w * rest)))
                })
                .collect();
        }
        for (args, w) in calls {
            let data = SeccompData {
                nr,
                arch: AUDIT_X86_64,
                instruction_pointer: 0,
                args,
            };
            out.push((data, w));
        }
    }
    out
}

/// A mix call as `paths` prints it: the name, and the arguments with recorded values.
fn mix_label(d: &SeccompData, weights: &Weights) -> String {
    let name = Arch::X86_64.syscall_name(d.nr).unwrap_or("?");
    let mut args: Vec<u8> = weights
        .arg_values(Arch::X86_64, d.nr)
        .iter()
        .map(|v| v.0)
        .collect();
    args.dedup();
    let shown: Vec<String> = args
        .iter()
        .map(|&i| format!("arg{i}={:#x}", d.args[usize::from(i)]))
        .collect();
    if shown.is_empty() {
        name.to_string()
    } else {
        format!("{name}({})", shown.join(","))
    }
}

/// Every syscall (and a few numbers beyond the tables) of every targeted ABI, with zero,
/// all-ones and typical arguments.
fn worst_inputs(arches: &[Arch]) -> Vec<SeccompData> {
    let mut out = Vec::new();
    for &a in arches {
        let mut nrs: Vec<(u32, &str)> = a.syscalls().iter().map(|&(n, nr)| (nr, n)).collect();
        let top = nrs.iter().map(|x| x.0).max().unwrap_or(0);
        nrs.extend([(top + 1, ""), (top + 100, "")]);
        for (nr, name) in nrs {
            for args in [[0; 6], [u64::MAX; 6], typical_args(name)] {
                out.push(SeccompData {
                    nr,
                    arch: a.audit_arch(),
                    instruction_pointer: 0,
                    args,
                });
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Real time: processes pinned to one CPU that take turns.

/// Calls per timed block (after `WARM` untimed ones), cycles per round, rounds.
const BLOCK: u32 = 500;
const WARM: u32 = 50;
const CYCLES: usize = 96;
const ROUNDS: usize = 21;

const GETPPID: (i64, [u64; 3]) = (libc::SYS_getppid, [0; 3]);

fn now() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec; CLOCK_MONOTONIC is served by the vDSO.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
}

fn calls(n: u32, (nr, a): (i64, [u64; 3])) {
    for _ in 0..n {
        // SAFETY: getppid or the bench's argument-checked call; no memory is passed.
        unsafe { libc::syscall(nr, a[0], a[1], a[2]) };
    }
}

/// ns per call over one block (after a few untimed calls that warm the path again).
fn block(call: (i64, [u64; 3])) -> f64 {
    calls(WARM, call);
    let t0 = now();
    calls(BLOCK, call);
    (now() - t0) / f64::from(BLOCK)
}

/// The CPU the timed processes run on: `SYSGATE_BENCH_CPU`, or the last one this process
/// may use.
fn bench_cpu() -> Option<usize> {
    if let Ok(c) = std::env::var("SYSGATE_BENCH_CPU") {
        return c.parse().ok();
    }
    // SAFETY: `set` is a zeroed cpu_set_t of the size passed.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return None;
        }
        (0..libc::CPU_SETSIZE as usize)
            .rev()
            .find(|&c| libc::CPU_ISSET(c, &set))
    }
}

/// ns per call of (getppid, the argument-checked call), per cycle.
type Blocks = [[f64; 2]; CYCLES];

/// One round: a process per entry of `progs` (None: no filter), all pinned to `cpu`, passing
/// a token around a ring of pipes; holding it, a process times one block of each call. So
/// cycle `c` of every process ran back to back, and differences between them pair up.
/// Filters are loaded with `SECCOMP_FILTER_FLAG_SPEC_ALLOW`. Also returns each filtered
/// process's `Speculation_Store_Bypass` state (/proc/PID/status) with its filter loaded.
fn ring_round(
    progs: &[Option<&[Insn]>],
    cpu: Option<usize>,
    arg_call: (i64, [u64; 3]),
) -> Option<(Vec<Blocks>, BTreeSet<String>)> {
    const SIZE: usize = std::mem::size_of::<Blocks>();
    let n = progs.len();
    let pipe = || {
        let mut p = [0i32; 2];
        // SAFETY: `p` has room for the two descriptors.
        (unsafe { libc::pipe(p.as_mut_ptr()) } == 0).then_some(p)
    };
    let tok: Vec<[i32; 2]> = (0..n).map(|_| pipe()).collect::<Option<_>>()?;
    let res: Vec<[i32; 2]> = (0..n).map(|_| pipe()).collect::<Option<_>>()?;
    let go = pipe()?;
    let all: Vec<i32> = tok
        .iter()
        .chain(&res)
        .chain([&go])
        .flatten()
        .copied()
        .collect();
    let mut pids = Vec::new();
    for (i, prog) in progs.iter().enumerate() {
        let keep = [tok[i][0], tok[(i + 1) % n][1], res[i][1], go[0]];
        // SAFETY: the parent is single-threaded. The child makes raw syscalls on descriptors
        // it owns and on a stack array, writes its results, waits until the parent closes
        // `go`, and exits without returning.
        unsafe {
            let pid = libc::fork();
            if pid < 0 {
                break;
            }
            if pid > 0 {
                pids.push(pid);
                continue;
            }
            for &fd in all.iter().filter(|fd| !keep.contains(fd)) {
                libc::close(fd);
            }
            if let Some(c) = cpu {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_SET(c, &mut set);
                libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
            }
            if let Some(p) = prog {
                let flags = sysgate::sandbox::FilterFlags {
                    spec_allow: true,
                    ..Default::default()
                };
                if sysgate::sandbox::apply(p, flags).is_err() {
                    libc::_exit(3);
                }
            }
            let mut out: Blocks = [[0.0; 2]; CYCLES];
            let mut b = 0u8;
            for (c, o) in out.iter_mut().enumerate() {
                if libc::read(keep[0], (&mut b as *mut u8).cast(), 1) != 1 {
                    libc::_exit(4);
                }
                *o = [block(GETPPID), block(arg_call)];
                if !(c + 1 == CYCLES && i + 1 == n) {
                    libc::write(keep[1], (&b as *const u8).cast(), 1);
                }
            }
            let bytes: [u8; SIZE] = std::mem::transmute(out);
            libc::write(keep[2], bytes.as_ptr().cast(), SIZE);
            libc::read(keep[3], (&mut b as *mut u8).cast(), 1);
            libc::_exit(0);
        }
    }
    // SAFETY: closing and reading descriptors this function created; waiting for its
    // children.
    unsafe {
        for &fd in all
            .iter()
            .filter(|&&fd| fd != tok[0][1] && !res.iter().any(|r| r[0] == fd) && fd != go[1])
        {
            libc::close(fd);
        }
        if pids.len() == n {
            libc::write(tok[0][1], [0u8].as_ptr().cast(), 1);
        }
        libc::close(tok[0][1]);
        let mut out = Vec::new();
        for r in &res {
            let mut buf = [0u8; SIZE];
            let mut got = 0;
            while got < SIZE {
                let k = libc::read(r[0], buf[got..].as_mut_ptr().cast(), SIZE - got);
                if k <= 0 {
                    break;
                }
                got += k as usize;
            }
            libc::close(r[0]);
            if got == SIZE {
                out.push(std::mem::transmute::<[u8; SIZE], Blocks>(buf));
            }
        }
        let mut ssb = BTreeSet::new();
        for (pid, prog) in pids.iter().zip(progs) {
            if prog.is_some() {
                let state = std::fs::read_to_string(format!("/proc/{pid}/status"))
                    .ok()
                    .and_then(|s| {
                        s.lines()
                            .find_map(|l| l.strip_prefix("Speculation_Store_Bypass:"))
                            .map(|v| v.trim().to_string())
                    });
                ssb.insert(state.unwrap_or_else(|| "?".into()));
            }
        }
        libc::close(go[1]);
        for &pid in &pids {
            let mut status = 0;
            libc::waitpid(pid, &mut status, 0);
        }
        (out.len() == n).then_some((out, ssb))
    }
}

fn median(v: Vec<f64>) -> f64 {
    quartiles(v).1
}

/// (first quartile, median, third quartile); NaN for no data.
fn quartiles(mut v: Vec<f64>) -> (f64, f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let x = p * (v.len() - 1) as f64;
        let (lo, hi) = (x.floor() as usize, x.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (x - lo as f64)
    };
    (q(0.25), q(0.5), q(0.75))
}

/// One process's median over the cycles of a round of its blocks of call `k`.
fn median_block(blocks: &Blocks, k: usize) -> f64 {
    median(blocks.iter().map(|b| b[k]).collect())
}

/// Per round, per process (0: no filter, the reference; 1..: the columns; last: no filter
/// again, the noise floor), the blocks of each cycle.
struct Timing {
    rounds: Vec<Vec<Blocks>>,
    ssb: String,
}

impl Timing {
    fn run(cols: &[Column], cpu: Option<usize>, arg_call: (i64, [u64; 3])) -> Timing {
        let n = cols.len() + 2;
        let mut rounds = Vec::new();
        let mut ssb = BTreeSet::new();
        for round in 0..ROUNDS {
            // The ring starts at a different process each round.
            let order: Vec<usize> = (0..n).map(|k| (round + k) % n).collect();
            let progs: Vec<Option<&[Insn]>> = order
                .iter()
                .map(|&p| (p >= 1 && p <= cols.len()).then(|| &cols[p - 1].prog[..]))
                .collect();
            if let Some((blocks, s)) = ring_round(&progs, cpu, arg_call) {
                let mut by_process = vec![[[0.0; 2]; CYCLES]; n];
                for (&p, b) in order.iter().zip(blocks) {
                    by_process[p] = b;
                }
                rounds.push(by_process);
                ssb.extend(s);
            } else {
                eprintln!("timing: a round failed");
            }
        }
        let ssb: Vec<String> = ssb.into_iter().collect();
        Timing {
            rounds,
            ssb: ssb.join("; "),
        }
    }

    /// Process `p`'s overhead for call `k` in each round: the median over cycles of its
    /// block minus the reference's block of the same cycle.
    fn overheads(&self, p: usize, k: usize) -> Vec<f64> {
        self.rounds
            .iter()
            .map(|r| median((0..CYCLES).map(|c| r[p][c][k] - r[0][c][k]).collect()))
            .collect()
    }

    /// ns per call without a filter (median over rounds of the median block).
    fn none_ns(&self, k: usize) -> f64 {
        median(self.rounds.iter().map(|r| median_block(&r[0], k)).collect())
    }

    /// Median over rounds of process `p`'s median block / the reference's.
    fn ratio(&self, p: usize, k: usize) -> f64 {
        median(
            self.rounds
                .iter()
                .map(|r| median_block(&r[p], k) / median_block(&r[0], k))
                .collect(),
        )
    }

    /// Per round, (overhead of `p`) / (overhead of `q`) for call `k`.
    fn overhead_ratios(&self, p: usize, q: usize, k: usize) -> Vec<f64> {
        let (a, b) = (self.overheads(p, k), self.overheads(q, k));
        a.iter().zip(&b).map(|(x, y)| x / y).collect()
    }
}

// ---------------------------------------------------------------------------------------

struct Column {
    name: &'static str,
    prog: Vec<Insn>,
    compile_s: f64,
}

/// What the targets table needs of one policy: (sysgate with the mix, libseccomp level 2).
struct Summary {
    name: &'static str,
    mean: Option<(f64, f64)>,
    /// What a kernel with the action cache runs: sysgate `--for-action-cache` against
    /// libseccomp level 2, cached calls counted as 0.
    mean_cached: Option<(f64, f64)>,
    worst: Option<(usize, usize)>,
    size: Option<(usize, usize)>,
    share: (usize, usize, f64),
    /// (sysgate ns, libseccomp 2 ns, median over rounds of their ratio).
    arg_overhead: Option<(f64, f64, f64)>,
    compile_s: f64,
}

const LABEL: usize = 54;

/// The index of the `--for-action-cache` column.
const FOR_CACHE: usize = 1;

fn fmt_time(s: f64) -> String {
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else {
        format!("{:.2} ms", s * 1e3)
    }
}

fn report(case: &Case, cols: &[Column], cpu: Option<usize>) -> Summary {
    let policy = &case.policy;
    let arches = policy.arches();
    let mix = mix();
    let worst = worst_inputs(&arches);
    let costs: Vec<MixCost> = cols
        .iter()
        .map(|c| cost::mix_cost(&c.prog, &mix, &worst))
        .collect();
    let timing = std::env::var_os("SYSGATE_BENCH_NO_TIMING")
        .is_none()
        .then(|| Timing::run(cols, cpu, (case.arg_call.1, case.arg_call.2)));
    let arch_names: Vec<&str> = arches.iter().map(|a| a.name()).collect();
    println!("\n## {} ({})\n", case.title, arch_names.join("+"));
    print!("| {:<LABEL$} |", "");
    for c in cols {
        print!(" {:>16} |", c.name);
    }
    println!();
    print!("|{:-<w$}|", "", w = LABEL + 2);
    for _ in cols {
        print!("{:-<18}|", "");
    }
    println!();
    let row = |label: &str, f: &dyn Fn(usize) -> String| {
        print!("| {label:<LABEL$} |");
        for i in 0..cols.len() {
            print!(" {:>16} |", f(i));
        }
        println!();
    };
    row("size (BPF instructions)", &|i| {
        cols[i].prog.len().to_string()
    });
    row("eBPF instructions", &|i| {
        cost::ebpf_size(&cols[i].prog).to_string()
    });
    row("executed per syscall, mix mean", &|i| {
        format!("{:.2}", costs[i].mean)
    });
    row("executed per syscall, mix mean, cached = 0", &|i| {
        format!("{:.2}", costs[i].mean_uncached)
    });
    row("eBPF executed per syscall, mix mean", &|i| {
        format!("{:.2}", costs[i].ebpf_mean)
    });
    row("executed, worst case", &|i| costs[i].worst.to_string());
    let shares: Vec<_> = cols
        .iter()
        .map(|c| cost::cache_share(&c.prog, policy))
        .collect();
    row("unconditional allows the cache serves", &|i| {
        let s = &shares[i];
        format!("{:.1}% ({}/{})", s.percent(), s.cached, s.allowed)
    });
    let (_, nr, a) = case.arg_call;
    let timed = SeccompData {
        nr: nr as u32,
        arch: AUDIT_X86_64,
        instruction_pointer: 0,
        args: [a[0], a[1], a[2], 0, 0, 0],
    };
    row(&format!("executed by {}", case.arg_call.0), &|i| {
        sysgate::bpf::emulator::run(&cols[i].prog, &timed)
            .map_or("?".into(), |o| o.executed.to_string())
    });
    let lib2 = cols.iter().position(|c| c.name == "libseccomp 2");
    let mut arg_overhead = None;
    if let Some(t) = &timing {
        let last = cols.len() + 1;
        for (k, call) in ["getppid", case.arg_call.0].into_iter().enumerate() {
            row(
                &format!("{call} ns vs none ({:.0} ns)", t.none_ns(k)),
                &|i| format!("{:.3}x", t.ratio(i + 1, k)),
            );
            let floor = quartiles(t.overheads(last, k));
            row(
                &format!(
                    "  overhead ns (IQR) [none: {:+.1} ({:.1})]",
                    floor.1,
                    floor.2 - floor.0
                ),
                &|i| {
                    let (q1, m, q3) = quartiles(t.overheads(i + 1, k));
                    format!("{m:.1} ({:.1})", q3 - q1)
                },
            );
            if let Some(l) = lib2 {
                row("  overhead / libseccomp 2's (IQR)", &|i| {
                    let (q1, m, q3) = quartiles(t.overhead_ratios(i + 1, l + 1, k));
                    format!("{m:.2}x ({:.2})", q3 - q1)
                });
                if k == 1 {
                    arg_overhead = Some((
                        median(t.overheads(1, k)),
                        median(t.overheads(l + 1, k)),
                        median(t.overhead_ratios(1, l + 1, k)),
                    ));
                }
            }
        }
    }
    if std::env::var_os("SYSGATE_BENCH_PATHS").is_some() {
        paths(cols, &mix);
    }
    row("compile time", &|i| fmt_time(cols[i].compile_s));
    if let Some(t) = &timing {
        println!(
            "\nreal time: {} rounds; in each, one process per column and two without a filter, \
             pinned to CPU {}, take turns {CYCLES} times, each turn timing {BLOCK} calls of each \
             call. Overhead: a process's ns per call minus the first unfiltered one's in the \
             same turn, median over turns, then median (IQR) over rounds; `none` is the second \
             unfiltered process, the noise floor. Filters loaded with SPEC_ALLOW; store bypass \
             with a filter loaded: {}.",
            t.rounds.len(),
            cpu.map_or("(any)".into(), |c| c.to_string()),
            t.ssb,
        );
    }
    let s = &shares[0];
    Summary {
        name: case.short,
        mean: lib2.map(|l| (costs[0].mean, costs[l].mean)),
        mean_cached: lib2.map(|l| (costs[FOR_CACHE].mean_uncached, costs[l].mean_uncached)),
        worst: lib2.map(|l| (costs[0].worst, costs[l].worst)),
        size: lib2.map(|l| (cols[0].prog.len(), cols[l].prog.len())),
        share: (s.cached, s.allowed, s.percent()),
        arg_overhead,
        compile_s: cols[0].compile_s,
    }
}

/// The issue's targets, sysgate (with the mix) against libseccomp level 2, per policy.
fn targets(sums: &[Summary]) {
    fn verdict(ok: bool) -> &'static str {
        if ok {
            "met"
        } else {
            "NOT MET"
        }
    }
    let ratio = |p: Option<(f64, f64)>, limit: f64, strict: bool, prec: usize| match p {
        Some((s, l)) => {
            let r = s / l;
            let ok = if strict { r < limit } else { r <= limit };
            format!("{r:.2}x ({s:.prec$}/{l:.prec$}) {}", verdict(ok))
        }
        None => "n/a".into(),
    };
    let int = |p: Option<(usize, usize)>| p.map(|(s, l)| (s as f64, l as f64));
    println!("\n## Targets: sysgate (with the mix) / libseccomp level 2\n");
    print!("| {:<40} |", "target");
    for s in sums {
        print!(" {:<30} |", s.name);
    }
    println!();
    print!("|{:-<42}|", "");
    for _ in sums {
        print!("{:-<32}|", "");
    }
    println!();
    let row = |label: &str, f: &dyn Fn(&Summary) -> String| {
        print!("| {label:<40} |");
        for s in sums {
            print!(" {:<30} |", f(s));
        }
        println!();
    };
    row("mean executed (mix) <= 0.6x", &|s| {
        ratio(s.mean, 0.6, false, 2)
    });
    row("(info) cached = 0, for cache <= 0.6x", &|s| {
        ratio(s.mean_cached, 0.6, false, 2)
    });
    row("worst case executed <= 1x", &|s| {
        ratio(int(s.worst), 1.0, false, 0)
    });
    row("size <= 1x", &|s| ratio(int(s.size), 1.0, false, 0));
    row("unconditional allows cached = 100%", &|s| {
        let (c, a, p) = s.share;
        format!("{p:.1}% ({c}/{a}) {}", verdict(c == a))
    });
    row(
        "argument-checked call overhead < 1x",
        &|s| match s.arg_overhead {
            Some((a, b, r)) => format!("{r:.2}x ({a:.1}/{b:.1} ns) {}", verdict(r < 1.0)),
            None => "n/a".into(),
        },
    );
    row("compile time < 1 ms (3 ABIs)", &|s| {
        format!("{} {}", fmt_time(s.compile_s), verdict(s.compile_s < 1e-3))
    });
    println!(
        "\n(argument-checked overhead: ns per call with the filter minus without, medians over \
         rounds, and the median over rounds of their paired ratio. For container, libseccomp's \
         personality rule is an approximation (see container_libseccomp), so that cell does \
         not compare the same rule. The compile-time target is stated for \
         container.)"
    );
}

/// Per syscall of the mix (hottest first): its share and the instructions each column runs
/// (classic / eBPF).
fn paths(cols: &[Column], mix: &[(SeccompData, f64)]) {
    let total: f64 = mix.iter().map(|m| m.1).sum();
    let (weights, _) = Weights::from_mix(MIX, &[Arch::X86_64]);
    for (d, w) in mix {
        let name = mix_label(d, &weights);
        print!(
            "| {:<w1$} {:>6.2}% |",
            name,
            100.0 * w / total,
            w1 = LABEL - 8
        );
        for c in cols {
            let n = sysgate::bpf::emulator::run(&c.prog, d).map_or(0, |o| o.executed);
            let e = cost::ebpf_executed(&c.prog, d).unwrap_or(0);
            print!(" {:>16} |", format!("{n} / {e}"));
        }
        println!();
    }
}

/// A benchmarked policy.
struct Case {
    title: &'static str,
    /// Its column in the targets table.
    short: &'static str,
    policy: sysgate::ir::Policy,
    /// Its libseccomp rules (None: libseccomp is missing).
    lib: Option<Lib>,
    /// The argument-checked call to time: label, number, first three arguments.
    arg_call: (&'static str, i64, [u64; 3]),
}

fn sysgate_time(p: &sysgate::ir::Policy, o: &Options) -> f64 {
    let mut v = Vec::new();
    for _ in 0..51 {
        let t = Instant::now();
        let prog = sysgate::compile::compile(p, o).expect("compiles");
        v.push(t.elapsed().as_secs_f64());
        std::hint::black_box(prog);
    }
    median(v)
}

/// Docker's default profile, where the tests find it.
const DOCKER: &str = "../shared/fixtures/docker-default.json";

/// Docker's profile imported with Docker's default capabilities for x86_64+i386+x32, its
/// policy text, and its libseccomp rules (when libseccomp is there). `Err`: why it is skipped.
fn docker_case(
    arches: &[Arch],
    have_lib: bool,
) -> Result<(sysgate::ir::Policy, String, Option<Lib>), String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(DOCKER);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let opts = oci::Options {
        caps: oci::Caps::Docker,
        arches: Some(arches.to_vec()),
        kernel: None,
    };
    let imported = oci::import("docker-default.json", &text, &opts).map_err(|e| e.to_string())?;
    for w in &imported.warnings {
        eprintln!("docker-default.json: {w}");
    }
    let header = vec![
        format!("imported from {DOCKER} by the compare bench"),
        format!(
            "capabilities: docker; host {} ; kernel {}.{}",
            imported.host, imported.kernel.0, imported.kernel.1
        ),
    ];
    let policy_text = sysgate::formats::text::write(&imported.policy, &header);
    let lib = if have_lib {
        let json: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let desc = docker_libseccomp(&json, imported.kernel);
        if desc.is_none() {
            eprintln!("docker: could not build libseccomp rules; sysgate columns only");
        }
        desc.map(Lib::Desc)
    } else {
        None
    };
    Ok((imported.policy, policy_text, lib))
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let started = Instant::now();
    let arches = [Arch::X86_64, Arch::I386, Arch::X32];
    let (weights, unknown) = Weights::from_mix(MIX, &arches);
    if !unknown.is_empty() {
        eprintln!("mix names no table knows: {unknown:?}");
    }
    let with_mix = Options {
        weights: weights.clone(),
    };
    let plain = Options::default();
    let have_lib = libseccomp_known(&["read"]).is_some();
    if !have_lib {
        eprintln!("libseccomp (python3-seccomp) not available: sysgate columns only");
    }
    let write_dir = std::env::var_os("SYSGATE_BENCH_WRITE").map(PathBuf::from);
    let write = |name: &str, text: &str| {
        if let Some(dir) = &write_dir {
            std::fs::write(dir.join(name), text).expect("write");
        }
    };

    println!("# sysgate vs libseccomp");
    let (mix_calls, mix_names) = {
        let m = mix();
        let names: BTreeSet<u32> = m.iter().map(|c| c.0.nr).collect();
        (m.len(), names.len())
    };
    println!(
        "mix: src/compile/mix.tsv ({mix_names} syscalls, {mix_calls} calls with the recorded \
         argument values); libseccomp: python3-seccomp, {}",
        if have_lib { "available" } else { "missing" }
    );
    let personality = (
        "personality(0xffffffff)",
        libc::SYS_personality,
        [0xffff_ffff, 0, 0],
    );
    let fcntl = ("fcntl(0, F_GETFD)", libc::SYS_fcntl, [0, 1, 0]);
    let mut cases = Vec::new();

    let container = sysgate::policy::Policy::builtin("container").expect("container");
    let container_lib = have_lib.then(|| {
        let names: Vec<&str> = arches
            .iter()
            .flat_map(|a| a.syscalls().iter().map(|x| x.0))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let known = libseccomp_known(&names).unwrap_or_default();
        Lib::Spec(container_libseccomp(&container.resolved, &known))
    });
    cases.push(Case {
        title: "container (built-in)",
        short: "container",
        policy: container.resolved.clone(),
        lib: container_lib,
        arg_call: personality,
    });
    match docker_case(&arches, have_lib) {
        Ok((policy, text, lib)) => {
            write("docker.policy", &text);
            cases.push(Case {
                title: "docker (Docker's default profile imported, --caps docker)",
                short: "docker",
                policy,
                lib,
                arg_call: personality,
            });
        }
        Err(why) => println!("\n## docker: skipped ({why})"),
    }
    for (title, short, spec) in [
        ("service (network allow-list)", "service", service()),
        ("vmm (argument-heavy)", "vmm", vmm()),
    ] {
        let text = spec.sysgate();
        write(&format!("{short}.policy"), &text);
        cases.push(Case {
            title,
            short,
            policy: sysgate::policy::Policy::parse(short, &text)
                .unwrap_or_else(|e| panic!("{short} policy: {e}"))
                .resolved,
            lib: Some(Lib::Spec(spec)),
            arg_call: fcntl,
        });
    }

    let cpu = bench_cpu();
    let mut sums = Vec::new();
    for case in &cases {
        let policy = &case.policy;
        // `--for-action-cache`: the layout for kernels whose action cache serves the
        // unconditional allows (the "cached = 0" row is what such a kernel runs).
        let for_cache = Options {
            weights: weights.clone().for_action_cache(policy),
        };
        let sysgate_column = |name: &'static str, opts: &Options| Column {
            name,
            prog: sysgate::compile::compile(policy, opts)
                .expect("compiles")
                .insns,
            compile_s: sysgate_time(policy, opts),
        };
        let mut cols = vec![
            sysgate_column("sysgate", &with_mix),
            sysgate_column("for action cache", &for_cache),
            sysgate_column("sysgate, no mix", &plain),
        ];
        if let Some(lib) = case.lib.as_ref().filter(|_| have_lib) {
            for (name, level) in [("libseccomp 1", 1u8), ("libseccomp 2", 2)] {
                let desc = lib.desc(level, &LIB_ARCHES);
                if let Some(prog) = libseccomp_prog(&desc) {
                    cols.push(Column {
                        name,
                        prog,
                        compile_s: libseccomp_compile_time(&desc).unwrap_or(f64::NAN),
                    });
                } else {
                    eprintln!("{}: libseccomp failed", case.short);
                }
            }
        }
        sums.push(report(case, &cols, cpu));
    }
    targets(&sums);
    println!("\n(bench ran {:.0} s)", started.elapsed().as_secs_f64());
}
