//! `decompile`: any seccomp cBPF program back to a resolved policy ([`ir::Policy`]), and from
//! there to policy text ([`crate::formats::text::write`]).
//!
//! ## Method
//!
//! The program is executed symbolically once, with the symbolic executor of
//! [`super::diff`], over the 16 unknown 32-bit words of `seccomp_data`. Every path ends in a
//! `ret` and carries its region of inputs: a conjunction of per-word constraints
//! `(w & m) ∈ S` ([`WordDom`]); the regions of all paths partition the input space. Then:
//!
//! 1. **Architectures.** The `badarch` action is what the paths give to `seccomp_data.arch`
//!    values sysgate does not know. A known architecture is *handled* when some path for its
//!    audit value (and, for `AUDIT_ARCH_X86_64`, its half of the numbers: x32 from bit 30 up)
//!    returns something else; each handled one becomes a section (or the `--arch` list).
//! 2. **Syscalls.** For each number of the section's table, the paths whose region contains
//!    it (arch fixed too) partition the argument space; each is a conjunction of constraints
//!    on the argument words, written back as sysgate atoms (the low and high words of a 64-bit
//!    parameter combined into 64-bit comparisons where they can be, e.g. `hi == 0 && lo == 5`
//!    is `== 5`; for 32-bit parameters and 32-bit ABIs only the low word counts). The most
//!    frequent action becomes `otherwise`, the other paths rules, those of one action
//!    together. Paths of one action that differ only in a 16-bit parameter (`mode`, which
//!    the compiler tests bit by bit) become one rule, whose condition on it is exactly the
//!    set of values leading to that action; the text writer says that set as ranges on
//!    the parameter's name (`mode >= 0o755`).
//! 3. **Other numbers.** The paths for numbers outside the table give `unknown`.
//!
//! What the policy language cannot say is reported precisely in [`Decompiled::notes`] (and
//! as comments in the text), never guessed silently: tests of the instruction pointer, of
//! the upper half of a 32-bit parameter, different actions for different numbers outside the
//! table (runc's ENOSYS stub) or for different unknown architectures. Arithmetic other than
//! `and` on a loaded word, and masked ranges with too many values to list, are errors.
//!
//! [`decompile_text`] writes the text and checks it: it is compiled again and compared with
//! the input by [`super::diff::diff`]; any difference (the text writer gives one decision per
//! syscall name to every architecture) becomes a note too.

use super::diff::symbolic::{IntervalSet, WordDom};
use super::diff::{self, advance, canonical_ret, DiffError, Regs, Side, Stop};
use crate::arch::{Arch, X32_SYSCALL_BIT};
use crate::bpf::emulator;
use crate::bpf::Insn;
use crate::ir::{self, ArchSection, Atom, Cond, CondRule, Decision, Origin, Ruling, Test};
use crate::policy::ast::Action;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Settings for [`decompile`].
#[derive(Clone, Debug)]
pub struct Options {
    /// Decompile exactly these architectures (default: those the program handles).
    pub arches: Option<Vec<Arch>>,
    /// Give up after this many symbolic steps.
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

/// The result: a policy, and what it could not say.
#[derive(Clone, Debug)]
pub struct Decompiled {
    pub policy: ir::Policy,
    /// Where the program does something the policy language cannot express, and what the
    /// policy says instead. Empty when the policy is exact.
    pub notes: Vec<String>,
}

/// Why a program could not be decompiled.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecompileError {
    /// Not a valid seccomp filter.
    BadProgram(String),
    /// An instruction the analysis does not model (arithmetic other than `and`, …).
    Unsupported { at: usize, why: String },
    /// Too many paths.
    TooManyPaths { steps: usize },
    /// A condition the language cannot write (e.g. a masked range with too many values).
    Inexpressible(String),
    /// The program handles no architecture sysgate knows.
    NoArch,
}

