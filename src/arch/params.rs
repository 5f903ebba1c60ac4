//! Parameter names and widths of syscalls, per architecture.
//! STUB: to be filled in.

use super::Arch;

/// One syscall parameter as a filter sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    /// Index into `seccomp_data.args`.
    pub index: u8,
    /// Bits the kernel uses: 32 for `int`/`unsigned int` or on 32-bit ABIs, else 64.
    pub bits: u32,
}

/// Why a parameter cannot be named in a condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamError {
    /// sysgate has no signature for this syscall (use `argN`).
    NoSignature,
    /// The syscall has no parameter of that name; `known` lists the ones it has.
    NoSuchParam { known: Vec<&'static str> },
    /// The parameter exists but is not in a register on this ABI (behind a pointer).
    NotInRegister { reason: &'static str },
}

/// The parameters of `syscall` on `arch`, if sysgate knows its signature.
pub fn params(arch: Arch, syscall: &str) -> Option<Vec<Param>> {
    let _ = (arch, syscall);
    None
}

/// Looks up one parameter by name.
pub fn param_by_name(arch: Arch, syscall: &str, name: &str) -> Result<Param, ParamError> {
    match params(arch, syscall) {
        None => Err(ParamError::NoSignature),
        Some(ps) => {
            ps.iter()
                .find(|p| p.name == name)
                .copied()
                .ok_or_else(|| ParamError::NoSuchParam {
                    known: ps.iter().map(|p| p.name).collect(),
                })
        }
    }
}
