# wikiupload: build with the Rust toolchain, run from a small Debian image.
#   docker build -t wikiupload .
#   docker run -p 8080:8080 -v wikiupload-data:/data \
#     -e WIKIUPLOAD_SERVER=http://localhost:8080 \
#     -e WIKIUPLOAD_ADMIN_PASSWORD=change-me-please wikiupload

FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY config config
COPY migrations migrations
COPY src src
RUN cargo build --release --locked --bin wikiupload \
 && strip target/release/wikiupload

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin wikiupload \
 && mkdir -p /data \
 && chown wikiupload:wikiupload /data
COPY --from=build /src/target/release/wikiupload /usr/local/bin/wikiupload
USER wikiupload
ENV WIKIUPLOAD_LISTEN=0.0.0.0:8080 \
    WIKIUPLOAD_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD curl -fsS "http://127.0.0.1:8080/api.php?action=query&meta=siteinfo&format=json" >/dev/null || exit 1
ENTRYPOINT ["wikiupload"]
CMD ["serve"]
