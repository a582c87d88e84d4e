//! JSON documents: a plain array of records, or an HR system's envelope around one.
//!
//! The document is walked in one pass. The reader steps over the envelope's brackets and
//! keys itself and hands each record to serde_json, which parses exactly that record from the
//! bytes in place; so every record's start offset, and from it its line, is known without
//! parsing anything twice or cloning a record. Lines are counted incrementally because record
//! starts only move forward.
//!
//! Envelopes, as the shape's [`Envelope`] says (its facts are the connector's):
//! - every shape: a top-level array of records;
//! - pages (Personio: `{"success": true, "data": [employees]}` or `"data": employee`), a bare
//!   array of records, or an array of such pages (several pages saved together);
//! - a path through nested objects (Worknice's GraphQL answer
//!   `{"data": {"session": {"org": {"people": [...]}}}}`);
//! - one array field (Flex, whose list envelope is undocumented): an object with exactly one
//!   field holding an array (`{"items": [...], "total": 3}`, `{"Data": [...]}`) is taken to be
//!   that array. Two array fields are ambiguous and an error.

use super::flat::PascalRecord;
use super::shape::{Envelope, KeyCase, Shapes};
use super::shapes::{self, Problem};
use super::split::{self, Cuts, Piece, Plan};
use super::{Fields, Numbered, Origin, Position, Record, RecordRef, RecordsError};
use serde::Deserialize;
use serde_json::{Map, Value};

#[path = "json_envelopes.rs"]
mod envelopes;

/// Reads a JSON document of records in `shape`.
pub(super) fn read(name: &str, bytes: &[u8], shape: Shapes) -> Result<Vec<Record>, RecordsError> {
    read_with(name, bytes, shape, Plan::for_machine())
}

/// [`read`], cutting a big top-level array into pieces as `plan` says.
pub(super) fn read_with(
    name: &str,
    bytes: &[u8],
    shape: Shapes,
    plan: Plan,
) -> Result<Vec<Record>, RecordsError> {
    read_mapped(name, bytes, shape, plan, Sink::RECORDS)
}

/// What a record becomes as soon as it is read (on the thread that read it).
pub(super) enum Sink<'a, T> {
    /// The record, read whole into a [`Record`], is given to the function.
    Owned(&'a (dyn Fn(Record) -> T + Sync)),
    /// The record is shown to the function as it is read: a record of a PascalCase shape
    /// that needs no other normalisation (Flex's) without a map built for it and with its
    /// text borrowed from the file where it has no escapes; records of other shapes as their
    /// [`Record`].
    Viewed(&'a (dyn Fn(RecordRef<'_>) -> T + Sync)),
}

impl<T> Clone for Sink<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Sink<'_, T> {}

impl Sink<'static, Record> {
    /// Keeps each record as it was read.
    pub(super) const RECORDS: Self = Sink::Owned(&|record| record);
}

/// [`read_with`], handing each record to `sink` as soon as it is read and keeping only what
/// it makes of it.
pub(super) fn read_mapped<T: Numbered + Send>(
    name: &str,
    bytes: &[u8],
    shape: Shapes,
    plan: Plan,
    sink: Sink<'_, T>,
) -> Result<Vec<T>, RecordsError> {
    let mut doc = Doc::at(name, bytes, shape, 0, 0, sink);
    doc.skip_ws();
    // Only plain arrays of records are cut; envelopes, and arrays that may hold pages, are
    // left to one thread to keep this path simple.
    if doc.peek() == Some(b'[')
        && !matches!(shape.this.envelope, Envelope::Pages(_))
        && plan.wants(bytes)
        && let Some(records) = read_parallel_mapped(name, bytes, shape, doc.pos, plan, sink)
    {
        return Ok(records);
    }
    doc.know_text(0, bytes.len());
    match (doc.peek(), shape.this.envelope) {
        (Some(b'['), Envelope::Pages(pages)) => doc.array(|d| d.page(pages, false))?,
        (Some(b'['), _) => doc.array(Doc::record)?,
        (Some(b'{'), Envelope::Pages(pages)) => doc.page(pages, true)?,
        (Some(b'{'), Envelope::Path(path)) => doc.path(path)?,
        (Some(b'{'), Envelope::OneArrayField) => doc.one_array_field()?,
        _ => return Err(doc.layout_error()),
    }
    doc.end()?;
    Ok(doc.out)
}

