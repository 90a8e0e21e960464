//! Media: what a file's bytes are (per-format metadata, `metadata`) and the
//! thumbnails made from them: MediaWiki's naming and URL rules
//! (`handler`, `thumb`), decoding and scaling (`render`), the bounded pool
//! that runs renders off the async runtime (`pool`) and the cache of
//! rendered thumbnails (`cache`). No HTTP here.

pub mod cache;
pub mod handler;
pub mod metadata;
pub mod pool;
pub mod render;
pub mod thumb;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cache::{CachedThumb, ThumbCache, ThumbKey};
use handler::{HandlerLimits, ThumbParams};
use pool::RenderPool;
use render::RenderLimits;
use thumb::{PlannedThumb, ThumbError, ThumbSource, Transform, TransformLimits};

use crate::config::Config;
use crate::storage::FileVersionRow;
use crate::upload::repo::FileRepo;

/// The most XML nodes of an SVG that is rendered.
const MAX_SVG_NODES: u32 = 200_000;

/// Thumbnails: planned by MediaWiki's rules, rendered on first request on
/// the bounded pool, kept in the cache until the file changes.
#[derive(Debug, Clone)]
pub struct Thumbnails {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    repo: FileRepo,
    /// `{server}{script_path}`: where icons are served.
    base_url: String,
    limits: TransformLimits,
    render: RenderLimits,
    cache: ThumbCache,
    pool: RenderPool,
}

impl Thumbnails {
    pub fn new(repo: FileRepo, base_url: &str, config: &Config) -> Thumbnails {
        let max_area = i64::try_from(config.max_image_area).unwrap_or(i64::MAX);
        let workers = match config.thumbnail_workers {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            workers => workers,
        };
        Thumbnails {
            inner: Arc::new(Inner {
                cache: ThumbCache::new(&repo.thumb_dir()),
                repo,
                base_url: base_url.trim_end_matches('/').to_owned(),
                limits: TransformLimits {
                    handler: HandlerLimits {
                        svg_max_size: i64::from(config.svg_max_size),
                    },
                    max_image_area: (max_area > 0).then_some(max_area),
                },
                render: RenderLimits {
                    // Without an area limit, still a bound: 2^28 pixels.
                    max_pixels: match config.max_image_area {
                        0 => 1 << 28,
                        area => area,
                    },
                    max_animated_gif_area: i64::try_from(config.max_animated_gif_area)
                        .unwrap_or(i64::MAX),
                    jpeg_quality: config.jpeg_quality,
                    max_svg_nodes: MAX_SVG_NODES,
                },
                pool: RenderPool::new(
                    workers,
                    config.thumbnail_queue_limit,
                    Duration::from_secs(config.thumbnail_render_timeout),
                ),
            }),
        }
    }

    /// What `params` make of `source`.
    pub fn plan(&self, source: &ThumbSource, params: &ThumbParams) -> Transform {
        thumb::plan(source, params, &self.inner.limits)
    }

    /// The URL a plan shows: the thumbnail's, the original's or the icon's;
    /// None for an error.
    pub fn url(&self, source: &ThumbSource, transform: &Transform) -> Option<String> {
        let repo = &self.inner.repo;
        match transform {
            Transform::Original { .. } => Some(match &source.archive_name {
                _ if source.stashed => repo.stash_url(&source.name),
                Some(archive) => repo.archive_url(&source.name, archive),
                None => repo.public_url(&source.name),
            }),
            Transform::Thumb(thumb) => Some(thumb::thumb_url(repo.base_url(), source, &thumb.name)),
            Transform::Icon { file_name } => Some(thumb::icon_url(&self.inner.base_url, file_name)),
            Transform::Error(_) => None,
        }
    }

    /// The URL of `row` at `width` pixels (within `height`, if given), as
    /// `Special:FilePath/X?width=W` and `Special:Redirect/file/X?width=W&
    /// height=H` redirect to: its thumbnail, the original when it would not
    /// be scaled, the icon without a handler. None when no thumbnail can be
    /// made at that size (MediaWiki then redirects to the original).
    pub fn url_for_width(
        &self,
        row: &FileVersionRow,
        width: i64,
        height: Option<i64>,
    ) -> Option<String> {
        let source = ThumbSource::from_row(row);
        let params = ThumbParams {
            width: Some(width),
            height,
            ..ThumbParams::default()
        };
        self.url(&source, &self.plan(&source, &params))
    }

