//! The resolved policy: for each target architecture, every syscall number mapped to a
//! [`Decision`]. Names, groups, constants, parameter positions and widths, `use` and the
//! multiplexers are all resolved away; what is left is exactly what the filter must do.
//! Front ends (the policy language, and later importers and the decompiler) produce this;
//! the compiler and the analyses consume it.

use crate::arch::Arch;
use crate::policy::ast::{Action, FsAccess, NetAccess};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Where a decision comes from, for `explain` and `--report`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Origin {
    /// The file (or `builtin:NAME`) holding the statement; empty when implicit.
    pub file: Arc<str>,
    /// 1-based line; 0 for an implicit setting (no `default` line, say).
    pub line: u32,
    /// The statement's text, or a description of the implicit rule.
    pub text: String,
}

impl Origin {
    pub fn implicit(text: &str) -> Origin {
        Origin {
            file: Arc::from(""),
            line: 0,
            text: text.to_string(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "({})", self.text)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.text)
        }
    }
}

/// An action together with the statement that chose it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Ruling {
    pub action: Action,
    pub origin: Origin,
}

/// A test of one argument. `bits` is 32 when the kernel reads only the low word. Narrower
/// parameters (16-bit `umode_t`) never appear here: [`Cond::atom`] writes their tests as
/// tests of the low 16 bits of a 32-bit atom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Atom {
    pub arg: u8,
    pub bits: u8,
    pub test: Test,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    Eq(u64),
    Gt(u64),
    Ge(u64),
    /// Any bit of the mask is set.
    AnySet(u64),
    /// `(x & mask) == value`.
    MaskedEq {
        mask: u64,
        value: u64,
    },
}

impl Atom {
    /// The value the kernel sees for this parameter, given the raw register.
    pub fn operand(&self, raw: u64) -> u64 {
        if self.bits == 32 {
            raw & 0xffff_ffff
        } else {
            raw
        }
    }

    pub fn eval(&self, args: &[u64; 6]) -> bool {
        let x = self.operand(args[usize::from(self.arg)]);
        match self.test {
            Test::Eq(v) => x == v,
            Test::Gt(v) => x > v,
            Test::Ge(v) => x >= v,
            Test::AnySet(m) => x & m != 0,
            Test::MaskedEq { mask, value } => x & mask == value,
        }
    }

    /// The constant truth value of this atom when the width makes it one.
    pub fn constant(&self) -> Option<bool> {
        if self.bits != 32 {
            return None;
        }
        const MAX: u64 = 0xffff_ffff;
        match self.test {
            Test::Eq(v) if v > MAX => Some(false),
            Test::Gt(v) if v >= MAX => Some(false),
            Test::Ge(v) if v > MAX => Some(false),
            Test::Ge(0) => Some(true),
            Test::AnySet(m) if m & MAX == 0 => Some(false),
            Test::MaskedEq { mask, value } if value & !(mask & MAX) != 0 => Some(false),
            _ => None,
        }
    }
}

