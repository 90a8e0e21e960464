//! `wikiupload import DIR`: the terminal side of an import
//! (`upload::import` does the work): the options, a progress bar on a
//! terminal (files/s and bytes/s), one line per file, and a summary of
//! what was imported, skipped and refused, and why.

use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use crate::api::Message;
use crate::config::Config;
use crate::startup::FileStore;
use crate::upload::import::{self, ImportOptions, ImportOutcome};

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The folder to import (with its subfolders).
    dir: PathBuf,
    /// The upload comment of every file, and the description of files
    /// without a sidecar file.
    #[arg(long, default_value = "Importing file")]
    comment: String,
    /// The extension of description files: the description of photo.jpg
    /// is photo.jpg.EXT or photo.EXT when there is one.
    #[arg(long, default_value = "txt")]
    comment_ext: String,
    /// Who uploads (default: the administrator, `admin_user`).
    #[arg(long)]
    user: Option<String>,
    /// Skips files whose bytes the wiki has under another name (else they
    /// are imported with a `duplicate` warning).
    #[arg(long, alias = "skip-dupes")]
    skip_duplicates: bool,
    /// Only files with these extensions, comma-separated (default: every
    /// file; types the wiki does not allow are refused and reported).
    #[arg(long, value_delimiter = ',')]
    extensions: Vec<String>,
}

/// What the run did, counted.
#[derive(Default)]
struct Tally {
    imported: usize,
    skipped: usize,
    refused: Vec<(String, String)>,
}

pub async fn run(config: Config, args: ImportArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.dir.is_dir(), "{} is not a folder", args.dir.display());
    let store = FileStore::open(&config, &config.server_url(config.listen)).await?;
    if let Some(password) = &store.generated_admin_password {
        println!(
            "Created the administrator account {:?} with password: {password}",
            config.admin_user
        );
    }
    let user = store
        .accounts
        .user(args.user.as_deref().unwrap_or(&config.admin_user))
        .await?;
    let options = ImportOptions {
        user_id: user.id,
        user_name: user.name.clone(),
        comment: args.comment,
        comment_ext: args.comment_ext.trim_start_matches('.').to_owned(),
        skip_duplicates: args.skip_duplicates,
        extensions: (!args.extensions.is_empty()).then(|| {
            args.extensions
                .iter()
                .map(|e| e.trim().trim_start_matches('.').to_lowercase())
                .collect()
        }),
    };
    let dir = args.dir.clone();
    let plan_options = options.clone();
    let plan = tokio::task::spawn_blocking(move || import::plan(&dir, &plan_options)).await??;
    println!(
        "importing {} files ({} bytes) from {} as {}",
        plan.files.len(),
        plan.total_bytes(),
        args.dir.display(),
        user.name
    );

    // Drawn only on a terminal; the lines below go to stdout either way.
    let bar = ProgressBar::new(plan.total_bytes());
    bar.set_style(
        ProgressStyle::with_template(
            "{wide_bar} {bytes}/{total_bytes} · {bytes_per_sec} · {msg} · {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let (mut tally, mut done_bytes) = (Tally::default(), 0);
    for (done, file) in plan.files.iter().enumerate() {
        let outcome = store
            .uploads
            .import_file(file, &options, &|bytes| bar.inc(bytes))
            .await?;
        let shown = file
            .path
            .strip_prefix(&args.dir)
            .unwrap_or(&file.path)
            .display()
            .to_string();
        let line = match outcome {
            ImportOutcome::Imported { name, warnings } => {
                tally.imported += 1;
                let mut line = format!("imported: {shown} as File:{name}");
                for warning in warnings {
                    line.push_str(&format!(" (warning: {warning})"));
                }
                line
            }
            ImportOutcome::Skipped { name, reason } => {
                tally.skipped += 1;
                format!("skipped: {shown} (File:{name}): {reason}")
            }
            ImportOutcome::Refused { reason } => {
                // MediaWiki's texts carry wikitext markup.
                let reason = Message::new("", vec![], reason).plain_text();
                let line = format!("refused: {shown}: {reason}");
                tally.refused.push((shown, reason));
                line
            }
        };
        bar.suspend(|| println!("{line}"));
        done_bytes += file.size;
        bar.set_position(done_bytes);
        let seconds = started.elapsed().as_secs_f64().max(0.001);
        bar.set_message(format!(
            "{}/{} files · {:.1} files/s",
            done + 1,
            plan.files.len(),
            (done + 1) as f64 / seconds
        ));
    }
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64().max(0.001);
    println!(
        "done: {} imported, {} skipped, {} refused, {} ignored (not matching --extensions) \
         in {seconds:.1} s ({:.1} files/s, {:.1} MiB/s)",
        tally.imported,
        tally.skipped,
        tally.refused.len(),
        plan.ignored.len(),
        plan.files.len() as f64 / seconds,
        done_bytes as f64 / seconds / f64::from(1 << 20)
    );
    for (path, reason) in &tally.refused {
        println!("  refused {path}: {reason}");
    }
    store.db.close().await;
    drop(store.lock);
    anyhow::ensure!(
        tally.refused.is_empty(),
        "{} files were refused (listed above)",
        tally.refused.len()
    );
    Ok(())
}
