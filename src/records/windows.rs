//! Reading a big JSON array of records from its file a window at a time.
//!
//! Read whole, a file sits in memory while its records are evaluated (30 MB at 100k Flex
//! records, 300 MB at 1M), and once freed the allocator keeps it for a while, so it stays in
//! the peak of the diff that follows. Here the file is read [`WINDOW`] bytes at a time: each
//! window is cut after its last whole record (where a `}` and a `{` meet at a comma, as
//! [`split`] cuts), the records before the cut are read on every core as the pieces of a whole
//! file are, and the bytes after the cut start the next window, which is read from the file
//! while the other threads read this one.
//!
//! Measured (`scripts/alternate.py`, 11 rounds, Flex 100k plan): peak 141 -> 115 MB, the
//! same time (0.338 s against 0.341 s).
//!
//! Only the well-formed case is handled here: a plain top-level array of a file of at least
//! [`Plan::min_bytes`], UTF-8. Anything else (an envelope, a cut that was fooled by text in a
//! string, any error in any record) gives `None`, and the caller reads the file whole as
//! before, so that every error is reported exactly as the one-thread reader reports it.

use super::Numbered;
use super::json::{self, Sink};
use super::shape::Shapes;
use super::split::{self, Piece, Plan};
use super::text::UTF8_BOM;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

/// The bytes read from the file at a time. Larger windows join their threads less often;
/// smaller ones keep less of the file resident. Since the next window is read while the other
/// threads read this one's pieces (see `read_in_windows`), three windows can be in memory at
/// once: at 4 MiB, 7 of 21 cold 100k plans peaked at 104-108 MB; at 2 MiB all at 94-95 MB, in
/// the same time.
const WINDOW: usize = 2 << 20;

/// The records of the JSON array in the file at `path`, read a window at a time and each
/// handed to `sink` on the thread that read it, in file order and numbered as the whole-file
/// reader numbers them. `None` when the file is not a plain array big enough to cut, or when
/// anything in it is not as a well-formed file has it: the caller then reads it whole.
pub(super) fn read_mapped<T: Numbered + Send>(
    path: &Path,
    name: &str,
    shape: Shapes,
    plan: Plan,
    sink: Sink<'_, T>,
) -> Option<Vec<T>> {
    read_in_windows(path, name, shape, plan, WINDOW, sink)
}

/// [`read_mapped`] with windows of `size` bytes (tests take small ones).
fn read_in_windows<T: Numbered + Send>(
    path: &Path,
    name: &str,
    shape: Shapes,
    plan: Plan,
    size: usize,
    sink: Sink<'_, T>,
) -> Option<Vec<T>> {
    let file = std::fs::File::open(path).ok()?;
    let length = usize::try_from(file.metadata().ok().filter(|m| m.is_file())?.len()).ok()?;
    if !plan.wants_length(length) {
        return None;
    }
    let mut source = Source {
        file,
        size: size.min(length + 1),
        ended: false,
    };
    let bytes = source.window(&[])?;
    // The array's `[`, after a byte order mark and white space.
    let text = bytes.strip_prefix(UTF8_BOM).unwrap_or(&bytes);
    let open = bytes.len() - text.len() + text.iter().position(|b| !is_space(b))?;
    if bytes[open] != b'[' {
        return None;
    }
    let read = |bytes: &[u8], piece: &Piece| {
        json::read_piece_mapped(name, bytes, shape, piece, false, sink).ok()
    };
    // The helper threads live as long as the file is read. With a thread started for each
    // window (75 at 1M records), the 1M plan spent 1.25 s in the kernel against 0.78 s
    // (`scripts/alternate.py`, 6 rounds): each new thread's allocations took fresh memory.
    std::thread::scope(|scope| {
        let (done, results) = mpsc::channel();
        let helpers: Vec<mpsc::Sender<Arc<Job>>> = (1..plan.threads)
            .map(|_| {
                let (give, jobs) = mpsc::channel::<Arc<Job>>();
                let done = done.clone();
                scope.spawn(move || {
                    for job in jobs {
                        while let Some(result) = job.read_next(&read) {
                            if done.send((job.number, result)).is_err() {
                                return;
                            }
                        }
                    }
                });
                give
            })
            .collect();
        // Only the helpers send: if they all stop, waiting for their results ends.
        drop(done);
        let give = |job: &Arc<Job>| {
            helpers
                .iter()
                .try_for_each(|helper| helper.send(Arc::clone(job)))
                .ok()
        };
        let mut joined = Joined {
            records: Vec::new(),
            waiting: Vec::new(),
            results,
            length,
        };
        let mut current = Arc::new(Job::new(&mut source, bytes, open + 1, 0, 0, plan)?);
        give(&current)?;
        let mut previous: Option<Arc<Job>> = None;
        loop {
            // The next window is read, cut and handed out first: the other threads read this
            // window's pieces meanwhile, and when they run out of them they go straight on to
            // the next window. Read after this thread's share of the pieces, the file kept the
            // others waiting at every window, and the records were read and evaluated ~10 ms
            // later: a first 100k plan takes 0.96x the time this way (two rounds of 21 and 15,
            // docs/benchmarks.md, issue 20). Then the window before is joined, a window late,
            // so that no thread waits for another's last piece (see `Joined`).
            let next = match current.last {
                true => None,
                false => {
                    let bytes = source.window(&current.bytes[current.len..])?;
                    let newlines = current.newlines + split::count_newlines(current.bytes());
                    let number = current.number + 1;
                    let next = Arc::new(Job::new(&mut source, bytes, 0, newlines, number, plan)?);
                    give(&next)?;
                    Some(next)
                }
            };
            while let Some(result) = current.read_next(&read) {
                joined.waiting.push((current.number, result));
            }
            if let Some(previous) = previous.take() {
                joined.join(&previous)?;
            }
            match next {
                Some(next) => previous = Some(std::mem::replace(&mut current, next)),
                None => {
                    joined.join(&current)?;
                    return Some(joined.records);
                }
            }
        }
    })
}

