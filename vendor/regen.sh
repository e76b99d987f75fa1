#!/usr/bin/env bash
# Loft's forks of crates.io crates, kept as patch series.
#
# vendor/NAME is a crates.io release (named, with its sha256 and the paths left out, in
# vendor/NAME/patches/upstream) plus the patches vendor/NAME/patches/NN-*.patch applied
# in order. This script rebuilds vendor/NAME from the release and the series:
#
#   vendor/regen.sh --check [NAME...]    release + series == vendor/NAME? (a diff if not)
#   vendor/regen.sh --write [NAME...]    write release + series over vendor/NAME
#   vendor/regen.sh --git DIR NAME       DIR: a git repository of release + series, branch
#                                        `upstream` (the release) and `loft` (one commit a patch)
#   vendor/regen.sh --upstream DIR NAME VERSION
#                                        add crates.io release VERSION to DIR's `upstream`
#                                        branch, for `git rebase upstream loft`
#   vendor/regen.sh --export DIR NAME    write DIR's upstream..loft back as the series (and
#                                        the release in patches/upstream)
#
# NAME: a folder of vendor/ with patches/upstream (default: every such folder).
# The .crate is taken from cargo's download cache ($CARGO_HOME/registry/cache), and
# fetched into it with `cargo fetch` (crates.io) if it is not there yet; nothing else is
# needed but cargo, git, tar and sha256sum.
#
# Exit status: 0 all good; 1 vendor/NAME differs from release + series; 2 usage; 3 the
# release could not be fetched; 4 anything else (a patch that does not apply, a wrong
# checksum, a bad patches/upstream).
set -euo pipefail

VENDOR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CARGO=${CARGO:-cargo}
REGISTRY_CACHE=${CARGO_HOME:-$HOME/.cargo}/registry/cache
# Commits made here get a fixed identity and date, and git's own configuration is left
# out, so that the same series gives the same repository and the same patch files.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=Loft GIT_AUTHOR_EMAIL=loft@invalid GIT_AUTHOR_DATE='2000-01-01T00:00:00+0000'
export GIT_COMMITTER_NAME=Loft GIT_COMMITTER_EMAIL=loft@invalid GIT_COMMITTER_DATE='2000-01-01T00:00:00+0000'

die() {
    local code=$1
    shift
    echo "regen.sh: $*" >&2
    exit "$code"
}

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
}

# read_upstream NAME: sets CRATE, VERSION, SHA256, DROPS and LOCALS from
# vendor/NAME/patches/upstream.
read_upstream() {
    local file=$VENDOR/$1/patches/upstream key a b
    [ -f "$file" ] || die 4 "$file: missing"
    CRATE='' VERSION='' SHA256='' DROPS=() LOCALS=()
    while read -r key a b; do
        case $key in
        '' | '#'*) ;;
        crate) CRATE=$a VERSION=$b ;;
        sha256) SHA256=$a ;;
        drop) DROPS+=("$a") ;;
        local) LOCALS+=("$a") ;;
        *) die 4 "$file: unknown line '$key $a $b'" ;;
        esac
    done <"$file"
    [[ -n $CRATE && -n $VERSION && -n $SHA256 ]] || die 4 "$file: needs crate NAME VERSION and sha256"
}

# crate_file NAME VERSION: prints the path of the .crate in cargo's cache, fetching it first
# if needed.
crate_file() {
    local name=$1 version=$2 found tmp host
    found=$(find_cached "$name" "$version")
    if [ -z "$found" ]; then
        tmp=$(mktemp -d)
        mkdir "$tmp/src"
        : >"$tmp/src/lib.rs"
        printf '[package]\nname = "loft-vendor-fetch"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n%s = { version = "=%s", default-features = false }\n\n[workspace]\n' \
            "$name" "$version" >"$tmp/Cargo.toml"
        host=$("${RUSTC:-rustc}" -vV 2>/dev/null | sed -n 's/^host: //p') || true
        # cargo fetch downloads the crate and its dependencies (for this platform only).
        if ! "$CARGO" fetch --quiet --manifest-path "$tmp/Cargo.toml" ${host:+--target "$host"} >"$tmp/log" 2>&1; then
            sed 's/^/  /' "$tmp/log" >&2
            rm -rf "$tmp"
            die 3 "could not fetch $name $version from crates.io (cargo fetch failed)"
        fi
        rm -rf "$tmp"
        found=$(find_cached "$name" "$version")
        [ -n "$found" ] || die 3 "cargo fetch did not leave $name-$version.crate under $REGISTRY_CACHE"
    fi
    echo "$found"
}

