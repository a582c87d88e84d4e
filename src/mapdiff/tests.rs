//! Unit tests of the comparison on small hand-made mappings.
