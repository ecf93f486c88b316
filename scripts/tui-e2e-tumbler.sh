#!/usr/bin/env bash
# tui-e2e-tumbler.sh drives the tumbler in the terminal UI end to end:
#
#   1. a devnet node A (CLI, mining, loopback, no mDNS, a short output
#      delay) gets a wallet and coins; a second node P (its peer) has a
#      wallet with two accounts, alice and bob, and A sends each coins;
#   2. A announces a round of 0.01 BVS for exactly three inputs; alice and
#      bob join it from the CLI on P with --auto-sign;
#   3. the TUI opens on A (it attaches to the node), screen 7 lists the
#      round; enter, y joins it with the wallet's first account (the third
#      input: registration closes);
#   4. my registrations, enter: the batch to review, once built, with every
#      check passed, the fee shown and the TUI's outputs highlighted
#      ("← yours"), alice's and bob's not;
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
# directories.
set -euo pipefail

TIMEOUT=${E2E_TIMEOUT:-240}
PASS="e2e tumbler $$"
DENOM=0.01
W=120
H=40

NAME=tui-e2e-tumbler
. "$(dirname "$0")/e2e-lib.sh"
A="$DIR/a" # the mining node, the coordinator, the TUI's
P="$DIR/p" # alice's and bob's node
mkdir -p "$A" "$P"
LOGS=("$A/node.log" "$P/node.log")
# balance DIR ACCOUNT: the spendable balance of ACCOUNT, as the CLI prints it.
balance() { on "$1" --account "$2" wallet balance 2>/dev/null | awk -F':[ \t]+' '/^balance:/{print $2; exit}' | tr -d ', BVS'; }

step "1/6 a mining node; a second node's two accounts get coins from it"
cli "$A" wallet create
BITVERSE_PASSPHRASE="$PASS" "$BIN" --datadir "$A" node --loopback --no-mdns --mine --miner-workers 1 --tumbler-output-delay 500ms >"$A/node.log" 2>&1 &
PIDS+=($!) # the node itself, not a subshell: cleanup stops it
wait_api "$A"
ADDR=$(p2p_addr "$A")
cli "$P" wallet create
cli "$P" wallet new-account alice
cli "$P" wallet new-account bob
BITVERSE_PASSPHRASE="$PASS" "$BIN" --datadir "$P" node --loopback --no-mdns --bootstrap "$ADDR" --tumbler-output-delay 500ms >"$P/node.log" 2>&1 &
PIDS+=($!) # the node itself
wait_api "$P"
end=$((SECONDS + TIMEOUT))
until on "$A" wallet balance 2>/dev/null | grep -qE 'balance:[[:space:]]+[1-9]'; do
	[ $SECONDS -lt $end ] || fail "no spendable balance within ${TIMEOUT}s"
	sleep 1
done
for who in alice bob; do
	cli "$A" wallet send "$(on "$P" --account "$who" wallet address)" 0.1 --yes
done
end=$((SECONDS + 120))
until awk -v a="$(balance "$P" alice)" -v b="$(balance "$P" bob)" 'BEGIN{exit !(a+0 >= 0.1 && b+0 >= 0.1)}'; do
	[ $SECONDS -lt $end ] || fail "alice and bob did not get their 0.1 BVS within 120s"
	sleep 1
done
step "    alice $(balance "$P" alice) BVS, bob $(balance "$P" bob) BVS on the second node"

step "2/6 a round of $DENOM BVS for three inputs; alice and bob join from the CLI"
ROUND=$(on "$A" tumbler coordinate --denomination "$DENOM" --min 3 --max 3 --json | grep -oE '"id": *"[0-9a-f]{64}"' | grep -oE '[0-9a-f]{64}') ||
	fail "tumbler coordinate: no round ID"
R8=${ROUND:0:8}
end=$((SECONDS + 60))
until on "$P" tumbler rounds 2>/dev/null | grep -qF "$R8"; do
	[ $SECONDS -lt $end ] || fail "the second node does not list round $R8 within 60s: $(on "$P" tumbler rounds 2>&1)"
	sleep 1
done
# The amount: the denomination, the round's fees and a little change.
for who in alice bob; do
	cli "$P" --account "$who" tumbler join --round "$ROUND" --amount 0.02 --auto-sign --yes
