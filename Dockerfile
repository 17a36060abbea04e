# Multi-stage build: a static, pure-Go binary (no cgo: SQLite is modernc) on a minimal base,
# running as a non-root user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/liemchinh ./cmd/liemchinh
# The folder for evidence files (BLOB_DIR, ./data/blobs under the working directory): the
# non-root user cannot create it in the image's root-owned working directory.
RUN mkdir -p /out/data/blobs

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/liemchinh /usr/local/bin/liemchinh
WORKDIR /var/lib/liemchinh
COPY --from=build --chown=nonroot:nonroot /out/data /var/lib/liemchinh/data
ENV LISTEN_ADDR=0.0.0.0:8080 APP_ENV=production
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/liemchinh"]
CMD ["serve"]
