//! Named constants usable in policy conditions (`CLONE_*`, `AF_*`, `O_*`…), per architecture.
//! STUB: to be filled in.

use super::Arch;

/// The value of the named constant on `arch`, or `None` if it is unknown there.
pub fn constant(arch: Arch, name: &str) -> Option<u64> {
    let _ = (arch, name);
    None
}

/// Every constant name (for "did you mean" suggestions and documentation).
pub fn constant_names() -> Vec<&'static str> {
    Vec::new()
}
