//! From parsed files to the resolved [`ir::Policy`](crate::ir::Policy): `use` is spliced
//! in, groups expanded, names turned into numbers, parameters into argument slots and
//! widths, constants into values — each per architecture — and rules folded, first match
//! wins, into one [`Decision`] per syscall number.
//!
//! Multiplexers: on ABIs with `socketcall(2)`/`ipc(2)`, a rule on `socket` also governs
//! `socketcall(SYS_SOCKET, …)`. The real arguments sit behind a pointer the filter cannot
//! read, so a condition on them cannot be checked there. The conservative choice, reported
//! as a warning: a rule that refuses the call (any action but `allow` and `log`) applies to
//! every such multiplexed call; a rule that lets it through never applies to it.

use super::ast::{self, Action, CmpOp, Expr, Stmt, Target, UseTarget, ValuePart};
use super::diag::{did_you_mean, Diagnostic, Source, Span};
use super::groups;
use super::reach::{self, Entry, Reach};
use crate::arch::{self, Arch, ParamError};
use crate::ir::{
    ArchSection, Atom, Cond, CondRule, Decision, Landlock, Origin, Policy, Ruling, Test,
};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Finds the text of a `use`d policy.
pub trait Loader {
    /// Loads `target` as written in `from`.
    fn load(&self, target: &UseTarget, from: &Source) -> Result<Arc<Source>, String>;
}

/// Built-in names from [`super::builtin`], files relative to the using file's directory.
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, target: &UseTarget, from: &Source) -> Result<Arc<Source>, String> {
        match target {
            UseTarget::Builtin(name) => super::builtin::source(name).ok_or_else(|| {
                let names = super::builtin::names();
                match did_you_mean(name, names.iter().copied()) {
                    Some(s) => format!("no built-in policy '{name}' (did you mean '{s}'?)"),
                    None => format!(
                        "no built-in policy '{name}'; built-ins are: {}; write a file as use \"path\"",
                        names.join(", ")
                    ),
                }
            }),
            UseTarget::File(p) => {
                let base = Path::new(&from.name)
                    .parent()
                    .filter(|_| !from.name.starts_with("builtin:"))
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("."));
                let path = base.join(p);
                std::fs::read_to_string(&path)
                    .map(|t| Source::new(path.display().to_string(), t))
                    .map_err(|e| format!("cannot read '{}': {e}", path.display()))
            }
        }
    }
}

/// How to resolve: which architectures (overriding the policy's `arch`).
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub arches: Option<Vec<Arch>>,
}

/// The result of resolving: the policy, or the errors; warnings either way.
pub struct Resolved {
    pub policy: Option<Policy>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A rule after `use` is spliced in, with the file it came from.
struct FlatRule {
    src: Arc<Source>,
    action: Action,
    targets: Vec<ast::Spanned<Target>>,
    cond: Option<Expr>,
    span: Span,
    origin: Origin,
}

#[derive(Default)]
struct Header {
    default: Option<(Action, Origin)>,
    unknown: Option<(Action, Origin)>,
    badarch: Option<(Action, Origin)>,
    arches: Option<Vec<Arch>>,
}

struct Flattener<'l> {
    loader: &'l dyn Loader,
    rules: Vec<FlatRule>,
    header: Header,
    landlock: Landlock,
    diags: Vec<Diagnostic>,
    stack: Vec<String>,
}

fn origin(src: &Source, span: Span) -> Origin {
    let (line, _) = src.line_col(span.start);
    let text = src.text[span.start..span.end.min(src.text.len())]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Origin {
        file: Arc::from(src.name.as_str()),
        line,
        text,
    }
}