impl fmt::Display for DecompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecompileError::BadProgram(m) => write!(f, "not a valid seccomp filter: {m}"),
            DecompileError::Unsupported { at, why } => write!(
                f,
                "instruction {at}: {why}; the decompiler understands loads, constants, \
                 `and #k` and comparisons of a loaded word with a constant"
            ),
            DecompileError::TooManyPaths { steps } => write!(
                f,
                "gave up after {steps} symbolic steps (the program has too many paths); \
                 try one architecture with --arch"
            ),
            DecompileError::Inexpressible(m) => {
                write!(f, "the policy language cannot express: {m}")
            }
            DecompileError::NoArch => write!(
                f,
                "the program treats every known architecture like an unknown one \
                 (no architecture to decompile); name one with --arch"
            ),
        }
    }
}

impl std::error::Error for DecompileError {}

fn from_diff(e: DiffError) -> DecompileError {
    match e {
        DiffError::Unsupported { at, why, .. } => DecompileError::Unsupported { at, why },
        DiffError::TooManyPaths { steps } => DecompileError::TooManyPaths { steps },
        DiffError::BadProgram { msg, .. } => DecompileError::BadProgram(msg),
        other => DecompileError::BadProgram(other.to_string()),
    }
}

const WORDS: usize = 16;
const W_NR: usize = 0;
const W_ARCH: usize = 1;

/// One path: its region of inputs and its (canonical) return value.
struct Leaf {
    words: Vec<WordDom>,
    ret: u32,
}

/// Explores every path of `prog`. `ip_checks` collects the jumps on the instruction pointer.
fn explore(
    prog: &[Insn],
    max_steps: usize,
    ip_checks: &mut BTreeSet<usize>,
) -> Result<Vec<Leaf>, DecompileError> {
    struct Node {
        pc: usize,
        regs: Regs,
        words: Vec<WordDom>,
    }
    let mut stack = vec![Node {
        pc: 0,
        regs: Regs::default(),
        words: vec![WordDom::default(); WORDS],
    }];
    let mut leaves = Vec::new();
    let mut steps = 0usize;
    while let Some(mut n) = stack.pop() {
        steps += 1;
        if steps > max_steps {
            return Err(DecompileError::TooManyPaths { steps });
        }
        match advance(prog, Side::A, &mut n.pc, &mut n.regs).map_err(from_diff)? {
            Stop::Ret(v) => leaves.push(Leaf {
                words: n.words,
                ret: canonical_ret(v),
            }),
            Stop::Branch {
                w,
                mask,
                t,
                f,
                jt,
                jf,
            } => {
                if w == 2 || w == 3 {
                    ip_checks.insert(n.pc);
                }
                let mut other = Node {
                    pc: jf,
                    regs: n.regs,
                    words: n.words.clone(),
                };
                let mut kids = Vec::with_capacity(2);
                if other.words[w].constrain(mask, &f) && other.words[w].solve().is_some() {
                    other.pc = jf;
                    kids.push(other);
                }
                if n.words[w].constrain(mask, &t) && n.words[w].solve().is_some() {
                    n.pc = jt;
                    kids.push(n);
                }
                stack.extend(kids);
            }
        }
    }
    Ok(leaves)
}

/// The numbers `arch`'s section decides under its audit value (see `ir::section_for`).
fn arch_numbers(arch: Arch) -> IntervalSet {
    match arch {
        Arch::X86_64 => IntervalSet::range(X32_SYSCALL_BIT, u32::MAX - 1).complement(),
        Arch::X32 => IntervalSet::range(X32_SYSCALL_BIT, u32::MAX - 1),
        _ => IntervalSet::full(),
    }
}

fn ruling(ret: u32) -> Ruling {
    Ruling {
        action: Action::from_ret(ret),
        origin: Origin::implicit("decompiled"),
    }
}

fn action_text(ret: u32) -> String {
    Action::from_ret(ret).to_string()
}

/// The number of values of `set`, saturating.
fn count(set: &IntervalSet) -> u64 {
    set.intervals()
        .iter()
        .map(|&(a, b)| u64::from(b - a) + 1)
        .sum()
}

