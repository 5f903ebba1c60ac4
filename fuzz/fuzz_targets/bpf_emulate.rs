//! Raw `struct sock_filter` bytes → decoder → validator → emulator. The first 64 bytes are the
//! `seccomp_data` input, the rest the program. `validate` rejecting must make `run` fail;
//! a valid program must end in a `ret` after at most one pass over the program.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sysgate::bpf::emulator::{run, run_unchecked, validate, SeccompData};

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    u64::from(u32_at(b, i)) | (u64::from(u32_at(b, i + 4)) << 32)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 64 {
        return;
    }
    let (head, code) = data.split_at(64);
    let input = SeccompData {
        nr: u32_at(head, 0),
        arch: u32_at(head, 4),
        instruction_pointer: u64_at(head, 8),
        args: std::array::from_fn(|i| u64_at(head, 16 + 8 * i)),
    };
    let Ok(prog) = sysgate::bpf::from_bytes(code) else {
        return;
    };
    let v = validate(&prog);
    let r = run(&prog, &input);
    let _ = run_unchecked(&prog, &input);
    match (v, r) {
        (Err(e), Err(f)) => assert_eq!(e, f),
        (Err(e), Ok(o)) => panic!("validate rejected ({e}) but run executed {o:?}"),
        (Ok(()), Err(f)) => panic!("validate accepted but run failed: {f}"),
        (Ok(()), Ok(o)) => {
            assert!(o.executed >= 1 && o.executed <= prog.len());
            assert!(o.path.windows(2).all(|w| w[0] < w[1]));
        }
    }
});