impl Flattener<'_> {
    fn file(&mut self, src: Arc<Source>) {
        if self.stack.contains(&src.name) {
            return;
        }
        let (file, errors) = super::parser::parse_all(&src);
        self.diags.extend(errors);
        self.stack.push(src.name.clone());
        // Header settings of the outer file win over those of files it uses, so a file's
        // own settings are collected first and only fill what is still unset afterwards.
        let mut own = Header::default();
        for stmt in &file.stmts {
            let set = |slot: &mut Option<(Action, Origin)>,
                       a: &ast::Spanned<Action>,
                       kw: &str,
                       diags: &mut Vec<Diagnostic>| {
                if let Some((_, prev)) = slot {
                    diags.push(
                        Diagnostic::error(&src, a.span, format!("'{kw}' is set twice"))
                            .with_hint(format!("it was already set on line {}", prev.line)),
                    );
                } else {
                    let line_span = line_span(&src, a.span);
                    *slot = Some((a.node, origin(&src, line_span)));
                }
            };
            match stmt {
                Stmt::Default(a) => set(&mut own.default, a, "default", &mut self.diags),
                Stmt::Unknown(a) => set(&mut own.unknown, a, "unknown", &mut self.diags),
                Stmt::BadArch(a) => set(&mut own.badarch, a, "badarch", &mut self.diags),
                Stmt::Arch(names) => {
                    let mut v = Vec::new();
                    for n in names {
                        if n.node == "native" {
                            v.extend(Arch::native());
                        } else if let Some(a) = Arch::from_name(&n.node) {
                            v.push(a);
                        } else {
                            let mut d = Diagnostic::error(
                                &src,
                                n.span,
                                format!("unknown architecture '{}'", n.node),
                            );
                            let all: Vec<&str> = Arch::ALL.iter().map(|a| a.name()).collect();
                            d = match did_you_mean(&n.node, all.iter().copied()) {
                                Some(s) => d.with_hint(format!("did you mean '{s}'?")),
                                None => d.with_hint(format!("known: native, {}", all.join(", "))),
                            };
                            self.diags.push(d);
                        }
                    }
                    let mut seen = HashSet::new();
                    v.retain(|a| seen.insert(*a));
                    if own.arches.is_some() {
                        self.diags.push(
                            Diagnostic::error(&src, names[0].span, "'arch' is set twice")
                                .with_hint("list every architecture on one 'arch' line"),
                        );
                    }
                    own.arches = Some(v);
                }
                Stmt::Use(t) => match self.loader.load(&t.node, &src) {
                    Ok(used) => {
                        if self.stack.contains(&used.name) {
                            self.diags.push(
                                Diagnostic::error(&src, t.span, "this 'use' forms a cycle")
                                    .with_hint(format!(
                                        "{} is already being read: {}",
                                        used.name,
                                        self.stack.join(" -> ")
                                    )),
                            );
                        } else {
                            self.file(used);
                        }
                    }
                    Err(msg) => self.diags.push(Diagnostic::error(&src, t.span, msg)),
                },
                Stmt::Rule {
                    action,
                    targets,
                    cond,
                    span,
                } => self.rules.push(FlatRule {
                    src: src.clone(),
                    action: action.node,
                    targets: targets.clone(),
                    cond: cond.clone(),
                    span: *span,
                    origin: origin(&src, line_span(&src, *span)),
                }),
                Stmt::Fs { access, paths } => self
                    .landlock
                    .fs
                    .extend(paths.iter().map(|p| (*access, p.node.clone()))),
                Stmt::Net { access, ports } => self
                    .landlock
                    .net
                    .extend(ports.iter().map(|p| (*access, p.node))),
            }
        }
        // This file is outer to everything it used: its settings replace theirs.
        let h = &mut self.header;
        if own.default.is_some() {
            h.default = own.default;
        }
        if own.unknown.is_some() {
            h.unknown = own.unknown;
        }
        if own.badarch.is_some() {
            h.badarch = own.badarch;
        }
        if own.arches.is_some() {
            h.arches = own.arches;
        }
        self.stack.pop();
    }
}

/// Extends a span to the whole statement's lines, for origins (a statement may wrap).
fn line_span(src: &Source, span: Span) -> Span {
    let t = &src.text;
    let start = t[..span.start.min(t.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let end = t[span.end.min(t.len())..]
        .find('\n')
        .map_or(t.len(), |i| span.end + i);
    let line = &t[start..end];
    // Drop a trailing comment.
    let end = match line.find('#') {
        Some(i) => start + i,
        None => end,
    };
    Span::new(start, end.max(start))
}

/// Resolves the policy in `src`.
pub fn resolve(src: Arc<Source>, loader: &dyn Loader, opts: &Options) -> Resolved {
    let mut fl = Flattener {
        loader,
        rules: Vec::new(),
        header: Header::default(),
        landlock: Landlock::default(),
        diags: Vec::new(),
        stack: Vec::new(),
    };
    fl.file(src.clone());
    let mut diags = std::mem::take(&mut fl.diags);
    if fl.rules.is_empty() && fl.header.default.is_none() && diags.is_empty() {
        diags.push(
            Diagnostic::warning(&src, Span { start: 0, end: 0 }, "this policy refuses every syscall")
                .with_hint("it has no rules and no 'default' line, so every call gets errno EPERM; write the rules, or 'default allow' for a deny-list"),
        );
    }
    let arches = opts
        .arches
        .clone()
        .or(fl.header.arches.take())
        .unwrap_or_else(Arch::native);
    let ruling = |slot: Option<(Action, Origin)>, dflt: Action, what: &str| match slot {
        Some((action, origin)) => Ruling { action, origin },
        None => Ruling {
            action: dflt,
            origin: Origin::implicit(what),
        },
    };
    let default = ruling(
        fl.header.default.take(),
        Action::Errno(1),
        "no 'default' line: errno EPERM",
    );
    let unknown = ruling(
        fl.header.unknown.take(),
        Action::Errno(38),
        "no 'unknown' line: errno ENOSYS for numbers not in the syscall table",
    );
    let badarch = ruling(
        fl.header.badarch.take(),
        Action::Kill,
        "no 'badarch' line: kill for architectures not targeted",
    );

    let mut rz = RuleResolver {
        diags: &mut diags,
        reported: HashSet::new(),
        reach: Reach::default(),
    };
    let rules = &fl.rules;
    rz.check_targets(rules, &arches);
    let mut entries: Vec<Vec<Entry>> = vec![Vec::new(); rules.len()];
    let mut sections = Vec::new();
    for &arch in &arches {
        sections.push(rz.section(arch, rules, &default, &unknown, &mut entries));
    }
    let live: Vec<bool> = entries.iter().map(|e| reach::live(e)).collect();
    let had_errors = rz.diags.iter().any(Diagnostic::is_error);
    for (i, r) in rules.iter().enumerate() {
        if had_errors {
            break;
        }
        if !live[i] && rz.names_any(r, &arches) {
            rz.diags
                .push(reach::never_matches(&r.src, r.span, &entries[i]));
        } else if let Some(e) = &r.cond {
            rz.diags
                .extend(reach::partly_unsat(&r.src, e.span(), &entries[i]));
        }
    }
    if !had_errors {
        dangerous_combinations(rules, &live, &sections, rz.diags);
    }
    if diags.iter().any(Diagnostic::is_error) {
        return Resolved {
            policy: None,
            diagnostics: diags,
        };
    }
    Resolved {
        policy: Some(Policy {
            sections,
            badarch,
            landlock: fl.landlock,
        }),
        diagnostics: diags,
    }
}

struct RuleResolver<'d> {
    diags: &'d mut Vec<Diagnostic>,
    /// (rule index, message) pairs already reported, so per-arch problems are said once.
    reported: HashSet<(usize, String)>,
    reach: Reach,
}

/// A syscall name a target expands to.
fn expand(t: &Target) -> Vec<&'static str> {
    match t {
        Target::Syscall(s) => {
            let names = arch::syscall_names();
            names
                .binary_search(&s.as_str())
                .map(|i| vec![names[i]])
                .unwrap_or_default()
        }
        Target::Group(g) => groups::expand(g).unwrap_or_default(),
    }
}

