//! Which of the fields a mapping uses each record fills, counted while the record is
//! evaluated (one lookup per used field, no second pass over the records): the plan's
//! fill-rate table and the fill-rate guards (the `quality` module) are made from the sums.

use super::read::is_filled;
use crate::check::Program;
use crate::records::Fields;

/// The used fields (by slot) one record fills: a bit per slot, the first 64 inline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FillMask {
    low: u64,
    /// Slots 64 and up, 64 to a word; only for mappings that read more than 64 fields.
    high: Option<Box<[u64]>>,
}

impl FillMask {
    /// The fields of `program` that `record` fills.
    pub fn of(program: &Program, record: Fields<'_>) -> FillMask {
        let mut mask = FillMask::default();
        for (slot, field) in program.fields.iter().enumerate() {
            if is_filled(record, field) {
                mask.set(slot, program.fields.len());
            }
        }
        mask
    }

    fn set(&mut self, slot: usize, slots: usize) {
        if slot < 64 {
            self.low |= 1 << slot;
        } else {
            let high = self
                .high
                .get_or_insert_with(|| vec![0; slots.saturating_sub(64).div_ceil(64)].into());
            if let Some(word) = high.get_mut((slot - 64) / 64) {
                *word |= 1 << ((slot - 64) % 64);
            }
        }
    }

    /// Adds one to each slot's count in `counts` that this record fills.
    pub fn add_to(&self, counts: &mut [usize]) {
        let mut bits = self.low;
        while bits != 0 {
            let slot = bits.trailing_zeros() as usize;
            if let Some(c) = counts.get_mut(slot) {
                *c += 1;
            }
            bits &= bits - 1;
        }
        for (w, word) in self.high.iter().flat_map(|h| h.iter()).enumerate() {
            let mut bits = *word;
            while bits != 0 {
                let slot = 64 + w * 64 + bits.trailing_zeros() as usize;
                if let Some(c) = counts.get_mut(slot) {
                    *c += 1;
                }
                bits &= bits - 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every slot, inline or not, is counted once per record that sets it.
    #[test]
    fn masks_count_every_slot_they_set() {
        let slots = 150;
        let mut counts = vec![0; slots];
        for record in 0..3 {
            let mut mask = FillMask::default();
            for slot in (record..slots).step_by(3) {
                mask.set(slot, slots);
            }
            mask.add_to(&mut counts);
        }
        assert!(counts.iter().all(|&c| c == 1), "{counts:?}");
        let mut mask = FillMask::default();
        mask.set(0, 1);
        let mut counts = vec![0; 1];
        mask.add_to(&mut counts);
        mask.add_to(&mut counts);
        assert_eq!(counts, [2]);
    }
}
