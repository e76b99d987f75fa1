//! # FTP Regex
//!
//! Patterns to parse FTP responses.
//!
//! Loft patch: upstream compiles these with `lazy-regex` (the `regex` crate), which is
//! about 0.6 MB of a router binary for six fixed patterns. Here each pattern is written
//! out as a small tree of nodes and matched by a backtracking matcher with the `regex`
//! crate's leftmost-first semantics, behind the same `captures(..)` / `caps[i]` /
//! `caps.get(i)` interface. The regular expression each one stands for is in its doc
//! comment. One difference: `\d` is an ASCII digit (the `regex` crate also accepts other
//! Unicode digits, which the callers then failed to parse as numbers anyway).

use std::ops::Index;

/// What one character may be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Class {
    /// `\d` (ASCII)
    Digit,
    /// `\s` (Unicode white space)
    Space,
    /// `.` (anything but `\n`)
    Any,
    /// `[...]`: one of these characters
    OneOf(&'static str),
    /// `[^...]`: none of these characters
    NoneOf(&'static str),
}

impl Class {
    fn has(self, c: char) -> bool {
        match self {
            Class::Digit => c.is_ascii_digit(),
            Class::Space => c.is_whitespace(),
            Class::Any => c != '\n',
            Class::OneOf(set) => set.contains(c),
            Class::NoneOf(set) => !set.contains(c),
        }
    }
}

/// One element of a pattern.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Node {
    /// This text.
    Lit(&'static str),
    /// `class{min,max}`, greedy.
    Rep(Class, usize, usize),
    /// A capture group (numbered from 1, in the order the groups open).
    Group(usize, &'static [Node]),
    /// `(?:a|b|...)`: the first alternative that leads to a match.
    Alt(&'static [&'static [Node]]),
    /// `(?:...)?`, greedy.
    Opt(&'static [Node]),
    /// `^` (start of the text)
    Start,
    /// `$` (end of the text)
    End,
    /// `\b` (Unicode word boundary)
    WordBoundary,
    /// The end of group N (internal: the matcher adds it after a group's nodes).
    Close(usize),
}

/// A compiled pattern: its nodes and how many capture groups it has.
#[derive(Debug)]
pub(crate) struct Pattern {
    nodes: &'static [Node],
    groups: usize,
}

/// Where the groups of a match are, in the searched text.
#[derive(Debug, Clone)]
pub(crate) struct Captures<'t> {
    text: &'t str,
    spans: Vec<Option<(usize, usize)>>,
}

/// One group's text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Match<'t> {
    text: &'t str,
}

impl<'t> Match<'t> {
    pub(crate) fn as_str(&self) -> &'t str {
        self.text
    }
}

impl<'t> Captures<'t> {
    /// Group 0 (the whole match) and the groups, matched or not.
    #[allow(dead_code)]
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// A group, if it took part in the match.
    #[allow(dead_code)]
    pub(crate) fn get(&self, i: usize) -> Option<Match<'t>> {
        self.spans.get(i).copied().flatten().map(|(a, b)| Match { text: &self.text[a..b] })
    }
}

impl Index<usize> for Captures<'_> {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        match self.spans.get(i).copied().flatten() {
            Some((a, b)) => &self.text[a..b],
            None => panic!("no group {i} in this match"),
        }
    }
}

/// The rest of the pattern after the nodes being matched (for nested groups).
struct Then<'a> {
    nodes: &'a [Node],
    then: Option<&'a Then<'a>>,
}

/// The `Close` nodes the matcher appends to groups.
static CLOSE: [Node; 10] = [
    Node::Close(0),
    Node::Close(1),
    Node::Close(2),
    Node::Close(3),
    Node::Close(4),
    Node::Close(5),
    Node::Close(6),
    Node::Close(7),
    Node::Close(8),
    Node::Close(9),
];

struct Matcher<'t> {
    text: &'t str,
    /// Per group: where it starts, while it is open.
    open: Vec<usize>,
    /// Per group: its span, once closed.
    spans: Vec<Option<(usize, usize)>>,
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

