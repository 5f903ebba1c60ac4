//! A classic-BPF emulator for seccomp filters.
//!
//! [`validate`] accepts exactly the programs the kernel accepts for `seccomp(2)` (the generic
//! classic-BPF checks followed by seccomp's own opcode whitelist), and [`run`] executes a
//! program on a [`SeccompData`] the way the kernel's converted (eBPF) program would.
//!
//! Semantics chosen where classic BPF leaves room:
//! - ALU operations are unsigned 32-bit and wrap (`add`, `sub`, `mul`, `neg`).
//! - Shifts by a constant of 32 or more are rejected by the kernel's checker. Shifts by `x`
//!   use the amount modulo 32 (what the x86_64 and arm64 JITs do: their 32-bit shift
//!   instructions mask the count).
//! - `div x` with `x == 0` makes the whole filter return 0 (the kernel's cBPF→eBPF conversion
//!   inserts exactly that check), which seccomp reads as `SECCOMP_RET_KILL_THREAD`.
//!   `div #0` is rejected by [`validate`]. `mod` is not accepted by seccomp at all.
//! - Loads read `struct seccomp_data` in the byte order given by `data.arch`'s
//!   `__AUDIT_ARCH_LE` bit (see [`SeccompData::word`]).

use super::insn::*;
use super::ret;
use serde::Serialize;
use std::fmt;

/// `sizeof(struct seccomp_data)`.
pub const SECCOMP_DATA_SIZE: u32 = 64;
/// Number of scratch memory cells (`BPF_MEMWORDS`).
pub const MEMWORDS: u32 = 16;
/// `__AUDIT_ARCH_LE`: set in the `AUDIT_ARCH_*` value of little-endian ABIs.
pub const AUDIT_ARCH_LE: u32 = 0x4000_0000;

/// The kernel's `struct seccomp_data`, the input of a filter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SeccompData {
    pub nr: u32,
    pub arch: u32,
    pub instruction_pointer: u64,
    pub args: [u64; 6],
}

impl SeccompData {
    /// Whether the ABI in `arch` is little-endian (`__AUDIT_ARCH_LE` set).
    pub const fn little_endian(&self) -> bool {
        self.arch & AUDIT_ARCH_LE != 0
    }

    /// The 32-bit word at byte offset `off` (4-aligned, below 64), as `ld [off]` sees it.
    /// The halves of the 64-bit fields are ordered by the endianness of `arch`: on a
    /// little-endian ABI the low half is at the lower offset, on a big-endian one the high half.
    pub fn word(&self, off: u32) -> Option<u32> {
        if off >= SECCOMP_DATA_SIZE || off % 4 != 0 {
            return None;
        }
        let split = |v: u64, second: bool| -> u32 {
            let high = second == self.little_endian();
            if high {
                (v >> 32) as u32
            } else {
                v as u32
            }
        };
        Some(match off {
            0 => self.nr,
            4 => self.arch,
            8 | 12 => split(self.instruction_pointer, off == 12),
            _ => {
                let i = ((off - 16) / 8) as usize;
                split(self.args[i], (off - 16) % 8 == 4)
            }
        })
    }
}

/// The result of running a filter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The value the filter returned (`SECCOMP_RET_*` action | data).
    pub ret: u32,
    /// Number of instructions executed (the length of `path`).
    pub executed: usize,
    /// Indices of the executed instructions, in order.
    pub path: Vec<usize>,
}

/// Why a program is not a valid seccomp filter, or why running it failed. Every variant that
/// concerns one instruction carries its index (`at`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmuError {
    /// The program has no instruction.
    Empty,
    /// The program is longer than `BPF_MAXINSNS` (4096).
    TooLong(usize),
    /// An opcode seccomp does not accept.
    BadOpcode { at: usize, code: u16 },
    /// `ld [k]` outside `struct seccomp_data` (k >= 64).
    LoadOutOfRange { at: usize, k: u32 },
    /// `ld [k]` with k not a multiple of 4.
    MisalignedLoad { at: usize, k: u32 },
    /// A scratch memory index of 16 or more.
    BadMemIndex { at: usize, k: u32 },
    /// Division by the constant 0.
    DivByZero { at: usize },
    /// A shift by a constant of 32 or more.
    ShiftTooLarge { at: usize, k: u32 },
    /// A jump whose target is past the last instruction (`target` is the would-be index).
    JumpOutOfRange { at: usize, target: u64 },
    /// The last instruction is not a `ret`.
    NoFinalRet { at: usize },
    /// A scratch memory cell is read on a path where nothing was stored to it.
    UninitializedMem { at: usize, k: u32 },
    /// Execution ran past the end of the program (only from [`run_unchecked`]).
    FellOffEnd,
}

