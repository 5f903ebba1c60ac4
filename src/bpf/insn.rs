//! The classic BPF instruction (`struct sock_filter`) and its opcode constants.

use serde::Serialize;

/// One classic BPF instruction, laid out exactly like the kernel's `struct sock_filter`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

// Instruction classes.
pub const BPF_LD: u16 = 0x00;
pub const BPF_LDX: u16 = 0x01;
pub const BPF_ST: u16 = 0x02;
pub const BPF_STX: u16 = 0x03;
pub const BPF_ALU: u16 = 0x04;
pub const BPF_JMP: u16 = 0x05;
pub const BPF_RET: u16 = 0x06;
pub const BPF_MISC: u16 = 0x07;
// ld/ldx sizes and modes.
pub const BPF_W: u16 = 0x00;
pub const BPF_H: u16 = 0x08;
pub const BPF_B: u16 = 0x10;
pub const BPF_IMM: u16 = 0x00;
pub const BPF_ABS: u16 = 0x20;
pub const BPF_IND: u16 = 0x40;
pub const BPF_MEM: u16 = 0x60;
pub const BPF_LEN: u16 = 0x80;
pub const BPF_MSH: u16 = 0xa0;
// alu/jmp operations.
pub const BPF_ADD: u16 = 0x00;
pub const BPF_SUB: u16 = 0x10;
pub const BPF_MUL: u16 = 0x20;
pub const BPF_DIV: u16 = 0x30;
pub const BPF_OR: u16 = 0x40;
pub const BPF_AND: u16 = 0x50;
pub const BPF_LSH: u16 = 0x60;
pub const BPF_RSH: u16 = 0x70;
pub const BPF_NEG: u16 = 0x80;
pub const BPF_MOD: u16 = 0x90;
pub const BPF_XOR: u16 = 0xa0;
pub const BPF_JA: u16 = 0x00;
pub const BPF_JEQ: u16 = 0x10;
pub const BPF_JGT: u16 = 0x20;
pub const BPF_JGE: u16 = 0x30;
pub const BPF_JSET: u16 = 0x40;
// operand source.
pub const BPF_K: u16 = 0x00;
pub const BPF_X: u16 = 0x08;
pub const BPF_A: u16 = 0x10;
// misc.
pub const BPF_TAX: u16 = 0x00;
pub const BPF_TXA: u16 = 0x80;

/// The kernel's limit on a filter's length (`BPF_MAXINSNS`).
pub const BPF_MAXINSNS: usize = 4096;

impl Insn {
    pub const fn new(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
        Insn { code, jt, jf, k }
    }
    /// `ld [k]`: load the 32-bit word at offset `k` of `seccomp_data`.
    pub const fn load_abs(k: u32) -> Insn {
        Insn::new(BPF_LD | BPF_W | BPF_ABS, 0, 0, k)
    }
    /// A conditional jump `op #k` (op is `BPF_JEQ`, `BPF_JGT`, `BPF_JGE` or `BPF_JSET`).
    pub const fn jump(op: u16, k: u32, jt: u8, jf: u8) -> Insn {
        Insn::new(BPF_JMP | op | BPF_K, jt, jf, k)
    }
    /// `ja +off`.
    pub const fn ja(off: u32) -> Insn {
        Insn::new(BPF_JMP | BPF_JA, 0, 0, off)
    }
    /// `and #k`.
    pub const fn and(k: u32) -> Insn {
        Insn::new(BPF_ALU | BPF_AND | BPF_K, 0, 0, k)
    }
    /// `ret #k`.
    pub const fn ret(k: u32) -> Insn {
        Insn::new(BPF_RET | BPF_K, 0, 0, k)
    }
    pub const fn class(&self) -> u16 {
        self.code & 0x07
    }
}

/// Serialises a program as the raw `struct sock_filter` array in host byte order: the
/// format `seccomp(2)`, bubblewrap's `--seccomp FD` and libseccomp's `seccomp_export_bpf` use.
pub fn to_bytes(prog: &[Insn]) -> Vec<u8> {
    let mut out = Vec::with_capacity(prog.len() * 8);
    for i in prog {
        out.extend_from_slice(&i.code.to_ne_bytes());
        out.push(i.jt);
        out.push(i.jf);
        out.extend_from_slice(&i.k.to_ne_bytes());
    }
    out
}

/// Why a byte string is not a BPF program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The length is not a multiple of 8 bytes.
    Length(usize),
    /// The program is empty.
    Empty,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Length(n) => write!(
                f,
                "{n} bytes is not a whole number of 8-byte BPF instructions"
            ),
            DecodeError::Empty => write!(f, "the file holds no BPF instruction"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Parses the raw `struct sock_filter` array written by [`to_bytes`] (or by libseccomp).
pub fn from_bytes(bytes: &[u8]) -> Result<Vec<Insn>, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.len() % 8 != 0 {
        return Err(DecodeError::Length(bytes.len()));
    }
    Ok(bytes
        .chunks_exact(8)
        .map(|c| Insn {
            code: u16::from_ne_bytes([c[0], c[1]]),
            jt: c[2],
            jf: c[3],
            k: u32::from_ne_bytes([c[4], c[5], c[6], c[7]]),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        let p = vec![
            Insn::load_abs(4),
            Insn::jump(BPF_JEQ, 7, 1, 0),
            Insn::ret(0),
        ];
        let b = to_bytes(&p);
        assert_eq!(b.len(), 24);
        assert_eq!(from_bytes(&b).unwrap(), p);
        assert_eq!(from_bytes(&b[..7]), Err(DecodeError::Length(7)));
    }
}
