//! `cargo bench --bench thumbnails`: renders 120 px and 800 px thumbnails
//! of a 24 MP JPEG, a 4000×3000 PNG with alpha, an animated GIF and an SVG
//! with wikiupload's renderer, and with `vipsthumbnail` (libvips) and
//! ImageMagick's `convert` (the command line MediaWiki runs) on the same
//! inputs in the same run, and prints a table.
//!
//! Each tool renders in a process of its own, timed with its peak memory
//! (GNU `time`), so the three pay the same process start; wikiupload's
//! renderer is also timed in-process (median of 5), as the server runs it.
//! All run on one thread: the server renders one thumbnail per core
//! (`--vips-concurrency=1`; `OMP_NUM_THREADS=1`, as MediaWiki sets it).
//! A tool that is not installed is reported as such (Debian:
//! `libvips-tools`, `imagemagick`, `time`).
//!
//! `BENCH_DIR` picks the working directory; `BENCH_KEEP=1` keeps it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use wikiupload::media::handler::{HandlerLimits, SourceFacts, ThumbParams};
use wikiupload::media::metadata::media_facts;
use wikiupload::media::render::{self, RenderLimits};
use wikiupload::media::thumb::{self, ThumbSource, Transform, TransformLimits};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // The child mode: one render, in a process of its own.
    if args.get(1).map(String::as_str) == Some("--render") {
        let (input, mime, width, output) = (&args[2], &args[3], &args[4], &args[5]);
        let width: i64 = width.parse().expect("a width");
        let bytes = render_once(Path::new(input), mime, width);
        std::fs::write(output, bytes).expect("thumbnail written");
        return;
    }
    let dir = match std::env::var("BENCH_DIR") {
        Ok(dir) => tempfile::tempdir_in(dir),
        Err(_) => tempfile::tempdir(),
    }
    .expect("a working directory");
    println!("preparing inputs in {}", dir.path().display());
    let inputs = make_inputs(dir.path());
    let convert = ["/usr/bin/convert", "/usr/bin/convert-im6.q16"]
        .into_iter()
        .find(|path| Path::new(path).exists());
    let vips = which("vipsthumbnail");
    let time = Path::new("/usr/bin/time").exists();
    println!(
        "\n| input | width | wikiupload in-process | wikiupload | vipsthumbnail | convert (MediaWiki's command) |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for input in &inputs {
        for width in [120i64, 800] {
            let inprocess = median((0..5).map(|_| {
                let started = Instant::now();
                std::hint::black_box(render_once(&input.path, input.mime, width));
                started.elapsed()
            }));
            let out = dir.path().join(format!("out-{width}.{}", input.out_ext));
            let ours = time.then(|| {
                timed(
                    Command::new(std::env::current_exe().expect("this binary")).args([
                        "--render",
                        input.path.to_str().expect("path"),
                        input.mime,
                        &width.to_string(),
                        out.to_str().expect("path"),
                    ]),
                )
            });
            let theirs_vips = vips.as_ref().filter(|_| time).map(|vips| {
                let mut command = Command::new(vips);
                command
                    .arg(&input.path)
                    .arg(format!("--size={width}x"))
                    .arg("--vips-concurrency=1")
                    .arg("-o")
                    .arg(dir.path().join(format!("vips-%s.{}", input.out_ext)));
                timed(&mut command)
            });
            let theirs_im = convert.filter(|_| time).map(|convert| {
                let mut command = Command::new(convert);
                command.env("OMP_NUM_THREADS", "1");
                command.args(mediawiki_convert_args(input, width, &out));
                timed(&mut command)
            });
            println!(
                "| {} | {width} | {:.1} ms | {} | {} | {} |",
                input.label,
                inprocess.as_secs_f64() * 1000.0,
                cell(ours),
                cell(theirs_vips),
                cell(theirs_im),
            );
        }
    }
    if std::env::var("BENCH_KEEP").is_ok() {
        println!("kept {}", dir.keep().display());
    }
}

struct Input {
    label: &'static str,
    path: PathBuf,
    mime: &'static str,
    out_ext: &'static str,
    width: i64,
    height: i64,
}

