//! The syntax tree of one policy file, every node with its span.

use super::diag::Span;
use serde::Serialize;
use std::fmt;

/// What happens to a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(tag = "action", content = "value", rename_all = "kebab-case")]
pub enum Action {
    Allow,
    /// Fail with this errno (`deny` is `errno EPERM`).
    Errno(u16),
    /// Kill the whole process (`kill`).
    Kill,
    KillThread,
    /// Send SIGSYS with this value in `si_errno`.
    Trap(u16),
    Log,
    /// Notify a ptrace tracer with this value.
    Trace(u16),
    /// Ask a user-space supervisor (seccomp user notification).
    Notify,
}

impl Action {
    /// The `SECCOMP_RET_*` value this action compiles to.
    pub fn ret_value(self) -> u32 {
        use crate::bpf::ret;
        match self {
            Action::Allow => ret::ALLOW,
            Action::Errno(e) => ret::ERRNO | u32::from(e),
            Action::Kill => ret::KILL_PROCESS,
            Action::KillThread => ret::KILL_THREAD,
            Action::Trap(n) => ret::TRAP | u32::from(n),
            Action::Log => ret::LOG,
            Action::Trace(n) => ret::TRACE | u32::from(n),
            Action::Notify => ret::USER_NOTIF,
        }
    }

    /// The action a `SECCOMP_RET_*` value stands for (unknown actions act as `kill`, as in
    /// the kernel).
    pub fn from_ret(v: u32) -> Action {
        use crate::bpf::ret;
        let data = (v & ret::DATA) as u16;
        match v & ret::ACTION_FULL {
            ret::ALLOW => Action::Allow,
            ret::ERRNO => Action::Errno(data),
            ret::KILL_THREAD => Action::KillThread,
            ret::TRAP => Action::Trap(data),
            ret::LOG => Action::Log,
            ret::TRACE => Action::Trace(data),
            ret::USER_NOTIF => Action::Notify,
            _ => Action::Kill,
        }
    }

    /// Whether the call goes ahead (possibly after a log line).
    pub fn permits(self) -> bool {
        matches!(self, Action::Allow | Action::Log)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Allow => f.write_str("allow"),
            Action::Errno(1) => f.write_str("deny"),
            Action::Errno(e) => match crate::arch::errno_name(*e) {
                Some(n) => write!(f, "errno {n}"),
                None => write!(f, "errno {e}"),
            },
            Action::Kill => f.write_str("kill"),
            Action::KillThread => f.write_str("kill-thread"),
            Action::Trap(0) => f.write_str("trap"),
            Action::Trap(n) => write!(f, "trap {n}"),
            Action::Log => f.write_str("log"),
            Action::Trace(n) => write!(f, "trace {n}"),
            Action::Notify => f.write_str("notify"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

/// A value in a condition: integers and constant names joined by `|`.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub parts: Vec<Spanned<ValuePart>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValuePart {
    Int(u64),
    /// A negative literal such as `-1`: sign-extended to the parameter's width.
    Neg(u64),
    Const(String),
}

/// The left side of a comparison: an argument, optionally masked.
#[derive(Clone, Debug, PartialEq)]
pub struct Operand {
    /// `argN` or a parameter name.
    pub arg: Spanned<String>,
    pub mask: Option<Value>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// All of them (two or more; kept flat so long chains need no deep recursion).
    And(Vec<Expr>),
    /// Any of them (two or more).
    Or(Vec<Expr>),
    Not(Box<Expr>, Span),
    Cmp {
        lhs: Operand,
        op: CmpOp,
        rhs: Value,
        span: Span,
    },
    In {
        lhs: Operand,
        negated: bool,
        set: Vec<Value>,
        span: Span,
    },
    /// `x & MASK` on its own: true when any bit of MASK is set.
    AnyBits {
        lhs: Operand,
        span: Span,
    },
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::And(v) | Expr::Or(v) => match (v.first(), v.last()) {
                (Some(a), Some(b)) => a.span().to(b.span()),
                _ => Span::default(),
            },
            Expr::Not(_, s)
            | Expr::Cmp { span: s, .. }
            | Expr::In { span: s, .. }
            | Expr::AnyBits { span: s, .. } => *s,
        }
    }
}

/// A rule target: a syscall name or an `@group`.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Syscall(String),
    Group(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FsAccess {
    Read,
    Write,
    Exec,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NetAccess {
    Bind,
    Connect,
}

/// Where `use` takes its rules from.
#[derive(Clone, Debug, PartialEq)]
pub enum UseTarget {
    Builtin(String),
    File(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Default(Spanned<Action>),
    Unknown(Spanned<Action>),
    BadArch(Spanned<Action>),
    Arch(Vec<Spanned<String>>),
    Use(Spanned<UseTarget>),
    Rule {
        action: Spanned<Action>,
        targets: Vec<Spanned<Target>>,
        cond: Option<Expr>,
        span: Span,
    },
    Fs {
        access: FsAccess,
        paths: Vec<Spanned<String>>,
    },
    Net {
        access: NetAccess,
        ports: Vec<Spanned<u16>>,
    },
}

/// A parsed file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct File {
    pub stmts: Vec<Stmt>,
}
