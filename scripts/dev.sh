#!/usr/bin/env bash
# Serves the gateway with `wrangler dev` (workerd + local SQLite state in $STATE_DIR) on
# 127.0.0.1:$PORT, with the webhook inbox and the demo shop, and prints what a newcomer needs.
#
# However it is stopped, nothing it started keeps running: every child (wrangler, its
# workerd, the inbox, the shop) stays in this script's process group, so a signal to the
# group (Ctrl-C, a closed terminal, `kill -KILL -- -<pgid>`) reaches them all, and a signal
# to the script alone (INT, TERM, HUP) is trapped and passed on to every descendant.
# Nothing here may be started with setsid or detached: it would escape the group.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8787}
SHOP_PORT=${SHOP_PORT:-$((PORT + 1))}
STATE_DIR=${STATE_DIR:-.wrangler/state}
BASE="http://127.0.0.1:$PORT"
INBOX_PORT=${INBOX_PORT:-$((PORT + 2))}
INBOX="http://127.0.0.1:$INBOX_PORT"
mkdir -p "$STATE_DIR"

wrangler_pid=
inbox_pid=
shop_pid=

# Every descendant of the given pids, children first listed after their parent. Taken as one
# snapshot before anything is signalled: once a parent dies, its children are re-parented
# and could no longer be found from it.
tree() {
  local pid
  for pid in "$@"; do
    [ -n "$pid" ] || continue
    echo "$pid"
    # shellcheck disable=SC2046
    tree $(pgrep -P "$pid" 2>/dev/null || true)
  done
}

stop() {
  trap - INT TERM HUP EXIT
  local pids alive
  pids=$(tree "$wrangler_pid" "$inbox_pid" "$shop_pid")
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive=
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1 && break; done
    [ -n "$alive" ] || return 0
    sleep 0.1
  done
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap 'stop; exit 129' HUP
trap stop EXIT

# wrangler stays in this process group (no setsid), so its workerd does too.
CI=true wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to "$STATE_DIR" \
  ${INSPECTOR_PORT:+--inspector-port "$INSPECTOR_PORT"} \
  --show-interactive-dev-session=false &
wrangler_pid=$!
# The local webhook inbox: records deliveries and shows whether their signatures verify.
node scripts/webhook-inbox.mjs "$INBOX_PORT" "$BASE" "$STATE_DIR" &
inbox_pid=$!

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
