//! Work on every core: independent items mapped in contiguous chunks, results in item order,
//! and two independent steps run side by side; either way the outcome is exactly one thread's.

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