impl RuleResolver<'_> {
    fn warn_once(&mut self, key: usize, d: Diagnostic) {
        if self.reported.insert((key, d.message.clone())) {
            self.diags.push(d);
        }
    }

    fn names_any(&self, r: &FlatRule, arches: &[Arch]) -> bool {
        r.targets.iter().any(|t| {
            expand(&t.node)
                .iter()
                .any(|n| arches.iter().any(|a| a.syscall_nr(n).is_some()))
        })
    }

    fn check_targets(&mut self, rules: &[FlatRule], arches: &[Arch]) {
        let all = arch::syscall_names();
        for r in rules {
            for t in &r.targets {
                match &t.node {
                    Target::Syscall(s) => {
                        if !all.contains(&s.as_str()) {
                            let mut d =
                                Diagnostic::error(&r.src, t.span, format!("unknown syscall '{s}'"));
                            d = match did_you_mean(s, all.iter().copied()) {
                                Some(m) => d.with_hint(format!("did you mean '{m}'?")),
                                None => d.with_hint(
                                    "`sysgate syscalls` lists the syscalls of each architecture",
                                ),
                            };
                            self.diags.push(d);
                        } else if !arches.iter().any(|a| a.syscall_nr(s).is_some()) {
                            let on: Vec<&str> = Arch::ALL
                                .iter()
                                .filter(|a| a.syscall_nr(s).is_some())
                                .map(|a| a.name())
                                .collect();
                            self.diags.push(
                                Diagnostic::warning(
                                    &r.src,
                                    t.span,
                                    format!(
                                        "'{s}' exists on none of the target architectures ({})",
                                        arch_list(arches)
                                    ),
                                )
                                .with_hint(format!("it exists on {}", on.join(", "))),
                            );
                        }
                    }
                    Target::Group(g) => {
                        if groups::group(g).is_none() {
                            let names: Vec<&str> =
                                groups::groups().iter().map(|g| g.name).collect();
                            let mut d =
                                Diagnostic::error(&r.src, t.span, format!("unknown group '{g}'"));
                            d = match did_you_mean(g, names.iter().copied()) {
                                Some(m) => d.with_hint(format!("did you mean '{m}'?")),
                                None => d.with_hint("`sysgate syscalls --groups` lists the groups"),
                            };
                            self.diags.push(d);
                        }
                    }
                }
            }
        }
    }

    fn section(
        &mut self,
        arch: Arch,
        rules: &[FlatRule],
        default: &Ruling,
        unknown: &Ruling,
        entries: &mut [Vec<Entry>],
    ) -> ArchSection {
        self.reach.next_abi();
        // Per number: the rules so far, and whether an unconditional one closed the list.
        let mut acc: BTreeMap<u32, (Vec<CondRule>, Option<Ruling>)> = BTreeMap::new();
        for (ri, r) in rules.iter().enumerate() {
            let ruling = Ruling {
                action: r.action,
                origin: r.origin.clone(),
            };
            let mut names: Vec<&'static str> =
                r.targets.iter().flat_map(|t| expand(&t.node)).collect();
            names.sort_unstable();
            names.dedup();
            for name in names {
                if let Some(nr) = arch.syscall_nr(name) {
                    let mut forced = false;
                    let cond = match &r.cond {
                        None => Cond::True,
                        Some(e) => match unreachable_arg(e, arch, name) {
                            None => self.cond(ri, r, e, arch, name),
                            Some((span, reason)) => {
                                let applies = !r.action.permits();
                                self.warn_once(
                                    ri,
                                    Diagnostic::warning(
                                        &r.src,
                                        span,
                                        format!("this argument of '{name}' cannot be checked on {arch}: {reason}"),
                                    )
                                    .with_hint(if applies {
                                        "there this refusing rule applies whatever the arguments (the safe choice)"
                                    } else {
                                        "there this permitting rule never applies (the safe choice)"
                                    }),
                                );
                                forced = !applies;
                                if applies {
                                    Cond::True
                                } else {
                                    Cond::False
                                }
                            }
                        },
                    };
                    let fate = self.fate(&acc, nr, &cond, forced);
                    entries[ri].push(Entry {
                        arch,
                        name,
                        via: None,
                        fate,
                    });
                    push(&mut acc, nr, cond, &ruling);
                }
                for m in arch::multiplexed(arch, name) {
                    let Some(via) = arch.syscall_nr(m.via.syscall_name()) else {
                        continue;
                    };
                    let call = Cond::Atom(Atom {
                        arg: 0,
                        bits: 32,
                        test: if m.via.call_mask() == 0xffff_ffff {
                            Test::Eq(u64::from(m.call))
                        } else {
                            Test::MaskedEq {
                                mask: u64::from(m.via.call_mask()),
                                value: u64::from(m.call),
                            }
                        },
                    });
                    let mut forced = false;
                    let args = match &r.cond {
                        None => Cond::True,
                        Some(e) => {
                            // Still resolve it, so mistakes are reported on every ABI.
                            let _ = self.cond(ri, r, e, arch, name);
                            let applies = !r.action.permits();
                            self.warn_once(
                                ri,
                                Diagnostic::warning(
                                    &r.src,
                                    e.span(),
                                    format!(
                                        "this condition cannot be checked when '{name}' is called through {} on {arch}",
                                        m.via.syscall_name()
                                    ),
                                )
                                .with_hint(if applies {
                                    format!("the arguments are behind a pointer; through {} this rule applies whatever the arguments (the safe choice for a refusing rule)", m.via.syscall_name())
                                } else {
                                    format!("the arguments are behind a pointer; through {} this rule never applies (the safe choice for a permitting rule)", m.via.syscall_name())
                                }),
                            );
                            forced = !applies;
                            if applies {
                                Cond::True
                            } else {
                                Cond::False
                            }
                        }
                    };
                    let cond = Cond::And(vec![call, args]).simplify();
                    let fate = self.fate(&acc, via, &cond, forced);
                    entries[ri].push(Entry {
                        arch,
                        name,
                        via: Some(m.via.syscall_name()),
                        fate,
                    });
                    push(&mut acc, via, cond, &ruling);
                }
            }
        }
        let mut syscalls = BTreeMap::new();
        for &(_, nr) in arch.syscalls() {
            let d = match acc.remove(&nr) {
                None => Decision::unconditional(default.clone()),
                Some((rules, end)) => Decision {
                    rules,
                    otherwise: end.unwrap_or_else(|| default.clone()),
                },
            };
            syscalls.insert(nr, d);
        }
        ArchSection {
            arch,
            syscalls,
            unknown: unknown.clone(),
            default: default.clone(),
        }
    }

    /// The fate of a rule adding `cond` for `nr` to `acc` (see [`reach::Fate`]).
    fn fate(
        &mut self,
        acc: &BTreeMap<u32, (Vec<CondRule>, Option<Ruling>)>,
        nr: u32,
        cond: &Cond,
        forced: bool,
    ) -> reach::Fate {
        let (earlier, closed) = acc
            .get(&nr)
            .map_or((&[][..], None), |(rules, end)| (&rules[..], end.as_ref()));
        self.reach.fate(nr, cond, forced, earlier, closed)
    }

    /// Resolves a condition for `syscall` on `arch`.
    fn cond(&mut self, ri: usize, r: &FlatRule, e: &Expr, arch: Arch, syscall: &str) -> Cond {
        match e {
            Expr::And(v) => Cond::And(
                v.iter()
                    .map(|e| self.cond(ri, r, e, arch, syscall))
                    .collect(),
            ),
            Expr::Or(v) => Cond::Or(
                v.iter()
                    .map(|e| self.cond(ri, r, e, arch, syscall))
                    .collect(),
            ),
            Expr::Not(a, _) => Cond::Not(Box::new(self.cond(ri, r, a, arch, syscall))),
            Expr::Cmp { lhs, op, rhs, .. } => {
                let Some((arg, bits, mask)) = self.operand(ri, r, lhs, arch, syscall) else {
                    return Cond::False;
                };
                let v = self.value(ri, r, rhs, arch, bits);
                let atom = |test| Cond::atom(arg, bits, test);
                let base = |t: fn(u64) -> Test, v: u64| match mask {
                    None => atom(t(v)),
                    Some(m) => atom(Test::MaskedEq { mask: m, value: v }),
                };
                if mask.is_some() && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    self.diags.push(
                        Diagnostic::error(
                            &r.src,
                            lhs.span,
                            "a masked argument can only be compared with == or !=",
                        )
                        .with_hint("write (x & MASK) == VALUE, or compare the argument itself"),
                    );
                    return Cond::False;
                }
                match op {
                    CmpOp::Eq => base(Test::Eq, v),
                    CmpOp::Ne => Cond::Not(Box::new(base(Test::Eq, v))),
                    CmpOp::Gt => atom(Test::Gt(v)),
                    CmpOp::Ge => atom(Test::Ge(v)),
                    CmpOp::Lt => Cond::Not(Box::new(atom(Test::Ge(v)))),
                    CmpOp::Le => Cond::Not(Box::new(atom(Test::Gt(v)))),
                }
            }
            Expr::In {
                lhs, negated, set, ..
            } => {
                let Some((arg, bits, mask)) = self.operand(ri, r, lhs, arch, syscall) else {
                    return Cond::False;
                };
                let alts = set
                    .iter()
                    .map(|v| {
                        let v = self.value(ri, r, v, arch, bits);
                        Cond::atom(
                            arg,
                            bits,
                            match mask {
                                None => Test::Eq(v),
                                Some(m) => Test::MaskedEq { mask: m, value: v },
                            },
                        )
                    })
                    .collect();
                let c = Cond::Or(alts);
                if *negated {
                    Cond::Not(Box::new(c))
                } else {
                    c
                }
            }
            Expr::AnyBits { lhs, .. } => {
                let Some((arg, bits, mask)) = self.operand(ri, r, lhs, arch, syscall) else {
                    return Cond::False;
                };
                Cond::atom(arg, bits, Test::AnySet(mask.unwrap_or(u64::MAX)))
            }
        }
    }

    /// (argument index, width, mask) of an operand.
    fn operand(
        &mut self,
        ri: usize,
        r: &FlatRule,
        op: &ast::Operand,
        arch: Arch,
        syscall: &str,
    ) -> Option<(u8, u8, Option<u64>)> {
        let name = op.arg.node.as_str();
        let (index, bits) = if let Some(n) =
            name.strip_prefix("arg").and_then(|d| d.parse::<u8>().ok())
        {
            if n > 5 {
                self.warn_once(
                    ri,
                    Diagnostic::error(&r.src, op.arg.span, format!("'{name}' is out of range"))
                        .with_hint("syscalls have six arguments: arg0 to arg5"),
                );
                return None;
            }
            // Without a signature, the register's width (a parameter may be narrower).
            let bits = arch::params(arch, syscall)
                .and_then(|ps| ps.into_iter().find(|p| p.index == n))
                .map_or(arch.register_bits(), |p| p.bits);
            (n, bits)
        } else {
            match arch::param_by_name(arch, syscall, name) {
                Ok(p) => (p.index, p.bits),
                Err(ParamError::NoSignature) => {
                    // Names the kernel declares but sysgate uses only on the ABIs whose
                    // syscalls are those definitions: say where, and the position to use.
                    let d = match arch::kernel_param_index(syscall, name) {
                        Some(i) => Diagnostic::error(
                            &r.src,
                            op.arg.span,
                            format!(
                                "sysgate knows the parameter names of '{syscall}' on 64-bit \
                                 ABIs, not on {arch}"
                            ),
                        )
                        .with_hint(format!(
                            "refer to it by position, 'arg{i}', which every ABI reads at its \
                             width, or target only 64-bit ABIs"
                        )),
                        None => Diagnostic::error(
                            &r.src,
                            op.arg.span,
                            format!("sysgate does not know the parameter names of '{syscall}'"),
                        )
                        .with_hint("refer to the argument by position: arg0 … arg5"),
                    };
                    self.warn_once(ri, d);
                    return None;
                }
                Err(ParamError::NoSuchParam { known }) => {
                    let mut d = Diagnostic::error(
                        &r.src,
                        op.arg.span,
                        format!("'{syscall}' has no parameter '{name}'"),
                    );
                    d = match did_you_mean(name, known.iter().copied()) {
                        Some(m) => d.with_hint(format!("did you mean '{m}'?")),
                        None => d.with_hint(format!("its parameters are: {}", known.join(", "))),
                    };
                    self.warn_once(ri, d);
                    return None;
                }
                Err(ParamError::NotInRegister { .. }) => return None, // see `unreachable_arg`
            }
        };
        let mask = op
            .mask
            .as_ref()
            .map(|m| self.value(ri, r, m, arch, bits as u8));
        Some((index, bits as u8, mask))
    }

    fn value(&mut self, ri: usize, r: &FlatRule, v: &ast::Value, arch: Arch, bits: u8) -> u64 {
        let width_mask = if bits >= 64 {
            u64::MAX
        } else {
            (1u64 << bits) - 1
        };
        let mut out = 0u64;
        for p in &v.parts {
            out |= match &p.node {
                ValuePart::Int(n) => *n,
                ValuePart::Neg(n) => n.wrapping_neg() & width_mask,
                ValuePart::Const(name) => match arch::constant(arch, name) {
                    Some(c) => c,
                    None => {
                        let mut d =
                            Diagnostic::error(&r.src, p.span, format!("unknown constant '{name}'"));
                        if Arch::ALL.iter().any(|a| arch::constant(*a, name).is_some()) {
                            d.message = format!("constant '{name}' is not defined on {arch}");
                            d = d.with_hint(
                                "limit the policy's architectures with 'arch', or use a number",
                            );
                        } else {
                            d = match did_you_mean(name, arch::constant_names()) {
                                Some(m) => d.with_hint(format!("did you mean '{m}'?")),
                                None => d.with_hint("write the number instead"),
                            };
                        }
                        self.warn_once(ri, d);
                        0
                    }
                },
            };
        }
        out
    }
}

