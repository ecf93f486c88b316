package script

import (
	"strconv"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/token"
)

// Operands. goja converts and compares strings in time proportional to their
// length inside a single VM instruction: +s parses a 200,000-digit string,
// a < b compares two long strings, o[s] hashes a long key. One AST node of
// fuel would then buy up to ~200 µs. So every operand such an operator may
// receive a string in is wrapped in __bv_o (which charges long strings by
// their length, at the parsing rate), unless its syntax says it cannot be a long string:
//
//	a - b, a * b, a < b, a == b, ... (arithmetic, bitwise, relational, loose
//	    equality, in)                each operand
//	a === b, a !== b                 the left one, only if both may be long
//	                                 strings (the compare stops at the shorter)
//	-a, +a, ~a                       the operand
//	o[k], {[k]: v}                   the key
//	case k:                          the test
//	x -= e, x *= e, ...              e
//	x++, --x (x a variable)          (typeof x === "number" ||
//	                                     (x = __bv_p(x)), x++)
//	x -= e (x a variable)            x = __bv_n(x) - (e)
//
// __bv_o charges every string among its arguments and returns the last.
// An update of a variable that does not hold a number first replaces it
// with its primitive (__bv_p: ToPrimitive with the hint "number", what the
// update converts it to, charged like an operand), so the update itself
// converts only a primitive already paid for, and an object's valueOf runs
// once. Where "(" could join the line before (see guardSafe) the sequence
// is written __bv_o((prelude, x++)). A compound assignment is written out
// (for a variable, x op= e and x = x op (e) do the same): __bv_n hands an
// object on to the operator, which converts it after evaluating e, in the
// language's order.
//
// ++, -- and compound arithmetic assignments on a property read the
// property through __bv_u, which charges the value it reads (updates.go):
//
//	o.p++, o.p -= e                  __bv_u(o).p++, __bv_u(o).p -= e
//	o[k]++, o[k] -= e                __bv_u(o, (k))[__bv_k()]++, ...
//
// Private fields (this.#x) and super properties cannot be routed so; updates
// of them are refused at compile time (staticChecks).

// convertsOperands reports whether a binary operator converts or compares
// its operands.
func convertsOperands(op token.Token) bool {
	switch op {
	case token.MINUS, token.MULTIPLY, token.EXPONENT, token.SLASH, token.REMAINDER,
		token.AND, token.OR, token.EXCLUSIVE_OR, token.SHIFT_LEFT, token.SHIFT_RIGHT, token.UNSIGNED_SHIFT_RIGHT,
		token.LESS, token.GREATER, token.LESS_OR_EQUAL, token.GREATER_OR_EQUAL, token.EQUAL, token.NOT_EQUAL, token.IN:
		return true
	}
	return false
}

// arithmeticAssign reports whether an assignment operator (as goja's parser
// records it: x -= e has operator MINUS) converts its target.
func arithmeticAssign(op token.Token) bool {
	return op != token.PLUS && convertsOperands(op) && op != token.IN && op != token.LESS && op != token.GREATER &&
		op != token.LESS_OR_EQUAL && op != token.GREATER_OR_EQUAL && op != token.EQUAL && op != token.NOT_EQUAL
}