/// The records of the top-level array at `open`, read in pieces on several threads; `None`
/// if it could not be cut or any piece failed, and then the caller reads it on one thread, so
/// that any error is reported exactly as that reader does.
#[cfg(test)]
pub(super) fn read_parallel(
    name: &str,
    bytes: &[u8],
    shape: Shapes,
    open: usize,
    plan: Plan,
) -> Option<Vec<Record>> {
    read_parallel_mapped(name, bytes, shape, open, plan, Sink::RECORDS)
}

fn read_parallel_mapped<T: Numbered + Send>(
    name: &str,
    bytes: &[u8],
    shape: Shapes,
    open: usize,
    plan: Plan,
    sink: Sink<'_, T>,
) -> Option<Vec<T>> {
    // Quick cuts first; when one of them was wrong, exact ones.
    for how in [Cuts::Quick, Cuts::Exact] {
        if let Some(pieces) = split::json_pieces(bytes, open, plan, how)
            && let Some(records) = split::read_pieces(&pieces, plan.threads, |piece, first| {
                read_piece_mapped(name, bytes, shape, piece, first, sink)
            })
        {
            return Some(records);
        }
    }
    None
}

/// The records of one piece of the top-level array. A piece that is not the last must end
/// exactly at the comma where it was cut; anything else means the cut was wrong.
#[cfg(test)]
pub(super) fn read_piece(
    name: &str,
    bytes: &[u8],
    shape: Shapes,
    piece: &Piece,
) -> Result<Vec<Record>, RecordsError> {
    read_piece_mapped(name, bytes, shape, piece, false, Sink::RECORDS)
}

pub(super) fn read_piece_mapped<T>(
    name: &str,
    bytes: &[u8],
    shape: Shapes,
    piece: &Piece,
    first: bool,
    sink: Sink<'_, T>,
) -> Result<Vec<T>, RecordsError> {
    // The whole document is kept under every piece, so that positions are the file's and
    // serde_json sees exactly the bytes it sees when reading on one thread, up to the end of
    // each element. As text it sees only the piece: a piece holds its elements whole (a wrong
    // cut fails the piece, and a failed piece sends the whole file to the one-thread reader).
    let mut doc = Doc::at(name, bytes, shape, piece.start, piece.newlines, sink);
    doc.know_text(piece.start, piece.end);
    // The first piece's list becomes the whole file's (the others are appended to it), so it
    // makes room for every record; the others for their own.
    if !first {
        doc.room_until = piece.end;
    }
    doc.skip_ws();
    if piece.end == bytes.len() {
        doc.elements(Doc::record, None)?;
        doc.end()?;
    } else {
        doc.elements(Doc::record, Some(piece.end))?;
    }
    Ok(doc.out)
}

/// A cursor over the document, and what was made of the records found so far.
struct Doc<'a, T> {
    name: &'a str,
    bytes: &'a [u8],
    shape: Shapes,
    /// Next byte to read.
    pos: usize,
    /// Newlines before `counted` are in `newlines`.
    counted: usize,
    newlines: usize,
    /// Records read so far (their number).
    count: usize,
    /// What each record becomes as soon as it is read.
    sink: Sink<'a, T>,
    out: Vec<T>,
    /// Where the cursor started, and the end of the records `out` makes room for (see
    /// [`Doc::make_room`]).
    started: usize,
    room_until: usize,
    /// The bytes from `.0` on that are known to be UTF-8 (see [`Doc::know_text`]).
    text: Option<(usize, &'a str)>,
}

