// Package tumbler runs tumbler rounds off chain: a coordinator announces
// a round of one denomination, participants register inputs (signed by
// the input's key) and, over an unlinkable channel, outputs (RFC 9474
// blind RSA tokens redeemed from a fresh network identity), the
// coordinator builds one canonical batch, every participant checks it and
// co-signs with MuSig2, and the batch goes on the root chain as one tumble
// transaction (wire.Tumble) with one aggregate signature.
//
// round.go is the pure state machine of a round (no I/O, heights as
// time), the coordinator's side; check.go is the participant's checks;
// token.go the blind tokens; service.go runs both roles on the node's
// libp2p host; musig.go (MuSig2 helpers) signs.
package tumbler