/// Lints for policies that give away what they seem to keep:
/// - `trace` while `ptrace` is permitted: the program can make itself the tracer of its own
///   children and answer every trace stop with "go ahead";
/// - `notify` for `seccomp` itself: the supervisor sees only a pointer to the new filter, so
///   it cannot know what it lets the program install (the kernel's documentation warns
///   that user notification is not a security mechanism for pointer arguments).
fn dangerous_combinations(
    rules: &[FlatRule],
    live: &[bool],
    sections: &[ArchSection],
    diags: &mut Vec<Diagnostic>,
) {
    let ptrace_permitted = sections.iter().any(|s| {
        s.arch.syscall_nr("ptrace").is_some_and(|nr| {
            let d = &s.syscalls[&nr];
            d.otherwise.action.permits() || d.rules.iter().any(|r| r.ruling.action.permits())
        })
    });
    for (i, r) in rules.iter().enumerate() {
        if !live[i] {
            continue;
        }
        if matches!(r.action, Action::Trace(_)) && ptrace_permitted {
            diags.push(
                Diagnostic::warning(&r.src, r.span, "'trace' decides here, but the policy lets the program call ptrace")
                    .with_hint("a program that may ptrace can trace its own children and approve every call they make; deny ptrace, or use errno/kill"),
            );
        }
        let names_seccomp = r
            .targets
            .iter()
            .any(|t| expand(&t.node).contains(&"seccomp"));
        if r.action == Action::Notify && names_seccomp {
            diags.push(
                Diagnostic::warning(&r.src, r.span, "'notify' for seccomp: the supervisor cannot see the filter it would let the program install")
                    .with_hint("the filter is behind a pointer the supervisor can only read racily; allow or deny seccomp outright"),
            );
        }
    }
}

