//! The kernel interface of seccomp user notification, and the process handles a supervisor
//! needs around it (pidfds, reading another process's memory).
//!
//! A filter installed with `SECCOMP_FILTER_FLAG_NEW_LISTENER` returns a listener fd. Each
//! `SECCOMP_RET_USER_NOTIF` decision then blocks the calling thread and queues a
//! notification on it: [`Listener::recv`] takes one, [`Listener::respond`] answers it (a
//! return value or an errno, or "continue": run the call for real), and
//! [`Listener::id_valid`] says whether the thread is still waiting for that answer, which is
//! what makes a pid read from a notification safe to use (it cannot have been reused while
//! the thread waits).
//!
//! The structures are defined here because the `libc` crate does not have them; their sizes
//! give the ioctl numbers, which the tests below recompute from the `_IOWR`/`_IOW` formulas.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// `struct seccomp_data`: what the filter saw.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeccompData {
    pub nr: i32,
    pub arch: u32,
    pub instruction_pointer: u64,
    pub args: [u64; 6],
}

/// `struct seccomp_notif`: one blocked system call.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeccompNotif {
    /// The cookie to answer with.
    pub id: u64,
    /// The calling thread's id, in the listener's pid namespace (0 if not visible there).
    pub pid: u32,
    pub flags: u32,
    pub data: SeccompData,
}

/// `struct seccomp_notif_resp`: the answer.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeccompNotifResp {
    pub id: u64,
    /// The return value when `error` is 0.
    pub val: i64,
    /// A negated errno (`-EPERM`), or 0.
    pub error: i32,
    pub flags: u32,
}

/// `SECCOMP_USER_NOTIF_FLAG_CONTINUE`: let the call run (Linux 5.5+).
pub const SECCOMP_USER_NOTIF_FLAG_CONTINUE: u32 = 1;

const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;
const SECCOMP_IOC_MAGIC: u32 = b'!' as u32;

const fn ioc(dir: u32, nr: u32, size: usize) -> u32 {
    (dir << 30) | ((size as u32) << 16) | (SECCOMP_IOC_MAGIC << 8) | nr
}

/// `SECCOMP_IOCTL_NOTIF_RECV = _IOWR('!', 0, struct seccomp_notif)`.
pub const SECCOMP_IOCTL_NOTIF_RECV: u32 =
    ioc(IOC_READ | IOC_WRITE, 0, std::mem::size_of::<SeccompNotif>());
/// `SECCOMP_IOCTL_NOTIF_SEND = _IOWR('!', 1, struct seccomp_notif_resp)`.
pub const SECCOMP_IOCTL_NOTIF_SEND: u32 = ioc(
    IOC_READ | IOC_WRITE,
    1,
    std::mem::size_of::<SeccompNotifResp>(),
);
/// `SECCOMP_IOCTL_NOTIF_ID_VALID = _IOW('!', 2, __u64)`.
pub const SECCOMP_IOCTL_NOTIF_ID_VALID: u32 = ioc(IOC_WRITE, 2, 8);

/// `SECCOMP_GET_NOTIF_SIZES`, the `seccomp(2)` operation that reports the kernel's sizes.
const SECCOMP_GET_NOTIF_SIZES: libc::c_ulong = 3;

/// The sizes of the notification structures as the running kernel defines them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NotifSizes {
    pub notif: u16,
    pub resp: u16,
    pub data: u16,
}

/// Asks the kernel for its structure sizes (`seccomp(SECCOMP_GET_NOTIF_SIZES)`).
pub fn notif_sizes() -> io::Result<NotifSizes> {
    let mut s = NotifSizes::default();
    // SAFETY: the kernel writes exactly a `struct seccomp_notif_sizes` (three u16) into `s`.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SECCOMP_GET_NOTIF_SIZES,
            0 as libc::c_ulong,
            &mut s as *mut NotifSizes,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(s)
    }
}

/// A user-notification listener fd.
#[derive(Debug)]
pub struct Listener {
    fd: OwnedFd,
    /// At least `size_of::<SeccompNotif>()`: a newer kernel may write a larger structure.
    recv_size: usize,
}

