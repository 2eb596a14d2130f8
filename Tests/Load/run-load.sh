#!/usr/bin/env bash
# Load test: builds `tessera` (release), starts a relay on a free port with its store in a
# temporary directory, and runs `tessera loadtest`: CLIENTS WebSocket clients in one room,
# each making EDITS edits at RATE edits per second. Reports convergence, time to
# convergence, edit-to-remote-apply latency (p50/p90/p99) and the relay's RSS from /proc.
#
#   Tests/Load/run-load.sh                          # 100 clients x 1,000 edits
#   CLIENTS=20 EDITS=200 RATE=20 Tests/Load/run-load.sh
#
# Not part of `make test`: it takes minutes and its figures depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

CLIENTS=${CLIENTS:-100}
EDITS=${EDITS:-1000}
RATE=${RATE:-5}
DURABILITY=${DURABILITY:-full}
CONFIGURATION=${CONFIGURATION:-release}
SCRATCH=${SCRATCH:-.build-load}

swift build -c "$CONFIGURATION" --product tessera --scratch-path "$SCRATCH"
BIN="$(swift build -c "$CONFIGURATION" --product tessera --scratch-path "$SCRATCH" --show-bin-path)/tessera"

DATA=$(mktemp -d)
RELAY_OUT="$DATA/relay.out"
"$BIN" serve --port 0 --data "$DATA" --durability "$DURABILITY" --log-level warning >"$RELAY_OUT" 2>"$DATA/relay.log" &
RELAY=$!
trap 'kill -TERM $RELAY 2>/dev/null || true; wait $RELAY 2>/dev/null || true; rm -rf "$DATA"' EXIT

for _ in $(seq 1 200); do
  grep -q listening "$RELAY_OUT" 2>/dev/null && break
  sleep 0.05
done
PORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$RELAY_OUT" | head -1)
[ -n "$PORT" ] || { echo "relay did not start:"; cat "$DATA/relay.log"; exit 1; }

echo "relay pid $RELAY on port $PORT, store $DATA/tessera.sqlite (synchronous=$DURABILITY)"
echo "$CLIENTS clients x $EDITS edits at $RATE edits/s each"
"$BIN" loadtest --url "ws://127.0.0.1:$PORT/v1/rooms/load" --clients "$CLIENTS" --edits "$EDITS" --rate "$RATE" --server-pid "$RELAY"
echo "relay store: $(du -sh "$DATA" | cut -f1)"
