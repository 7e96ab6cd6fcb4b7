# The server image that k8s/ deploys (image assessment-server). Build from the repository root:
#   docker build -t assessment-server:latest .
# Multi-stage: the SDK builds and publishes; the runtime image holds only the published server, runs as the
# non-root user the .NET images provide, and needs no writable path but /tmp (mounted in Kubernetes, where the root
# filesystem is read-only).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY protos/ protos/
COPY templates/ templates/
COPY src/ src/
RUN dotnet publish src/Assessment.Server/Assessment.Server.csproj -c Release -o /app/publish

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# Bulletins are printed to PDF by Debian's headless Chromium with CJK fonts (no browser is downloaded at run time).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/publish ./
# Listen on every interface inside the pod (TLS from the mounted certificate, see k8s/base/deployment.yaml);
# state that must survive a restart lives in PostgreSQL, so the data folder is scratch space.
ENV Host=0.0.0.0 \
    DataDir=/tmp/assessment \
    HOME=/tmp \
    XDG_CONFIG_HOME=/tmp/.config \
    XDG_CACHE_HOME=/tmp/.cache
USER $APP_UID
EXPOSE 5100 5080 11111 30000
# Liveness and readiness are /healthz and /readyz on the web port (the Kubernetes probes call them).
ENTRYPOINT ["dotnet", "Assessment.Server.dll"]
