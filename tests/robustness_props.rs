//! Property-based robustness tests that plain `cargo test` runs (bounded to a few seconds in
//! debug builds). A small deterministic xorshift generator feeds:
//! - the policy parser and resolver with token soups from the language's vocabulary and with
//!   mutations of valid policies (no panic, every call returns in time);
//! - the BPF decoder, validator, emulator and disassembler with random bytes, random
//!   instructions and mutated compiled programs (no panic, no hang, `validate` rejecting means
//!   `run` errors, a valid program ends in a `ret`);
//! - the compiler with random well-formed policies (compiles, or fails only with `TooLong`),
//!   whose programs must agree with `ir::Policy::decide` in the emulator.
//!
//! Every property runs on a worker thread under a deadline; a hang fails the test and prints
//! the input being processed. `SYSGATE_PROP_SCALE=N` multiplies the number of cases, and
//! `SYSGATE_PROP_SEED=S` changes the seed, for longer local runs. The deeper, coverage-guided
//! runs are the cargo-fuzz targets in `fuzz/` (see README, "Fuzzing").

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use sysgate::arch::Arch;
use sysgate::bpf::emulator::{self, SeccompData};
use sysgate::bpf::insn::*;
use sysgate::bpf::{disasm, from_bytes, to_bytes};
use sysgate::compile::CompileError;
use sysgate::policy::Policy;

// ---------------------------------------------------------------------------------------
// Generator and harness

/// xorshift64* — small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next() % den < num
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    fn u32(&mut self) -> u32 {
        self.next() as u32
    }
}

fn scale() -> usize {
    std::env::var("SYSGATE_PROP_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

fn seed(salt: u64) -> u64 {
    let base = std::env::var("SYSGATE_PROP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_0001);
    base ^ salt
}

/// What the worker is doing now, printed when it panics or misses its deadline.
type Last = Arc<Mutex<String>>;

fn set_last(last: &Last, what: impl Into<String>) {
    *last.lock().unwrap_or_else(|e| e.into_inner()) = what.into();
}

/// Runs `f` on a worker thread (8 MiB stack, like a main thread) and fails if it panics or
/// has not finished after `secs` seconds, showing the input it was working on.
fn with_deadline(name: &str, secs: u64, f: impl FnOnce(&Last) + Send + 'static) {
    let secs = secs * scale() as u64;
    let last: Last = Arc::new(Mutex::new(String::from("(nothing yet)")));
    let (tx, rx) = mpsc::channel();
    let l2 = Arc::clone(&last);
    let h = std::thread::Builder::new()
        .name(name.to_string())
        .stack_size(8 << 20)
        .spawn(move || {
            let r = catch_unwind(AssertUnwindSafe(|| f(&l2)));
            let _ = tx.send(r.is_ok());
        })
        .expect("spawn worker");
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(true) => h.join().expect("worker"),
        Ok(false) | Err(mpsc::RecvTimeoutError::Disconnected) => {
            let l = last.lock().unwrap_or_else(|e| e.into_inner()).clone();
            panic!("{name}: panicked on input:\n{}", shorten(&l));
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let l = last.lock().unwrap_or_else(|e| e.into_inner()).clone();
            panic!("{name}: no answer within {secs} s; input:\n{}", shorten(&l));
        }
    }
}

fn shorten(s: &str) -> String {
    if s.len() <= 4000 {
        return s.to_string();
    }
    let mut cut = 4000;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} bytes in all)", &s[..cut], s.len())
}

/// Calls `f` and fails if that single call took longer than `limit`.
fn timed<T>(limit: Duration, what: &dyn Fn() -> String, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let r = f();
    let took = t.elapsed();
    assert!(
        took <= limit,
        "took {took:?} (limit {limit:?}) on {}",
        what()
    );
    r
}

// ---------------------------------------------------------------------------------------
// Policy text