fn ranges_text(set: &IntervalSet) -> String {
    const SHOWN: usize = 6;
    let ivs = set.intervals();
    let mut parts: Vec<String> = ivs
        .iter()
        .take(SHOWN)
        .map(|&(a, b)| {
            if a == b {
                format!("{a:#x}")
            } else {
                format!("{a:#x}..={b:#x}")
            }
        })
        .collect();
    if ivs.len() > SHOWN {
        parts.push(format!("and {} more ranges", ivs.len() - SHOWN));
    }
    parts.join(", ")
}

/// The most frequent return value (by weight); ties go to the first one seen.
fn most_common(weights: &[(u32, u64)]) -> Option<u32> {
    let mut best: Option<(u32, u64)> = None;
    for &(r, w) in weights {
        if best.map_or(true, |(_, bw)| w > bw) {
            best = Some((r, w));
        }
    }
    best.map(|(r, _)| r)
}

fn add_weight(v: &mut Vec<(u32, u64)>, r: u32, w: u64) {
    match v.iter_mut().find(|(x, _)| *x == r) {
        Some(e) => e.1 = e.1.saturating_add(w),
        None => v.push((r, w)),
    }
}

/// Decompiles `prog`. See the module documentation.
pub fn decompile(prog: &[Insn], opts: &Options) -> Result<Decompiled, DecompileError> {
    emulator::validate(prog).map_err(|e| DecompileError::BadProgram(e.to_string()))?;
    let mut ip_checks = BTreeSet::new();
    let leaves = explore(prog, opts.max_steps, &mut ip_checks)?;
    let mut notes = Vec::new();

    // 1. Unknown architectures.
    let mut audits: Vec<u32> = Arch::ALL.iter().map(|a| a.audit_arch()).collect();
    audits.sort_unstable();
    audits.dedup();
    let foreign = IntervalSet::of_values(audits.iter().copied()).complement();
    let mut foreign_rets: Vec<(u32, u64)> = Vec::new();
    let mut foreign_depends = false;
    for l in &leaves {
        let mut d = l.words[W_ARCH].clone();
        if d.constrain(u32::MAX, &foreign) && d.solve().is_some() {
            let nrs = l.words[W_NR].full_mask_set().map_or(1 << 32, count);
            let w = d.full_mask_set().map_or(1, count).saturating_mul(nrs);
            add_weight(&mut foreign_rets, l.ret, w);
            if l.words
                .iter()
                .enumerate()
                .any(|(i, w)| i != W_ARCH && !w.is_unconstrained())
            {
                foreign_depends = true;
            }
        }
    }
    let badarch = most_common(&foreign_rets).unwrap_or(crate::bpf::ret::KILL_PROCESS);
    if foreign_rets.len() > 1 {
        let list: Vec<String> = foreign_rets.iter().map(|&(r, _)| action_text(r)).collect();
        notes.push(format!(
            "unknown architectures are not all treated alike (the program gives them {}); \
             the language has one `badarch` action: {} (the most common)",
            list.join(", "),
            action_text(badarch)
        ));
    }
    if foreign_depends {
        notes.push(
            "the program does not check every architecture before looking at the syscall \
             number or arguments (unknown architectures all get the same action anyway)"
                .to_string(),
        );
    }

    // 2. Sections.
    let mut sections = Vec::new();
    for arch in Arch::ALL {
        if let Some(list) = &opts.arches {
            if !list.contains(&arch) {
                continue;
            }
        }
        let audit = arch.audit_arch();
        let numbers = arch_numbers(arch);
        let mine: Vec<&Leaf> = leaves
            .iter()
            .filter(|l| {
                let mut d = l.words[W_NR].clone();
                l.words[W_ARCH].contains(audit)
                    && d.constrain(u32::MAX, &numbers)
                    && d.solve().is_some()
            })
            .collect();
        let handled = mine.iter().any(|l| l.ret != badarch);
        if opts.arches.is_none() && !handled {
            continue;
        }
        sections.push(section(arch, &mine, &numbers, &ip_checks, &mut notes)?);
    }
    if sections.is_empty() {
        return Err(DecompileError::NoArch);
    }
    if opts.arches.is_none() {
        let has = |a: Arch| sections.iter().any(|s: &ArchSection| s.arch == a);
        if has(Arch::X86_64) && !has(Arch::X32) {
            // Nothing to say: x32 numbers get badarch, as the policy says.
        } else if has(Arch::X32) && !has(Arch::X86_64) {
            notes.push(
                "the program handles x32 numbers (bit 30 set) but treats the x86_64 ones \
                 as an unknown architecture"
                    .to_string(),
            );
        }
    }
    Ok(Decompiled {
        policy: ir::Policy {
            sections,
            badarch: ruling(badarch),
            landlock: ir::Landlock::default(),
        },
        notes,
    })
}

