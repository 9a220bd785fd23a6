//! Sharing inputs out among readers working side by side (the CLI's threads, the app's
//! workers): which inputs, or pieces of inputs, each reads.

use super::Piece;
use serde::{Deserialize, Serialize};

/// An input read whole (one piece of one), or one piece of an input read in pieces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputPiece {
    /// Input number.
    pub input: usize,
    /// Which piece.
    pub piece: Piece,
}

/// What each reader reads.
#[derive(Debug, PartialEq)]
pub struct Plan {
    /// How many pieces each input is read in.
    pub pieces: Vec<u32>,
    /// Per reader, what it reads, in input and piece order; no share is empty (but the first
    /// when there is nothing to read).
    pub shares: Vec<Vec<InputPiece>>,
}

/// Shares out inputs (each one's size, and whether it may be read in pieces: see
/// [`may_split`]) among `readers`. An input larger than a fair share (the total over the
/// readers), which would keep its reader busy after the others, is read in as many pieces as
/// it holds fair shares, rounded up, none smaller than `min_piece` bytes. Then the largest
/// first, to the least loaded reader.
pub fn plan(inputs: &[(u64, bool)], readers: usize, min_piece: u64) -> Plan {
    let n = readers.max(1);
    let total: u64 = inputs.iter().map(|f| f.0).sum();
    let pieces: Vec<u32> = inputs
        .iter()
        .map(|&(size, splits)| {
            if !splits || n == 1 || total == 0 {
                return 1;
            }
            let shares = (u128::from(size) * n as u128).div_ceil(u128::from(total));
            let large_enough = u128::from(size / min_piece.max(1));
            shares.min(large_enough).clamp(1, n as u128) as u32
        })
        .collect();
    let mut units: Vec<(u64, InputPiece)> = Vec::new();
    for (input, (&(size, _), &of)) in inputs.iter().zip(&pieces).enumerate() {
        for index in 0..of {
            let piece = Piece { index, of };
            units.push((size / u64::from(of), InputPiece { input, piece }));
        }
    }
    units.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.input.cmp(&b.1.input)));
    let mut shares: Vec<Vec<InputPiece>> = vec![Vec::new(); n];
    let mut loads = vec![0u64; n];
    for (size, unit) in units {
        let least = (0..n).min_by_key(|&k| (loads[k], k)).unwrap_or(0);
        shares[least].push(unit);
        loads[least] += size;
    }
    shares.retain(|s| !s.is_empty());
    if shares.is_empty() {
        shares.push(Vec::new());
    }
    for s in &mut shares {
        s.sort_unstable_by_key(|u| (u.input, u.piece.index));
    }
    Plan { pieces, shares }
}

/// Whether an input of this name is worth planning in pieces. Only plain CSV and JSON lines
/// are read in pieces, and anything else is read whole by its first piece, which would leave
/// that reader alone with it: names of compressed files, archives and event logs say so
/// before their bytes are read.
pub fn may_split(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ![".gz", ".zip", ".evtx", ".xml"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::{may_split, plan, InputPiece, Piece};

    const MB: u64 = 1 << 20;
    const MIN: u64 = 8 * MB;

    fn whole(input: usize) -> InputPiece {
        InputPiece {
            input,
            piece: Piece { index: 0, of: 1 },
        }
    }

    fn sizes(mbs: &[u64]) -> Vec<(u64, bool)> {
        mbs.iter().map(|&s| (s * MB, true)).collect()
    }

    #[test]
    fn shares_by_size_in_input_order() {
        // None is above its fair share: the largest alone with the smallest.
        let p = plan(&sizes(&[66, 34, 52, 56]), 2, MIN);
        assert_eq!(p.pieces, vec![1, 1, 1, 1]);
        assert_eq!(
            p.shares,
            vec![vec![whole(0), whole(1)], vec![whole(2), whole(3)]]
        );
        assert_eq!(plan(&[], 2, MIN).shares, vec![Vec::<InputPiece>::new()]);
        let p = plan(&sizes(&[5; 7]), 3, MIN);
        assert_eq!(p.shares.len(), 3);
        let mut all: Vec<usize> = p.shares.concat().iter().map(|u| u.input).collect();
        all.sort_unstable();
        assert_eq!(all, (0..7).collect::<Vec<_>>());
    }

    #[test]
    fn a_large_input_is_read_in_pieces() {
        let p = plan(&sizes(&[100]), 2, MIN);
        assert_eq!(p.pieces, vec![2]);
        let piece = |index| InputPiece {
            input: 0,
            piece: Piece { index, of: 2 },
        };
        assert_eq!(p.shares, vec![vec![piece(0)], vec![piece(1)]]);
        // In pieces of at most a fair share (62.5 MB); one that may not split, whole.
        let mut three = sizes(&[150, 10, 90]);
        three[2].1 = false;
        let p = plan(&three, 4, MIN);
        assert_eq!(p.pieces, vec![3, 1, 1]);
        assert_eq!(p.shares.len(), 4);
        // The largest of four above its fair share (26 MB): in two, the readers even.
        assert_eq!(
            plan(&sizes(&[31, 9, 7, 5]), 2, MIN).pieces,
            vec![2, 1, 1, 1]
        );
        // Pieces no smaller than the least worth one.
        assert_eq!(plan(&sizes(&[20, 10]), 4, MIN).pieces, vec![2, 1]);
        assert_eq!(plan(&sizes(&[100]), 1, MIN).pieces, vec![1]);
        assert!(may_split("DeviceProcessEvents.csv") && may_split("events.jsonl"));
        assert!(!may_split("exports.ZIP") && !may_split("p.csv.gz") && !may_split("Security.evtx"));
    }
}