find_cached() {
    local f
    for f in "$REGISTRY_CACHE"/*/"$1-$2.crate"; do
        if [ -f "$f" ]; then
            echo "$f"
            return 0
        fi
    done
    return 0
}

# unpack CRATE_FILE DIR: the release's files in DIR, without the dropped paths.
unpack() {
    local file=$1 dir=$2 p
    mkdir -p "$dir"
    tar -xzf "$file" -C "$dir" --strip-components=1 --no-same-owner
    for p in "${DROPS[@]}"; do
        case $p in /* | *..*) die 4 "drop $p: a path inside the crate, please" ;; esac
        if [ -e "$dir/$p" ]; then
            rm -rf "${dir:?}/$p"
        else
            echo "regen.sh: note: drop $p: not in $(basename "$file")" >&2
        fi
    done
}

# make_repo NAME DIR: DIR becomes a git repository: branch upstream, the release; branch
# loft (checked out), a commit for each patch of vendor/NAME/patches, in order.
make_repo() {
    local name=$1 dir=$2 file sum p
    read_upstream "$name"
    file=$(crate_file "$CRATE" "$VERSION")
    sum=$(sha256sum "$file" | cut -d' ' -f1)
    [ "$sum" = "$SHA256" ] || die 4 "$file: sha256 $sum, but patches/upstream says $SHA256"
    unpack "$file" "$dir"
    git -C "$dir" init -q -b upstream
    git -C "$dir" add -A -f
    git -C "$dir" commit -q -m "$CRATE $VERSION from crates.io" -m "sha256 $SHA256"
    git -C "$dir" checkout -q -b loft
    for p in "$VENDOR/$name"/patches/[0-9][0-9]-*.patch; do
        [ -f "$p" ] || continue
        if ! git -C "$dir" am -q -k --keep-cr --whitespace=nowarn "$p" >&2; then
            die 4 "vendor/$name/patches/$(basename "$p") does not apply to what the patches before it made (vendor/regen.sh --git DIR $name stops there too, for a look)"
        fi
    done
}

is_local() {
    local path=${1#./} l
    for l in "${LOCALS[@]}"; do
        case $path in "$l" | "$l"/*) return 0 ;; esac
    done
    return 1
}

# files DIR [local]: the files (and links) under DIR, sorted; with `local`, without
# vendor/NAME's own files.
files() {
    local f
    (cd "$1" && find . -path ./.git -prune -o \( -type f -o -type l \) -print) | LC_ALL=C sort | while read -r f; do
        if [ "${2:-}" = local ] && is_local "$f"; then continue; fi
        echo "${f#./}"
    done
}

# compare NAME BUILT: whether vendor/NAME is what BUILT holds; a summary of what differs.
compare() {
    local name=$1 built=$2 f bad=0 shown=0 lists
    lists=$(dirname "$built")
    files "$VENDOR/$name" local >"$lists/ours"
    files "$built" >"$lists/theirs"
    while read -r f; do
        bad=1
        echo "  only in vendor/$name: $f"
    done < <(LC_ALL=C comm -23 "$lists/ours" "$lists/theirs")
    while read -r f; do
        bad=1
        echo "  missing from vendor/$name: $f"
    done < <(LC_ALL=C comm -13 "$lists/ours" "$lists/theirs")
    while read -r f; do
        if ! cmp -s "$VENDOR/$name/$f" "$built/$f"; then
            bad=1
            echo "  differs: vendor/$name/$f"
            if [ "$shown" -lt 5 ]; then
                shown=$((shown + 1))
                diff -u --label "release+series/$f" --label "vendor/$name/$f" "$built/$f" "$VENDOR/$name/$f" | head -n 40 | sed 's/^/    /' || true
            fi
        fi
    done < <(LC_ALL=C comm -12 "$lists/ours" "$lists/theirs")
    return "$bad"
}

# write NAME BUILT: vendor/NAME becomes BUILT (its own files kept).
write() {
    local name=$1 built=$2 e
    for e in "$VENDOR/$name"/* "$VENDOR/$name"/.[!.]* "$VENDOR/$name"/..?*; do
        [ -e "$e" ] || [ -L "$e" ] || continue
        is_local "$(basename "$e")" || rm -rf "$e"
    done
    tar -C "$built" --exclude=./.git -cf - . | tar -C "$VENDOR/$name" -xf -
}

plural() {
    if [ "$1" = 1 ]; then echo "1 $2"; else echo "$1 $2es"; fi
}

crates() {
    local d
    for d in "$VENDOR"/*/patches/upstream; do
        d=${d%/patches/upstream}
        basename "$d"
    done
}