fn section(
    arch: Arch,
    mine: &[&Leaf],
    numbers: &IntervalSet,
    ip_checks: &BTreeSet<usize>,
    notes: &mut Vec<String>,
) -> Result<ArchSection, DecompileError> {
    let mut syscalls = BTreeMap::new();
    let mut table = Vec::new();
    let mut ip_names = Vec::new();
    let mut hi_notes: Vec<String> = Vec::new();
    for &(name, nr) in arch.syscalls() {
        if !numbers.contains(nr) {
            continue;
        }
        table.push(nr);
        let ls: Vec<&Leaf> = mine
            .iter()
            .copied()
            .filter(|l| l.words[W_NR].contains(nr))
            .collect();
        let (d, info) = decision(arch, Some(name), &ls)?;
        if info.ip {
            ip_names.push(name);
        }
        for i in info.hi_args {
            hi_notes.push(format!("{name} arg{i}"));
        }
        syscalls.insert(nr, d);
    }
    if !ip_names.is_empty() {
        let at: Vec<String> = ip_checks.iter().map(|i| i.to_string()).collect();
        notes.push(format!(
            "{arch}: the program tests seccomp_data.instruction_pointer (instruction{} {}), \
             which the policy language cannot; the decisions of {} are written as the \
             program makes them for instruction_pointer == 0",
            if at.len() == 1 { "" } else { "s" },
            at.join(", "),
            ip_names.join(", ")
        ));
    }
    if !hi_notes.is_empty() {
        notes.push(format!(
            "{arch}: the program tests the upper 32 bits of 32-bit parameters, which the \
             kernel ignores and the language cannot test ({}); written as the program \
             decides when the upper half is 0",
            hi_notes.join(", ")
        ));
    }

    // 3. Numbers outside the table.
    let outside = numbers.minus(&IntervalSet::of_values(table));
    let mut rets: Vec<(u32, u64)> = Vec::new();
    let mut by_ret: Vec<(u32, IntervalSet)> = Vec::new();
    let mut depends_on_args = false;
    for l in mine {
        let mut d = l.words[W_NR].clone();
        if !(d.constrain(u32::MAX, &outside) && d.solve().is_some()) {
            continue;
        }
        if !slice_ok(arch, None, l) {
            continue;
        }
        if l.words[2..].iter().any(|w| !w.is_unconstrained()) {
            depends_on_args = true;
        }
        let set = d
            .full_mask_set()
            .cloned()
            .unwrap_or_else(|| outside.clone());
        add_weight(&mut rets, l.ret, count(&set));
        match by_ret.iter_mut().find(|(r, _)| *r == l.ret) {
            Some((_, s)) => *s = s.complement().intersect(&set.complement()).complement(),
            None => by_ret.push((l.ret, set)),
        }
    }
    let unknown = most_common(&rets).unwrap_or(crate::bpf::ret::KILL_PROCESS);
    if by_ret.len() > 1 {
        let parts: Vec<String> = by_ret
            .iter()
            .filter(|(r, _)| *r != unknown)
            .map(|(r, s)| format!("{} for {}", action_text(*r), ranges_text(s)))
            .collect();
        notes.push(format!(
            "{arch}: numbers outside sysgate's table are not all treated alike: {}; the \
             language has one `unknown` action: {} (the program's action for most of them)",
            parts.join("; "),
            action_text(unknown)
        ));
    }
    if depends_on_args {
        notes.push(format!(
            "{arch}: for numbers outside the table the program looks at the arguments or the \
             instruction pointer; `unknown` cannot"
        ));
    }
    Ok(ArchSection {
        arch,
        syscalls,
        unknown: ruling(unknown),
        default: ruling(unknown),
    })
}