impl fmt::Display for EmuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmuError::Empty => write!(f, "the program is empty"),
            EmuError::TooLong(n) => write!(
                f,
                "the program has {n} instructions; the kernel accepts at most {BPF_MAXINSNS}"
            ),
            EmuError::BadOpcode { at, code } => write!(
                f,
                "instruction {at}: opcode {code:#06x} is not accepted in a seccomp filter"
            ),
            EmuError::LoadOutOfRange { at, k } => write!(
                f,
                "instruction {at}: load from offset {k} is outside seccomp_data ({SECCOMP_DATA_SIZE} bytes)"
            ),
            EmuError::MisalignedLoad { at, k } => write!(
                f,
                "instruction {at}: load from offset {k} is not 4-byte aligned"
            ),
            EmuError::BadMemIndex { at, k } => write!(
                f,
                "instruction {at}: scratch memory index {k} is out of range (0..{MEMWORDS})"
            ),
            EmuError::DivByZero { at } => write!(f, "instruction {at}: division by constant 0"),
            EmuError::ShiftTooLarge { at, k } => {
                write!(f, "instruction {at}: shift by {k} (must be below 32)")
            }
            EmuError::JumpOutOfRange { at, target } => write!(
                f,
                "instruction {at}: jump target {target} is past the end of the program"
            ),
            EmuError::NoFinalRet { at } => write!(
                f,
                "instruction {at}: the last instruction must be a ret"
            ),
            EmuError::UninitializedMem { at, k } => write!(
                f,
                "instruction {at}: reads scratch memory M[{k}], which is not written on every path to it"
            ),
            EmuError::FellOffEnd => write!(f, "execution ran past the last instruction"),
        }
    }
}

impl std::error::Error for EmuError {}

/// Whether `code` is an opcode seccomp accepts (before the per-opcode operand checks).
fn opcode_allowed(code: u16) -> bool {
    const ALU_OPS: [u16; 9] = [
        BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH,
    ];
    const JMP_OPS: [u16; 4] = [BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET];
    match code & 0x07 {
        BPF_ALU => {
            code == BPF_ALU | BPF_NEG
                || ALU_OPS
                    .iter()
                    .any(|&op| code == BPF_ALU | op | BPF_K || code == BPF_ALU | op | BPF_X)
        }
        BPF_JMP => {
            code == BPF_JMP | BPF_JA
                || JMP_OPS
                    .iter()
                    .any(|&op| code == BPF_JMP | op | BPF_K || code == BPF_JMP | op | BPF_X)
        }
        _ => matches!(
            code,
            c if c == BPF_LD | BPF_W | BPF_ABS
                || c == BPF_LD | BPF_W | BPF_LEN
                || c == BPF_LDX | BPF_W | BPF_LEN
                || c == BPF_LD | BPF_IMM
                || c == BPF_LDX | BPF_IMM
                || c == BPF_LD | BPF_MEM
                || c == BPF_LDX | BPF_MEM
                || c == BPF_ST
                || c == BPF_STX
                || c == BPF_RET | BPF_K
                || c == BPF_RET | BPF_A
                || c == BPF_MISC | BPF_TAX
                || c == BPF_MISC | BPF_TXA
        ),
    }
}

fn is_ret(code: u16) -> bool {
    code == BPF_RET | BPF_K || code == BPF_RET | BPF_A
}

fn is_cond_jump(code: u16) -> bool {
    code & 0x07 == BPF_JMP && code != BPF_JMP | BPF_JA
}

