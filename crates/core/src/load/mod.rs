//! Loading exports: recognise each file from its content, read the rows the hunt needs, and
//! say what was read, assumed and dropped.
//!
//! [`Loader::add_input`] takes any reader (a file, a browser `Blob`, bytes in memory), so the
//! same code runs natively and in WebAssembly. Inputs may be plain, gzip or zip (nested too).

pub(crate) mod csv;
pub mod decode;
pub(crate) mod ingest;
pub(crate) mod json;
pub mod limits;
pub(crate) mod lines;

pub use ingest::{StampStats, TableStats};
pub use limits::Limits;

use crate::diag::{Diagnostic, DiagnosticKind, Diagnostics, Severity};
use crate::schema::Table;
use crate::store::{Access, FileEvent, Loc, LogonEvent, NetEvent, ProcEvent, Store, Sym};
use crate::time::{format_offset, DateOrder, DateOrderProblem, Precision};
use decode::{magic, utf16_to_utf8, Layer, Magic};
use ingest::{StreamState, PENDING};
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Cursor, Read};

/// Export formats recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Defender portal Advanced Hunting CSV, older style (ISO 8601 UTC timestamps).
    PortalCsv,
    /// Defender portal Advanced Hunting CSV, newer style (BOM, CRLF, locale timestamps).
    PortalCsvNew,
    /// Sentinel / Log Analytics "Export to CSV".
    SentinelCsv,
    /// Advanced Hunting API or Graph `runHuntingQuery` JSON.
    HuntingApiJson,
    /// Streaming API records (storage blobs or Event Hub messages).
    StreamingJson,
    /// Rows as JSON objects, one per line or in an array.
    JsonRows,
    /// Windows event log file (Security, Sysmon).
    Evtx,
    /// Windows events as flattened JSON lines.
    WindowsEventJson,
}

impl Format {
    /// Human wording.
    pub fn describe(self) -> &'static str {
        match self {
            Format::PortalCsv => "Defender portal CSV",
            Format::PortalCsvNew => "Defender portal CSV (newer export, with BOM)",
            Format::SentinelCsv => "Sentinel / Log Analytics CSV",
            Format::HuntingApiJson => "Advanced Hunting API JSON",
            Format::StreamingJson => "Streaming API JSON",
            Format::JsonRows => "JSON rows",
            Format::Evtx => "Windows event log (EVTX)",
            Format::WindowsEventJson => "Windows events as JSON lines",
        }
    }
}

/// How to read a stream's rows again.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum StreamKind {
    /// CSV with these headers.
    Csv {
        /// Field delimiter.
        delimiter: u8,
        /// Header row.
        headers: Vec<String>,
    },
    /// One JSON value per line.
    JsonLines,
    /// One JSON document.
    JsonDocument,
    /// An EVTX file; rows are records by ordinal.
    Evtx,
}

/// A stream: one input file, or one member of an archive.
#[derive(Clone, Debug)]
pub struct StreamInfo {
    /// Index of the input it came from.
    pub input: u32,
    /// Display name (`exports.zip › logons.csv`).
    pub name: String,
    /// What lies between the input's bytes and the text.
    pub layers: Vec<Layer>,
    /// How its rows are laid out, when it was read.
    pub kind: Option<StreamKind>,
    /// Resolution of its timestamps.
    pub precision: Precision,
    /// Whether it holds Windows events (Security, Sysmon) rather than Defender rows.
    pub windows_log: bool,
}

/// Timestamps of a stream as found.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TimestampReport {
    /// Forms seen and counts.
    pub styles: BTreeMap<String, u64>,
    /// Coarsest resolution seen.
    pub resolution: Option<String>,
    /// Where the time zone came from.
    pub zone: String,
    /// Day/month order of numeric dates, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_order: Option<String>,
}

/// What happened to one stream.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StreamReport {
    /// Display name.
    pub name: String,
    /// Input index.
    pub input: u32,
    /// Recognised format.
    pub format: Option<Format>,
    /// Compression and encoding layers.
    pub layers: Vec<Layer>,
    /// Rows by table.
    pub tables: BTreeMap<Table, TableStats>,
    /// Rows of other tables (a union export, or the wrong table), by what they are.
    pub other_tables: BTreeMap<String, u64>,
    /// Timestamps.
    pub timestamps: TimestampReport,
    /// Why the whole stream was not used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Problems found.
    pub diagnostics: Diagnostics,
}

