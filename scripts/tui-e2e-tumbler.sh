#!/usr/bin/env bash
# tui-e2e-tumbler.sh drives the tumbler in the terminal UI end to end:
#
#   1. a devnet node (CLI, mining, loopback, no mDNS, a short output delay)
#      gets a wallet and coins, and funds two more accounts of it (alice,
#      bob);
#   2. the node announces a round of 0.01 BVS for exactly three inputs;
#      alice and bob join it from the CLI with --auto-sign;
#   3. the TUI opens on the node (it attaches to it), screen 7 lists the
#      round; enter, y joins it with the wallet's first account (the third
#      input: registration closes);
#   4. my registrations, enter: the batch to review, once built, with every
#      check passed, the fee shown and the TUI's output highlighted
#      ("← yours");
#   5. s, y co-signs it with one key; the round completes ("the tumble is
#      on chain"), the history lists it with its transaction, and the
#      tumble is confirmed in a block: the fresh account the TUI made holds
#      the denomination (read with the CLI and on the wallet screen);
#   6. quits with q.
#
# Every step is checked with `tmux capture-pane`; on failure it prints what
# it waited for and the last screen, and exits non-zero.
#
# Environment: BITVERSE_BIN (default ./bin/bitverse), E2E_TIMEOUT (seconds
# to wait for the spendable balance, default 240), KEEP=1 keeps the data
# directory.
set -euo pipefail

BIN=${BITVERSE_BIN:-./bin/bitverse}
TIMEOUT=${E2E_TIMEOUT:-240}
PASS="e2e tumbler $$"
DENOM=0.01
SOCK="bitverse-e2e-tumbler-$$"
S="e2e"
W=120
H=40