const KEYWORDS: &[&str] = &[
    "default",
    "unknown",
    "badarch",
    "arch",
    "use",
    "fs",
    "net",
    "allow",
    "deny",
    "errno",
    "kill",
    "kill-process",
    "kill-thread",
    "trap",
    "log",
    "trace",
    "notify",
    "if",
    "in",
    "not",
    "native",
    "read",
    "write",
    "exec",
    "bind",
    "connect",
    "x86_64",
    "i386",
    "x32",
    "aarch64",
    "arm",
    "riscv64",
    "s390x",
    "ppc64le",
    "loongarch64",
    "mips",
    "amd64",
    "container",
    "strict",
    "service",
];
const SYSCALLS: &[&str] = &[
    "read",
    "write",
    "open",
    "openat",
    "clone",
    "clone3",
    "socket",
    "connect",
    "personality",
    "bpf",
    "mmap",
    "mmap2",
    "ioctl",
    "socketcall",
    "ipc",
    "_llseek",
    "prctl",
    "kill",
    "exit",
    "opne",
    "not_a_syscall",
];
const GROUPS: &[&str] = &[
    "@mount",
    "@known",
    "@system-service",
    "@default",
    "@raw-io",
    "@obsolete",
    "@nope",
    "@-",
];
const CONSTANTS: &[&str] = &[
    "CLONE_NEWUSER",
    "CLONE_NEWNS",
    "AF_INET",
    "AF_ALG",
    "AF_VSOCK",
    "EPERM",
    "ENOSYS",
    "EACCES",
    "O_RDONLY",
    "O_WRONLY",
    "PROT_EXEC",
    "MAP_SHARED",
    "PR_SET_NO_NEW_PRIVS",
    "PER_LINUX32",
    "TIOCSTI",
    "SOCK_RAW",
    "FOO_BAR",
    "EPREM",
];
const PARAMS: &[&str] = &[
    "arg0",
    "arg1",
    "arg5",
    "arg6",
    "arg255",
    "arg256",
    "arg99999999999",
    "flags",
    "domain",
    "persona",
    "fd",
    "request",
    "prot",
    "option",
    "type",
    "nope",
];
const PUNCT: &[&str] = &[
    "==", "!=", "<", "<=", ">", ">=", "&", "|", "&&", "||", "!", ",", "{", "}", "(", ")", "-", "=",
    "@", "#", "\\",
];
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "-0",
    "2",
    "38",
    "4095",
    "4096",
    "65535",
    "65536",
    "0xffffffff",
    "0x100000000",
    "0xffffffffffffffff",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "-18446744073709551615",
    "-18446744073709551616",
    "0x",
    "0b",
    "0b102",
    "0o777",
    "0o8",
    "1_000",
    "1__",
    "0x_",
    "00",
    "1e3",
    "-0x80000000",
];
const STRINGS: &[&str] = &[
    "\"container\"",
    "\"./missing.policy\"",
    "\"/nonexistent/sysgate/x.policy\"",
    "\"unterminated",
    "\"esc \\\" \\\\ \"",
    "\"\"",
    "\"é🙂\"",
    "/usr",
    "./x",
    "../y",
    "~/z",
    "/nonexistent",
    "~",
    ".",
    "..",
];
const ODD: &[&str] = &[
    "é", "∀", "🙂", "\u{202e}", "\u{feff}", "\0", "\r", "\t", "\x0b", "\x0c", "\x7f", "# c", "\n",
    "\n\n", "\r\n", "ß", "ǅ",
];

fn vocab_token(rng: &mut Rng) -> String {
    match rng.below(100) {
        0..=19 => rng.pick(KEYWORDS).to_string(),
        20..=34 => rng.pick(SYSCALLS).to_string(),
        35..=39 => rng.pick(GROUPS).to_string(),
        40..=47 => rng.pick(CONSTANTS).to_string(),
        48..=55 => rng.pick(PARAMS).to_string(),
        56..=75 => rng.pick(PUNCT).to_string(),
        76..=85 => rng.pick(NUMBERS).to_string(),
        86..=89 => rng.pick(STRINGS).to_string(),
        90..=95 => rng.pick(ODD).to_string(),
        96 => "a".repeat(1 + rng.below(5000)),
        97 => "(".repeat(1 + rng.below(60)),
        98 => format!("{}", rng.next()),
        _ => format!("0x{:x}{:x}", rng.next(), rng.next()),
    }
}

fn soup(rng: &mut Rng) -> String {
    let n = 1 + rng.below(60);
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(&vocab_token(rng));
        s.push_str(match rng.below(10) {
            0..=5 => " ",
            6..=7 => "\n",
            8 => "",
            _ => "\t",
        });
    }
    s
}

const DESIGN_EXAMPLE: &str = include_str!("data/design_example.policy");