impl Matcher<'_> {
    /// Whether `nodes`, then `then`, match the text from byte `pos` (recording the groups).
    fn run(&mut self, pos: usize, nodes: &[Node], then: Option<&Then<'_>>) -> bool {
        let Some((node, rest)) = nodes.split_first() else {
            return match then {
                None => true,
                Some(t) => self.run(pos, t.nodes, t.then),
            };
        };
        let text = self.text;
        match *node {
            Node::Lit(s) => text[pos..].starts_with(s) && self.run(pos + s.len(), rest, then),
            Node::Rep(class, min, max) => {
                // Greedy: take as many as allowed, then give back one at a time.
                let mut ends = vec![pos];
                for (i, c) in text[pos..].char_indices() {
                    if ends.len() > max || !class.has(c) {
                        break;
                    }
                    ends.push(pos + i + c.len_utf8());
                }
                ends.len() > min && ends[min..].iter().rev().any(|&end| self.run(end, rest, then))
            }
            Node::Group(g, inner) => {
                let saved = self.open[g];
                self.open[g] = pos;
                let after = Then { nodes: rest, then };
                let close = Then { nodes: std::slice::from_ref(&CLOSE[g]), then: Some(&after) };
                if self.run(pos, inner, Some(&close)) {
                    return true;
                }
                self.open[g] = saved;
                false
            }
            Node::Close(g) => {
                let saved = self.spans[g];
                self.spans[g] = Some((self.open[g], pos));
                if self.run(pos, rest, then) {
                    return true;
                }
                self.spans[g] = saved;
                false
            }
            Node::Alt(branches) => {
                let after = Then { nodes: rest, then };
                branches.iter().any(|b| self.run(pos, b, Some(&after)))
            }
            Node::Opt(inner) => {
                let after = Then { nodes: rest, then };
                self.run(pos, inner, Some(&after)) || self.run(pos, rest, then)
            }
            Node::Start => pos == 0 && self.run(pos, rest, then),
            Node::End => pos == text.len() && self.run(pos, rest, then),
            Node::WordBoundary => {
                let before = text[..pos].chars().next_back();
                let after = text[pos..].chars().next();
                is_word(before) != is_word(after) && self.run(pos, rest, then)
            }
        }
    }
}

impl Pattern {
    /// The leftmost match in `text` and its groups, as `Regex::captures` finds them.
    pub(crate) fn captures<'t>(&self, text: &'t str) -> Option<Captures<'t>> {
        let starts = text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len()));
        for start in starts {
            let mut m = Matcher { text, open: vec![0; self.groups + 1], spans: vec![None; self.groups + 1] };
            // Group 0 is the whole match.
            if m.run(start, &[Node::Group(0, self.nodes)], None) {
                return Some(Captures { text, spans: m.spans });
            }
        }
        None
    }
}

use Class::{Any, Digit, NoneOf, OneOf, Space};
use Node::{Alt, End, Group, Lit, Opt, Rep, Start, WordBoundary};

const MANY: usize = usize::MAX;

/// `\d+`
const DIGITS: Node = Rep(Digit, 1, MANY);
/// `\s+`
const SPACES: Node = Rep(Space, 1, MANY);

/// This regex extracts IP and Port details from PASV command response.
/// The regex looks for the pattern (h1,h2,h3,h4,p1,p2):
/// `\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)`
pub(crate) static PASV_PORT_RE: Pattern = Pattern {
    nodes: &[
        Lit("("),
        Group(1, &[DIGITS]),
        Lit(","),
        Group(2, &[DIGITS]),
        Lit(","),
        Group(3, &[DIGITS]),
        Lit(","),
        Group(4, &[DIGITS]),
        Lit(","),
        Group(5, &[DIGITS]),
        Lit(","),
        Group(6, &[DIGITS]),
        Lit(")"),
    ],
    groups: 6,
};

/// This regex extract the port number from EPSV command response.
/// The regex looks for the pattern (|||port_number|): `\(\|\|\|(\d+)\|\)`
pub(crate) static EPSV_PORT_RE: Pattern = Pattern { nodes: &[Lit("(|||"), Group(1, &[DIGITS]), Lit("|)")], groups: 1 };

