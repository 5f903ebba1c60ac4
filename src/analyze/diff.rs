//! `diff`: the exact semantic difference between two seccomp filters.
//!
//! Both inputs are compiled BPF programs, whatever they came from (a sysgate policy, a raw
//! `.bpf` file, and any other front end that produces a program — e.g. an imported OCI
//! profile), so two filters can be compared exactly when both compile.
//!
//! ## Method
//!
//! The two programs are executed *together* on a symbolic `seccomp_data`: 16 unknown 32-bit
//! words (`nr`, `arch`, the instruction pointer's and the six arguments' halves). The
//! registers `A`, `X` and the scratch cells of each program hold a constant, a loaded word
//! masked by a constant (`ld [k]` then any number of `and #m`), or an opaque value (any other
//! arithmetic on a loaded word). A conditional jump on a masked word adds the constraint
//! `(w & m) ∈ S` to the path (see [`symbolic`]); both outcomes are followed when
//! feasible, and an outcome is dropped only when [`WordDom::solve`] proves it infeasible,
//! which is exact. When both programs have returned, the path's region of inputs (a
//! conjunction of per-word constraints, non-empty by construction) is mapped by program A to
//! one return value and by program B to one return value. The regions of all explored paths
//! partition the whole input space (every branch splits a region into its two complementary
//! halves), so the programs are equivalent exactly when every region's two values agree; and
//! every region where they disagree is a difference, for which any member is a witness.
//!
//! A jump or `ret` that depends on an opaque value is reported as
//! [`DiffError::Unsupported`], never guessed. No filter produced by sysgate or libseccomp
//! needs more than constants, loads and `and`.
//!
//! Paths are explored one region at a time with no sharing; programs branch on `nr` first,
//! so both programs' nr tests refine one partition of the numbers and the argument tests run
//! only inside each number's region. The cost is the number of regions of that common
//! refinement (a few thousand for real filters). A step budget turns a pathological program
//! into an error instead of a hang.
//!
//! Return values are compared as the kernel acts on them: the action with the data the
//! kernel uses (the errno, capped at 4095; the trap and trace values); the data of other
//! actions is ignored and an unknown action is `kill` (the process).
//!
//! ## Reporting
//!
//! Each differing region is split by architecture (`seccomp_data.arch` values sysgate knows,
//! with x86_64 and x32 told apart by bit 30 of the number, plus every other value), then by
//! syscall number: one difference per syscall in that architecture's table, and maximal
//! ranges for numbers outside it. Every witness is re-run on both programs in the emulator
//! (the reference semantics); a disagreement is an internal error, never a report.

pub mod symbolic;

use crate::arch::Arch;
use crate::bpf::emulator::{self, describe_ret, SeccompData, AUDIT_ARCH_LE};
use crate::bpf::insn::*;
use crate::bpf::ret;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use symbolic::{IntervalSet, WordDom};

/// Which of the two programs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Side {
    A,
    B,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::A => "A",
            Side::B => "B",
        })
    }
}

/// Settings for [`diff`].
#[derive(Clone, Debug)]
pub struct Options {
    /// Compare only for these architectures (`None`: every `seccomp_data.arch` value,
    /// including architectures sysgate does not know).
    pub arches: Option<Vec<Arch>>,
    /// Give up (with [`DiffError::TooManyPaths`]) after this many symbolic steps.
    pub max_steps: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            arches: None,
            max_steps: 5_000_000,
        }
    }
}

/// Why two programs could not be compared.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiffError {
    /// A program is not a valid seccomp filter.
    BadProgram { side: Side, msg: String },
    /// A program decides on a value computed in a way the analysis does not model.
    Unsupported { side: Side, at: usize, why: String },
    /// The exploration exceeded its step budget.
    TooManyPaths { steps: usize },
    /// A witness did not reproduce in the emulator (a bug in this module).
    Internal(String),
}

