package script

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/token"
)

// Names the instrumenter inserts. Scripts may not use any identifier that
// starts with reservedPrefix, so they cannot shadow or fake these.
const (
	reservedPrefix = "__bv"
	fuelFn         = "__bv_f" // __bv_f(n): charge n units of fuel
	checkFn        = "__bv_c" // __bv_c(v): cap and charge a string produced by + or a template
	operandFn      = "__bv_o" // __bv_o(v), __bv_o(x, v): charge strings an operator converts
	numberFn       = "__bv_n" // __bv_n(v): ToPrimitive(v, number), charged like __bv_o
	updateFn       = "__bv_u" // __bv_u(o), __bv_u(o, k): the base of a property an update converts
	keyFn          = "__bv_k" // __bv_k(): the key __bv_u(o, k) was given
	primitiveFn    = "__bv_p" // __bv_p(x): ToPrimitive(x, number) now, charged: the value a variable update converts
)

// A site is a piece of code that runs as a unit each time it is entered: a
// function body or one iteration of a loop. Its weight is the number of AST
// nodes it contains, not counting nested sites, and it is charged when the
// site is entered.
type site struct{ weight int }

func (s *site) call() string { return fuelFn + "(" + strconv.Itoa(s.weight) + ")" }

const (
	classCloser = iota
	classPoint
	classOpener
)

type insertion struct {
	off   int
	class int
	seq   int
	text  func() string
	skip  int // source bytes the text replaces (a bracket of an updated property)
}

type instrumenter struct {
	lc  *locator
	ins []insertion
	seq int
	err error
	// updatedKeys are the bracket members whose key __bv_u charges.
	updatedKeys map[*ast.BracketExpression]bool
}

// instrument returns the source with fuel charges and string checks
// spliced in, and the weight of the top-level code.
func instrument(src string, prog *ast.Program, lx *lexer) (string, int, error) {
	in := &instrumenter{lc: newLocator(lx, prog), updatedKeys: map[*ast.BracketExpression]bool{}}
	if in.lc.err != nil {
		return "", 0, in.lc.err
	}
	top := &site{}
	for _, s := range prog.Body {
		in.visit(s, top)
	}
	if in.err != nil {
		return "", 0, in.err
	}
	sort.SliceStable(in.ins, func(i, j int) bool {
		a, b := in.ins[i], in.ins[j]
		if a.off != b.off {
			return a.off < b.off
		}
		if a.class != b.class {
			return a.class < b.class
		}
		if a.class == classCloser {
			return a.seq > b.seq // inner closes first
		}
		return a.seq < b.seq // outer opens first
	})
	var b strings.Builder
	last := 0
	for _, x := range in.ins {
		if x.off < last || x.off > len(src) {
			return "", 0, fmt.Errorf("internal: insertion at offset %d out of order", x.off)
		}
		b.WriteString(src[last:x.off])
		b.WriteString(x.text())
		last = x.off + x.skip
	}
	b.WriteString(src[last:])
	return b.String(), top.weight, nil
}

func (in *instrumenter) fail(err error) {
	if in.err == nil && err != nil {
		in.err = err
	}
}

func (in *instrumenter) add(o, class int, text func() string) int {
	in.seq++
	in.ins = append(in.ins, insertion{off: o, class: class, seq: in.seq, text: text})
	return in.seq
}

// point inserts the fuel charge of s at o (just inside a '{').
func (in *instrumenter) point(o int, s *site) {
	in.add(o, classPoint, func() string { return s.call() + ";" })
}

func (in *instrumenter) wrap(sp span, open func() string, close string) {
	in.seq++
	seq := in.seq
	in.ins = append(in.ins,
		insertion{off: sp.s, class: classOpener, seq: seq, text: open},
		insertion{off: sp.e, class: classCloser, seq: seq, text: func() string { return close }})
}

// extraWeight prices nodes that allocate or do more than one VM step's
// work, measured against goja (see BenchmarkFuelCalibration): fuel is meant
// to bound time, so a node costs what it takes, not one step.
func extraWeight(n ast.Node) int {
	switch n := n.(type) {
	case *ast.ObjectLiteral:
		return weightObject
	case *ast.ArrayLiteral:
		return weightArray
	case *ast.FunctionLiteral, *ast.ArrowFunctionLiteral:
		return weightClosure
	case *ast.ClassLiteral:
		return weightClass + weightClosure*len(n.Body)
	case *ast.NewExpression:
		return weightNew
	case *ast.CallExpression:
		return weightCall
	case *ast.DotExpression, *ast.BracketExpression:
		return weightMember
	case *ast.ThrowStatement:
		return weightThrow
	case *ast.TryStatement:
		return weightTry
	case *ast.TemplateLiteral:
		return weightTemplate
	case *ast.ForInStatement:
		return weightForIn
	case *ast.AwaitExpression:
		return weightAwait
	case *ast.YieldExpression:
		return weightYield
	}
	return 0
}

