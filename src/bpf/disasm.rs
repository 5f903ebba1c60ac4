//! A disassembler for seccomp filters that explains what each instruction looks at.
//!
//! Besides the instruction itself, each line carries a comment: the `seccomp_data` field a
//! load reads, the `AUDIT_ARCH_*` value an arch test compares with, the syscall a number test
//! names, and what a `ret` does. Syscall names need to know the ABI, so the disassembler runs a
//! forward dataflow analysis over the program (jumps only go forward, so one pass in order
//! suffices) that tracks, for every instruction:
//! - the set of ABIs that can reach it, narrowed by `jeq #AUDIT_ARCH_…` on the arch word and,
//!   for `AUDIT_ARCH_X86_64`, by tests on bit 30 of the number (`jset #0x40000000`,
//!   `jge #0x40000000`, `jgt #0x3fffffff`) that tell x32 from x86_64;
//! - what the accumulator, the index register and each scratch cell hold: a field of
//!   `seccomp_data`, a constant, or something else.
//!
//! The `arches` hint (from `--arch`) is the starting set only when the program never loads the
//! arch word; otherwise the program's own arch tests decide.

use super::emulator::describe_ret;
use super::insn::*;
use crate::arch::{Arch, X32_SYSCALL_BIT};
use std::fmt::Write as _;

/// A set of [`Arch`], one bit per position in [`Arch::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ArchSet(u16);

impl ArchSet {
    const ALL: ArchSet = ArchSet((1 << Arch::ALL.len()) - 1);
    const EMPTY: ArchSet = ArchSet(0);

    fn bit(a: Arch) -> u16 {
        1 << Arch::ALL.iter().position(|&b| b == a).unwrap_or(0)
    }
    fn of(arches: &[Arch]) -> ArchSet {
        ArchSet(arches.iter().fold(0, |m, &a| m | ArchSet::bit(a)))
    }
    fn contains(self, a: Arch) -> bool {
        self.0 & ArchSet::bit(a) != 0
    }
    fn iter(self) -> impl Iterator<Item = Arch> {
        Arch::ALL.into_iter().filter(move |&a| self.contains(a))
    }
    fn and(self, o: ArchSet) -> ArchSet {
        ArchSet(self.0 & o.0)
    }
    fn minus(self, o: ArchSet) -> ArchSet {
        ArchSet(self.0 & !o.0)
    }
    fn or(self, o: ArchSet) -> ArchSet {
        ArchSet(self.0 | o.0)
    }
    /// The set after learning that bit 30 of the number is set (`x32 == true`) or clear:
    /// under `AUDIT_ARCH_X86_64` that selects x32 or x86_64; other ABIs are unaffected.
    fn split_x32(self, x32: bool) -> ArchSet {
        let pair = ArchSet::of(&[Arch::X86_64, Arch::X32]);
        if self.and(pair) == ArchSet::EMPTY {
            return self;
        }
        let keep = if x32 { Arch::X32 } else { Arch::X86_64 };
        self.minus(pair).or(ArchSet::of(&[keep]))
    }
    /// Whether every ABI in the set stores 64-bit fields big-endian (`Some(true)`), every
    /// one little-endian (`Some(false)`), or the set is mixed or empty (`None`).
    fn big_endian(self) -> Option<bool> {
        let mut it = self.iter().map(|a| a.big_endian());
        let first = it.next()?;
        it.all(|b| b == first).then_some(first)
    }
}

/// What a register or scratch cell holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Val {
    Unknown,
    /// The 32-bit word of `seccomp_data` at this offset.
    Field(u32),
    Const(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct State {
    arches: ArchSet,
    a: Val,
    x: Val,
    mem: [Val; 16],
}

impl State {
    fn join(&mut self, o: &State) {
        let j = |a: Val, b: Val| if a == b { a } else { Val::Unknown };
        self.arches = self.arches.or(o.arches);
        self.a = j(self.a, o.a);
        self.x = j(self.x, o.x);
        for (m, n) in self.mem.iter_mut().zip(o.mem.iter()) {
            *m = j(*m, *n);
        }
    }
}

fn audit_arch_name(a: Arch) -> &'static str {
    match a {
        Arch::X86_64 | Arch::X32 => "AUDIT_ARCH_X86_64",
        Arch::I386 => "AUDIT_ARCH_I386",
        Arch::Aarch64 => "AUDIT_ARCH_AARCH64",
        Arch::Arm => "AUDIT_ARCH_ARM",
        Arch::Riscv64 => "AUDIT_ARCH_RISCV64",
        Arch::S390x => "AUDIT_ARCH_S390X",
        Arch::Ppc64le => "AUDIT_ARCH_PPC64LE",
        Arch::Loongarch64 => "AUDIT_ARCH_LOONGARCH64",
    }
}