const SMALL_EXAMPLE: &str = "arch x86_64 aarch64
default errno EPERM
badarch kill-thread
allow read write exit_group
trap 7 ptrace
trace 3 kill
log openat if (flags & O_WRONLY) == O_WRONLY && !(arg3 > 5) || arg2 <= 0x10
notify ioctl if request not in {TIOCSTI, 0x5412}
fs read /usr \"/etc\"
net connect 443 80
";

fn valid_sources() -> Vec<String> {
    let mut v: Vec<String> = sysgate::policy::builtin::names()
        .into_iter()
        .map(|n| sysgate::policy::builtin::source(n).unwrap().text.clone())
        .collect();
    v.push(DESIGN_EXAMPLE.to_string());
    v.push(SMALL_EXAMPLE.to_string());
    v
}

/// Splits `text` into (gap before, token) pieces using the lexer's spans, plus the tail.
fn pieces(text: &str) -> Option<(Vec<(String, String)>, String)> {
    let src = sysgate::policy::diag::Source::new("m.policy", text);
    let toks = sysgate::policy::lexer::lex(&src).ok()?;
    let mut out = Vec::new();
    let mut at = 0;
    for t in toks {
        let (s, e) = (t.span.start, t.span.end);
        if s < at || e <= s {
            continue;
        }
        out.push((text[at..s].to_string(), text[s..e].to_string()));
        at = e;
    }
    Some((out, text[at..].to_string()))
}

fn mutate(rng: &mut Rng, text: &str) -> String {
    let Some((mut p, tail)) = pieces(text) else {
        return text.to_string();
    };
    for _ in 0..1 + rng.below(4) {
        if p.is_empty() {
            break;
        }
        let i = rng.below(p.len());
        match rng.below(7) {
            0 => {
                p.remove(i);
            }
            1 => {
                let t = p[i].clone();
                p.insert(i, t);
            }
            2 => {
                let j = rng.below(p.len());
                let (a, b) = (p[i].1.clone(), p[j].1.clone());
                p[i].1 = b;
                p[j].1 = a;
            }
            3 => p[i].1 = vocab_token(rng),
            4 => p.insert(i, (" ".to_string(), vocab_token(rng))),
            5 => p[i].0 = String::new(),
            _ => {
                // Copy a run of tokens elsewhere.
                let len = 1 + rng.below(8);
                let run: Vec<_> = p.iter().skip(i).take(len).cloned().collect();
                let j = rng.below(p.len());
                for (k, t) in run.into_iter().enumerate() {
                    p.insert(j + k, t);
                }
            }
        }
    }
    let mut s: String = p.into_iter().map(|(g, t)| g + &t).collect();
    s.push_str(&tail);
    s
}

/// Parses and resolves `text`; when it resolves, compiles it too. Nothing may panic.
fn parse_and_compile(text: &str) {
    if let Ok(p) = Policy::parse("soup.policy", text) {
        // Display of warnings must not panic either.
        for w in &p.warnings {
            let _ = w.to_string();
        }
        match p.compile() {
            Ok(prog) => emulator::validate(&prog.insns).expect("compiled program is valid"),
            Err(CompileError::TooLong { .. } | CompileError::NoArch) => {}
        }
    } else if let Err(e) = Policy::parse("soup.policy", text) {
        assert!(!e.diagnostics.is_empty(), "an error without a diagnostic");
        let _ = e.to_string();
    }
}

#[test]
fn policy_token_soup_never_panics_or_hangs() {
    with_deadline("token soup", 60, |last| {
        let mut rng = Rng::new(seed(1));
        for i in 0..400 * scale() {
            let text = soup(&mut rng);
            set_last(last, format!("case {i}: {text:?}"));
            timed(Duration::from_secs(5), &|| format!("{text:?}"), || {
                parse_and_compile(&text)
            });
        }
    });
}

#[test]
fn mutated_valid_policies_never_panic_or_hang() {
    with_deadline("mutations", 60, |last| {
        let mut rng = Rng::new(seed(2));
        let sources = valid_sources();
        for s in &sources {
            Policy::parse("valid.policy", s).unwrap_or_else(|e| panic!("{e}\n{s}"));
        }
        for i in 0..150 * scale() {
            let base = rng.pick(&sources).clone();
            let text = mutate(&mut rng, &base);
            set_last(last, format!("case {i}: {text:?}"));
            timed(Duration::from_secs(5), &|| format!("{text:?}"), || {
                parse_and_compile(&text)
            });
        }
    });
}

