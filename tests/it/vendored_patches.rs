//! Loft's forks of libunftp, unftp-core, suppaftp and rustls are crates.io releases plus patch
//! series: vendor/NAME is the release named in vendor/NAME/patches/upstream with the
//! patches vendor/NAME/patches/NN-*.patch applied in order, rebuilt and compared by
//! vendor/regen.sh. vendor/libunftp/PATCHES.md is the one list of Loft's changes to
//! libunftp: item N is marked `Loft patch N` in the source and is the patch file NN.
//! These tests keep the tree, the series and the list in step, so that neither the count
//! nor the numbering nor the paths the list names can go stale.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `Loft patch N` in `text`, as (N, or None for a marker without a number).
fn marker_numbers(text: &str) -> Vec<Option<u32>> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("Loft patch") {
        rest = &rest[at + "Loft patch".len()..];
        let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
        found.push(digits.parse().ok());
    }
    found
}

fn markers(dir: &Path, found: &mut BTreeSet<u32>, unnumbered: &mut Vec<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            markers(&path, found, unnumbered);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(&path).unwrap();
            for (i, line) in text.lines().enumerate() {
                for n in marker_numbers(line) {
                    match n {
                        Some(n) => {
                            found.insert(n);
                        }
                        None => unnumbered.push(format!("{}:{}", path.display(), i + 1)),
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

fn patches_md() -> String {
    fs::read_to_string(root().join("vendor/libunftp/PATCHES.md")).unwrap()
}

#[test]
fn patches_md_matches_the_markers() {
    let dir = root().join("vendor/libunftp");
    let mut found = BTreeSet::new();
    let mut unnumbered = Vec::new();
    markers(&dir.join("src"), &mut found, &mut unnumbered);
    assert!(unnumbered.is_empty(), "`Loft patch` markers without a number: {unnumbered:?}");

    let list = listed(&patches_md());
    let expected: Vec<u32> = (1..=list.len() as u32).collect();
    assert_eq!(list, expected, "PATCHES.md must number its patches 1, 2, 3, … in order");

    let list: BTreeSet<u32> = list.into_iter().collect();
    let unlisted: Vec<_> = found.difference(&list).collect();
    let unmarked: Vec<_> = list.difference(&found).collect();
    assert!(unlisted.is_empty(), "marked in the source, not in PATCHES.md: {unlisted:?}");
    assert!(unmarked.is_empty(), "listed in PATCHES.md, no marker in the source: {unmarked:?}");
}

/// In every series, each file is NN-short-name.patch, and its commit subject starts with that
/// name (vendor/regen.sh --export names the file from it).
#[test]
fn patch_files_are_named_by_their_subject() {
    for entry in fs::read_dir(root().join("vendor")).unwrap() {
        let dir = entry.unwrap().path().join("patches");
        if !dir.join("upstream").exists() {
            continue;
        }
        for entry in fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let Some(stem) = name.strip_suffix(".patch") else { continue };
            let well_named = stem.len() > 3
                && stem[..2].chars().all(|c| c.is_ascii_digit())
                && stem.as_bytes()[2] == b'-'
                && stem[3..].chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            assert!(well_named, "{}/{name}: the name must be NN-short-name.patch", dir.display());
            let text = fs::read_to_string(dir.join(&name)).unwrap();
            assert!(
                text.contains(&format!("\nSubject: {stem}: ")),
                "{}/{name}: its Subject: must start with `{stem}: `",
                dir.display()
            );
        }
    }
}

/// Item N of PATCHES.md is vendor/libunftp/patches/NN-name.patch (00 drops the tests'
/// Cargo.toml entries), which adds markers of patch N and no other.
#[test]
fn one_patch_file_per_item() {
    let items = listed(&patches_md()).len() as u32;
    let dir = root().join("vendor/libunftp/patches");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".patch"))
        .collect();
    names.sort();
    let numbers: Vec<u32> = names.iter().map(|n| n[..2].parse().unwrap_or(u32::MAX)).collect();
    assert_eq!(
        numbers,
        (0..=items).collect::<Vec<_>>(),
        "patches/ must hold 00 and one NN-name.patch per item of PATCHES.md: {names:?}"
    );
    for (n, name) in numbers.into_iter().zip(&names) {
        let text = fs::read_to_string(dir.join(name)).unwrap();
        let mut added = BTreeSet::new();
        for line in text.lines().filter(|l| l.starts_with('+') && !l.starts_with("+++")) {
            for m in marker_numbers(line) {
                added.insert(m.unwrap_or_else(|| panic!("{name}: a `Loft patch` marker without a number: {line}")));
            }
        }
        let expected: BTreeSet<u32> = if n == 0 { BTreeSet::new() } else { [n].into() };
        assert_eq!(added, expected, "{name} must add the markers of patch {n} only");
    }
}

/// The files and tests that the four PATCHES.md name exist (`tests/it/FILE.rs::name`: that
/// file has that function); libunftp's says how many items it has right, and refers to no
/// patch past the last.
#[test]
fn paths_in_patches_md_exist() {
    let root = root();
    let mut missing = Vec::new();
    for name in ["libunftp", "unftp-core", "suppaftp", "rustls"] {
        let vendored = root.join("vendor").join(name);
        let text = fs::read_to_string(vendored.join("PATCHES.md")).unwrap();
        for span in text.split('`').skip(1).step_by(2) {
            let (path, function) = match span.split_once("::") {
                Some((p, f)) => (p, Some(f)),
                None => (span, None),
            };
            let named = ["tests/", "src/", "vendor/", "patches/"].iter().any(|p| path.starts_with(p));
            // `patches/NN-*.patch` and the like stand for a kind of file, not one.
            if !named || path.contains(char::is_whitespace) || path.contains('*') || path.contains("NN") {
                continue;
            }
            // src/ and patches/ are the vendored crate's; src/ may be Loft's own too.
            let Some(file) = [vendored.join(path), root.join(path)].into_iter().find(|p| p.exists()) else {
                missing.push(format!("vendor/{name}/PATCHES.md: `{span}`: no such file"));
                continue;
            };
            if let Some(function) = function {
                let source = fs::read_to_string(&file).unwrap();
                if !source.contains(&format!("fn {function}(")) {
                    missing.push(format!("vendor/{name}/PATCHES.md: `{span}`: no fn {function} in {path}"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "PATCHES.md names what is not there:\n{}", missing.join("\n"));

    let text = patches_md().replace('\n', " ");
    let items = listed(&patches_md()).len() as u32;
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    for pair in words.windows(3) {
        if pair[1] == "numbered" && pair[2].starts_with("items") {
            assert_eq!(
                pair[0].parse::<u32>().ok(),
                Some(items),
                "PATCHES.md says `{} numbered items`; it has {items}",
                pair[0]
            );
        }
        if pair[0] == "patch" || pair[0] == "patches" {
            let digits: Vec<u32> = pair[1]
                .split(['–', '-'])
                .map(|d| d.trim_end_matches(|c: char| !c.is_ascii_digit()))
                .filter_map(|d| d.parse().ok())
                .collect();
            for n in digits {
                assert!(n <= items, "PATCHES.md refers to `{} {}`, past its {items} items", pair[0], pair[1]);
            }
        }
    }
}

/// The release plus the series is, byte for byte, what vendor/ holds (vendor/regen.sh
/// --check, for every crate with a patches/upstream). It needs the releases in cargo's
/// cache, or crates.io to fetch them from: without either it is skipped on a developer's
/// machine, and fails under CI.
#[test]
fn release_plus_series_is_the_vendored_tree() {
    let out = Command::new("bash").arg(root().join("vendor/regen.sh")).arg("--check").output().expect("bash runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    match out.status.code() {
        Some(0) => {}
        // 3: a release is not in cargo's cache and could not be fetched from crates.io.
        Some(3) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "vendor/regen.sh --check could not fetch a release, and CI must:\n{text}"
            );
            eprintln!("SKIP: vendor/regen.sh --check could not fetch a release from crates.io:\n{text}");
        }
        _ => panic!("vendor/regen.sh --check: {}\n{text}", out.status),
    }
}
