#!/usr/bin/env bash
# tui-e2e.sh drives the Bitverse terminal UI end to end inside tmux:
#
#   1. starts `bitverse --datadir DIR` on a fresh data directory (devnet);
#   2. creates a wallet through the setup screens (passphrase twice, reads
#      the mnemonic off the screen, types back the three words it asks for);
#   3. starts mining with one key (m) and waits for the balance to grow and
#      become spendable;
#   4. writes public/hello = "hello from the tui <pid>-<random>" in the data screen and
#      waits until the value, read back through the data screen, shows
#      with a confirmation;
#   5. buys a keyspace of its own (K, b), without a script, and waits for a
#      block to include it;
#   6. edits its access.js with e (EDITOR is a script that appends a line to
#      the file) and sends the new script, then writes into the keyspace;
#   7. the market: with the CLI (on the TUI's own node, through its local
#      API) puts a generated 256×256 PNG and the black-and-white transform
#      of examples/transforms under public/; on the market screen (6) turns
#      serving on (S) if it is off, types the request, waits for its price
#      table, funds row 0 (enter, y), waits for the result preview (the
#      node serves itself: accept, compute, commit, deliver) and settles it;
#   8. relays a hops-1 job: a second node (CLI, requester and worker of the
#      job, funded from the TUI's wallet) joins; the TUI's account
#      registers as a relay with the CLI, serving off (S) so that it is not
#      the worker, relaying on with R on the Mining screen; the second node
#      requests the black-and-white photo at the table's hops-1 row; the
#      market screen's "my bounties & jobs" shows the relayed job's lineup
#      advancing (drawn, then countersigned) and the Mining screen the
#      relay job done with its earnings and the lineup the TUI's block drew;
#   9. quits with q and checks that the program exits cleanly.
#
# Every step is checked with `tmux capture-pane`. On failure it prints what
# it waited for and the last screen, and exits non-zero.
#
# Environment:
#   BITVERSE_BIN   the binary (default ./bin/bitverse; `make build` makes it)
#   E2E_TIMEOUT    seconds to wait for the spendable balance (default 240)
#   KEEP=1         keep the data directory and print where it is
set -euo pipefail

TIMEOUT=${E2E_TIMEOUT:-240}
PASS="e2e passphrase $$"
# Devnet nodes find each other on the LAN, so public/hello may already hold
# another run's value: this run's value is its own.
VALUE="hello from the tui $$-$RANDOM"
KEYSPACE="e2e-$$-$RANDOM" # 8 bytes or more: 1 BVS
W=120
H=40

NAME=tui-e2e
. "$(dirname "$0")/e2e-lib.sh"
LOGS=("$DIR/tui.log")
# amount LABEL: the BVS amount after LABEL on the home screen, as a number.
amount() { screen | grep -oE "$1 +[0-9,.]+ BVS" | head -1 | grep -oE '[0-9,.]+ BVS' | tr -d ', BVS' || true; }

step "starting $BIN --datadir $DIR in tmux (${W}x${H})"
# The editor the TUI opens for access.js: it adds a line and saves.
printf '#!/bin/sh\nprintf "\\n// edited by tui-e2e\\n" >> "$1"\n' > "$DIR/editor.sh"
chmod +x "$DIR/editor.sh"
t new-session -d -s "$S" -x "$W" -y "$H" \
	"env -u BITVERSE_PASSPHRASE -u VISUAL TERM=xterm-256color EDITOR='$DIR/editor.sh' '$BIN' --datadir '$DIR'; echo \$? > '$DIR/exit'; sleep 600"

step "1/10 create a wallet"
wait_for "Welcome to Bitverse" 60
keys c
wait_for "1/3 passphrase"
text "$PASS"; keys Enter
text "$PASS"; keys Enter
wait_for "write down your mnemonic" 60
words=$(screen | grep -oE '(^| )[0-9]{1,2} [a-z]+' | awk '{print $1, $2}' | sort -n | awk '{print $2}')
n=$(printf '%s\n' "$words" | grep -c . || true)
[ "$n" = 24 ] || fail "read $n mnemonic words off the screen, want 24"
keys Enter
wait_for "confirm your backup"
for at in $(screen | grep -oE 'Word #[0-9]+' | grep -oE '[0-9]+'); do
	text "$(printf '%s\n' "$words" | sed -n "${at}p")"; keys Enter
done
wait_for "1 Home" 30
wait_for "balance" 10
step "    wallet created; the home screen is up"

step "2/10 start mining with one key"
keys m
wait_for "● mining" 20

step "3/10 wait for the balance to grow"
end=$((SECONDS + TIMEOUT))
grew=""
while [ $SECONDS -lt $end ]; do
	imm=$(amount immature); bal=$(amount balance)
	if [ -z "$grew" ] && awk -v a="${imm:-0}" -v b="${bal:-0}" 'BEGIN{exit !(a+b>0)}'; then
		grew=1; step "    balance grew: ${bal:-0} BVS spendable, ${imm:-0} BVS maturing"
	fi
	if awk -v b="${bal:-0}" 'BEGIN{exit !(b>0)}'; then break; fi
	sleep 1
