#!/usr/bin/env bash
# The container engine for tests/deploy/, which builds the images and runs docker-compose.yml
# (with docker-compose.replica.yml) as an operator would:
#   docker.sh engine        Docker's engine and a compose client, installed from Debian and
#                           started when missing (as root); a no-op where they answer.
#   docker.sh base          the images' base, debian:bookworm-slim: pulled, or where no
#                           registry is reachable, made with debootstrap from Debian's archive
#                           (the same release, minimal variant), trusting the machine's own
#                           extra certificate authorities as the machine does.
#   docker.sh compose ARGS  the compose client that is there: `docker compose` or Debian's
#                           `docker-compose`.
set -euo pipefail

log=${DOCKERD_LOG:-/var/log/vollsmose-dockerd.log}

answers() { docker info >/dev/null 2>&1; }

engine() {
    answers && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "docker.sh: no container engine answers; start one or run as root" >&2
        exit 1
    fi
    local need=()
    command -v dockerd >/dev/null || need+=(docker.io)
    command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 \
        || need+=(docker-compose)
    command -v iptables >/dev/null || need+=(iptables)
    command -v debootstrap >/dev/null || need+=(debootstrap)
    if [ ${#need[@]} -gt 0 ]; then
        echo "docker.sh: installing ${need[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
    # No init system here: the engine runs in the background, detached from the caller.
    setsid dockerd >"$log" 2>&1 < /dev/null &
    for _ in $(seq 1 60); do
        answers && return 0
        sleep 0.5
    done
    echo "docker.sh: the engine did not start; see $log" >&2
    tail -n 20 "$log" >&2
    exit 1
}

base() {
    local image=debian:bookworm-slim
    docker image inspect "$image" >/dev/null 2>&1 && return 0
    timeout 60 docker pull -q "$image" >/dev/null 2>&1 && return 0
    echo "docker.sh: no registry answers; making $image with debootstrap" >&2
    local root
    root=$(mktemp -d)
    debootstrap --variant=minbase --include=ca-certificates bookworm "$root" \
        http://deb.debian.org/debian >/dev/null
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
        chroot "$root" update-ca-certificates >/dev/null
    fi
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | docker import - "$image" >/dev/null
    rm -rf "$root"
}

compose() {
    if docker compose version >/dev/null 2>&1; then
        exec docker compose "$@"
    fi
    exec docker-compose "$@"
}

case "${1:-}" in
    engine) engine ;;
    base) base ;;
    compose) shift; compose "$@" ;;
    *) echo "usage: $0 engine|base|compose ARGS" >&2; exit 2 ;;
esac
