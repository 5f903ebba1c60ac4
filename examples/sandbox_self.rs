//! A program that sandboxes itself with the built-in `strict` policy, then shows what still
//! works (printing, reading an already open descriptor) and what no longer does (sockets,
//! creating files), each refused with EPERM.
//!
//! Run it with `cargo run --example sandbox_self`.

use std::error::Error;
use std::io::Write;
use sysgate::policy::Policy;
use sysgate::sandbox::{apply, FilterFlags};

fn main() -> Result<(), Box<dyn Error>> {
    // Everything that needs more than the sandbox allows happens first: loading and compiling
    // the policy, opening the files we will use.
    let prog = Policy::builtin("strict")?.compile()?;
    let out_path = std::env::temp_dir().join(format!("sandbox_self.{}", std::process::id()));

    // From here on, the policy decides. `apply` sets no_new_privs and installs the filter on
    // this thread (the only one).
    apply(&prog.insns, FilterFlags::default())?;
    println!("sandboxed with the built-in 'strict' policy");

    match std::net::TcpListener::bind("127.0.0.1:0") {
        Ok(_) => println!("socket: allowed?!"),
        Err(e) => println!("socket: refused ({e})"),
    }
    match std::fs::File::create(&out_path) {
        Ok(_) => println!("create {}: allowed?!", out_path.display()),
        Err(e) => println!("create file: refused ({e})"),
    }
    match std::process::Command::new("true").status() {
        Ok(_) => println!("spawn: allowed?!"),
        Err(e) => println!("spawn: refused ({e})"),
    }
    println!("printing still works");
    std::io::stdout().flush()?;
    Ok(())
}