#[test]
fn moderate_nesting_is_handled() {
    // Nesting up to the language's documented limit must work; one more level is a
    // located error, not a crash.
    with_deadline("nesting", 30, |last| {
        let n = sysgate::policy::parser::MAX_NESTING;
        let over = format!(
            "deny read if {}arg0 == 1{}\n",
            "(".repeat(n + 1),
            ")".repeat(n + 1)
        );
        let e = Policy::parse("nest.policy", &over).unwrap_err();
        assert!(e.to_string().contains("levels deep"), "{e}");
        let texts = [
            format!("deny read if {}arg0 == 1{}\n", "(".repeat(n), ")".repeat(n)),
            format!("deny read if {}arg0 == 1\n", "!".repeat(n)),
            format!("deny read if arg0 == {}1{}\n", "(".repeat(n), ")".repeat(n)),
            format!(
                "deny read if {}\n",
                (0..500)
                    .map(|i| format!("arg0 == {i}"))
                    .collect::<Vec<_>>()
                    .join(" || ")
            ),
        ];
        for t in texts {
            set_last(last, t.clone());
            Policy::parse("nest.policy", &t).unwrap_or_else(|e| panic!("{e}"));
        }
        // Unbalanced nesting is an error, not a crash.
        let t = format!("deny read if {}arg0 == 1\n", "(".repeat(n));
        set_last(last, t.clone());
        assert!(Policy::parse("nest.policy", &t).is_err());
    });
}

/// Runs `text` through `Policy::parse` on a thread with an 8 MiB stack (what `main` gets),
/// reporting whether it returned at all. A stack overflow aborts the whole test process, so
/// the tests calling this are ignored until the parser limits its depth.
fn parse_on_main_sized_stack(text: String) {
    let h = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || Policy::parse("deep.policy", &text).is_ok())
        .unwrap();
    let _ = h.join();
}

#[test]
fn deep_parentheses_in_condition_do_not_overflow_the_stack() {
    let n = 10_000;
    parse_on_main_sized_stack(format!(
        "deny read if {}arg0 == 1{}\n",
        "(".repeat(n),
        ")".repeat(n)
    ));
}

#[test]
fn many_negations_do_not_overflow_the_stack() {
    parse_on_main_sized_stack(format!("deny read if {}arg0 == 1\n", "!".repeat(10_000)));
}

#[test]
fn deep_parentheses_in_value_do_not_overflow_the_stack() {
    let n = 100_000;
    parse_on_main_sized_stack(format!(
        "deny read if arg0 == {}1{}\n",
        "(".repeat(n),
        ")".repeat(n)
    ));
}

#[test]
fn long_flat_or_chain_does_not_overflow_the_stack() {
    parse_on_main_sized_stack(format!(
        "deny read if {}\n",
        (0..10_000)
            .map(|i| format!("arg0 == {i}"))
            .collect::<Vec<_>>()
            .join(" || ")
    ));
}

/// Whether `name` lexes as exactly one word (so a rule can name it).
fn lexes_as_one_word(name: &str) -> bool {
    use sysgate::policy::lexer::{lex, Tok};
    let src = sysgate::policy::diag::Source::new("n.policy", name);
    matches!(lex(&src).as_deref(), Ok([w, nl]) if w.tok == Tok::Word(name.to_string()) && nl.tok == Tok::Newline)
}

#[test]
fn every_syscall_name_can_be_written_in_a_policy() {
    for arch in Arch::ALL {
        let names: Vec<(&str, u32)> = arch
            .syscalls()
            .iter()
            .copied()
            .filter(|(n, _)| *n != "r#break") // see syscall_break_is_named_break
            .collect();
        for (name, nr) in &names {
            assert!(lexes_as_one_word(name), "{arch}: '{name}' ({nr})");
        }
        let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
        let text = format!("arch {arch}\nallow {{\n{}\n}}\n", list.join("\n"));
        let p = Policy::parse("n.policy", &text).unwrap_or_else(|e| panic!("{e}"));
        for (name, nr) in &names {
            let ruling = p.resolved.sections[0].decide(*nr, &[0; 6]);
            assert_eq!(
                ruling.action,
                sysgate::policy::ast::Action::Allow,
                "{arch} {name}"
            );
        }
    }
}

