//! Tokens with spans. Statements end at a newline, except inside `{…}` or `(…)`, so long
//! lists and conditions may wrap over several lines.

use super::diag::{Diagnostic, Source, Span};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// A word: keyword, syscall, parameter or constant name (`kill-thread`, `_llseek`, `AF_ALG`).
    Word(String),
    /// `@group-name`.
    Group(String),
    /// An unsigned integer literal in any base.
    Int(u64),
    /// A negative integer literal (`-1`), holding its magnitude.
    NegInt(u64),
    /// A double-quoted string.
    Str(String),
    /// A bare path starting with `/`, `./` or `~/` (for `fs` statements).
    Path(String),
    Punct(&'static str),
    Newline,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

const PUNCTS: [&str; 16] = [
    "&&", "||", "==", "!=", "<=", ">=", "{", "}", "(", ")", ",", "&", "|", "!", "<", ">",
];

/// Splits `src` into tokens. The result always ends with a `Newline`.
pub fn lex(src: &Source) -> Result<Vec<Token>, Diagnostic> {
    let text = src.text.as_str();
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut depth: i32 = 0;
    // Where each `{` or `(` still open was opened, to report one left unclosed.
    let mut open: Vec<Span> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => {
                if depth <= 0 {
                    out.push(Token {
                        tok: Tok::Newline,
                        span: Span::new(i, i + 1),
                    });
                }
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                let mut s = String::new();
                loop {
                    match bytes.get(i) {
                        None | Some(b'\n') => {
                            return Err(Diagnostic::error(
                                src,
                                Span::new(start, i),
                                "unterminated string",
                            )
                            .with_hint("close it with '\"' on the same line"))
                        }
                        Some(b'"') => break,
                        Some(b'\\') if matches!(bytes.get(i + 1), Some(b'"' | b'\\')) => {
                            s.push(bytes[i + 1] as char);
                            i += 2;
                        }
                        Some(_) => {
                            let ch = text[i..].chars().next().unwrap_or('?');
                            s.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                i += 1;
                out.push(Token {
                    tok: Tok::Str(s),
                    span: Span::new(start, i),
                });
            }
            b'/' | b'.' | b'~'
                if c == b'/'
                    || text[i..].starts_with("./")
                    || text[i..].starts_with("../")
                    || text[i..].starts_with("~/") =>
            {
                let start = i;
                while i < bytes.len()
                    && !bytes[i].is_ascii_whitespace()
                    && !b"{},#".contains(&bytes[i])
                {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Path(text[start..i].to_string()),
                    span: Span::new(start, i),
                });
            }
            b'0'..=b'9' | b'-' if c != b'-' || bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let start = i;
                let neg = c == b'-';
                if neg {
                    i += 1;
                }
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let span = Span::new(start, i);
                let digits = &text[start + usize::from(neg)..i];
                let v = parse_int(digits).ok_or_else(|| {
                    Diagnostic::error(src, span, format!("bad number '{}'", &text[start..i]))
                        .with_hint("write decimal, 0x hex, 0o octal or 0b binary, up to 64 bits")
                })?;
                out.push(Token {
                    tok: if neg { Tok::NegInt(v) } else { Tok::Int(v) },
                    span,
                });
            }
            b'@' => {
                let start = i;
                i += 1;
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
                let span = Span::new(start, i);
                if i == start + 1 {
                    return Err(Diagnostic::error(
                        src,
                        span,
                        "'@' must be followed by a group name",
                    )
                    .with_hint("for example @mount; `sysgate syscalls` lists the groups"));
                }
                out.push(Token {
                    tok: Tok::Group(text[start..i].to_string()),
                    span,
                });
            }
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Word(text[start..i].to_string()),
                    span: Span::new(start, i),
                });
            }
            _ => {
                let Some(p) = PUNCTS.iter().find(|p| text[i..].starts_with(**p)) else {
                    let ch = text[i..].chars().next().unwrap_or('?');
                    return Err(Diagnostic::error(
                        src,
                        Span::new(i, i + ch.len_utf8()),
                        format!("unexpected character '{ch}'"),
                    ));
                };
                match *p {
                    "{" | "(" => {
                        depth += 1;
                        open.push(Span::new(i, i + 1));
                    }
                    "}" | ")" => {
                        depth -= 1;
                        open.pop();
                    }
                    _ => {}
                }
                out.push(Token {
                    tok: Tok::Punct(p),
                    span: Span::new(i, i + p.len()),
                });
                i += p.len();
            }
        }
    }
    if let Some(&at) = open.last() {
        let what = &text[at.start..at.end];
        let close = if what == "{" { "}" } else { ")" };
        return Err(
            Diagnostic::error(src, at, format!("'{what}' is never closed"))
                .with_hint(format!("add '{close}' where the list or condition ends")),
        );
    }
    out.push(Token {
        tok: Tok::Newline,
        span: Span::new(text.len(), text.len()),
    });
    Ok(out)
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Parses `123`, `0x7b`, `0o173`, `0b1111011` (underscores allowed between digits).
pub fn parse_int(s: &str) -> Option<u64> {
    let s = s.replace('_', "");
    let (digits, radix) = if let Some(r) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (r, 16)
    } else if let Some(r) = s.strip_prefix("0o") {
        (r, 8)
    } else if let Some(r) = s.strip_prefix("0b") {
        (r, 2)
    } else {
        (s.as_str(), 10)
    };
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(&Source::new("t", s))
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn newlines_inside_braces_are_ignored() {
        let t = toks("deny {\n a\n b }\nallow c # x\n");
        assert_eq!(
            t,
            vec![
                Tok::Word("deny".into()),
                Tok::Punct("{"),
                Tok::Word("a".into()),
                Tok::Word("b".into()),
                Tok::Punct("}"),
                Tok::Newline,
                Tok::Word("allow".into()),
                Tok::Word("c".into()),
                Tok::Newline,
                Tok::Newline,
            ]
        );
    }

    #[test]
    fn numbers_and_operators() {
        assert_eq!(
            toks("(flags & 0x10) == 0b11 && a<=0o7"),
            vec![
                Tok::Punct("("),
                Tok::Word("flags".into()),
                Tok::Punct("&"),
                Tok::Int(16),
                Tok::Punct(")"),
                Tok::Punct("=="),
                Tok::Int(3),
                Tok::Punct("&&"),
                Tok::Word("a".into()),
                Tok::Punct("<="),
                Tok::Int(7),
                Tok::Newline,
            ]
        );
    }

    #[test]
    fn an_unclosed_bracket_is_located() {
        let e = lex(&Source::new("t", "deny { read write\n")).unwrap_err();
        assert_eq!((e.line, e.col), (1, 6));
        assert!(e.message.contains("never closed"));
        let e = lex(&Source::new("t", "deny read if (arg0 == 1\nallow write\n")).unwrap_err();
        assert_eq!((e.line, e.col), (1, 14));
    }

    #[test]
    fn bad_number_is_located() {
        let e = lex(&Source::new("t", "allow x if a == 0xZZ\n")).unwrap_err();
        assert_eq!((e.line, e.col), (1, 17));
        assert!(e.message.contains("0xZZ"));
    }
}
