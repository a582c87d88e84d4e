# The wtmap container the Kubernetes examples in README.md and docs/nightly.md refer to.
# Build where a container builder exists: `docker build -t registry.example/wtmap:latest .`
# (CI does not build it: its machines have no container engine.)
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked && strip target/release/wtmap

FROM debian:bookworm-slim
# CA certificates for HTTPS to the HR APIs, Winningtemp and SMTP; tzdata is not needed
# (chrono-tz carries the zone database).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --create-home wtmap
COPY --from=build /src/target/release/wtmap /usr/local/bin/wtmap
# HR data is private: files wtmap writes are readable by this user only.
USER wtmap
WORKDIR /wtmap
ENTRYPOINT ["wtmap"]
CMD ["--help"]
