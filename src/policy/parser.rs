//! Recursive-descent parser from tokens to the [`ast`](super::ast).
//!
//! Grammar (one statement per line; `{…}` and `(…)` may span lines):
//! ```text
//! stmt    := 'default' action | 'unknown' action | 'badarch' action
//!          | 'arch' WORD+ | 'use' (WORD | STRING | PATH)
//!          | 'fs' ('read'|'write'|'exec') path+ | 'net' ('bind'|'connect') port+
//!          | action targets ('if' cond)?
//! action  := 'allow' | 'deny' | 'errno' (WORD|INT) | 'kill' | 'kill-process' | 'kill-thread'
//!          | 'trap' INT? | 'log' | 'trace' INT | 'notify'
//! targets := target+ | '{' (target ','?)* '}'       target := WORD | @GROUP
//! cond    := and ('||' and)*        and := unary ('&&' unary)*
//! unary   := '!' unary | '(' cond ')' | cmp
//! cmp     := operand (cmpop value | 'in' set | 'not' 'in' set)?   (bare operand needs a mask)
//! operand := WORD ('&' value)? | '(' WORD '&' value ')'
//! value   := term ('|' term)*    term := INT | '-' INT | WORD | '(' value ')'
//! set     := '{' (value ','?)* '}'
//! ```

use super::ast::*;
use super::diag::{Diagnostic, Source, Span};
use super::lexer::{lex, Tok, Token};

/// Parses a whole policy file, stopping at the first error.
pub fn parse(src: &Source) -> Result<File, Diagnostic> {
    let (file, mut errors) = parse_all(src);
    if errors.is_empty() {
        Ok(file)
    } else {
        Err(errors.swap_remove(0))
    }
}

/// Parses a whole policy file, recovering at the next line after an error so that every
/// mistake is reported at once. The statements that parsed are returned too.
pub fn parse_all(src: &Source) -> (File, Vec<Diagnostic>) {
    let toks = match lex(src) {
        Ok(t) => t,
        Err(d) => return (File::default(), vec![d]),
    };
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        depth: 0,
    };
    let mut file = File::default();
    let mut errors = Vec::new();
    loop {
        while p.peek_is(&Tok::Newline) {
            if p.pos + 1 >= p.toks.len() {
                return (file, errors);
            }
            p.pos += 1;
        }
        match p.stmt().and_then(|s| p.end_of_statement().map(|()| s)) {
            Ok(stmt) => file.stmts.push(stmt),
            Err(d) => {
                p.depth = 0;
                errors.push(d);
                while !p.peek_is(&Tok::Newline) {
                    p.pos += 1;
                }
            }
        }
    }
}

struct Parser<'a> {
    src: &'a Source,
    toks: Vec<Token>,
    pos: usize,
    /// Current nesting of `(`, `!` and parenthesised values.
    depth: usize,
}

/// How deep conditions may nest.
pub const MAX_NESTING: usize = 64;

/// The words a rule starts with.
pub const RULE_ACTIONS: [&str; 10] = [
    "allow",
    "deny",
    "errno",
    "kill",
    "kill-process",
    "kill-thread",
    "trap",
    "log",
    "trace",
    "notify",
];
/// The words the other statements start with.
pub const STATEMENTS: [&str; 7] = ["default", "unknown", "badarch", "arch", "use", "fs", "net"];

