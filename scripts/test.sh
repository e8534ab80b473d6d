#!/usr/bin/env bash
# The whole test suite from a fresh clone on a fresh machine of this kind: installs what the tests need
# (npm packages, Debian's chromium for the browser tests), makes sure PostgreSQL runs, then `npm test`
# (type-check, lint, every vitest suite, `precept test` over policies/).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

npm ci --no-audit --no-fund
npm test
