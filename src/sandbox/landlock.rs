//! Landlock rules from a policy's `fs` and `net` statements (and `run`'s flags).
//!
//! seccomp cannot see file names or port numbers; Landlock can. Filesystem access is only
//! restricted when at least one `fs` rule is given, and TCP ports only when at least one `net`
//! rule is given: then everything not allowed is refused.
//!
//! - `fs read P`: read files and list directories beneath P;
//! - `fs exec P`: execute files beneath P, plus read;
//! - `fs write P`: every other right beneath P (write, truncate, create, remove, rename,
//!   device ioctl), without read;
//! - `net bind PORT` / `net connect PORT`: TCP bind / connect on that port.
//!
//! With filesystem rules, everything the program touches must be allowed: its executable,
//! the dynamic loader and libraries (`--fs-exec /usr` on merged-/usr systems), and devices
//! such as `/dev/null` (`--fs-write /dev/null` to redirect into it).
//!
//! The ruleset is built in the parent ([`prepare`]) and put into force in the child
//! ([`Prepared::restrict_self`]), which only issues `prctl` and `landlock_restrict_self`.
//! Best effort: what the running kernel cannot enforce is reported as a warning (or an error
//! when Landlock is required).

use crate::ir::Landlock;
use crate::policy::ast::{FsAccess, NetAccess};
use landlock::{
    Access, AccessFs, AccessNet, BitFlags, NetPort, PathBeneath, PathFd, Ruleset, RulesetAttr,
    RulesetCreated, RulesetCreatedAttr, ABI,
};
use std::io;

/// The newest ABI whose filesystem rights sysgate handles (Linux 6.10: read, write, execute,
/// create, remove, refer, truncate, device ioctl).
const FS_ABI: ABI = ABI::V5;

/// The Landlock ABI version of the running kernel: 0 when Landlock is not built in or not
/// enabled.
pub fn kernel_abi() -> i32 {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_uint = 1;
    // SAFETY: with a null attribute pointer, size 0 and the VERSION flag, the call only
    // returns the ABI version (or -1 with errno); it reads and writes no memory.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    v.max(0) as i32
}

/// What the running kernel cannot enforce of `rules`, one short phrase each (empty when
/// everything is enforced).
pub fn unenforced(rules: &Landlock, abi: i32) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !rules.fs.is_empty() {
        if abi < 1 {
            out.push("filesystem rules not enforced");
        } else {
            if abi < 2 {
                out.push("renaming and linking across directories always refused");
            }
            if abi < 3 {
                out.push("truncation not restricted");
            }
            if abi < 5 {
                out.push("device ioctl not restricted");
            }
        }
    }
    if !rules.net.is_empty() && abi < 4 {
        out.push("TCP port rules not enforced");
    }
    out
}

/// One warning line for `unenforced`, e.g. `Landlock ABI 3: TCP port rules not enforced`.
pub fn describe_unenforced(abi: i32, what: &[&str]) -> String {
    if abi < 1 {
        format!("Landlock is not available: {}", what.join("; "))
    } else {
        format!("Landlock ABI {abi}: {}", what.join("; "))
    }
}

fn fs_rights(a: FsAccess) -> BitFlags<AccessFs> {
    let read = AccessFs::ReadFile | AccessFs::ReadDir;
    match a {
        FsAccess::Read => read,
        FsAccess::Exec => read | AccessFs::Execute,
        FsAccess::Write => AccessFs::from_all(FS_ABI) & !(read | AccessFs::Execute),
    }
}

fn fs_word(a: FsAccess) -> &'static str {
    match a {
        FsAccess::Read => "read",
        FsAccess::Write => "write",
        FsAccess::Exec => "exec",
    }
}

/// A ruleset ready to be put into force, or nothing to do.
pub struct Prepared {
    ruleset: Option<RulesetCreated>,
}

impl Prepared {
    /// Whether there is anything to restrict.
    pub fn is_empty(&self) -> bool {
        self.ruleset.is_none()
    }

    /// Restricts the calling thread (and what it executes). Also sets `no_new_privs`.
    pub fn restrict_self(&mut self) -> io::Result<()> {
        let Some(rs) = self.ruleset.take() else {
            return Ok(());
        };
        rs.restrict_self().map(|_| ()).map_err(to_io)
    }
}

fn to_io(e: impl std::error::Error + 'static) -> io::Error {
    // Keep the OS error when there is one, so the child can report it as a number.
    let mut src: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = src {
        if let Some(ioe) = s.downcast_ref::<io::Error>() {
            if let Some(n) = ioe.raw_os_error() {
                return io::Error::from_raw_os_error(n);
            }
        }
        src = s.source();
    }
    io::Error::other(e.to_string())
}

/// Builds the ruleset for `rules`. Paths are opened now, so a missing path is an error here.
pub fn prepare(rules: &Landlock) -> io::Result<Prepared> {
    if rules.fs.is_empty() && rules.net.is_empty() {
        return Ok(Prepared { ruleset: None });
    }
    let mut rs = Ruleset::default();
    if !rules.fs.is_empty() {
        rs = rs
            .handle_access(AccessFs::from_all(FS_ABI))
            .map_err(to_io)?;
    }
    if !rules.net.is_empty() {
        rs = rs
            .handle_access(AccessNet::BindTcp | AccessNet::ConnectTcp)
            .map_err(to_io)?;
    }
    let mut created = rs.create().map_err(to_io)?;
    for (access, path) in &rules.fs {
        let fd = PathFd::new(path).map_err(|e| {
            let e = to_io(e);
            io::Error::new(e.kind(), format!("fs {} {path}: {e}", fs_word(*access)))
        })?;
        created = created
            .add_rule(PathBeneath::new(fd, fs_rights(*access)))
            .map_err(to_io)?;
    }
    for (access, port) in &rules.net {
        let a = match access {
            NetAccess::Bind => AccessNet::BindTcp,
            NetAccess::Connect => AccessNet::ConnectTcp,
        };
        created = created.add_rule(NetPort::new(*port, a)).map_err(to_io)?;
    }
    Ok(Prepared {
        ruleset: Some(created),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(fs: bool, net: bool) -> Landlock {
        Landlock {
            fs: if fs {
                vec![(FsAccess::Read, "/usr".into())]
            } else {
                vec![]
            },
            net: if net {
                vec![(NetAccess::Connect, 443)]
            } else {
                vec![]
            },
        }
    }

    #[test]
    fn unenforced_names_what_the_abi_lacks() {
        assert!(unenforced(&rules(false, false), 0).is_empty());
        assert!(unenforced(&rules(true, true), 5).is_empty());
        assert_eq!(
            describe_unenforced(3, &unenforced(&rules(false, true), 3)),
            "Landlock ABI 3: TCP port rules not enforced"
        );
        assert_eq!(
            unenforced(&rules(true, false), 3),
            vec!["device ioctl not restricted"]
        );
        assert_eq!(
            describe_unenforced(0, &unenforced(&rules(true, false), 0)),
            "Landlock is not available: filesystem rules not enforced"
        );
    }

    #[test]
    fn rights_per_statement() {
        assert_eq!(
            fs_rights(FsAccess::Read),
            AccessFs::ReadFile | AccessFs::ReadDir
        );
        assert!(fs_rights(FsAccess::Exec).contains(AccessFs::Execute));
        let w = fs_rights(FsAccess::Write);
        assert!(w.contains(AccessFs::MakeReg | AccessFs::RemoveFile | AccessFs::Truncate));
        assert!(!w.intersects(AccessFs::ReadFile | AccessFs::Execute));
    }
}
