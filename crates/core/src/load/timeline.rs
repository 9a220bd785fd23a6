//! The Defender device timeline export (Devices → a device → Timeline → Export): one CSV per
//! device, every event type in one file, space-named columns (`Event Time`, `Machine Id`,
//! `Action Type`…). It keeps 180 days where Advanced Hunting keeps 30, so for an old incident
//! it is often the only Defender data left.
//!
//! Rows go to the hunt's four tables by `Action Type`; technique rows (`Data Type`
//! `Techniques`) are annotations of events, not events, and are counted apart. Columns are
//! found by name (the export has had 65 and 66 of them), so added columns do no harm.
//!
//! Whether `Folder Path` holds the full path (as in Advanced Hunting) or only the folder is
//! decided per file from its rows: in a full-path file every file and process row's
//! `Folder Path` ends with its `File Name`. When most do not, the file is read as folder-only
//! and the full path is built as `Folder Path\File Name` before the join; a note says which
//! way and why.

use super::csv::CsvRecords;
use super::ingest::{EventSink, Field, Fields, StreamState};
use super::{Cancelled, Format, LoadError, StreamKind};
use crate::diag::{Diagnostic, DiagnosticKind, Severity};
use crate::schema::{Col, Table};
use std::borrow::Cow;
use std::cell::Cell;
use std::io::Read;

/// Rows read ahead to decide how `Folder Path` is written, at most.
const LOOKAHEAD_ROWS: usize = 50_000;
/// File and process rows with a path and a name that settle the question early.
const LOOKAHEAD_EVIDENCE: u64 = 2_000;
/// Distinct action types of other events counted by name; the rest share one bucket.
const OTHER_ACTION_KINDS: usize = 48;

/// Whether a header row is a device timeline export's.
pub fn is_timeline(headers: &[String]) -> bool {
    let has = |name: &str| headers.iter().any(|h| h.trim() == name);
    has("Event Time") && has("Action Type") && (has("Machine Id") || has("Computer Name"))
}

/// The hunt's column a timeline header holds: the three renamed ones, else the schema name
/// written with spaces (`Remote IP`, `Sha1`). 2 for a renamed column, 1 for a spaced one.
fn column_of(header: &str) -> Option<(Col, u8)> {
    let h = header.trim();
    let renamed = match h {
        "Event Time" => Some(Col::Timestamp),
        "Machine Id" => Some(Col::DeviceId),
        "Computer Name" => Some(Col::DeviceName),
        "Remote Computer Name" => Some(Col::RemoteDeviceName),
        _ => None,
    };
    if let Some(c) = renamed {
        return Some((c, 2));
    }
    let squeezed: String = h.chars().filter(|c| *c != ' ').collect();
    Col::all()
        .find(|c| c.name().eq_ignore_ascii_case(&squeezed))
        .map(|c| (c, 1))
}

/// Where each value is in a timeline row.
struct TimelineMap {
    cols: [Option<usize>; Col::COUNT],
    data_type: Option<usize>,
    action: usize,
}

impl TimelineMap {
    fn new(headers: &[String]) -> Option<Self> {
        let mut best: [Option<(u8, usize)>; Col::COUNT] = [None; Col::COUNT];
        for (i, h) in headers.iter().enumerate() {
            if let Some((c, strength)) = column_of(h) {
                let slot = &mut best[c as usize];
                if slot.is_none_or(|(s, _)| strength > s) {
                    *slot = Some((strength, i));
                }
            }
        }
        let mut cols = [None; Col::COUNT];
        for (c, b) in cols.iter_mut().zip(best) {
            *c = b.map(|(_, i)| i);
        }
        Some(TimelineMap {
            action: cols[Col::ActionType as usize]?,
            data_type: headers.iter().position(|h| h.trim() == "Data Type"),
            cols,
        })
    }

    fn raw<'r>(&self, record: &'r csv::ByteRecord, col: Col) -> Option<&'r [u8]> {
        self.cols[col as usize].map(|i| record.get(i).unwrap_or(b""))
    }

    fn text<'r>(&self, record: &'r csv::ByteRecord, col: Col) -> Cow<'r, str> {
        String::from_utf8_lossy(self.raw(record, col).unwrap_or(b""))
    }
}

/// How the file writes `Folder Path` of file and process rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PathForm {
    /// The full path, as Advanced Hunting writes it.
    Full,
    /// Only the folder: the full path is `Folder Path\File Name`.
    FolderOnly,
}

