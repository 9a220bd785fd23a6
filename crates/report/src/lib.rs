//! # copyexec-report
//!
//! Turns a [`ChainsDocument`] into the report a responder hands over: **one HTML file** that
//! opens from `file://` on an air-gapped laptop, fetches nothing, runs no script, prints one
//! chain per page, and cannot be turned against its reader by what an attacker wrote into the
//! logs. The CLI (`copyexec report`) and the browser app (**Export report**) both call
//! [`render`], so for the same document and [`ReportMeta`] they write the same bytes; the
//! creation time in the meta is the only thing a caller varies.
//!
//! - [`render`]: the page (summary, overview and per-chain SVG timelines, every chain's
//!   evidence, the query rows, ATT&CK techniques, chain of custody, settings, the KQL).
//! - [`parse_report`] / [`parse_report_meta`]: the embedded document and meta, read back, so
//!   the app can open a report it made.
//! - [`chains_csv`]: the chains for a spreadsheet, formula cells neutralised.
//! - [`sha256_hex`]: how inputs are hashed for the chain of custody, by both callers.
//! - [`timesketch_jsonl`] / [`timesketch_csv`]: every event of every chain as a Timesketch
//!   timeline (flat JSON lines or CSV).
//! - [`navigator_layer`]: the ATT&CK techniques the chains evidence, as a Navigator layer.
//!
//! ```
//! use copyexec_core::{load::{Loader, LoadOptions}, Dataset, Engine, Settings};
//! use copyexec_report::{render, parse_report, ReportMeta};
//!
//! let net = "Timestamp,DeviceId,DeviceName,RemoteIP,RemotePort,LocalPort,Protocol,LocalIP\n\
//!            2024-03-11T08:00:00Z,d1,host1,10.0.0.5,50000,445,Tcp,10.0.0.9\n";
//! let logon = "Timestamp,DeviceId,RemoteIP,AccountDomain,AccountName,LogonType\n\
//!              2024-03-11T08:00:01Z,d1,10.0.0.5,corp,alice,Network\n";
//! let file = "Timestamp,DeviceId,ActionType,InitiatingProcessFileName,FileName,FolderPath,ShareName\n\
//!             2024-03-11T08:00:02Z,d1,FileCreated,System,evil.exe,C:\\Windows\\evil.exe,ADMIN$\n";
//! let procs = "Timestamp,DeviceId,FolderPath,ProcessCommandLine,ProcessId\n\
//!              2024-03-11T08:00:03Z,d1,C:\\Windows\\evil.exe,evil.exe </script>,42\n";
//! let mut loader = Loader::new(LoadOptions::default());
//! for (name, text) in [("n.csv", net), ("l.csv", logon), ("f.csv", file), ("p.csv", procs)] {
//!     loader.add_input(name, None, text.as_bytes(), &mut |_| true).unwrap();
//! }
//! let doc = Engine::new(Dataset::new(loader.finish()), Settings::default()).document();
//!
//! let meta = ReportMeta { title: "Case 42".into(), created: "2024-03-12T09:00:00Z".into(), ..Default::default() };
//! let html = render(&doc, &meta);
//! assert!(html.contains(r#"<span class="num" data-testid="chain-count">1</span>"#));
//! assert!(!html.contains("evil.exe </script>"));
//! let back = parse_report(&html).unwrap();
//! assert_eq!(back.chains[0].start.key, doc.chains[0].start.key);
//! ```
//!
//! ## Wire format
//!
//! The report carries two data islands, `<script>` elements of a data type (never run):
//! `#copyexec-data` holds the chains document exactly as `copyexec chains --format json`
//! serializes it (compact), `#copyexec-report` the [`ReportMeta`]. Both are
//! `type="application/json"`, their JSON with `<`, `>` and `&` written as `\u003c`, `\u003e`,
//! `\u0026` — except a chains document over [`COMPRESS_ABOVE`] bytes, which is embedded as
//! `type="application/gzip+base64"`: the same JSON, gzip-compressed, in base64.
#![deny(missing_docs)]

pub mod attack;
mod csv;
mod html;
mod navigator;
mod story;
mod svg;
mod text;
mod time;
mod timesketch;

pub use crate::csv::{chains_csv, CSV_COLUMNS};
pub use crate::html::chain_rows;
pub use crate::navigator::{navigator_layer, ATTACK_VERSION, LAYER_VERSION, NAVIGATOR_VERSION};
pub use crate::story::{detailed_chains, DETAIL_CAP, DETAIL_PER_GROUP};
pub use crate::timesketch::{
    timesketch_csv, timesketch_jsonl, write_timesketch_csv, write_timesketch_jsonl,
    TIMESKETCH_COLUMNS,
};
pub use copyexec_core::ChainsDocument;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::{self, Read};

/// `id` of the element holding the chains document.
pub const DATA_ELEMENT_ID: &str = "copyexec-data";
/// `id` of the element holding the [`ReportMeta`].
pub const META_ELEMENT_ID: &str = "copyexec-report";

/// What the caller adds to the document: who, when, and the inputs' fingerprints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportMeta {
    /// Title (empty: "copyexec report").
    pub title: String,
    /// The analyst's notes, plain text; line breaks are kept.
    pub notes: String,
    /// When the report was made, as the caller writes it (RFC 3339 UTC by convention: see
    /// [`rfc3339_utc`]). The only value that differs between CLI and app for the same inputs.
    pub created: String,
    /// The inputs, in the document's input order (matched by name).
    pub inputs: Vec<InputMeta>,
}

