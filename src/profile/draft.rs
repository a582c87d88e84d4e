//! `wtmap init`: a draft mapping from a profile.
