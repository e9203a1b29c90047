# syntax=docker/dockerfile:1
# Build with the .NET 10 SDK, run on the chiseled ASP.NET Core runtime as the non-root `app` user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/ActorLoki/ActorLoki.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app .
# UID 1654 is the `app` user of the .NET images; the root filesystem can be mounted read-only.
USER 1654
ENTRYPOINT ["dotnet", "/app/actorloki.dll", "run"]
