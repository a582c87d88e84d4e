//! Work on every core: independent items mapped in contiguous chunks, results in item order,
//! so the outcome is exactly one thread's.

/// Below this many items one thread is faster than starting others.
const MIN_ITEMS: usize = 4096;

/// `items.iter().map(f).collect()`, on every core (at most 8) for large inputs.
pub fn map_in_order<I: Sync, T: Send>(items: &[I], f: &(dyn Fn(&I) -> T + Sync)) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
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

#[cfg(test)]
mod tests {
    use super::*;

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