impl fmt::Display for DiffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiffError::BadProgram { side, msg } => {
                write!(f, "program {side} is not a valid seccomp filter: {msg}")
            }
            DiffError::Unsupported { side, at, why } => write!(
                f,
                "program {side}: unsupported instruction at {at}: {why}; diff understands \
                 loads, constants, `and #k` and comparisons of a loaded word with a constant"
            ),
            DiffError::TooManyPaths { steps } => write!(
                f,
                "gave up after {steps} symbolic steps (the programs have too many paths); \
                 try restricting the comparison with --arch"
            ),
            DiffError::Internal(m) => write!(f, "internal error (please report): {m}"),
        }
    }
}

impl std::error::Error for DiffError {}

/// Which numbers a [`Difference`] is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Numbers {
    /// One syscall of the architecture's table.
    Syscall { name: String, nr: u32 },
    /// Numbers outside the table, `lo..=hi`. With `every`, each of them differs (for some
    /// arguments); otherwise only some do (the witness is one).
    Range { lo: u32, hi: u32, every: bool },
}

/// One difference: on `arch`, for `numbers`, some arguments make A and B act differently.
#[derive(Clone, Debug, Serialize)]
pub struct Difference {
    /// Architecture name, or `other` for `seccomp_data.arch` values sysgate does not know.
    pub arch: String,
    /// The `seccomp_data.arch` value (the witness's).
    pub audit_arch: u32,
    pub numbers: Numbers,
    /// What A and B return for the witness (as the programs return it).
    pub ret_a: u32,
    pub ret_b: u32,
    pub action_a: String,
    pub action_b: String,
    /// An input on which A returns `ret_a` and B `ret_b`, checked in the emulator.
    pub witness: SeccompData,
}

/// The result of [`diff`].
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub equivalent: bool,
    pub differences: Vec<Difference>,
    /// Regions of the input space explored (paths through both programs).
    pub regions: usize,
}

/// The return value as the kernel acts on it (see the module documentation).
pub fn canonical_ret(v: u32) -> u32 {
    match emulator::action_of(v) {
        ret::ERRNO => ret::ERRNO | (v & ret::DATA).min(4095),
        ret::TRAP | ret::TRACE => v,
        a => a,
    }
}

// ---------------------------------------------------------------------------------------
// Symbolic execution of one program.

/// A register or scratch cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sym {
    Const(u32),
    /// `word[w] & mask` (mask non-zero).
    Word {
        w: u8,
        mask: u32,
    },
    /// Computed at instruction `at` in a way not modelled.
    Opaque {
        at: usize,
    },
}

fn masked(w: u8, mask: u32) -> Sym {
    if mask == 0 {
        Sym::Const(0)
    } else {
        Sym::Word { w, mask }
    }
}

/// The registers and scratch cells of one program (shared with `decompile`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Regs {
    a: Sym,
    x: Sym,
    mem: [Sym; 16],
}

impl Default for Regs {
    fn default() -> Regs {
        Regs {
            a: Sym::Const(0),
            x: Sym::Const(0),
            mem: [Sym::Const(0); 16],
        }
    }
}

/// Where one program stopped.
pub(crate) enum Stop {
    Ret(u32),
    /// `(word[w] & mask) ∈ t` goes to `jt`, `∈ f` (the complement) to `jf`.
    Branch {
        w: usize,
        mask: u32,
        t: IntervalSet,
        f: IntervalSet,
        jt: usize,
        jf: usize,
    },
}

fn unsupported(side: Side, at: usize, why: impl Into<String>) -> DiffError {
    DiffError::Unsupported {
        side,
        at,
        why: why.into(),
    }
}

fn alu_const(op: u16, a: u32, b: u32) -> u32 {
    match op {
        BPF_ADD => a.wrapping_add(b),
        BPF_SUB => a.wrapping_sub(b),
        BPF_MUL => a.wrapping_mul(b),
        BPF_DIV => a.checked_div(b).unwrap_or(0),
        BPF_OR => a | b,
        BPF_AND => a & b,
        BPF_XOR => a ^ b,
        BPF_LSH => a << (b & 31),
        BPF_RSH => a >> (b & 31),
        _ => a.wrapping_neg(),
    }
}