/// Checks `prog` the way the kernel does before accepting it as a seccomp filter:
/// length 1..=4096; only the opcodes seccomp accepts (`ld [k]` with k 4-aligned and < 64,
/// `ld/ldx len`, `ld/ldx #k`, `ld/ldx M[k]`, `st/stx M[k]` with k < 16, 32-bit ALU with `#k`
/// or `x` except `mod`, `div #0` and shifts by `#32` or more, `ja`, `jeq/jgt/jge/jset` with
/// `#k` or `x`, `ret #k`, `ret a`, `tax`, `txa`); every jump lands inside the program; the last
/// instruction is a `ret`; and no scratch cell is read on a path where it was not written.
///
/// The scratch-memory check reproduces the kernel's single forward pass: a `ret` does not
/// reset the set of written cells, so an instruction after a `ret` that is reached only by
/// jumps is still checked against the cells written before that `ret` (conservative, as in the
/// kernel).
pub fn validate(prog: &[Insn]) -> Result<(), EmuError> {
    if prog.is_empty() {
        return Err(EmuError::Empty);
    }
    if prog.len() > BPF_MAXINSNS {
        return Err(EmuError::TooLong(prog.len()));
    }
    let n = prog.len();
    for (at, i) in prog.iter().enumerate() {
        if !opcode_allowed(i.code) {
            return Err(EmuError::BadOpcode { at, code: i.code });
        }
        let (code, k) = (i.code, i.k);
        let is_mem = code == BPF_LD | BPF_MEM
            || code == BPF_LDX | BPF_MEM
            || code == BPF_ST
            || code == BPF_STX;
        let is_shift_k = code == BPF_ALU | BPF_LSH | BPF_K || code == BPF_ALU | BPF_RSH | BPF_K;
        if code == BPF_LD | BPF_W | BPF_ABS {
            if k >= SECCOMP_DATA_SIZE {
                return Err(EmuError::LoadOutOfRange { at, k });
            }
            if k % 4 != 0 {
                return Err(EmuError::MisalignedLoad { at, k });
            }
        } else if is_mem && k >= MEMWORDS {
            return Err(EmuError::BadMemIndex { at, k });
        } else if code == BPF_ALU | BPF_DIV | BPF_K && k == 0 {
            return Err(EmuError::DivByZero { at });
        } else if is_shift_k && k >= 32 {
            return Err(EmuError::ShiftTooLarge { at, k });
        } else if code == BPF_JMP | BPF_JA {
            let target = at as u64 + 1 + k as u64;
            if target >= n as u64 {
                return Err(EmuError::JumpOutOfRange { at, target });
            }
        } else if is_cond_jump(code) {
            for off in [i.jt, i.jf] {
                let target = at as u64 + 1 + off as u64;
                if target >= n as u64 {
                    return Err(EmuError::JumpOutOfRange { at, target });
                }
            }
        }
    }
    if !is_ret(prog[n - 1].code) {
        return Err(EmuError::NoFinalRet { at: n - 1 });
    }
    check_memory(prog)
}

/// Forward dataflow over a 16-bit mask of the scratch cells written on every path.
/// Requires the structural checks of [`validate`] to have passed (targets in range).
fn check_memory(prog: &[Insn]) -> Result<(), EmuError> {
    let mut masks = vec![u16::MAX; prog.len()];
    let mut valid: u16 = 0;
    for (at, i) in prog.iter().enumerate() {
        valid &= masks[at];
        let code = i.code;
        if code == BPF_ST || code == BPF_STX {
            valid |= 1 << i.k;
        } else if code == BPF_LD | BPF_MEM || code == BPF_LDX | BPF_MEM {
            if valid & (1 << i.k) == 0 {
                return Err(EmuError::UninitializedMem { at, k: i.k });
            }
        } else if code == BPF_JMP | BPF_JA {
            masks[at + 1 + i.k as usize] &= valid;
            valid = u16::MAX;
        } else if is_cond_jump(code) {
            masks[at + 1 + i.jt as usize] &= valid;
            masks[at + 1 + i.jf as usize] &= valid;
            valid = u16::MAX;
        }
    }
    Ok(())
}

/// Validates `prog` (see [`validate`]) and runs it on `data`.
pub fn run(prog: &[Insn], data: &SeccompData) -> Result<Outcome, EmuError> {
    validate(prog)?;
    run_unchecked(prog, data)
}