/// An input file's identity for the chain of custody.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputMeta {
    /// As in the document's `inputs[].name`.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of its bytes, lower-case hex ([`sha256_hex`]).
    pub sha256: String,
}

/// The report page for `doc`.
pub fn render(doc: &ChainsDocument, meta: &ReportMeta) -> String {
    html::page(doc, meta)
}

/// SHA-256 of everything `reader` yields, as lower-case hex.
pub fn sha256_hex(mut reader: impl Read) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// `2024-03-11T08:00:14Z` for seconds since 1970: the creation time's conventional form.
pub fn rfc3339_utc(unix_seconds: i64) -> String {
    time::rfc3339_seconds(unix_seconds)
}

/// The `style-src` source allowing the report's stylesheet: `sha256-<base64>`.
pub fn css_hash() -> String {
    format!("sha256-{}", base64(&Sha256::digest(html::CSS.as_bytes())))
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `bytes` gzip-compressed (best compression: a report is written once, read many times), in
/// base64.
fn gzip_base64(bytes: &[u8]) -> String {
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = gz.write_all(bytes);
    base64(&gz.finish().unwrap_or_default())
}

/// Above this size (bytes of JSON), the chains document is embedded gzip-compressed.
pub const COMPRESS_ABOVE: usize = 1 << 20;

/// At most this many bytes of JSON are read back from a compressed island: a report is
/// attacker-reachable input to the app, and a small island must not inflate without bound.
pub const MAX_DOCUMENT_BYTES: u64 = 1 << 30;

/// Why a report could not be read back.
#[derive(Debug)]
#[non_exhaustive]
pub enum ParseError {
    /// No data island with the expected id: not a copyexec report.
    NoData(&'static str),
    /// The island is not valid JSON of the expected shape.
    Json(serde_json::Error),
    /// A chains document of a schema this version does not read.
    Schema(String),
    /// The compressed island is not valid base64 or gzip, or inflates beyond
    /// [`MAX_DOCUMENT_BYTES`].
    Compressed(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NoData(id) => write!(
                f,
                "not a copyexec report: no <script type=\"application/json\" id=\"{id}\"> element"
            ),
            ParseError::Json(e) => write!(f, "the report's embedded data is damaged: {e}"),
            ParseError::Compressed(why) => {
                write!(f, "the report's embedded data is damaged: {why}")
            }
            ParseError::Schema(s) => write!(
                f,
                "the report holds a chains document of schema {s:?}; this version reads {:?}",
                copyexec_core::document::CHAINS_SCHEMA
            ),
        }
    }
}

impl std::error::Error for ParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ParseError::Json(e) => Some(e),
            _ => None,
        }
    }
}

/// The text of the data island `id` of type `kind`, if there is one.
fn island_of<'a>(html: &'a str, kind: &str, id: &str) -> Option<&'a str> {
    let open = format!("<script type=\"{kind}\" id=\"{id}\">");
    let start = html.find(&open)? + open.len();
    let len = html[start..].find("</script>")?;
    Some(&html[start..start + len])
}

/// The JSON text of the data island `id`.
fn island<'a>(html: &'a str, id: &'static str) -> Result<&'a str, ParseError> {
    island_of(html, "application/json", id).ok_or(ParseError::NoData(id))
}

/// The chains document's JSON as embedded: plain, or gzip-compressed and base64-encoded.
fn document_json(html: &str) -> Result<std::borrow::Cow<'_, str>, ParseError> {
    if let Some(json) = island_of(html, "application/json", DATA_ELEMENT_ID) {
        return Ok(json.into());
    }
    let b64 = island_of(html, GZIP_ISLAND_TYPE, DATA_ELEMENT_ID)
        .ok_or(ParseError::NoData(DATA_ELEMENT_ID))?;
    use base64::Engine as _;
    let gz = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| ParseError::Compressed(format!("not base64: {e}")))?;
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut json)
        .map_err(|e| ParseError::Compressed(format!("not gzip: {e}")))?;
    if json.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(ParseError::Compressed(format!(
            "it inflates to more than {MAX_DOCUMENT_BYTES} bytes"
        )));
    }
    String::from_utf8(json)
        .map(Into::into)
        .map_err(|e| ParseError::Compressed(format!("not UTF-8: {e}")))
}

/// The `type` of the compressed data island.
pub const GZIP_ISLAND_TYPE: &str = "application/gzip+base64";

/// The chains document embedded in a report made by [`render`]. Event `ticks` (not part of
/// the serialized document) read back as 0; everything serialized reads back equal.
pub fn parse_report(html: &str) -> Result<ChainsDocument, ParseError> {
    let json = document_json(html)?;
    #[derive(Deserialize)]
    struct Schema {
        schema: String,
    }
    let Schema { schema } = serde_json::from_str(&json).map_err(ParseError::Json)?;
    if schema != copyexec_core::document::CHAINS_SCHEMA {
        return Err(ParseError::Schema(schema));
    }
    serde_json::from_str(&json).map_err(ParseError::Json)
}

/// The [`ReportMeta`] embedded in a report made by [`render`].
pub fn parse_report_meta(html: &str) -> Result<ReportMeta, ParseError> {
    serde_json::from_str(island(html, META_ELEMENT_ID)?).map_err(ParseError::Json)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod export_tests;
