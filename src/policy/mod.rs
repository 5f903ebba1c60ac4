//! The policy language: lexer, parser, AST, resolver, groups and built-in policies.
//!
//! ```
//! use sysgate::policy::Policy;
//! let p = Policy::parse("example.policy", "default allow\ndeny bpf\narch x86_64\n").unwrap();
//! let bpf = sysgate::arch::Arch::X86_64.syscall_nr("bpf").unwrap();
//! let ruling = p.resolved.sections[0].decide(bpf, &[0; 6]);
//! assert_eq!(ruling.action, sysgate::policy::ast::Action::Errno(1));
//! assert_eq!(ruling.origin.line, 2);
//! ```

pub mod ast;
pub mod builtin;
pub mod diag;
pub mod groups;
pub mod lexer;
pub mod parser;
mod reach;
pub mod resolve;
pub mod satisfy;

use crate::compile::{self, CompileError, Program};
use crate::ir;
use diag::{Diagnostic, Source};
use std::fmt;
use std::sync::Arc;

pub use resolve::Options;

/// A policy that resolved without errors, with the warnings it produced.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The file path or `builtin:NAME`.
    pub name: String,
    pub resolved: ir::Policy,
    pub warnings: Vec<Diagnostic>,
}

/// The errors (and warnings) that stopped a policy from resolving.
#[derive(Clone, Debug)]
pub struct PolicyError {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for d in &self.diagnostics {
            if !first {
                writeln!(f)?;
            }
            first = false;
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyError {}

impl Policy {
    /// Resolves policy text for the architectures it names (or the host's, `native`).
    pub fn parse(name: &str, text: &str) -> Result<Policy, PolicyError> {
        Policy::from_source(Source::new(name, text), &Options::default())
    }

    /// Resolves a built-in policy by name.
    pub fn builtin(name: &str) -> Result<Policy, PolicyError> {
        Policy::load(name, &Options::default())
    }

    /// Loads `spec`: a built-in name (`container`) or a file path.
    pub fn load(spec: &str, opts: &Options) -> Result<Policy, PolicyError> {
        let src = if let Some(s) = builtin::source(spec) {
            s
        } else {
            match std::fs::read(spec) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(t) => Source::new(spec, t),
                    Err(e) => {
                        // Locate the first byte that is not UTF-8.
                        let at = e.utf8_error().valid_up_to();
                        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                        let good = String::from_utf8_lossy(&e.as_bytes()[..at]).len();
                        let src = Source::new(spec, text);
                        let d = Diagnostic::error(
                            &src,
                            diag::Span::new(good, good + 1),
                            "this byte is not UTF-8 text",
                        )
                        .with_hint("a policy is a text file; is this a compiled filter? (`sysgate disasm` reads those)");
                        return Err(PolicyError {
                            diagnostics: vec![d],
                        });
                    }
                },
                Err(e) => {
                    let mut d = Diagnostic::file_error(spec, format!("cannot read policy: {e}"));
                    if e.kind() == std::io::ErrorKind::NotFound {
                        d = d.with_hint(format!(
                            "give a file path or a built-in name ({})",
                            builtin::names().join(", ")
                        ));
                    }
                    return Err(PolicyError {
                        diagnostics: vec![d],
                    });
                }
            }
        };
        Policy::from_source(src, opts)
    }

    /// Resolves `src`, reading `use`d files from disk.
    pub fn from_source(src: Arc<Source>, opts: &Options) -> Result<Policy, PolicyError> {
        let name = src.name.clone();
        let r = resolve::resolve(src, &resolve::FsLoader, opts);
        match r.policy {
            Some(resolved) => Ok(Policy {
                name,
                resolved,
                warnings: r.diagnostics,
            }),
            None => Err(PolicyError {
                diagnostics: r.diagnostics,
            }),
        }
    }

    /// Compiles to one filter for all the policy's architectures, with the search tree laid
    /// out for sysgate's built-in call-frequency profile ([`compile::Weights::builtin`]), as
    /// `sysgate compile` does without `--mix`. The profile changes only how many
    /// instructions a call runs, never what the filter decides.
    ///
    /// ```
    /// use sysgate::policy::Policy;
    /// let p = Policy::parse("example", "default allow\ndeny unshare\narch x86_64\n").unwrap();
    /// let prog = p.compile().unwrap();
    /// // Unweighted (a tree balanced by syscall count), as `--mix none`:
    /// let balanced = p.compile_with(&Default::default()).unwrap();
    /// assert_eq!(prog.arches, balanced.arches);
    /// ```
    pub fn compile(&self) -> Result<Program, CompileError> {
        let opts = compile::Options {
            weights: compile::Weights::builtin(&self.resolved.arches()),
        };
        self.compile_with(&opts)
    }

    /// Compiles with explicit options, e.g. the weights of a recorded profile
    /// ([`compile::Weights::read_profile`]) or none (`Options::default()`).
    pub fn compile_with(&self, opts: &compile::Options) -> Result<Program, CompileError> {
        compile::compile(&self.resolved, opts)
    }
}