/// The words holding argument `i`'s low and high halves.
fn arg_words(arch: Arch, i: usize) -> (usize, usize) {
    if arch.big_endian() {
        (5 + 2 * i, 4 + 2 * i)
    } else {
        (4 + 2 * i, 5 + 2 * i)
    }
}

fn arg_width(arch: Arch, name: Option<&str>, i: usize) -> u8 {
    match name {
        Some(n) => crate::formats::oci::arg_bits(arch, n, i as u8),
        None => arch.register_bits() as u8,
    }
}

/// Whether the leaf's region meets the slice the policy can describe: instruction pointer 0
/// and, for 32-bit parameters, an upper half of 0.
fn slice_ok(arch: Arch, name: Option<&str>, l: &Leaf) -> bool {
    if !(l.words[2].contains(0) && l.words[3].contains(0)) {
        return false;
    }
    (0..6).all(|i| {
        let (_, hi) = arg_words(arch, i);
        arg_width(arch, name, i) == 64 || l.words[hi].contains(0)
    })
}

#[derive(Default)]
struct Info {
    ip: bool,
    /// 32-bit parameters whose upper half the program tests (on 64-bit ABIs).
    hi_args: Vec<usize>,
}

fn decision(
    arch: Arch,
    name: Option<&str>,
    leaves: &[&Leaf],
) -> Result<(Decision, Info), DecompileError> {
    let mut info = Info::default();
    let mut parts: Vec<&Leaf> = Vec::new();
    for &l in leaves {
        if !l.words[2].is_unconstrained() || !l.words[3].is_unconstrained() {
            info.ip = true;
        }
        for i in 0..6 {
            let (_, hi) = arg_words(arch, i);
            if arg_width(arch, name, i) == 32
                && arch.register_bits() == 64
                && !l.words[hi].is_unconstrained()
                && !info.hi_args.contains(&i)
            {
                info.hi_args.push(i);
            }
        }
        if slice_ok(arch, name, l) {
            parts.push(l);
        }
    }
    let mut weights = Vec::new();
    for l in &parts {
        add_weight(&mut weights, l.ret, 1);
    }
    // Ties go to the last path's action (usually the fall-through default).
    let otherwise = {
        let max = weights.iter().map(|&(_, w)| w).max().unwrap_or(0);
        parts
            .iter()
            .rev()
            .map(|l| l.ret)
            .find(|r| weights.iter().any(|&(x, w)| x == *r && w == max))
            .unwrap_or(crate::bpf::ret::KILL_PROCESS)
    };
    let mut rows = Vec::new();
    for l in &parts {
        if l.ret != otherwise {
            rows.push((l.ret, arg_conds(arch, name, l)?));
        }
    }
    for i in narrow_args(arch, name) {
        rows = merge_on(rows, i);
    }
    // The paths' regions are disjoint, so the rules may come in any order: those of one
    // action together, which the text writes as one line.
    let mut order: Vec<u32> = Vec::new();
    for (r, _) in &rows {
        if !order.contains(r) {
            order.push(*r);
        }
    }
    rows.sort_by_key(|(r, _)| order.iter().position(|x| x == r));
    let mut rules = Vec::new();
    for (ret, conds) in rows {
        let cond = and(conds).simplify();
        if cond == Cond::False {
            continue;
        }
        rules.push(CondRule {
            cond,
            ruling: ruling(ret),
        });
    }
    Ok((
        Decision {
            rules,
            otherwise: ruling(otherwise),
        },
        info,
    ))
}

