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

// TEMPORARY until the constants table lands.
pub fn errno(name: &str) -> Option<u16> {
    match name {
        "EPERM" => Some(1),
        "ENOENT" => Some(2),
        "EACCES" => Some(13),
        "ENOSYS" => Some(38),
        _ => None,
    }
}
pub fn errno_name(n: u16) -> Option<&'static str> {
    match n {
        1 => Some("EPERM"),
        38 => Some("ENOSYS"),
        _ => None,
    }
}
