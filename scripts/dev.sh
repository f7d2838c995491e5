#!/usr/bin/env bash
# Serves the gateway with `wrangler dev` (workerd + local SQLite state in $STATE_DIR) on
# 127.0.0.1:$PORT and prints what a newcomer needs. Ctrl-C stops wrangler and its workerd.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8787}
SHOP_PORT=${SHOP_PORT:-$((PORT + 1))}
STATE_DIR=${STATE_DIR:-.wrangler/state}
BASE="http://127.0.0.1:$PORT"
INBOX_PORT=${INBOX_PORT:-$((PORT + 2))}
INBOX="http://127.0.0.1:$INBOX_PORT"
mkdir -p "$STATE_DIR"

# wrangler runs in its own process group so that stopping it also stops workerd.
CI=true setsid wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to "$STATE_DIR" \
  --show-interactive-dev-session=false &
wrangler_pid=$!
# The local webhook inbox: records deliveries and shows whether their signatures verify.
node scripts/webhook-inbox.mjs "$INBOX_PORT" "$BASE" "$STATE_DIR" &
inbox_pid=$!
shop_pid=
stop() {
  trap - INT TERM EXIT
  kill -TERM "$inbox_pid" 2>/dev/null || true
  [ -n "$shop_pid" ] && kill -TERM "$shop_pid" 2>/dev/null || true
  kill -TERM -- "-$wrangler_pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 -- "-$wrangler_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$wrangler_pid" 2>/dev/null || true
}
trap stop INT TERM EXIT

for _ in $(seq 1 120); do
  curl -sf "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$wrangler_pid" 2>/dev/null || { echo "wrangler dev exited early" >&2; exit 1; }
  sleep 0.5
done
curl -sf "$BASE/healthz" >/dev/null || { echo "the gateway did not become healthy" >&2; exit 1; }

node scripts/seed-demo.mjs "$BASE" "$STATE_DIR" "$INBOX/hooks" "http://localhost:$SHOP_PORT"

# The demo shop's merchant backend: holds the demo API key, creates payments, and serves the
# shop on another origin (localhost vs 127.0.0.1) so the embedded checkout is cross-origin.
node scripts/demo-merchant.mjs "$BASE" "$SHOP_PORT" "$STATE_DIR/demo-account.json" &
shop_pid=$!

cat <<MSG

  Kassa is running (state in $STATE_DIR; Ctrl-C stops it).

    Health          $BASE/healthz
    API base        $BASE/v1
    Card form       $BASE/checkout/preview
    Demo shop       http://localhost:$SHOP_PORT/   (redirect and embedded checkout)
    Guide           $BASE/shop/guide.html
    Webhook inbox   $INBOX/  (the demo account's webhook delivers here)

MSG
wait "$wrangler_pid"