impl Listener {
    /// Wraps a listener fd, checking that the kernel's structures are the ones defined here
    /// (a larger `seccomp_notif` is tolerated: only our prefix is read).
    pub fn new(fd: OwnedFd) -> io::Result<Listener> {
        let s = notif_sizes()?;
        if usize::from(s.data) != std::mem::size_of::<SeccompData>()
            || usize::from(s.resp) < std::mem::size_of::<SeccompNotifResp>()
            || usize::from(s.notif) < std::mem::size_of::<SeccompNotif>()
        {
            return Err(io::Error::other(format!(
                "unexpected seccomp notification sizes from the kernel: {s:?}"
            )));
        }
        Ok(Listener {
            fd,
            recv_size: usize::from(s.notif),
        })
    }

    /// Receives one notification (blocks unless one is pending; poll the fd first).
    /// `ENOENT` means the thread went away before it could be received.
    pub fn recv(&self) -> io::Result<SeccompNotif> {
        // The kernel requires a zeroed buffer; a larger one when its structure is larger.
        let mut buf = vec![0u64; self.recv_size.div_ceil(8)];
        // SAFETY: `buf` is zeroed, 8-byte aligned and at least `recv_size` bytes, the size the
        // kernel writes for NOTIF_RECV (its sizes were checked in `new`).
        let r = unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                SECCOMP_IOCTL_NOTIF_RECV as libc::c_ulong,
                buf.as_mut_ptr(),
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `buf` holds at least size_of::<SeccompNotif>() initialised bytes, suitably
        // aligned, and every bit pattern is a valid `SeccompNotif` (plain integers).
        Ok(unsafe { std::ptr::read(buf.as_ptr().cast::<SeccompNotif>()) })
    }

    /// Answers notification `id`: `Ok(val)` returns `val`, `Err(errno)` fails with `errno`.
    pub fn respond(&self, id: u64, result: Result<i64, i32>) -> io::Result<()> {
        let (val, error) = match result {
            Ok(v) => (v, 0),
            Err(e) => (0, -e),
        };
        self.send(SeccompNotifResp {
            id,
            val,
            error,
            flags: 0,
        })
    }

    /// Lets the call run as if the filter had allowed it.
    pub fn continue_call(&self, id: u64) -> io::Result<()> {
        self.send(SeccompNotifResp {
            id,
            val: 0,
            error: 0,
            flags: SECCOMP_USER_NOTIF_FLAG_CONTINUE,
        })
    }

    fn send(&self, mut resp: SeccompNotifResp) -> io::Result<()> {
        // SAFETY: `resp` is a valid `struct seccomp_notif_resp` the kernel reads (and may
        // write back, hence `_IOWR`); it lives across the call.
        let r = unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                SECCOMP_IOCTL_NOTIF_SEND as libc::c_ulong,
                &mut resp as *mut SeccompNotifResp,
            )
        };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// Whether the thread of notification `id` is still waiting for its answer (so the pid
    /// in the notification still names it).
    pub fn id_valid(&self, id: u64) -> bool {
        let mut id = id;
        // SAFETY: the kernel reads one u64 from the pointer.
        unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                SECCOMP_IOCTL_NOTIF_ID_VALID as libc::c_ulong,
                &mut id as *mut u64,
            ) == 0
        }
    }
}

impl AsRawFd for Listener {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// `pidfd_open(pid, 0)`: a descriptor for process `pid` that stays bound to it (Linux 5.3+).
pub fn pidfd_open(pid: libc::pid_t) -> io::Result<OwnedFd> {
    // SAFETY: integer arguments only; a successful call returns a new fd we take over.
    let r = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0 as libc::c_uint) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        // SAFETY: `r` is a new descriptor nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(r as RawFd) })
    }
}

