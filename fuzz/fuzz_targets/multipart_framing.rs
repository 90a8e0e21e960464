//! The multipart framing (`normalize_framing`, PHP's lenient framing in
//! front of multer) and multer itself on arbitrary bodies, cut into pieces
//! at arbitrary points: they must answer, never panic, and a body already
//! framed with CRLF must come out byte for byte.
#![no_main]

use bytes::Bytes;
use futures_util::{FutureExt, StreamExt, stream};
use libfuzzer_sys::fuzz_target;
use wikiupload::api::multipart_framing::normalize_framing;

const BOUNDARY: &str = "fuzzboundary";

fuzz_target!(|input: &[u8]| {
    // The first byte picks where the body is cut into pieces.
    let Some((&cut, body)) = input.split_first() else {
        return;
    };
    let step = usize::from(cut.max(1));
    let pieces: Vec<Result<Bytes, std::convert::Infallible>> = body
        .chunks(step)
        .map(|piece| Ok(Bytes::copy_from_slice(piece)))
        .collect();
    let framed = normalize_framing(stream::iter(pieces.clone()), BOUNDARY);
    let out: Vec<u8> = framed
        .collect::<Vec<_>>()
        .now_or_never()
        .expect("a ready body is framed without waiting")
        .into_iter()
        .flat_map(|piece| match piece {
            Ok(bytes) => bytes.to_vec(),
            Err(never) => match never {},
        })
        .collect();
    let bare_lf = body
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || body[i - 1] != b'\r'));
    if !bare_lf {
        assert_eq!(out, body, "a CRLF body passes unchanged");
    }
    // multer reads whatever the framing gives, field by field.
    let stream = normalize_framing(stream::iter(pieces), BOUNDARY);
    let mut multipart = multer::Multipart::new(stream, BOUNDARY);
    async move {
        while let Ok(Some(mut field)) = multipart.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
    }
    .now_or_never();
});
