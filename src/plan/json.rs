//! The JSON form of a plan (`wtmap.plan/v3`), rendered by the direct writer in json_pretty.rs
//! into a writer as it goes, so that a large plan is never held in memory as one string.

use super::Plan;
use super::json_pretty::{write_action_element, write_actions_in_turn, write_plan};
use crate::action::PlannedAction;
use std::io::{self, Write};
use std::sync::mpsc;

/// How much of the rendered plan is gathered before each write to the output: large enough
/// that a plan of 100k users costs a few thousand system calls, not millions.
const BUFFER: usize = 1 << 16;

/// Actions rendered as one piece when a plan is rendered on several threads: about 350 KB of
/// JSON, enough that handing pieces between threads costs nothing next to rendering them.
const PIECE: usize = 1024;

/// Writes the plan as pretty JSON (`wtmap.plan/v3`, docs/plan.schema.json) with a final
/// newline, as it is rendered, in pieces of about [`BUFFER`] bytes: `out` may be an
/// unbuffered file or standard output. The bytes are those of `render_json`. A large plan's
/// actions are rendered on every core (at most four), in pieces written in order.
pub fn write_json(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    let threads = crate::parallel::cores().min(4);
    write_json_on(plan, out, threads, PIECE)
}

/// [`write_json`] with `threads` rendering threads (the calling one included) and `piece`
/// actions a piece (tests choose both, to take the several-thread path on any machine).
pub(super) fn write_json_on(
    plan: &Plan,
    out: &mut dyn Write,
    threads: usize,
    piece: usize,
) -> io::Result<()> {
    // Some slack over BUFFER: the piece is passed on after the element that fills it.
    let mut buffer = Vec::with_capacity(BUFFER + BUFFER / 4);
    let mut spill = |buffer: &mut Vec<u8>| {
        if buffer.len() >= BUFFER {
            out.write_all(buffer)?;
            buffer.clear();
        }
        Ok(())
    };
    write_plan(plan, &mut buffer, &mut spill, |actions, buffer, spill| {
        if threads < 2 || actions.len() < 4 * piece {
            return write_actions_in_turn(actions, buffer, spill);
        }
        // Everything before the list goes out first; the pieces follow in order.
        spill(buffer)?;
        write_pieces(actions, buffer, threads, piece, spill)
    })?;
    out.write_all(&buffer)?;
    out.flush()
}

/// The elements of `actions`, cut into pieces of `piece` actions: piece `k` is rendered by
/// thread `k % threads` (0 is the calling thread, which also passes every piece on in order).
/// Each helper runs at most two pieces ahead, so memory stays a few pieces whatever the plan.
fn write_pieces<F>(
    actions: &[PlannedAction],
    buffer: &mut Vec<u8>,
    threads: usize,
    piece: usize,
    spill: &mut F,
) -> io::Result<()>
where
    F: FnMut(&mut Vec<u8>) -> io::Result<()>,
{
    let pieces: Vec<&[PlannedAction]> = actions.chunks(piece).collect();
    let render = |k: usize, into: &mut Vec<u8>| {
        for (i, planned) in pieces[k].iter().enumerate() {
            write_action_element(into, k == 0 && i == 0, planned);
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
                        return Err(io::Error::other("a plan-rendering thread stopped"));
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

/// The plan as pretty JSON (`wtmap.plan/v3`, docs/plan.schema.json) with a final newline, in
/// one string (for callers that keep it): the same bytes as
/// `serde_json::to_string_pretty(plan)` and a newline, written by [`write_plan`].
pub fn render_json(plan: &Plan) -> String {
    // About 350 bytes per action in practice: sized so that a typical plan grows once at most.
    let mut out = Vec::with_capacity(4096 + 256 * plan.actions.len());
    // Writing into memory cannot fail; nothing is spilled.
    let _ = write_plan(plan, &mut out, |_| Ok(()), write_actions_in_turn);
    // Valid UTF-8 by construction: `&str`s are copied whole or split only before an ASCII
    // byte that is escaped.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