// usesArguments reports whether a function body mentions `arguments`
// outside nested non-arrow functions; goja then builds an arguments object
// on every call.
func usesArguments(body *ast.BlockStatement) bool {
	found := false
	walkAST(body, nil, "", func(n, _ ast.Node, _ string) bool {
		switch n := n.(type) {
		case *ast.FunctionLiteral:
			return false
		case *ast.Identifier:
			if n.Name == "arguments" {
				found = true
			}
		}
		return !found
	})
	return found
}

func constant(e ast.Expression) bool {
	switch e.(type) {
	case *ast.StringLiteral, *ast.NumberLiteral:
		return true
	}
	return false
}

func (in *instrumenter) check(e ast.Expression) {
	sp, err := in.lc.own(e)
	if err != nil {
		in.fail(err)
		return
	}
	in.wrap(sp, func() string { return checkFn + "(" }, ")")
}

// operandCheck wraps an operand, grouping parentheses included, in __bv_o,
// or in __bv_n if the operator converts it to a number.
func (in *instrumenter) operandCheck(e ast.Expression, number bool) {
	sp, err := in.lc.full(e)
	if err != nil {
		in.fail(err)
		return
	}
	fn, guard := operandFn, operandGuard
	if number {
		fn, guard = numberFn, numberGuard
	}
	if id, ok := e.(*ast.Identifier); ok && guardSafe(in.lc.lx, sp.s) {
		open, close := guard(id.Name.String())
		in.wrap(sp, func() string { return open }, close)
		return
	}
	if _, ok := e.(*ast.SequenceExpression); ok {
		// o[a, b]: one argument, not two.
		in.wrap(sp, func() string { return fn + "((" }, "))")
		return
	}
	in.wrap(sp, func() string { return fn + "(" }, ")")
}

// memberUpdate routes the property that ++, -- or a compound arithmetic
// assignment converts through __bv_u, which reads it once and charges it:
// o.p++ becomes __bv_u(o).p++ and o[k] -= e becomes
// __bv_u(o, (k))[__bv_k()] -= e (see updates.go).
func (in *instrumenter) memberUpdate(t ast.Expression) {
	switch t := t.(type) {
	case *ast.DotExpression:
		sp, err := in.lc.full(t.Left)
		if err != nil {
			in.fail(err)
			return
		}
		in.wrap(sp, func() string { return updateFn + "(" }, ")")
	case *ast.BracketExpression:
		sp, err := in.lc.full(t.Left)
		if err != nil {
			in.fail(err)
			return
		}
		lb, rb := off(t.LeftBracket), off(t.RightBracket)
		src := in.lc.lx.src
		if lb < sp.e || rb <= lb || rb >= len(src) || src[lb] != '[' || src[rb] != ']' {
			in.fail(fmt.Errorf("internal: brackets of an updated property at %d", lb))
			return
		}
		in.add(sp.s, classOpener, func() string { return updateFn + "(" })
		in.seq++
		in.ins = append(in.ins,
			insertion{off: lb, class: classOpener, seq: in.seq, text: func() string { return ", (" }, skip: 1},
			insertion{off: rb, class: classOpener, seq: in.seq, text: func() string { return "))[" + keyFn + "()]" }, skip: 1})
		in.updatedKeys[t] = true
	default:
		in.fail(fmt.Errorf("internal: updated %T", t))
	}
}

// updateCheck makes x++ or x-- on the variable x convert a primitive that
// was charged: (typeof x === "number" || (x = __bv_p(x)), x++), or
// __bv_o((...)) where "(" could join the line before. x op= e becomes
// x = __bv_n(x) op (e): x is read first and converted by the operator
// after e is evaluated, as op= would (the operand check of e is added as
// for any operand).
func (in *instrumenter) updateCheck(n ast.Node, id *ast.Identifier) {
	name := id.Name.String()
	if a, ok := n.(*ast.AssignExpression); ok {
		le, err := in.lc.fullEnd(a.Left)
		if err != nil {
			in.fail(err)
			return
		}
		rs, err := in.lc.full(a.Right)
		if err != nil {
			in.fail(err)
			return
		}
		lx := in.lc.lx
		t := lx.next(le)
		if t >= len(lx.toks) || lx.toks[t].kind != tokPunct || lx.toks[t].end > rs.s || !strings.HasSuffix(lx.text(t), "=") || len(lx.text(t)) < 2 {
			in.fail(fmt.Errorf("internal: operator of a compound assignment at %d", le))
			return
		}
		op := strings.TrimSuffix(lx.text(t), "=")
		in.seq++
		in.ins = append(in.ins,
			insertion{off: lx.toks[t].start, class: classOpener, seq: in.seq, text: func() string { return "= " + numberFn + "(" + name + ") " + op + " (" }, skip: len(op) + 1},
			insertion{off: rs.e, class: classCloser, seq: in.seq, text: func() string { return ")" }})
		return
	}
	u, ok := n.(*ast.UnaryExpression)
	if !ok {
		in.fail(fmt.Errorf("internal: update %T", n))
		return
	}
	sp, err := in.lc.full(u)
	if err != nil {
		in.fail(err)
		return
	}
	open, close := "("+updatePrelude(name)+", ", ")"
	if !guardSafe(in.lc.lx, sp.s) {
		open, close = operandFn+"("+open, close+")"
	}
	in.wrap(sp, func() string { return open }, close)
}