/// This regex extracts modification time from MDTM command response:
/// `\b(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\b`
pub(crate) static MDTM_RE: Pattern = Pattern {
    nodes: &[
        WordBoundary,
        Group(1, &[Rep(Digit, 4, 4)]),
        Group(2, &[Rep(Digit, 2, 2)]),
        Group(3, &[Rep(Digit, 2, 2)]),
        Group(4, &[Rep(Digit, 2, 2)]),
        Group(5, &[Rep(Digit, 2, 2)]),
        Group(6, &[Rep(Digit, 2, 2)]),
        WordBoundary,
    ],
    groups: 6,
};

/// This regex extracts file size from SIZE command response: `\s+(\d+)\s*$`
pub(crate) static SIZE_RE: Pattern =
    Pattern { nodes: &[SPACES, Group(1, &[DIGITS]), Rep(Space, 0, MANY), End], groups: 1 };

/// POSIX system regex to parse list output:
/// `^([\-ld])([\-rwxsStT]{9})\s+(\d+)\s+([^ ]+)\s+([^ ]+)\s+(\d+)\s+([^ ]+\s+\d{1,2}\s+(?:\d{1,2}:\d{1,2}|\d{4}))\s+(.+)$`
pub(crate) static POSIX_LS_RE: Pattern = Pattern {
    nodes: &[
        Start,
        Group(1, &[Rep(OneOf("-ld"), 1, 1)]),
        Group(2, &[Rep(OneOf("-rwxsStT"), 9, 9)]),
        SPACES,
        Group(3, &[DIGITS]),
        SPACES,
        Group(4, &[Rep(NoneOf(" "), 1, MANY)]),
        SPACES,
        Group(5, &[Rep(NoneOf(" "), 1, MANY)]),
        SPACES,
        Group(6, &[DIGITS]),
        SPACES,
        Group(
            7,
            &[
                Rep(NoneOf(" "), 1, MANY),
                SPACES,
                Rep(Digit, 1, 2),
                SPACES,
                Alt(&[&[Rep(Digit, 1, 2), Lit(":"), Rep(Digit, 1, 2)], &[Rep(Digit, 4, 4)]]),
            ],
        ),
        SPACES,
        Group(8, &[Rep(Any, 1, MANY)]),
        End,
    ],
    groups: 8,
};

/// DOS system regex to parse list output:
/// `^(\d{2}\-\d{2}\-\d{2}\s+\d{2}:\d{2}\s*[AP]M)\s+(<DIR>)?([\d,]*)\s+(.+)$`
pub(crate) static DOS_LS_RE: Pattern = Pattern {
    nodes: &[
        Start,
        Group(
            1,
            &[
                Rep(Digit, 2, 2),
                Lit("-"),
                Rep(Digit, 2, 2),
                Lit("-"),
                Rep(Digit, 2, 2),
                SPACES,
                Rep(Digit, 2, 2),
                Lit(":"),
                Rep(Digit, 2, 2),
                Rep(Space, 0, MANY),
                Rep(OneOf("AP"), 1, 1),
                Lit("M"),
            ],
        ),
        SPACES,
        Opt(&[Group(2, &[Lit("<DIR>")])]),
        Group(3, &[Rep(OneOf("0123456789,"), 0, MANY)]),
        SPACES,
        Group(4, &[Rep(Any, 1, MANY)]),
        End,
    ],
    groups: 4,
};

#[cfg(test)]
mod test {

    use super::*;

    #[test]
    fn should_match_pasv_port() {
        let response = "227 Entering Passive Mode (213,229,112,130,216,4)";
        let caps = PASV_PORT_RE.captures(response).unwrap();
        let (oct1, oct2, oct3, oct4) = (
            caps[1].parse::<u8>().unwrap(),
            caps[2].parse::<u8>().unwrap(),
            caps[3].parse::<u8>().unwrap(),
            caps[4].parse::<u8>().unwrap(),
        );
        let (msb, lsb) = (caps[5].parse::<u8>().unwrap(), caps[6].parse::<u8>().unwrap());
        assert_eq!(oct1, 213);
        assert_eq!(oct2, 229);
        assert_eq!(oct3, 112);
        assert_eq!(oct4, 130);
        assert_eq!(msb, 216);
        assert_eq!(lsb, 4);
    }

