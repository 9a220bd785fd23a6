//! Merging what loaders read in parallel into one data set, as if one had read it all.

use super::dates::UndatedEvent;
use super::{Loaded, Loader, Part};
use crate::store::{Access, FileEvent, Loc, LogonEvent, NetEvent, ProcEvent, Sym};

impl Loaded {
    /// Merges parts in the order given, as if one loader had read all their inputs in that
    /// order: event indices, stream and input numbers come out the same. The pieces of an
    /// input read in pieces ([`Loader::read_piece`]) follow one another.
    pub fn from_parts(parts: Vec<Part>) -> Loaded {
        let mut parts = parts.into_iter().map(|p| p.0).peekable();
        let options = parts.peek().map(|p| p.options).unwrap_or_default();
        // A later piece first has no stream to join: it is dropped.
        let mut base = parts
            .next()
            .filter(|p| !p.is_later_piece())
            .unwrap_or_else(|| Loader::new(options).into_part().0);
        for part in parts {
            if part.is_later_piece() {
                base.join(part);
            } else {
                base.close_piece();
                base.append(part);
            }
        }
        base.close_piece();
        super::winlog::infer_connections(&mut base.store);
        base.store.shrink_to_fit();
        base
    }

    fn is_later_piece(&self) -> bool {
        self.open.as_ref().is_some_and(|o| o.piece.index > 0)
    }

    fn append(&mut self, mut other: Loaded) {
        let stream_offset = self.streams.len() as u32;
        let input_offset = self.inputs.len() as u32;
        let lens = self.lens();
        let open = other.open.take().map(|mut open| {
            open.stream = open.stream.map(|s| s + stream_offset);
            for p in &mut open.counts.pending {
                p.index += lens[p.table.index()];
            }
            open
        });
        let streams = std::mem::take(&mut other.streams);
        let reports = std::mem::take(&mut other.reports);
        let inputs = std::mem::take(&mut other.inputs);
        self.append_events(other, Place::Part { stream_offset });
        self.open = open;
        self.streams.extend(streams.into_iter().map(|mut s| {
            s.input += input_offset;
            s
        }));
        self.reports.extend(reports.into_iter().map(|mut r| {
            r.input += input_offset;
            r
        }));
        self.inputs.extend(inputs);
    }

    /// Events held per table.
    fn lens(&self) -> [usize; 4] {
        let st = &self.store;
        [
            st.net.len(),
            st.logons.len(),
            st.files.len(),
            st.procs.len(),
        ]
    }

    /// Moves the events of `other` (and its rows set aside) after these, renumbered for
    /// `place`.
    pub(super) fn append_events(&mut self, mut other: Loaded, place: Place) {
        // The other part's strings in its symbol order: the merged numbering is the one a
        // single loader would have given.
        let map: Vec<Sym> = other
            .store
            .strings
            .iter()
            .map(|(_, s)| self.store.strings.intern(s))
            .collect();
        other.store.strings = Default::default();
        let r = Renumber { map: &map, place };
        // Events are renumbered where they lie and then moved, not copied: one file holds one
        // table, so most lists are taken over whole.
        let o = &mut other.store;
        o.net.iter_mut().for_each(|e| r.net(e));
        o.logons.iter_mut().for_each(|e| r.logon(e));
        o.files.iter_mut().for_each(|e| r.file(e));
        o.procs.iter_mut().for_each(|e| r.proc(e));
        o.accesses.iter_mut().for_each(|e| r.access(e));
        // A row set aside goes back after the rows of its table before it: this part's rows
        // come after all of the base's.
        let lens = self.lens();
        for mut u in std::mem::take(&mut other.undated) {
            let table = match &mut u.event {
                UndatedEvent::Net(e) => {
                    r.net(e);
                    0
                }
                UndatedEvent::Logon(e) => {
                    r.logon(e);
                    1
                }
                UndatedEvent::File(e) => {
                    r.file(e);
                    2
                }
                UndatedEvent::Proc(e) => {
                    r.proc(e);
                    3
                }
            };
            u.before += lens[table];
            self.undated.push(u);
        }
        let st = &mut self.store;
        take_or_extend(&mut st.net, std::mem::take(&mut o.net));
        take_or_extend(&mut st.logons, std::mem::take(&mut o.logons));
        take_or_extend(&mut st.files, std::mem::take(&mut o.files));
        take_or_extend(&mut st.procs, std::mem::take(&mut o.procs));
        take_or_extend(&mut st.accesses, std::mem::take(&mut o.accesses));
        st.real_connections.extend(
            o.real_connections
                .iter()
                .map(|&(d, a)| (map[d.0 as usize], map[a.0 as usize])),
        );
    }
}

/// Where the events of a part go in the merged data set.
#[derive(Clone, Copy)]
pub(super) enum Place {
    /// After the streams before: its streams are renumbered from `stream_offset`.
    Part { stream_offset: u32 },
    /// Into `stream`, as a later piece of it: its lines come after `line_base` and its bytes
    /// after `byte_base`.
    Piece {
        stream: u32,
        line_base: u64,
        byte_base: u64,
    },
}

/// A part's symbols and places as the merged data set numbers them.
struct Renumber<'a> {
    map: &'a [Sym],
    place: Place,
}

impl Renumber<'_> {
    fn syms<const N: usize>(&self, loc: &mut Loc, syms: [&mut Sym; N]) {
        match self.place {
            Place::Part { stream_offset } => loc.stream += stream_offset,
            Place::Piece {
                stream,
                line_base,
                byte_base,
            } => {
                loc.stream = stream;
                loc.line += line_base;
                loc.byte += byte_base;
            }
        }
        for s in syms {
            *s = self.map[s.0 as usize];
        }
    }

    fn net(&self, e: &mut NetEvent) {
        self.syms(
            &mut e.loc,
            [
                &mut e.device,
                &mut e.remote_ip,
                &mut e.device_name,
                &mut e.remote_port,
                &mut e.protocol,
                &mut e.local_ip,
            ],
        );
    }

    fn logon(&self, e: &mut LogonEvent) {
        self.syms(
            &mut e.loc,
            [
                &mut e.device,
                &mut e.remote_ip,
                &mut e.account_domain,
                &mut e.account_name,
                &mut e.account_sid,
                &mut e.logon_id,
                &mut e.remote_device_name,
                &mut e.is_local_admin,
                &mut e.action,
            ],
        );
    }

    fn file(&self, e: &mut FileEvent) {
        self.syms(
            &mut e.loc,
            [
                &mut e.device,
                &mut e.folder_path,
                &mut e.path_key,
                &mut e.action,
                &mut e.device_name,
                &mut e.file_name,
                &mut e.sha1,
                &mut e.sha256,
                &mut e.md5,
            ],
        );
    }

    fn proc(&self, e: &mut ProcEvent) {
        self.syms(
            &mut e.loc,
            [
                &mut e.device,
                &mut e.folder_path,
                &mut e.path_key,
                &mut e.command_line,
                &mut e.parent,
            ],
        );
    }

    fn access(&self, a: &mut Access) {
        self.syms(
            &mut a.loc,
            [
                &mut a.device,
                &mut a.device_name,
                &mut a.address,
                &mut a.port,
                &mut a.session,
            ],
        );
    }
}

/// Appends `more` to `list`, taking `more`'s allocation when `list` is empty.
fn take_or_extend<T>(list: &mut Vec<T>, more: Vec<T>) {
    if list.is_empty() {
        *list = more;
    } else {
        list.extend(more);
    }
}