/// The first argument in `e` that is not in a register for `syscall` on `arch`.
fn unreachable_arg(e: &Expr, arch: Arch, syscall: &str) -> Option<(Span, &'static str)> {
    match e {
        Expr::And(v) | Expr::Or(v) => v.iter().find_map(|e| unreachable_arg(e, arch, syscall)),
        Expr::Not(a, _) => unreachable_arg(a, arch, syscall),
        Expr::Cmp { lhs, .. } | Expr::In { lhs, .. } | Expr::AnyBits { lhs, .. } => {
            match arch::param_by_name(arch, syscall, &lhs.arg.node) {
                Err(ParamError::NotInRegister { reason }) => Some((lhs.arg.span, reason)),
                _ => None,
            }
        }
    }
}

/// Adds a rule for `nr`, unless an unconditional one closed its list already. (Whether
/// it can match is [`reach`]'s to say: nothing here depends on that.)
fn push(
    acc: &mut BTreeMap<u32, (Vec<CondRule>, Option<Ruling>)>,
    nr: u32,
    cond: Cond,
    ruling: &Ruling,
) {
    let entry = acc.entry(nr).or_default();
    if entry.1.is_some() {
        return;
    }
    match cond.simplify() {
        Cond::False => {}
        Cond::True => entry.1 = Some(ruling.clone()),
        c => entry.0.push(CondRule {
            cond: c,
            ruling: ruling.clone(),
        }),
    }
}