/// Records read before `out` makes room for the rest, estimated from their size.
const ESTIMATE_AFTER: usize = 64;

impl<'a, Out> Doc<'a, Out> {
    /// A cursor at `pos`, after `newlines` line breaks.
    fn at(
        name: &'a str,
        bytes: &'a [u8],
        shape: Shapes,
        pos: usize,
        newlines: usize,
        sink: Sink<'a, Out>,
    ) -> Self {
        Doc {
            name,
            bytes,
            shape,
            pos,
            counted: pos,
            newlines,
            count: 0,
            sink,
            out: Vec::new(),
            started: pos,
            room_until: bytes.len(),
            text: None,
        }
    }

    /// Checks once that the bytes from `from` to `to` are UTF-8, so that serde_json reads
    /// the values in them as text and does not check each string it lends again (a third of
    /// its time on a Flex export). Bytes that are not UTF-8 are read as before, which reports
    /// where and how. `from` and `to` lie between values (at a bracket, comma or the end),
    /// never inside a character.
    fn know_text(&mut self, from: usize, to: usize) {
        self.text = self
            .bytes
            .get(from..to)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .map(|text| (from, text));
    }

    /// Makes room in `out` for the records up to `room_until`, as many as the bytes read so
    /// far suggest, and a sixteenth more. Growing a list of 100k outcomes by doubling copied
    /// each into ever larger fresh memory: most of that list's cost. Room that stays unused
    /// is never touched, so costs no memory.
    fn make_room(&mut self) {
        let per_record = ((self.pos - self.started) / self.out.len().max(1)).max(1);
        let more = self.room_until.saturating_sub(self.pos) / per_record;
        self.out.reserve(more + more / 16 + 16);
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    /// 1-based line of `pos`; `pos` must not be before an earlier call's.
    fn line_at(&mut self, pos: usize) -> usize {
        let pos = pos.max(self.counted);
        self.newlines += split::count_newlines(&self.bytes[self.counted..pos]);
        self.counted = pos;
        self.newlines + 1
    }

    /// Parses one value at the cursor with serde_json and moves past it. The value may borrow
    /// text from the document.
    fn value<T: Deserialize<'a>>(&mut self) -> Result<T, RecordsError> {
        let start = self.pos;
        let bytes: &'a [u8] = self.bytes;
        let known = self
            .text
            .and_then(|(from, text)| text.get(start.checked_sub(from)?..));
        let next = match known {
            Some(text) => next_value(serde_json::Deserializer::from_str(text).into_iter::<T>()),
            None => next_value(serde_json::Deserializer::from_slice(&bytes[start..]).into_iter()),
        };
        match next {
            Some(Ok((value, length))) => {
                self.pos = start + length;
                Ok(value)
            }
            Some(Err(e)) => Err(self.serde_error(start, &e)),
            None => Err(self.syntax_error(self.bytes.len(), "unexpected end of file")),
        }
    }

    /// Walks the array at the cursor, calling `each` with the cursor on each element.
    fn array(
        &mut self,
        each: impl FnMut(&mut Self) -> Result<(), RecordsError>,
    ) -> Result<(), RecordsError> {
        self.pos += 1; // `[`
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        self.elements(each, None)
    }