// mayBeLongString reports whether e may evaluate to a string long enough to
// cost fuel (rateCopy characters or more) that has not been charged yet.
func mayBeLongString(e ast.Expression) bool {
	if x, ok := isOperandGuard(e); ok {
		return mayBeLongString(x)
	}
	if x, ok := isNumberGuard(e); ok {
		return mayBeLongString(x)
	}
	if _, ok := isUpdateSequence(e); ok {
		return false // a number, as the update gives
	}
	if _, ok := isCompoundUpdate(e); ok {
		return false
	}
	if call, ok := isCallTo(e, keyFn); ok && len(call.ArgumentList) == 0 {
		return false // the key of an updated property: __bv_u charged it
	}
	if call, ok := isCheckCall(e); ok && len(call.ArgumentList) > 0 {
		// Already checked (the verifier sees the instrumented tree): what
		// matters is what the check wraps.
		return mayBeLongString(call.ArgumentList[len(call.ArgumentList)-1])
	}
	switch e := e.(type) {
	case *ast.MetaProperty:
		return false // new.target: a function or undefined
	case *ast.NumberLiteral, *ast.BooleanLiteral, *ast.NullLiteral, *ast.RegExpLiteral,
		*ast.FunctionLiteral, *ast.ArrowFunctionLiteral, *ast.ClassLiteral, *ast.ObjectLiteral, *ast.ArrayLiteral:
		return false
	case *ast.StringLiteral:
		return len(e.Literal) >= rateCopy
	case *ast.TemplateLiteral:
		if e.Tag != nil {
			return true
		}
		if len(e.Expressions) > 0 {
			return false // checked as a whole
		}
		n := 0
		for _, el := range e.Elements {
			n += len(el.Literal)
		}
		return n >= rateCopy
	case *ast.UnaryExpression:
		return false // numbers, booleans, undefined, typeof's short names
	case *ast.BinaryExpression:
		switch e.Operator {
		case token.PLUS:
			return constant(e.Left) && constant(e.Right) // otherwise checked as a whole
		case token.LOGICAL_AND, token.LOGICAL_OR, token.COALESCE:
			return true
		}
		return false // numbers and booleans
	case *ast.AssignExpression:
		switch e.Operator {
		case token.ASSIGN, token.LOGICAL_AND, token.LOGICAL_OR, token.COALESCE:
			return true
		}
		return false // += is checked; the others make numbers
	}
	return true
}

// numberHint reports whether n converts its checked operands to numbers
// (ToPrimitive with the hint "number"): those operands are wrapped in
// __bv_n, which performs the conversion of an object itself and charges
// the primitive. Loose equality, in, keys and case tests keep __bv_o: they
// convert with another hint, or not at all (an object == an object is
// identity).
func numberHint(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.BinaryExpression:
		return convertsOperands(n.Operator) && n.Operator != token.EQUAL && n.Operator != token.NOT_EQUAL && n.Operator != token.IN
	case *ast.UnaryExpression:
		return n.Operator == token.MINUS || n.Operator == token.PLUS || n.Operator == token.BITWISE_NOT
	case *ast.AssignExpression:
		return arithmeticAssign(n.Operator)
	}
	return false
}

// mayConvertLong reports whether e, converted to a number, may give a long
// string on the way: literals of objects, arrays, functions and classes may
// carry a valueOf or toString.
func mayConvertLong(e ast.Expression) bool {
	switch e.(type) {
	case *ast.ObjectLiteral, *ast.ArrayLiteral, *ast.FunctionLiteral, *ast.ArrowFunctionLiteral, *ast.ClassLiteral:
		return true
	}
	return mayBeLongString(e)
}

// checkedOperands returns the operands of n that must be wrapped in
// __bv_o (or __bv_n, see numberHint). The instrumenter wraps them; the
// verifier requires them wrapped.
func checkedOperands(n ast.Node) []ast.Expression {
	var out []ast.Expression
	may := mayBeLongString
	if numberHint(n) {
		may = mayConvertLong
	}
	add := func(e ast.Expression) {
		if e != nil && may(e) {
			out = append(out, e)
		}
	}
	switch n := n.(type) {
	case *ast.BinaryExpression:
		switch {
		case n.Operator == token.STRICT_EQUAL || n.Operator == token.STRICT_NOT_EQUAL:
			if mayBeLongString(n.Left) && mayBeLongString(n.Right) {
				out = append(out, n.Left)
			}
		case convertsOperands(n.Operator):
			add(n.Left)
			add(n.Right)
		}
	case *ast.UnaryExpression:
		switch n.Operator {
		case token.MINUS, token.PLUS, token.BITWISE_NOT:
			add(n.Operand)
		}
	case *ast.BracketExpression:
		add(n.Member)
	case *ast.PropertyKeyed:
		if n.Computed {
			add(n.Key)
		}
	case *ast.CaseStatement:
		add(n.Test)
	case *ast.AssignExpression:
		if arithmeticAssign(n.Operator) {
			add(n.Right)
		}
	}
	return out
}

