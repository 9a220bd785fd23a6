//! Containers: peeling gzip, zip (nested) and byte-order marks off a stream until text or an
//! EVTX file is left, with the caps of [`Limits`] on what unpacking may cost.

use super::decode::{magic, utf16_to_utf8, Layer, Magic};
use super::dispatch::Opening;
use super::error::{BombCap, BombError, Cancelled, LoadError};
use super::report::leaf;
use super::{Limits, Loader};
use crate::diag::{Diagnostic, DiagnosticKind, Severity};
use std::cell::Cell;
use std::io::{self, BufReader, Cursor, Read};
use std::rc::Rc;

/// Archive nesting beyond this is refused (a zip bomb made of nested archives).
const MAX_DEPTH: usize = 4;

/// Counts the bytes read through it.
pub(super) struct Counting<R> {
    pub inner: R,
    pub count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
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

/// What a compressed stream unpacks, stopped at the caps: absolute size, and size per byte of
/// the input it came from (`packed`, counted as the input is read).
struct Capped<R> {
    inner: R,
    packed: Rc<Cell<u64>>,
    unpacked: u64,
    limits: Limits,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.unpacked += n as u64;
        let packed = self.packed.get().max(1);
        let cap = if self.unpacked > self.limits.max_unpacked {
            Some(BombCap::Size(self.limits.max_unpacked))
        } else if self.unpacked > self.limits.ratio_after
            && self.unpacked / packed > self.limits.max_ratio
        {
            Some(BombCap::Ratio(self.limits.max_ratio))
        } else {
            None
        };
        match cap {
            Some(cap) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                BombError {
                    packed,
                    unpacked: self.unpacked,
                    cap,
                },
            )),
            None => Ok(n),
        }
    }
}

/// Reads all of `reader`, up to `limit` bytes.
pub(super) fn read_capped(
    reader: &mut dyn Read,
    limit: u64,
    what: &'static str,
) -> Result<Vec<u8>, LoadError> {
    let mut all = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut all)
        .map_err(|e| match LoadError::from_io(e, None) {
            LoadError::Stopped { source, .. } => LoadError::Unreadable(source),
            other => other,
        })?;
    if all.len() as u64 > limit {
        return Err(LoadError::TooLarge { what, limit });
    }
    Ok(all)
}

/// One member of a zip archive, as read.
struct Member {
    name: String,
    bytes: Result<Vec<u8>, LoadError>,
}

