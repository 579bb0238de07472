# The kubevigil image: the governor (`kubevigil governor`) and every other
# subcommand. Multi-stage: built on Debian with the pinned lock file, run on
# distroless (no shell, no package manager), as a non-root user.
#
#   docker build -t kubevigil:0.1.0 .
#   docker run --rm kubevigil:0.1.0 --help
#
# The runtime needs no OpenSSL (rustls) and no writable filesystem: the
# Deployment in assets/deploy/ runs it with a read-only root filesystem.

FROM rust:1.89-bookworm AS build
WORKDIR /src
# Dependencies first, so a source change does not rebuild them.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && for b in highlight render ingest; do echo 'fn main() {}' > benches/$b.rs; done \
    && cargo fetch --locked
COPY . .
RUN cargo build --release --locked --bin kubevigil \
    && cp target/release/kubevigil /kubevigil

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /kubevigil /usr/local/bin/kubevigil
USER 65532:65532
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/kubevigil"]
CMD ["governor"]
