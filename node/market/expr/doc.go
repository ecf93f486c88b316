// Package expr parses request expressions, the text a user types to ask the
// compute engine for a value: `(K)` fetches key K, `(F)(X)` applies the
// transform stored at key F to the value of X, and chains apply right to
// left, so `(F)(G)(K)` is F(G(K)).
//
// An Expr is a small tree: a fetch {Key} or an application {Transform, Arg}.
// Every Expr has one canonical text (String) and one canonical binary
// encoding (Canonical, read back by Decode); the request ID (ID) is the
// tagged hash of the binary encoding, so two nodes that parse the same
// request, however it was spaced or quoted, agree on its ID.
//
// Grammar (docs/PROTOCOL.md §17 is the reference):
//
//	expr   = ws term { ws term } ws          ; at most MaxDepth terms
//	term   = "(" ws ( quoted | bare ) ws ")"
//	quoted = '"' { char | '\"' | '\\' } '"'  ; any key, ( and ) included
//	bare   = text without ( ) " \ , trimmed of the spaces around it
//	ws     = { " " | "\t" | "\r" | "\n" }
//
// # Errors
//
// Parse returns a *SyntaxError (errors.Is ErrSyntax) that names the column
// and what was expected there; a key that wire.ValidKey refuses wraps
// ErrBadKey; too many terms wraps ErrTooDeep; too much text wraps
// ErrTooLong. Decode returns errors wrapping wire.ErrMalformed.
package expr