impl StreamReport {
    /// Rows read of the four tables.
    pub fn rows_read(&self) -> u64 {
        self.tables.values().map(|t| t.read).sum()
    }

    /// Whether the stream could not be read, in whole or in part: an error diagnostic says
    /// why. A stream read to its end that holds nothing the hunt reads has `skipped` set but
    /// did not fail.
    pub fn read_failed(&self) -> bool {
        self.diagnostics.any_at_least(Severity::Error)
    }
}

/// An input as given.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InputInfo {
    /// Its name.
    pub name: String,
    /// Its size in bytes, when known.
    pub size: Option<u64>,
}

/// Settings for reading.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct LoadOptions {
    /// Offset east of UTC of timestamps written without a zone (the portal's time-zone
    /// setting is not in its exports).
    pub offset_minutes: i32,
    /// Day/month order of numeric dates.
    pub date_order: DateOrder,
}

/// The run was cancelled through its progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

/// Reads inputs one after the other into one data set.
pub struct Loader {
    options: LoadOptions,
    limits: Limits,
    store: Store,
    streams: Vec<StreamInfo>,
    reports: Vec<StreamReport>,
    inputs: Vec<InputInfo>,
}

/// Everything loaded.
pub struct Loaded {
    /// Settings used.
    pub options: LoadOptions,
    /// The events.
    pub store: Store,
    /// Streams, indexed by `Loc::stream`.
    pub streams: Vec<StreamInfo>,
    /// One report per stream.
    pub reports: Vec<StreamReport>,
    /// Inputs, indexed by `StreamInfo::input`.
    pub inputs: Vec<InputInfo>,
}

/// What one [`Loader`] read, before merging.
pub struct Part(Loaded);

impl Loaded {
    /// Merges parts in the order given, as if one loader had read all their inputs in that
    /// order: event indices, stream and input numbers come out the same.
    pub fn from_parts(parts: Vec<Part>) -> Loaded {
        let mut parts = parts.into_iter().map(|p| p.0);
        let mut base = parts
            .next()
            .unwrap_or_else(|| Loader::new(LoadOptions::default()).into_part().0);
        for part in parts {
            base.append(part);
        }
        crate::winlog::infer_connections(&mut base.store);
        base
    }

    fn append(&mut self, other: Loaded) {
        let stream_offset = self.streams.len() as u32;
        let input_offset = self.inputs.len() as u32;
        let map: Vec<Sym> = (0..other.store.strings.len())
            .map(|i| {
                self.store
                    .strings
                    .intern(other.store.strings.get(Sym(i as u32)))
            })
            .collect();
        let m = |s: Sym| map[s.0 as usize];
        let loc = |mut l: Loc| {
            l.stream += stream_offset;
            l
        };
        let st = &mut self.store;
        st.net.extend(other.store.net.iter().map(|e| NetEvent {
            loc: loc(e.loc),
            device: m(e.device),
            remote_ip: m(e.remote_ip),
            device_name: m(e.device_name),
            remote_port: m(e.remote_port),
            protocol: m(e.protocol),
            ..*e
        }));
        st.logons
            .extend(other.store.logons.iter().map(|e| LogonEvent {
                loc: loc(e.loc),
                device: m(e.device),
                remote_ip: m(e.remote_ip),
                account_domain: m(e.account_domain),
                account_name: m(e.account_name),
                account_sid: m(e.account_sid),
                logon_id: m(e.logon_id),
                remote_device_name: m(e.remote_device_name),
                is_local_admin: m(e.is_local_admin),
                action: m(e.action),
                ..*e
            }));
        st.files.extend(other.store.files.iter().map(|e| FileEvent {
            loc: loc(e.loc),
            device: m(e.device),
            folder_path: m(e.folder_path),
            path_key: m(e.path_key),
            action: m(e.action),
            device_name: m(e.device_name),
            file_name: m(e.file_name),
            sha1: m(e.sha1),
            sha256: m(e.sha256),
            md5: m(e.md5),
            ..*e
        }));
        st.procs.extend(other.store.procs.iter().map(|e| ProcEvent {
            loc: loc(e.loc),
            device: m(e.device),
            folder_path: m(e.folder_path),
            path_key: m(e.path_key),
            command_line: m(e.command_line),
            parent: m(e.parent),
            ..*e
        }));
        st.accesses
            .extend(other.store.accesses.iter().map(|a| Access {
                loc: loc(a.loc),
                device: m(a.device),
                device_name: m(a.device_name),
                address: m(a.address),
                port: m(a.port),
                session: m(a.session),
                ..*a
            }));
        st.real_connections.extend(
            other
                .store
                .real_connections
                .iter()
                .map(|&(d, a)| (m(d), m(a))),
        );
        self.streams.extend(other.streams.into_iter().map(|mut s| {
            s.input += input_offset;
            s
        }));
        self.reports.extend(other.reports.into_iter().map(|mut r| {
            r.input += input_offset;
            r
        }));
        self.inputs.extend(other.inputs);
    }
}