check_or_write() {
    local mode=$1 name tmp status=0 count rc
    shift
    local -a names=("$@")
    [ ${#names[@]} -gt 0 ] || mapfile -t names < <(crates)
    for name in "${names[@]}"; do
        [ -f "$VENDOR/$name/patches/upstream" ] || die 2 "vendor/$name/patches/upstream: no such file"
        tmp=$(mktemp -d)
        # In a subshell, so that its exit (die) comes back here to clean up; errexit is
        # set again inside, as bash ignores it in a command whose status is tested.
        set +e
        (
            set -e
            make_repo "$name" "$tmp/tree"
        )
        rc=$?
        set -e
        if [ "$rc" != 0 ]; then
            rm -rf "$tmp"
            exit "$rc"
        fi
        read_upstream "$name"
        count=$(git -C "$tmp/tree" rev-list --count upstream..loft)
        if [ "$mode" = write ]; then
            write "$name" "$tmp/tree"
            echo "vendor/$name: written ($CRATE $VERSION + $(plural "$count" patch))"
        elif compare "$name" "$tmp/tree"; then
            echo "vendor/$name: ok ($CRATE $VERSION + $(plural "$count" patch))"
        else
            echo "vendor/$name: differs from $CRATE $VERSION + its $(plural "$count" patch) (vendor/regen.sh --write would make it so)"
            status=1
        fi
        rm -rf "$tmp"
    done
    return "$status"
}

# add_upstream DIR NAME VERSION: the release VERSION as a new commit on DIR's upstream branch.
add_upstream() {
    local dir=$1 name=$2 version=$3 file sum
    read_upstream "$name"
    file=$(crate_file "$CRATE" "$version")
    sum=$(sha256sum "$file" | cut -d' ' -f1)
    git -C "$dir" diff --quiet HEAD || die 4 "$dir: uncommitted changes"
    git -C "$dir" checkout -q upstream
    find "$dir" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
    unpack "$file" "$dir"
    git -C "$dir" add -A -f
    git -C "$dir" commit -q --allow-empty -m "$CRATE $version from crates.io" -m "sha256 $sum"
    git -C "$dir" checkout -q loft
    echo "$dir: branch upstream is now $CRATE $version. Next: git -C $dir rebase upstream loft"
    echo "(fix what conflicts, git rebase --continue), then: vendor/regen.sh --export $dir $name"
}

# export DIR NAME: upstream..loft as vendor/NAME/patches/NN-*.patch, and the release named in
# patches/upstream.
export_series() {
    local dir=$1 name=$2 c subject slug release version sum n=0 upstream_file
    read_upstream "$name"
    git -C "$dir" diff --quiet HEAD || die 4 "$dir: uncommitted changes"
    release=$(git -C "$dir" log -1 --format=%s upstream)
    sum=$(git -C "$dir" log -1 --format=%b upstream | sed -n 's/^sha256 //p')
    version=${release#"$CRATE "}
    version=${version%" from crates.io"}
    [[ -n $sum && $version != "$release" ]] || die 4 "$dir: branch upstream is not a release made by this script"
    for c in $(git -C "$dir" rev-list --reverse upstream..loft); do
        subject=$(git -C "$dir" log -1 --format=%s "$c")
        slug=${subject%%:*}
        [[ $slug =~ ^[0-9][0-9]-[a-z0-9-]+$ ]] || die 4 "commit $c: its subject must start 'NN-short-name: ', not '$subject'"
        n=$((n + 1))
    done
    rm -f "$VENDOR/$name"/patches/[0-9][0-9]-*.patch
    for c in $(git -C "$dir" rev-list --reverse upstream..loft); do
        subject=$(git -C "$dir" log -1 --format=%s "$c")
        git -C "$dir" format-patch -1 --stdout -k --zero-commit --no-signature --full-index \
            --no-renames --diff-algorithm=myers "$c" >"$VENDOR/$name/patches/${subject%%:*}.patch"
    done
    upstream_file=$VENDOR/$name/patches/upstream
    sed -i -e "s/^crate .*/crate $CRATE $version/" -e "s/^sha256 .*/sha256 $sum/" "$upstream_file"
    echo "vendor/$name/patches: $(plural "$n" patch) on $CRATE $version. Next: vendor/regen.sh --write $name"
}

[ $# -gt 0 ] || usage
case $1 in
--check | --write)
    mode=${1#--}
    shift
    check_or_write "$mode" "$@"
    ;;
--git)
    [ $# -eq 3 ] || usage
    [ ! -e "$2" ] || die 2 "$2 exists already"
    make_repo "$3" "$2"
    echo "$2: $CRATE $VERSION (branch upstream) + $(plural "$(git -C "$2" rev-list --count upstream..loft)" patch) (branch loft)"
    ;;
--upstream)
    [ $# -eq 4 ] || usage
    add_upstream "$2" "$3" "$4"
    ;;
--export)
    [ $# -eq 3 ] || usage
    export_series "$2" "$3"
    ;;
*) usage ;;
esac