done
[ -n "$grew" ] || fail "the balance did not grow within ${TIMEOUT}s of mining"
awk -v b="${bal:-0}" 'BEGIN{exit !(b>0)}' || fail "no spendable balance within ${TIMEOUT}s (rewards mature after 10 blocks)"
step "    spendable: $bal BVS"

step "4/10 put public/hello in the data screen"
keys 5
wait_for "prefix" 10
keys p
wait_for "Put a value"
text "public/hello"; keys Tab
text "$VALUE"; keys Enter
wait_for "Write this value?" 20
keys y
wait_for "Written: public/hello" 20

step "5/10 read public/hello back in the data screen"
# After the write the screen lists keys under public/hello and shows the
# value beside the list once a block includes it; open it explicitly too.
end=$((SECONDS + 120))
while [ $SECONDS -lt $end ]; do
	if screen | grep -qF "$VALUE" && screen | grep -qE '[0-9]+ confirmations?'; then break; fi
	if screen | grep -qF "▸ public/hello"; then keys Enter; fi
	sleep 1
done
screen | grep -qF "$VALUE" || fail "public/hello was not read back with its value"
screen | grep -qE '[1-9][0-9,]* confirmations?' || fail "public/hello has no confirmation"
step "    read back: $(screen | grep -oE 'text · [0-9]+ B · block #[0-9,]+ · [0-9,]+ confirmations?' | head -1)"

step "6/10 buy the keyspace $KEYSPACE"
keys K
wait_for "b buys one" 10
keys b
wait_for "each byte shorter doubles it" 10
text "$KEYSPACE"; keys Enter
wait_for "✓ free" 20
keys Enter
wait_for "Buy this keyspace?" 20
keys y
wait_for "Bought $KEYSPACE" 20
wait_for "bought     block #" 120 # in the list once a block has it
step "    $(screen | grep -oE "$KEYSPACE +none +#[0-9,]+" | head -1 | tr -s ' ')"

step "7/10 edit its access.js, send it, write into the keyspace"
keys e
wait_for "Replace the access script of $KEYSPACE?" 30
keys y
wait_for "New script of $KEYSPACE sent" 20
wait_for "e edits it" 120 # the script is on chain
keys K p
wait_for "Put a value"
text "$KEYSPACE/hello"; keys Tab
text "mine"; keys Enter
wait_for "Write this value?" 20
keys y
wait_for "Written: $KEYSPACE/hello" 20

step "8/10 the market: request a black-and-white photo, fund row 0, see the result"
# The photo and the transform, put with the CLI through the TUI's node.
cat > "$DIR/mkpng.go" <<'GO'
package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
)

func main() {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := 0; y < 256; y++ {
		for x := 0; x < 256; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(255 - x), 255})
		}
	}
	f, _ := os.Create(os.Args[1])
	defer f.Close()
	png.Encode(f, img)
}
GO
${GO:-go} run "$DIR/mkpng.go" "$DIR/photo.png" || fail "could not generate the test photo"
PHOTO="public/e2e-photo-$$"
BW="public/e2e-bw-$$"
cli "$DIR" put "$BW" --file examples/transforms/black-and-white.js
cli "$DIR" put "$PHOTO" --file "$DIR/photo.png"
end=$((SECONDS + 120))
until BITVERSE_PASSPHRASE="$PASS" "$BIN" --datadir "$DIR" get "$PHOTO" --out "$DIR/photo.check" >/dev/null 2>&1 &&
	BITVERSE_PASSPHRASE="$PASS" "$BIN" --datadir "$DIR" get "$BW" >/dev/null 2>&1; do
	[ $SECONDS -lt $end ] || fail "the photo and the transform were not in a block within 120s"
	sleep 1
done
step "    $PHOTO and $BW are on chain"
keys 6
wait_for "serve " 20
wait_for "earned" 20 # the serve status is read
if screen | grep -qF "serve ○ off"; then keys S; wait_for "serve ● on" 20; fi
keys r
text "(\"$BW\")(\"$PHOTO\")"; keys Enter
wait_for "reliability" 60
wait_for "▸   0" 60 # a row: this node's own offer
step "    $(screen | grep -F '▸   0' | tr -s ' ' | head -1)"
keys Enter
wait_for "Fund this bounty?" 30
keys y
wait_for "funded" 30
step "    $(screen | grep -oE 'Bounty [0-9a-f]+… funded[^;]*' | head -1)"
wait_for "Result of bounty" 300
wait_for "PNG image, 256×256" 30
step "    $(screen | grep -oE 'PNG image, 256×256 · [^·]+ · [0-9,]+ fuel' | head -1)"
keys s
wait_for "Settle this bounty?" 30
keys y
wait_for "Settlement sent" 30
keys Escape b
wait_for "settled " 120 # once a block holds the settlement
step "    $(screen | grep -oE '[0-9a-f]{8}… +both +settled +[0-9.]+ BVS +closed at #[0-9,]+' | tr -s ' ' | head -1)"