struct Counting<'c, R> {
    inner: R,
    count: &'c Cell<u64>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// A reader that fails once with the error that cut its stream short.
struct Failing(Option<io::Error>);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

/// Archive nesting beyond this is refused (a zip bomb made of nested archives).
const MAX_DEPTH: usize = 4;

impl Loader {
    /// A loader with these settings.
    pub fn new(options: LoadOptions) -> Self {
        Loader {
            options,
            limits: Limits::default(),
            store: Store::default(),
            streams: Vec::new(),
            reports: Vec::new(),
            inputs: Vec::new(),
        }
    }

    /// The same loader with other caps on what one input may make it hold or unpack.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Reads one input. `progress` receives the input bytes consumed so far and returns
    /// false to cancel.
    pub fn add_input<R: Read>(
        &mut self,
        name: &str,
        size: Option<u64>,
        reader: R,
        progress: &mut dyn FnMut(u64) -> bool,
    ) -> Result<(), Cancelled> {
        let input = self.inputs.len() as u32;
        self.inputs.push(InputInfo {
            name: name.to_string(),
            size,
        });
        let count = Cell::new(0u64);
        let counting = Counting {
            inner: reader,
            count: &count,
        };
        let mut tick = || progress(count.get());
        let r: Box<dyn Read + '_> = Box::new(counting);
        let result = self.stream(input, name.to_string(), Vec::new(), r, 0, &mut tick);
        tick();
        result
    }

    /// Finishes loading.
    pub fn finish(self) -> Loaded {
        Loaded::from_parts(vec![self.into_part()])
    }

    /// What this loader read, to merge with what other loaders read in parallel
    /// ([`Loaded::from_parts`]).
    pub fn into_part(self) -> Part {
        Part(Loaded {
            options: self.options,
            store: self.store,
            streams: self.streams,
            reports: self.reports,
            inputs: self.inputs,
        })
    }

    fn new_report(&mut self, input: u32, name: &str, layers: &[Layer]) -> usize {
        self.streams.push(StreamInfo {
            input,
            name: name.to_string(),
            layers: layers.to_vec(),
            kind: None,
            precision: Precision::Tick,
            windows_log: false,
        });
        self.reports.push(StreamReport {
            name: name.to_string(),
            input,
            format: None,
            layers: layers.to_vec(),
            tables: BTreeMap::new(),
            other_tables: BTreeMap::new(),
            timestamps: TimestampReport::default(),
            skipped: None,
            diagnostics: Diagnostics::default(),
        });
        self.reports.len() - 1
    }

    fn skip_stream(&mut self, input: u32, name: &str, layers: &[Layer], why: String) {
        let i = self.new_report(input, name, layers);
        not_analysed(&mut self.reports[i], name, why);
    }

