//! Reading a big JSON or NDJSON file on several threads.
//!
//! Reading records is CPU-bound (serde_json builds every map and string), so a big file is cut
//! at record boundaries into a few pieces per core; the threads take the pieces in turn (a
//! core that another process slows down takes fewer), each piece is read by the ordinary reader,
//! and the pieces' records are joined in file order.
//!
//! A JSON file is first cut where records appear to meet (`}`, a comma, `{`), found by looking
//! only near each cut: no scan of the file before the threads start. That look can be fooled
//! by such text inside a string or by nested objects, so the piece readers check every
//! boundary themselves (a piece must end exactly at its cut, on a record boundary): if any
//! piece fails, the file is cut again after an exact scan that follows strings and nesting
//! from the start, and if a piece fails again, the caller reads the whole file on one thread
//! and returns that result. So errors, and their lines and record numbers, are the sequential
//! reader's by construction, and a well-formed file gives the same records.

use super::Numbered;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Files smaller than this are read on one thread: below it, starting threads and the extra
/// scan cost about as much as they save.
const MIN_BYTES: usize = 1 << 20;

/// More threads than this gain little: joining the pieces and allocating start to dominate.
const MAX_THREADS: usize = 8;

/// Pieces per thread: enough that a core slowed down by other work leaves its share to the
/// others, few enough that joining them stays cheap.
const PIECES_PER_THREAD: usize = 4;

/// When and into how many pieces to cut a file. Tests lower the threshold and pick the counts,
/// so that small inputs take the parallel path on any machine.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    /// Files shorter than this are read on one thread.
    pub min_bytes: usize,
    /// The number of pieces wanted (fewer are made when records are too big to cut so often).
    pub pieces: usize,
    /// Threads reading them (this one included).
    pub threads: usize,
}

impl Plan {
    /// A few pieces per available core, for files of at least a mebibyte.
    pub(super) fn for_machine() -> Plan {
        let threads = crate::parallel::cores().min(MAX_THREADS);
        Plan {
            min_bytes: MIN_BYTES,
            pieces: if threads > 1 {
                threads * PIECES_PER_THREAD
            } else {
                1
            },
            threads,
        }
    }

    /// Whether `bytes` is worth cutting.
    pub(super) fn wants(&self, bytes: &[u8]) -> bool {
        self.wants_length(bytes.len())
    }

    /// Whether a file of `length` bytes is worth cutting.
    pub(super) fn wants_length(&self, length: usize) -> bool {
        self.pieces > 1 && self.threads > 1 && length >= self.min_bytes
    }

    /// Where the `k`th of the `pieces - 1` cuts in `from..to` would ideally fall.
    fn target(&self, from: usize, to: usize, k: usize) -> usize {
        from + (to - from) / self.pieces * k
    }
}

/// How the cuts of a JSON array are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cuts {
    /// By the look of the bytes near each cut (see [`quick_cut`]): may be wrong.
    Quick,
    /// By a scan from the start that follows strings and nesting: right for well-formed files.
    Exact,
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
pub(super) fn pieces(bytes: &[u8], bounds: &[usize], skip: usize) -> Vec<Piece> {
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
pub(super) fn count_newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|run| run.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n')))
        .map(usize::from)
        .sum()
}

/// Pieces of the top-level array whose `[` is at `open`, cut at commas between its elements:
/// each piece but the first starts just after a comma, each but the last ends at the next cut
/// comma, and the last runs to the end of the file. `None` if no cut was found, or an exact
/// scan ran into something a well-formed array does not have (the array closing early, or the
/// file ending inside it); the caller then reads the file on one thread.
pub(super) fn json_pieces(bytes: &[u8], open: usize, plan: Plan, how: Cuts) -> Option<Vec<Piece>> {
    let cuts = match how {
        Cuts::Quick => quick_cuts(bytes, open, plan)?,
        Cuts::Exact => json_cuts(bytes, open, plan)?,
    };
    let mut bounds = Vec::with_capacity(cuts.len() + 2);
    bounds.push(open + 1);
    bounds.extend(cuts);
    bounds.push(bytes.len());
    Some(pieces(bytes, &bounds, 1))
}

/// Commas after each ideal cut point of the array at `open` that look like the boundary
/// between two records (see [`quick_cut`]). `None` if none was found.
fn quick_cuts(bytes: &[u8], open: usize, plan: Plan) -> Option<Vec<usize>> {
    let mut cuts: Vec<usize> = Vec::with_capacity(plan.pieces);
    for k in 1..plan.pieces {
        let from = plan
            .target(open, bytes.len(), k)
            .max(cuts.last().map_or(open + 1, |&c| c + 1));
        match quick_cut(bytes, from) {
            Some(cut) => cuts.push(cut),
            None => break,
        }
    }
    (!cuts.is_empty()).then_some(cuts)
}

/// The first comma at or after `from` with only white space between it and a `}` before and
/// a `{` after: where two records of an array of objects meet, unless the text is inside a
/// string or a nested array (the piece readers find out).
pub(super) fn quick_cut(bytes: &[u8], from: usize) -> Option<usize> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
    let mut at = from;
    loop {
        let comma = at + bytes.get(at..)?.iter().position(|&b| b == b',')?;
        let before = bytes[..comma].iter().rev().find(|b| !is_space(b));
        let after = bytes[comma + 1..].iter().find(|b| !is_space(b));
        if before == Some(&b'}') && after == Some(&b'{') {
            return Some(comma);
        }
        at = comma + 1;
    }
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

/// The first `"` or `\` in `bytes`. Strings are most of a record file, so this is the
/// vectorised search of the `memchr` crate (it replaced an eight-bytes-at-a-time loop here).
fn special(bytes: &[u8]) -> Option<usize> {
    memchr::memchr2(b'"', b'\\', bytes)
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

/// Reads the pieces with `read` on `threads` threads (this one among them), each taking the
/// next piece not yet taken, and joins their records in order, numbering them on from the
/// pieces before. `read` is told whether its piece is the first (whose list the others are
/// appended to). `None` if any piece failed (its error is dropped: the caller reads the file
/// again to report the first error exactly); after a failure no further piece is started. A
/// panic in a piece's thread is passed on.
pub(super) fn read_pieces<T: Numbered + Send, E>(
    pieces: &[Piece],
    threads: usize,
    read: impl Fn(&Piece, bool) -> Result<Vec<T>, E> + Sync,
) -> Option<Vec<T>> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let work = || {
        let mut done: Vec<(usize, Vec<T>)> = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(piece) = pieces.get(index) else {
                break;
            };
            match read(piece, index == 0) {
                Ok(records) => done.push((index, records)),
                Err(_) => failed.store(true, Ordering::Relaxed),
            }
        }
        done
    };
    let work = &work;
    let mut done: Vec<(usize, Vec<T>)> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.min(pieces.len()))
            .map(|_| scope.spawn(work))
            .collect();
        let mut done = work();
        for helper in helpers {
            match helper.join() {
                Ok(theirs) => done.extend(theirs),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        done
    });
    if failed.load(Ordering::Relaxed) || done.len() != pieces.len() {
        return None;
    }
    // Every piece was read once: in index order, they are the file's order.
    done.sort_unstable_by_key(|&(index, _)| index);
    let mut parts = done.into_iter().map(|(_, part)| part);
    let mut records = parts.next()?;
    for part in parts {
        let base = records.len();
        records.extend(part.into_iter().map(|mut record| {
            record.renumber(base);
            record
        }));
    }
    Some(records)
}

#[cfg(test)]
#[path = "split_tests.rs"]
pub(super) mod tests;