/// Runs `prog` from `*pc` until a `ret` or a jump that depends on the input (also used by
/// `decompile`, which explores one program the same way).
pub(crate) fn advance(
    prog: &[Insn],
    side: Side,
    pc: &mut usize,
    r: &mut Regs,
) -> Result<Stop, DiffError> {
    loop {
        let at = *pc;
        let i = prog[at];
        let (code, k) = (i.code, i.k);
        match code & 0x07 {
            BPF_LD | BPF_LDX => {
                let v = match code & 0xe0 {
                    BPF_ABS => Sym::Word {
                        w: (k / 4) as u8,
                        mask: u32::MAX,
                    },
                    BPF_LEN => Sym::Const(emulator::SECCOMP_DATA_SIZE),
                    BPF_MEM => r.mem[k as usize],
                    _ => Sym::Const(k), // BPF_IMM
                };
                if code & 0x07 == BPF_LD {
                    r.a = v;
                } else {
                    r.x = v;
                }
                *pc += 1;
            }
            BPF_ST => {
                r.mem[k as usize] = r.a;
                *pc += 1;
            }
            BPF_STX => {
                r.mem[k as usize] = r.x;
                *pc += 1;
            }
            BPF_MISC => {
                if code == BPF_MISC | BPF_TAX {
                    r.x = r.a;
                } else {
                    r.a = r.x;
                }
                *pc += 1;
            }
            BPF_ALU => {
                let op = code & 0xf0;
                let src = if code & BPF_X != 0 {
                    r.x
                } else {
                    Sym::Const(k)
                };
                if op == BPF_DIV && src == Sym::Const(0) {
                    // The kernel's conversion makes the filter return 0 here.
                    return Ok(Stop::Ret(0));
                }
                if op == BPF_DIV && !matches!(src, Sym::Const(_)) {
                    return Err(unsupported(
                        side,
                        at,
                        "division by a value read from the input (the filter returns 0 when it is 0)",
                    ));
                }
                r.a = match (op, r.a, src) {
                    (BPF_NEG, Sym::Const(a), _) => Sym::Const(a.wrapping_neg()),
                    (BPF_NEG, _, _) => Sym::Opaque { at },
                    (_, Sym::Const(a), Sym::Const(b)) => Sym::Const(alu_const(op, a, b)),
                    (BPF_AND, Sym::Word { w, mask }, Sym::Const(b))
                    | (BPF_AND, Sym::Const(b), Sym::Word { w, mask }) => masked(w, mask & b),
                    // Identities leave the value as it is.
                    (
                        BPF_ADD | BPF_SUB | BPF_OR | BPF_XOR | BPF_LSH | BPF_RSH,
                        v,
                        Sym::Const(0),
                    )
                    | (BPF_MUL | BPF_DIV, v, Sym::Const(1))
                    | (BPF_AND, v, Sym::Const(u32::MAX)) => v,
                    _ => Sym::Opaque { at },
                };
                *pc += 1;
            }
            BPF_JMP => {
                if code == BPF_JMP | BPF_JA {
                    *pc += 1 + k as usize;
                    continue;
                }
                let op = code & 0xf0;
                let src = if code & BPF_X != 0 {
                    r.x
                } else {
                    Sym::Const(k)
                };
                let jt = at + 1 + i.jt as usize;
                let jf = at + 1 + i.jf as usize;
                let (w, mask, t) = match (r.a, src) {
                    (Sym::Const(a), Sym::Const(b)) => {
                        let taken = match op {
                            BPF_JEQ => a == b,
                            BPF_JGT => a > b,
                            BPF_JGE => a >= b,
                            _ => a & b != 0,
                        };
                        *pc = if taken { jt } else { jf };
                        continue;
                    }
                    // `(word & mask) OP b`.
                    (Sym::Word { w, mask }, Sym::Const(b)) => match op {
                        BPF_JEQ => (w, mask, IntervalSet::single(b)),
                        BPF_JGT if b == u32::MAX => (w, mask, IntervalSet::empty()),
                        BPF_JGT => (w, mask, IntervalSet::range(b + 1, u32::MAX)),
                        BPF_JGE => (w, mask, IntervalSet::range(b, u32::MAX)),
                        _ => (w, mask & b, IntervalSet::range(1, u32::MAX)),
                    },
                    // `a OP (word & mask)`, with A a constant and X the word.
                    (Sym::Const(a), Sym::Word { w, mask }) => match op {
                        BPF_JEQ => (w, mask, IntervalSet::single(a)),
                        BPF_JGT if a == 0 => (w, mask, IntervalSet::empty()),
                        BPF_JGT => (w, mask, IntervalSet::range(0, a - 1)),
                        BPF_JGE => (w, mask, IntervalSet::range(0, a)),
                        _ => (w, mask & a, IntervalSet::range(1, u32::MAX)),
                    },
                    (Sym::Opaque { at: from }, _) | (_, Sym::Opaque { at: from }) => {
                        return Err(unsupported(
                            side,
                            at,
                            format!("the jump compares a value computed at instruction {from}"),
                        ))
                    }
                    _ => {
                        return Err(unsupported(
                            side,
                            at,
                            "the jump compares two values read from the input",
                        ))
                    }
                };
                if mask == 0 {
                    // `jset` with no common bit: never taken.
                    *pc = if t.contains(0) { jt } else { jf };
                    continue;
                }
                let f = t.complement();
                return Ok(Stop::Branch {
                    w: w as usize,
                    mask,
                    t,
                    f,
                    jt,
                    jf,
                });
            }
            _ => {
                // BPF_RET
                if code == BPF_RET | BPF_K {
                    return Ok(Stop::Ret(k));
                }
                return match r.a {
                    Sym::Const(v) => Ok(Stop::Ret(v)),
                    Sym::Opaque { at: from } => Err(unsupported(
                        side,
                        at,
                        format!("`ret a` returns a value computed at instruction {from}"),
                    )),
                    Sym::Word { .. } => Err(unsupported(
                        side,
                        at,
                        "`ret a` returns a value read from the input",
                    )),
                };
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The product exploration.

const WORDS: usize = 16;

#[derive(Clone)]
struct Node {
    pc: [usize; 2],
    regs: [Regs; 2],
    words: Vec<WordDom>,
}

/// A region of inputs where A returns `ra` and B `rb` (canonical values differ).
struct Leaf {
    words: Vec<WordDom>,
    ra: u32,
    rb: u32,
}

/// Compares programs `a` and `b` exactly. See the module documentation.
pub fn diff(a: &[Insn], b: &[Insn], opts: &Options) -> Result<Report, DiffError> {
    emulator::validate(a).map_err(|e| DiffError::BadProgram {
        side: Side::A,
        msg: e.to_string(),
    })?;
    emulator::validate(b).map_err(|e| DiffError::BadProgram {
        side: Side::B,
        msg: e.to_string(),
    })?;
    let progs = [a, b];
    let mut words = vec![WordDom::default(); WORDS];
    if let Some(list) = &opts.arches {
        words[1].constrain(
            u32::MAX,
            &IntervalSet::of_values(list.iter().map(|a| a.audit_arch())),
        );
    }
    let mut stack = vec![Node {
        pc: [0, 0],
        regs: [Regs::default(); 2],
        words,
    }];
    let mut leaves = Vec::new();
    let mut steps = 0usize;
    let mut regions = 0usize;
    while let Some(mut node) = stack.pop() {
        steps += 1;
        if steps > opts.max_steps {
            return Err(DiffError::TooManyPaths { steps });
        }
        let mut rets = [0u32; 2];
        let mut branch = None;
        for s in 0..2 {
            let side = if s == 0 { Side::A } else { Side::B };
            match advance(progs[s], side, &mut node.pc[s], &mut node.regs[s])? {
                Stop::Ret(v) => rets[s] = v,
                br => {
                    branch = Some((s, br));
                    break;
                }
            }
        }
        let Some((
            s,
            Stop::Branch {
                w,
                mask,
                t,
                f,
                jt,
                jf,
            },
        )) = branch
        else {
            regions += 1;
            if canonical_ret(rets[0]) != canonical_ret(rets[1]) {
                leaves.push(Leaf {
                    words: node.words,
                    ra: rets[0],
                    rb: rets[1],
                });
            }
            continue;
        };
        let other = node.clone();
        // The false side first on the stack, so the true side is explored first.
        let mut children = Vec::with_capacity(2);
        for (mut n, set, target) in [(other, f, jf), (node, t, jt)] {
            if n.words[w].constrain(mask, &set) && n.words[w].solve().is_some() {
                n.pc[s] = target;
                children.push(n);
            }
        }
        stack.extend(children);
    }
    let differences = report(&leaves, progs, opts)?;
    Ok(Report {
        equivalent: differences.is_empty(),
        differences,
        regions,
    })
}

// ---------------------------------------------------------------------------------------
// Turning differing regions into per-architecture, per-syscall differences.

/// The numbers `arch`'s section decides under its audit value (see `ir::section_for`).
fn arch_numbers(arch: Arch) -> IntervalSet {
    let x32 = crate::arch::X32_SYSCALL_BIT;
    match arch {
        Arch::X86_64 => IntervalSet::range(x32, u32::MAX - 1).complement(),
        Arch::X32 => IntervalSet::range(x32, u32::MAX - 1),
        _ => IntervalSet::full(),
    }
}

fn data_of(w: &[u32; WORDS]) -> SeccompData {
    let le = w[1] & AUDIT_ARCH_LE != 0;
    let join = |first: u32, second: u32| {
        if le {
            u64::from(first) | u64::from(second) << 32
        } else {
            u64::from(first) << 32 | u64::from(second)
        }
    };
    let mut args = [0u64; 6];
    for (i, a) in args.iter_mut().enumerate() {
        *a = join(w[4 + 2 * i], w[5 + 2 * i]);
    }
    SeccompData {
        nr: w[0],
        arch: w[1],
        instruction_pointer: join(w[2], w[3]),
        args,
    }
}

/// Sort key of an architecture label: its place in `Arch::ALL`, `other` last.
fn arch_rank(arch: Option<Arch>) -> usize {
    arch.and_then(|a| Arch::ALL.iter().position(|&b| b == a))
        .unwrap_or(Arch::ALL.len())
}

type Key = (usize, u32, u32, u32, u32);

fn report(
    leaves: &[Leaf],
    progs: [&[Insn]; 2],
    opts: &Options,
) -> Result<Vec<Difference>, DiffError> {
    let scope: Vec<Arch> = opts.arches.clone().unwrap_or_else(|| Arch::ALL.to_vec());
    let mut audits: Vec<u32> = Arch::ALL.iter().map(|a| a.audit_arch()).collect();
    audits.sort_unstable();
    audits.dedup();
    let known = IntervalSet::of_values(audits.iter().copied());
    let tables: BTreeMap<Arch, IntervalSet> = scope
        .iter()
        .map(|&a| (a, IntervalSet::of_values(a.syscalls().iter().map(|s| s.1))))
        .collect();
    let mut groups: BTreeMap<Key, Difference> = BTreeMap::new();
    for leaf in leaves {
        let mut base = [0u32; WORDS];
        for (i, d) in leaf.words.iter().enumerate() {
            base[i] = d
                .solve()
                .ok_or_else(|| DiffError::Internal(format!("infeasible region at word {i}")))?;
        }
        let mut add = |arch: Option<Arch>, audit: u32, numbers: Numbers, nr: u32| {
            let lo = match &numbers {
                Numbers::Syscall { nr, .. } => *nr,
                Numbers::Range { lo, .. } => *lo,
            };
            let key = (arch_rank(arch), audit, lo, leaf.ra, leaf.rb);
            groups.entry(key).or_insert_with(|| {
                let mut w = base;
                w[0] = nr;
                w[1] = audit;
                Difference {
                    arch: arch.map_or("other", |a| a.name()).to_string(),
                    audit_arch: audit,
                    numbers,
                    ret_a: leaf.ra,
                    ret_b: leaf.rb,
                    action_a: describe_ret(leaf.ra),
                    action_b: describe_ret(leaf.rb),
                    witness: data_of(&w),
                }
            });
        };
        let (nr_dom, arch_dom) = (&leaf.words[0], &leaf.words[1]);
        for &audit in &audits {
            if !arch_dom.contains(audit) {
                continue;
            }
            for arch in Arch::from_audit_arch(audit) {
                if !scope.contains(&arch) {
                    continue;
                }
                let numbers = arch_numbers(arch);
                for &(name, nr) in arch.syscalls() {
                    if numbers.contains(nr) && nr_dom.contains(nr) {
                        let n = Numbers::Syscall {
                            name: name.to_string(),
                            nr,
                        };
                        add(Some(arch), audit, n, nr);
                    }
                }
                let hull = nr_dom
                    .full_mask_set()
                    .cloned()
                    .unwrap_or_else(IntervalSet::full);
                let outside = hull.intersect(&numbers).minus(&tables[&arch]);
                for &(lo, hi) in outside.intervals() {
                    let mut d = nr_dom.clone();
                    d.constrain(u32::MAX, &IntervalSet::range(lo, hi));
                    if let Some(nr) = d.solve() {
                        let every = nr_dom.is_intervals_only();
                        add(Some(arch), audit, Numbers::Range { lo, hi, every }, nr);
                    }
                }
            }
        }
        if opts.arches.is_none() {
            let mut d = arch_dom.clone();
            d.constrain(u32::MAX, &known.complement());
            if let Some(audit) = d.solve() {
                let hull = nr_dom
                    .full_mask_set()
                    .cloned()
                    .unwrap_or_else(IntervalSet::full);
                let (lo, hi) = match (hull.intervals().first(), hull.intervals().last()) {
                    (Some(f), Some(l)) => (f.0, l.1),
                    _ => (0, u32::MAX),
                };
                let every = nr_dom.is_intervals_only() && hull.intervals().len() == 1;
                add(None, audit, Numbers::Range { lo, hi, every }, base[0]);
            }
        }
    }
    // Merge adjacent ranges with the same actions.
    let mut out: Vec<Difference> = Vec::new();
    let mut sorted: Vec<(Key, Difference)> = groups.into_iter().collect();
    sorted.sort_by_key(|(k, _)| (k.0, k.1, k.3, k.4, k.2));
    for (_, d) in sorted {
        if let Some(prev) = out.last_mut() {
            if let (
                Numbers::Range {
                    hi: ph,
                    every: true,
                    ..
                },
                Numbers::Range {
                    lo,
                    hi,
                    every: true,
                },
            ) = (&mut prev.numbers, &d.numbers)
            {
                if prev.arch == d.arch
                    && prev.audit_arch == d.audit_arch
                    && prev.ret_a == d.ret_a
                    && prev.ret_b == d.ret_b
                    && ph.checked_add(1) == Some(*lo)
                {
                    *ph = *hi;
                    continue;
                }
            }
        }
        out.push(d);
    }
    out.sort_by_key(|d| {
        let arch = Arch::from_name(&d.arch).filter(|_| d.arch != "other");
        let lo = match &d.numbers {
            Numbers::Syscall { nr, .. } => *nr,
            Numbers::Range { lo, .. } => *lo,
        };
        (arch_rank(arch), d.audit_arch, lo, d.ret_a, d.ret_b)
    });
    // The emulator is the reference: every witness must reproduce.
    for d in &out {
        let got: Vec<u32> = progs
            .iter()
            .map(|p| emulator::run_unchecked(p, &d.witness).map(|o| o.ret))
            .collect::<Result<_, _>>()
            .map_err(|e| DiffError::Internal(format!("emulator failed on a witness: {e}")))?;
        if canonical_ret(got[0]) != canonical_ret(d.ret_a)
            || canonical_ret(got[1]) != canonical_ret(d.ret_b)
        {
            return Err(DiffError::Internal(format!(
                "witness {:?} gives {:#x}/{:#x} in the emulator, expected {:#x}/{:#x}",
                d.witness, got[0], got[1], d.ret_a, d.ret_b
            )));
        }
    }
    Ok(out)
}