/// The records of the windows joined so far, and the pieces read of later ones.
///
/// A window is joined one window late: by then its pieces are all read, so no thread waits
/// for another's last piece. Joined as soon as its pieces were taken, a 1M plan took 3.15 s
/// against 3.03 s (`scripts/alternate.py`, 4 rounds); at 100k the time is the same.
struct Joined<T> {
    records: Vec<T>,
    /// Pieces read of windows not joined yet: (window, piece result).
    waiting: Vec<(usize, PieceResult<T>)>,
    results: mpsc::Receiver<(usize, PieceResult<T>)>,
    /// The file's length, to make room for all records once the first window is read.
    length: usize,
}

impl<T: Numbered> Joined<T> {
    /// Waits for the rest of `job`'s pieces and appends its records. `None` when a piece
    /// failed; a piece's panic is raised again here.
    fn join(&mut self, job: &Job) -> Option<()> {
        let mut parts: Vec<(usize, std::thread::Result<Option<Vec<T>>>)> = self
            .waiting
            .extract_if(.., |(number, _)| *number == job.number)
            .map(|(_, part)| part)
            .collect();
        while parts.len() < job.pieces.len() {
            let (number, part) = self.results.recv().ok()?;
            match number == job.number {
                true => parts.push(part),
                false => self.waiting.push((number, part)),
            }
        }
        parts.sort_unstable_by_key(|(index, _)| *index);
        for (_, part) in parts {
            let part = part.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            append(&mut self.records, part, self.length, job.len);
        }
        Some(())
    }
}

/// A piece's place in its window and its records (`None` if it failed, `Err` if it panicked).
type PieceResult<T> = (usize, std::thread::Result<Option<Vec<T>>>);

/// The file being read, a window at a time.
struct Source {
    file: std::fs::File,
    /// Bytes in a window.
    size: usize,
    /// Whether the file has been read to its end.
    ended: bool,
}

impl Source {
    /// A window: `carry` (the bytes after the last window's cut), then as much of the file as
    /// fits. `None` on a read error (the whole-file reader reports it).
    fn window(&mut self, carry: &[u8]) -> Option<Vec<u8>> {
        let mut bytes = Vec::with_capacity(self.size.max(2 * carry.len()));
        bytes.extend_from_slice(carry);
        self.fill(&mut bytes)?;
        Some(bytes)
    }

    /// Reads until `bytes` is full or the file ends.
    fn fill(&mut self, bytes: &mut Vec<u8>) -> Option<()> {
        let room = bytes.capacity() - bytes.len();
        let read = (&mut self.file).take(room as u64).read_to_end(bytes).ok()?;
        self.ended = read < room;
        Some(())
    }
}

