//! Raw system calls through each x86_64 entry point ("door") seccomp tells apart.

/// How a system call enters the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Door {
    /// The `syscall` instruction; seccomp sees `AUDIT_ARCH_X86_64` and the number as given.
    Native,
    /// `int 0x80` from 64-bit code; seccomp sees `AUDIT_ARCH_I386` and i386 numbers. The system
    /// call itself uses the low 32 bits of each register, but seccomp's `args[i]` holds the
    /// full 64-bit register (observed on Linux 6.18): the high word is whatever the caller left.
    I386,
    /// The `syscall` instruction with bit 30 (`__X32_SYSCALL_BIT`) added to the number;
    /// seccomp sees `AUDIT_ARCH_X86_64` and the number including bit 30.
    X32,
}

/// `__X32_SYSCALL_BIT`.
pub const X32_SYSCALL_BIT: u64 = 0x4000_0000;
/// `AUDIT_ARCH_X86_64`.
pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
/// `AUDIT_ARCH_I386`.
pub const AUDIT_ARCH_I386: u32 = 0x4000_0003;

/// Makes system call `nr` with six arguments through `door` and returns the kernel's raw
/// return value: a negative errno on failure. No libc wrapper is involved (errno is untouched),
/// so this is async-signal-safe and usable in a forked child.
///
/// For [`Door::I386`] the kernel truncates the number to 32 bits and the system call uses the
/// low 32 bits of each argument (seccomp still sees all 64); the 32-bit result is
/// sign-extended.
#[cfg(target_arch = "x86_64")]
pub fn raw_syscall(door: Door, nr: u64, args: [u64; 6]) -> i64 {
    match door {
        Door::Native => native(nr, args),
        Door::X32 => native(nr | X32_SYSCALL_BIT, args),
        Door::I386 => int80(nr, args),
    }
}

#[cfg(target_arch = "x86_64")]
fn native(nr: u64, a: [u64; 6]) -> i64 {
    let ret: i64;
    // SAFETY: the `syscall` instruction reads rax and rdi, rsi, rdx, r10, r8, r9, returns in
    // rax and clobbers rcx (return rip) and r11 (rflags), all declared. It does not touch the
    // stack. Memory effects are those of the system call the test chose to make.
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") nr as i64 => ret,
            in("rdi") a[0],
            in("rsi") a[1],
            in("rdx") a[2],
            in("r10") a[3],
            in("r8") a[4],
            in("r9") a[5],
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

#[cfg(target_arch = "x86_64")]
fn int80(nr: u64, a: [u64; 6]) -> i64 {
    let ret: u64;
    // SAFETY: `int 0x80` takes the number in eax and arguments in ebx, ecx, edx, esi, edi, ebp
    // and returns in eax. Rust cannot name rbx or rbp as operands, so the first argument is
    // swapped into rbx and swapped back, and rbp is pushed, loaded with the sixth argument and
    // popped (no `nostack`, so the compiler keeps the red zone free for the push). r8-r11 are
    // declared clobbered because older kernels zeroed them on return from `int 0x80`.
    unsafe {
        core::arch::asm!(
            "xchg rbx, {a0}",
            "push rbp",
            "mov rbp, {a5}",
            "int 0x80",
            "pop rbp",
            "xchg rbx, {a0}",
            a0 = inout(reg) a[0] => _,
            a5 = in(reg) a[5],
            inlateout("rax") nr => ret,
            in("rcx") a[1],
            in("rdx") a[2],
            in("rsi") a[3],
            in("rdi") a[4],
            lateout("r8") _,
            lateout("r9") _,
            lateout("r10") _,
            lateout("r11") _,
        );
    }
    ret as u32 as i32 as i64
}

/// x86_64 system call numbers used by the tests.
pub mod nr64 {
    pub const CLOSE: u64 = 3;
    pub const GETPID: u64 = 39;
    pub const GETPPID: u64 = 110;
    pub const GETPGID: u64 = 121;
}

/// i386 system call numbers used by the tests.
pub mod nr32 {
    pub const CLOSE: u64 = 6;
    pub const GETPID: u64 = 20;
    pub const GETPPID: u64 = 64;
    pub const GETPGID: u64 = 132;
}