// updatedVariable returns the variable that ++/-- or a compound arithmetic
// assignment converts, if it is a plain variable.
func updatedVariable(n ast.Node) (*ast.Identifier, bool) {
	switch n := n.(type) {
	case *ast.UnaryExpression:
		if n.Operator == token.INCREMENT || n.Operator == token.DECREMENT {
			id, ok := n.Operand.(*ast.Identifier)
			return id, ok
		}
	case *ast.AssignExpression:
		if arithmeticAssign(n.Operator) {
			id, ok := n.Left.(*ast.Identifier)
			return id, ok
		}
	}
	return nil, false
}

// updatedMember returns the property that ++/-- or a compound arithmetic
// assignment converts, if its target is a property.
func updatedMember(n ast.Node) (ast.Expression, bool) {
	var t ast.Expression
	switch n := n.(type) {
	case *ast.UnaryExpression:
		if n.Operator != token.INCREMENT && n.Operator != token.DECREMENT {
			return nil, false
		}
		t = n.Operand
	case *ast.AssignExpression:
		if !arithmeticAssign(n.Operator) {
			return nil, false
		}
		t = n.Left
	default:
		return nil, false
	}
	switch t.(type) {
	case *ast.DotExpression, *ast.BracketExpression, *ast.PrivateDotExpression:
		return t, true
	}
	return nil, false
}

// unwrapMember undoes memberUpdate: __bv_u(o).p gives o.p and
// __bv_u(o, k)[__bv_k()] gives o[k]. It reports false for anything else.
func unwrapMember(t ast.Expression) (ast.Expression, bool) {
	switch t := t.(type) {
	case *ast.DotExpression:
		call, ok := isCallTo(t.Left, updateFn)
		if !ok || len(call.ArgumentList) != 1 {
			return nil, false
		}
		cp := *t
		cp.Left = call.ArgumentList[0]
		return &cp, true
	case *ast.BracketExpression:
		call, ok := isCallTo(t.Left, updateFn)
		if !ok || len(call.ArgumentList) != 2 {
			return nil, false
		}
		if k, ok := isCallTo(t.Member, keyFn); !ok || len(k.ArgumentList) != 0 {
			return nil, false
		}
		cp := *t
		cp.Left, cp.Member = call.ArgumentList[0], call.ArgumentList[1]
		return &cp, true
	}
	return nil, false
}

// updatePrelude returns the code the instrumenter puts before an update of
// the variable name, and the separator after it:
//
//	(typeof x === "number" || (x = __bv_p(x)), x++)
//
// A number is updated as written; anything else is first replaced by its
// primitive (ToPrimitive, hint number: what the update would convert it
// to, so the result is the same), charged by __bv_p, and the update then
// converts a primitive. valueOf runs once, before the update as it would.
func updatePrelude(name string) string {
	return "typeof " + name + ` === "number" || (` + name + " = " + primitiveFn + "(" + name + "))"
}

// isUpdateSequence reports whether e is an instrumented variable update,
// (prelude, update), and returns the update.
func isUpdateSequence(e ast.Expression) (ast.Node, bool) {
	seq, ok := e.(*ast.SequenceExpression)
	if !ok || len(seq.Sequence) != 2 {
		return nil, false
	}
	u := seq.Sequence[1]
	id, ok := updatedVariable(u)
	if !ok {
		return nil, false
	}
	name := string(id.Name)
	isX := func(e ast.Expression) bool { id, ok := e.(*ast.Identifier); return ok && string(id.Name) == name }
	or, ok := seq.Sequence[0].(*ast.BinaryExpression)
	if !ok || or.Operator != token.LOGICAL_OR {
		return nil, false
	}
	eq, ok := or.Left.(*ast.BinaryExpression)
	if !ok || eq.Operator != token.STRICT_EQUAL {
		return nil, false
	}
	typ, ok := eq.Left.(*ast.UnaryExpression)
	if !ok || typ.Operator != token.TYPEOF || !isX(typ.Operand) {
		return nil, false
	}
	if lit, ok := eq.Right.(*ast.StringLiteral); !ok || lit.Value.String() != "number" {
		return nil, false
	}
	as, ok := or.Right.(*ast.AssignExpression)
	if !ok || as.Operator != token.ASSIGN || !isX(as.Left) {
		return nil, false
	}
	call, ok := isCallTo(as.Right, primitiveFn)
	if !ok || len(call.ArgumentList) != 1 || !isX(call.ArgumentList[0]) {
		return nil, false
	}
	return u, true
}

