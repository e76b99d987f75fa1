//! The glob patterns of `chat.rooms`: which paths (relative to a user's home) are rooms.
//!
//! The syntax and its meaning are those of the `globset` crate with its default options
//! on Unix, which Loft used before (and its tests compare against): a small matcher of our
//! own keeps the regex engine out of the binary.
//!
//! - `?` matches any one character, `/` included;
//! - `*` matches any run of characters, `/` included: `*.txt` matches `lobby.txt` and
//!   `team/lobby.txt` (rooms at any depth);
//! - `**` as a whole path component: `**/x` matches `x` at any depth (`x`, `a/b/x`),
//!   `a/**` everything under `a`, `a/**/x` zero or more folders between; elsewhere `**`
//!   is the same as `*`; `**` alone matches everything;
//! - `[abc]`, `[a-z]`, `[!a-z]` (or `[^a-z]`): one character in (or not in) the set; `]`
//!   first and `-` first or last are literal, so `[*]` matches a `*`;
//! - `{a,b}`: either alternative (nesting allowed), each a pattern; empty alternatives
//!   are ignored;
//! - `\` makes the next character literal;
//! - everything else matches itself, case-sensitively.
//!
//! One difference: `?` and classes work on characters, where globset worked on UTF-8
//! bytes (so `caf?.txt` now matches `café.txt`, and `[é]` means the letter é).
//!
//! Matching is a set-of-positions walk over the pattern (no backtracking), so its cost is
//! bounded by pattern length times path length squared, whatever the pattern.

use std::fmt;
use std::path::Path;

/// Why a pattern is not a glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GlobError {
    /// `[` without its `]`.
    UnclosedClass,
    /// A range like `[z-a]`.
    InvalidRange(char, char),
    /// `{` without its `}`.
    UnclosedAlternates,
    /// `}` without its `{`.
    UnopenedAlternates,
    /// A `\` at the end.
    DanglingEscape,
}

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GlobError::UnclosedClass => f.write_str("unclosed character class; missing ']'"),
            GlobError::InvalidRange(a, b) => write!(f, "invalid range; '{a}' > '{b}'"),
            GlobError::UnclosedAlternates => f.write_str("unclosed alternate group; missing '}'"),
            GlobError::UnopenedAlternates => {
                f.write_str("unopened alternate group; missing '{' (use \\}} for a literal)")
            }
            GlobError::DanglingEscape => f.write_str("dangling '\\' at the end"),
        }
    }
}

impl std::error::Error for GlobError {}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `?`
    Any,
    /// `*`
    ZeroOrMore,
    /// `**/` at the start: nothing, `/`, or anything that ends with `/`.
    RecursivePrefix,
    /// `/**` at the end: `/` and anything after it.
    RecursiveSuffix,
    /// `/**/`: `/`, or `/` + anything + `/`.
    RecursiveZeroOrMore,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    Alternates(Vec<Vec<Token>>),
}

/// One compiled glob.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    text: String,
    tokens: Vec<Token>,
}

impl fmt::Debug for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Glob({:?})", self.text)
    }
}

impl Glob {
    /// Parses `pattern`.
    pub(crate) fn new(pattern: &str) -> Result<Glob, GlobError> {
        let tokens = Parser::new(pattern).parse()?;
        Ok(Glob { text: pattern.to_string(), tokens })
    }

    /// Whether the whole of `path` matches.
    #[cfg(test)]
    pub(crate) fn is_match(&self, path: impl AsRef<Path>) -> bool {
        let s: Vec<char> = path.as_ref().to_string_lossy().chars().collect();
        self.matches_chars(&s)
    }

    fn matches_chars(&self, s: &[char]) -> bool {
        // `**` alone matches everything (globset's special case).
        if self.tokens == [Token::RecursivePrefix] {
            return true;
        }
        let mut start = vec![false; s.len() + 1];
        start[0] = true;
        walk(&self.tokens, s, start)[s.len()]
    }
}

/// A set of globs: a path matches if any of them does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct GlobSet {
    globs: Vec<Glob>,
}

impl GlobSet {
    /// Compiles every pattern; the first bad one is the error, with its index.
    pub(crate) fn new<S: AsRef<str>>(patterns: &[S]) -> Result<GlobSet, (usize, GlobError)> {
        let globs = patterns
            .iter()
            .enumerate()
            .map(|(i, p)| Glob::new(p.as_ref()).map_err(|e| (i, e)))
            .collect::<Result<_, _>>()?;
        Ok(GlobSet { globs })
    }

