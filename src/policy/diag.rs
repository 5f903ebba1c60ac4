//! Located diagnostics: `file:line:col`, the offending text underlined, and a hint.

use serde::Serialize;
use std::fmt;
use std::sync::Arc;

/// A policy's text and the name it is reported under (a path, or `builtin:NAME`).
#[derive(Debug)]
pub struct Source {
    pub name: String,
    pub text: String,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Source> {
        Arc::new(Source {
            name: name.into(),
            text: text.into(),
        })
    }

    /// 1-based line and column (in characters) of byte offset `pos`.
    pub fn line_col(&self, pos: usize) -> (u32, u32) {
        let mut pos = pos.min(self.text.len());
        while !self.text.is_char_boundary(pos) {
            pos -= 1;
        }
        let before = &self.text[..pos];
        let line = before.matches('\n').count() as u32 + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = self.text[line_start..pos].chars().count() as u32 + 1;
        (line, col)
    }

    /// The text of 1-based line `line`, without its newline.
    pub fn line_text(&self, line: u32) -> &str {
        self.text
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .unwrap_or("")
    }
}

/// A byte range in a [`Source`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One located message about a policy.
#[derive(Clone, Debug, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    pub line: u32,
    pub col: u32,
    /// Width of the underlined text, in characters (at least 1).
    pub width: u32,
    pub message: String,
    /// What to do about it (`did you mean 'open'?`).
    pub hint: Option<String>,
    /// The source line the diagnostic points into.
    pub source_line: String,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        src: &Source,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        // Spans are byte ranges; widen them to whole characters.
        let t = &src.text;
        let mut start = span.start.min(t.len());
        while !t.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = span.end.min(t.len()).max(start);
        while !t.is_char_boundary(end) {
            end += 1;
        }
        let (line, col) = src.line_col(start);
        let source_line = src.line_text(line).to_string();
        let width = t[start..end]
            .lines()
            .next()
            .map_or(0, |s| s.chars().count()) as u32;
        Diagnostic {
            severity,
            file: src.name.clone(),
            line,
            col,
            width: width.max(1),
            message: message.into(),
            hint: None,
            source_line,
        }
    }

    pub fn error(src: &Source, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, src, span, message)
    }

    pub fn warning(src: &Source, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, src, span, message)
    }

    /// A diagnostic about a file as a whole (cannot be read, for instance).
    pub fn file_error(file: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_string(),
            line: 0,
            col: 0,
            width: 0,
            message: message.into(),
            hint: None,
            source_line: String::new(),
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line == 0 {
            write!(f, "{}: {sev}: {}", self.file, self.message)?;
            if let Some(h) = &self.hint {
                write!(f, "\n  = help: {h}")?;
            }
            return Ok(());
        }
        writeln!(
            f,
            "{}:{}:{}: {sev}: {}",
            self.file, self.line, self.col, self.message
        )?;
        let num = self.line.to_string();
        let pad = " ".repeat(num.len());
        writeln!(f, "{pad} |")?;
        writeln!(f, "{num} | {}", self.source_line)?;
        let indent: String = self
            .source_line
            .chars()
            .take(self.col.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        write!(f, "{pad} | {indent}{}", "^".repeat(self.width as usize))?;
        if let Some(h) = &self.hint {
            write!(f, " {h}")?;
        }
        Ok(())
    }
}

/// The closest candidate to `word` by edit distance, if it is close enough to be a likely typo.
pub fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (word.chars().count() / 3).clamp(1, 3);
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    // Optimal string alignment: insertions, deletions, substitutions and adjacent swaps.
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let names = ["open", "openat", "close", "unshare"];
        assert_eq!(did_you_mean("opne", names), Some("open"));
        assert_eq!(did_you_mean("unshar", names), Some("unshare"));
        assert_eq!(did_you_mean("frobnicate", names), None);
    }

    #[test]
    fn renders_location_and_caret() {
        let src = Source::new("p.policy", "default allow\ndeny opne\n");
        let d = Diagnostic::error(&src, Span::new(19, 23), "unknown syscall 'opne'")
            .with_hint("did you mean 'open'?");
        let s = d.to_string();
        assert!(
            s.starts_with("p.policy:2:6: error: unknown syscall 'opne'"),
            "{s}"
        );
        assert!(s.contains("2 | deny opne"), "{s}");
        assert!(s.contains("  |      ^^^^ did you mean 'open'?"), "{s}");
    }
}