    /// Walks array elements from the cursor, which is on the first, to the closing `]`, or
    /// with `stop` to the comma at `stop` (the end of a piece read on its own thread).
    fn elements(
        &mut self,
        mut each: impl FnMut(&mut Self) -> Result<(), RecordsError>,
        stop: Option<usize>,
    ) -> Result<(), RecordsError> {
        loop {
            each(self)?;
            self.skip_ws();
            if let Some(stop) = stop
                && self.pos >= stop
            {
                // Past the cut, the scan that chose it was wrong: the caller starts over.
                if self.pos == stop {
                    return Ok(());
                }
                return Err(self.syntax_error(self.pos, "a record runs past a cut"));
            }
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                // A piece that is not the last must not close the array.
                Some(b']') if stop.is_none() => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(_) => return Err(self.syntax_error(self.pos, "expected `,` or `]`")),
                None => {
                    return Err(self.syntax_error(self.pos, "unexpected end of file inside a list"));
                }
            }
        }
    }

    /// Walks the object at the cursor, calling `each` with each key and the cursor on its
    /// value; `each` must consume the value.
    fn object(
        &mut self,
        mut each: impl FnMut(&mut Self, String) -> Result<(), RecordsError>,
    ) -> Result<(), RecordsError> {
        self.pos += 1; // `{`
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(self.syntax_error(self.pos, "expected a field name in double quotes"));
            }
            let key: String = self.value()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.syntax_error(self.pos, "expected `:`"));
            }
            self.pos += 1;
            self.skip_ws();
            each(self, key)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws();
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(_) => return Err(self.syntax_error(self.pos, "expected `,` or `}`")),
                None => {
                    return Err(
                        self.syntax_error(self.pos, "unexpected end of file inside an object")
                    );
                }
            }
        }
    }

    /// Nothing but whitespace may follow the document.
    fn end(&mut self) -> Result<(), RecordsError> {
        self.skip_ws();
        match self.peek() {
            None => Ok(()),
            Some(_) => {
                Err(self.syntax_error(self.pos, "unexpected text after the end of the document"))
            }
        }
    }

    /// One record at the cursor: it must be an object.
    fn record(&mut self) -> Result<(), RecordsError> {
        let line = self.line_at(self.pos);
        if self.peek() != Some(b'{') {
            // Parse it anyway, so that broken JSON is reported as such.
            let value: Value = self.value()?;
            let problem = format!("is {}, not an object", shapes::kind(&value));
            return Err(self.invalid(
                line,
                Problem {
                    problem,
                    help: None,
                },
            ));
        }
        let start = self.pos;
        if let (KeyCase::Pascal { clash }, None) = (self.shape.this.keys, self.shape.this.normalise)
        {
            // Keys are made PascalCase while parsing, into a list; a record seen as it is read
            // stays that list, with its text still in the file where it has no escapes.
            let record: PascalRecord<'a> = self.value()?;
            if let Some(field) = record.clash {
                return Err(self.invalid(line, clash(&field)));
            }
            // A number that would not print back as written keeps its text (exact.rs).
            if record.may_be_inexact
                && let Some(fields) = self.exact_fields(start)?
            {
                return self.push(fields, line);
            }
            let Sink::Viewed(view) = self.sink else {
                return self.add(record.into_map(), line);
            };
            let origin = self.next_origin(line);
            let out = view(RecordRef {
                fields: Fields::Flat(&record.fields),
                origin,
            });
            return self.keep(out);
        }
        let super::strict::StrictFields(fields) = self.value()?;
        let fields = self.exact_fields(start)?.unwrap_or(fields);
        self.push(fields, line)
    }

    /// The record that ends at the cursor and starts at `start`, read again keeping the text
    /// of its numbers, when it holds a number that would not print back as written.
    fn exact_fields(&self, start: usize) -> Result<Option<Map<String, Value>>, RecordsError> {
        let bytes = &self.bytes[start..self.pos];
        if !super::exact::has_inexact_number(bytes) {
            return Ok(None);
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| self.syntax_error(start, "the record is not valid UTF-8"))?;
        super::exact::exact_object(text)
            .map(Some)
            .map_err(|e| self.serde_error(start, &e))
    }

    /// Normalises a record for its shape and adds it.
    fn push(&mut self, fields: Map<String, Value>, line: usize) -> Result<(), RecordsError> {
        let fields = self
            .shape
            .normalise(fields)
            .map_err(|p| self.invalid(line, p))?;
        self.add(fields, line)
    }

    /// Adds a normalised record.
    fn add(&mut self, fields: Map<String, Value>, line: usize) -> Result<(), RecordsError> {
        let origin = self.next_origin(line);
        let record = Record { fields, origin };
        let out = match self.sink {
            Sink::Owned(map) => map(record),
            Sink::Viewed(view) => view(record.as_ref()),
        };
        self.keep(out)
    }

    /// The origin of the next record, which starts at `line`.
    fn next_origin(&mut self, line: usize) -> Origin {
        let origin = Origin {
            index: self.count,
            line: Some(line),
        };
        self.count += 1;
        origin
    }

    /// Keeps what a record became.
    fn keep(&mut self, out: Out) -> Result<(), RecordsError> {
        self.out.push(out);
        if self.out.len() == ESTIMATE_AFTER {
            self.make_room();
        }
        Ok(())
    }

    fn invalid(&self, line: usize, problem: Problem) -> RecordsError {
        RecordsError::InvalidRecord {
            name: self.name.to_owned(),
            record: self.count + 1,
            line: Some(line),
            problem: problem.problem,
            help: problem.help,
        }
    }

    fn syntax_error(&self, offset: usize, message: &str) -> RecordsError {
        RecordsError::Syntax {
            name: self.name.to_owned(),
            format: "JSON",
            at: Position::of_offset(self.bytes, offset),
            message: message.to_owned(),
            help: None,
        }
    }

    /// serde_json's position is relative to `start`, where this parse began.
    fn serde_error(&self, start: usize, e: &serde_json::Error) -> RecordsError {
        let offset = start + serde_offset(&self.bytes[start..], e);
        serde_syntax(
            self.name,
            "JSON",
            Position::of_offset(self.bytes, offset),
            e,
        )
    }

    /// The document does not hold records where the shape expects them. Only reached on
    /// failure, so parsing the whole document again for a description is fine.
    fn layout_error(&self) -> RecordsError {
        match serde_json::from_slice::<Value>(self.bytes) {
            Err(e) => {
                let at = Position::of_offset(self.bytes, serde_offset(self.bytes, &e));
                serde_syntax(self.name, "JSON", at, &e)
            }
            Ok(document) => RecordsError::Layout {
                name: self.name.to_owned(),
                expected: self.shape.this.expected.to_owned(),
                found: shapes::describe(&document),
                help: shapes::hint(self.shape.this, self.shape.known, &document),
            },
        }
    }
}