/// `pidfd_getfd(pidfd, fd, 0)`: a duplicate of another process's descriptor `fd` (Linux 5.6+;
/// needs ptrace access to that process, which a parent has over its child).
pub fn pidfd_getfd(pidfd: &OwnedFd, fd: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: integer arguments only; a successful call returns a new fd we take over.
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_getfd,
            pidfd.as_raw_fd(),
            fd,
            0 as libc::c_uint,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        // SAFETY: `r` is a new descriptor nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(r as RawFd) })
    }
}

/// `pidfd_send_signal(pidfd, sig, NULL, 0)`: signals the process the pidfd names, which
/// cannot be a recycled pid.
pub fn pidfd_send_signal(pidfd: &OwnedFd, sig: libc::c_int) -> io::Result<()> {
    // SAFETY: a null siginfo makes the kernel build one as kill() would; no memory is read.
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd.as_raw_fd(),
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0 as libc::c_uint,
        )
    };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// `tgkill(tgid, tid, sig)`: signals one thread.
pub fn tgkill(tgid: libc::pid_t, tid: libc::pid_t, sig: libc::c_int) -> io::Result<()> {
    // SAFETY: integer arguments only.
    let r = unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, sig) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Reads up to `buf.len()` bytes at `addr` in process `pid` with `process_vm_readv`; returns
/// how many were read (fewer when the range reaches unmapped memory).
pub fn read_memory(pid: libc::pid_t, addr: u64, buf: &mut [u8]) -> io::Result<usize> {
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as usize as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: `local` describes `buf`, which we own and which outlives the call; the remote
    // iovec is only an address in the other process, checked by the kernel.
    let r = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r as usize)
    }
}

/// Reads a NUL-terminated string of at most `max` bytes at `addr` in process `pid`, page by
/// page so that a string ending just before an unmapped page is still read. Returns the bytes
/// and whether the terminating NUL was found.
pub fn read_c_string(pid: libc::pid_t, addr: u64, max: usize) -> io::Result<(Vec<u8>, bool)> {
    const PAGE: u64 = 4096;
    let mut out = Vec::new();
    let mut at = addr;
    while out.len() < max {
        let room = (PAGE - at % PAGE).min((max - out.len()) as u64) as usize;
        let mut chunk = vec![0u8; room];
        let n = match read_memory(pid, at, &mut chunk) {
            Ok(n) => n,
            Err(e) if out.is_empty() => return Err(e),
            Err(_) => 0,
        };
        if let Some(end) = chunk[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..end]);
            return Ok((out, true));
        }
        out.extend_from_slice(&chunk[..n]);
        if n < room {
            break;
        }
        at += n as u64;
    }
    Ok((out, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_numbers_match_the_kernel_headers() {
        assert_eq!(std::mem::size_of::<SeccompData>(), 64);
        assert_eq!(std::mem::size_of::<SeccompNotif>(), 0x50);
        assert_eq!(std::mem::size_of::<SeccompNotifResp>(), 0x18);
        assert_eq!(SECCOMP_IOCTL_NOTIF_RECV, 0xc050_2100);
        assert_eq!(SECCOMP_IOCTL_NOTIF_SEND, 0xc018_2101);
        assert_eq!(SECCOMP_IOCTL_NOTIF_ID_VALID, 0x4008_2102);
    }

    #[test]
    fn kernel_sizes_are_ours() {
        let s = notif_sizes().expect("SECCOMP_GET_NOTIF_SIZES");
        assert_eq!(usize::from(s.data), std::mem::size_of::<SeccompData>());
        assert!(usize::from(s.notif) >= std::mem::size_of::<SeccompNotif>());
    }

    #[test]
    fn reads_own_strings() {
        let s = std::ffi::CString::new("/tmp/xyz").unwrap();
        // SAFETY: getpid has no preconditions.
        let me = unsafe { libc::getpid() };
        let (b, nul) = read_c_string(me, s.as_ptr() as u64, 4096).unwrap();
        assert_eq!(b, b"/tmp/xyz");
        assert!(nul);
        let (b, nul) = read_c_string(me, s.as_ptr() as u64, 4).unwrap();
        assert_eq!(b, b"/tmp");
        assert!(!nul);
    }
}