/// One thumbnail with wikiupload's renderer, as the server makes it.
fn render_once(path: &Path, mime: &str, width: i64) -> Vec<u8> {
    let facts = media_facts(path, mime);
    let source = ThumbSource {
        name: path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("input")
            .to_owned(),
        archive_name: None,
        stashed: false,
        sha1: String::new(),
        facts: SourceFacts::new(mime, facts.width, facts.height, &facts.metadata.to_string()),
    };
    let params = ThumbParams {
        width: Some(width),
        ..ThumbParams::default()
    };
    let limits = TransformLimits {
        handler: HandlerLimits { svg_max_size: 5120 },
        max_image_area: Some(12_500_000),
    };
    let Transform::Thumb(planned) = thumb::plan(&source, &params, &limits) else {
        panic!("{}: no thumbnail to render", path.display());
    };
    let render_limits = RenderLimits {
        max_pixels: 12_500_000,
        max_animated_gif_area: 12_500_000,
        jpeg_quality: 80,
        max_svg_nodes: 200_000,
    };
    render::render(path, &source.facts, &planned, &render_limits).expect("rendered")
}

/// MediaWiki's ImageMagick command for this input (BitmapHandler).
fn mediawiki_convert_args(input: &Input, width: i64, out: &Path) -> Vec<String> {
    let height = (input.height as f64 * width as f64 / input.width as f64).round() as i64;
    let size = format!("{width}x{height}");
    let source = input.path.display().to_string();
    let mut args: Vec<String> = Vec::new();
    match input.mime {
        "image/jpeg" => {
            args.extend(["-quality", "80", "-background", "white", "-define"].map(String::from));
            args.push(format!("jpeg:size={size}"));
            args.push(source);
            args.extend(["-thumbnail".into(), format!("{size}!")]);
            args.extend(["-depth", "8", "-sharpen", "0x0.4"].map(String::from));
        }
        "image/gif" => {
            args.extend(["-background", "white"].map(String::from));
            args.push(source);
            args.push("-coalesce".into());
            args.extend(["-thumbnail".into(), format!("{size}!")]);
            args.extend(
                [
                    "-depth",
                    "8",
                    "-fuzz",
                    "5%",
                    "-layers",
                    "optimizeTransparency",
                ]
                .map(String::from),
            );
        }
        "image/svg+xml" => {
            // SvgHandler's ImageMagick converter ($wgSVGConverters['ImageMagick']).
            args.extend(["-background", "transparent"].map(String::from));
            args.push(source);
            args.extend(["-thumbnail".into(), format!("{size}!")]);
        }
        _ => {
            args.extend(["-quality", "95", "-background", "white"].map(String::from));
            args.push(source);
            args.extend(["-thumbnail".into(), format!("{size}!")]);
            args.extend(["-depth", "8"].map(String::from));
        }
    }
    args.push(out.display().to_string());
    args
}

/// Wall time and peak resident memory (KiB) of a command, by GNU time.
fn timed(command: &mut Command) -> Option<(Duration, u64)> {
    let report = tempfile::NamedTempFile::new().ok()?;
    let program = command.get_program().to_owned();
    let args: Vec<_> = command.get_args().map(|a| a.to_owned()).collect();
    let envs: Vec<_> = command
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned())))
        .collect();
    let status = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%e %M")
        .arg("-o")
        .arg(report.path())
        .arg(program)
        .args(args)
        .envs(envs)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    if !status.success() {
        return None;
    }
    let text = std::fs::read_to_string(report.path()).ok()?;
    let mut fields = text.split_whitespace();
    let seconds: f64 = fields.next()?.parse().ok()?;
    let kib: u64 = fields.next()?.parse().ok()?;
    Some((Duration::from_secs_f64(seconds), kib))
}

fn cell(measure: Option<Option<(Duration, u64)>>) -> String {
    match measure {
        None => "not installed".into(),
        Some(None) => "failed".into(),
        Some(Some((time, kib))) => format!(
            "{:.0} ms, {:.1} MiB",
            time.as_secs_f64() * 1000.0,
            kib as f64 / 1024.0
        ),
    }
}

fn median(samples: impl Iterator<Item = Duration>) -> Duration {
    let mut samples: Vec<Duration> = samples.collect();
    samples.sort();
    samples[samples.len() / 2]
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.exists())
    })
}

