#!/usr/bin/env bash
# Placeholder until the provisioning script lands.
set -Eeuo pipefail
command -v pg_dump >/dev/null
