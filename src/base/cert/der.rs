//! A tiny DER reader for the few fields Loft reads back from its own certificates: the
//! issuer and subject names (to sign with a stored CA, and to tell its leaves from a
//! certificate someone else issued), the end of validity, and the subject alternative
//! names (to decide whether a leaf must be re-issued).
//!
//! rcgen can parse certificates only with its `x509-parser` feature, which brings a
//! general ASN.1 parser into a binary with a strict size budget on MIPS; these ~100 lines
//! read what is needed and nothing else. Anything unexpected is `None`, never a panic.

use std::net::IpAddr;

/// One DER element: `(tag, content, rest)`. Single-byte tags, lengths up to 4 bytes.
pub(crate) fn read(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, &b| (acc << 8) | b as usize);
        rest = &rest[n..];
        len
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// Reads an element that must have `tag`: `(content, whole element, rest)`.
fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8], &[u8])> {
    let (t, content, rest) = read(input)?;
    (t == tag).then(|| (content, &input[..input.len() - rest.len()], rest))
}

const SEQUENCE: u8 = 0x30;
/// id-ce-subjectAltName, 2.5.29.17.
const SAN_OID: &[u8] = &[0x55, 0x1d, 0x11];
/// id-at-commonName, 2.5.4.3.
const CN_OID: &[u8] = &[0x55, 0x04, 0x03];

/// A subject alternative name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum San {
    Dns(String),
    Ip(IpAddr),
}

/// What Loft reads from a certificate.
#[derive(Debug)]
pub(crate) struct CertInfo<'a> {
    /// The issuer's Name, the whole DER element.
    pub(crate) issuer: &'a [u8],
    /// The subject's Name, the whole DER element.
    pub(crate) subject: &'a [u8],
    /// The last day of validity (UTC).
    pub(crate) not_after: chrono::NaiveDate,
    pub(crate) sans: Vec<San>,
}

/// Reads a certificate (RFC 5280 §4.1).
pub(crate) fn certificate(der: &[u8]) -> Option<CertInfo<'_>> {
    let (cert, _, _) = expect(der, SEQUENCE)?;
    let (tbs, _, _) = expect(cert, SEQUENCE)?;
    let mut rest = tbs;
    if rest.first() == Some(&0xa0) {
        rest = read(rest)?.2; // version
    }
    rest = read(rest)?.2; // serialNumber
    rest = read(rest)?.2; // signature algorithm
    let (_, issuer, r) = expect(rest, SEQUENCE)?;
    let (validity, _, r) = expect(r, SEQUENCE)?;
    let (_, subject, r) = expect(r, SEQUENCE)?;
    let (_, _, mut rest) = expect(r, SEQUENCE)?; // subjectPublicKeyInfo
    let not_after = time(read(validity)?.2)?;
    let mut sans = Vec::new();
    while let Some((tag, content, r)) = read(rest) {
        rest = r;
        if tag != 0xa3 {
            continue; // issuerUniqueID, subjectUniqueID
        }
        let (mut exts, _, _) = expect(content, SEQUENCE)?;
        while let Some((ext, _, r)) = expect(exts, SEQUENCE) {
            exts = r;
            let (oid, _, mut e) = expect(ext, 0x06)?;
            if e.first() == Some(&0x01) {
                e = read(e)?.2; // critical
            }
            let (value, _, _) = expect(e, 0x04)?;
            if oid == SAN_OID {
                sans = alt_names(value)?;
            }
        }
    }
    Some(CertInfo { issuer, subject, not_after, sans })
}

/// GeneralNames: dNSName `[2]` and iPAddress `[7]`; other kinds are skipped.
fn alt_names(value: &[u8]) -> Option<Vec<San>> {
    let (mut names, _, _) = expect(value, SEQUENCE)?;
    let mut out = Vec::new();
    while let Some((tag, content, r)) = read(names) {
        names = r;
        match (tag, content.len()) {
            (0x82, _) => out.push(San::Dns(std::str::from_utf8(content).ok()?.to_string())),
            (0x87, 4) => out.push(San::Ip(IpAddr::from(<[u8; 4]>::try_from(content).ok()?))),
            (0x87, 16) => out.push(San::Ip(IpAddr::from(<[u8; 16]>::try_from(content).ok()?))),
            _ => {}
        }
    }
    Some(out)
}

/// UTCTime (`YYMMDDHHMMSSZ`, 1950–2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`): the day.
fn time(input: &[u8]) -> Option<chrono::NaiveDate> {
    let (tag, t, _) = read(input)?;
    let t = std::str::from_utf8(t).ok()?;
    let num = |s: &str| s.parse::<u32>().ok();
    let (year, md) = match tag {
        0x17 => {
            let yy = num(t.get(..2)?)? as i32;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, t.get(2..6)?)
        }
        0x18 => (num(t.get(..4)?)? as i32, t.get(4..8)?),
        _ => return None,
    };
    chrono::NaiveDate::from_ymd_opt(year, num(md.get(..2)?)?, num(md.get(2..)?)?)
}

/// The first commonName of a Name (a whole DER element), as text.
pub(crate) fn common_name(name: &[u8]) -> Option<String> {
    let (mut rdns, _, _) = expect(name, SEQUENCE)?;
    while let Some((set, _, r)) = expect(rdns, 0x31) {
        rdns = r;
        let (atv, _, _) = expect(set, SEQUENCE)?;
        let (oid, _, value) = expect(atv, 0x06)?;
        if oid == CN_OID {
            // UTF8String, PrintableString, IA5String, T61String: all ASCII-compatible here.
            return std::str::from_utf8(read(value)?.1).ok().map(str::to_string);
        }
    }
    None
}