func (in *instrumenter) statements(list []ast.Statement, s *site) {
	for _, st := range list {
		in.visit(st, s)
	}
}

// loopBody charges s at the start of every iteration of body.
func (in *instrumenter) loopBody(body ast.Statement, s *site) {
	if b, ok := body.(*ast.BlockStatement); ok {
		in.add(off(b.LeftBrace)+1, classPoint, func() string { return s.call() + ";" })
		in.statements(b.List, s)
		return
	}
	sp, err := in.lc.stmt(body)
	if err != nil {
		in.fail(err)
		return
	}
	in.wrap(sp, func() string { return "{" + s.call() + ";" }, "}")
	in.visit(body, s)
}

func (in *instrumenter) visit(n ast.Node, st *site) {
	if in.err != nil || n == nil {
		return
	}
	st.weight += fuelPerNode + extraWeight(n)
	switch n := n.(type) {
	case *ast.FunctionLiteral:
		s := &site{}
		if usesArguments(n.Body) {
			s.weight += weightArguments
		}
		in.point(off(n.Body.LeftBrace)+1, s)
		if n.ParameterList != nil {
			in.visit(n.ParameterList, s)
		}
		in.statements(n.Body.List, s)
		return
	case *ast.ArrowFunctionLiteral:
		s := &site{}
		if n.ParameterList != nil {
			in.visit(n.ParameterList, s)
		}
		switch b := n.Body.(type) {
		case *ast.BlockStatement:
			in.point(off(b.LeftBrace)+1, s)
			in.statements(b.List, s)
		case *ast.ExpressionBody:
			sp, err := in.lc.full(b.Expression)
			if err != nil {
				in.fail(err)
				return
			}
			in.wrap(sp, func() string { return "(" + s.call() + ", " }, ")")
			in.visit(b.Expression, s)
		default:
			in.fail(fmt.Errorf("internal: arrow function body %T", n.Body))
		}
		return
	case *ast.ClassStaticBlock:
		s := &site{}
		in.point(off(n.Block.LeftBrace)+1, s)
		in.statements(n.Block.List, s)
		return
	case *ast.FieldDefinition:
		if n.Static {
			break // runs once, with the class definition
		}
		// An instance field runs at every construction: its initializer is
		// charged, and a field without one gets `= (__bv_f(1), void __bv_f)`.
		in.visit(n.Key, st)
		s := &site{}
		if n.Initializer != nil {
			sp, err := in.lc.full(n.Initializer)
			if err != nil {
				in.fail(err)
				return
			}
			in.wrap(sp, func() string { return "(" + s.call() + ", " }, ")")
			in.visit(n.Initializer, s)
			return
		}
		end, err := in.lc.fieldKeyEnd(n)
		if err != nil {
			in.fail(err)
			return
		}
		s.weight = 1
		in.add(end, classPoint, func() string { return " = (" + s.call() + ", void " + fuelFn + ")" })
		return
	case *ast.ForStatement:
		if n.Initializer != nil {
			in.visit(n.Initializer, st)
		}
		s := &site{}
		in.loopBody(n.Body, s)
		in.visit(n.Test, s)
		in.visit(n.Update, s)
		return
	case *ast.WhileStatement:
		s := &site{}
		in.loopBody(n.Body, s)
		in.visit(n.Test, s)
		return
	case *ast.DoWhileStatement:
		s := &site{}
		in.loopBody(n.Body, s)
		in.visit(n.Test, s)
		return
	case *ast.ForInStatement:
		in.visit(n.Source, st)
		s := &site{}
		in.loopBody(n.Body, s)
		in.visit(n.Into, s)
		return
	case *ast.ForOfStatement:
		in.visit(n.Source, st)
		s := &site{}
		in.loopBody(n.Body, s)
		in.visit(n.Into, s)
		return
	case *ast.BinaryExpression:
		if n.Operator == token.PLUS && !(constant(n.Left) && constant(n.Right)) {
			in.check(n)
			st.weight += weightConcat
		}
	case *ast.AssignExpression:
		if n.Operator == token.PLUS {
			in.check(n)
			st.weight += weightConcat
		}
	case *ast.TemplateLiteral:
		if n.Tag == nil && len(n.Expressions) > 0 {
			in.check(n)
			st.weight += weightConcat
		}
	}
	id, updates := updatedVariable(n)
	if updates {
		in.updateCheck(n, id)
		st.weight += weightOperand
	}
	if t, ok := updatedMember(n); ok {
		in.memberUpdate(t)
		st.weight += weightUpdate
	}
	for _, e := range checkedOperands(n) {
		if b, ok := n.(*ast.BracketExpression); ok && in.updatedKeys[b] && e == b.Member {
			continue // __bv_u(o, k) charges k
		}
		in.operandCheck(e, numberHint(n))
		st.weight += weightOperand
	}
	children(n, func(c ast.Node, _ string) { in.visit(c, st) })
}
