//! sysgate against libseccomp (level 1: linear, level 2: binary tree) on three policies.
//!
//! Run: `cargo bench --bench compare` (needs Linux with seccomp, `/usr/bin/python3` with
//! Debian's `python3-seccomp`; without them only the sysgate columns are printed).
//!
//! For each policy it prints program size, an estimate of the eBPF the kernel makes of it,
//! BPF instructions executed per syscall (mean over the recorded mix in
//! `benches/data/mix.tsv`, the same with cached calls counted as 0, and the worst case over
//! every syscall of every targeted ABI), the share of unconditionally allowed syscalls the
//! kernel's action cache serves (`sysgate::analyze::cost`, the kernel's own rules), real time
//! per syscall with the filter loaded relative to no filter (forked children, interleaved
//! rounds, median), and compile time. `SYSGATE_BENCH_NO_TIMING=1` skips the real-time rows.

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
use sysgate::policy::ast::Action;

const MIX: &str = include_str!("../src/compile/mix.tsv");
const PY: &str = "/usr/bin/python3";

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
    name: &'static str,
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

fn allow_all(names: &str) -> Vec<Rule> {
    names
        .split_whitespace()
        .map(|n| rule("allow", n, vec![]))
        .collect()
}

const HEADER_ALLOWLIST: &str = "default deny\nunknown deny\narch x86_64 i386 x32";