/// The arguments of `name` narrower than a word (a 16-bit `mode`).
fn narrow_args(arch: Arch, name: Option<&str>) -> Vec<usize> {
    name.and_then(|n| crate::arch::params(arch, n))
        .unwrap_or_default()
        .iter()
        .filter(|p| p.bits < 32)
        .map(|p| usize::from(p.index))
        .collect()
}

/// Rules (action, condition per argument) with the same action and the same conditions on
/// every argument but `i` merged into one, whose condition on `i` is the union.
///
/// Why: the compiler tests a 16-bit `mode` bit by bit (`ir::Cond::atom`), so one range on
/// it is several paths, differing only in that argument. Merged, the rule's condition on
/// `mode` is exactly the set of values that leads to the action (the paths' regions are
/// disjoint, and together they are the union), which the text writer can then say as
/// ranges on the parameter (`mode >= 0o755`) instead of a chain of bit tests.
fn merge_on(rows: Vec<(u32, Vec<Cond>)>, i: usize) -> Vec<(u32, Vec<Cond>)> {
    let mut out: Vec<(u32, Vec<Cond>, Vec<Cond>)> = Vec::new();
    let mut index: std::collections::HashMap<(u32, Vec<Cond>), usize> = Default::default();
    for (ret, mut conds) in rows {
        let mine = std::mem::replace(&mut conds[i], Cond::True);
        match index.entry((ret, conds)) {
            std::collections::hash_map::Entry::Occupied(e) => out[*e.get()].2.push(mine),
            std::collections::hash_map::Entry::Vacant(e) => {
                out.push((ret, e.key().1.clone(), vec![mine]));
                e.insert(out.len() - 1);
            }
        }
    }
    out.into_iter()
        .map(|(ret, mut conds, alts)| {
            conds[i] = or(alts).simplify();
            (ret, conds)
        })
        .collect()
}

/// The leaf's condition on each argument (`True` where it has none).
fn arg_conds(arch: Arch, name: Option<&str>, l: &Leaf) -> Result<Vec<Cond>, DecompileError> {
    let mut all = Vec::new();
    for i in 0..6 {
        let (lo, hi) = arg_words(arch, i);
        let bits = arg_width(arch, name, i);
        let c = arg_cond(i as u8, bits, &l.words[lo], &l.words[hi]).map_err(|m| {
            DecompileError::Inexpressible(format!(
                "{arch} {}: arg{i}: {m}",
                name.unwrap_or("numbers outside the table")
            ))
        })?;
        all.push(c);
    }
    Ok(all)
}

fn atom(arg: u8, bits: u8, test: Test) -> Cond {
    Cond::Atom(Atom { arg, bits, test })
}

fn not(c: Cond) -> Cond {
    Cond::Not(Box::new(c))
}

fn and(mut v: Vec<Cond>) -> Cond {
    v.retain(|c| *c != Cond::True);
    match v.len() {
        0 => Cond::True,
        1 => v.pop().unwrap_or(Cond::True),
        _ => Cond::And(v),
    }
}

fn or(mut v: Vec<Cond>) -> Cond {
    match v.len() {
        0 => Cond::False,
        1 => v.pop().unwrap_or(Cond::False),
        _ => Cond::Or(v),
    }
}