/// Whether `path` already ends with the file `name` (as a last component, or is it).
/// Case-sensitive: Defender writes both values from one path.
fn ends_with_name(path: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    path == name
        || path
            .strip_suffix(name)
            .is_some_and(|head| head.ends_with('\\') || head.ends_with('/'))
}

/// `folder\name`; an empty folder or name leaves the folder as it is (nothing to build).
fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() || name.is_empty() {
        folder.to_string()
    } else if folder.ends_with('\\') || folder.ends_with('/') {
        format!("{folder}{name}")
    } else {
        format!("{folder}\\{name}")
    }
}

/// What a row is.
enum RowKind {
    Event(Table),
    Annotation(String),
    OtherEvent(String),
}

fn classify(map: &TimelineMap, record: &csv::ByteRecord) -> RowKind {
    if let Some(i) = map.data_type {
        let dt = String::from_utf8_lossy(record.get(i).unwrap_or(b""));
        let dt = dt.trim();
        if !dt.is_empty() && !dt.eq_ignore_ascii_case("Events") {
            return RowKind::Annotation(dt.to_string());
        }
    }
    let action = String::from_utf8_lossy(record.get(map.action).unwrap_or(b""));
    match table_of_action(&action) {
        Some(t) => RowKind::Event(t),
        None => RowKind::OtherEvent(action.into_owned()),
    }
}

/// Action types of other tables (DeviceEvents) that the families below would take in: a
/// `LogonRightsSettingEnabled` row read as a logon, with its empty Remote IP, would match every
/// connection of its window.
const OTHER_TABLES_ACTIONS: &[&str] = &[
    "LogonRightsSettingEnabled",
    "FileTimestampModificationEvent",
];

/// The table of an `Action Type`: the documented action types of each table, then the
/// families `Connection*`, `Logon*`, `File*` (less the DeviceEvents types of those names).
pub fn table_of_action(action: &str) -> Option<Table> {
    if OTHER_TABLES_ACTIONS.contains(&action) {
        return None;
    }
    Table::from_action_type(action).or_else(|| {
        if action.starts_with("Connection") {
            Some(Table::DeviceNetworkEvents)
        } else if action.starts_with("Logon") {
            Some(Table::DeviceLogonEvents)
        } else if action.starts_with("File") {
            Some(Table::DeviceFileEvents)
        } else {
            None
        }
    })
}

/// Counts of rows whose `Folder Path` ends with their `File Name`, and of rows whose does not.
#[derive(Default)]
struct PathEvidence {
    ends: u64,
    not_ends: u64,
    first_ends: Option<u64>,
    first_not: Option<u64>,
}

impl PathEvidence {
    fn observe(&mut self, map: &TimelineMap, record: &csv::ByteRecord, line: u64) {
        let path = map.text(record, Col::FolderPath);
        let name = map.text(record, Col::FileName);
        if path.is_empty() || name.is_empty() {
            return;
        }
        if ends_with_name(&path, &name) {
            self.ends += 1;
            self.first_ends.get_or_insert(line);
        } else {
            self.not_ends += 1;
            self.first_not.get_or_insert(line);
        }
    }

    fn total(&self) -> u64 {
        self.ends + self.not_ends
    }

    /// Folder-only when most rows do not end with their name; ties read as Advanced Hunting.
    fn form(&self) -> PathForm {
        if self.not_ends > self.ends {
            PathForm::FolderOnly
        } else {
            PathForm::Full
        }
    }
}

struct TimelineRow<'a> {
    record: &'a csv::ByteRecord,
    map: &'a TimelineMap,
    form: PathForm,
    bad_utf8: Cell<Option<Col>>,
}

impl TimelineRow<'_> {
    fn str(&self, col: Col) -> Option<Cow<'_, str>> {
        let raw = self.map.raw(self.record, col)?;
        Some(match std::str::from_utf8(raw) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => {
                self.bad_utf8.set(Some(col));
                String::from_utf8_lossy(raw)
            }
        })
    }
}

