//! `sysgate import`.

use super::common::*;
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ImportArgs {
    /// Docker profile (`defaultAction`, `syscalls`…) or OCI `config.json` (`linux.seccomp`)
    profile: PathBuf,
    /// Capabilities the container holds, for `includes`/`excludes`: `docker` (Docker's 14
    /// defaults), `all`, or a list such as CAP_SYS_ADMIN,CAP_NET_ADMIN
    #[arg(long, default_value = "docker")]
    caps: String,
    /// Target architectures, comma-separated; the first is the host for `includes.arches`.
    /// Default: the profile's archMap entry for this host (x86_64: x86_64,i386,x32)
    #[arg(long, value_delimiter = ',')]
    arch: Option<Vec<String>>,
    /// Kernel version X.Y for `minKernel` (default: the running kernel)
    #[arg(long)]
    kernel: Option<String>,
    /// Write the policy to this file instead of standard output (`-`: standard output)
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
}

pub fn cmd_import(a: ImportArgs) -> Res {
    use sysgate::formats::{oci, text};
    let caps = oci::Caps::parse(&a.caps).map_err(|m| err(format!("--caps: {m}"), 2))?;
    let arches = parse_arches(&ArchOpt { arch: a.arch })?;
    let kernel = match &a.kernel {
        None => None,
        Some(k) => Some(
            oci::parse_kernel(k)
                .ok_or_else(|| err(format!("--kernel '{k}': expected X.Y, such as 5.15"), 2))?,
        ),
    };
    let name = a.profile.display().to_string();
    let json = std::fs::read_to_string(&a.profile)
        .map_err(|e| err(format!("cannot read '{name}': {e}"), 3))?;
    let opts = oci::Options {
        caps,
        arches,
        kernel,
    };
    let imported = oci::import(&name, &json, &opts).map_err(|e| err(e, 1))?;
    for w in &imported.warnings {
        eprintln!("sysgate: warning: {name}: {w}");
    }
    let header = vec![
        format!("imported from {name} by sysgate import"),
        format!(
            "capabilities: {}; host {} ; kernel {}.{}",
            a.caps, imported.host, imported.kernel.0, imported.kernel.1
        ),
    ];
    let policy_text = text::write(&imported.policy, &header);
    match &a.output {
        Some(path) => {
            write_output(path, policy_text.as_bytes())?;
            eprintln!("sysgate: wrote {}", output_name(path));
        }
        None => print!("{policy_text}"),
    }
    Ok(())
}