    fn stream<'r>(
        &mut self,
        input: u32,
        name: String,
        mut layers: Vec<Layer>,
        mut reader: Box<dyn Read + 'r>,
        depth: usize,
        tick: &mut dyn FnMut() -> bool,
    ) -> Result<(), Cancelled> {
        let mut head = Vec::with_capacity(8192);
        let reader: Box<dyn Read + 'r> = match (&mut reader).take(8192).read_to_end(&mut head) {
            Ok(_) => Box::new(Cursor::new(head.clone()).chain(reader)),
            Err(e) if head.is_empty() => {
                self.skip_stream(input, &name, &layers, format!("could not be read: {e}"));
                return Ok(());
            }
            // A truncated or corrupt stream: read what came before the damage, then report it
            // where it happens.
            Err(e) => Box::new(Cursor::new(head.clone()).chain(Failing(Some(e)))),
        };
        match magic(&head) {
            Magic::Gzip => {
                if depth >= MAX_DEPTH {
                    self.skip_stream(input, &name, &layers, "archives nested too deep".into());
                    return Ok(());
                }
                layers.push(Layer::Gzip);
                let inner = flate2::read::MultiGzDecoder::new(BufReader::new(reader));
                // Named as on disk with what it holds: `x.csv.gz → x.csv`.
                let inner_name = match leaf(&name).strip_suffix(".gz") {
                    Some(member) if !member.is_empty() => format!("{name} → {member}"),
                    _ => format!("{name} → (gunzipped)"),
                };
                self.stream(input, inner_name, layers, Box::new(inner), depth + 1, tick)
            }
            Magic::Zip => self.zip(input, name, layers, reader, depth, tick),
            Magic::Utf16 { le } => {
                let mut all = Vec::new();
                let mut reader = reader;
                if let Err(e) = reader.read_to_end(&mut all) {
                    self.skip_stream(input, &name, &layers, format!("could not be read: {e}"));
                    return Ok(());
                }
                let (text, bad) = utf16_to_utf8(&all[2..], le);
                layers.push(Layer::Utf16 { le });
                let i = self.text(
                    input,
                    &name,
                    &layers,
                    Box::new(Cursor::new(text.into_bytes())),
                    true,
                    tick,
                )?;
                if bad > 0 {
                    self.reports[i].diagnostics.push(Diagnostic {
                        kind: DiagnosticKind::Utf16,
                        severity: Severity::Warning,
                        file: name.clone(),
                        line: None,
                        column: None,
                        message: format!("{bad} unpaired UTF-16 surrogates read as U+FFFD"),
                    });
                }
                Ok(())
            }
            Magic::Utf8Bom => {
                layers.push(Layer::Utf8Bom);
                let mut reader = reader;
                let mut bom = [0u8; 3];
                let _ = reader.read_exact(&mut bom);
                self.text(input, &name, &layers, reader, true, tick)
                    .map(|_| ())
            }
            Magic::Evtx => self.evtx(input, &name, &layers, reader, tick).map(|_| ()),
            Magic::Binary(what) => {
                self.skip_stream(
                    input,
                    &name,
                    &layers,
                    format!("this is {what}, not an export"),
                );
                Ok(())
            }
            Magic::Text => self
                .text(input, &name, &layers, reader, false, tick)
                .map(|_| ()),
        }
    }

    fn zip<'r>(
        &mut self,
        input: u32,
        name: String,
        layers: Vec<Layer>,
        mut reader: Box<dyn Read + 'r>,
        depth: usize,
        tick: &mut dyn FnMut() -> bool,
    ) -> Result<(), Cancelled> {
        if depth >= MAX_DEPTH {
            self.skip_stream(input, &name, &layers, "archives nested too deep".into());
            return Ok(());
        }
        let mut all = Vec::new();
        if let Err(e) = reader.read_to_end(&mut all) {
            self.skip_stream(input, &name, &layers, format!("could not be read: {e}"));
            return Ok(());
        }
        let mut zip = match zip::ZipArchive::new(Cursor::new(all)) {
            Ok(z) => z,
            Err(e) => {
                self.skip_stream(
                    input,
                    &name,
                    &layers,
                    format!("not a readable zip archive: {e}"),
                );
                return Ok(());
            }
        };
        for i in 0..zip.len() {
            let (member, is_dir) = match zip.by_index_raw(i) {
                Ok(f) => (f.name().to_string(), f.is_dir()),
                Err(e) => {
                    self.skip_stream(input, &format!("{name} › #{i}"), &layers, e.to_string());
                    continue;
                }
            };
            if is_dir || member.starts_with("__MACOSX/") {
                continue;
            }
            let label = format!("{name} › {member}");
            let mut member_layers = layers.clone();
            member_layers.push(Layer::ZipMember(member.clone()));
            let mut bytes = Vec::new();
            let read = zip
                .by_index(i)
                .map_err(|e| e.to_string())
                .and_then(|mut f| f.read_to_end(&mut bytes).map_err(|e| e.to_string()));
            if let Err(e) = read {
                self.skip_stream(
                    input,
                    &label,
                    &member_layers,
                    format!("could not be unpacked: {e}"),
                );
                continue;
            }
            self.stream(
                input,
                label,
                member_layers,
                Box::new(Cursor::new(bytes)),
                depth + 1,
                tick,
            )?;
        }
        Ok(())
    }

    /// Reads a text stream; returns its report index.
    fn text<'r>(
        &mut self,
        input: u32,
        name: &str,
        layers: &[Layer],
        reader: Box<dyn Read + 'r>,
        had_bom: bool,
        tick: &mut dyn FnMut() -> bool,
    ) -> Result<usize, Cancelled> {
        let idx = self.new_report(input, name, layers);
        let stream = idx as u32;
        let mut reader = BufReader::with_capacity(1 << 16, reader);
        let head = match reader.fill_buf() {
            Ok(h) => h.to_vec(),
            Err(e) => {
                self.reports[idx].skipped = Some(format!("could not be read: {e}"));
                return Ok(idx);
            }
        };
        let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
        let start_lens = [
            self.store.net.len(),
            self.store.logons.len(),
            self.store.files.len(),
            self.store.procs.len(),
        ];
        let mut diagnostics = std::mem::take(&mut self.reports[idx].diagnostics);
        let mut st = StreamState::new(name, self.options.offset_minutes, &mut diagnostics);
        let outcome: Result<(Option<StreamKind>, Option<Format>), String> = match first {
            None => Err("the file is empty".into()),
            Some(b'{') | Some(b'[') => {
                let mut jl = json::JsonLoad::new(stream, &mut self.store, &mut st);
                let limits = self.limits;
                json::load(reader, limits.max_line, limits.max_in_memory, &mut jl, tick).map(
                    |document| {
                        let kind = if document {
                            StreamKind::JsonDocument
                        } else {
                            StreamKind::JsonLines
                        };
                        (Some(kind), jl.format)
                    },
                )
            }
            Some(_) => {
                let delimiter = csv::sniff_delimiter(&head);
                let how = csv::Dialect {
                    delimiter,
                    had_bom,
                    max_record: self.limits.max_line,
                };
                csv::load(reader, how, stream, &mut self.store, &mut st, tick)
                    .map(|(k, f)| (Some(k), Some(f)))
            }
        };
        let cancelled = matches!(&outcome, Err(e) if e == "cancelled");
        let stamps = std::mem::take(&mut st.stamps);
        let evidence = st.evidence;
        let pending = std::mem::take(&mut st.pending);
        let stats = std::mem::take(&mut st.stats);
        let other_tables = std::mem::take(&mut st.other_tables);
        drop(st);
        let mut report_stats = stats;
        let date_order =
            self.resolve_dates(name, evidence, pending, &mut report_stats, &mut diagnostics);
        let report = &mut self.reports[idx];
        report.diagnostics = diagnostics;
        report.other_tables = other_tables;
        for t in Table::ALL {
            let s = &report_stats[t.index()];
            if s.read > 0 {
                report.tables.insert(t, s.clone());
            }
        }
        report.timestamps = timestamp_report(&stamps, self.options.offset_minutes, date_order);
        self.streams[idx].precision = stamps.coarsest.unwrap_or(Precision::Tick);
        match outcome {
            Ok((kind, format)) => {
                self.streams[idx].kind = kind;
                self.streams[idx].windows_log = format == Some(Format::WindowsEventJson);
                if self.streams[idx].windows_log {
                    report.timestamps.zone = "UTC (Windows logs UTC)".into();
                }
                report.format = format;
                if report.tables.is_empty() {
                    let why = if report.other_tables.is_empty() {
                        "no rows of DeviceNetworkEvents, DeviceLogonEvents, DeviceFileEvents or DeviceProcessEvents".to_string()
                    } else {
                        let what: Vec<String> = report
                            .other_tables
                            .iter()
                            .map(|(k, n)| format!("{k}: {n}"))
                            .collect();
                        format!(
                            "it holds only rows this hunt does not read ({})",
                            what.join(", ")
                        )
                    };
                    report.skipped = Some(why);
                }
            }
            Err(why) => {
                not_analysed(report, name, why);
                // Rows of a stream that stopped are kept only if it was read (not for a bad header).
                if report.tables.is_empty() {
                    self.truncate(start_lens);
                }
            }
        }
        if cancelled {
            return Err(Cancelled);
        }
        Ok(idx)
    }

    fn evtx<'r>(
        &mut self,
        input: u32,
        name: &str,
        layers: &[Layer],
        mut reader: Box<dyn Read + 'r>,
        tick: &mut dyn FnMut() -> bool,
    ) -> Result<usize, Cancelled> {
        let idx = self.new_report(input, name, layers);
        let mut bytes = Vec::new();
        let read = reader.read_to_end(&mut bytes);
        let mut diagnostics = std::mem::take(&mut self.reports[idx].diagnostics);
        let mut st = StreamState::new(name, 0, &mut diagnostics);
        let outcome = match read {
            Err(e) => Err(format!("could not be read: {e}")),
            Ok(_) => crate::winlog::evtx::load(bytes, idx as u32, &mut self.store, &mut st, tick),
        };
        let stats = std::mem::take(&mut st.stats);
        let other_tables = std::mem::take(&mut st.other_tables);
        drop(st);
        let report = &mut self.reports[idx];
        report.diagnostics = diagnostics;
        report.other_tables = other_tables;
        report.format = Some(Format::Evtx);
        report.timestamps = TimestampReport {
            zone: "UTC (Windows logs UTC)".into(),
            resolution: Some(Precision::Tick.describe().into()),
            ..Default::default()
        };
        for t in Table::ALL {
            let s = &stats[t.index()];
            if s.read > 0 {
                report.tables.insert(t, s.clone());
            }
        }
        self.streams[idx].kind = Some(StreamKind::Evtx);
        self.streams[idx].windows_log = true;
        match outcome {
            Ok(()) if report.tables.is_empty() => {
                report.skipped = Some(
                    "no event of the hunt's four steps (Sysmon 1/3/11, Security 4624/4688/5145/5156)".into(),
                );
            }
            Ok(()) => {}
            Err(why) => {
                let cancelled = why == "cancelled";
                not_analysed(report, name, why);
                if cancelled {
                    return Err(Cancelled);
                }
            }
        }
        Ok(idx)
    }

    fn truncate(&mut self, lens: [usize; 4]) {
        self.store.net.truncate(lens[0]);
        self.store.logons.truncate(lens[1]);
        self.store.files.truncate(lens[2]);
        self.store.procs.truncate(lens[3]);
    }

    /// Places the stream's numeric dates once its day/month order is known.
    fn resolve_dates(
        &mut self,
        name: &str,
        evidence: crate::time::DateOrderEvidence,
        pending: Vec<ingest::PendingStamp>,
        stats: &mut [TableStats; 4],
        diagnostics: &mut Diagnostics,
    ) -> Option<String> {
        if pending.is_empty() && evidence.count == 0 {
            return None;
        }
        let decided = evidence.decide(self.options.date_order);
        let (order, why) = match decided {
            Ok(order) => {
                let why = match (
                    self.options.date_order,
                    evidence.day_first_line,
                    evidence.month_first_line,
                ) {
                    (DateOrder::Auto, Some(l), _) => {
                        format!("day first (inferred: line {l} has a first field above 12)")
                    }
                    (DateOrder::Auto, _, Some(l)) => {
                        format!("month first (inferred: line {l} has a second field above 12)")
                    }
                    (DateOrder::Dmy, ..) => "day first (as requested)".to_string(),
                    _ => "month first (as requested)".to_string(),
                };
                (Some(order), why)
            }
            Err(problem) => {
                let message = match problem {
                    DateOrderProblem::Ambiguous => format!(
                        "{} dates such as 05/12/2024 could be day-first or month-first and none in this file tells; \
                         those rows were not analysed: choose the order (CLI: --date-order dmy or --date-order mdy)",
                        evidence.count
                    ),
                    DateOrderProblem::Contradictory { day_first_line, month_first_line } => format!(
                        "line {day_first_line} can only be day-first and line {month_first_line} only month-first; \
                         rows with numeric dates were not analysed: choose the order (--date-order)"
                    ),
                };
                diagnostics.push(Diagnostic {
                    kind: DiagnosticKind::DateOrder,
                    severity: Severity::Error,
                    file: name.to_string(),
                    line: None,
                    column: Some("Timestamp".into()),
                    message: message.clone(),
                });
                (
                    None,
                    "unknown: day/month order could not be decided".to_string(),
                )
            }
        };
        for p in &pending {
            let at = order.and_then(|o| p.date.resolve(o, p.offset_minutes));
            let slot = match p.table {
                Table::DeviceNetworkEvents => &mut self.store.net[p.index].at,
                Table::DeviceLogonEvents => &mut self.store.logons[p.index].at,
                Table::DeviceFileEvents => &mut self.store.files[p.index].at,
                Table::DeviceProcessEvents => &mut self.store.procs[p.index].at,
            };
            match at {
                Some(t) => *slot = t,
                None => {
                    let s = &mut stats[p.table.index()];
                    s.used -= 1;
                    let reason = if order.is_some() {
                        "date does not exist in the file's day/month order"
                    } else {
                        "day/month order unknown"
                    };
                    *s.skipped.entry(reason.to_string()).or_default() += 1;
                }
            }
        }
        if pending.iter().any(|_| true) {
            self.store.net.retain(|e| e.at != PENDING);
            self.store.logons.retain(|e| e.at != PENDING);
            self.store.files.retain(|e| e.at != PENDING);
            self.store.procs.retain(|e| e.at != PENDING);
        }
        Some(why)
    }
}

