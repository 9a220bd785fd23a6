//! Merging what loaders read in parallel into one data set, as if one had read it all.

use super::{LoadOptions, Loaded, Loader, Part};
use crate::store::{Loc, Sym};

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
        super::winlog::infer_connections(&mut base.store);
        base.store.shrink_to_fit();
        base
    }

    fn append(&mut self, mut other: Loaded) {
        let stream_offset = self.streams.len() as u32;
        let input_offset = self.inputs.len() as u32;
        // The other part's strings in its symbol order: the merged numbering is the one a
        // single loader would have given.
        let map: Vec<Sym> = other
            .store
            .strings
            .iter()
            .map(|(_, s)| self.store.strings.intern(s))
            .collect();
        other.store.strings = Default::default();
        let m = |s: &mut Sym| *s = map[s.0 as usize];
        let loc = |l: &mut Loc| l.stream += stream_offset;
        // Events are renumbered where they lie and then moved, not copied: one file holds one
        // table, so most lists are taken over whole.
        let o = &mut other.store;
        for e in &mut o.net {
            loc(&mut e.loc);
            for s in [
                &mut e.device,
                &mut e.remote_ip,
                &mut e.device_name,
                &mut e.remote_port,
                &mut e.protocol,
                &mut e.local_ip,
            ] {
                m(s);
            }
        }
        for e in &mut o.logons {
            loc(&mut e.loc);
            for s in [
                &mut e.device,
                &mut e.remote_ip,
                &mut e.account_domain,
                &mut e.account_name,
                &mut e.account_sid,
                &mut e.logon_id,
                &mut e.remote_device_name,
                &mut e.is_local_admin,
                &mut e.action,
            ] {
                m(s);
            }
        }
        for e in &mut o.files {
            loc(&mut e.loc);
            for s in [
                &mut e.device,
                &mut e.folder_path,
                &mut e.path_key,
                &mut e.action,
                &mut e.device_name,
                &mut e.file_name,
                &mut e.sha1,
                &mut e.sha256,
                &mut e.md5,
            ] {
                m(s);
            }
        }
        for e in &mut o.procs {
            loc(&mut e.loc);
            for s in [
                &mut e.device,
                &mut e.folder_path,
                &mut e.path_key,
                &mut e.command_line,
                &mut e.parent,
            ] {
                m(s);
            }
        }
        for a in &mut o.accesses {
            loc(&mut a.loc);
            for s in [
                &mut a.device,
                &mut a.device_name,
                &mut a.address,
                &mut a.port,
                &mut a.session,
            ] {
                m(s);
            }
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

/// Appends `more` to `list`, taking `more`'s allocation when `list` is empty.
fn take_or_extend<T>(list: &mut Vec<T>, more: Vec<T>) {
    if list.is_empty() {
        *list = more;
    } else {
        list.extend(more);
    }
}