/// A window's records, read on every thread: each takes the next piece not yet taken.
struct Job {
    /// The window's bytes; those after `len` are the next window's start.
    bytes: Vec<u8>,
    /// The bytes read now: up to and including the cut comma, or all of the last window.
    len: usize,
    last: bool,
    pieces: Vec<Piece>,
    /// Line breaks before the window.
    newlines: usize,
    /// The window's place in the file, from 0.
    number: usize,
    next: AtomicUsize,
}

impl Job {
    /// The window `bytes` whose records start at `start`, cut after its last whole record;
    /// a window holding no whole record grows until it does or the file ends.
    fn new(
        source: &mut Source,
        mut bytes: Vec<u8>,
        start: usize,
        newlines: usize,
        number: usize,
        plan: Plan,
    ) -> Option<Job> {
        let end = loop {
            if source.ended {
                break bytes.len();
            }
            match last_cut(&bytes, start) {
                Some(cut) => break cut,
                None => {
                    bytes.reserve_exact(bytes.capacity());
                    source.fill(&mut bytes)?;
                }
            }
        };
        // A window that is not the last ends with its cut comma, which its last piece stops
        // at; the last window's last piece reads to the array's end and what follows it.
        let last = source.ended;
        let len = if last { end } else { end + 1 };
        let pieces = pieces(&bytes[..len], start, end, plan, newlines);
        Some(Job {
            bytes,
            len,
            last,
            pieces,
            newlines,
            number,
            next: AtomicUsize::new(0),
        })
    }

    fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Takes the next piece not yet taken and reads it with `read`; `None` when all are taken.
    /// A panic is caught and passed on with the result, to be raised again by the thread that
    /// joins the pieces.
    fn read_next<T>(
        &self,
        read: &impl Fn(&[u8], &Piece) -> Option<Vec<T>>,
    ) -> Option<PieceResult<T>> {
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        let piece = self.pieces.get(index)?;
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(self.bytes(), piece)));
        Some((index, result))
    }
}

/// The last comma after `start` where two records appear to meet (see [`split`]): the end of
/// the window's part that is read now.
fn last_cut(bytes: &[u8], start: usize) -> Option<usize> {
    let mut end = bytes.len();
    while let Some(comma) = memchr::memrchr(b',', bytes.get(start..end)?) {
        let comma = start + comma;
        let before = bytes[..comma].iter().rev().find(|b| !is_space(b));
        let after = bytes[comma + 1..].iter().find(|b| !is_space(b));
        // The next record's `{` must be in the window: a comma followed by white space to
        // the window's end may still be inside a string.
        if before == Some(&b'}') && after == Some(&b'{') {
            return Some(comma);
        }
        end = comma;
    }
    None
}

/// The window's records from `start` to `end`, cut into a few pieces per thread where
/// records appear to meet, with the line breaks before each (`newlines` before the window).
fn pieces(bytes: &[u8], start: usize, end: usize, plan: Plan, newlines: usize) -> Vec<Piece> {
    let mut bounds = vec![start];
    for k in 1..plan.pieces {
        let from = (start + (end - start) / plan.pieces * k).max(bounds[bounds.len() - 1] + 1);
        match split::quick_cut(bytes, from) {
            Some(cut) if cut < end => bounds.push(cut),
            _ => break,
        }
    }
    bounds.push(end);
    let mut pieces = split::pieces(bytes, &bounds, 1);
    for piece in &mut pieces {
        piece.newlines += newlines;
    }
    pieces
}

/// Appends a window's records, numbered on from those before. After the first window, room
/// is made for the whole file's records as their size so far suggests (and a sixteenth more),
/// so that the list is not copied as it grows.
fn append<T: Numbered>(records: &mut Vec<T>, part: Vec<T>, length: usize, read: usize) {
    if records.is_empty() && !part.is_empty() {
        let per_record = (read / part.len()).max(1);
        let estimate = length / per_record;
        records.reserve(estimate + estimate / 16 + 16);
    }
    let base = records.len();
    records.extend(part.into_iter().map(|mut record| {
        record.renumber(base);
        record
    }));
}

fn is_space(b: &u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

#[cfg(test)]
#[path = "windows_tests.rs"]
mod tests;
