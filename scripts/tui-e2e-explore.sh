#!/usr/bin/env bash
# tui-e2e-explore.sh drives discovery in the terminal UI end to end: a new
# user on a new node finds what a devnet holds without knowing anything.
#
#   1. node A (CLI, mining) gets a wallet and coins, buys a keyspace with a
#      described access script and writes in it, stores the black-and-white
#      transform on a branch (put --depth 1) and funds an open bounty;
#   2. node N starts with a fresh data directory, knowing only A's address
#      and following no branch (--follow /): the branch is headers only, so
#      the transform reaches N in a block fetched from A and checked against
#      its header;
#   3. the TUI opens on N (it attaches to the running node), x opens
#      Explore; it lists the keyspace, the transform (verified from a peer)
#      and the bounty;
#   4. enter on the keyspace shows it on the keyspaces screen; back on
#      Explore, enter on the transform shows its source (read at its
#      branch through a peer, with a proof); back again, enter on the
#      bounty shows it among the open bounties of the market screen;
#   5. quits with q.
#
# Every step is checked with `tmux capture-pane`; on failure it prints what
# it waited for and the last screen, and exits non-zero.
#
# Environment: BITVERSE_BIN (default ./bin/bitverse), E2E_TIMEOUT (seconds
# to wait for A's spendable balance, default 240), KEEP=1 keeps the data
# directories.
set -euo pipefail

TIMEOUT=${E2E_TIMEOUT:-240}
PASS="e2e explore $$"
KEYSPACE="e2e-music-$$"
BW="public/e2e-bw-$$"
W=120
H=40

NAME=tui-e2e-explore
. "$(dirname "$0")/e2e-lib.sh"
[ -f examples/transforms/black-and-white.js ] || { echo "$NAME: run it from the repository root" >&2; exit 2; }
A="$DIR/a"
N="$DIR/n"
mkdir -p "$A" "$N"
LOGS=("$A/node.log" "$N/node.log")
# select_row ERE: moves Explore's cursor down (then up) until the selected
# line matches ERE after its marker.
select_row() {
	local i
	for i in $(seq 1 40); do screen | grep -qE "▸ $1" && return 0; keys j; done
	for i in $(seq 1 40); do screen | grep -qE "▸ $1" && return 0; keys k; done
	fail "no Explore row matching \"$1\""
}

step "1/5 node A: coins, a keyspace with a write, a transform on a branch, a bounty"
cli "$A" wallet create
BITVERSE_PASSPHRASE="$PASS" "$BIN" --datadir "$A" node --listen 127.0.0.1:0 --no-mdns --mine --miner-workers 1 >"$A/node.log" 2>&1 &
PIDS+=($!)
wait_api "$A"
end=$((SECONDS + TIMEOUT))
until on "$A" wallet balance 2>/dev/null | grep -qE 'balance:[[:space:]]+[1-9]'; do
	[ $SECONDS -lt $end ] || fail "A has no spendable balance within ${TIMEOUT}s"
	sleep 1
done
printf '// Songs, one key per track\nfunction validate(write, ctx) { return write.signer === ctx.owner; }\n' >"$DIR/music.js"
cli "$A" keyspace buy "$KEYSPACE" --script "$DIR/music.js" --yes --wait
cli "$A" put "$KEYSPACE/track-1" "la la la" --wait
cli "$A" put "$BW" "$(cat examples/transforms/black-and-white.js)" --depth 1 --wait
HEIGHT=$(on "$A" status --json | grep -oE '"height": *[0-9]+' | head -1 | grep -oE '[0-9]+')
REQ=$(printf '("%s")("%s/track-1")' "$BW" "$KEYSPACE" | sha256sum | cut -c1-64)
cli "$A" bounty fund "$REQ" 1 --deadline $((HEIGHT + 500)) --yes --wait
BOUNTY=$(on "$A" explore | awk '/^OPEN BOUNTIES/{getline; print $1; exit}')
[ -n "$BOUNTY" ] || fail "A does not list its bounty: $(on "$A" explore)"
ADDR=$(p2p_addr "$A")
step "    keyspace $KEYSPACE, transform $BW (depth 1), bounty $BOUNTY"

step "2/5 node N: new, knows only A, follows no branch"
cli "$N" wallet create
BITVERSE_PASSPHRASE="$PASS" "$BIN" --datadir "$N" node --listen 127.0.0.1:0 --no-mdns --follow / --bootstrap "$ADDR" >"$N/node.log" 2>&1 &
PIDS+=($!)
wait_api "$N"

step "3/5 open the TUI on N and go to Explore"
t new-session -d -s "$S" -x "$W" -y "$H" \
	"env BITVERSE_PASSPHRASE='$PASS' TERM=xterm-256color '$BIN' --datadir '$N'; echo \$? > '$DIR/exit'; sleep 600"
wait_for "1 Home" 60
keys x
wait_for "Keyspaces, newest first" 20
# N may still be syncing: refresh until everything is listed.
end=$((SECONDS + 60))
until screen | grep -qF "$KEYSPACE" && screen | grep -qF "verified from a peer" && screen | grep -qF "$BOUNTY"; do
	[ $SECONDS -lt $end ] || fail "Explore on N did not list the keyspace, the transform and the bounty within 60s"
	keys C-r
	sleep 1
done
step "    $(screen | grep -oE "$BW +Black and white[^·]*· verified from a peer" | tr -s ' ' | head -1)"

step "4/5 open the keyspace, then the transform, then the bounty"
select_row "$KEYSPACE +bought at"
keys Enter
wait_for "bought     block #" 20
wait_for "$KEYSPACE" 5
step "    $(screen | grep -oE "bought +block #[0-9,]+" | tr -s ' ' | head -1)"
keys 1 x
wait_for "Keyspaces, newest first" 20
wait_for "$BW" 30
select_row "$BW +Black and white"
keys Enter
wait_for "function transform" 30
step "    the transform's source, read at depth 1 through A"
keys 1 x
wait_for "Keyspaces, newest first" 20
wait_for "$BOUNTY" 30
select_row "$BOUNTY"
keys Enter
wait_for "all open bounties" 20
wait_for "${BOUNTY:0:8}…" 20 # the market screen's short form
step "    $(screen | grep -F "${BOUNTY:0:8}…" | tr -s ' ' | head -1)"

step "5/5 quit"
keys q
end=$((SECONDS + 30))
while [ $SECONDS -lt $end ] && [ ! -f "$DIR/exit" ]; do sleep 0.3; done
[ -f "$DIR/exit" ] || fail "bitverse did not exit after q"
rc=$(cat "$DIR/exit")
[ "$rc" = 0 ] || fail "bitverse exited with status $rc"
step "PASS"