/// A condition on the arguments.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cond {
    True,
    False,
    Atom(Atom),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    /// `test` on argument `arg` of a parameter `bits` wide. A parameter narrower than 32
    /// bits (`umode_t`: 16) is what the kernel truncates the register to, so the test is
    /// rewritten over `x & (2^bits - 1)` with masks: `mode == 04755` becomes
    /// `(x & 0xffff) == 04755`, and `mode >= v` bit tests of the low bits.
    pub fn atom(arg: u8, bits: u8, test: Test) -> Cond {
        if bits >= 32 {
            return Cond::Atom(Atom { arg, bits, test });
        }
        let low = (1u64 << bits) - 1;
        let masked = |mask: u64, value: u64| {
            if value & !mask != 0 {
                Cond::False
            } else if mask == 0 {
                Cond::True
            } else {
                Cond::Atom(Atom {
                    arg,
                    bits: 32,
                    test: Test::MaskedEq { mask, value },
                })
            }
        };
        let any_set = |mask: u64| {
            if mask == 0 {
                return Cond::False;
            }
            Cond::Atom(Atom {
                arg,
                bits: 32,
                test: Test::AnySet(mask),
            })
        };
        // `x & low >= v`, read from the top bit down: a bit clear in `v` but set in `x`
        // decides `>` (so all of them above `v`'s top set bit are one `jset`), a bit set in
        // `v` must be set in `x` to go on; once every set bit of `v` is matched, `x >= v`.
        // Every test is a bit test on the loaded word: about 2 per set bit of `v`, none
        // needing an `and` that would make it reload the word.
        let at_least = |v: u64| {
            let mut above = low;
            let mut rest = v;
            // (bits that decide `>`, the set bit of `v` to match next) from the top down
            let mut steps = Vec::new();
            while rest != 0 {
                let top = 1u64 << (63 - rest.leading_zeros());
                steps.push((above & !(top | (top - 1)), top));
                above = top - 1;
                rest &= !top;
            }
            let mut cond = Cond::True;
            for (gt, bit) in steps.into_iter().rev() {
                cond = match cond {
                    // `jset gt || jset bit` is `jset gt|bit`.
                    Cond::True => any_set(gt | bit),
                    c => Cond::Or(vec![any_set(gt), Cond::And(vec![any_set(bit), c])]).simplify(),
                };
            }
            cond
        };
        match test {
            Test::Eq(v) => masked(low, v),
            Test::MaskedEq { mask, value } => masked(mask & low, value),
            Test::AnySet(m) if m & low == 0 => Cond::False,
            Test::AnySet(m) => Cond::Atom(Atom {
                arg,
                bits: 32,
                test: Test::AnySet(m & low),
            }),
            Test::Ge(v) if v > low => Cond::False,
            Test::Ge(v) => at_least(v),
            Test::Gt(v) if v >= low => Cond::False,
            Test::Gt(v) => at_least(v + 1),
        }
    }

    pub fn eval(&self, args: &[u64; 6]) -> bool {
        match self {
            Cond::True => true,
            Cond::False => false,
            Cond::Atom(a) => a.eval(args),
            Cond::Not(c) => !c.eval(args),
            Cond::And(v) => v.iter().all(|c| c.eval(args)),
            Cond::Or(v) => v.iter().any(|c| c.eval(args)),
        }
    }

    /// Folds constants (`True`/`False`, and atoms made constant by their width).
    pub fn simplify(self) -> Cond {
        match self {
            Cond::Atom(a) => match a.constant() {
                Some(true) => Cond::True,
                Some(false) => Cond::False,
                None => Cond::Atom(a),
            },
            Cond::Not(c) => match c.simplify() {
                Cond::True => Cond::False,
                Cond::False => Cond::True,
                Cond::Not(inner) => *inner,
                other => Cond::Not(Box::new(other)),
            },
            Cond::And(v) => {
                let mut out = Vec::new();
                for c in v {
                    match c.simplify() {
                        Cond::True => {}
                        Cond::False => return Cond::False,
                        Cond::And(inner) => out.extend(inner),
                        other => out.push(other),
                    }
                }
                match out.len() {
                    0 => Cond::True,
                    1 => out.pop().unwrap_or(Cond::True),
                    _ => Cond::And(out),
                }
            }
            Cond::Or(v) => {
                let mut out = Vec::new();
                for c in v {
                    match c.simplify() {
                        Cond::False => {}
                        Cond::True => return Cond::True,
                        Cond::Or(inner) => out.extend(inner),
                        other => out.push(other),
                    }
                }
                match out.len() {
                    0 => Cond::False,
                    1 => out.pop().unwrap_or(Cond::False),
                    _ => Cond::Or(out),
                }
            }
            c => c,
        }
    }

    /// Every atom, for boundary-value generation and disassembly.
    pub fn atoms(&self, out: &mut Vec<Atom>) {
        match self {
            Cond::Atom(a) => out.push(*a),
            Cond::Not(c) => c.atoms(out),
            Cond::And(v) | Cond::Or(v) => v.iter().for_each(|c| c.atoms(out)),
            Cond::True | Cond::False => {}
        }
    }
}

/// One conditional rule of a syscall's decision.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct CondRule {
    pub cond: Cond,
    pub ruling: Ruling,
}

/// What happens to one syscall number: the first rule whose condition holds, else `otherwise`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Decision {
    pub rules: Vec<CondRule>,
    pub otherwise: Ruling,
}

impl Decision {
    pub fn unconditional(ruling: Ruling) -> Decision {
        Decision {
            rules: Vec::new(),
            otherwise: ruling,
        }
    }

    /// The ruling for the given arguments.
    pub fn decide(&self, args: &[u64; 6]) -> &Ruling {
        self.rules
            .iter()
            .find(|r| r.cond.eval(args))
            .map_or(&self.otherwise, |r| &r.ruling)
    }

    /// The same decision without origins: two syscalls with equal shapes compile to the
    /// same code.
    pub fn shape(&self) -> (Vec<(Cond, Action)>, Action) {
        (
            self.rules
                .iter()
                .map(|r| (r.cond.clone(), r.ruling.action))
                .collect(),
            self.otherwise.action,
        )
    }

    /// Whether `other` has the same [`shape`](Decision::shape) (so compiles to the same
    /// code), without building either.
    pub fn same_shape(&self, other: &Decision) -> bool {
        self.otherwise.action == other.otherwise.action
            && self.rules.len() == other.rules.len()
            && self
                .rules
                .iter()
                .zip(&other.rules)
                .all(|(x, y)| x.ruling.action == y.ruling.action && x.cond == y.cond)
    }
}

/// The decisions for one architecture.
#[derive(Clone, Debug, Serialize)]
pub struct ArchSection {
    pub arch: Arch,
    /// A decision for every number in the table (those no rule names get `default`).
    pub syscalls: BTreeMap<u32, Decision>,
    /// For numbers not in the table.
    pub unknown: Ruling,
    pub default: Ruling,
}