impl Fields for TimelineRow<'_> {
    fn has(&self, col: Col) -> bool {
        self.map.cols[col as usize].is_some()
    }

    fn get(&self, col: Col) -> Field<'_> {
        let Some(v) = self.str(col) else {
            return Field::Missing;
        };
        if self.form == PathForm::Full {
            return Field::Text(v);
        }
        match col {
            Col::FolderPath => {
                let name = self.str(Col::FileName).unwrap_or_default();
                Field::Text(Cow::Owned(join(&v, &name)))
            }
            // The initiator's path matters only to `endswith "ntoskrnl.exe"`: built the same
            // way, unless the value already is a full path.
            Col::InitiatingProcessFolderPath => {
                let name = self.str(Col::InitiatingProcessFileName).unwrap_or_default();
                if ends_with_name(&v, &name) {
                    Field::Text(v)
                } else {
                    Field::Text(Cow::Owned(join(&v, &name)))
                }
            }
            _ => Field::Text(v),
        }
    }
}

/// Reads a timeline export whose header is `headers` (already read from `rdr`).
pub fn load<R: Read>(
    mut rdr: CsvRecords<R>,
    headers: Vec<String>,
    delimiter: u8,
    sink: &mut EventSink<'_, '_>,
    tick: &mut dyn FnMut() -> bool,
) -> Result<(StreamKind, Format), LoadError> {
    let map = TimelineMap::new(&headers).ok_or(LoadError::TimelineColumn("Action Type"))?;
    for (col, header) in [
        (Col::Timestamp, "Event Time"),
        (Col::DeviceId, "Machine Id"),
    ] {
        if map.cols[col as usize].is_none() {
            return Err(LoadError::TimelineColumn(header));
        }
    }
    let diag_start = sink.st.diagnostics.items.len();
    let expected = headers.len();

    // Read ahead until the rows say how Folder Path is written (or the file ends).
    let mut ahead: Vec<(csv::ByteRecord, u64, u64)> = Vec::new();
    let mut evidence = PathEvidence::default();
    let mut ended = false;
    let mut read_error = None;
    while ahead.len() < LOOKAHEAD_ROWS && evidence.total() < LOOKAHEAD_EVIDENCE {
        let mut record = csv::ByteRecord::new();
        let (line, byte) = match rdr.next(&mut record) {
            Ok(Some(at)) => at,
            Ok(None) => {
                ended = true;
                break;
            }
            Err(e) => {
                read_error = Some(e);
                break;
            }
        };
        if let RowKind::Event(Table::DeviceFileEvents | Table::DeviceProcessEvents) =
            classify(&map, &record)
        {
            if record.len() == expected {
                evidence.observe(&map, &record, line);
            }
        }
        ahead.push((record, line, byte));
    }
    let form = evidence.form();
    let decided = (evidence.ends, evidence.not_ends);

    let mut reader = Rows {
        map: &map,
        form,
        expected,
        other_kinds: 0,
    };
    let mut n: u64 = 0;
    for (record, line, byte) in &ahead {
        n += 1;
        if n % 4096 == 0 && !tick() {
            return Err(Cancelled.into());
        }
        reader.row(record, *line, *byte, sink);
    }
    drop(ahead);
    if let Some(e) = read_error {
        reader.read_error(e, &rdr, sink);
    } else if !ended {
        let mut record = csv::ByteRecord::new();
        loop {
            let (line, byte) = match rdr.next(&mut record) {
                Ok(Some(at)) => at,
                Ok(None) => break,
                Err(e) => {
                    reader.read_error(e, &rdr, sink);
                    break;
                }
            };
            n += 1;
            if n % 4096 == 0 && !tick() {
                return Err(Cancelled.into());
            }
            if let RowKind::Event(Table::DeviceFileEvents | Table::DeviceProcessEvents) =
                classify(&map, &record)
            {
                if record.len() == expected {
                    evidence.observe(&map, &record, line);
                }
            }
            reader.row(&record, line, byte, sink);
        }
    }
    let st = &mut *sink.st;
    if st.stats.iter().all(|s| s.read == 0) {
        st.diagnostics.push(Diagnostic {
            kind: DiagnosticKind::Timeline,
            severity: Severity::Info,
            file: st.label.to_string(),
            line: None,
            column: Some("Action Type".into()),
            message: "this device timeline holds no inbound connection, logon, file or \
                      process event: nothing in it can take part in the query"
                .into(),
        });
    }
    note_path_form(st, form, decided, &evidence);
    note_no_local_admin(st, &map);
    rename_columns(st, diag_start, &headers, &map);
    Ok((
        StreamKind::Csv { delimiter, headers },
        Format::DefenderTimelineCsv,
    ))
}

