# syntax=docker/dockerfile:1
# ActorLoki: built with the .NET 10 SDK and published self-contained (the runtime travels with the application) onto
# the chiseled runtime-deps image (no shell, no package manager: the C library, OpenSSL and the CA certificates), run as
# the non-root `app` user, UID 1654. Nothing is written to the image's filesystem at run time, so it runs with a
# read-only root filesystem.
#
#   docker build -t actorloki .
#   docker run --rm actorloki demo          # the demo, inside the image
#   docker run --rm actorloki check ...     # any command; with none, `actorloki run`
#
# Multi-platform: docker buildx build --platform linux/amd64,linux/arm64 (the SDK runs natively and
# cross-publishes for the target architecture).

FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src

# Restore from the project files alone, so that a change to the code reuses the restore layer.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ActorLoki/ActorLoki.csproj src/ActorLoki/
COPY src/ActorLoki.Hocon/ActorLoki.Hocon.csproj src/ActorLoki.Hocon/
COPY src/ActorLoki.Kubernetes/ActorLoki.Kubernetes.csproj src/ActorLoki.Kubernetes/
COPY src/ActorLoki.Loki/ActorLoki.Loki.csproj src/ActorLoki.Loki/
COPY src/ActorLoki.Shipper/ActorLoki.Shipper.csproj src/ActorLoki.Shipper/
COPY src/ActorLoki.Simulator/ActorLoki.Simulator.csproj src/ActorLoki.Simulator/
RUN dotnet restore src/ActorLoki/ActorLoki.csproj --arch $TARGETARCH -p:SelfContained=true

COPY src/ src/
# Self-contained for the target architecture, so the csproj precompiles ActorLoki, its packages and the framework it
# uses into one composite ReadyToRun image (src/ActorLoki/ReadyToRun.targets), run without tiered compilation: at a
# quarter of a CPU the first line reaches Loki 1.8-2.8 s after the launch, against 2.5-3.6 s framework-dependent and
# 4.0-4.8 s JIT-compiled (docs/performance.md, Start-up).
RUN dotnet publish src/ActorLoki/ActorLoki.csproj --configuration Release --arch $TARGETARCH --no-restore \
      --self-contained true --output /app

FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app .

# The runtime's diagnostics IPC socket would be created in /tmp; nothing attaches to it in production, and the
# root filesystem may be read-only.
ENV DOTNET_EnableDiagnostics=0
# The GC's settings travel with the binary (actorloki.runtimeconfig.json: gen0 budget capped at 2 MiB), so the image
# sets none: the shipper has the same memory figures here and run as `dotnet actorloki.dll run` (docs/performance.md, Runtime settings).

# The `app` user of the .NET images, by number so that Kubernetes can verify runAsNonRoot.
USER 1654

# /metrics, /healthz, /readyz and /debug (actorloki.http.port).
EXPOSE 8080

ENTRYPOINT ["/app/actorloki"]
CMD ["run"]
