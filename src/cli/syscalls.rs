//! `sysgate syscalls`.

use super::common::*;
use clap::Args;
use sysgate::arch::Arch;

#[derive(Args)]
pub struct SyscallsArgs {
    /// A @group to list the members of
    group: Option<String>,
    /// Architecture (default, or `native`: the host's)
    #[arg(long)]
    arch: Option<String>,
    /// List the groups instead
    #[arg(long, conflicts_with = "group")]
    groups: bool,
    /// Print as JSON
    #[arg(long)]
    json: bool,
}

pub fn cmd_syscalls(a: SyscallsArgs) -> Res {
    use sysgate::policy::groups;
    if a.groups {
        if a.json {
            let v: Vec<_> = groups::groups()
                .iter()
                .map(|g| serde_json::json!({"name": g.name, "description": g.description}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        } else {
            for g in groups::groups() {
                println!("{:<18} {}", g.name, g.description);
            }
        }
        return Ok(());
    }
    let arch = match &a.arch {
        None => Arch::host(),
        Some(n) if n == "native" => Arch::host(),
        Some(n) => Arch::from_name(n).ok_or_else(|| {
            err(
                format!(
                    "unknown architecture '{n}' (known: native, {})",
                    Arch::ALL.map(|a| a.name()).join(", ")
                ),
                2,
            )
        })?,
    };
    let list: Vec<(&str, Option<u32>)> = match &a.group {
        Some(g) => {
            let g = if g.starts_with('@') {
                g.clone()
            } else {
                format!("@{g}")
            };
            let members = groups::expand(&g).ok_or_else(|| {
                err(
                    format!("unknown group '{g}' (see `sysgate syscalls --groups`)"),
                    1,
                )
            })?;
            members
                .into_iter()
                .map(|n| (n, arch.syscall_nr(n)))
                .collect()
        }
        None => arch
            .syscalls()
            .iter()
            .map(|(n, nr)| (*n, Some(*nr)))
            .collect(),
    };
    if a.json {
        let v: Vec<_> = list
            .iter()
            .map(|(n, nr)| serde_json::json!({"name": n, "nr": nr, "arch": arch}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        for (n, nr) in list {
            match nr {
                Some(nr) => println!("{nr:>10}  {n}"),
                None => println!("{:>10}  {n}  (not on {arch})", "-"),
            }
        }
    }
    Ok(())
}