/// A network service (an HTTP server with worker threads): an allow-list.
fn service() -> Spec {
    let mut rules = vec![
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
    rules.extend(allow_all(
        "read write readv writev pread64 pwrite64 close openat newfstatat fstat statx lseek \
         futex epoll_wait epoll_pwait epoll_ctl epoll_create1 poll ppoll select pselect6 \
         accept accept4 bind listen connect getsockname getpeername getsockopt setsockopt \
         sendto recvfrom sendmsg recvmsg shutdown socketpair sendfile munmap madvise brk \
         mremap rt_sigaction rt_sigprocmask rt_sigreturn sigaltstack getpid getppid gettid \
         getuid geteuid getgid getegid clock_gettime clock_nanosleep nanosleep gettimeofday \
         getrandom set_robust_list rseq set_tid_address exit exit_group wait4 getdents64 \
         readlink readlinkat access faccessat2 dup dup2 dup3 pipe2 eventfd2 uname prlimit64 \
         sched_getaffinity sched_yield getcwd arch_prctl execve tgkill kill",
    ));
    Spec {
        name: "service",
        header: HEADER_ALLOWLIST,
        default: "errno 1",
        rules,
    }
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
    let mut rules = vec![
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
    rules.extend(allow_all(
        "read write readv writev pread64 pwrite64 preadv pwritev close openat newfstatat fstat \
         epoll_wait epoll_pwait epoll_ctl epoll_create1 eventfd2 timerfd_create munmap brk \
         rt_sigaction rt_sigprocmask rt_sigreturn sigaltstack getpid getppid gettid \
         clock_gettime exit exit_group recvfrom recvmsg sendmsg connect fsync fdatasync \
         ftruncate restart_syscall sched_yield getrandom set_robust_list rseq dup",
    ));
    Spec {
        name: "vmm",
        header: HEADER_ALLOWLIST,
        default: "errno 1",
        rules,
    }
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
        name: "container",
        header: "",
        default: "allow",
        rules,
    }
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
    for arch in ["x86_64", "x86", "x32"] {
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

/// Typical arguments of the calls in the mix (what strace showed most).
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

fn mix() -> Vec<(SeccompData, f64)> {
    let mut out = Vec::new();
    for line in MIX.lines().filter(|l| !l.starts_with('#')) {
        let mut it = line.split_whitespace();
        let (Some(name), Some(n)) = (it.next(), it.next()) else {
            continue;
        };
        let (Some(nr), Ok(n)) = (Arch::X86_64.syscall_nr(name), n.parse::<f64>()) else {
            continue;
        };
        let data = SeccompData {
            nr,
            arch: AUDIT_X86_64,
            instruction_pointer: 0,
            args: typical_args(name),
        };
        out.push((data, n));
    }
    out
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
// Real time, in forked children.

/// ns per call of `getppid()` and of `arg_call`, with `prog` loaded (or none).
fn time_in_child(prog: Option<&[Insn]>, arg_call: (i64, [u64; 3])) -> Option<(f64, f64)> {
    const N: u32 = 200_000;
    let mut fds = [0i32; 2];
    // SAFETY: plain pipe/fork/syscall; the child only makes raw syscalls and exits.
    unsafe {
        if libc::pipe(fds.as_mut_ptr()) != 0 {
            return None;
        }
        let pid = libc::fork();
        if pid < 0 {
            return None;
        }
        if pid == 0 {
            libc::close(fds[0]);
            if let Some(p) = prog {
                if sysgate::sandbox::apply(p, Default::default()).is_err() {
                    libc::_exit(3);
                }
            }
            let now = || {
                let mut ts = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                };
                libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts);
                ts.tv_sec as f64 * 1e9 + ts.tv_nsec as f64
            };
            for _ in 0..N / 10 {
                libc::syscall(libc::SYS_getppid);
            }
            let t0 = now();
            for _ in 0..N {
                libc::syscall(libc::SYS_getppid);
            }
            let t1 = now();
            let (nr, a) = arg_call;
            for _ in 0..N {
                libc::syscall(nr, a[0], a[1], a[2]);
            }
            let t2 = now();
            let res = [(t1 - t0) / f64::from(N), (t2 - t1) / f64::from(N)];
            let bytes: [u8; 16] = std::mem::transmute(res);
            libc::write(fds[1], bytes.as_ptr().cast(), 16);
            libc::_exit(0);
        }
        libc::close(fds[1]);
        let mut buf = [0u8; 16];
        let n = libc::read(fds[0], buf.as_mut_ptr().cast(), 16);
        libc::close(fds[0]);
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
        if n != 16 {
            return None;
        }
        let r: [f64; 2] = std::mem::transmute(buf);
        Some((r[0], r[1]))
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

// ---------------------------------------------------------------------------------------

struct Column {
    name: &'static str,
    prog: Vec<Insn>,
    compile_s: f64,
}

fn report(
    title: &str,
    policy: &sysgate::ir::Policy,
    cols: &[Column],
    arg_call: (&str, i64, [u64; 3]),
) {
    let arches = policy.arches();
    let mix = mix();
    let worst = worst_inputs(&arches);
    let costs: Vec<MixCost> = cols
        .iter()
        .map(|c| cost::mix_cost(&c.prog, &mix, &worst))
        .collect();
    // Real time: rounds of (none, each column), interleaved.
    let mut times: Vec<Vec<(f64, f64)>> = vec![Vec::new(); cols.len() + 1];
    let rounds = if std::env::var_os("SYSGATE_BENCH_NO_TIMING").is_some() {
        0
    } else {
        7
    };
    for _ in 0..rounds {
        for (i, t) in times.iter_mut().enumerate() {
            let prog = if i == 0 {
                None
            } else {
                Some(&cols[i - 1].prog[..])
            };
            if let Some(r) = time_in_child(prog, (arg_call.1, arg_call.2)) {
                t.push(r);
            }
        }
    }
    let med = |i: usize, second: bool| {
        median(
            times[i]
                .iter()
                .map(|r| if second { r.1 } else { r.0 })
                .collect(),
        )
    };
    let arch_names: Vec<&str> = arches.iter().map(|a| a.name()).collect();
    println!("\n## {title} ({})\n", arch_names.join("+"));
    print!("| {:<44} |", "");
    for c in cols {
        print!(" {:>14} |", c.name);
    }
    println!();
    print!("|{:-<46}|", "");
    for _ in cols {
        print!("{:-<16}|", "");
    }
    println!();
    let row = |label: &str, f: &dyn Fn(usize) -> String| {
        print!("| {label:<44} |");
        for i in 0..cols.len() {
            print!(" {:>14} |", f(i));
        }
        println!();
    };
    row("size (BPF instructions)", &|i| {
        cols[i].prog.len().to_string()
    });
    row("eBPF instructions (estimate)", &|i| {
        cost::ebpf_estimate(&cols[i].prog).to_string()
    });
    row("executed per syscall, mix mean", &|i| {
        format!("{:.2}", costs[i].mean)
    });
    row("executed per syscall, mix mean, cached = 0", &|i| {
        format!("{:.2}", costs[i].mean_uncached)
    });
    row("executed, worst case", &|i| costs[i].worst.to_string());
    row("unconditional allows the cache serves", &|i| {
        let s = cost::cache_share(&cols[i].prog, policy);
        format!("{:.1}% ({}/{})", s.percent(), s.cached, s.allowed)
    });
    let none_g = med(0, false);
    let none_a = med(0, true);
    row(&format!("getppid ns vs none ({none_g:.0} ns)"), &|i| {
        format!("{:.3}x", med(i + 1, false) / none_g)
    });
    row(
        &format!("{} ns vs none ({none_a:.0} ns)", arg_call.0),
        &|i| format!("{:.3}x", med(i + 1, true) / none_a),
    );
    if std::env::var_os("SYSGATE_BENCH_PATHS").is_some() {
        paths(cols, &mix);
    }
    row("compile time", &|i| {
        let s = cols[i].compile_s;
        if s < 1e-3 {
            format!("{:.0} µs", s * 1e6)
        } else {
            format!("{:.2} ms", s * 1e3)
        }
    });
}

/// Per syscall of the mix (hottest first): its share and the instructions each column runs.
fn paths(cols: &[Column], mix: &[(SeccompData, f64)]) {
    let total: f64 = mix.iter().map(|m| m.1).sum();
    for (d, w) in mix {
        let name = Arch::X86_64.syscall_name(d.nr).unwrap_or("?");
        print!("| {:<30} {:>6.2}% |", name, 100.0 * w / total);
        for c in cols {
            let n = sysgate::bpf::emulator::run(&c.prog, d).map_or(0, |o| o.executed);
            print!(" {n:>14} |");
        }
        println!();
    }
}

/// A benchmarked policy: title, resolved policy, libseccomp rules (None: derived from the
/// policy), and the argument-checked call to time.
type Case = (
    &'static str,
    sysgate::ir::Policy,
    Option<Spec>,
    (&'static str, i64, [u64; 3]),
);

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

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
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
    let lib_arches = ["x86_64", "x86", "x32"];

    let container = sysgate::policy::Policy::builtin("container").expect("container");
    let service = service();
    let vmm = vmm();
    if let Some(dir) = std::env::var_os("SYSGATE_BENCH_WRITE") {
        let dir = PathBuf::from(dir);
        std::fs::write(dir.join("service.policy"), service.sysgate()).expect("write");
        std::fs::write(dir.join("vmm.policy"), vmm.sysgate()).expect("write");
    }
    // TODO: add Docker's default profile through `formats::oci::import` (it has landed).
    let specs: Vec<Case> = vec![
        (
            "container (built-in)",
            container.resolved.clone(),
            None,
            (
                "personality(0xffffffff)",
                libc::SYS_personality,
                [0xffff_ffff, 0, 0],
            ),
        ),
        (
            "service (network allow-list)",
            sysgate::policy::Policy::parse("service", &service.sysgate())
                .expect("service policy")
                .resolved,
            Some(service),
            ("fcntl(0, F_GETFD)", libc::SYS_fcntl, [0, 1, 0]),
        ),
        (
            "vmm (argument-heavy)",
            sysgate::policy::Policy::parse("vmm", &vmm.sysgate())
                .expect("vmm policy")
                .resolved,
            Some(vmm),
            ("fcntl(0, F_GETFD)", libc::SYS_fcntl, [0, 1, 0]),
        ),
    ];
    println!("# sysgate vs libseccomp");
    println!(
        "mix: benches/data/mix.tsv ({} syscalls); libseccomp: python3-seccomp, {}",
        mix().len(),
        if have_lib { "available" } else { "missing" }
    );
    for (title, policy, spec, arg_call) in specs {
        let mut cols = vec![
            Column {
                name: "sysgate",
                prog: sysgate::compile::compile(&policy, &with_mix)
                    .expect("compiles")
                    .insns,
                compile_s: sysgate_time(&policy, &with_mix),
            },
            Column {
                name: "sysgate, no mix",
                prog: sysgate::compile::compile(&policy, &plain)
                    .expect("compiles")
                    .insns,
                compile_s: sysgate_time(&policy, &plain),
            },
        ];
        if have_lib {
            let spec = match spec {
                Some(s) => s,
                None => {
                    let names: Vec<&str> = arches
                        .iter()
                        .flat_map(|a| a.syscalls().iter().map(|x| x.0))
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    let known = libseccomp_known(&names).unwrap_or_default();
                    container_libseccomp(&policy, &known)
                }
            };
            for (name, level) in [("libseccomp 1", 1u8), ("libseccomp 2", 2)] {
                let desc = spec.libseccomp(level, &lib_arches);
                if let Some(prog) = libseccomp_prog(&desc) {
                    cols.push(Column {
                        name,
                        prog,
                        compile_s: libseccomp_compile_time(&desc).unwrap_or(f64::NAN),
                    });
                } else {
                    eprintln!("{}: libseccomp failed", spec.name);
                }
            }
        }
        report(title, &policy, &cols, arg_call);
    }
}