/// The name of the `seccomp_data` word at `off`, with the half of a 64-bit field named when
/// the endianness of every possible ABI agrees.
fn field_name(off: u32, arches: ArchSet) -> String {
    let half = |second: bool| match arches.big_endian() {
        Some(be) => (if second != be { "hi" } else { "lo" }).to_string(),
        None => (if second { "+4" } else { "+0" }).to_string(),
    };
    match off {
        0 => "nr".into(),
        4 => "arch".into(),
        8 | 12 => format!("instruction_pointer {}", half(off == 12)),
        16..=63 if off % 4 == 0 => {
            format!("args[{}] {}", (off - 16) / 8, half((off - 16) % 8 == 4))
        }
        _ => format!("seccomp_data+{off}"),
    }
}

/// The ABIs among `arches` that `nr` can belong to (on `AUDIT_ARCH_X86_64`, bit 30 decides).
fn abis_for_nr(arches: ArchSet, nr: u32) -> Vec<Arch> {
    arches
        .iter()
        .filter(|&a| match a {
            Arch::X32 => nr & X32_SYSCALL_BIT != 0,
            Arch::X86_64 => nr & X32_SYSCALL_BIT == 0,
            _ => true,
        })
        .collect()
}

/// Names syscall number `nr` under `arches`: `execve`, `read (x32)` when bit 30 chose x32
/// while x86_64 is possible too, `x86_64: execve | i386: olduname` for up to three ABIs.
fn syscall_label(arches: ArchSet, nr: u32) -> Option<String> {
    let abis = abis_for_nr(arches, nr);
    match abis.as_slice() {
        [] => None,
        [a] => {
            let name = a.syscall_name(nr)?;
            if *a == Arch::X32 && arches.contains(Arch::X86_64) {
                Some(format!("{name} ({a})"))
            } else {
                Some(name.to_string())
            }
        }
        many if many.len() <= 3 => {
            let names: Vec<Option<&str>> = many.iter().map(|a| a.syscall_name(nr)).collect();
            if names.iter().all(|n| n.is_some() && *n == names[0]) {
                return names[0].map(str::to_string);
            }
            let parts: Vec<String> = many
                .iter()
                .zip(names)
                .filter_map(|(a, n)| n.map(|n| format!("{a}: {n}")))
                .collect();
            (!parts.is_empty()).then(|| parts.join(" | "))
        }
        _ => None,
    }
}

fn fmt_k(k: u32) -> String {
    if k < 0x10000 {
        format!("#{k}")
    } else {
        format!("#{k:#x}")
    }
}

fn alu_name(op: u16) -> Option<&'static str> {
    Some(match op {
        BPF_ADD => "add",
        BPF_SUB => "sub",
        BPF_MUL => "mul",
        BPF_DIV => "div",
        BPF_OR => "or",
        BPF_AND => "and",
        BPF_LSH => "lsh",
        BPF_RSH => "rsh",
        BPF_NEG => "neg",
        BPF_MOD => "mod",
        BPF_XOR => "xor",
        _ => return None,
    })
}

