//! Decoding a notified system call for people: its name, and its arguments with parameter
//! names where sysgate knows the signature, and file names read from the caller's memory.

use crate::arch::{params, Arch};

/// Which arguments of a syscall are file names (NUL-terminated strings), by index.
pub fn path_args(syscall: &str) -> &'static [usize] {
    match syscall {
        "open" | "creat" | "mkdir" | "rmdir" | "unlink" | "chdir" | "chroot" | "chmod"
        | "chown" | "lchown" | "access" | "stat" | "lstat" | "stat64" | "lstat64" | "truncate"
        | "truncate64" | "readlink" | "execve" | "mknod" | "utime" | "utimes" | "statfs"
        | "statfs64" | "swapon" | "swapoff" | "acct" | "umount" | "umount2" | "uselib"
        | "setxattr" | "lsetxattr" | "getxattr" | "lgetxattr" | "listxattr" | "llistxattr"
        | "removexattr" | "lremovexattr" | "chown32" | "lchown32" => &[0],
        "rename" | "link" | "symlink" | "pivot_root" => &[0, 1],
        "mount" => &[0, 1, 2],
        "openat" | "openat2" | "mkdirat" | "unlinkat" | "mknodat" | "fchmodat" | "fchmodat2"
        | "fchownat" | "faccessat" | "faccessat2" | "newfstatat" | "fstatat64" | "statx"
        | "readlinkat" | "utimensat" | "utimensat_time64" | "futimesat" | "execveat"
        | "name_to_handle_at" | "inotify_add_watch" | "open_tree" | "fspick" | "mount_setattr" => {
            &[1]
        }
        "renameat" | "renameat2" | "linkat" | "move_mount" => &[1, 3],
        "symlinkat" => &[0, 2],
        _ => &[],
    }
}

/// How many arguments the file-name syscalls take, for those sysgate has no signature of.
fn arity(syscall: &str) -> Option<usize> {
    Some(match syscall {
        "rmdir" | "unlink" | "chdir" | "chroot" | "swapoff" | "acct" | "umount" | "uselib" => 1,
        "creat" | "mkdir" | "chmod" | "access" | "stat" | "lstat" | "stat64" | "lstat64"
        | "truncate" | "truncate64" | "utime" | "utimes" | "statfs" | "statfs64" | "swapon"
        | "umount2" | "rename" | "link" | "symlink" | "pivot_root" | "removexattr"
        | "lremovexattr" => 2,
        "open" | "chown" | "lchown" | "chown32" | "lchown32" | "readlink" | "execve" | "mknod"
        | "mkdirat" | "unlinkat" | "fchmodat" | "faccessat" | "symlinkat" | "open_tree"
        | "fspick" | "inotify_add_watch" | "listxattr" | "llistxattr" | "futimesat" => 3,
        "openat" | "openat2" | "mknodat" | "fchmodat2" | "faccessat2" | "newfstatat"
        | "fstatat64" | "readlinkat" | "utimensat" | "utimensat_time64" | "renameat"
        | "getxattr" | "lgetxattr" => 4,
        "mount" | "fchownat" | "statx" | "execveat" | "renameat2" | "linkat" | "move_mount"
        | "mount_setattr" | "setxattr" | "lsetxattr" | "name_to_handle_at" => 5,
        _ => return None,
    })
}

/// The name of syscall `nr` as the kernel numbered it on `arch` (x32 numbers carry bit 30).
pub fn syscall_name(arch: Arch, nr: u32) -> Option<&'static str> {
    arch.syscall_name(nr)
}

/// `name(p1=0x…, "/path", …)`: the arguments with parameter names when the signature is
/// known (else all six, raw), each file-name argument replaced by `read_path(value)` when
/// that returns a string.
pub fn format_call(
    arch: Arch,
    name: &str,
    args: &[u64; 6],
    read_path: &mut dyn FnMut(u64) -> Option<String>,
) -> String {
    let paths = path_args(name);
    let ps = params(arch, name);
    let count = match &ps {
        Some(ps) => ps.len().max(paths.iter().map(|i| i + 1).max().unwrap_or(0)),
        None if arity(name).is_some() => arity(name).unwrap_or(0),
        None => {
            let last = args.iter().rposition(|&a| a != 0).map_or(0, |i| i + 1);
            last.max(paths.iter().map(|i| i + 1).max().unwrap_or(0))
        }
    };
    let mut parts = Vec::with_capacity(count);
    for (i, &raw) in args.iter().enumerate().take(count) {
        let param = ps.as_ref().and_then(|p| p.get(i));
        let value = param.map_or(raw, |p| p.operand(raw));
        let shown = if paths.contains(&i) {
            if value == 0 {
                "NULL".to_string()
            } else {
                read_path(value).unwrap_or_else(|| format!("{value:#x}"))
            }
        } else if value < 10 {
            value.to_string()
        } else {
            format!("{value:#x}")
        };
        match param {
            Some(p) if !paths.contains(&i) => parts.push(format!("{}={shown}", p.name)),
            _ => parts.push(shown),
        }
    }
    format!("{name}({})", parts.join(", "))
}

/// A string read from memory, quoted and escaped, with `…` when it was cut short.
pub fn quote(bytes: &[u8], complete: bool) -> String {
    let s = String::from_utf8_lossy(bytes);
    let mut q = format!("{s:?}");
    if !complete {
        q.push('…');
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_named_params() {
        let mut read = |a: u64| (a == 0x1000).then(|| quote(b"/tmp/xyz", true));
        let s = format_call(
            Arch::X86_64,
            "mkdir",
            &[0x1000, 0o777, 0, 0, 0, 0],
            &mut read,
        );
        assert!(s.starts_with("mkdir(\"/tmp/xyz\""), "{s}");
        let s = format_call(
            Arch::X86_64,
            "unshare",
            &[0x4000_0000, 0, 0, 0, 0, 0],
            &mut read,
        );
        assert_eq!(s, "unshare(flags=0x40000000)");
        let s = format_call(Arch::X86_64, "getpid", &[0; 6], &mut read);
        assert_eq!(s, "getpid()");
    }

    #[test]
    fn quoting() {
        assert_eq!(quote(b"a\"b", true), "\"a\\\"b\"");
        assert_eq!(quote(b"abc", false), "\"abc\"…");
    }
}
