#!/usr/bin/env bash
# The base images `make image-local` builds the Containerfile on, where no image registry is reachable:
#   localhost/taskagent-base:bookworm  Debian bookworm (debootstrap, Python 3.11) in place of python:3.11-slim
#   localhost/taskagent-node:20        that base plus this host's Node and npm, in place of node:20-slim
# Both trust this host's certificate authorities (the sandbox reaches PyPI and npm through a TLS proxy).
# Usage: local_bases.sh ROOTFS_TARBALL PYTHON_IMAGE NODE_IMAGE   (podman configured by the caller)
set -euo pipefail
tarball=$1 python_image=$2 node_image=$3
raw=localhost/taskagent-debootstrap:bookworm
certs=/etc/ssl/certs/ca-certificates.crt
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT

podman image exists "$raw" || podman import -q "$tarball" "$raw" >/dev/null

if ! podman image exists "$python_image"; then
    cp "$certs" "$context/ca-certificates.crt"
    cat > "$context/Containerfile" <<CONTAINERFILE
FROM $raw
COPY ca-certificates.crt $certs
ENV SSL_CERT_FILE=$certs PIP_CERT=$certs NODE_EXTRA_CA_CERTS=$certs
CONTAINERFILE
    podman build -q --isolation chroot -t "$python_image" "$context" >/dev/null
fi

if ! podman image exists "$node_image"; then
    rm -rf "${context:?}"/*
    cp "$(readlink -f "$(command -v node)")" "$context/node"
    cp -r "$(npm root -g)/npm" "$context/npm"
    cat > "$context/Containerfile" <<CONTAINERFILE
FROM $python_image
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && node --version
CONTAINERFILE
    podman build -q --isolation chroot -t "$node_image" "$context" >/dev/null
fi
