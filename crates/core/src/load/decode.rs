//! Peeling a stream down to text: gzip, zip members, byte-order marks.
//!
//! The layers found while loading are recorded, so the same stream can be opened again to
//! read the evidence of matched rows.

use flate2::read::MultiGzDecoder;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Cursor, Read};

/// One layer between the input's bytes and the text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Layer {
    /// gzip (one or more members).
    Gzip,
    /// A member of a zip archive, by name.
    ZipMember(String),
    /// A UTF-8 byte-order mark, dropped.
    Utf8Bom,
    /// UTF-16 text (little-endian when true), converted to UTF-8.
    Utf16 {
        /// Little-endian.
        le: bool,
    },
}

/// What the first bytes of a stream are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Magic {
    /// gzip.
    Gzip,
    /// zip.
    Zip,
    /// UTF-8 BOM.
    Utf8Bom,
    /// UTF-16 BOM.
    Utf16 {
        /// Little-endian.
        le: bool,
    },
    /// A Windows event log file.
    Evtx,
    /// Something binary that is no export.
    Binary(&'static str),
    /// Text.
    Text,
}

/// Sniffs the first bytes.
pub fn magic(head: &[u8]) -> Magic {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF", "a PDF document"),
        (b"MZ", "a Windows executable"),
        (b"\x7fELF", "an ELF executable"),
        (b"SQLite format 3", "an SQLite database"),
        (b"PAR1", "a Parquet file"),
        (b"\xd0\xcf\x11\xe0", "an old Office document"),
        (b"7z\xbc\xaf", "a 7-Zip archive"),
        (b"Rar!", "a RAR archive"),
        (b"BZh", "a bzip2 stream"),
        (b"\x28\xb5\x2f\xfd", "a zstd stream"),
    ];
    if head.starts_with(&[0x1f, 0x8b]) {
        return Magic::Gzip;
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Magic::Zip;
    }
    if head.starts_with(&[0xef, 0xbb, 0xbf]) {
        return Magic::Utf8Bom;
    }
    if head.starts_with(&[0xff, 0xfe]) {
        return Magic::Utf16 { le: true };
    }
    if head.starts_with(&[0xfe, 0xff]) {
        return Magic::Utf16 { le: false };
    }
    if head.starts_with(b"ElfFile\0") {
        return Magic::Evtx;
    }
    for (sig, what) in SIGNATURES {
        if head.starts_with(sig) {
            return Magic::Binary(what);
        }
    }
    let sample = &head[..head.len().min(8192)];
    if sample.contains(&0) {
        return Magic::Binary("binary data (it contains NUL bytes)");
    }
    Magic::Text
}

/// Converts UTF-16 to UTF-8; unpaired surrogates become U+FFFD. Returns the text and how many
/// replacements were made.
pub fn utf16_to_utf8(bytes: &[u8], le: bool) -> (String, usize) {
    let units = bytes.chunks_exact(2).map(|c| {
        if le {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    let mut bad = 0;
    let s = char::decode_utf16(units)
        .map(|r| {
            r.unwrap_or_else(|_| {
                bad += 1;
                char::REPLACEMENT_CHARACTER
            })
        })
        .collect();
    (s, bad)
}

/// Opens a stream again through `layers`, from the input's raw bytes.
pub fn reopen<'a>(
    raw: Box<dyn Read + 'a>,
    layers: &[Layer],
) -> Result<Box<dyn Read + 'a>, super::RereadError> {
    let mut r: Box<dyn Read + 'a> = raw;
    for layer in layers {
        r = match layer {
            Layer::Gzip => Box::new(MultiGzDecoder::new(BufReader::new(r))),
            Layer::ZipMember(name) => {
                let mut all = Vec::new();
                r.read_to_end(&mut all)?;
                let mut zip = zip::ZipArchive::new(Cursor::new(all))?;
                let mut member = zip.by_name(name)?;
                let mut out = Vec::new();
                member.read_to_end(&mut out)?;
                Box::new(Cursor::new(out))
            }
            Layer::Utf8Bom => {
                let mut b = BufReader::new(r);
                if b.fill_buf()?.starts_with(&[0xef, 0xbb, 0xbf]) {
                    b.consume(3);
                }
                Box::new(b)
            }
            Layer::Utf16 { le } => {
                let mut all = Vec::new();
                r.read_to_end(&mut all)?;
                let (s, _) = utf16_to_utf8(all.get(2..).unwrap_or(&[]), *le);
                Box::new(Cursor::new(s.into_bytes()))
            }
        };
    }
    Ok(r)
}
