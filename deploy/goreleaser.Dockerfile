# The release image: goreleaser builds the static binary (version, commit and
# date set by ldflags) and copies it in. The repository's Dockerfile builds the
# same image from source.
FROM gcr.io/distroless/static-debian12:nonroot
ARG TARGETPLATFORM
COPY $TARGETPLATFORM/aaa /aaa
WORKDIR /data
USER nonroot:nonroot
ENV PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["/aaa", "healthcheck"]
ENTRYPOINT ["/aaa"]
CMD ["serve"]
