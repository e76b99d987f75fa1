//! vendor/libunftp/PATCHES.md is the one list of Loft's changes to libunftp: every
//! `Loft patch N` marker in vendor/libunftp/src must be listed there, and every patch
//! listed there must be marked in the source, so the count and numbering cannot go stale.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

fn markers(dir: &Path, found: &mut BTreeSet<u32>, unnumbered: &mut Vec<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            markers(&path, found, unnumbered);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).unwrap();
            for (i, line) in text.lines().enumerate() {
                let mut rest = line;
                while let Some(at) = rest.find("Loft patch") {
                    rest = &rest[at + "Loft patch".len()..];
                    let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
                    match digits.parse() {
                        Ok(n) => {
                            found.insert(n);
                        }
                        Err(_) => unnumbered.push(format!("{}:{}", path.display(), i + 1)),
                    }
                }
            }
        }
    }
}

/// The numbers of PATCHES.md's list: lines that start with `N. `.
fn listed(text: &str) -> Vec<u32> {
    text.lines()
        .filter_map(|line| {
            let (n, _) = line.split_once(". ")?;
            n.parse().ok()
        })
        .collect()
}

#[test]
fn patches_md_matches_the_markers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor/libunftp");
    let mut found = BTreeSet::new();
    let mut unnumbered = Vec::new();
    markers(&root.join("src"), &mut found, &mut unnumbered);
    assert!(unnumbered.is_empty(), "`Loft patch` markers without a number: {unnumbered:?}");

    let list = listed(&fs::read_to_string(root.join("PATCHES.md")).unwrap());
    let expected: Vec<u32> = (1..=list.len() as u32).collect();
    assert_eq!(list, expected, "PATCHES.md must number its patches 1, 2, 3, … in order");

    let list: BTreeSet<u32> = list.into_iter().collect();
    let unlisted: Vec<_> = found.difference(&list).collect();
    let unmarked: Vec<_> = list.difference(&found).collect();
    assert!(unlisted.is_empty(), "marked in the source, not in PATCHES.md: {unlisted:?}");
    assert!(unmarked.is_empty(), "listed in PATCHES.md, no marker in the source: {unmarked:?}");
}
