//! The `wikiupload` binary: everything happens in [`wikiupload::cli`].

fn main() -> std::process::ExitCode {
    wikiupload::cli::main()
}
