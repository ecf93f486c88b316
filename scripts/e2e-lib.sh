# e2e-lib.sh: what the tui-e2e scripts share. Sourced, never run.
#
# Set NAME (the script's name, for messages) and PASS (the wallets'
# passphrase) before sourcing it. It checks tmux and the binary (BIN, from
# BITVERSE_BIN, default ./bin/bitverse, made absolute), makes the run's
# data directory DIR (no operator configuration leaks in), and gives:
#
#   t ARGS…          tmux on this run's own socket (session "$S")
#   step TEXT        a progress line
#   screen           the TUI's screen now
#   fail TEXT        the failure, the last screen and the tail of each LOGS
#                    file, then exit 1
#   wait_for TEXT [SECONDS]   until the screen shows TEXT (default 20 s)
#   keys KEY…        tmux keys, one at a time
#   text STRING      literal text
#   on DIR ARGS…     the CLI on the node in DIR
#   cli DIR ARGS…    the same, failing the run if it fails (output in $DIR/cli.out)
#   wait_api DIR     until the node in DIR answers its local API
#   p2p_addr DIR     the node's loopback address with its /p2p/ID
#
# Add each background node's PID to PIDS and its log to LOGS: on exit every
# PID is stopped and DIR removed (KEEP=1 keeps it).

BIN=${BITVERSE_BIN:-./bin/bitverse}
SOCK="bitverse-$NAME-$$"
S="e2e"
command -v tmux >/dev/null || { echo "$NAME: tmux is not installed (apt-get install tmux)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "$NAME: $BIN is missing: run \`make build\` first (or set BITVERSE_BIN)" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

DIR=$(mktemp -d "${TMPDIR:-/tmp}/bitverse-$NAME.XXXXXX")
export XDG_CONFIG_HOME="$DIR/config"
unset BITVERSE_CONFIG
PIDS=()
LOGS=()

t() { tmux -u -L "$SOCK" "$@"; }
cleanup() {
	t kill-server 2>/dev/null || true
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	if [ "${KEEP:-}" = 1 ]; then echo "$NAME: data directory kept: $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT

step() { printf '%s: %s\n' "$NAME" "$*"; }
screen() { t capture-pane -p -t "$S" 2>/dev/null || true; }
fail() {
	echo "$NAME: FAIL: $*" >&2
	echo "---- last screen ----" >&2
	screen >&2
	echo "---------------------" >&2
	local f
	for f in "${LOGS[@]}"; do [ -f "$f" ] && { echo "---- $f (tail) ----" >&2; tail -n 20 "$f" >&2; }; done
	exit 1
}
wait_for() {
	local text=$1 secs=${2:-20} end=$((SECONDS + ${2:-20}))
	while [ $SECONDS -lt $end ]; do
		screen | grep -qF -- "$text" && return 0
		if [ -f "$DIR/exit" ]; then fail "bitverse exited ($(cat "$DIR/exit")) while waiting for \"$text\""; fi
		sleep 0.3
	done
	fail "waited ${secs}s for \"$text\""
}
keys() { local k; for k in "$@"; do t send-keys -t "$S" "$k"; sleep 0.15; done; }
text() { t send-keys -t "$S" -l -- "$1"; sleep 0.15; }
on() { local d=$1; shift; BITVERSE_PASSPHRASE="$PASS" "$BIN" --datadir "$d" "$@"; }
cli() { on "$@" >"$DIR/cli.out" 2>&1 || fail "bitverse $* failed: $(cat "$DIR/cli.out")"; }
wait_api() {
	local end=$((SECONDS + 60))
	until on "$1" status >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || fail "the node in $1 did not start: $(tail -n 5 "$1/node.log" 2>/dev/null)"
		sleep 0.5
	done
}
p2p_addr() {
	on "$1" status >"$DIR/status.out" 2>&1 || fail "status of $1: $(cat "$DIR/status.out")"
	local peer addr
	peer=$(awk -F':[ \t]+' '/^peer id:/{print $2; exit}' "$DIR/status.out")
	addr=$(awk -F':[ \t]+' '/^listening:/ && /127\.0\.0\.1/{print $2; exit}' "$DIR/status.out")
	[ -n "$peer" ] && [ -n "$addr" ] || fail "no peer id or loopback address in the status of $1: $(cat "$DIR/status.out")"
	case "$addr" in */p2p/*) echo "$addr" ;; *) echo "$addr/p2p/$peer" ;; esac
}