/// The instruction as text, with absolute jump targets (`width` digits).
fn mnemonic(i: &Insn, pc: usize, width: usize) -> String {
    let (code, k) = (i.code, i.k);
    let t = |off: u64| format!("{:0width$}", pc as u64 + 1 + off);
    let unknown = || format!(".insn {code:#06x}, {}, {}, {k:#x}", i.jt, i.jf);
    match code & 0x07 {
        BPF_LD | BPF_LDX => {
            let ldx = code & 0x07 == BPF_LDX;
            let size = match code & 0x18 {
                BPF_W => "",
                BPF_H => "h",
                BPF_B => "b",
                _ => return unknown(),
            };
            let m = format!("{}{}", if ldx { "ldx" } else { "ld" }, size);
            let operand = match code & 0xe0 {
                BPF_ABS if !ldx => format!("[{k}]"),
                BPF_IND if !ldx => format!("[x + {k}]"),
                BPF_LEN => "len".to_string(),
                BPF_IMM => fmt_k(k),
                BPF_MEM => format!("M[{k}]"),
                BPF_MSH if ldx && size == "b" => format!("4*([{k}]&0xf)"),
                _ => return unknown(),
            };
            format!("{m:<3} {operand}")
        }
        BPF_ST => format!("st  M[{k}]"),
        BPF_STX => format!("stx M[{k}]"),
        BPF_ALU => {
            let Some(name) = alu_name(code & 0xf0) else {
                return unknown();
            };
            if code & 0xf0 == BPF_NEG {
                return name.to_string();
            }
            if code & BPF_X != 0 {
                format!("{name:<3} x")
            } else if matches!(code & 0xf0, BPF_AND | BPF_OR | BPF_XOR) {
                format!("{name:<3} #{k:#x}")
            } else {
                format!("{name:<3} {}", fmt_k(k))
            }
        }
        BPF_JMP => {
            let name = match code & 0xf0 {
                BPF_JA => return format!("ja  {}", t(k as u64)),
                BPF_JEQ => "jeq",
                BPF_JGT => "jgt",
                BPF_JGE => "jge",
                BPF_JSET => "jset",
                _ => return unknown(),
            };
            let src = if code & BPF_X != 0 {
                "x".to_string()
            } else if code & 0xf0 == BPF_JSET {
                format!("#{k:#x}")
            } else {
                fmt_k(k)
            };
            format!("{name} {src}  jt {} jf {}", t(i.jt as u64), t(i.jf as u64))
        }
        BPF_RET => match code & 0x18 {
            BPF_K => format!("ret #{k:#x}"),
            BPF_A => "ret a".to_string(),
            _ => unknown(),
        },
        _ => match code {
            c if c == BPF_MISC | BPF_TAX => "tax".to_string(),
            c if c == BPF_MISC | BPF_TXA => "txa".to_string(),
            _ => unknown(),
        },
    }
}

/// The comment for instruction `i` reached in state `s`.
fn comment(i: &Insn, s: &State) -> String {
    let (code, k) = (i.code, i.k);
    match code & 0x07 {
        BPF_LD | BPF_LDX if code & 0xe0 == BPF_ABS && code & 0x18 == BPF_W => {
            field_name(k, s.arches)
        }
        BPF_LD | BPF_LDX if code & 0xe0 == BPF_LEN => "sizeof(seccomp_data) = 64".into(),
        BPF_RET if code & 0x18 == BPF_K => describe_ret(k),
        BPF_JMP if code & 0xf0 != BPF_JA => {
            let operand = if code & BPF_X != 0 {
                match s.x {
                    Val::Const(v) => Some(v),
                    _ => None,
                }
            } else {
                Some(k)
            };
            let op = code & 0xf0;
            match (s.a, operand) {
                (Val::Field(4), Some(v)) if op == BPF_JEQ => {
                    let arches = Arch::from_audit_arch(v);
                    match arches.first() {
                        Some(&a) => {
                            let names: Vec<&str> = arches.iter().map(|a| a.name()).collect();
                            format!("{} ({})", audit_arch_name(a), names.join(", "))
                        }
                        None => "unknown arch".into(),
                    }
                }
                (Val::Field(0), Some(v)) => {
                    if op == BPF_JSET {
                        if v == X32_SYSCALL_BIT {
                            "x32 bit".into()
                        } else {
                            "nr".into()
                        }
                    } else {
                        let label = syscall_label(s.arches, v);
                        match (op, label) {
                            (BPF_JEQ, Some(l)) => l,
                            (BPF_JEQ, None) => "nr".into(),
                            (BPF_JGE, l) => bound(">=", v, l),
                            (_, l) => bound(">", v, l),
                        }
                    }
                }
                (Val::Field(off), _) => field_name(off, s.arches),
                _ => String::new(),
            }
        }
        _ => String::new(),
    }
}

fn bound(op: &str, v: u32, label: Option<String>) -> String {
    match label {
        Some(l) => format!("nr {op} {v:#x} ({l})"),
        None => format!("nr {op} {v:#x}"),
    }
}

