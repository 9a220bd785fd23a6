//! Merging what loaders read in parallel into one data set, as if one had read it all.

use super::{LoadOptions, Loaded, Loader, Part};
use crate::store::{Access, FileEvent, Loc, LogonEvent, NetEvent, ProcEvent, Sym};

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
            local_ip: m(e.local_ip),
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