/// The next value of a stream and the bytes it took (from text or from bytes alike).
fn next_value<'de, R: serde_json::de::Read<'de>, T: Deserialize<'de>>(
    mut stream: serde_json::StreamDeserializer<'de, R, T>,
) -> Option<Result<(T, usize), serde_json::Error>> {
    let next = stream.next()?;
    Some(next.map(|value| (value, stream.byte_offset())))
}

/// A serde_json error as a syntax error at `at`, without serde's own "at line … column …".
pub(super) fn serde_syntax(
    name: &str,
    format: &'static str,
    at: Position,
    e: &serde_json::Error,
) -> RecordsError {
    let text = e.to_string();
    let message = text
        .rfind(" at line ")
        .map_or(text.as_str(), |i| &text[..i])
        .replace("EOF", "end of file");
    let help = message.contains("unicode").then(|| {
        "JSON must be UTF-8; if this file was saved as Windows-1252, set its encoding".to_owned()
    });
    RecordsError::Syntax {
        name: name.to_owned(),
        format,
        at,
        message,
        help,
    }
}

/// The byte offset in `bytes` of the line and column serde_json reports for an error in
/// parsing `bytes` (its columns count bytes).
pub(super) fn serde_offset(bytes: &[u8], e: &serde_json::Error) -> usize {
    let line_start = match e.line() {
        0 | 1 => 0,
        n => bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(n - 2)
            .map_or(bytes.len(), |(i, _)| i + 1),
    };
    match e.column() {
        // Column 0 means "just after a line break": the break itself is to blame.
        0 => line_start.saturating_sub(1),
        column => line_start + column - 1,
    }
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