#[test]
fn syscall_break_is_named_break() {
    for arch in [Arch::I386, Arch::Ppc64le] {
        assert_eq!(arch.syscall_nr("break"), Some(17), "{arch}");
        assert!(arch.syscalls().iter().all(|(n, _)| lexes_as_one_word(n)));
    }
}

// ---------------------------------------------------------------------------------------
// BPF

/// Opcodes seccomp accepts, to make random programs valid often enough to run.
const GOOD_CODES: &[u16] = &[
    BPF_LD | BPF_W | BPF_ABS,
    BPF_LD | BPF_W | BPF_LEN,
    BPF_LDX | BPF_W | BPF_LEN,
    BPF_LD | BPF_IMM,
    BPF_LDX | BPF_IMM,
    BPF_LD | BPF_MEM,
    BPF_LDX | BPF_MEM,
    BPF_ST,
    BPF_STX,
    BPF_ALU | BPF_ADD | BPF_K,
    BPF_ALU | BPF_SUB | BPF_X,
    BPF_ALU | BPF_MUL | BPF_K,
    BPF_ALU | BPF_DIV | BPF_X,
    BPF_ALU | BPF_DIV | BPF_K,
    BPF_ALU | BPF_AND | BPF_K,
    BPF_ALU | BPF_OR | BPF_X,
    BPF_ALU | BPF_XOR | BPF_K,
    BPF_ALU | BPF_LSH | BPF_K,
    BPF_ALU | BPF_RSH | BPF_X,
    BPF_ALU | BPF_NEG,
    BPF_ALU | BPF_MOD | BPF_K,
    BPF_JMP | BPF_JA,
    BPF_JMP | BPF_JEQ | BPF_K,
    BPF_JMP | BPF_JGT | BPF_X,
    BPF_JMP | BPF_JGE | BPF_K,
    BPF_JMP | BPF_JSET | BPF_K,
    BPF_RET | BPF_K,
    BPF_RET | BPF_A,
    BPF_MISC | BPF_TAX,
    BPF_MISC | BPF_TXA,
    BPF_LD | BPF_H | BPF_ABS,
    BPF_LD | BPF_B | BPF_IND,
    BPF_LDX | BPF_B | BPF_MSH,
];

fn random_insn(rng: &mut Rng, len: usize, at: usize) -> Insn {
    let code = if rng.chance(9, 10) {
        *rng.pick(GOOD_CODES)
    } else {
        rng.next() as u16
    };
    let left = len.saturating_sub(at + 1);
    let jmp = |rng: &mut Rng| -> u8 {
        if rng.chance(9, 10) {
            rng.below(left.min(255)) as u8
        } else {
            rng.next() as u8
        }
    };
    let jt = jmp(rng);
    let jf = jmp(rng);
    let k = match rng.below(6) {
        0 => rng.below(16) as u32,
        1 => 4 * rng.below(16) as u32,
        2 => rng.below(left.max(1)) as u32,
        3 => *rng.pick(&[0x0005_0001, 0x7fff_0000, 0x8000_0000, u32::MAX]),
        _ => rng.u32(),
    };
    Insn { code, jt, jf, k }
}

fn random_program(rng: &mut Rng) -> Vec<Insn> {
    let len = 1 + rng.below(40);
    let mut p: Vec<Insn> = (0..len).map(|at| random_insn(rng, len, at)).collect();
    if rng.chance(4, 5) {
        let last = p.len() - 1;
        p[last] = Insn::ret(rng.u32());
    }
    p
}

fn random_data(rng: &mut Rng, arches: &[Arch]) -> SeccompData {
    let arch = match rng.below(5) {
        0 => rng.u32(),
        _ if !arches.is_empty() => rng.pick(arches).audit_arch(),
        _ => rng.pick(&Arch::ALL).audit_arch(),
    };
    let nr = match rng.below(6) {
        0 => rng.u32(),
        1 => u32::MAX,
        2 => 0x4000_0000 | rng.below(600) as u32,
        _ => rng.below(600) as u32,
    };
    let mut args = [0u64; 6];
    for a in &mut args {
        *a = match rng.below(4) {
            0 => 0,
            1 => rng.below(64) as u64,
            2 => u64::from(rng.u32()),
            _ => rng.next(),
        };
    }
    SeccompData {
        nr,
        arch,
        instruction_pointer: rng.next(),
        args,
    }
}