/// Runs `prog` on `data` without the static checks of [`validate`], for callers that
/// validated once and run many inputs. Problems met on the executed path (an opcode seccomp
/// rejects, a bad offset, a jump or fall-through past the end) are still reported as errors;
/// reading a never-written scratch cell yields 0.
pub fn run_unchecked(prog: &[Insn], data: &SeccompData) -> Result<Outcome, EmuError> {
    exec(prog, data, |_, _| {})
}

/// Validates `prog` and runs it on `data` like [`run`], also returning, for each conditional
/// jump on the path in order, whether its condition held (the path alone cannot tell when
/// `jt == jf`).
pub fn run_branches(prog: &[Insn], data: &SeccompData) -> Result<(Outcome, Vec<bool>), EmuError> {
    validate(prog)?;
    let mut taken = Vec::new();
    let out = exec(prog, data, |_, t| taken.push(t))?;
    Ok((out, taken))
}

/// The interpreter; `on_branch(at, taken)` is called for every conditional jump executed.
fn exec(
    prog: &[Insn],
    data: &SeccompData,
    mut on_branch: impl FnMut(usize, bool),
) -> Result<Outcome, EmuError> {
    let mut a: u32 = 0;
    let mut x: u32 = 0;
    let mut mem = [0u32; MEMWORDS as usize];
    let mut pc = 0usize;
    let mut path = Vec::new();
    let done = |ret: u32, path: Vec<usize>| Outcome {
        ret,
        executed: path.len(),
        path,
    };
    loop {
        let Some(i) = prog.get(pc) else {
            return Err(EmuError::FellOffEnd);
        };
        let at = pc;
        path.push(at);
        let (code, k) = (i.code, i.k);
        if !opcode_allowed(code) {
            return Err(EmuError::BadOpcode { at, code });
        }
        pc += 1;
        match code & 0x07 {
            BPF_LD | BPF_LDX => {
                let v = match code & 0xe0 {
                    BPF_ABS => data.word(k).ok_or(if k >= SECCOMP_DATA_SIZE {
                        EmuError::LoadOutOfRange { at, k }
                    } else {
                        EmuError::MisalignedLoad { at, k }
                    })?,
                    BPF_LEN => SECCOMP_DATA_SIZE,
                    BPF_IMM => k,
                    _ => *mem.get(k as usize).ok_or(EmuError::BadMemIndex { at, k })?,
                };
                if code & 0x07 == BPF_LD {
                    a = v;
                } else {
                    x = v;
                }
            }
            BPF_ST | BPF_STX => {
                let cell = mem
                    .get_mut(k as usize)
                    .ok_or(EmuError::BadMemIndex { at, k })?;
                *cell = if code == BPF_ST { a } else { x };
            }
            BPF_ALU => {
                let src = if code & BPF_X != 0 { x } else { k };
                a = match code & 0xf0 {
                    BPF_ADD => a.wrapping_add(src),
                    BPF_SUB => a.wrapping_sub(src),
                    BPF_MUL => a.wrapping_mul(src),
                    BPF_DIV => {
                        if src == 0 {
                            // The kernel's converted program returns 0 on division by zero.
                            return Ok(done(0, path));
                        }
                        a / src
                    }
                    BPF_AND => a & src,
                    BPF_OR => a | src,
                    BPF_XOR => a ^ src,
                    BPF_LSH => {
                        if code & BPF_X == 0 && src >= 32 {
                            return Err(EmuError::ShiftTooLarge { at, k });
                        }
                        a << (src & 31)
                    }
                    BPF_RSH => {
                        if code & BPF_X == 0 && src >= 32 {
                            return Err(EmuError::ShiftTooLarge { at, k });
                        }
                        a >> (src & 31)
                    }
                    _ => a.wrapping_neg(), // BPF_NEG, the only other accepted op
                };
            }
            BPF_JMP => {
                let off = if code == BPF_JMP | BPF_JA {
                    k as u64
                } else {
                    let src = if code & BPF_X != 0 { x } else { k };
                    let taken = match code & 0xf0 {
                        BPF_JEQ => a == src,
                        BPF_JGT => a > src,
                        BPF_JGE => a >= src,
                        _ => a & src != 0, // BPF_JSET
                    };
                    on_branch(at, taken);
                    if taken {
                        i.jt as u64
                    } else {
                        i.jf as u64
                    }
                };
                let target = pc as u64 + off;
                if target >= prog.len() as u64 {
                    return Err(EmuError::JumpOutOfRange { at, target });
                }
                pc = target as usize;
            }
            BPF_RET => {
                let v = if code == BPF_RET | BPF_A { a } else { k };
                return Ok(done(v, path));
            }
            _ => {
                // BPF_MISC
                if code == BPF_MISC | BPF_TAX {
                    x = a;
                } else {
                    a = x;
                }
            }
        }
    }
}