/// A photo-like pixel: smooth gradients with fine noise (so JPEG and PNG
/// have real work to do).
fn photo_pixel(x: u32, y: u32, seed: u32) -> [u8; 3] {
    let noise = (x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663) ^ seed) % 23;
    [
        ((x / 16 + noise) % 256) as u8,
        ((y / 12 + noise * 2) % 256) as u8,
        (((x + y) / 24 + noise) % 256) as u8,
    ]
}

fn make_inputs(dir: &Path) -> Vec<Input> {
    use image::ImageEncoder;
    let mut inputs = Vec::new();

    let (w, h) = (6000u32, 4000u32);
    let mut rgb = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            rgb.extend_from_slice(&photo_pixel(x, y, 1));
        }
    }
    let path = dir.join("photo-24mp.jpg");
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 90)
        .encode(&rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .expect("JPEG encoded");
    std::fs::write(&path, jpeg).expect("written");
    inputs.push(Input {
        label: "JPEG 6000×4000 (24 MP)",
        path,
        mime: "image/jpeg",
        out_ext: "jpg",
        width: i64::from(w),
        height: i64::from(h),
    });
    drop(rgb);

    let (w, h) = (4000u32, 3000u32);
    let mut rgba = Vec::with_capacity((w * h * 4) as usize);
    for y in 0..h {
        for x in 0..w {
            let [r, g, b] = photo_pixel(x, y, 2);
            rgba.extend_from_slice(&[r, g, b, ((x + y) / 28 % 256) as u8]);
        }
    }
    let path = dir.join("alpha-4000x3000.png");
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&rgba, w, h, image::ExtendedColorType::Rgba8)
        .expect("PNG encoded");
    std::fs::write(&path, png).expect("written");
    inputs.push(Input {
        label: "PNG 4000×3000 RGBA",
        path,
        mime: "image/png",
        out_ext: "png",
        width: i64::from(w),
        height: i64::from(h),
    });
    drop(rgba);

    let (w, h, frames) = (1000u32, 600u32, 20u32);
    let path = dir.join("animated-1000x600x20.gif");
    {
        let file = std::fs::File::create(&path).expect("created");
        let mut encoder = image::codecs::gif::GifEncoder::new_with_speed(file, 30);
        encoder
            .set_repeat(image::codecs::gif::Repeat::Infinite)
            .expect("repeat");
        for frame in 0..frames {
            let mut canvas = image::RgbaImage::new(w, h);
            for (x, y, pixel) in canvas.enumerate_pixels_mut() {
                let [r, g, b] = photo_pixel(x + frame * 17, y, 3);
                *pixel = image::Rgba([r, g, b, 255]);
            }
            encoder
                .encode_frame(image::Frame::from_parts(
                    canvas,
                    0,
                    0,
                    image::Delay::from_numer_denom_ms(100, 1),
                ))
                .expect("frame");
        }
    }
    inputs.push(Input {
        label: "GIF 1000×600, 20 frames",
        path,
        mime: "image/gif",
        out_ext: "gif",
        width: i64::from(w),
        height: i64::from(h),
    });

    let path = dir.join("drawing.svg");
    let mut svg = String::from(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1200\" height=\"800\" viewBox=\"0 0 1200 800\">\n<defs><linearGradient id=\"g\"><stop offset=\"0\" stop-color=\"#36c\"/><stop offset=\"1\" stop-color=\"#fc3\"/></linearGradient></defs>\n<rect width=\"1200\" height=\"800\" fill=\"url(#g)\"/>\n",
    );
    for i in 0..2000u32 {
        let (x, y) = ((i * 37) % 1200, (i * 53) % 800);
        svg.push_str(&format!(
            "<circle cx=\"{x}\" cy=\"{y}\" r=\"{}\" fill=\"#{:06x}\" fill-opacity=\"0.6\" stroke=\"#222\"/>\n<path d=\"M{x} {y} q 30 -40 60 0 t 60 0\" stroke=\"#000\" fill=\"none\"/>\n",
            5 + i % 40,
            (i * 2_654_435) & 0xff_ffff
        ));
    }
    svg.push_str("</svg>\n");
    std::fs::write(&path, svg).expect("written");
    inputs.push(Input {
        label: "SVG 1200×800, 4000 shapes",
        path,
        mime: "image/svg+xml",
        out_ext: "png",
        width: 1200,
        height: 800,
    });
    inputs
}
