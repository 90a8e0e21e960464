//! Media: what a file's bytes are (per-format metadata, `metadata`) and the
//! thumbnails made from them: MediaWiki's naming and URL rules
//! (`handler`, `thumb`), decoding and scaling (`render`), the bounded pool
//! that runs renders off the async runtime (`pool`) and the cache of
//! rendered thumbnails (`cache`). No HTTP here.

pub mod metadata;