    /// Whether any glob matches the whole of `path`.
    pub(crate) fn is_match(&self, path: impl AsRef<Path>) -> bool {
        if self.globs.is_empty() {
            return false;
        }
        let s: Vec<char> = path.as_ref().to_string_lossy().chars().collect();
        self.globs.iter().any(|g| g.matches_chars(&s))
    }
}

/// From the set of positions where `tokens` may start (`at[i]`: after `i` characters of
/// `s`), the set where they may end.
fn walk(tokens: &[Token], s: &[char], mut at: Vec<bool>) -> Vec<bool> {
    let n = s.len();
    for t in tokens {
        let mut next = vec![false; n + 1];
        match t {
            Token::Literal(c) => {
                for p in 0..n {
                    next[p + 1] = at[p] && s[p] == *c;
                }
            }
            Token::Any => {
                next[1..].copy_from_slice(&at[..n]);
            }
            Token::Class { negated, ranges } => {
                for p in 0..n {
                    next[p + 1] = at[p] && ranges.iter().any(|&(a, b)| a <= s[p] && s[p] <= b) != *negated;
                }
            }
            Token::ZeroOrMore => {
                if let Some(first) = at.iter().position(|&b| b) {
                    next[first..].fill(true);
                }
            }
            Token::RecursivePrefix => {
                // `(?:/?|.*/)`
                let mut seen = false;
                for p in 0..=n {
                    if at[p] {
                        next[p] = true;
                        if p < n && s[p] == '/' {
                            next[p + 1] = true;
                        }
                    }
                    // `.*/` from an earlier (or this) start, ending just after a `/`.
                    if p > 0 && seen && s[p - 1] == '/' {
                        next[p] = true;
                    }
                    seen |= at[p];
                }
            }
            Token::RecursiveSuffix => {
                // `/.*`
                if let Some(first) = (0..n).find(|&p| at[p] && s[p] == '/') {
                    next[first + 1..].fill(true);
                }
            }
            Token::RecursiveZeroOrMore => {
                // `(?:/|/.*/)`: a `/` at the start, any run, a `/` at the end (maybe the same).
                if let Some(first) = (0..n).find(|&p| at[p] && s[p] == '/') {
                    for q in first + 1..=n {
                        next[q] = s[q - 1] == '/';
                    }
                }
            }
            Token::Alternates(branches) => {
                let live: Vec<&Vec<Token>> = branches.iter().filter(|b| !is_void(b)).collect();
                if live.is_empty() {
                    // globset leaves out an alternation with nothing in it.
                    continue;
                }
                for b in live {
                    for (q, hit) in walk(b, s, at.clone()).into_iter().enumerate() {
                        next[q] |= hit;
                    }
                }
            }
        }
        if !next.iter().any(|&b| b) {
            return next;
        }
        at = next;
    }
    at
}

/// Whether a branch stands for nothing at all (globset drops such alternatives, so
/// `{a,}` is `a`, not "`a` or nothing").
fn is_void(tokens: &[Token]) -> bool {
    tokens.iter().all(|t| matches!(t, Token::Alternates(bs) if bs.iter().all(|b| is_void(b))))
}

/// globset's parser (Unix defaults: `*` crosses `/`, `\` escapes, no empty alternates,
/// unclosed classes are errors), rewritten over chars.
struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    prev: Option<char>,
    cur: Option<char>,
    /// Open `{` groups: the index in `branches` where each started.
    stack: Vec<usize>,
    /// The branches being filled; tokens go to the last.
    branches: Vec<Vec<Token>>,
}

impl<'a> Parser<'a> {
    fn new(glob: &'a str) -> Self {
        Parser { chars: glob.chars().peekable(), prev: None, cur: None, stack: Vec::new(), branches: vec![Vec::new()] }
    }

    fn parse(mut self) -> Result<Vec<Token>, GlobError> {
        while let Some(c) = self.bump() {
            match c {
                '?' => self.push(Token::Any),
                '*' => self.star(),
                '[' => self.class()?,
                '{' => {
                    self.stack.push(self.branches.len());
                    self.branches.push(Vec::new());
                }
                '}' => {
                    let start = self.stack.pop().ok_or(GlobError::UnopenedAlternates)?;
                    let alts = Token::Alternates(self.branches.drain(start..).collect());
                    self.push(alts);
                }
                ',' if !self.stack.is_empty() => self.branches.push(Vec::new()),
                '\\' => {
                    let c = self.bump().ok_or(GlobError::DanglingEscape)?;
                    self.push(Token::Literal(c));
                }
                c => self.push(Token::Literal(c)),
            }
        }
        if self.branches.len() > 1 {
            return Err(GlobError::UnclosedAlternates);
        }
        Ok(self.branches.pop().unwrap_or_default())
    }

