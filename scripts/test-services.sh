#!/usr/bin/env bash
# Make sure the database server binaries the Lambda-code tests need are installed (PostgreSQL, MariaDB),
# and Graphviz's `dot`, which `make diagrams` (publishing/diagrams.py) renders the architecture pictures with.
# Idempotent: installs only what is missing. It never starts a service: tests/lambda_code starts its own
# throwaway servers on free ports and stops them at the end of the session.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

have_binary() {
    # $1: binary name; looked up on PATH and in the Debian versioned server folders.
    local name="$1" candidate
    if command -v "$name" >/dev/null 2>&1; then
        return 0
    fi
    for candidate in /usr/lib/postgresql/*/bin/"$name" /usr/sbin/"$name" /usr/bin/"$name"; do
        if [ -x "$candidate" ]; then
            return 0
        fi
    done
    return 1
}

POLICY_RC=/usr/sbin/policy-rc.d
CREATED_POLICY=0
cleanup() {
    if [ "$CREATED_POLICY" -eq 1 ]; then
        $SUDO rm -f "$POLICY_RC"
    fi
}
trap cleanup EXIT

apt_install() {
    # policy-rc.d (exit 101) stops the packages' postinst scripts from starting system services; the
    # tests start their own servers. Removed again on exit, also when apt-get fails.
    if [ ! -e "$POLICY_RC" ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY_RC" >/dev/null
        $SUDO chmod 755 "$POLICY_RC"
        CREATED_POLICY=1
    fi
    # Try with the existing package lists first; refresh them only if that fails (stale or missing lists).
    if ! $SUDO apt-get install -y --no-install-recommends "$@"; then
        $SUDO apt-get update
        $SUDO apt-get install -y --no-install-recommends "$@"
    fi
}

if have_binary initdb && have_binary pg_ctl; then
    echo "test-services: PostgreSQL server binaries present"
else
    echo "test-services: installing PostgreSQL"
    apt_install postgresql
fi

if have_binary mariadbd && have_binary mariadb-install-db; then
    echo "test-services: MariaDB server binaries present"
else
    echo "test-services: installing MariaDB"
    apt_install mariadb-server
fi

if have_binary dot; then
    echo "test-services: Graphviz (dot) present"
else
    echo "test-services: installing Graphviz"
    apt_install graphviz
fi
