//! Reading a big JSON or NDJSON file on several threads.
//!
//! Reading records is CPU-bound (serde_json builds every map and string), so a big file is cut
//! at record boundaries into one piece per core, each piece is read by the ordinary reader on
//! its own thread, and the pieces' records are joined in file order.
//!
//! The cut points come from a quick byte scan that does not validate anything: it only has to
//! be right for well-formed files. The piece readers check every boundary themselves (a piece
//! must end exactly at its cut), and when any piece fails, the caller reads the whole file again
//! on one thread and returns that result. So errors, and their lines and record numbers, are
//! the sequential reader's by construction, and a well-formed file gives the same records.

use super::Numbered;
use std::num::NonZeroUsize;
use std::sync::OnceLock;

/// Files smaller than this are read on one thread: below it, starting threads and the extra
/// scan cost about as much as they save.
const MIN_BYTES: usize = 1 << 20;

/// More threads than this gain little: joining the pieces and allocating start to dominate.
const MAX_THREADS: usize = 8;

/// When and into how many pieces to cut a file. Tests lower the threshold and pick the count,
/// so that small inputs take the parallel path on any machine.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    /// Files shorter than this are read on one thread.
    pub min_bytes: usize,
    /// The number of pieces wanted (fewer are made when records are too big to cut so often).
    pub pieces: usize,
}

impl Plan {
    /// One piece per available core, for files of at least a mebibyte.
    pub(super) fn for_machine() -> Plan {
        // Asking is not free on Linux (it reads the cgroup's CPU quota), and every record
        // file, however small, asks.
        static CORES: OnceLock<usize> = OnceLock::new();
        let cores = *CORES
            .get_or_init(|| std::thread::available_parallelism().map_or(1, NonZeroUsize::get));
        Plan {
            min_bytes: MIN_BYTES,
            pieces: cores.min(MAX_THREADS),
        }
    }

    /// Whether `bytes` is worth cutting.
    pub(super) fn wants(&self, bytes: &[u8]) -> bool {
        self.pieces > 1 && bytes.len() >= self.min_bytes
    }

    /// Where the `k`th of the `pieces - 1` cuts in `from..to` would ideally fall.
    fn target(&self, from: usize, to: usize, k: usize) -> usize {
        from + (to - from) / self.pieces * k
    }
}

/// A piece of a file: the bytes `start..end`, with `newlines` line breaks before `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Piece {
    pub start: usize,
    pub end: usize,
    pub newlines: usize,
}

/// Pieces between the `bounds` (each piece runs from one bound to the next), counting the line
/// breaks before each start. `skip` bytes after each bound but the first are left out (the
/// JSON reader's separating comma).
fn pieces(bytes: &[u8], bounds: &[usize], skip: usize) -> Vec<Piece> {
    let mut newlines = 0;
    let mut counted = 0;
    bounds
        .windows(2)
        .enumerate()
        .map(|(i, pair)| {
            let start = if i == 0 { pair[0] } else { pair[0] + skip };
            // Exact whatever the scan thought, and cheap next to the parse.
            newlines += count_newlines(&bytes[counted..start]);
            counted = start;
            Piece {
                start,
                end: pair[1],
                newlines,
            }
        })
        .collect()
}

/// Line breaks in `bytes`. Counting each run of 255 bytes in a `u8` lets the compiler compare
/// 16 or more bytes per instruction (a plain `filter().count()` adds up in `usize` lanes and
/// is about ten times slower).
fn count_newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|run| run.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n')))
        .map(usize::from)
        .sum()
}

/// Pieces of the top-level array whose `[` is at `open`, cut at commas between its elements:
/// each piece but the first starts just after a comma, each but the last ends at the next cut
/// comma, and the last runs to the end of the file. `None` if no cut was found, or the scan
/// ran into something a well-formed array does not have (the array closing early, or the file
/// ending inside it); the caller then reads the file on one thread.
pub(super) fn json_pieces(bytes: &[u8], open: usize, plan: Plan) -> Option<Vec<Piece>> {
    let cuts = json_cuts(bytes, open, plan)?;
    let mut bounds = Vec::with_capacity(cuts.len() + 2);
    bounds.push(open + 1);
    bounds.extend(cuts);
    bounds.push(bytes.len());
    Some(pieces(bytes, &bounds, 1))
}

