# wikiupload: built with the Rust toolchain, run from a small Debian image as
# an unprivileged user, with its data in the /data volume.
#   docker build -t wikiupload .
#   docker run -p 8080:8080 -v wikiupload-data:/data \
#     -e WIKIUPLOAD_SERVER=http://localhost:8080 \
#     -e WIKIUPLOAD_ADMIN_PASSWORD=change-me-please wikiupload
# Every setting is a WIKIUPLOAD_* variable (README, "Configuration keys"); a
# config file can be mounted too:
#   -v ./wikiupload.toml:/etc/wikiupload/config.toml:ro \
#   -e WIKIUPLOAD_CONFIG=/etc/wikiupload/config.toml
# tests/api/ops.rs runs this file's ENV, ENTRYPOINT, CMD and HEALTHCHECK
# against a fresh data directory.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY config config
COPY migrations migrations
COPY src src
COPY benches benches
RUN cargo build --release --locked --bin wikiupload \
 && strip target/release/wikiupload

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin wikiupload \
 && mkdir -p /data \
 && chown wikiupload:wikiupload /data
COPY --from=build /src/target/release/wikiupload /usr/local/bin/wikiupload
USER wikiupload
ENV WIKIUPLOAD_LISTEN=0.0.0.0:8080
ENV WIKIUPLOAD_DATA_DIR=/data
ENV WIKIUPLOAD_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s CMD ["wikiupload", "healthcheck"]
ENTRYPOINT ["wikiupload"]
CMD ["serve"]