/// The last part of a stream's name: the file name of a path, the member of an archive.
fn leaf(name: &str) -> &str {
    let name = name.rsplit(" › ").next().unwrap_or(name);
    let name = name.rsplit(" → ").next().unwrap_or(name);
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Marks a whole stream as not analysed, with an error diagnostic saying why.
fn not_analysed(report: &mut StreamReport, name: &str, why: String) {
    report.diagnostics.push(Diagnostic {
        kind: DiagnosticKind::Stream,
        severity: Severity::Error,
        file: name.to_string(),
        line: None,
        column: None,
        message: format!("not analysed: {why}"),
    });
    report.skipped = Some(why);
}

fn timestamp_report(
    stamps: &StampStats,
    offset: i32,
    date_order: Option<String>,
) -> TimestampReport {
    let zone = match (stamps.zoned, stamps.naive) {
        (0, 0) => String::new(),
        (_, 0) => "from the file".to_string(),
        (0, _) => format!("assumed {} (the file does not say)", format_offset(offset)),
        (z, n) => format!(
            "{z} values carry a zone; {n} assumed {}",
            format_offset(offset)
        ),
    };
    TimestampReport {
        styles: stamps.styles.clone(),
        resolution: stamps.coarsest.map(|p| p.describe().to_string()),
        zone,
        date_order,
    }
}

/// Opens the text of a stream again, from its input's raw bytes.
pub fn reopen_stream<'a>(
    raw: Box<dyn Read + 'a>,
    info: &StreamInfo,
) -> io::Result<Box<dyn BufRead + 'a>> {
    let r = decode::reopen(raw, &info.layers)?;
    Ok(Box::new(BufReader::with_capacity(1 << 16, r)))
}