/// The action the kernel takes for return value `ret`: `ret & SECCOMP_RET_ACTION_FULL`, except
/// that a value that is not one of the known actions is treated as `SECCOMP_RET_KILL_PROCESS`
/// (the kernel's `default:` case kills the whole process).
pub fn action_of(ret: u32) -> u32 {
    let action = ret & ret::ACTION_FULL;
    match action {
        ret::KILL_PROCESS
        | ret::KILL_THREAD
        | ret::TRAP
        | ret::ERRNO
        | ret::USER_NOTIF
        | ret::TRACE
        | ret::LOG
        | ret::ALLOW => action,
        _ => ret::KILL_PROCESS,
    }
}

/// The kernel caps an `ERRNO` action's data at `MAX_ERRNO`.
const MAX_ERRNO: u32 = 4095;

fn errno_name(e: u32) -> Option<&'static str> {
    u16::try_from(e).ok().and_then(crate::arch::errno_name)
}

/// A short human description of a return value: `allow`, `errno EPERM (1)`, `kill`
/// (the process), `kill-thread`, `trap 5`, `log`, `trace 7`, `notify`. An unknown action is
/// described as `kill (unknown action 0x…)`, since that is what the kernel does with it.
pub fn describe_ret(ret: u32) -> String {
    let data = ret & ret::DATA;
    match ret & ret::ACTION_FULL {
        ret::ALLOW => "allow".to_string(),
        ret::LOG => "log".to_string(),
        ret::USER_NOTIF => "notify".to_string(),
        ret::KILL_PROCESS => "kill".to_string(),
        ret::KILL_THREAD => "kill-thread".to_string(),
        ret::TRAP => format!("trap {data}"),
        ret::TRACE => format!("trace {data}"),
        ret::ERRNO => {
            let e = data.min(MAX_ERRNO);
            let mut s = match errno_name(e) {
                Some(name) => format!("errno {name} ({e})"),
                None => format!("errno {e}"),
            };
            if data > MAX_ERRNO {
                s.push_str(&format!(" (capped from {data})"));
            }
            s
        }
        other => format!("kill (unknown action {other:#x})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const X86_64: u32 = 0xc000_003e;
    const S390X: u32 = 0x8000_0016;
    const ERRNO_EPERM: u32 = ret::ERRNO | 1;

    fn data(nr: u32, arch: u32) -> SeccompData {
        SeccompData {
            nr,
            arch,
            ..Default::default()
        }
    }

    fn ret_of(prog: &[Insn], d: &SeccompData) -> u32 {
        run(prog, d).unwrap().ret
    }

    /// ld arch; jeq x86_64 ? next : kill; ld nr; jeq 59 ? errno : allow
    fn arch_prog() -> Vec<Insn> {
        vec![
            Insn::load_abs(4),
            Insn::jump(BPF_JEQ, X86_64, 1, 0),
            Insn::ret(ret::KILL_PROCESS),
            Insn::load_abs(0),
            Insn::jump(BPF_JEQ, 59, 0, 1),
            Insn::ret(ERRNO_EPERM),
            Insn::ret(ret::ALLOW),
        ]
    }

    #[test]
    fn arch_check() {
        let p = arch_prog();
        let o = run(&p, &data(59, X86_64)).unwrap();
        assert_eq!(o.ret, ERRNO_EPERM);
        assert_eq!(o.path, vec![0, 1, 3, 4, 5]);
        assert_eq!(o.executed, 5);
        assert_eq!(ret_of(&p, &data(60, X86_64)), ret::ALLOW);
        let o = run(&p, &data(59, 0x4000_0003)).unwrap();
        assert_eq!(o.ret, ret::KILL_PROCESS);
        assert_eq!(o.path, vec![0, 1, 2]);
    }

    fn cmp_prog(op: u16, k: u32) -> Vec<Insn> {
        vec![
            Insn::load_abs(0),
            Insn::jump(op, k, 0, 1),
            Insn::ret(1),
            Insn::ret(2),
        ]
    }

    #[test]
    fn conditional_jumps_both_ways() {
        let cases: &[(u16, u32, u32, u32)] = &[
            // (op, k, nr, expected ret: 1 = taken, 2 = not taken)
            (BPF_JEQ, 10, 10, 1),
            (BPF_JEQ, 10, 11, 2),
            (BPF_JGT, 10, 11, 1),
            (BPF_JGT, 10, 10, 2),
            (BPF_JGE, 10, 10, 1),
            (BPF_JGE, 10, 9, 2),
            (BPF_JSET, 0x4000_0000, 0x4000_0001, 1),
            (BPF_JSET, 0x4000_0000, 0x3fff_ffff, 2),
            // Unsigned comparisons.
            (BPF_JGT, 10, 0xffff_ffff, 1),
        ];
        for &(op, k, nr, want) in cases {
            assert_eq!(
                ret_of(&cmp_prog(op, k), &data(nr, X86_64)),
                want,
                "op {op:#x} k {k} nr {nr}"
            );
        }
    }

    #[test]
    fn jump_with_x_and_ja() {
        let p = vec![
            Insn::new(BPF_LDX | BPF_IMM, 0, 0, 7),
            Insn::load_abs(0),
            Insn::new(BPF_JMP | BPF_JGE | BPF_X, 0, 1, 0),
            Insn::ja(1),
            Insn::ret(1),
            Insn::ret(2),
        ];
        assert_eq!(ret_of(&p, &data(7, X86_64)), 2);
        assert_eq!(ret_of(&p, &data(6, X86_64)), 1);
    }

    /// Returns the word at `off` via `ret a`.
    fn load(off: u32) -> Vec<Insn> {
        vec![Insn::load_abs(off), Insn::new(BPF_RET | BPF_A, 0, 0, 0)]
    }

    #[test]
    fn arg_halves_follow_endianness() {
        let mut d = data(0, X86_64);
        d.args[0] = 0x1111_2222_3333_4444;
        d.args[5] = 0xaaaa_bbbb_cccc_dddd;
        d.instruction_pointer = 0x5555_6666_7777_8888;
        // Little-endian: low half first.
        assert_eq!(ret_of(&load(16), &d), 0x3333_4444);
        assert_eq!(ret_of(&load(20), &d), 0x1111_2222);
        assert_eq!(ret_of(&load(56), &d), 0xcccc_dddd);
        assert_eq!(ret_of(&load(60), &d), 0xaaaa_bbbb);
        assert_eq!(ret_of(&load(8), &d), 0x7777_8888);
        assert_eq!(ret_of(&load(12), &d), 0x5555_6666);
        // Big-endian (s390x): high half first.
        d.arch = S390X;
        assert_eq!(ret_of(&load(16), &d), 0x1111_2222);
        assert_eq!(ret_of(&load(20), &d), 0x3333_4444);
        assert_eq!(ret_of(&load(56), &d), 0xaaaa_bbbb);
        assert_eq!(ret_of(&load(60), &d), 0xcccc_dddd);
        assert_eq!(ret_of(&load(8), &d), 0x5555_6666);
        assert_eq!(ret_of(&load(12), &d), 0x7777_8888);
        assert_eq!(ret_of(&load(0), &d), 0);
        assert_eq!(ret_of(&load(4), &d), S390X);
    }

    #[test]
    fn len_alu_and_scratch_memory() {
        let p = vec![
            Insn::new(BPF_LD | BPF_W | BPF_LEN, 0, 0, 0),  // A = 64
            Insn::new(BPF_ST, 0, 0, 3),                    // M[3] = 64
            Insn::load_abs(0),                             // A = nr
            Insn::new(BPF_MISC | BPF_TAX, 0, 0, 0),        // X = nr
            Insn::new(BPF_LD | BPF_MEM, 0, 0, 3),          // A = 64
            Insn::new(BPF_ALU | BPF_ADD | BPF_X, 0, 0, 0), // A = 64 + nr
            Insn::new(BPF_ALU | BPF_LSH | BPF_K, 0, 0, 4), // A <<= 4
            Insn::new(BPF_STX, 0, 0, 15),                  // M[15] = nr
            Insn::new(BPF_LDX | BPF_MEM, 0, 0, 15),        // X = nr
            Insn::new(BPF_ALU | BPF_SUB | BPF_X, 0, 0, 0), // A -= nr
            Insn::new(BPF_RET | BPF_A, 0, 0, 0),
        ];
        // (64 + 2) << 4 - 2 = 1054
        assert_eq!(ret_of(&p, &data(2, X86_64)), 1054);
    }

    #[test]
    fn alu_semantics() {
        let alu = |code: u16, a: u32, k: u32| {
            let p = vec![
                Insn::new(BPF_LD | BPF_IMM, 0, 0, a),
                Insn::new(BPF_LDX | BPF_IMM, 0, 0, k),
                Insn::new(BPF_ALU | code, 0, 0, k),
                Insn::new(BPF_RET | BPF_A, 0, 0, 0),
            ];
            run(&p, &SeccompData::default()).map(|o| o.ret)
        };
        assert_eq!(alu(BPF_ADD | BPF_K, u32::MAX, 2), Ok(1));
        assert_eq!(alu(BPF_SUB | BPF_K, 1, 2), Ok(u32::MAX));
        assert_eq!(alu(BPF_MUL | BPF_K, 0x8000_0000, 2), Ok(0));
        assert_eq!(alu(BPF_DIV | BPF_K, 7, 2), Ok(3));
        assert_eq!(alu(BPF_DIV | BPF_X, 7, 0), Ok(0));
        assert_eq!(alu(BPF_AND | BPF_K, 0xff0f, 0x0ff0), Ok(0x0f00));
        assert_eq!(alu(BPF_OR | BPF_X, 0xf000, 0x000f), Ok(0xf00f));
        assert_eq!(alu(BPF_XOR | BPF_K, 0xff, 0x0f), Ok(0xf0));
        assert_eq!(alu(BPF_RSH | BPF_K, 0x80, 4), Ok(0x8));
        assert_eq!(alu(BPF_LSH | BPF_X, 1, 33), Ok(2));
        assert_eq!(alu(BPF_NEG, 1, 0), Ok(u32::MAX));
        assert_eq!(
            alu(BPF_DIV | BPF_K, 7, 0),
            Err(EmuError::DivByZero { at: 2 })
        );
        assert_eq!(
            alu(BPF_LSH | BPF_K, 7, 32),
            Err(EmuError::ShiftTooLarge { at: 2, k: 32 })
        );
        assert_eq!(
            alu(BPF_MOD | BPF_K, 7, 2),
            Err(EmuError::BadOpcode {
                at: 2,
                code: BPF_ALU | BPF_MOD | BPF_K
            })
        );
    }

    #[test]
    fn validation_failures() {
        assert_eq!(validate(&[]), Err(EmuError::Empty));
        let long = vec![Insn::ret(0); BPF_MAXINSNS + 1];
        assert_eq!(validate(&long), Err(EmuError::TooLong(4097)));
        assert_eq!(validate(&long[..BPF_MAXINSNS]), Ok(()));
        assert_eq!(
            validate(&[Insn::load_abs(64), Insn::ret(0)]),
            Err(EmuError::LoadOutOfRange { at: 0, k: 64 })
        );
        assert_eq!(
            validate(&[Insn::load_abs(18), Insn::ret(0)]),
            Err(EmuError::MisalignedLoad { at: 0, k: 18 })
        );
        assert_eq!(
            validate(&[Insn::jump(BPF_JEQ, 1, 0, 1), Insn::ret(0)]),
            Err(EmuError::JumpOutOfRange { at: 0, target: 2 })
        );
        assert_eq!(
            validate(&[Insn::ja(1), Insn::ret(0)]),
            Err(EmuError::JumpOutOfRange { at: 0, target: 2 })
        );
        assert_eq!(
            validate(&[Insn::ret(0), Insn::load_abs(0)]),
            Err(EmuError::NoFinalRet { at: 1 })
        );
        // Byte loads, indirect loads and `ldx [k]` are classic BPF but not seccomp.
        for code in [
            BPF_LD | BPF_B | BPF_ABS,
            BPF_LD | BPF_W | BPF_IND,
            BPF_LDX | BPF_W | BPF_ABS,
            BPF_RET | BPF_X,
        ] {
            assert_eq!(
                validate(&[Insn::new(code, 0, 0, 0), Insn::ret(0)]),
                Err(EmuError::BadOpcode { at: 0, code })
            );
        }
        assert_eq!(
            validate(&[Insn::new(BPF_ST, 0, 0, 16), Insn::ret(0)]),
            Err(EmuError::BadMemIndex { at: 0, k: 16 })
        );
        assert!(validate(&arch_prog()).is_ok());
    }

    #[test]
    fn uninitialized_scratch_memory() {
        // Read without any store.
        let p = vec![Insn::new(BPF_LD | BPF_MEM, 0, 0, 1), Insn::ret(0)];
        assert_eq!(
            validate(&p),
            Err(EmuError::UninitializedMem { at: 0, k: 1 })
        );
        // Stored on one branch only.
        let p = vec![
            Insn::load_abs(0),
            Insn::jump(BPF_JEQ, 1, 0, 1),
            Insn::new(BPF_ST, 0, 0, 2),
            Insn::new(BPF_LD | BPF_MEM, 0, 0, 2),
            Insn::new(BPF_RET | BPF_A, 0, 0, 0),
        ];
        assert_eq!(
            validate(&p),
            Err(EmuError::UninitializedMem { at: 3, k: 2 })
        );
        // Stored before the branch: fine on both paths.
        let p = vec![
            Insn::load_abs(0),
            Insn::new(BPF_ST, 0, 0, 2),
            Insn::jump(BPF_JEQ, 1, 0, 1),
            Insn::new(BPF_LD | BPF_IMM, 0, 0, 9),
            Insn::new(BPF_LD | BPF_MEM, 0, 0, 2),
            Insn::new(BPF_RET | BPF_A, 0, 0, 0),
        ];
        assert_eq!(validate(&p), Ok(()));
        assert_eq!(ret_of(&p, &data(5, X86_64)), 5);
    }

    #[test]
    fn actions_and_descriptions() {
        assert_eq!(action_of(ret::ERRNO | 13), ret::ERRNO);
        assert_eq!(action_of(ret::ALLOW), ret::ALLOW);
        assert_eq!(action_of(0x1234_0000), ret::KILL_PROCESS);
        assert_eq!(describe_ret(ret::ALLOW), "allow");
        assert_eq!(describe_ret(ERRNO_EPERM), "errno EPERM (1)");
        assert_eq!(describe_ret(ret::ERRNO | 300), "errno 300");
        assert_eq!(
            describe_ret(ret::ERRNO | 5000),
            "errno 4095 (capped from 5000)"
        );
        assert_eq!(describe_ret(ret::KILL_PROCESS), "kill");
        assert_eq!(describe_ret(ret::KILL_THREAD), "kill-thread");
        assert_eq!(describe_ret(ret::TRAP | 5), "trap 5");
        assert_eq!(describe_ret(ret::LOG), "log");
        assert_eq!(describe_ret(ret::TRACE | 7), "trace 7");
        assert_eq!(describe_ret(ret::USER_NOTIF), "notify");
        assert_eq!(
            describe_ret(0x1234_0000),
            "kill (unknown action 0x12340000)"
        );
    }

    #[test]
    fn run_unchecked_reports_runtime_faults() {
        assert_eq!(
            run_unchecked(&[Insn::load_abs(0)], &SeccompData::default()),
            Err(EmuError::FellOffEnd)
        );
    }
}