/// The disassembler never panics, with or without an architecture hint.
fn check_disasm(prog: &[Insn]) {
    let _ = disasm::disassemble(prog, None);
    let _ = disasm::disassemble(prog, Some(&[Arch::X86_64, Arch::I386, Arch::X32]));
    let _ = disasm::disassemble(prog, Some(&[Arch::S390x]));
}

/// The emulator's contract on any program and input.
fn check_program(prog: &[Insn], data: &SeccompData) {
    let v = emulator::validate(prog);
    let r = emulator::run(prog, data);
    let _ = emulator::run_unchecked(prog, data);
    match (&v, &r) {
        (Err(e), Err(f)) => assert_eq!(e, f, "run reports the validation error"),
        (Err(e), Ok(o)) => panic!("validate rejected ({e}) but run executed: {o:?}"),
        (Ok(()), Err(f)) => panic!("validate accepted but run failed: {f}"),
        (Ok(()), Ok(o)) => {
            assert_eq!(o.executed, o.path.len());
            assert!(o.executed >= 1 && o.executed <= prog.len());
            assert!(
                o.path.windows(2).all(|w| w[0] < w[1]),
                "jumps only go forward: {:?}",
                o.path
            );
            let last = prog[*o.path.last().unwrap()];
            let ended_by_div0 = last.code == BPF_ALU | BPF_DIV | BPF_X && o.ret == 0;
            assert!(
                last.code & 0x07 == BPF_RET || ended_by_div0,
                "ended on a non-ret instruction {last:?}"
            );
        }
    }
}

#[test]
fn random_bytes_through_decoder_emulator_and_disassembler() {
    with_deadline("random bytes", 60, |last| {
        let mut rng = Rng::new(seed(3));
        for i in 0..3000 * scale() {
            let len = match rng.below(4) {
                0 => rng.below(24),
                _ => 8 * rng.below(30),
            };
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            set_last(last, format!("case {i}: bytes {bytes:02x?}"));
            let decoded = from_bytes(&bytes);
            assert_eq!(decoded.is_ok(), len > 0 && len % 8 == 0);
            if let Ok(prog) = decoded {
                assert_eq!(to_bytes(&prog), bytes);
                let data = random_data(&mut rng, &[]);
                timed(Duration::from_secs(2), &|| format!("{bytes:02x?}"), || {
                    check_disasm(&prog);
                    check_program(&prog, &data)
                });
            }
        }
    });
}

#[test]
fn random_programs_validate_run_and_disassemble() {
    with_deadline("random programs", 60, |last| {
        let mut rng = Rng::new(seed(4));
        let mut valid = 0;
        for i in 0..4000 * scale() {
            let prog = random_program(&mut rng);
            set_last(last, format!("case {i}: {prog:?}"));
            if emulator::validate(&prog).is_ok() {
                valid += 1;
            }
            timed(Duration::from_secs(2), &|| format!("{prog:?}"), || {
                check_disasm(&prog)
            });
            for _ in 0..3 {
                let data = random_data(&mut rng, &Arch::ALL);
                timed(Duration::from_secs(2), &|| format!("{prog:?}"), || {
                    check_program(&prog, &data)
                });
            }
        }
        assert!(
            valid > 100,
            "the generator makes too few valid programs ({valid})"
        );
    });
}