/// The successor states of a conditional jump on `s` (taken, not taken).
fn branch(i: &Insn, s: &State) -> (State, State) {
    let (mut t, mut f) = (*s, *s);
    let op = i.code & 0xf0;
    let v = if i.code & BPF_X != 0 {
        match s.x {
            Val::Const(v) => v,
            _ => return (t, f),
        }
    } else {
        i.k
    };
    match s.a {
        Val::Field(4) if op == BPF_JEQ => {
            let set = ArchSet::of(&Arch::from_audit_arch(v));
            t.arches = s.arches.and(set);
            f.arches = s.arches.minus(set);
        }
        Val::Field(0) => match op {
            BPF_JSET if v & X32_SYSCALL_BIT != 0 => {
                if v == X32_SYSCALL_BIT {
                    t.arches = s.arches.split_x32(true);
                }
                f.arches = s.arches.split_x32(false);
            }
            BPF_JGE | BPF_JGT => {
                // First number of the taken range.
                let lo = if op == BPF_JGE {
                    v
                } else {
                    v.saturating_add(1)
                };
                if lo == X32_SYSCALL_BIT {
                    t.arches = s.arches.split_x32(true);
                }
                if lo <= X32_SYSCALL_BIT {
                    f.arches = s.arches.split_x32(false);
                }
            }
            _ => {}
        },
        _ => {}
    }
    (t, f)
}

/// Effect of a non-jump instruction on the abstract state.
fn step(i: &Insn, s: &mut State) {
    let (code, k) = (i.code, i.k);
    let mem = |s: &State| s.mem.get(k as usize).copied().unwrap_or(Val::Unknown);
    match code & 0x07 {
        BPF_LD | BPF_LDX => {
            let v = match code & 0xe0 {
                BPF_ABS if code & 0x18 == BPF_W => Val::Field(k),
                BPF_IMM => Val::Const(k),
                BPF_LEN => Val::Const(64),
                BPF_MEM => mem(s),
                _ => Val::Unknown,
            };
            if code & 0x07 == BPF_LD {
                s.a = v;
            } else {
                s.x = v;
            }
        }
        BPF_ST | BPF_STX => {
            let v = if code & 0x07 == BPF_ST { s.a } else { s.x };
            if let Some(m) = s.mem.get_mut(k as usize) {
                *m = v;
            }
        }
        BPF_ALU => s.a = Val::Unknown,
        BPF_MISC => {
            if code & 0xf8 == BPF_TXA {
                s.a = s.x;
            } else {
                s.x = s.a;
            }
        }
        _ => {}
    }
}