impl Loader {
    /// Reads one stream: peels what it is wrapped in and hands the rest to its reader.
    pub(super) fn stream<'r>(
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
                let why = match LoadError::from_io(e, None) {
                    LoadError::Stopped { source, .. } => LoadError::Unreadable(source),
                    other => other,
                };
                self.set.skip_stream(input, &name, &layers, why);
                return Ok(());
            }
            // A truncated or corrupt stream: read what came before the damage, then report it
            // where it happens.
            Err(e) => Box::new(Cursor::new(head.clone()).chain(Failing(Some(e)))),
        };
        match magic(&head) {
            Magic::Gzip => {
                if depth >= MAX_DEPTH {
                    self.set
                        .skip_stream(input, &name, &layers, LoadError::NestedTooDeep);
                    return Ok(());
                }
                layers.push(Layer::Gzip);
                let inner = Capped {
                    inner: flate2::read::MultiGzDecoder::new(BufReader::new(reader)),
                    packed: Rc::clone(&self.raw),
                    unpacked: 0,
                    limits: self.limits,
                };
                // Named as on disk with what it holds: `x.csv.gz → x.csv`.
                let inner_name = match leaf(&name).strip_suffix(".gz") {
                    Some(member) if !member.is_empty() => format!("{name} → {member}"),
                    _ => format!("{name} → (gunzipped)"),
                };
                self.stream(input, inner_name, layers, Box::new(inner), depth + 1, tick)
            }
            Magic::Zip => self.zip(input, name, layers, reader, depth, tick),
            Magic::Utf16 { le } => {
                let mut reader = reader;
                let all = match read_capped(&mut reader, self.limits.max_in_memory, "UTF-16 text") {
                    Ok(all) => all,
                    Err(why) => {
                        self.set.skip_stream(input, &name, &layers, why);
                        return Ok(());
                    }
                };
                let (text, bad) = utf16_to_utf8(&all[2..], le);
                layers.push(Layer::Utf16 { le });
                let i = self.text(
                    input,
                    &name,
                    &layers,
                    Box::new(Cursor::new(text.into_bytes())),
                    Opening {
                        had_bom: true,
                        span: None,
                    },
                    tick,
                )?;
                if bad > 0 {
                    self.set.reports[i].diagnostics.push(Diagnostic {
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
                self.text(
                    input,
                    &name,
                    &layers,
                    reader,
                    Opening {
                        had_bom: true,
                        span: None,
                    },
                    tick,
                )
                .map(|_| ())
            }
            Magic::Evtx => self.evtx(input, &name, &layers, reader, tick).map(|_| ()),
            Magic::Binary(what) => {
                self.set
                    .skip_stream(input, &name, &layers, LoadError::Binary(what));
                Ok(())
            }
            Magic::Text => self
                .text(input, &name, &layers, reader, Opening::default(), tick)
                .map(|_| ()),
        }
    }
}

/// Zip archives: members within the caps, and what a cut archive still holds.
impl Loader {
    /// Reads the members of a zip archive, each a stream of its own.
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
            self.set
                .skip_stream(input, &name, &layers, LoadError::NestedTooDeep);
            return Ok(());
        }
        let all = match read_capped(&mut reader, self.limits.max_in_memory, "a zip archive") {
            Ok(all) => all,
            Err(why) => {
                self.set.skip_stream(input, &name, &layers, why);
                return Ok(());
            }
        };
        let mut zip = match zip::ZipArchive::new(Cursor::new(all.as_slice())) {
            Ok(z) => z,
            // No central directory (a cut archive): what its local headers still show.
            Err(e) => return self.zip_salvage(input, name, layers, (&all, e), depth, tick),
        };
        let members = zip.len();
        let limit = self.limits.max_members;
        for i in 0..members.min(limit) {
            let (member, is_dir, packed) = match zip.by_index_raw(i) {
                Ok(f) => (f.name().to_string(), f.is_dir(), f.compressed_size()),
                Err(e) => {
                    let label = format!("{name} › #{i}");
                    self.set
                        .skip_stream(input, &label, &layers, LoadError::ZipEntry(e));
                    continue;
                }
            };
            if is_dir || member.starts_with("__MACOSX/") {
                continue;
            }
            let bytes = match zip.by_index(i) {
                Ok(f) => self.unpack_member(f, packed),
                Err(e) => Err(LoadError::Unpack(e.to_string())),
            };
            self.member(
                input,
                &name,
                &layers,
                Member {
                    name: member,
                    bytes,
                },
                depth,
                tick,
            )?;
        }
        if members > limit {
            let why = LoadError::TooManyMembers { members, limit };
            self.set.skip_stream(input, &name, &layers, why);
        }
        Ok(())
    }

    /// A member's bytes, within the caps.
    fn unpack_member(&self, f: impl Read, packed: u64) -> Result<Vec<u8>, LoadError> {
        let mut capped = Capped {
            inner: f,
            packed: Rc::new(Cell::new(packed)),
            unpacked: 0,
            limits: self.limits,
        };
        read_capped(&mut capped, self.limits.max_in_memory, "a zip member").map_err(|e| match e {
            LoadError::Unreadable(source) => LoadError::Unpack(source.to_string()),
            other => other,
        })
    }

    /// Reads one member (or says why it could not be unpacked).
    fn member(
        &mut self,
        input: u32,
        archive: &str,
        layers: &[Layer],
        member: Member,
        depth: usize,
        tick: &mut dyn FnMut() -> bool,
    ) -> Result<(), Cancelled> {
        let label = format!("{archive} › {}", member.name);
        let mut member_layers = layers.to_vec();
        member_layers.push(Layer::ZipMember(member.name));
        match member.bytes {
            Ok(bytes) => self.stream(
                input,
                label,
                member_layers,
                Box::new(Cursor::new(bytes)),
                depth + 1,
                tick,
            ),
            Err(why) => {
                self.set.skip_stream(input, &label, &member_layers, why);
                Ok(())
            }
        }
    }

    /// A zip archive whose central directory cannot be read (cut short): reads the members
    /// its local headers still show, then reports where the archive stopped making sense.
    fn zip_salvage(
        &mut self,
        input: u32,
        name: String,
        layers: Vec<Layer>,
        (all, error): (&[u8], zip::result::ZipError),
        depth: usize,
        tick: &mut dyn FnMut() -> bool,
    ) -> Result<(), Cancelled> {
        let mut cursor = Cursor::new(all);
        let mut found = Vec::new();
        while found.len() < self.limits.max_members {
            match zip::read::read_zipfile_from_stream(&mut cursor) {
                Ok(Some(f)) => {
                    let member = f.name().to_string();
                    let (is_dir, packed) = (f.is_dir(), f.compressed_size());
                    let bytes = self.unpack_member(f, packed);
                    let cut = bytes.is_err();
                    if !is_dir && !member.starts_with("__MACOSX/") {
                        found.push(Member {
                            name: member,
                            bytes,
                        });
                    }
                    if cut {
                        break;
                    }
                }
                // The end of the members, or the damage.
                Ok(None) | Err(_) => break,
            }
        }
        let read = found.iter().filter(|m| m.bytes.is_ok()).count();
        for m in found {
            self.member(input, &name, &layers, m, depth, tick)?;
        }
        let why = if read == 0 {
            LoadError::NotZip(error)
        } else {
            LoadError::Unpack(format!(
                "not a whole zip archive ({error}); the {read} members before the damage were read"
            ))
        };
        self.set.skip_stream(input, &name, &layers, why);
        Ok(())
    }
}