/// The condition "argument `arg` (of width `bits`) has low word in `lo` and high word in
/// `hi`" (the high word is ignored for 32-bit parameters).
fn arg_cond(arg: u8, bits: u8, lo: &WordDom, hi: &WordDom) -> Result<Cond, String> {
    let mut parts = Vec::new();
    for (m, s) in lo.constraints() {
        if *m == u32::MAX && bits == 32 {
            let ivs = s
                .intervals()
                .iter()
                .map(|&(a, b)| (u64::from(a), u64::from(b)))
                .collect();
            parts.push(interval_cond(arg, 32, ivs, 0xffff_ffff));
        } else if *m != u32::MAX {
            parts.push(masked_cond(arg, bits, *m, s, 0)?);
        }
    }
    if bits == 32 {
        return Ok(and(parts));
    }
    for (m, s) in hi.constraints() {
        if *m != u32::MAX {
            parts.push(masked_cond(arg, bits, *m, s, 32)?);
        }
    }
    let full = IntervalSet::full();
    let (sh, sl) = (hi.full_mask_set(), lo.full_mask_set());
    match (sh, sl) {
        (None, None) => {}
        (Some(sh), None) => {
            let ivs = sh
                .intervals()
                .iter()
                .map(|&(a, b)| (u64::from(a) << 32, u64::from(b) << 32 | 0xffff_ffff))
                .collect();
            parts.push(interval_cond(arg, 64, ivs, u64::MAX));
        }
        (sh, Some(sl)) => {
            let sh = sh.unwrap_or(&full);
            if count(sh) <= 16 {
                let mut ivs: Vec<(u64, u64)> = Vec::new();
                for &(a, b) in sh.intervals() {
                    for h in a..=b {
                        for &(x, y) in sl.intervals() {
                            let (lo64, hi64) = (
                                u64::from(h) << 32 | u64::from(x),
                                u64::from(h) << 32 | u64::from(y),
                            );
                            match ivs.last_mut() {
                                Some(last) if last.1.checked_add(1) == Some(lo64) => last.1 = hi64,
                                _ => ivs.push((lo64, hi64)),
                            }
                        }
                    }
                }
                parts.push(interval_cond(arg, 64, ivs, u64::MAX));
            } else {
                if !sh.is_full() {
                    let ivs = sh
                        .intervals()
                        .iter()
                        .map(|&(a, b)| (u64::from(a) << 32, u64::from(b) << 32 | 0xffff_ffff))
                        .collect();
                    parts.push(interval_cond(arg, 64, ivs, u64::MAX));
                }
                parts.push(masked_cond(arg, bits, u32::MAX, sl, 0)?);
            }
        }
    }
    Ok(and(parts))
}

/// `x ∈ ivs` for `x` in `[0, max]`: intervals or the negation of the complement's, whichever
/// is shorter.
fn interval_cond(arg: u8, bits: u8, ivs: Vec<(u64, u64)>, max: u64) -> Cond {
    let mut comp = Vec::new();
    let mut next = Some(0u64);
    for &(a, b) in &ivs {
        if let Some(n) = next {
            if a > n {
                comp.push((n, a - 1));
            }
        }
        next = b.checked_add(1).filter(|&x| x <= max);
    }
    if let Some(n) = next {
        comp.push((n, max));
    }
    let one = |(a, b): (u64, u64)| {
        if a == b {
            atom(arg, bits, Test::Eq(a))
        } else if a == 0 && b == max {
            Cond::True
        } else if a == 0 {
            not(atom(arg, bits, Test::Gt(b)))
        } else if b == max {
            atom(arg, bits, Test::Ge(a))
        } else {
            Cond::And(vec![
                atom(arg, bits, Test::Ge(a)),
                not(atom(arg, bits, Test::Gt(b))),
            ])
        }
    };
    let size = |v: &[(u64, u64)]| {
        v.iter()
            .map(|&(a, b)| if a == b || a == 0 || b == max { 1 } else { 2 })
            .sum::<usize>()
    };
    if comp.is_empty() {
        Cond::True
    } else if ivs.is_empty() {
        Cond::False
    } else if size(&comp) < size(&ivs) {
        not(or(comp.into_iter().map(one).collect()))
    } else {
        or(ivs.into_iter().map(one).collect())
    }
}