impl<'a> Parser<'a> {
    fn peek(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }
    fn peek_at(&self, n: usize) -> &Token {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)]
    }
    fn peek_is(&self, t: &Tok) -> bool {
        &self.peek().tok == t
    }
    fn peek_punct(&self, p: &str) -> bool {
        matches!(&self.peek().tok, Tok::Punct(q) if *q == p)
    }
    fn peek_word(&self, w: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(q) if q == w)
    }
    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }
    fn err(&self, span: Span, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(self.src, span, msg)
    }
    fn describe(t: &Tok) -> String {
        match t {
            Tok::Word(w) => format!("'{w}'"),
            Tok::Group(g) => format!("'{g}'"),
            Tok::Int(i) => format!("number {i}"),
            Tok::NegInt(i) => format!("number -{i}"),
            Tok::Str(s) => format!("string \"{s}\""),
            Tok::Path(p) => format!("path {p}"),
            Tok::Punct(p) => format!("'{p}'"),
            Tok::Newline => "end of line".to_string(),
        }
    }
    fn expect_punct(&mut self, p: &'static str, what: &str) -> Result<Span, Diagnostic> {
        if self.peek_punct(p) {
            Ok(self.next().span)
        } else {
            let t = self.peek();
            Err(self.err(
                t.span,
                format!("expected '{p}' {what}, found {}", Self::describe(&t.tok)),
            ))
        }
    }

    fn end_of_statement(&mut self) -> Result<(), Diagnostic> {
        if self.peek_is(&Tok::Newline) {
            return Ok(());
        }
        let t = self.peek().clone();
        let mut d = self.err(
            t.span,
            format!("unexpected {} after the statement", Self::describe(&t.tok)),
        );
        if matches!(&t.tok, Tok::Punct("}") | Tok::Punct(")")) {
            d = d.with_hint("this closing bracket has no opening one");
        } else if matches!(&t.tok, Tok::Word(w) if w == "if") {
            d = d.with_hint("only rules (ACTION TARGETS if CONDITION) take a condition");
        } else {
            d = d.with_hint("put one statement per line");
        }
        Err(d)
    }

    fn stmt(&mut self) -> Result<Stmt, Diagnostic> {
        let t = self.peek().clone();
        let Tok::Word(w) = &t.tok else {
            return Err(self
                .err(
                    t.span,
                    format!("expected a statement, found {}", Self::describe(&t.tok)),
                )
                .with_hint("a statement starts with an action (allow, deny, errno…) or default, unknown, arch, use, fs, net"));
        };
        match w.as_str() {
            "default" | "unknown" | "badarch" => {
                self.next();
                let a = self.action()?;
                Ok(match w.as_str() {
                    "default" => Stmt::Default(a),
                    "unknown" => Stmt::Unknown(a),
                    _ => Stmt::BadArch(a),
                })
            }
            "arch" => {
                self.next();
                let mut v = Vec::new();
                while let Tok::Word(a) = &self.peek().tok {
                    let a = a.clone();
                    let span = self.next().span;
                    v.push(Spanned { node: a, span });
                    if self.peek_punct(",") {
                        self.next();
                    }
                }
                if v.is_empty() {
                    return Err(self
                        .err(self.peek().span, "expected architecture names after 'arch'")
                        .with_hint("for example: arch native, or arch x86_64 i386 x32"));
                }
                Ok(Stmt::Arch(v))
            }
            "use" => {
                self.next();
                let t = self.next();
                let node = match t.tok {
                    Tok::Word(n) => UseTarget::Builtin(n),
                    Tok::Str(s) | Tok::Path(s) => UseTarget::File(s),
                    other => {
                        return Err(self
                            .err(
                                t.span,
                                format!(
                                    "expected a built-in policy name or a \"path\" after 'use', found {}",
                                    Self::describe(&other)
                                ),
                            )
                            .with_hint("for example: use container, or use \"base.policy\""))
                    }
                };
                Ok(Stmt::Use(Spanned { node, span: t.span }))
            }
            "fs" => {
                self.next();
                let kw = self.next();
                let access = match &kw.tok {
                    Tok::Word(k) if k == "read" => FsAccess::Read,
                    Tok::Word(k) if k == "write" => FsAccess::Write,
                    Tok::Word(k) if k == "exec" => FsAccess::Exec,
                    other => {
                        return Err(self
                            .err(
                                kw.span,
                                format!(
                                    "expected read, write or exec after 'fs', found {}",
                                    Self::describe(other)
                                ),
                            )
                            .with_hint("for example: fs read /usr /etc"))
                    }
                };
                let paths = self.list(|t| match t {
                    Tok::Path(p) | Tok::Str(p) => Some(p.clone()),
                    _ => None,
                });
                if paths.is_empty() {
                    return Err(self
                        .err(self.peek().span, "expected one or more paths")
                        .with_hint("paths start with / or ./, or are written in double quotes"));
                }
                Ok(Stmt::Fs { access, paths })
            }
            "net" => {
                self.next();
                let kw = self.next();
                let access = match &kw.tok {
                    Tok::Word(k) if k == "bind" => NetAccess::Bind,
                    Tok::Word(k) if k == "connect" => NetAccess::Connect,
                    other => {
                        return Err(self
                            .err(
                                kw.span,
                                format!(
                                    "expected bind or connect after 'net', found {}",
                                    Self::describe(other)
                                ),
                            )
                            .with_hint("for example: net connect 443"))
                    }
                };
                let start = self.pos;
                let ports = self.list(|t| match t {
                    Tok::Int(p) => Some(*p),
                    _ => None,
                });
                let mut out = Vec::new();
                for (i, p) in ports.into_iter().enumerate() {
                    let span = p.span;
                    let Ok(port) = u16::try_from(p.node) else {
                        return Err(self.err(span, format!("port {} is above 65535", p.node)));
                    };
                    let _ = (i, start);
                    out.push(Spanned { node: port, span });
                }
                if out.is_empty() {
                    return Err(self
                        .err(self.peek().span, "expected one or more TCP port numbers")
                        .with_hint("for example: net bind 8080"));
                }
                Ok(Stmt::Net { access, ports: out })
            }
            _ if RULE_ACTIONS.contains(&w.as_str()) => self.rule(),
            _ => {
                let mut d = self.err(t.span, format!("unknown statement '{w}'"));
                let cands = RULE_ACTIONS.iter().chain(STATEMENTS.iter()).copied();
                d = match super::diag::did_you_mean(w, cands) {
                    Some(s) => d.with_hint(format!("did you mean '{s}'?")),
                    None => d.with_hint(
                        "a rule starts with an action: allow, deny, errno N, kill, kill-thread, trap, log, trace N, notify",
                    ),
                };
                Err(d)
            }
        }
    }

    /// Items accepted by `item`, either inline up to the end of the line or inside `{…}`.
    fn list<T>(&mut self, item: impl Fn(&Tok) -> Option<T>) -> Vec<Spanned<T>> {
        let braced = self.peek_punct("{");
        if braced {
            self.next();
        }
        let mut out = Vec::new();
        loop {
            if braced && self.peek_punct(",") {
                self.next();
                continue;
            }
            match item(&self.peek().tok) {
                Some(v) => {
                    let span = self.next().span;
                    out.push(Spanned { node: v, span });
                }
                None => break,
            }
        }
        if braced && self.peek_punct("}") {
            self.next();
        }
        out
    }

    fn action(&mut self) -> Result<Spanned<Action>, Diagnostic> {
        let t = self.next();
        let Tok::Word(w) = &t.tok else {
            return Err(self
                .err(
                    t.span,
                    format!("expected an action, found {}", Self::describe(&t.tok)),
                )
                .with_hint(
                    "actions: allow, deny, errno NAME|N, kill, kill-thread, trap [N], log, trace N, notify",
                ));
        };
        let mut span = t.span;
        let action = match w.as_str() {
            "allow" => Action::Allow,
            "deny" => Action::Errno(1),
            "kill" | "kill-process" => Action::Kill,
            "kill-thread" => Action::KillThread,
            "log" => Action::Log,
            "notify" => Action::Notify,
            "errno" => {
                let v = self.next();
                span = span.to(v.span);
                let n = match &v.tok {
                    Tok::Int(n) => *n,
                    Tok::Word(name) => match crate::arch::errno(name) {
                        Some(n) => u64::from(n),
                        None => {
                            let mut d = self.err(v.span, format!("unknown errno name '{name}'"));
                            if let Some(s) = super::diag::did_you_mean(
                                name,
                                crate::arch::constant_names()
                                    .into_iter()
                                    .filter(|c| crate::arch::errno(c).is_some()),
                            ) {
                                d = d.with_hint(format!("did you mean '{s}'?"));
                            }
                            return Err(d);
                        }
                    },
                    other => {
                        return Err(self
                            .err(
                                v.span,
                                format!(
                                    "expected an errno name or number after 'errno', found {}",
                                    Self::describe(other)
                                ),
                            )
                            .with_hint("for example: errno EPERM, or errno 38"))
                    }
                };
                if n > 4095 {
                    return Err(self
                        .err(v.span, format!("errno {n} is out of range"))
                        .with_hint("the kernel caps errno values at 4095 (MAX_ERRNO)"));
                }
                Action::Errno(n as u16)
            }
            "trap" | "trace" => {
                let n = if let Tok::Int(n) = self.peek().tok {
                    let v = self.next();
                    span = span.to(v.span);
                    if n > 0xffff {
                        return Err(self
                            .err(v.span, format!("{w} value {n} does not fit in 16 bits"))
                            .with_hint("use a value from 0 to 65535"));
                    }
                    n as u16
                } else if w == "trace" {
                    return Err(self
                        .err(self.peek().span, "'trace' needs a value for the tracer")
                        .with_hint("for example: trace 1"));
                } else {
                    0
                };
                if w == "trap" {
                    Action::Trap(n)
                } else {
                    Action::Trace(n)
                }
            }
            other => {
                let mut d = self.err(t.span, format!("unknown action '{other}'"));
                if let Some(s) = super::diag::did_you_mean(other, RULE_ACTIONS.iter().copied()) {
                    d = d.with_hint(format!("did you mean '{s}'?"));
                } else {
                    d = d.with_hint(
                        "actions: allow, deny, errno NAME|N, kill, kill-thread, trap [N], log, trace N, notify",
                    );
                }
                return Err(d);
            }
        };
        Ok(Spanned { node: action, span })
    }

    fn rule(&mut self) -> Result<Stmt, Diagnostic> {
        let action = self.action()?;
        let tstart = self.peek().span;
        let targets = self.list(|t| match t {
            Tok::Word(w) if w != "if" => Some(Target::Syscall(w.clone())),
            Tok::Group(g) => Some(Target::Group(g.clone())),
            _ => None,
        });
        if targets.is_empty() {
            let t = self.peek().clone();
            return Err(self
                .err(
                    tstart,
                    format!(
                        "expected syscall names or @groups after '{}', found {}",
                        action.node,
                        Self::describe(&t.tok)
                    ),
                )
                .with_hint("for example: deny mount umount2, or deny { @mount bpf }"));
        }
        let mut span = action.span.to(targets.last().map_or(tstart, |t| t.span));
        let cond = if self.peek_word("if") {
            self.next();
            let c = self.cond()?;
            span = span.to(c.span());
            Some(c)
        } else {
            None
        };
        Ok(Stmt::Rule {
            action,
            targets,
            cond,
            span,
        })
    }

    fn cond(&mut self) -> Result<Expr, Diagnostic> {
        let mut v = vec![self.and()?];
        while self.peek_punct("||") {
            self.next();
            v.push(self.and()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Expr::Or(v)
        })
    }

    fn and(&mut self) -> Result<Expr, Diagnostic> {
        let mut v = vec![self.unary()?];
        while self.peek_punct("&&") {
            self.next();
            v.push(self.unary()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Expr::And(v)
        })
    }

    /// Enters one more level of `(`, `!` or a parenthesised value; conditions nest at most
    /// [`MAX_NESTING`] deep, so that no input can exhaust the stack.
    fn nest(&mut self, at: Span) -> Result<(), Diagnostic> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self
                .err(
                    at,
                    format!("the condition nests more than {MAX_NESTING} levels deep"),
                )
                .with_hint("simplify it, or split it into several rules"));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Expr, Diagnostic> {
        if self.peek_punct("!") {
            let s = self.next().span;
            self.nest(s)?;
            let e = self.unary()?;
            self.depth -= 1;
            let span = s.to(e.span());
            return Ok(Expr::Not(Box::new(e), span));
        }
        // `(x & M) …` is a masked operand; any other `(` groups a condition.
        if self.peek_punct("(")
            && matches!(self.peek_at(1).tok, Tok::Word(_))
            && matches!(self.peek_at(2).tok, Tok::Punct("&"))
        {
            return self.cmp();
        }
        if self.peek_punct("(") {
            let s = self.next().span;
            self.nest(s)?;
            let e = self.cond()?;
            self.expect_punct(")", "to close the condition")?;
            self.depth -= 1;
            return Ok(e);
        }
        self.cmp()
    }

    fn operand(&mut self) -> Result<Operand, Diagnostic> {
        let paren = self.peek_punct("(");
        let open = if paren { Some(self.next().span) } else { None };
        let t = self.next();
        let Tok::Word(name) = &t.tok else {
            return Err(self
                .err(
                    t.span,
                    format!(
                        "expected an argument (argN or a parameter name), found {}",
                        Self::describe(&t.tok)
                    ),
                )
                .with_hint("for example: if flags & CLONE_NEWUSER, or if arg0 == 1"));
        };
        let arg = Spanned {
            node: name.clone(),
            span: t.span,
        };
        let mut span = open.unwrap_or(t.span).to(t.span);
        let mut mask = None;
        if self.peek_punct("&") {
            self.next();
            let v = self.value()?;
            span = span.to(v.span);
            mask = Some(v);
        }
        if paren {
            span = span.to(self.expect_punct(")", "after the masked argument")?);
        }
        Ok(Operand { arg, mask, span })
    }

    fn cmp(&mut self) -> Result<Expr, Diagnostic> {
        let lhs = self.operand()?;
        let op = match &self.peek().tok {
            Tok::Punct("==") => Some(CmpOp::Eq),
            Tok::Punct("!=") => Some(CmpOp::Ne),
            Tok::Punct("<") => Some(CmpOp::Lt),
            Tok::Punct("<=") => Some(CmpOp::Le),
            Tok::Punct(">") => Some(CmpOp::Gt),
            Tok::Punct(">=") => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            let op_span = self.next().span;
            if lhs.mask.is_some() && !self.src.text[lhs.span.start..lhs.span.end].starts_with('(') {
                return Err(self
                    .err(
                        lhs.span.to(op_span),
                        "a masked argument must be in parentheses before a comparison",
                    )
                    .with_hint("write (x & MASK) == VALUE"));
            }
            let rhs = self.value()?;
            let span = lhs.span.to(rhs.span);
            return Ok(Expr::Cmp { lhs, op, rhs, span });
        }
        let negated =
            if self.peek_word("not") && matches!(&self.peek_at(1).tok, Tok::Word(w) if w == "in") {
                self.next();
                true
            } else {
                false
            };
        if self.peek_word("in") {
            self.next();
            let open = self.expect_punct("{", "to start the set after 'in'")?;
            let mut set = Vec::new();
            loop {
                if self.peek_punct(",") {
                    self.next();
                    continue;
                }
                if self.peek_punct("}") {
                    break;
                }
                set.push(self.value()?);
            }
            let close = self.expect_punct("}", "to close the set")?;
            if set.is_empty() {
                return Err(self
                    .err(open.to(close), "empty set")
                    .with_hint("list at least one value: in {1, 2}"));
            }
            let span = lhs.span.to(close);
            return Ok(Expr::In {
                lhs,
                negated,
                set,
                span,
            });
        }
        if lhs.mask.is_some() {
            let span = lhs.span;
            return Ok(Expr::AnyBits { lhs, span });
        }
        let t = self.peek().clone();
        Err(self
            .err(
                t.span,
                format!(
                    "expected a comparison after '{}', found {}",
                    lhs.arg.node,
                    Self::describe(&t.tok)
                ),
            )
            .with_hint("use == != < <= > >=, in {…}, not in {…}, or a mask: x & MASK"))
    }

    fn value(&mut self) -> Result<Value, Diagnostic> {
        let mut parts = Vec::new();
        let start = self.peek().span;
        loop {
            self.term(&mut parts)?;
            if self.peek_punct("|") {
                self.next();
            } else {
                break;
            }
        }
        let span = start.to(parts.last().map_or(start, |p: &Spanned<ValuePart>| p.span));
        Ok(Value { parts, span })
    }

    fn term(&mut self, parts: &mut Vec<Spanned<ValuePart>>) -> Result<(), Diagnostic> {
        let t = self.next();
        let node = match &t.tok {
            Tok::Int(n) => ValuePart::Int(*n),
            Tok::Word(w) => ValuePart::Const(w.clone()),
            Tok::Punct("(") => {
                self.nest(t.span)?;
                loop {
                    self.term(parts)?;
                    if self.peek_punct("|") {
                        self.next();
                    } else {
                        break;
                    }
                }
                self.expect_punct(")", "to close the value")?;
                self.depth -= 1;
                return Ok(());
            }
            Tok::NegInt(n) => ValuePart::Neg(*n),
            other => {
                return Err(self
                    .err(
                        t.span,
                        format!(
                            "expected a number or a constant name, found {}",
                            Self::describe(other)
                        ),
                    )
                    .with_hint("for example: 0x10, AF_INET, or CLONE_NEWNS | CLONE_NEWUSER"))
            }
        };
        parts.push(Spanned { node, span: t.span });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> File {
        parse(&Source::new("t.policy", s)).unwrap()
    }
    fn e(s: &str) -> Diagnostic {
        parse(&Source::new("t.policy", s)).unwrap_err()
    }

    #[test]
    fn design_example_parses() {
        let f = p(include_str!("../../tests/data/design_example.policy"));
        assert_eq!(f.stmts.len(), 8);
        assert!(matches!(
            f.stmts[0],
            Stmt::Default(Spanned {
                node: Action::Allow,
                ..
            })
        ));
        assert!(matches!(
            f.stmts[1],
            Stmt::Unknown(Spanned {
                node: Action::Errno(38),
                ..
            })
        ));
        let Stmt::Rule { targets, .. } = &f.stmts[2] else {
            panic!()
        };
        assert_eq!(targets.len(), 12);
        let Stmt::Rule {
            cond: Some(Expr::AnyBits { lhs, .. }),
            ..
        } = &f.stmts[4]
        else {
            panic!("{:?}", f.stmts[4])
        };
        assert_eq!(lhs.arg.node, "flags");
        assert_eq!(lhs.mask.as_ref().unwrap().parts.len(), 3);
        let Stmt::Rule {
            cond:
                Some(Expr::In {
                    set,
                    negated: false,
                    ..
                }),
            ..
        } = &f.stmts[6]
        else {
            panic!()
        };
        assert_eq!(set.len(), 5);
    }

    #[test]
    fn precedence_and_grouping() {
        let f = p("allow x if a == 1 || b == 2 && !(c & 4) \n");
        let Stmt::Rule {
            cond: Some(Expr::Or(alts)),
            ..
        } = &f.stmts[0]
        else {
            panic!()
        };
        assert_eq!(alts.len(), 2);
        assert!(matches!(&alts[1], Expr::And(v) if v.len() == 2));
        let f = p("allow x if (a & 0xff) == 3 && (b == 1 || b == 2)\n");
        let Stmt::Rule {
            cond: Some(Expr::And(v)),
            ..
        } = &f.stmts[0]
        else {
            panic!()
        };
        assert!(matches!(v[0], Expr::Cmp { op: CmpOp::Eq, .. }));
        assert!(matches!(&v[1], Expr::Or(alts) if alts.len() == 2));
    }

    #[test]
    fn nesting_is_bounded_and_long_chains_stay_flat() {
        let deep = format!(
            "deny read if {}arg0 == 1{}\n",
            "(".repeat(65),
            ")".repeat(65)
        );
        let d = e(&deep);
        assert!(d.message.contains("more than 64 levels"), "{}", d.message);
        assert_eq!((d.line, d.col), (1, 78));
        let ok = format!(
            "deny read if {}arg0 == 1{}\n",
            "(".repeat(64),
            ")".repeat(64)
        );
        assert!(parse(&Source::new("t", ok.as_str())).is_ok());
        let d = e(&format!("deny read if {}arg0 == 1\n", "!".repeat(100)));
        assert!(d.message.contains("levels"), "{}", d.message);
        let chain = (0..10_000)
            .map(|i| format!("arg0 == {i}"))
            .collect::<Vec<_>>()
            .join(" || ");
        let f = p(&format!("deny read if {chain}\n"));
        let Stmt::Rule {
            cond: Some(Expr::Or(v)),
            ..
        } = &f.stmts[0]
        else {
            panic!()
        };
        assert_eq!(v.len(), 10_000);
    }

    #[test]
    fn errors_are_located_with_hints() {
        let d = e("default allow\nalow read\n");
        assert_eq!((d.line, d.col), (2, 1));
        assert_eq!(d.hint.as_deref(), Some("did you mean 'allow'?"));
        let d = e("deny clone if flags & 1 == 1\n");
        assert!(d.message.contains("parentheses"), "{}", d.message);
        let d = e("errno EPREM open\n");
        assert_eq!(d.hint.as_deref(), Some("did you mean 'EPERM'?"));
        let d = e("deny\n");
        assert!(
            d.message.contains("expected syscall names"),
            "{}",
            d.message
        );
        let d = e("deny socket if domain in {}\n");
        assert!(d.message.contains("empty set"));
        let d = e("deny open }\n");
        assert_eq!((d.line, d.col), (1, 11));
    }
}
