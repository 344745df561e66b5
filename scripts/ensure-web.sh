#!/usr/bin/env bash
# Before `npm start`: build the web client once if it has never been built (npm run build:web rebuilds).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f web/dist/index.html ] || npx vite build web --logLevel warn