step "9/10 relay a hops-1 job: its lineup on the market screen, relay earnings on the mining screen"
# A second node is the job's requester and worker; the TUI's account,
# registered as a relay (and not serving, so never the worker), is the
# only relay its lineup can draw.
WB="$DIR/worker"
mkdir -p "$WB"
bw() { on "$WB" "$@"; }
LOGS+=("$WB/node.log")
bw wallet create >"$DIR/cli.out" 2>&1 || fail "wallet create on the second node: $(cat "$DIR/cli.out")"
WADDR=$(bw wallet address)
ADDR=$(p2p_addr "$DIR")
BITVERSE_PASSPHRASE="$PASS" "$BIN" --datadir "$WB" node --no-mdns --loopback --serve --bootstrap "$ADDR" >"$WB/node.log" 2>&1 &
WPID=$! # the node itself (not a subshell), for cleanup to stop
PIDS+=("$WPID")
cli "$DIR" wallet send "$WADDR" 5 --yes --wait
end=$((SECONDS + 120))
until bw wallet balance 2>/dev/null | grep -qE 'balance:[[:space:]]+[1-9]'; do
	[ $SECONDS -lt $end ] || fail "the second node did not see its 5 BVS within 120s: $(tail -n 5 "$WB/node.log")"
	sleep 1
done
step "    second node $WADDR has its coins"
cli "$DIR" relay register --fee 0.000001 --stake 1 --yes --wait # a fee under the per-hop share of the small job
step "    the TUI's account is a registered relay"
keys 6
wait_for "serve " 20
if screen | grep -qF "serve ● on"; then keys S; wait_for "serve ○ off" 20; fi
keys 3
wait_for "Relaying" 20
wait_for "registry   fee 0.000001 BVS" 60
if ! screen | grep -qF "● relaying"; then keys R; wait_for "● relaying" 20; fi
step "    relaying on: $(screen | grep -oE 'registry +fee [^·]+· stake [0-9.]+ BVS' | tr -s ' ' | head -1)"
EXPR="(\"$BW\")(\"$PHOTO\")"
bw request "$EXPR" --quote --wait-offers 5s >"$DIR/table.out" 2>&1 || fail "the second node's quote: $(cat "$DIR/table.out")"
ROW=$(awk '$3 == 1 && $1 ~ /^[0-9]+$/ {print $1; exit}' "$DIR/table.out")
[ -n "$ROW" ] || fail "no hops-1 row in the second node's table: $(cat "$DIR/table.out")"
step "    row $ROW: $(awk -v r="$ROW" '$1 == r' "$DIR/table.out" | tr -s ' \t' ' ')"
bw request "$EXPR" --row "$ROW" --yes --out "$DIR/relayed.png" >"$DIR/request.out" 2>&1 &
RPID=$!
keys 6 b
wait_for "your slot 1 of 1" 120
step "    $(screen | grep -oE '[0-9a-f]{8}… +relay +[a-z]+ +[0-9.]+ BVS +your slot 1 of 1: [a-z]+' | tr -s ' ' | head -1)"
wait_for "1 of 1 countersigned" 180
step "    $(screen | grep -oE 'lineup +1 hop · drawn at #[0-9,]+ by [^·]+· 1 of 1 countersigned' | tr -s ' ' | head -1)"
wait "$RPID" || fail "the second node's request failed: $(tail -n 5 "$DIR/request.out")"
step "    the second node got its result: $(grep -oE 'bounty [0-9a-f]+ settled: [^(]+' "$DIR/request.out" | head -1)"
keys 3
# The relay's share is paid when the bounty settles: done, earned above 0.
end=$((SECONDS + 120))
until screen | grep -qE '[1-9][0-9]* done · earned [0-9]*\.?[0-9]*[1-9]'; do
	[ $SECONDS -lt $end ] || fail "no relay earnings on the mining screen within 120s of the settlement"
	sleep 1
done
step "    $(screen | grep -oE 'jobs +[0-9]+ in flight · [0-9]+ done · earned [0-9.]+ BVS' | tr -s ' ' | head -1)"
step "    $(screen | grep -oE 'lineups +[0-9]+ drawn by your blocks · earned [0-9.]+ BVS' | tr -s ' ' | head -1)"
kill "$WPID" 2>/dev/null || true
wait "$WPID" 2>/dev/null || true
WPID=""

step "10/10 quit"
keys q
end=$((SECONDS + 30))
while [ $SECONDS -lt $end ] && [ ! -f "$DIR/exit" ]; do sleep 0.3; done
[ -f "$DIR/exit" ] || fail "bitverse did not exit after q"
rc=$(cat "$DIR/exit")
[ "$rc" = 0 ] || fail "bitverse exited with status $rc"
[ -s "$DIR/tui.log" ] || fail "no log in $DIR/tui.log"
step "PASS"