#[test]
fn mutated_compiled_programs() {
    with_deadline("mutated programs", 60, |last| {
        let mut rng = Rng::new(seed(5));
        let mut bases = Vec::new();
        for name in sysgate::policy::builtin::names() {
            bases.push(Policy::builtin(name).unwrap().compile().unwrap());
        }
        bases.push(
            Policy::parse("d.policy", DESIGN_EXAMPLE)
                .unwrap()
                .compile()
                .unwrap(),
        );
        bases.push(
            Policy::parse("s.policy", SMALL_EXAMPLE)
                .unwrap()
                .compile()
                .unwrap(),
        );
        for i in 0..400 * scale() {
            let base = rng.pick(&bases);
            let mut prog = base.insns.clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(prog.len());
                match rng.below(8) {
                    0 => prog[at].code ^= 1 << rng.below(16),
                    1 => prog[at].jt ^= 1 << rng.below(8),
                    2 => prog[at].jf ^= 1 << rng.below(8),
                    3 => prog[at].k ^= 1 << rng.below(32),
                    4 => prog[at] = random_insn(&mut rng, prog.len(), at),
                    5 => prog.truncate(at.max(1)),
                    6 => {
                        let i = prog[at];
                        prog.insert(at, i);
                    }
                    _ => {
                        prog.remove(at);
                        if prog.is_empty() {
                            prog.push(Insn::ret(0));
                        }
                    }
                }
            }
            set_last(last, format!("case {i}: {prog:?}"));
            // The disassembler's dataflow is the slow part on long programs: every 4th case.
            if i % 4 == 0 {
                timed(Duration::from_secs(5), &|| format!("{prog:?}"), || {
                    check_disasm(&prog)
                });
            }
            for _ in 0..4 {
                let data = random_data(&mut rng, &base.arches);
                timed(Duration::from_secs(2), &|| format!("{prog:?}"), || {
                    check_program(&prog, &data)
                });
            }
        }
    });
}

#[test]
fn over_long_programs_are_rejected_not_run() {
    let mut prog = vec![Insn::load_abs(0); 4096];
    prog.push(Insn::ret(0x7fff_0000));
    let d = SeccompData::default();
    assert!(matches!(
        emulator::validate(&prog),
        Err(emulator::EmuError::TooLong(4097))
    ));
    assert!(emulator::run(&prog, &d).is_err());
    let _ = disasm::disassemble(&prog, None);
    assert!(emulator::run(&[], &d).is_err());
    let _ = disasm::disassemble(&[], None);
}

// ---------------------------------------------------------------------------------------
// Well-formed random policies: the compiled program agrees with the IR

const ACTIONS: &[&str] = &[
    "allow",
    "deny",
    "errno ENOSYS",
    "errno 13",
    "errno 4095",
    "kill",
    "kill-thread",
    "trap",
    "trap 65535",
    "log",
    "trace 7",
    "notify",
];

/// Values worth comparing against: small, around 2^31/2^32, 64-bit.
const VALUES: &[u64] = &[
    0,
    1,
    2,
    3,
    7,
    0xff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
    0x1_0000_0000,
    0x1_0000_0001,
    0xffff_ffff_0000_0000,
    u64::MAX,
];

fn gen_value(rng: &mut Rng, used: &mut Vec<u64>) -> String {
    let v = if rng.chance(1, 3) {
        rng.below(100) as u64
    } else {
        *rng.pick(VALUES)
    };
    used.push(v);
    match rng.below(3) {
        0 => format!("{v:#x}"),
        _ => format!("{v}"),
    }
}

fn gen_cond(rng: &mut Rng, depth: u32, used: &mut Vec<u64>) -> String {
    if depth > 0 && rng.chance(1, 2) {
        let a = gen_cond(rng, depth - 1, used);
        let b = gen_cond(rng, depth - 1, used);
        return match rng.below(3) {
            0 => format!("({a}) && ({b})"),
            1 => format!("({a}) || ({b})"),
            _ => format!("!({a})"),
        };
    }
    let arg = format!("arg{}", rng.below(6));
    match rng.below(5) {
        0 => {
            let op = rng.pick(&["==", "!=", "<", "<=", ">", ">="]);
            format!("{arg} {op} {}", gen_value(rng, used))
        }
        1 => format!("{arg} & {}", gen_value(rng, used)),
        2 => {
            let m = gen_value(rng, used);
            format!("({arg} & {m}) == {}", gen_value(rng, used))
        }
        _ => {
            let not = if rng.chance(1, 2) { "not " } else { "" };
            let n = 1 + rng.below(4);
            let vals: Vec<String> = (0..n).map(|_| gen_value(rng, used)).collect();
            format!("{arg} {not}in {{{}}}", vals.join(", "))
        }
    }
}

