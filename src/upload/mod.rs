//! The upload domain. So far: the spool that file parts stream into.

pub mod spool;