/// Reads rows once the path form is known.
struct Rows<'m> {
    map: &'m TimelineMap,
    form: PathForm,
    expected: usize,
    other_kinds: usize,
}

impl Rows<'_> {
    /// Reads one record that starts at `byte`, on physical line `line`.
    fn row(
        &mut self,
        record: &csv::ByteRecord,
        line: u64,
        byte: u64,
        sink: &mut EventSink<'_, '_>,
    ) {
        let loc = sink.loc(line, byte, 0);
        let st = &mut *sink.st;
        if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
            return; // blank line
        }
        let table = match classify(self.map, record) {
            RowKind::Event(t) => t,
            RowKind::Annotation(what) => {
                st.other_table(
                    format!("timeline {what} rows (annotations of events, not events)"),
                    loc.line,
                );
                return;
            }
            RowKind::OtherEvent(action) => {
                let key = format!("timeline events of other kinds (Action Type {action})");
                let key = if st.other_tables.contains_key(&key)
                    || self.other_kinds < OTHER_ACTION_KINDS
                {
                    if !st.other_tables.contains_key(&key) {
                        self.other_kinds += 1;
                    }
                    key
                } else {
                    "timeline events of other kinds (further action types)".to_string()
                };
                st.other_table(key, loc.line);
                return;
            }
        };
        if record.len() != self.expected {
            st.stats[table.index()].read += 1;
            let hint = if record.iter().any(|f| f.contains(&b'\n')) {
                " (an unbalanced quote may have joined lines)"
            } else {
                ""
            };
            st.warn(
                DiagnosticKind::FieldCount,
                loc.line,
                None,
                format!(
                    "record has {} fields, the header has {}{hint}; row skipped",
                    record.len(),
                    self.expected
                ),
            );
            *st.stats[table.index()]
                .skipped
                .entry("wrong number of fields".into())
                .or_default() += 1;
            return;
        }
        let row = TimelineRow {
            record,
            map: self.map,
            form: self.form,
            bad_utf8: Cell::new(None),
        };
        st.ingest(sink.store, table, &row, loc, false);
        if let Some(col) = row.bad_utf8.get() {
            st.warn(
                DiagnosticKind::Utf8,
                loc.line,
                Some(col.name()),
                "invalid UTF-8; the bad bytes read as U+FFFD".into(),
            );
        }
    }

    /// Reading stopped: cited as the CSV reader cites it (a record over the cap where it
    /// starts, other damage where it is).
    fn read_error<R: Read>(
        &self,
        e: csv::Error,
        rdr: &CsvRecords<R>,
        sink: &mut EventSink<'_, '_>,
    ) {
        let e = LoadError::from_csv(e, 0);
        let line = match e {
            LoadError::LineTooLong { .. } => rdr.line_in_progress(),
            _ => rdr.line_reached(),
        };
        sink.st.read_error(
            line,
            format!(
                "reading stopped at this line: {}; the rows before were analysed",
                e.cause()
            ),
        );
    }
}

/// Says how `Folder Path` was read, and warns when rows disagree with the decision.
fn note_path_form(
    st: &mut StreamState<'_>,
    form: PathForm,
    (ends, not_ends): (u64, u64),
    all: &PathEvidence,
) {
    if all.total() == 0 {
        return;
    }
    let seen = ends + not_ends;
    let (message, minority, first) = match form {
        PathForm::Full => (
            format!(
                "Folder Path read as the full path, as in Advanced Hunting: {ends} of the first \
                 {seen} file and process rows with a File Name end with it"
            ),
            all.not_ends,
            all.first_not,
        ),
        PathForm::FolderOnly => (
            format!(
                "Folder Path read as the folder only: {not_ends} of the first {seen} file and \
                 process rows with a File Name do not end with it, so the full path (FolderPath \
                 of the query) is built as Folder Path\\File Name"
            ),
            all.ends,
            all.first_ends,
        ),
    };
    st.diagnostics.push(Diagnostic {
        kind: DiagnosticKind::Timeline,
        severity: Severity::Info,
        file: st.label.to_string(),
        line: None,
        column: Some("Folder Path".into()),
        message,
    });
    if minority > 0 {
        let what = match form {
            PathForm::Full => "do not end with their File Name",
            PathForm::FolderOnly => "already end with their File Name",
        };
        st.diagnostics.push(Diagnostic {
            kind: DiagnosticKind::Timeline,
            severity: Severity::Warning,
            file: st.label.to_string(),
            line: first,
            column: Some("Folder Path".into()),
            message: format!(
                "{minority} of {} file and process rows {what} (the first here); they were \
                     read the same way as the rest",
                all.total()
            ),
        });
    }
}