command -v tmux >/dev/null || { echo "tui-e2e-tumbler: tmux is not installed (apt-get install tmux)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "tui-e2e-tumbler: $BIN is missing: run \`make build\` first (or set BITVERSE_BIN)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

DIR=$(mktemp -d "${TMPDIR:-/tmp}/bitverse-e2e-tumbler.XXXXXX")
A="$DIR/a"
mkdir -p "$A"
export XDG_CONFIG_HOME="$DIR/config" # no operator configuration leaks in
unset BITVERSE_CONFIG
t() { tmux -u -L "$SOCK" "$@"; }
APID=""
cleanup() {
	t kill-server 2>/dev/null || true
	if [ -n "$APID" ]; then kill "$APID" 2>/dev/null || true; wait "$APID" 2>/dev/null || true; fi
	if [ "${KEEP:-}" = 1 ]; then echo "tui-e2e-tumbler: data directory kept: $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT

step() { printf 'tui-e2e-tumbler: %s\n' "$*"; }
screen() { t capture-pane -p -t "$S" 2>/dev/null || true; }
fail() {
	echo "tui-e2e-tumbler: FAIL: $*" >&2
	echo "---- last screen ----" >&2
	screen >&2
	echo "---------------------" >&2
	[ -f "$A/node.log" ] && { echo "---- node.log (tail) ----" >&2; tail -n 15 "$A/node.log" >&2; }
	exit 1
}
wait_for() {
	local text=$1 end=$((SECONDS + ${2:-20}))
	while [ $SECONDS -lt $end ]; do
		screen | grep -qF -- "$text" && return 0
		if [ -f "$DIR/exit" ]; then fail "bitverse exited ($(cat "$DIR/exit")) while waiting for \"$text\""; fi
		sleep 0.3
	done
	fail "waited ${2:-20}s for \"$text\""
}
keys() { for k in "$@"; do t send-keys -t "$S" "$k"; sleep 0.15; done; }
on() { BITVERSE_PASSPHRASE="$PASS" "$BIN" --datadir "$A" "$@"; }
cli() { on "$@" >"$DIR/cli.out" 2>&1 || fail "bitverse $* failed: $(cat "$DIR/cli.out")"; }
# balance ACCOUNT: the spendable balance of ACCOUNT, as the CLI prints it.
balance() { on --account "$1" wallet balance 2>/dev/null | awk -F':[ \t]+' '/^balance:/{print $2; exit}' | tr -d ', BVS'; }

step "1/6 a mining node funds three accounts"
cli wallet create
on node --listen 127.0.0.1:0 --loopback --no-mdns --mine --miner-workers 1 --tumbler-output-delay 500ms >"$A/node.log" 2>&1 &
APID=$!
end=$((SECONDS + 60))
until on status >/dev/null 2>&1; do
	[ $SECONDS -lt $end ] || fail "the node did not start: $(tail -n 5 "$A/node.log")"
	sleep 0.5
done
end=$((SECONDS + TIMEOUT))
until on wallet balance 2>/dev/null | grep -qE 'balance:[[:space:]]+[1-9]'; do
	[ $SECONDS -lt $end ] || fail "no spendable balance within ${TIMEOUT}s"
	sleep 1
done
for who in alice bob; do
	cli wallet new-account "$who"
	addr=$(on --account "$who" wallet address)
	cli wallet send "$addr" 0.1 --yes
done
end=$((SECONDS + 120))
until awk -v a="$(balance alice)" -v b="$(balance bob)" 'BEGIN{exit !(a+0 >= 0.1 && b+0 >= 0.1)}'; do
	[ $SECONDS -lt $end ] || fail "alice and bob did not get their 0.1 BVS within 120s"
	sleep 1
done
step "    alice $(balance alice) BVS, bob $(balance bob) BVS"

step "2/6 a round of $DENOM BVS for three inputs; alice and bob join from the CLI"
ROUND=$(on tumbler coordinate --denomination "$DENOM" --min 3 --max 3 --json | grep -oE '"id": *"[0-9a-f]{64}"' | grep -oE '[0-9a-f]{64}') ||
	fail "tumbler coordinate: no round ID"
R8=${ROUND:0:8}
# The amount: the denomination, the round's fees and a little change.
for who in alice bob; do
	cli --account "$who" tumbler join --round "$ROUND" --amount 0.02 --auto-sign --yes
done
step "    round $R8: $(on tumbler rounds | awk -v r="$R8" 'index($1, r) == 1' | tr -s ' \t' ' ')"

step "3/6 the TUI joins the round on screen 7 with one key"
t new-session -d -s "$S" -x "$W" -y "$H" \
	"env BITVERSE_PASSPHRASE='$PASS' TERM=xterm-256color '$BIN' --datadir '$A'; echo \$? > '$DIR/exit'; sleep 600"
wait_for "1 Home" 60
keys 7
wait_for "o rounds" 20
wait_for "$R8" 20
wait_for "input-registration" 10
wait_for "enter: join" 10
step "    $(screen | grep -F "$R8" | tr -s ' ' | head -1)"
keys Enter
wait_for "Join round $R8?" 10
step "    $(screen | grep -oE 'It takes [0-9.]+ BVS: the denomination [0-9.]+ BVS' | head -1)"
keys y
wait_for "Joined round" 30
wait_for "r my registrations (1)" 20

step "4/6 review the batch: the TUI's output highlighted, the fee shown"
keys Enter
wait_for "Batch of round $R8" 10
wait_for "every check passed" 120
wait_for "← yours" 10
wait_for "not signed yet — s to co-sign" 60
step "    $(screen | grep -oE 'your fee +[0-9.]+ BVS' | tr -s ' ' | head -1)"
step "    $(screen | grep -F '← yours' | grep -F '→' | tr -s ' ' | head -1)"

step "5/6 co-sign with one key; the round completes"
keys s
wait_for "Co-sign the batch of round $R8?" 10
keys y
wait_for "Signed the batch" 30
wait_for "is done: the tumble is on chain" 120
keys Escape h
wait_for "h history (1)" 30
wait_for "done" 10
TX=$(on tumbler rounds --json | grep -oE '"txid": *"[0-9a-f]{64}"' | grep -oE '[0-9a-f]{64}' | head -1) || fail "no transaction in the rounds"
wait_for "${TX:0:8}" 10
step "    history: $(screen | grep -F "$R8" | tr -s ' ' | head -1)"
# Confirmed in a block: the fresh account the TUI made holds the denomination.
FRESH=$(on wallet list 2>/dev/null | grep -oE "tumbled-$R8-[0-9]+" | head -1) || true
[ -n "$FRESH" ] || fail "no tumbled-$R8-… account in the wallet: $(on wallet list 2>&1)"
end=$((SECONDS + 120))
until awk -v b="$(balance "$FRESH")" -v d="$DENOM" 'BEGIN{exit !(b+0 >= d+0)}'; do
	[ $SECONDS -lt $end ] || fail "the tumble was not confirmed within 120s: $FRESH holds $(balance "$FRESH") BVS"
	sleep 1
done
keys 2
wait_for "Accounts" 20
wait_for "tumbled-" 20
step "    confirmed: $FRESH holds $(balance "$FRESH") BVS; $(screen | grep -F 'tumbled-' | tr -s ' ' | head -1)"

step "6/6 quit"
keys q
end=$((SECONDS + 30))
while [ $SECONDS -lt $end ] && [ ! -f "$DIR/exit" ]; do sleep 0.3; done
[ -f "$DIR/exit" ] || fail "bitverse did not exit after q"
rc=$(cat "$DIR/exit")
[ "$rc" = 0 ] || fail "bitverse exited with status $rc"
step "PASS"