// isCompoundUpdate reports whether e is an instrumented compound
// assignment of a variable, x = __bv_n(x) op e, and returns x op= e.
func isCompoundUpdate(e ast.Expression) (*ast.AssignExpression, bool) {
	a, ok := e.(*ast.AssignExpression)
	if !ok || a.Operator != token.ASSIGN {
		return nil, false
	}
	x, ok := a.Left.(*ast.Identifier)
	if !ok {
		return nil, false
	}
	b, ok := a.Right.(*ast.BinaryExpression)
	if !ok || !arithmeticAssign(b.Operator) {
		return nil, false
	}
	call, ok := isCallTo(b.Left, numberFn)
	if !ok || len(call.ArgumentList) != 1 {
		return nil, false
	}
	if id, ok := call.ArgumentList[0].(*ast.Identifier); !ok || id.Name != x.Name {
		return nil, false
	}
	return &ast.AssignExpression{Operator: b.Operator, Left: a.Left, Right: b.Right}, true
}

// strippedUpdate undoes the instrumenter's wrapping of an update: the
// sequence (prelude, x++) gives x++, x = __bv_n(x) - e gives x -= e,
// __bv_u(o).p++ gives o.p++. It reports false for anything else.
func strippedUpdate(n ast.Node) (ast.Node, bool) {
	if t, ok := updatedMember(n); ok {
		m, ok := unwrapMember(t)
		if !ok {
			return nil, false
		}
		switch n := n.(type) {
		case *ast.UnaryExpression:
			cp := *n
			cp.Operand = m
			return &cp, true
		case *ast.AssignExpression:
			cp := *n
			cp.Left = m
			return &cp, true
		}
		return nil, false
	}
	if e, ok := n.(ast.Expression); ok {
		if a, ok := isCompoundUpdate(e); ok {
			return a, true
		}
		return isUpdateSequence(e)
	}
	return nil, false
}

// isCheckCall reports whether e is an inserted __bv_c or __bv_o call.
func isCheckCall(e ast.Expression) (*ast.CallExpression, bool) {
	if call, ok := isCallTo(e, checkFn); ok {
		return call, true
	}
	if call, ok := isCallTo(e, numberFn); ok {
		return call, true
	}
	return isCallTo(e, operandFn)
}

// A variable operand is checked inline where that is safe:
//
//	(typeof x !== "string" || x.length < 64 ? x : __bv_o(x))
//
// reads x up to three times (a variable read has no side effects in strict
// mode without with) and calls the host only for a long string, which is
// several times cheaper than a host call per operand. The form starts with
// "(", so it is used only where the token before cannot end an expression
// (else the line before could become a call): see guardSafe.

func operandGuard(name string) (open, close string) {
	return "(typeof " + name + ` !== "string" || ` + name + ".length < " + strconv.Itoa(rateOperand) + " ? ",
		" : " + operandFn + "(" + name + "))"
}

// An operand converted to a number is checked inline only if it is a
// number or a short string; anything else (an object above all) goes to
// __bv_n:
//
//	(typeof x === "number" || typeof x === "string" && x.length < 64 ? x : __bv_n(x))

func numberGuard(name string) (open, close string) {
	return "(typeof " + name + ` === "number" || typeof ` + name + ` === "string" && ` + name + ".length < " + strconv.Itoa(rateOperand) + " ? ",
		" : " + numberFn + "(" + name + "))"
}

