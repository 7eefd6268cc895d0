# Builds the incidentmap image in three stages: the front end with Node (its
# own npm ci inside the image; .dockerignore keeps the host's node_modules and
# dist out of the context), the binary with Go, and a small Debian runtime
# with the PostgreSQL client for `incidentmap backup` and `restore`.
# docker-compose.yml runs it next to PostGIS (and, with --profile replica, a
# streaming replica).
FROM node:20-bookworm AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/web/dist ./web/dist
RUN CGO_ENABLED=0 go build -trimpath -o /out/incidentmap ./cmd/incidentmap

FROM debian:bookworm-slim
RUN apt-get update -q && apt-get install -y -q --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 incidentmap && mkdir /data && chown incidentmap /data
COPY --from=build /out/incidentmap /usr/local/bin/incidentmap
USER incidentmap
WORKDIR /data
EXPOSE 8080
ENTRYPOINT ["incidentmap"]
CMD ["serve"]
