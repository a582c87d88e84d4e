//! The JSON form of a plan (`wtmap.plan/v3`), rendered by the direct writer in json_pretty.rs
//! into a writer as it goes, so that a large plan is never held in memory as one string.

use super::Plan;
use super::json_pretty::{write_action_element, write_actions_in_turn, write_plan};
use std::io::{self, Write};

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
    let mut spill = crate::parallel::spill_to(out, BUFFER);
    write_plan(plan, &mut buffer, &mut spill, |actions, buffer, spill| {
        if threads < 2 || actions.len() < 4 * piece {
            return write_actions_in_turn(actions, buffer, spill);
        }
        // Everything before the list goes out first; the pieces follow in order.
        spill(buffer)?;
        crate::parallel::write_pieces(
            actions,
            &|at, planned, into| write_action_element(into, at == 0, planned),
            buffer,
            (threads, piece),
            spill,
        )
    })?;
    drop(spill);
    out.write_all(&buffer)?;
    out.flush()
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
