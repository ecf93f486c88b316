package tui

import "github.com/bitverse/bitverse/node"

// discovery is a market chain with keyspaces and a transform: what the
// Explore page lists.
func discovery(api *fakeAPI) {
	marketChain(api)
	api.addKeyspace("erik", testAddr, 9_870, blogScript)
	api.addKeyspace("erik/blog", testAddr, 9_950, "")
	api.addKeyspace("games", otherAddr, 9_990, "")
	api.addKeyspace("alice", otherAddr, 9_000, blogScript)
	src := "// Black and white: drops a photo's colours\nfunction transform(input, ctx) { return input; }\n"
	api.values["public/bw"] = node.ValueRecord{Key: "public/bw", Value: src, Size: len(src), Height: 9_997, Confirmations: 3,
		Writer: otherAddr, TxID: txID(9_997, 1)}
}