fn note_no_local_admin(st: &mut StreamState<'_>, map: &TimelineMap) {
    if map.cols[Col::IsLocalAdmin as usize].is_some() {
        return;
    }
    st.diagnostics.push(Diagnostic {
        kind: DiagnosticKind::MissingColumn,
        severity: Severity::Info,
        file: st.label.to_string(),
        line: None,
        column: Some("IsLocalAdmin".into()),
        message: "the device timeline export has no IsLocalAdmin column: the projected \
                      IsLocalAdmin is empty"
            .into(),
    });
}

/// Diagnostics name the columns as the file's header does (`Local Port`, not `LocalPort`).
fn rename_columns(st: &mut StreamState<'_>, from: usize, headers: &[String], map: &TimelineMap) {
    for d in st.diagnostics.items.iter_mut().skip(from) {
        let Some(name) = &d.column else { continue };
        if let Some(col) = Col::all().find(|c| c.name() == name) {
            if let Some(i) = map.cols[col as usize] {
                d.column = Some(headers[i].trim().to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_types_map_to_the_four_tables() {
        let t = table_of_action;
        assert_eq!(
            t("InboundConnectionAccepted"),
            Some(Table::DeviceNetworkEvents)
        );
        assert_eq!(
            t("ListeningConnectionCreated"),
            Some(Table::DeviceNetworkEvents)
        );
        assert_eq!(
            t("ConnectionSomethingNew"),
            Some(Table::DeviceNetworkEvents)
        );
        assert_eq!(t("LogonFailed"), Some(Table::DeviceLogonEvents));
        assert_eq!(t("LogonSomethingNew"), Some(Table::DeviceLogonEvents));
        assert_eq!(t("FileModified"), Some(Table::DeviceFileEvents));
        assert_eq!(t("FileSomethingNew"), Some(Table::DeviceFileEvents));
        assert_eq!(t("ProcessCreated"), Some(Table::DeviceProcessEvents));
        assert_eq!(t("RegistryValueSet"), None);
        assert_eq!(t("LogonRightsSettingEnabled"), None);
        assert_eq!(t("FileTimestampModificationEvent"), None);
        assert_eq!(t("filecreated"), None);
        assert_eq!(t(""), None);
    }

    #[test]
    fn headers_map_by_name() {
        assert_eq!(column_of("Event Time"), Some((Col::Timestamp, 2)));
        assert_eq!(column_of("Machine Id"), Some((Col::DeviceId, 2)));
        assert_eq!(
            column_of("Remote Computer Name"),
            Some((Col::RemoteDeviceName, 2))
        );
        assert_eq!(column_of("Sha1"), Some((Col::SHA1, 1)));
        assert_eq!(
            column_of("Initiating Process Folder Path"),
            Some((Col::InitiatingProcessFolderPath, 1))
        );
        assert_eq!(column_of("Remote IP"), Some((Col::RemoteIP, 1)));
        assert_eq!(column_of("Typed Details"), None);
        let headers = vec![
            "Event Time".to_string(),
            "Action Type".into(),
            "Machine Id".into(),
        ];
        assert!(is_timeline(&headers));
        assert!(!is_timeline(&[
            "Timestamp".to_string(),
            "ActionType".into()
        ]));
    }

    #[test]
    fn paths_are_joined_and_recognised() {
        assert!(ends_with_name(r"C:\Windows\x.exe", "x.exe"));
        assert!(ends_with_name("x.exe", "x.exe"));
        assert!(ends_with_name("C:/x.exe", "x.exe"));
        assert!(!ends_with_name(r"C:\Windows\ax.exe", "x.exe"));
        assert!(!ends_with_name(r"C:\Windows\X.EXE", "x.exe"));
        assert!(!ends_with_name(r"C:\Windows", ""));
        assert_eq!(join(r"C:\Windows", "x.exe"), r"C:\Windows\x.exe");
        assert_eq!(join("C:\\", "x.exe"), r"C:\x.exe");
        assert_eq!(join("", "x.exe"), "");
        assert_eq!(join(r"C:\Windows", ""), r"C:\Windows");
    }
}