    #[test]
    fn should_match_epsv_port() {
        let response = "Entering Extended Passive Mode (|||6446|)";
        let caps = EPSV_PORT_RE.captures(response).unwrap();
        let port = caps[1].parse::<u16>().unwrap();
        assert_eq!(port, 6446);
    }

    #[test]
    fn should_match_mdtm() {
        let response = "stocazzo 20230201111632 stocazzo";
        let caps = MDTM_RE.captures(response).unwrap();
        let year = caps[1].parse::<isize>().unwrap();
        let month = caps[2].parse::<isize>().unwrap();
        let day = caps[3].parse::<isize>().unwrap();
        let hour = caps[4].parse::<isize>().unwrap();
        let minute = caps[5].parse::<isize>().unwrap();
        let seconds = caps[6].parse::<isize>().unwrap();
        assert_eq!(year, 2023);
        assert_eq!(month, 2);
        assert_eq!(day, 1);
        assert_eq!(hour, 11);
        assert_eq!(minute, 16);
        assert_eq!(seconds, 32);
    }

    #[test]
    fn should_match_size() {
        let response = " 512 1024 2048";
        let caps = SIZE_RE.captures(response).unwrap();
        let size = caps[1].parse::<usize>().unwrap();
        assert_eq!(size, 2048);
    }

    #[test]
    fn should_not_match_pasv_port() {
        assert!(PASV_PORT_RE.captures("no passive mode here").is_none());
        assert!(PASV_PORT_RE.captures("227 Entering Passive Mode").is_none());
    }

    #[test]
    fn should_not_match_epsv_port() {
        assert!(EPSV_PORT_RE.captures("no extended passive mode here").is_none());
        assert!(EPSV_PORT_RE.captures("229 (||6446|)").is_none());
    }

    #[test]
    fn should_not_match_mdtm() {
        assert!(MDTM_RE.captures("no date here").is_none());
        assert!(MDTM_RE.captures("2023").is_none());
    }

    #[test]
    fn should_not_match_size() {
        assert!(SIZE_RE.captures("no digits here").is_none());
    }

    #[test]
    fn should_match_size_with_leading_code() {
        let response = "213 1024";
        let caps = SIZE_RE.captures(response).unwrap();
        let size = caps[1].parse::<usize>().unwrap();
        assert_eq!(size, 1024);
    }

    #[test]
    fn should_match_size_with_trailing_spaces() {
        let response = "213 512   ";
        let caps = SIZE_RE.captures(response).unwrap();
        let size = caps[1].parse::<usize>().unwrap();
        assert_eq!(size, 512);
    }

    #[test]
    fn should_match_pasv_with_trailing_dot() {
        // Some servers append a trailing dot after the closing parenthesis
        let response = "227 Entering Passive Mode (10,0,0,1,4,0).";
        let caps = PASV_PORT_RE.captures(response).unwrap();
        assert_eq!(caps[1].parse::<u8>().unwrap(), 10);
        assert_eq!(caps[2].parse::<u8>().unwrap(), 0);
        assert_eq!(caps[3].parse::<u8>().unwrap(), 0);
        assert_eq!(caps[4].parse::<u8>().unwrap(), 1);
        let port = (u16::from(caps[5].parse::<u8>().unwrap()) << 8) | u16::from(caps[6].parse::<u8>().unwrap());
        assert_eq!(port, 1024);
    }

    #[test]
    fn should_match_mdtm_at_start() {
        let response = "213 20210315120000";
        let caps = MDTM_RE.captures(response).unwrap();
        assert_eq!(caps[1].parse::<i32>().unwrap(), 2021);
        assert_eq!(caps[2].parse::<u32>().unwrap(), 3);
        assert_eq!(caps[3].parse::<u32>().unwrap(), 15);
        assert_eq!(caps[4].parse::<u32>().unwrap(), 12);
        assert_eq!(caps[5].parse::<u32>().unwrap(), 0);
        assert_eq!(caps[6].parse::<u32>().unwrap(), 0);
    }
}
