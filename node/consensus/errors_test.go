package consensus

import "testing"

// TestEveryCodeClassifiedForRelaying: each rule code is decided, here,
// as one no state satisfies (its relayer is banned) or one that depends
// on the tip (its relayer is not). A new code fails this test until it is
// put on one side: the pool codes were once forgotten, and a node one
// block behind banned an honest pool member.
func TestEveryCodeClassifiedForRelaying(t *testing.T) {
	stateless := map[ErrorCode]bool{
		ErrDuplicateBlock: true, ErrBlockTooBig: true, ErrNoTxs: true, ErrFirstTxNotCoinbase: true,
		ErrMultipleCoinbases: true, ErrBadTxRoot: true, ErrHighHash: true, ErrBadBits: true,
		ErrBadHeight: true, ErrTimeTooOld: true, ErrTimeTooNew: true, ErrBadVersion: true,
		ErrWrongChain: true, ErrDuplicateTx: true, ErrBadCoinbaseAmount: true, ErrBadCoinbaseNonce: true,
		ErrBadSignature: true, ErrFeeTooLow: true, ErrBadKey: true, ErrValueTooBig: true,
		ErrBadStateRoot: true, ErrUnknownTxType: true, ErrAmountOverflow: true, ErrBadCoinbaseFields: true,
		ErrZeroAmount: true, ErrInvalidAncestor: true, ErrMissingParent: true, ErrBadTxChain: true,
		ErrBadMerge: true, ErrMalformed: true, ErrBadScript: true, ErrBadKeyspaceName: true,
		ErrBadAnchor: true, ErrBadCheckpoint: true, ErrOverpay: true, ErrBadStamp: true,
		ErrBadBlobManifest: true, ErrBadRelay: true, ErrBadTumble: true, ErrTumbleKey: true,
		ErrTumbleSum: true, ErrBadPool: true,
	}
	for c := ErrorCode(1); ; c++ {
		if _, named := codeNames[c]; !named {
			if c < ErrBadEvidence {
				t.Fatalf("code %d has no name", c)
			}
			break
		}
		if stateless[c] == c.DependsOnState() {
			t.Errorf("%v: stateless %v, DependsOnState %v: decide one", c, stateless[c], c.DependsOnState())
		}
		if c.Races() && !c.DependsOnState() {
			t.Errorf("%v races but does not depend on the state", c)
		}
	}
	for _, c := range []ErrorCode{ErrNoChallenge, ErrPoolEpoch, ErrBountyState, ErrNoSlot} {
		if !c.Races() {
			t.Errorf("%v does not race", c)
		}
	}
}