done
step "    round $R8: $(on "$A" tumbler rounds | awk -v r="$R8" 'index($1, r) == 1' | tr -s ' \t' ' ')"

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
# The TUI's registration is the one paying to the fresh account it made.
on "$A" wallet list >"$DIR/accounts.out" 2>&1 || fail "wallet list: $(cat "$DIR/accounts.out")"
FRESH=$(awk -v p="tumbled-$R8-" 'index($1, p) == 1 {print $1; exit}' "$DIR/accounts.out")
FADDR=$(awk -v p="tumbled-$R8-" 'index($1, p) == 1 {print $3; exit}' "$DIR/accounts.out")
[ -n "$FRESH" ] && [ -n "$FADDR" ] || fail "no tumbled-$R8-… account in the wallet: $(cat "$DIR/accounts.out")"
for i in $(seq 1 10); do screen | grep -F "▸ $R8" | grep -qF "${FADDR:0:12}" && break; keys j; done
screen | grep -F "▸ $R8" | grep -qF "${FADDR:0:12}" || fail "no registration of round $R8 paying to $FRESH ($FADDR)"
step "    the output goes to $FRESH ($FADDR)"

step "4/6 review the batch: the TUI's output highlighted, the fee shown"
keys Enter
wait_for "Batch of round $R8" 10
wait_for "every check passed" 120
wait_for "← yours" 10
wait_for "not signed yet — s to co-sign" 60
wait_for "your fee" 5
# Output lines start with the arrow (the phase line has one inside).
mine=$(screen | grep -E '^ +→ ' | grep -cF '← yours' || true)
others=$(screen | grep -E '^ +→ ' | grep -vcF '← yours' || true)
[ "$mine" -ge 1 ] && [ "$others" -ge 2 ] || fail "the batch shows $mine outputs as the TUI's and $others as others', want 1 or more and 2 or more"
step "    $mine outputs highlighted as the TUI's, $others not; $(screen | grep -oE 'your fee +[0-9.]+ BVS' | tr -s ' ' | head -1)"
step "    $(screen | grep -E '^ +→ ' | grep -F '← yours' | tr -s ' ' | head -1)"

step "5/6 co-sign with one key; the round completes"
keys s
wait_for "Co-sign the batch of round $R8?" 10
keys y
# "Signed the batch…" shows until the round's next event replaces it.
end=$((SECONDS + 120))
until screen | grep -qF "Signed the batch" || screen | grep -qF "is done: the tumble is on chain"; do
	[ $SECONDS -lt $end ] || fail "no answer to the co-sign within 120s"
	sleep 0.3
done
wait_for "is done: the tumble is on chain" 120
keys Escape h
wait_for "h history (1)" 30
wait_for "done" 10
TX=$(on "$A" tumbler rounds --json | grep -oE '"txid": *"[0-9a-f]{64}"' | grep -oE '[0-9a-f]{64}' | head -1) || fail "no transaction in the rounds"
wait_for "${TX:0:8}" 10
step "    history: $(screen | grep -F "$R8" | tr -s ' ' | head -1)"
# Confirmed in a block: the fresh account the TUI made holds the denomination.
end=$((SECONDS + 120))
until awk -v b="$(balance "$A" "$FRESH")" -v d="$DENOM" 'BEGIN{exit !(b+0 >= d+0)}'; do
	[ $SECONDS -lt $end ] || fail "the tumble was not confirmed within 120s: $FRESH holds $(balance "$A" "$FRESH") BVS"
	sleep 1
done
keys 4
wait_for "Accounts" 20
end=$((SECONDS + 60))
until screen | grep -F "${FADDR:0:12}" | grep -qF " $DENOM BVS"; do
	[ $SECONDS -lt $end ] || fail "the wallet screen does not show $DENOM BVS on $FRESH within 60s"
	sleep 0.5
done
step "    confirmed: $FRESH holds $(balance "$A" "$FRESH") BVS; wallet screen: $(screen | grep -F "${FADDR:0:12}" | tr -s ' ' | head -1)"

step "6/6 quit"
keys q
end=$((SECONDS + 30))
while [ $SECONDS -lt $end ] && [ ! -f "$DIR/exit" ]; do sleep 0.3; done
[ -f "$DIR/exit" ] || fail "bitverse did not exit after q"
rc=$(cat "$DIR/exit")
[ "$rc" = 0 ] || fail "bitverse exited with status $rc"
step "PASS"
