//! The patterns of the patched suppaftp (vendor/suppaftp/src/regex.rs, matched without the
//! regex crate) give the same matches and groups as the regular expressions they replace,
//! on the replies they are for and on many random variations of them. The file's own
//! unit tests run here too.

#![allow(dead_code)]
#[path = "../../vendor/suppaftp/src/regex.rs"]
mod ours;
use regex::Regex;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn check(name: &str, re: &str, ours: &ours::Pattern, pieces: &[&str], seeds: &[&str], rng: &mut Rng, n: usize) {
    let re = Regex::new(re).unwrap();
    let mut hits = 0;
    let mut inputs: Vec<String> = seeds.iter().map(|s| s.to_string()).collect();
    for _ in 0..n {
        // mutate a seed or build from pieces
        let mut s = String::new();
        if rng.next().is_multiple_of(2) {
            let base = rng.pick(seeds).to_string();
            let chars: Vec<char> = base.chars().collect();
            let cut = (rng.next() as usize) % (chars.len() + 1);
            let cut2 = cut + (rng.next() as usize) % (chars.len() + 1 - cut);
            s.extend(&chars[..cut]);
            for _ in 0..rng.next() % 3 {
                s.push_str(rng.pick(pieces));
            }
            s.extend(&chars[cut2..]);
        } else {
            for _ in 0..rng.next() % 12 {
                s.push_str(rng.pick(pieces));
            }
        }
        inputs.push(s);
    }
    for s in &inputs {
        let a = re.captures(s);
        let b = ours.captures(s);
        match (&a, &b) {
            (None, None) => {}
            (Some(a), Some(b)) => {
                hits += 1;
                assert_eq!(a.len(), b.len(), "{name} {s:?}");
                for i in 0..a.len() {
                    let x = a.get(i).map(|m| m.as_str());
                    let y = b.get(i).map(|m| m.as_str());
                    assert_eq!(x, y, "{name} group {i} on {s:?}");
                }
            }
            _ => panic!("{name}: {s:?}: regex {:?} vs ours {:?}", a.is_some(), b.is_some()),
        }
    }
    println!("{name}: {} inputs, {hits} matches, all agree", inputs.len());
}

#[test]
fn same_matches_as_the_regex_crate() {
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let n = 20_000;
    check(
        "PASV",
        r"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)",
        &ours::PASV_PORT_RE,
        &["(", ")", ",", "1", "23", "255", " ", "a", "((", "1,2,3,4,5,6"],
        &["227 Entering Passive Mode (213,229,112,130,216,4)", "(1,2,3,4,5,6)", "x (1,2,(3,4,5,6,7,8) y"],
        &mut rng,
        n,
    );
    check(
        "EPSV",
        r"\(\|\|\|(\d+)\|\)",
        &ours::EPSV_PORT_RE,
        &["(", ")", "|", "6446", "1", " ", "(|||", "|)"],
        &["Entering Extended Passive Mode (|||6446|)", "229 (|||1|) (|||22|)"],
        &mut rng,
        n,
    );
    check(
        "MDTM",
        r"\b(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\b",
        &ours::MDTM_RE,
        &["2023", "02", "1", "0", " ", "x", "_", "é", "-", ".", "20230201111632"],
        &["213 20210315120000", "stocazzo 20230201111632 stocazzo", "213 202103151200001 20210315120000.5"],
        &mut rng,
        n,
    );
    check(
        "SIZE",
        r"\s+(\d+)\s*$",
        &ours::SIZE_RE,
        &["213", " ", "\t", "\n", "12", "x", "\r\n", "\u{a0}"],
        &["213 1234", "213 12 34  ", "213 99\r\n", "213  7 \n"],
        &mut rng,
        n,
    );
    check(
        "POSIX",
        r#"^([\-ld])([\-rwxsStT]{9})\s+(\d+)\s+([^ ]+)\s+([^ ]+)\s+(\d+)\s+([^ ]+\s+\d{1,2}\s+(?:\d{1,2}:\d{1,2}|\d{4}))\s+(.+)$"#,
        &ours::POSIX_LS_RE,
        &[
            "-", "d", "l", "rwx", "r-x", "sStT", " ", "  ", "\t", "1", "123", "root", "Nov", "5", "13:46", "2020",
            "a b", "x.txt", "->", "\n",
        ],
        &[
            "-rw-r--r-- 1 user group 1234 Nov 5 13:46 example.txt",
            "drwxr-xr-x  2 0 0 4096 Jan 12 2020 my dir",
            "lrwxrwxrwx 1 a b 7 Dec 31 23:59 l -> t",
            "-rw-r--r-- 1 user group 1234 Nov 5 13:46 12 34 2020 x y",
            "-rwsr-sr-T\t1\tu\tg\t1\tNov\t5\t1:4\tf",
        ],
        &mut rng,
        n,
    );
    check(
        "DOS",
        r#"^(\d{2}\-\d{2}\-\d{2}\s+\d{2}:\d{2}\s*[AP]M)\s+(<DIR>)?([\d,]*)\s+(.+)$"#,
        &ours::DOS_LS_RE,
        &["10", "-", ":", " ", "AM", "PM", "<DIR>", "1,234", "403", "x.txt", "  ", "\n"],
        &[
            "10-19-20  03:19PM <DIR> pub",
            "04-08-14  03:09PM 403   readme.txt",
            "04-08-14 03:09 AM  1,234,567 big file.bin",
            "04-08-14 03:09AM <DIR>   ",
        ],
        &mut rng,
        n,
    );
}