/// Disassembles `prog`, one line per instruction, with absolute jump targets and comments
/// (see the module documentation). `arches` is the set of ABIs to assume when the program
/// itself never loads `seccomp_data.arch`.
pub fn disassemble(prog: &[Insn], arches: Option<&[Arch]>) -> String {
    let loads_arch = prog
        .iter()
        .any(|i| i.code & 0x07 == BPF_LD && i.code & 0xe0 == BPF_ABS && i.k == 4);
    let initial_arches = match arches {
        Some(a) if !loads_arch && !a.is_empty() => ArchSet::of(a),
        _ => ArchSet::ALL,
    };
    let top = State {
        arches: initial_arches,
        a: Val::Unknown,
        x: Val::Unknown,
        mem: [Val::Unknown; 16],
    };
    let n = prog.len();
    let width = n.saturating_sub(1).to_string().len().max(4);
    let mut states: Vec<Option<State>> = vec![None; n];
    if n > 0 {
        // The kernel zeroes A, X and the scratch cells; the analysis treats them as unknown.
        states[0] = Some(top);
    }
    let merge = |states: &mut Vec<Option<State>>, target: u64, s: State| {
        if let Some(slot) = states.get_mut(target as usize) {
            match slot {
                Some(old) => old.join(&s),
                None => *slot = Some(s),
            }
        }
    };

    let mut out = String::new();
    for pc in 0..n {
        let i = &prog[pc];
        let reached = states[pc];
        let s = reached.unwrap_or(top);
        let mut note = comment(i, &s);
        if reached.is_none() {
            note = if note.is_empty() {
                "unreachable".to_string()
            } else {
                format!("unreachable; {note}")
            };
        }
        let text = mnemonic(i, pc, width);
        let line = if note.is_empty() {
            format!(" {pc:0width$}: {text}")
        } else {
            format!(" {pc:0width$}: {text:<30} ; {note}")
        };
        let _ = writeln!(out, "{}", line.trim_end());

        let Some(s) = reached else { continue };
        match i.code & 0x07 {
            BPF_RET => {}
            BPF_JMP if i.code & 0xf0 == BPF_JA => {
                merge(&mut states, pc as u64 + 1 + i.k as u64, s);
            }
            BPF_JMP => {
                let (t, f) = branch(i, &s);
                merge(&mut states, pc as u64 + 1 + i.jt as u64, t);
                merge(&mut states, pc as u64 + 1 + i.jf as u64, f);
            }
            _ => {
                let mut s = s;
                step(i, &mut s);
                merge(&mut states, pc as u64 + 1, s);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpf::ret;

    const X86_64: u32 = 0xc000_003e;
    const I386: u32 = 0x4000_0003;
    const S390X: u32 = 0x8000_0016;

    fn lines(p: &[Insn], arches: Option<&[Arch]>) -> Vec<String> {
        disassemble(p, arches).lines().map(str::to_string).collect()
    }

    #[test]
    fn format_of_lines() {
        let p = vec![
            Insn::load_abs(4),
            Insn::jump(BPF_JEQ, X86_64, 0, 3),
            Insn::load_abs(0),
            Insn::jump(BPF_JEQ, 59, 0, 1),
            Insn::ret(ret::ERRNO | 1),
            Insn::ret(ret::ALLOW),
        ];
        let l = lines(&p, None);
        assert_eq!(l[0], format!(" 0000: {:<30} ; arch", "ld  [4]"));
        assert_eq!(
            l[1],
            " 0001: jeq #0xc000003e  jt 0002 jf 0005 ; AUDIT_ARCH_X86_64 (x86_64, x32)"
        );
        assert_eq!(l[2], format!(" 0002: {:<30} ; nr", "ld  [0]"));
        assert_eq!(
            l[3],
            format!(" 0003: {:<30} ; execve", "jeq #59  jt 0004 jf 0005")
        );
        assert_eq!(
            l[4],
            format!(" 0004: {:<30} ; errno EPERM (1)", "ret #0x50001")
        );
        assert_eq!(l[5], format!(" 0005: {:<30} ; allow", "ret #0x7fff0000"));
    }

    /// The shape libseccomp's `seccomp_export_bpf` produces for x86_64 + x32 + i386.
    fn libseccomp_like() -> Vec<Insn> {
        vec![
            /* 0 */ Insn::load_abs(4),
            /* 1 */ Insn::jump(BPF_JEQ, X86_64, 0, 13),
            /* 2 */ Insn::load_abs(0),
            /* 3 */ Insn::jump(BPF_JSET, X32_SYSCALL_BIT, 5, 0),
            // x86_64
            /* 4 */ Insn::jump(BPF_JGE, 335, 2, 0),
            /* 5 */ Insn::jump(BPF_JEQ, 59, 1, 0),
            /* 6 */ Insn::ret(ret::ALLOW),
            /* 7 */ Insn::ret(ret::ERRNO | 1),
            /* 8 */ Insn::load_abs(0),
            // x32
            /* 9 */ Insn::jump(BPF_JEQ, 0x4000_0000 | 520, 0, 1),
            /* 10 */ Insn::ret(ret::ERRNO | 1),
            /* 11 */ Insn::load_abs(20), // args[0] hi
            /* 12 */ Insn::jump(BPF_JEQ, 0, 0, 1),
            /* 13 */ Insn::ret(ret::ALLOW),
            /* 14 */ Insn::ret(ret::KILL_THREAD),
            // i386
            /* 15 */ Insn::jump(BPF_JEQ, I386, 0, 3),
            /* 16 */ Insn::load_abs(0),
            /* 17 */ Insn::jump(BPF_JEQ, 11, 0, 1),
            /* 18 */ Insn::ret(ret::ERRNO | 1),
            /* 19 */ Insn::ret(ret::KILL_PROCESS),
        ]
    }

    #[test]
    fn names_syscalls_per_abi() {
        let l = lines(&libseccomp_like(), None);
        let note = |i: usize| l[i].split(" ; ").nth(1).unwrap_or("").to_string();
        assert_eq!(note(3), "x32 bit");
        assert_eq!(
            note(4),
            format!("nr >= 0x14f ({})", Arch::X86_64.syscall_name(335).unwrap())
        );
        assert_eq!(note(5), "execve");
        assert_eq!(note(9), Arch::X32.syscall_name(0x4000_0000 | 520).unwrap());
        assert_eq!(note(11), "args[0] hi");
        assert_eq!(note(12), "args[0] hi");
        assert_eq!(note(15), "AUDIT_ARCH_I386 (i386)");
        assert_eq!(note(17), "execve");
        assert_eq!(note(19), "kill");
        assert_eq!(l.len(), 20);
    }

    #[test]
    fn x32_by_jge_and_without_split() {
        let p = vec![
            Insn::load_abs(4),
            Insn::jump(BPF_JEQ, X86_64, 0, 4),
            Insn::load_abs(0),
            Insn::jump(BPF_JGE, X32_SYSCALL_BIT, 1, 0),
            Insn::jump(BPF_JEQ, 59, 0, 0),
            Insn::jump(BPF_JEQ, X32_SYSCALL_BIT, 0, 0),
            Insn::ret(ret::ALLOW),
        ];
        let l = lines(&p, None);
        assert!(l[4].ends_with("; execve"), "{}", l[4]);
        // Reached from both sides of the split: bit 30 of the constant decides.
        assert!(l[5].ends_with("; read (x32)"), "{}", l[5]);
    }

    #[test]
    fn hint_is_used_without_arch_check() {
        let p = vec![
            Insn::load_abs(0),
            Insn::jump(BPF_JEQ, 59, 0, 1),
            Insn::ret(ret::KILL_THREAD),
            Insn::load_abs(16),
            Insn::ret(ret::ALLOW),
        ];
        let l = lines(&p, Some(&[Arch::X86_64]));
        assert!(l[1].ends_with("; execve"), "{}", l[1]);
        assert!(l[2].ends_with("; kill-thread"), "{}", l[2]);
        assert!(l[3].ends_with("; args[0] lo"), "{}", l[3]);
        let l = lines(&p, Some(&[Arch::S390x]));
        assert!(l[3].ends_with("; args[0] hi"), "{}", l[3]);
        // No hint, no arch check: the ABI is unknown.
        let l = lines(&p, None);
        assert!(l[1].ends_with("; nr"), "{}", l[1]);
        assert!(l[3].ends_with("; args[0] +0"), "{}", l[3]);
    }

    #[test]
    fn big_endian_arg_halves_and_other_instructions() {
        let p = vec![
            Insn::load_abs(4),
            Insn::jump(BPF_JEQ, S390X, 1, 0),
            Insn::ret(ret::KILL_PROCESS),
            Insn::load_abs(24),
            Insn::new(BPF_ST, 0, 0, 0),
            Insn::and(0xff),
            Insn::new(BPF_MISC | BPF_TAX, 0, 0, 0),
            Insn::new(BPF_LD | BPF_MEM, 0, 0, 0),
            Insn::jump(BPF_JSET, 1, 0, 0),
            Insn::ja(0),
            Insn::new(BPF_RET | BPF_A, 0, 0, 0),
        ];
        let l = lines(&p, None);
        assert!(l[3].ends_with("; args[1] hi"), "{}", l[3]);
        assert_eq!(l[4], " 0004: st  M[0]");
        assert_eq!(l[5], " 0005: and #0xff");
        assert_eq!(l[6], " 0006: tax");
        // The value comes back from scratch memory and is still known.
        assert!(l[8].ends_with("; args[1] hi"), "{}", l[8]);
        assert_eq!(l[9], " 0009: ja  0010");
        assert_eq!(l[10], " 0010: ret a");
    }

    #[test]
    fn unreachable_and_invalid() {
        let p = vec![
            Insn::ret(ret::ALLOW),
            Insn::new(0xffff, 1, 2, 3),
            Insn::ret(ret::TRAP | 5),
        ];
        let l = lines(&p, None);
        assert_eq!(
            l[1],
            format!(" 0001: {:<30} ; unreachable", ".insn 0xffff, 1, 2, 0x3")
        );
        assert!(l[2].ends_with("; unreachable; trap 5"), "{}", l[2]);
        assert_eq!(disassemble(&[], None), "");
    }
}