/// A well-formed policy, the arches it targets, the syscall names it mentions and the
/// values its conditions use.
fn gen_policy(rng: &mut Rng) -> (String, Vec<Arch>, Vec<&'static str>, Vec<u64>) {
    let mut arches: Vec<Arch> = Arch::ALL
        .iter()
        .copied()
        .filter(|_| rng.chance(1, 3))
        .collect();
    if arches.is_empty() {
        arches.push(*rng.pick(&Arch::ALL));
    }
    let mut text = format!(
        "arch {}\n",
        arches
            .iter()
            .map(|a| a.name())
            .collect::<Vec<_>>()
            .join(" ")
    );
    for kw in ["default", "unknown", "badarch"] {
        if rng.chance(1, 2) {
            text += &format!("{kw} {}\n", rng.pick(ACTIONS));
        }
    }
    // Names a policy can spell (see `every_syscall_name_can_be_written_in_a_policy`).
    let table: Vec<(&'static str, u32)> = arches[0]
        .syscalls()
        .iter()
        .copied()
        .filter(|(n, _)| !n.contains('#'))
        .collect();
    let mut names = Vec::new();
    let mut used = Vec::new();
    for _ in 0..1 + rng.below(12) {
        let action = rng.pick(ACTIONS);
        let n = 1 + rng.below(3);
        let mut targets = Vec::new();
        for _ in 0..n {
            if rng.chance(1, 10) {
                targets.push(
                    rng.pick(&["@mount", "@clock", "@swap", "@reboot"])
                        .to_string(),
                );
            } else {
                let name = rng.pick(&table).0;
                names.push(name);
                targets.push(name.to_string());
            }
        }
        let targets = if rng.chance(1, 4) {
            format!("{{ {} }}", targets.join(" "))
        } else {
            targets.join(" ")
        };
        if rng.chance(2, 3) {
            let depth = rng.below(3) as u32;
            let c = gen_cond(rng, depth, &mut used);
            text += &format!("{action} {targets} if {c}\n");
        } else {
            text += &format!("{action} {targets}\n");
        }
    }
    (text, arches, names, used)
}

fn probe_args(rng: &mut Rng, used: &[u64]) -> [u64; 6] {
    let mut args = [0u64; 6];
    for a in &mut args {
        let base = if used.is_empty() || rng.chance(1, 4) {
            *rng.pick(VALUES)
        } else {
            *rng.pick(used)
        };
        let v = match rng.below(5) {
            0 => base.wrapping_add(1),
            1 => base.wrapping_sub(1),
            2 => base ^ (u64::from(rng.u32()) << 32),
            3 => rng.next(),
            _ => base,
        };
        *a = v;
    }
    args
}

#[test]
fn random_valid_policies_compile_and_agree_with_the_ir() {
    with_deadline("valid policies", 120, |last| {
        let mut rng = Rng::new(seed(6));
        for i in 0..60 * scale() {
            let (text, arches, names, used) = gen_policy(&mut rng);
            set_last(last, format!("case {i}:\n{text}"));
            let p = Policy::parse("gen.policy", &text)
                .unwrap_or_else(|e| panic!("generated policy rejected:\n{text}\n{e}"));
            let prog = match p.compile() {
                Ok(prog) => prog,
                Err(CompileError::TooLong { .. }) => continue,
                Err(e) => panic!("compile failed: {e}\n{text}"),
            };
            emulator::validate(&prog.insns).expect("valid program");
            for _ in 0..150 {
                let arch = match rng.below(8) {
                    0 => rng.pick(&Arch::ALL).audit_arch(),
                    1 => rng.u32(),
                    _ => rng.pick(&arches).audit_arch(),
                };
                let a = sysgate::ir::section_for(arch, 0).unwrap_or(Arch::X86_64);
                let nr = match rng.below(8) {
                    0 => rng.u32(),
                    1 => u32::MAX,
                    2 => 0x4000_0000 | rng.below(600) as u32,
                    3 => rng.below(1000) as u32,
                    _ => names
                        .get(rng.below(names.len()))
                        .and_then(|n| a.syscall_nr(n))
                        .unwrap_or(0),
                };
                let args = probe_args(&mut rng, &used);
                let expect = p.resolved.decide(arch, nr, &args).action.ret_value();
                let data = SeccompData {
                    nr,
                    arch,
                    instruction_pointer: rng.next(),
                    args,
                };
                let got = emulator::run(&prog.insns, &data).expect("runs").ret;
                assert_eq!(
                    got, expect,
                    "program and IR disagree on arch {arch:#x} nr {nr:#x} args {args:#x?}\n{text}"
                );
            }
        }
    });
}
