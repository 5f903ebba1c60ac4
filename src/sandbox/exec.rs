//! Replacing the current process with a program running under a filter.

use super::apply::{apply, FilterFlags};
use crate::arch::Arch;
use crate::bpf::emulator::{self, SeccompData};
use crate::compile::Program;
use crate::policy::ast::Action;
use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// Finds `cmd` the way a shell does: as given when it contains `/`, else in `$PATH`.
pub fn find_program(cmd: &str) -> io::Result<PathBuf> {
    if cmd.contains('/') {
        let p = PathBuf::from(cmd);
        return if p.exists() {
            Ok(p)
        } else {
            Err(io::Error::new(io::ErrorKind::NotFound, "no such file"))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(cmd))
        .find(|p| p.is_file())
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not found in $PATH"))
}

/// What `prog` does to `execve` on the host ABI (arguments are pointers, so zeros).
pub fn execve_action(prog: &Program) -> Action {
    let arch = Arch::host();
    let nr = arch.syscall_nr("execve").unwrap_or(0);
    let data = SeccompData {
        nr,
        arch: arch.audit_arch(),
        instruction_pointer: 0,
        args: [0; 6],
    };
    emulator::run(&prog.insns, &data).map_or(Action::Kill, |o| Action::from_ret(o.ret))
}

/// Installs `prog` and executes `command`. Returns only on failure, with the reason.
///
/// A policy that refuses `execve` itself is reported before anything is installed.
pub fn exec_under(prog: &Program, flags: FilterFlags, command: &[String]) -> io::Error {
    let Some(cmd) = command.first() else {
        return io::Error::new(io::ErrorKind::InvalidInput, "no program given");
    };
    let path = match find_program(cmd) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let action = execve_action(prog);
    if !action.permits() {
        return io::Error::other(format!(
            "the policy does not allow execve ({action}), so no program can start under it; \
             add 'allow execve' before the rule that refuses it"
        ));
    }
    let to_c =
        |s: &[u8]| CString::new(s).map_err(|_| io::Error::other("argument contains a NUL byte"));
    let cpath = match to_c(path.as_os_str().as_bytes()) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let mut argv = Vec::with_capacity(command.len());
    for a in command {
        match to_c(a.as_bytes()) {
            Ok(c) => argv.push(c),
            Err(e) => return e,
        }
    }
    let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|c| c.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    if let Err(e) = apply(&prog.insns, flags) {
        return io::Error::other(e.to_string());
    }
    // SAFETY: `cpath` and every element of `ptrs` are valid NUL-terminated strings that live
    // until the call and `ptrs` ends with a null pointer. execv only returns on failure.
    unsafe {
        libc::execv(cpath.as_ptr(), ptrs.as_ptr());
    }
    io::Error::last_os_error()
}
