//! Work on every core: independent items mapped in contiguous chunks, results in item order;
//! two independent steps run side by side, or one's output handed over in chunks to follow the
//! other's; either way the outcome is exactly one thread's.

/// Below this many items one thread is faster than starting others; callers of [`join`] use it
/// for "big enough for two threads" too.
pub const MIN_ITEMS: usize = 4096;

/// The cores this process may use, asked once: asking is not free on Linux (it reads the
/// cgroup's CPU quota), and every record file, diff and plan written asks.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `items.iter().map(f).collect()`, on every core (at most 8) for large inputs.
pub fn map_in_order<I: Sync, T: Send>(items: &[I], f: &(dyn Fn(&I) -> T + Sync)) -> Vec<T> {
    let threads = cores().min(8);
    if threads < 2 || items.len() < MIN_ITEMS {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part),
                // The mapped work does not panic (see tests/robustness.rs); if it ever did,
                // the panic is re-raised rather than a partial result returned.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// `(first(), second())`, with `second` on a thread of its own when `worth_a_thread` (one
/// thread costs tens of microseconds to start) and there is a core for it.
pub fn join<A, B>(
    worth_a_thread: bool,
    first: impl FnOnce() -> A,
    second: impl FnOnce() -> B + Send,
) -> (A, B)
where
    B: Send,
{
    if !worth_a_thread || cores() < 2 {
        return (first(), second());
    }
    std::thread::scope(|s| {
        let helper = s.spawn(second);
        let a = first();
        match helper.join() {
            Ok(b) => (a, b),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Items a producer makes, handed over in chunks of [`CHUNK`] as they fill (see [`stream`]).
pub struct Chunks<'a, T> {
    chunk: Vec<T>,
    hand_over: &'a mut dyn FnMut(Vec<T>) -> Vec<T>,
}

/// Items per chunk of [`stream`]: 4,096 actions are 256 KB, so a few chunks in flight cost
/// little next to the list they go to, and a hand-over is rare next to the work per item.
pub const CHUNK: usize = 4096;

impl<'a, T> Chunks<'a, T> {
    fn new(hand_over: &'a mut dyn FnMut(Vec<T>) -> Vec<T>) -> Chunks<'a, T> {
        Chunks {
            chunk: Vec::with_capacity(CHUNK),
            hand_over,
        }
    }

    /// Adds `item` after every item pushed before it.
    pub fn push(&mut self, item: T) {
        self.chunk.push(item);
        if self.chunk.len() >= CHUNK {
            let full = std::mem::take(&mut self.chunk);
            self.chunk = (self.hand_over)(full);
        }
    }

    /// Hands over what the last chunk holds.
    fn finish(mut self) {
        if !self.chunk.is_empty() {
            (self.hand_over)(std::mem::take(&mut self.chunk));
        }
    }
}

impl<T> Extend<T> for Chunks<'_, T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for item in items {
            self.push(item);
        }
    }
}

/// Two steps whose results go one after the other: `first()` runs on the calling thread while
/// `produce` makes items on a helper thread and hands them over in chunks; once `first` is
/// done, `take(&mut first's result, chunk)` gets every chunk in order, on the calling thread,
/// as they come, and leaves it empty (`Vec::append`). So the producer's items join the first
/// step's output while the producer still works, and are never held whole twice. Without a
/// thread (`!worth_a_thread`, one core) `first` runs, then `produce` with each chunk taken as
/// it fills. Returns `first`'s result (with every chunk taken) and `produce`'s.
pub fn stream<A, R, T>(
    worth_a_thread: bool,
    first: impl FnOnce() -> A,
    produce: impl FnOnce(&mut Chunks<'_, T>) -> R + Send,
    mut take: impl FnMut(&mut A, &mut Vec<T>),
) -> (A, R)
where
    R: Send,
    T: Send,
{
    use std::sync::mpsc;
    if !worth_a_thread || cores() < 2 {
        let mut made = first();
        let mut hand_over = |mut full: Vec<T>| {
            take(&mut made, &mut full);
            full.clear();
            full
        };
        let mut chunks = Chunks::new(&mut hand_over);
        let produced = produce(&mut chunks);
        chunks.finish();
        return (made, produced);
    }
    // Full chunks go to the calling thread and come back emptied, so the producer writes into
    // memory it has already touched instead of fresh pages; once it is done, it frees them
    // itself. Freed on the calling thread, mimalloc would give them back only when the
    // producer's thread allocates again, so the chunks that queued while `first` ran stayed
    // beside the list they went to (at 1M users, 58-72 MB more at the peak).
    let (full_tx, full_rx) = mpsc::channel::<Vec<T>>();
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<T>>();
    std::thread::scope(|s| {
        let helper = s.spawn(move || {
            let produced = {
                let mut hand_over = |full: Vec<T>| {
                    // The calling thread only hangs up by panicking, which the scope re-raises.
                    let _ = full_tx.send(full);
                    empty_rx
                        .try_recv()
                        .unwrap_or_else(|_| Vec::with_capacity(CHUNK))
                };
                let mut chunks = Chunks::new(&mut hand_over);
                let produced = produce(&mut chunks);
                chunks.finish();
                produced
            };
            drop(full_tx);
            // Until the calling thread has taken the last chunk.
            empty_rx.into_iter().for_each(drop);
            produced
        });
        let mut made = first();
        // Ends when the helper is done (or has panicked): its sender is dropped then.
        for mut chunk in full_rx {
            take(&mut made, &mut chunk);
            chunk.clear();
            let _ = empty_tx.send(chunk);
        }
        drop(empty_tx);
        match helper.join() {
            Ok(produced) => (made, produced),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// The `spill` of [`write_pieces`] for a writer: the buffer goes out once it holds `limit`
/// bytes, so that a long text costs a few thousand writes, not millions.
pub fn spill_to(
    out: &mut dyn std::io::Write,
    limit: usize,
) -> impl FnMut(&mut Vec<u8>) -> std::io::Result<()> + '_ {
    move |buffer: &mut Vec<u8>| {
        if buffer.len() >= limit {
            out.write_all(buffer)?;
            buffer.clear();
        }
        Ok(())
    }
}

/// A long list written as text on several threads, in order (a plan's actions, a diff's
/// people): `render(at, item, into)` appends item `at`'s text; the items are cut into pieces
/// of `piece` items, and piece `k` is rendered by thread `k % threads` (0 is the calling
/// thread, which also appends every piece to `buffer` in order and calls `spill` after each).
/// Each helper runs at most two pieces ahead, so memory stays a few pieces whatever the list.
pub fn write_pieces<T, F>(
    items: &[T],
    render: &(dyn Fn(usize, &T, &mut Vec<u8>) + Sync),
    buffer: &mut Vec<u8>,
    (threads, piece): (usize, usize),
    spill: &mut F,
) -> std::io::Result<()>
where
    T: Sync,
    F: FnMut(&mut Vec<u8>) -> std::io::Result<()>,
{
    use std::sync::mpsc;
    let piece = piece.max(1);
    let pieces: Vec<&[T]> = items.chunks(piece).collect();
    let render = |k: usize, into: &mut Vec<u8>| {
        for (i, item) in pieces[k].iter().enumerate() {
            render(k * piece + i, item, into);
        }
    };
    std::thread::scope(|scope| {
        let mut helpers = Vec::with_capacity(threads - 1);
        for helper in 1..threads {
            let (done, rendered) = mpsc::sync_channel::<Vec<u8>>(2);
            let (give_back, returned) = mpsc::channel::<Vec<u8>>();
            let render = &render;
            let count = pieces.len();
            scope.spawn(move || {
                for k in (helper..count).step_by(threads) {
                    let mut into = returned.try_recv().unwrap_or_default();
                    into.clear();
                    render(k, &mut into);
                    // The writer stopped (its output failed): nothing more is wanted.
                    if done.send(into).is_err() {
                        return;
                    }
                }
            });
            helpers.push((rendered, give_back));
        }
        for k in 0..pieces.len() {
            match k % threads {
                0 => render(k, buffer),
                helper => {
                    let (rendered, give_back) = &helpers[helper - 1];
                    // A helper only hangs up early by panicking; leaving here lets the scope
                    // re-raise that panic.
                    let Ok(mut piece) = rendered.recv() else {
                        return Err(std::io::Error::other("a rendering thread stopped"));
                    };
                    // Through `spill` like every other byte. The buffer is empty after every
                    // piece but the first (a piece is larger than what `spill` holds back), so
                    // the piece usually becomes the buffer instead of being copied into it.
                    if buffer.is_empty() {
                        std::mem::swap(buffer, &mut piece);
                    } else {
                        buffer.extend_from_slice(&piece);
                    }
                    let _ = give_back.send(piece);
                }
            }
            spill(buffer)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_gives_both_results_on_one_thread_or_two() {
        for worth_a_thread in [false, true] {
            let items: Vec<u64> = (1..=1000).collect();
            let (sum, max) = join(
                worth_a_thread,
                || items.iter().sum::<u64>(),
                || items.iter().copied().max(),
            );
            assert_eq!((sum, max), (500_500, Some(1000)), "{worth_a_thread}");
        }
    }

    #[test]
    fn a_panic_on_the_helper_thread_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| join(true, || 1, || -> u8 { panic!("helper") }));
        assert!(caught.is_err());
    }

    #[test]
    fn streamed_chunks_follow_the_first_result_in_order_on_one_thread_or_two() {
        for worth_a_thread in [false, true] {
            for n in [0, 1, CHUNK - 1, CHUNK, 3 * CHUNK + 7] {
                let (made, produced) = stream(
                    worth_a_thread,
                    || vec![usize::MAX; 3],
                    |chunks| {
                        chunks.extend(0..n);
                        n * 2
                    },
                    |made: &mut Vec<usize>, chunk| made.append(chunk),
                );
                let mut expected = vec![usize::MAX; 3];
                expected.extend(0..n);
                assert_eq!(made, expected, "{worth_a_thread} {n}");
                assert_eq!(produced, n * 2);
            }
        }
    }

    #[test]
    fn a_panic_while_streaming_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| {
            stream(
                true,
                Vec::<usize>::new,
                |chunks| -> usize {
                    chunks.extend(0..CHUNK + 1);
                    panic!("producer")
                },
                |made: &mut Vec<usize>, chunk| made.append(chunk),
            )
        });
        assert!(caught.is_err());
    }

    #[test]
    fn results_keep_item_order_small_and_large() {
        for n in [0, 1, MIN_ITEMS - 1, MIN_ITEMS, 3 * MIN_ITEMS + 7] {
            let items: Vec<usize> = (0..n).collect();
            let out = map_in_order(&items, &|i| i * 2 + 1);
            assert_eq!(
                out,
                items.iter().map(|i| i * 2 + 1).collect::<Vec<_>>(),
                "{n}"
            );
        }
    }
}