/// `(word & m) ∈ s` for the word at bit `shift` of the argument.
fn masked_cond(arg: u8, bits: u8, m: u32, s: &IntervalSet, shift: u32) -> Result<Cond, String> {
    let within = s.intersect(&IntervalSet::range(0, m));
    let wide = |v: u32| u64::from(v) << shift;
    let eq = |v: u32| {
        atom(
            arg,
            bits,
            Test::MaskedEq {
                mask: wide(m),
                value: wide(v),
            },
        )
    };
    let submasks = |set: &IntervalSet| -> Vec<u32> {
        set.intervals()
            .iter()
            .flat_map(|&(a, b)| a..=b)
            .filter(|v| v & !m == 0)
            .collect()
    };
    let all_nonzero = IntervalSet::range(1, m);
    if within.is_empty() {
        return Ok(Cond::False);
    }
    if within == IntervalSet::range(0, m) {
        return Ok(Cond::True);
    }
    if within.intersect(&all_nonzero) == all_nonzero && !within.contains(0) {
        return Ok(atom(arg, bits, Test::AnySet(wide(m))));
    }
    // The values, or the negation of the other values, whichever are fewer.
    let comp = IntervalSet::range(0, m).minus(&within);
    if count(&within) <= 64.min(count(&comp)) {
        return Ok(or(submasks(&within).into_iter().map(eq).collect()));
    }
    if count(&comp) <= 64 {
        return Ok(not(or(submasks(&comp).into_iter().map(eq).collect())));
    }
    Err(format!(
        "a range of values of the bits {:#x} ({}), which the language can only compare with \
         == or !=",
        wide(m),
        ranges_text(&within)
    ))
}

/// [`decompile`], then the policy as text, checked: the text is compiled again and compared
/// with `prog` (on the decompiled architectures); every difference becomes a note. Returns
/// the text and the notes (also in the text, as comments).
pub fn decompile_text(
    prog: &[Insn],
    opts: &Options,
    header: &[String],
) -> Result<(String, Vec<String>), DecompileError> {
    let d = decompile(prog, opts)?;
    let mut notes = d.notes.clone();
    let render = |notes: &[String]| {
        let mut h = header.to_vec();
        for n in notes {
            h.push(format!("note: {n}"));
        }
        crate::formats::text::write(&d.policy, &h)
    };
    let text = render(&notes);
    let check = crate::policy::Policy::parse("decompiled.policy", &text)
        .map_err(|e| e.to_string())
        .and_then(|p| p.compile().map_err(|e| e.to_string()))
        .and_then(|c| {
            let o = diff::Options {
                arches: Some(d.policy.arches()),
                ..Default::default()
            };
            diff::diff(prog, &c.insns, &o).map_err(|e| e.to_string())
        });
    match check {
        Err(e) => notes.push(format!(
            "the text could not be checked against the program: {e}"
        )),
        Ok(r) if !r.equivalent => {
            const SHOWN: usize = 8;
            let mut parts: Vec<String> = r
                .differences
                .iter()
                .take(SHOWN)
                .map(|x| {
                    let what = match &x.numbers {
                        diff::Numbers::Syscall { name, .. } => name.clone(),
                        diff::Numbers::Range { lo, hi, .. } => format!("{lo:#x}..={hi:#x}"),
                    };
                    format!(
                        "{} {what}: program {}, text {}",
                        x.arch, x.action_a, x.action_b
                    )
                })
                .collect();
            if r.differences.len() > SHOWN {
                parts.push(format!("and {} more", r.differences.len() - SHOWN));
            }
            notes.push(format!(
                "the text is not exact ({} difference{} with the program, e.g. where \
                 architectures decide one syscall differently — decompile one with --arch): {}",
                r.differences.len(),
                if r.differences.len() == 1 { "" } else { "s" },
                parts.join("; ")
            ));
        }
        Ok(_) => {}
    }
    if notes.len() == d.notes.len() {
        return Ok((text, notes));
    }
    Ok((render(&notes), notes))
}

/// The architectures a section list names, for messages.
pub fn arch_list(p: &ir::Policy) -> String {
    p.arches()
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(" ")
}