    /// The thumbnail, from the cache or rendered now (once, however many
    /// ask at the same time).
    pub async fn thumbnail(
        &self,
        source: &ThumbSource,
        thumb: &PlannedThumb,
    ) -> Result<CachedThumb, ThumbError> {
        let key = ThumbKey {
            file: source.name.clone(),
            stashed: source.stashed,
            sha1: source.sha1.clone(),
            thumb: thumb.name.clone(),
        };
        let inner = self.inner.clone();
        if let Some(cached) = inner.cache.get(&key).map_err(storage_error)? {
            return Ok(cached);
        }
        let original = self.original_path(source);
        let (facts, thumb) = (source.facts.clone(), thumb.clone());
        let flight = format!("{}/{}/{}", key.file, key.sha1, key.thumb);
        let work = move || {
            // A render that was waiting may find the work done.
            if let Some(cached) = inner.cache.get(&key).map_err(storage_error)? {
                return Ok(cached);
            }
            let bytes = render::render(&original, &facts, &thumb, &inner.render)
                .map_err(|error| ThumbError::creating(500, error))?;
            inner.cache.put(&key, &bytes).map_err(storage_error)
        };
        self.inner.pool.run(flight, work).await
    }

    fn original_path(&self, source: &ThumbSource) -> PathBuf {
        let repo = &self.inner.repo;
        match &source.archive_name {
            _ if source.stashed => repo.stash_path(&source.name),
            Some(archive) => repo.archive_path(&source.name, archive),
            None => repo.public_path(&source.name),
        }
    }

    /// Removes every thumbnail of `name` (all versions): after a new
    /// version, a revert, a move or a deletion. A failure is logged: stale
    /// thumbnails are never served (they are keyed by content), only kept.
    pub async fn purge(&self, name: &str) {
        if let Err(error) = self.inner.cache.purge(name, false).await {
            tracing::warn!(file = name, %error, "thumbnails could not be purged");
        }
    }

    /// Removes the thumbnails of the stashed file `key` (when it expires
    /// or is published).
    pub async fn purge_stashed(&self, key: &str) {
        if let Err(error) = self.inner.cache.purge(key, true).await {
            tracing::warn!(key, %error, "stash thumbnails could not be purged");
        }
    }
}

fn storage_error(error: std::io::Error) -> ThumbError {
    ThumbError::creating(500, format_args!("the thumbnail store failed: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, mime: &str, width: i64, height: i64) -> FileVersionRow {
        FileVersionRow {
            id: 1,
            name: name.to_owned(),
            archive_name: None,
            size: 1,
            width,
            height,
            bits: 8,
            media_type: "BITMAP".to_owned(),
            mime: mime.to_owned(),
            sha1: "0".repeat(40),
            metadata: "null".to_owned(),
            common_metadata: "[]".to_owned(),
            user_id: None,
            comment: String::new(),
            timestamp: 0,
            user_name: None,
        }
    }

    #[test]
    fn special_filepath_widths_give_thumbnail_original_or_icon() {
        let config = Config::from_toml(&[]).expect("defaults");
        let repo = FileRepo::new(std::path::Path::new("/data"), "http://w");
        let thumbs = Thumbnails::new(repo.clone(), "http://w", &config);
        let png = row("P.png", "image/png", 320, 200);
        let thumb = thumbs.url_for_width(&png, 50, None).expect("a URL");
        assert!(thumb.ends_with("/P.png/50px-P.png"), "{thumb}");
        // A box: 50 high gives 80 wide.
        let boxed = thumbs.url_for_width(&png, 500, Some(50)).expect("a URL");
        assert!(boxed.ends_with("/80px-P.png"), "{boxed}");
        assert_eq!(
            thumbs.url_for_width(&png, 1000, None),
            Some(repo.public_url("P.png"))
        );
        let pdf = row("D.pdf", "application/pdf", 0, 0);
        assert_eq!(
            thumbs.url_for_width(&pdf, 50, None).as_deref(),
            Some("http://w/resources/assets/file-type-icons/fileicon-pdf.png")
        );
        let huge = row("H.png", "image/png", 100_000, 100_000);
        assert_eq!(thumbs.url_for_width(&huge, 50, None), None);
    }
}