// isNumberGuard reports whether e is the inline number check of a
// variable, and returns the variable as written (the consequent).
func isNumberGuard(e ast.Expression) (ast.Expression, bool) {
	c, ok := e.(*ast.ConditionalExpression)
	if !ok {
		return nil, false
	}
	x, ok := c.Consequent.(*ast.Identifier)
	if !ok {
		return nil, false
	}
	name := string(x.Name)
	isX := func(e ast.Expression) bool { id, ok := e.(*ast.Identifier); return ok && string(id.Name) == name }
	isType := func(e ast.Expression, want string) bool {
		eq, ok := e.(*ast.BinaryExpression)
		if !ok || eq.Operator != token.STRICT_EQUAL {
			return false
		}
		typ, ok := eq.Left.(*ast.UnaryExpression)
		if !ok || typ.Operator != token.TYPEOF || !isX(typ.Operand) {
			return false
		}
		lit, ok := eq.Right.(*ast.StringLiteral)
		return ok && lit.Value.String() == want
	}
	or, ok := c.Test.(*ast.BinaryExpression)
	if !ok || or.Operator != token.LOGICAL_OR || !isType(or.Left, "number") {
		return nil, false
	}
	and, ok := or.Right.(*ast.BinaryExpression)
	if !ok || and.Operator != token.LOGICAL_AND || !isType(and.Left, "string") {
		return nil, false
	}
	lt, ok := and.Right.(*ast.BinaryExpression)
	if !ok || lt.Operator != token.LESS {
		return nil, false
	}
	dot, ok := lt.Left.(*ast.DotExpression)
	if !ok || !isX(dot.Left) || string(dot.Identifier.Name) != "length" {
		return nil, false
	}
	if n, ok := lt.Right.(*ast.NumberLiteral); !ok || n.Literal != strconv.Itoa(rateOperand) {
		return nil, false
	}
	call, ok := isCallTo(c.Alternate, numberFn)
	if !ok || len(call.ArgumentList) != 1 || !isX(call.ArgumentList[0]) {
		return nil, false
	}
	return x, true
}

// isOperandGuard reports whether e is the inline check of a variable, and
// returns the variable as written (the consequent).
func isOperandGuard(e ast.Expression) (ast.Expression, bool) {
	c, ok := e.(*ast.ConditionalExpression)
	if !ok {
		return nil, false
	}
	x, ok := c.Consequent.(*ast.Identifier)
	if !ok {
		return nil, false
	}
	name := string(x.Name)
	isX := func(e ast.Expression) bool { id, ok := e.(*ast.Identifier); return ok && string(id.Name) == name }
	or, ok := c.Test.(*ast.BinaryExpression)
	if !ok || or.Operator != token.LOGICAL_OR {
		return nil, false
	}
	ne, ok := or.Left.(*ast.BinaryExpression)
	if !ok || ne.Operator != token.STRICT_NOT_EQUAL {
		return nil, false
	}
	typ, ok := ne.Left.(*ast.UnaryExpression)
	if !ok || typ.Operator != token.TYPEOF || !isX(typ.Operand) {
		return nil, false
	}
	if lit, ok := ne.Right.(*ast.StringLiteral); !ok || lit.Value.String() != "string" {
		return nil, false
	}
	lt, ok := or.Right.(*ast.BinaryExpression)
	if !ok || lt.Operator != token.LESS {
		return nil, false
	}
	dot, ok := lt.Left.(*ast.DotExpression)
	if !ok || !isX(dot.Left) || string(dot.Identifier.Name) != "length" {
		return nil, false
	}
	if n, ok := lt.Right.(*ast.NumberLiteral); !ok || n.Literal != strconv.Itoa(rateOperand) {
		return nil, false
	}
	call, ok := isCallTo(c.Alternate, operandFn)
	if !ok || len(call.ArgumentList) != 1 || !isX(call.ArgumentList[0]) {
		return nil, false
	}
	return x, true
}

// safeKeywords may precede an expression and never end one.
var safeKeywords = map[string]bool{"return": true, "typeof": true, "void": true, "delete": true, "in": true,
	"instanceof": true, "case": true, "throw": true, "else": true, "do": true, "yield": true, "await": true}

// guardSafe reports whether "(" may be inserted at offset o: the token
// before cannot end an expression, so no line joins the one before.
func guardSafe(lx *lexer, o int) bool {
	t := lx.prev(o)
	if t < 0 {
		return true
	}
	switch lx.toks[t].kind {
	case tokPunct:
		switch lx.text(t) {
		case ")", "]", "}", "++", "--":
			return false
		}
		return true
	case tokWord:
		return safeKeywords[lx.text(t)]
	}
	return false
}