    fn bump(&mut self) -> Option<char> {
        self.prev = self.cur;
        self.cur = self.chars.next();
        self.cur
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn last(&mut self) -> &mut Vec<Token> {
        self.branches.last_mut().expect("the parser always has a branch")
    }

    fn push(&mut self, t: Token) {
        self.last().push(t);
    }

    fn two_stars(&mut self) {
        self.push(Token::ZeroOrMore);
        self.push(Token::ZeroOrMore);
    }

    /// After a `*`: `*`, or `**` in one of its recursive positions, or `**` as two `*`.
    fn star(&mut self) {
        let prev = self.prev;
        if self.peek() != Some('*') {
            self.push(Token::ZeroOrMore);
            return;
        }
        self.bump();
        if self.last().is_empty() {
            if self.peek().is_some_and(|c| c != '/') {
                self.two_stars();
            } else {
                self.push(Token::RecursivePrefix);
                self.bump();
            }
            return;
        }
        if prev != Some('/') && (self.branches.len() <= 1 || (prev != Some(',') && prev != Some('{'))) {
            self.two_stars();
            return;
        }
        let is_suffix = match self.peek() {
            None => {
                self.bump();
                true
            }
            Some(',') | Some('}') if self.branches.len() >= 2 => true,
            Some('/') => {
                self.bump();
                false
            }
            _ => {
                self.two_stars();
                return;
            }
        };
        // The token before `**` is the `/` that made it a component: it becomes part of
        // the recursive token (which matches that `/` itself).
        let before = self.last().pop();
        match before {
            Some(Token::RecursivePrefix) => self.push(Token::RecursivePrefix),
            Some(Token::RecursiveSuffix) => self.push(Token::RecursiveSuffix),
            _ if is_suffix => self.push(Token::RecursiveSuffix),
            _ => self.push(Token::RecursiveZeroOrMore),
        }
    }

    /// After a `[`: the class up to its `]`.
    fn class(&mut self) -> Result<(), GlobError> {
        let mut ranges: Vec<(char, char)> = Vec::new();
        let negated = matches!(self.peek(), Some('!') | Some('^'));
        if negated {
            self.bump();
        }
        let mut first = true;
        let mut in_range = false;
        loop {
            let c = self.bump().ok_or(GlobError::UnclosedClass)?;
            match c {
                ']' if !first => break,
                '-' if !first && !in_range => in_range = true,
                c => {
                    if in_range {
                        let r = ranges.last_mut().expect("a range follows a character");
                        r.1 = c;
                        if r.1 < r.0 {
                            return Err(GlobError::InvalidRange(r.0, r.1));
                        }
                        in_range = false;
                    } else {
                        ranges.push((c, c));
                    }
                }
            }
            first = false;
        }
        if in_range {
            ranges.push(('-', '-'));
        }
        self.push(Token::Class { negated, ranges });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, path: &str) -> bool {
        Glob::new(p).unwrap().is_match(path)
    }

    #[test]
    fn documented_examples() {
        assert!(m("*.txt", "lobby.txt"));
        assert!(m("*.txt", "team/lobby.txt"));
        assert!(!m("*.txt", "photo.jpg"));
        assert!(!m("*.txt", "lobby.txt.bak"));
        assert!(m("rooms/*.log", "rooms/a.log"));
        assert!(!m("rooms/*.log", "a.log"));
        assert!(m("**/x", "x") && m("**/x", "a/b/x") && !m("**/x", "x/a"));
        assert!(m("a/**", "a/b") && m("a/**", "a/b/c") && !m("a/**", "a"));
        assert!(m("a/**/x", "a/x") && m("a/**/x", "a/b/c/x") && !m("a/**/x", "ax"));
        assert!(m("**", "") && m("**", "a/b"));
        assert!(m("[*]", "*") && !m("[*]", "a"));
        assert!(m("[a-c]?.txt", "bx.txt") && !m("[!a-c]?.txt", "bx.txt") && m("[^a-c]?.txt", "dx.txt"));
        assert!(m("{lobby,team/*}.txt", "lobby.txt") && m("{lobby,team/*}.txt", "team/x.txt"));
        assert!(!m("{lobby,team/*}.txt", "other.txt"));
        assert!(m("\\*.txt", "*.txt") && !m("\\*.txt", "a.txt"));
        assert!(m("Lobby.txt", "Lobby.txt") && !m("Lobby.txt", "lobby.txt"));
        assert!(m("?", "é") && m("caf?.txt", "café.txt"));
    }

    #[test]
    fn errors() {
        assert_eq!(Glob::new("["), Err(GlobError::UnclosedClass));
        assert_eq!(Glob::new("[]"), Err(GlobError::UnclosedClass));
        assert_eq!(Glob::new("[!]"), Err(GlobError::UnclosedClass));
        assert_eq!(Glob::new("[z-a]"), Err(GlobError::InvalidRange('z', 'a')));
        assert_eq!(Glob::new("{a,b"), Err(GlobError::UnclosedAlternates));
        assert_eq!(Glob::new("a,b}"), Err(GlobError::UnopenedAlternates));
        assert_eq!(Glob::new("a\\"), Err(GlobError::DanglingEscape));
        assert_eq!(GlobSet::new(&["*.txt", "{"]).unwrap_err().0, 1);
    }

    #[test]
    fn a_set_matches_if_any_glob_does() {
        let set = GlobSet::new(&["*.txt", "rooms/*.log"]).unwrap();
        assert!(set.is_match("a/b.txt") && set.is_match("rooms/x.log") && !set.is_match("x.log"));
        assert!(!GlobSet::default().is_match("a.txt"));
    }

    #[test]
    fn pathological_patterns_stay_fast() {
        let p = Glob::new(&"*a".repeat(40)).unwrap();
        let path = "a".repeat(39) + "b";
        let t = std::time::Instant::now();
        assert!(!p.is_match(&path));
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
    }

    /// The same answers as globset (what Loft used before), over a grid of patterns and
    /// paths that exercises every token and the parser's corner cases.
    #[test]
    fn agrees_with_globset() {
        let patterns = [
            "*.txt",
            "*",
            "?",
            "??",
            "a*",
            "*a",
            "a*b",
            "*.{txt,log}",
            "{a,b}",
            "{a,}",
            "{,}",
            "{a,{b,c}d}",
            "{*,x}/y",
            "**",
            "**/",
            "**/a",
            "**/a/**",
            "a/**",
            "a/**/b",
            "a/**/",
            "/**",
            "a**",
            "**a",
            "a/**b",
            "a**/b",
            "{**/a,b}",
            "{a/**,b}",
            "x{**,y}",
            "x/{**,y}",
            "x/{y,**}",
            "{a,{,}}",
            "{{,},b}c",
            "[a-c]",
            "[!a-c]",
            "[^a]",
            "[]]",
            "[!]]",
            "[-a]",
            "[a-]",
            "[]-a]",
            "[*?]",
            "\\*",
            "\\a",
            "a\\/b",
            "rooms/*.log",
            "*/*",
            "*/",
            "/*",
            "a/b",
            "",
            ",",
            "a,b",
            "*.TXT",
            "**/*.txt",
            "a/**/**/b",
            "**/**",
            "{a,b}/**",
            "{a/,b/}**",
            "x*/**/y*",
        ];
        let paths = [
            "",
            "a",
            "b",
            "c",
            "d",
            "ab",
            "ba",
            "aab",
            "a.txt",
            "x/a.txt",
            "a/b",
            "a/b/c",
            "a/x/b",
            "a/x/y/b",
            "ab/b",
            "a/",
            "/a",
            "/",
            "//",
            "a//b",
            "x/y",
            "x/z/y",
            "xy/zy",
            "x",
            "x/",
            "]",
            "-",
            "*",
            "?",
            "\\",
            ",",
            "a,b",
            "ex",
            "A.TXT",
            "a.TXT",
            "x/y/a.txt",
            "b/c",
            "a\nb",
            "\n",
            "rooms/a.log",
            "rooms/x/a.log",
        ];
        for p in patterns {
            let ours = Glob::new(p);
            let theirs = globset::Glob::new(p);
            assert_eq!(ours.is_ok(), theirs.is_ok(), "pattern {p:?}: {ours:?} vs {theirs:?}");
            let (Ok(ours), Ok(theirs)) = (ours, theirs) else { continue };
            let theirs = theirs.compile_matcher();
            for path in paths {
                assert_eq!(ours.is_match(path), theirs.is_match(path), "pattern {p:?}, path {path:?}");
            }
        }
    }
}