fn arch_list(arches: &[Arch]) -> String {
    arches
        .iter()
        .map(|a| a.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::diag::Severity;

    /// Serves files from memory, by name.
    struct MemLoader(Vec<(&'static str, &'static str)>);

    impl Loader for MemLoader {
        fn load(&self, target: &UseTarget, _from: &Source) -> Result<Arc<Source>, String> {
            let name = match target {
                UseTarget::Builtin(n) | UseTarget::File(n) => n.as_str(),
            };
            self.0
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(n, t)| Source::new(*n, *t))
                .ok_or_else(|| format!("no '{name}'"))
        }
    }

    fn resolve_with(files: Vec<(&'static str, &'static str)>, main: &str) -> Resolved {
        let src = Source::new("main.policy", main);
        resolve(src, &MemLoader(files), &Options::default())
    }

    fn action(p: &Policy, arch: Arch, name: &str, args: [u64; 6]) -> (Action, u32) {
        let r = p
            .section(arch)
            .unwrap()
            .decide(arch.syscall_nr(name).unwrap(), &args);
        (r.action, r.origin.line)
    }

    #[test]
    fn use_splices_rules_in_place_and_outer_header_wins() {
        let base = "default errno 13\nunknown kill\narch aarch64\ndeny bpf\nallow unshare\n";
        let r = resolve_with(
            vec![("base", base)],
            "default allow\nallow bpf\nuse base\ndeny unshare\narch x86_64\n",
        );
        let p = r.policy.unwrap();
        assert_eq!(p.arches(), vec![Arch::X86_64]);
        // `allow bpf` before `use` overrides the base's deny (first match wins).
        assert_eq!(action(&p, Arch::X86_64, "bpf", [0; 6]), (Action::Allow, 2));
        // The base's `allow unshare` comes before the outer `deny unshare`.
        let (a, line) = action(&p, Arch::X86_64, "unshare", [0; 6]);
        assert_eq!(a, Action::Allow);
        assert_eq!(line, 5);
        // The outer default wins; the base's `unknown` fills the unset slot.
        assert_eq!(action(&p, Arch::X86_64, "read", [0; 6]).0, Action::Allow);
        assert_eq!(p.sections[0].unknown.action, Action::Kill);
    }

    #[test]
    fn use_cycles_and_missing_files_are_errors() {
        let r = resolve_with(vec![("a", "use b\n"), ("b", "use a\n")], "use a\n");
        assert!(r.policy.is_none());
        assert!(r.diagnostics.iter().any(|d| d.message.contains("cycle")));
        let r = resolve_with(vec![], "use \"missing.policy\"\n");
        assert!(r.policy.is_none());
        assert_eq!((r.diagnostics[0].line, r.diagnostics[0].col), (1, 5));
    }

    #[test]
    fn lints() {
        let r = resolve_with(
            vec![],
            "default allow\narch x86_64\ndeny read\nerrno 5 read\nallow ioctl if request == 0x100000000\niopl_not_a_call\n",
        );
        // The last line is an error; fix it and look at the warnings.
        assert!(r.policy.is_none());
        let r = resolve_with(
            vec![],
            "default allow\narch aarch64\ndeny read\nerrno 5 read\nallow ioctl if request == 0x100000000\ndeny open\n",
        );
        let p = r.policy.unwrap();
        let w: Vec<(u32, &str)> = r
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| (d.line, d.message.as_str()))
            .collect();
        // Shadowed by line 3.
        assert!(
            w.contains(&(
                4,
                "this rule never matches: earlier rules decide every call it would match"
            )),
            "{w:?}"
        );
        // `request` is 32 bits: comparing it with 2^32 can never hold.
        assert!(
            w.contains(&(
                5,
                "this rule never matches: its condition can never hold for 'ioctl' on aarch64"
            )),
            "{w:?}"
        );
        // `open` does not exist on aarch64.
        assert!(
            w.iter()
                .any(|(l, m)| *l == 6 && m.contains("none of the target")),
            "{w:?}"
        );
        assert_eq!(
            action(&p, Arch::Aarch64, "read", [0; 6]).0,
            Action::Errno(1)
        );
    }

    /// The warnings of `text` as (line, column, message, hint).
    fn warnings(
        files: Vec<(&'static str, &'static str)>,
        text: &str,
    ) -> Vec<(u32, u32, String, String)> {
        let r = resolve_with(files, text);
        assert!(r.policy.is_some(), "{:?}", r.diagnostics);
        r.diagnostics
            .into_iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| (d.line, d.col, d.message, d.hint.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn rules_whose_condition_cannot_hold_never_match() {
        let w = warnings(
            vec![],
            "default allow\narch x86_64 i386\n\
             deny read if fd == 1 && fd == 2\n\
             deny read if fd > 5 && fd < 7\n\
             deny write if (count & 0x3) == 0x4 || !(fd >= 0)\n\
             deny lseek if arg1 > 0xffffffff\n\
             deny close if fd in {1, 2} && fd not in {1, 2}\n",
        );
        let never = |line: u32, what: &str| {
            w.iter().any(|(l, c, m, _)| {
                *l == line
                    && *c == 1
                    && *m
                        == format!(
                            "this rule never matches: its condition can never hold for {what}"
                        )
            })
        };
        assert!(never(3, "'read' on x86_64 and i386"), "{w:?}");
        assert!(never(5, "'write' on x86_64 and i386"), "{w:?}");
        assert!(never(7, "'close' on x86_64 and i386"), "{w:?}");
        // Satisfiable (fd 6): nothing.
        assert!(!w.iter().any(|(l, ..)| *l == 4), "{w:?}");
        // lseek's offset is an off_t: 64 bits on x86_64, 32 on i386. The rule matches on
        // x86_64; on i386 the condition, underlined, cannot hold.
        assert!(
            w.contains(&(
                6,
                15,
                "this condition can never hold for 'lseek' on i386".to_string(),
                "there the rule never applies; parameter widths and constants differ between syscalls and architectures".to_string()
            )),
            "{w:?}"
        );
        assert_eq!(w.len(), 4, "{w:?}");
    }

    #[test]
    fn rules_earlier_rules_cover_never_match() {
        let base = "deny write if fd == 2\n";
        let w = warnings(
            vec![("base", base)],
            "default allow\narch x86_64\n\
             use base\n\
             deny write if fd == 1\n\
             allow write if fd < 3\n\
             errno 5 write if fd <= 2 && count > 0\n\
             deny read if fd > 10\n\
             deny read if fd < 20\n\
             allow read if fd == 15 || fd == 2\n\
             deny close if fd == 3\n\
             deny close if fd == 4\n",
        );
        // fd 0..2 is taken by lines 4 and 5 and base's line 1 (fd 1 by line 4, fd 0 by 5).
        let six = w.iter().find(|x| x.0 == 6).expect("line 6");
        assert_eq!(
            six.2,
            "this rule never matches: earlier rules decide every call it would match"
        );
        assert_eq!(
            six.3,
            "decided first: 'write' on x86_64 by base:1, main.policy:4 and main.policy:5"
        );
        // Lines 7 and 8 take every fd.
        let nine = w.iter().find(|x| x.0 == 9).expect("line 9");
        assert!(nine.3.ends_with("by lines 7 and 8"), "{nine:?}");
        // Rules that take part of what the one before took, and rules next to each other:
        // nothing.
        assert_eq!(w.len(), 2, "{w:?}");
    }

    #[test]
    fn dangerous_combinations_are_linted() {
        let warn = |text: &'static str| -> Vec<(u32, String)> {
            resolve_with(vec![], text)
                .diagnostics
                .into_iter()
                .filter(|d| d.severity == Severity::Warning)
                .map(|d| (d.line, d.message))
                .collect()
        };
        let w = warn("default allow\narch x86_64\ntrace 1 openat\n");
        assert!(
            w.iter().any(|(l, m)| *l == 3 && m.contains("ptrace")),
            "{w:?}"
        );
        // With ptrace denied, trace is fine.
        let w = warn("default allow\narch x86_64\ndeny ptrace\ntrace 1 openat\n");
        assert!(w.is_empty(), "{w:?}");
        let w = warn("default allow\narch x86_64\nnotify seccomp\n");
        assert!(
            w.iter().any(|(l, m)| *l == 3 && m.contains("notify")),
            "{w:?}"
        );
    }

    #[test]
    fn parameters_follow_each_architecture() {
        // s390x passes clone's flags second (CLONE_BACKWARDS2).
        let r = resolve_with(
            vec![],
            "default allow\narch x86_64 s390x\ndeny clone if flags & CLONE_NEWUSER\n",
        );
        let p = r.policy.unwrap();
        let newuser = 0x1000_0000;
        assert_eq!(
            action(&p, Arch::X86_64, "clone", [newuser, 0, 0, 0, 0, 0]).0,
            Action::Errno(1)
        );
        assert_eq!(
            action(&p, Arch::S390x, "clone", [newuser, 0, 0, 0, 0, 0]).0,
            Action::Allow
        );
        assert_eq!(
            action(&p, Arch::S390x, "clone", [0, newuser, 0, 0, 0, 0]).0,
            Action::Errno(1)
        );
    }

    #[test]
    fn landlock_statements_are_kept() {
        let r = resolve_with(
            vec![],
            "default allow\nfs read /usr \"/etc/ssl\"\nfs write /tmp\nnet connect 443 80\n",
        );
        let p = r.policy.unwrap();
        assert_eq!(
            p.landlock.fs,
            vec![
                (ast::FsAccess::Read, "/usr".to_string()),
                (ast::FsAccess::Read, "/etc/ssl".to_string()),
                (ast::FsAccess::Write, "/tmp".to_string()),
            ]
        );
        assert_eq!(
            p.landlock.net,
            vec![
                (ast::NetAccess::Connect, 443),
                (ast::NetAccess::Connect, 80)
            ]
        );
    }

    #[test]
    fn negative_values_take_the_parameter_width() {
        // `fd` of close is an unsigned int: -1 is 0xffffffff.
        let r = resolve_with(
            vec![],
            "default allow\narch x86_64\ndeny close if fd == -1\n",
        );
        let p = r.policy.unwrap();
        assert_eq!(
            action(&p, Arch::X86_64, "close", [0xffff_ffff, 0, 0, 0, 0, 0]).0,
            Action::Errno(1)
        );
        assert_eq!(
            action(&p, Arch::X86_64, "close", [u64::MAX, 0, 0, 0, 0, 0]).0,
            Action::Errno(1)
        );
        assert_eq!(
            action(&p, Arch::X86_64, "close", [3, 0, 0, 0, 0, 0]).0,
            Action::Allow
        );
    }
}
