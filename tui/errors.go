package tui

import (
	"context"
	"errors"
	"fmt"
	"github.com/bitverse/bitverse/tui/internal/view"
	"github.com/bitverse/bitverse/wallet/plan"
	"regexp"
	"strings"

	"github.com/bitverse/bitverse/node"
	"github.com/bitverse/bitverse/node/consensus"
	"github.com/bitverse/bitverse/wallet"
)

// sentence turns an error into something a user can read and act on.
func sentence(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded):
		return "The node did not answer in time; it may be busy. Try again."
	case errors.Is(err, wallet.ErrWrongPassphrase):
		return "Wrong passphrase. Try again."
	case errors.Is(err, node.ErrNoMineTo):
		return "There is no address to mine to: open or create a wallet first."
	}
	var fe *plan.FundsError
	if errors.As(err, &fe) {
		what := "This"
		if fe.What != "" {
			what = strings.ToUpper(fe.What[:1]) + fe.What[1:]
		}
		if fe.Pending > 0 {
			return fmt.Sprintf("%s needs %s from the balance, but only %s is spendable once your pending transactions (%s) are paid. Wait for them to confirm, or mine a few blocks (m).",
				what, view.Amount(fe.Need), view.Amount(fe.Have), view.Amount(fe.Pending))
		}
		return fmt.Sprintf("%s needs %s from the balance, but only %s is spendable. Mine a few blocks (m) and wait for the rewards to mature.",
			what, view.Amount(fe.Need), view.Amount(fe.Have))
	}
	s := err.Error()
	if errors.Is(err, node.ErrNotStored) {
		// The node's own sentence follows its sentinel's words.
		if i := strings.Index(s, node.ErrNotStored.Error()+": "); i >= 0 {
			s = s[i+len(node.ErrNotStored.Error())+2:]
		}
	}
	var re *consensus.RuleError
	if errors.As(err, &re) {
		// A rule's own sentence, without the mempool's prefix (which the
		// local API keeps in it).
		s = strings.TrimPrefix(re.Description, "invalid transaction: ")
	}
	if s == "" {
		return "Something went wrong."
	}
	r := []rune(s)
	if r[0] >= 'a' && r[0] <= 'z' {
		r[0] -= 'a' - 'A'
	}
	s = string(r)
	if last := r[len(r)-1]; last != '.' && last != '?' && last != '!' && last != ')' {
		s += "."
	}
	return s
}

// refusal recognises a write refused by a keyspace: by its access script
// (reason is the script's own words) or because nobody owns it. ok is false
// for any other error.
func refusal(err error) (keyspace, reason string, code consensus.ErrorCode, ok bool) {
	var re *consensus.RuleError
	if !errors.As(err, &re) {
		return "", "", 0, false
	}
	code = re.Code
	d := re.Description
	switch code {
	case consensus.ErrScriptRejected, consensus.ErrNoKeyspace:
	default:
		return "", "", 0, false
	}
	if m := refusedRe.FindStringSubmatch(d); m != nil {
		return m[1], m[2], code, true
	}
	if m := quotedRe.FindStringSubmatch(d); m != nil {
		keyspace = m[1]
	}
	reason = strings.TrimPrefix(d, "invalid transaction: ")
	return keyspace, reason, code, true
}

// refusedSentence says why the node refused a transaction: in the words
// of the access script that refused it, when one did. what names the
// transaction ("the purchase of erik/blog").
func refusedSentence(what string, err error) string {
	if ks, reason, code, ok := refusal(err); ok && code == consensus.ErrScriptRejected && refusedRe.MatchString(err.Error()) {
		return "The access script of " + ks + " refused " + what + ": “" + reason + "”."
	}
	return "The node refused " + what + ": " + sentence(err)
}

var (
	refusedRe = regexp.MustCompile(`(?s)keyspace "([^"]+)" refused the write: (.*)$`)
	quotedRe  = regexp.MustCompile(`keyspace "([^"]+)"`)
)
