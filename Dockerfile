# syntax=docker/dockerfile:1
# Waypost: release build of the server and the wasm bundle, then a small non-root runtime.
#
#   docker build -t waypost .                        # the app (web and worker share it)
#   docker build -t waypost-nginx --target nginx .   # nginx with the static files baked in
#
# Stages: chef (tools) → planner (dependency recipe) → builder (cached dependencies, then the
# app) → nginx / runtime (the default).

ARG RUST_VERSION=1.95
ARG DEBIAN=bookworm

FROM rust:${RUST_VERSION}-${DEBIAN} AS chef
WORKDIR /app
# Versions that work together (see README, "Toolchain"): cargo-leptos 0.3.10, the
# wasm-bindgen CLI equal to the crate in Cargo.lock, wasm-opt from npm's binaryen 132.
ARG CARGO_LEPTOS_VERSION=0.3.10
ARG WASM_BINDGEN_VERSION=0.2.130
ARG BINARYEN_VERSION=132.0.0
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm brotli \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add wasm32-unknown-unknown \
 && cargo install --locked cargo-chef \
 && cargo install --locked cargo-leptos --version "${CARGO_LEPTOS_VERSION}" \
 && cargo install wasm-bindgen-cli --version "=${WASM_BINDGEN_VERSION}" \
 && npm install -g "binaryen@${BINARYEN_VERSION}"

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
# Dependencies only: this layer is reused until Cargo.toml/Cargo.lock change. The same
# features and target directories cargo-leptos uses (server in target/, wasm in target/front).
RUN cargo chef cook --release --no-default-features --features ssr --bin waypost \
      --recipe-path recipe.json \
 && cargo chef cook --profile wasm-release --target wasm32-unknown-unknown \
      --no-default-features --features hydrate --target-dir target/front --recipe-path recipe.json
COPY . .
# Queries are checked against the committed .sqlx/ data: no database needed to build.
ENV SQLX_OFFLINE=true
RUN cargo leptos build --release --split \
 && scripts/precompress target/site \
 && cp target/release/waypost target/release/hash.txt /usr/local/bin/

FROM nginx:1.27-alpine AS nginx
# nginx serves the hashed, precompressed static files itself and proxies the rest to web.
COPY nginx/templates/ /etc/nginx/templates/
COPY --from=builder /app/target/site /srv/waypost/site

# The default (last) stage: the app, for web and worker.
FROM debian:${DEBIAN}-slim AS runtime
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 waypost \
 && useradd --system --uid 10001 --gid waypost --home-dir /app --shell /usr/sbin/nologin waypost \
 && mkdir -p /app/media /app/var/mail \
 && chown -R waypost:waypost /app
WORKDIR /app
# hash.txt (the bundle's hashed file names) must sit next to the binary.
COPY --from=builder /usr/local/bin/waypost /usr/local/bin/hash.txt /usr/local/bin/
COPY --from=builder /app/target/site /app/site
# The release binary needs no Cargo.toml: Leptos reads these.
ENV LEPTOS_OUTPUT_NAME=waypost \
    LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_SITE_ADDR=0.0.0.0:3000 \
    LEPTOS_ENV=PROD \
    LEPTOS_HASH_FILES=true \
    MEDIA_ROOT=/app/media \
    EMAIL_FILE_PATH=/app/var/mail
USER 10001:10001
EXPOSE 3000
# `waypost healthcheck` asks /healthz (no curl in the image).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["waypost", "healthcheck"]
# Migrations are applied when the server starts.
ENTRYPOINT ["waypost"]
CMD ["serve"]