/// Commas between elements of the array at `open`, about evenly spaced by bytes. Stops at
/// the last cut: the readers check the rest anyway, so scanning it would be wasted.
fn json_cuts(bytes: &[u8], open: usize, plan: Plan) -> Option<Vec<usize>> {
    let wanted = plan.pieces.checked_sub(1).filter(|&n| n > 0)?;
    let mut cuts = Vec::with_capacity(wanted);
    let mut target = plan.target(open, bytes.len(), 1);
    // Nesting inside the top-level array: 0 between its elements.
    let mut depth = 0usize;
    let mut i = open + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                i = string_end(bytes, i + 1)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            // At depth 0 this closes the array before the cuts were found: odd, or small.
            b'}' | b']' => depth = depth.checked_sub(1)?,
            b',' if depth == 0 && i >= target => {
                cuts.push(i);
                if cuts.len() == wanted {
                    return Some(cuts);
                }
                target = plan.target(open, bytes.len(), cuts.len() + 1);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The offset just after the `"` closing the string whose contents start at `i`.
fn string_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i += special(bytes.get(i..)?)?;
        if bytes.get(i) == Some(&b'"') {
            return Some(i + 1);
        }
        i += 2; // a backslash and the byte it escapes
    }
}

/// The first `"` or `\` in `bytes`. Strings are most of a record file, so this looks at eight
/// bytes at a time (no `memchr` dependency here): a byte of `x ^ splat(c)` is zero where `x`
/// has `c`, and `(y - 0x01…) & !y & 0x80…` has its lowest set bit at the first zero byte of
/// `y` (higher bits may be false alarms from borrows, but only after a real zero).
fn special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    let zero_at = |y: u64| y.wrapping_sub(ONES) & !y & HIGHS;
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in words.by_ref() {
        let mut eight = [0; 8];
        eight.copy_from_slice(word);
        // Little-endian, so the lowest bit belongs to the first byte.
        let x = u64::from_le_bytes(eight);
        let found = zero_at(x ^ QUOTES) | zero_at(x ^ BACKSLASHES);
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    let tail = words.remainder();
    tail.iter()
        .position(|&b| b == b'"' || b == b'\\')
        .map(|i| offset + i)
}

/// Pieces of an NDJSON file, each a run of whole lines (cut just after a line break). `None`
/// if the file has too few lines to cut.
pub(super) fn line_pieces(bytes: &[u8], plan: Plan) -> Option<Vec<Piece>> {
    let mut bounds = vec![0];
    for k in 1..plan.pieces {
        let from = plan
            .target(0, bytes.len(), k)
            .max(bounds.last().copied().unwrap_or(0));
        let Some(at) = bytes[from..].iter().position(|&b| b == b'\n') else {
            break;
        };
        let cut = from + at + 1;
        if cut < bytes.len() && bounds.last() != Some(&cut) {
            bounds.push(cut);
        }
    }
    if bounds.len() < 2 {
        return None;
    }
    bounds.push(bytes.len());
    Some(pieces(bytes, &bounds, 0))
}

/// Reads each piece with `read`, the first on this thread and the others on threads of their
/// own, and joins their records in order, numbering them on from the pieces before. `None` if
/// any piece failed (its error is dropped: the caller reads the whole file again to report the
/// first error exactly). A panic in a piece's thread is passed on.
pub(super) fn read_pieces<T: Numbered + Send, E>(
    pieces: &[Piece],
    read: impl Fn(&Piece) -> Result<Vec<T>, E> + Sync,
) -> Option<Vec<T>> {
    let (first, rest) = pieces.split_first()?;
    let read = &read;
    std::thread::scope(|scope| {
        let handles: Vec<_> = rest
            .iter()
            .map(|piece| scope.spawn(move || read(piece).ok()))
            .collect();
        let first = read(first).ok();
        let mut parts = Vec::with_capacity(handles.len());
        for handle in handles {
            match handle.join() {
                Ok(part) => parts.push(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        let mut records = first?;
        let rest: Vec<Vec<T>> = parts.into_iter().collect::<Option<_>>()?;
        records.reserve(rest.iter().map(Vec::len).sum());
        for part in rest {
            let base = records.len();
            records.extend(part.into_iter().map(|mut record| {
                record.renumber(base);
                record
            }));
        }
        Some(records)
    })
}

#[cfg(test)]
#[path = "split_tests.rs"]
mod tests;