impl ArchSection {
    /// The ruling for syscall `nr` with `args`.
    pub fn decide(&self, nr: u32, args: &[u64; 6]) -> &Ruling {
        match self.syscalls.get(&nr) {
            Some(d) => d.decide(args),
            None => &self.unknown,
        }
    }
}

/// Landlock rules kept from `fs` and `net` statements (enforced by the sandbox).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Landlock {
    pub fs: Vec<(FsAccess, String)>,
    pub net: Vec<(NetAccess, u16)>,
}

/// A fully resolved policy.
#[derive(Clone, Debug, Serialize)]
pub struct Policy {
    pub sections: Vec<ArchSection>,
    /// For every architecture not targeted.
    pub badarch: Ruling,
    pub landlock: Landlock,
}

impl Policy {
    pub fn arches(&self) -> Vec<Arch> {
        self.sections.iter().map(|s| s.arch).collect()
    }

    pub fn section(&self, arch: Arch) -> Option<&ArchSection> {
        self.sections.iter().find(|s| s.arch == arch)
    }

    /// The ruling for a syscall as the kernel would present it (`audit_arch`, `nr`, `args`).
    /// This is the reference semantics the compiled program must match.
    pub fn decide(&self, audit_arch: u32, nr: u32, args: &[u64; 6]) -> &Ruling {
        match self.section(section_for(audit_arch, nr).unwrap_or(Arch::X86_64)) {
            Some(s) if section_for(audit_arch, nr).is_some() => s.decide(nr, args),
            _ => &self.badarch,
        }
    }
}

/// Which ABI's table decides `nr` under `audit_arch`. On `AUDIT_ARCH_X86_64`, numbers from
/// bit 30 up belong to x32 (the kernel has no x86_64 syscall there), except `-1` (a tracer
/// skipping the call), which stays with x86_64 as in libseccomp.
pub fn section_for(audit_arch: u32, nr: u32) -> Option<Arch> {
    let cands = Arch::from_audit_arch(audit_arch);
    if cands.len() > 1 {
        let x32 = nr >= crate::arch::X32_SYSCALL_BIT && nr != u32::MAX;
        return Some(if x32 { Arch::X32 } else { Arch::X86_64 });
    }
    cands.first().copied()
}

#[cfg(test)]
impl Test {
    /// One of the five tests for generated cases: `== v`, `> v`, `>= v`, `& m`, and
    /// `(x & m) == value`.
    pub(crate) fn random(rng: &mut crate::test_rng::Rng, v: u64, m: u64, value: u64) -> Test {
        rng.pick(&[
            Test::Eq(v),
            Test::Gt(v),
            Test::Ge(v),
            Test::AnySet(m),
            Test::MaskedEq { mask: m, value },
        ])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_16_bit_parameter_is_tested_on_its_low_16_bits() {
        let mut rng = crate::test_rng::Rng(0x16_0000_4755);
        let interesting = [0u64, 1, 0o4755, 0xfffe, 0xffff, 0x1_0000, 0x1_0000 | 0o4755];
        for _ in 0..3000 {
            let pick = |rng: &mut crate::test_rng::Rng| {
                if rng.below(2) == 0 {
                    rng.pick(&interesting)
                } else {
                    rng.next() >> rng.below(64)
                }
            };
            let (v, m) = (pick(&mut rng), pick(&mut rng));
            let test = Test::random(&mut rng, v, m, v & m);
            let c = Cond::atom(1, 16, test);
            let mut atoms = Vec::new();
            c.atoms(&mut atoms);
            assert!(atoms.iter().all(|a| a.bits == 32), "{c:?}");
            // A range is a few bit tests, not one test per aligned block.
            if let Test::Ge(b) | Test::Gt(b) = test {
                assert!(
                    atoms.len() <= 2 * (b & 0xffff).count_ones() as usize + 1,
                    "{c:?}"
                );
            }
            for _ in 0..20 {
                let x = pick(&mut rng) ^ (rng.next() << 16);
                let seen = Atom {
                    arg: 1,
                    bits: 64,
                    test,
                }
                .eval(&[0, x & 0xffff, 0, 0, 0, 0]);
                assert_eq!(
                    c.eval(&[0, x, 0, 0, 0, 0]),
                    seen,
                    "{test:?} on {x:#x}: {c:?}"
                );
            }
        }
    }

    use super::*;

    #[test]
    fn thirty_two_bit_atoms_ignore_the_high_word() {
        let a = Atom {
            arg: 0,
            bits: 32,
            test: Test::Eq(38),
        };
        assert!(a.eval(&[0xffff_ffff_0000_0026, 0, 0, 0, 0, 0]));
        let b = Atom { bits: 64, ..a };
        assert!(!b.eval(&[0xffff_ffff_0000_0026, 0, 0, 0, 0, 0]));
        let never = Atom {
            arg: 0,
            bits: 32,
            test: Test::Eq(1 << 32),
        };
        assert_eq!(Cond::Atom(never).simplify(), Cond::False);
    }
}
