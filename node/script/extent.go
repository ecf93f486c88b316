package script

import (
	"fmt"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/file"
)

// span is a byte range [s, e) of the source.
type span struct{ s, e int }

// off converts a goja position (1-based) to a byte offset.
func off(i file.Idx) int { return int(i) - 1 }

// locator finds the exact source range of AST nodes. goja drops grouping
// parentheses and computes some ends from names, so node offsets alone can
// land inside "(a) + b"; the locator rebuilds ranges from child ranges and
// the token stream.
type locator struct {
	lx        *lexer
	syntactic map[int]bool             // token indexes of '(' that belong to syntax, not grouping
	ifs       map[*ast.IfStatement]int // offset of each `if` keyword (goja does not record it)
	err       error
	owns      map[ast.Expression]span // memo: ranges are asked for again at every enclosing level
}

func newLocator(lx *lexer, prog *ast.Program) *locator {
	lc := &locator{lx: lx, syntactic: map[int]bool{}, ifs: map[*ast.IfStatement]int{}, owns: map[ast.Expression]span{}}
	var ifs []*ast.IfStatement
	mark := func(tok int) {
		if lx.isPunct(tok, "(") {
			lc.syntactic[tok] = true
		}
	}
	afterKeyword := func(i file.Idx) { mark(lx.next(off(i) + 1)) }
	walkAST(prog, nil, "", func(n, _ ast.Node, _ string) bool {
		switch n := n.(type) {
		case *ast.CallExpression:
			mark(lx.next(off(n.LeftParenthesis)))
		case *ast.NewExpression:
			if n.LeftParenthesis > 0 {
				mark(lx.next(off(n.LeftParenthesis)))
			}
		case *ast.ParameterList:
			if n.Opening > 0 {
				mark(lx.next(off(n.Opening)))
			}
		case *ast.IfStatement:
			ifs = append(ifs, n)
		case *ast.WhileStatement:
			afterKeyword(n.While)
		case *ast.ForStatement:
			afterKeyword(n.For)
		case *ast.ForInStatement:
			afterKeyword(n.For)
		case *ast.ForOfStatement:
			afterKeyword(n.For)
		case *ast.SwitchStatement:
			afterKeyword(n.Switch)
		case *ast.WithStatement:
			afterKeyword(n.With)
		case *ast.CatchStatement:
			if n.Parameter != nil {
				afterKeyword(n.Catch)
			}
		case *ast.DoWhileStatement:
			if t := lx.next(off(n.RightParenthesis)); lx.isPunct(t, ")") {
				if open, ok := lx.match[t]; ok {
					lc.syntactic[open] = true
				}
			}
		}
		return true
	})
	// The parentheses of an if are found from its test outwards: the pair
	// preceded by the keyword. Inner parentheses are already classified.
	for _, n := range ifs {
		sp, err := lc.own(n.Test)
		for err == nil {
			p, q := lx.prev(sp.s), lx.next(sp.e)
			if !lx.isPunct(p, "(") || !lx.isPunct(q, ")") || lx.match[p] != q {
				err = fmt.Errorf("internal: cannot find the parentheses of an if at offset %d", sp.s)
				break
			}
			if kw := p - 1; kw >= 0 && lx.toks[kw].kind == tokWord && lx.text(kw) == "if" {
				lc.syntactic[p] = true
				lc.ifs[n] = lx.toks[kw].start
				break
			}
			sp = span{lx.toks[p].start, lx.toks[q].end}
		}
		if err != nil && lc.err == nil {
			lc.err = err
		}
	}
	return lc
}

// tokenAt returns the span of the token that starts at o.
func (lc *locator) tokenAt(o int) (span, error) {
	t := lc.lx.next(o)
	if t >= len(lc.lx.toks) || lc.lx.toks[t].start != o {
		return span{}, fmt.Errorf("internal: no token at offset %d", o)
	}
	return span{lc.lx.toks[t].start, lc.lx.toks[t].end}, nil
}

// full is the range of e including the grouping parentheses around it.
func (lc *locator) full(e ast.Expression) (span, error) {
	sp, err := lc.own(e)
	if err != nil {
		return sp, err
	}
	lx := lc.lx
	for {
		p, q := lx.prev(sp.s), lx.next(sp.e)
		if !lx.isPunct(p, "(") || !lx.isPunct(q, ")") || lx.match[p] != q || lc.syntactic[p] {
			return sp, nil
		}
		sp = span{lx.toks[p].start, lx.toks[q].end}
	}
}

func (lc *locator) fullStart(e ast.Expression) (int, error) {
	sp, err := lc.full(e)
	return sp.s, err
}

func (lc *locator) fullEnd(e ast.Expression) (int, error) {
	sp, err := lc.full(e)
	return sp.e, err
}

// between builds a span from a start and the end of an expression.
func (lc *locator) between(s int, e ast.Expression) (span, error) {
	end, err := lc.fullEnd(e)
	return span{s, end}, err
}

// own is the range of e without grouping parentheses around e itself.
func (lc *locator) own(e ast.Expression) (span, error) {
	if sp, ok := lc.owns[e]; ok {
		return sp, nil
	}
	sp, err := lc.ownUncached(e)
	if err == nil {
		lc.owns[e] = sp
	}
	return sp, err
}

func (lc *locator) ownUncached(e ast.Expression) (span, error) {
	switch n := e.(type) {
	case *ast.Identifier, *ast.NumberLiteral, *ast.StringLiteral, *ast.BooleanLiteral,
		*ast.NullLiteral, *ast.ThisExpression, *ast.SuperExpression:
		return lc.tokenAt(off(n.Idx0()))
	case *ast.PrivateIdentifier:
		if sp, err := lc.tokenAt(off(n.Idx)); err == nil {
			return sp, nil
		}
		return lc.tokenAt(off(n.Idx) - 1)
	case *ast.TemplateLiteral:
		end := off(n.CloseQuote) + 1
		if n.Tag != nil {
			s, err := lc.fullStart(n.Tag)
			return span{s, end}, err
		}
		return span{off(n.OpenQuote), end}, nil
	case *ast.ArrayLiteral:
		return span{off(n.LeftBracket), off(n.RightBracket) + 1}, nil
	case *ast.ArrayPattern:
		return span{off(n.LeftBracket), off(n.RightBracket) + 1}, nil
	case *ast.ObjectLiteral:
		return span{off(n.LeftBrace), off(n.RightBrace) + 1}, nil
	case *ast.ObjectPattern:
		return span{off(n.LeftBrace), off(n.RightBrace) + 1}, nil
	case *ast.FunctionLiteral:
		return span{off(n.Function), off(n.Body.RightBrace) + 1}, nil
	case *ast.ClassLiteral:
		return span{off(n.Class), off(n.RightBrace) + 1}, nil
	case *ast.ArrowFunctionLiteral:
		switch b := n.Body.(type) {
		case *ast.BlockStatement:
			return span{off(n.Start), off(b.RightBrace) + 1}, nil
		case *ast.ExpressionBody:
			return lc.between(off(n.Start), b.Expression)
		}
	case *ast.CallExpression:
		s, err := lc.fullStart(n.Callee)
		return span{s, off(n.RightParenthesis) + 1}, err
	case *ast.NewExpression:
		if n.LeftParenthesis > 0 {
			return span{off(n.New), off(n.RightParenthesis) + 1}, nil
		}
		return lc.between(off(n.New), n.Callee)
	case *ast.DotExpression:
		s, err := lc.fullStart(n.Left)
		if err != nil {
			return span{}, err
		}
		name, err := lc.tokenAt(off(n.Identifier.Idx))
		return span{s, name.e}, err
	case *ast.PrivateDotExpression:
		s, err := lc.fullStart(n.Left)
		if err != nil {
			return span{}, err
		}
		name, err := lc.own(&n.Identifier)
		return span{s, name.e}, err
	case *ast.BracketExpression:
		s, err := lc.fullStart(n.Left)
		return span{s, off(n.RightBracket) + 1}, err
	case *ast.BinaryExpression:
		s, err := lc.fullStart(n.Left)
		if err != nil {
			return span{}, err
		}
		return lc.between(s, n.Right)
	case *ast.AssignExpression:
		s, err := lc.fullStart(n.Left)
		if err != nil {
			return span{}, err
		}
		return lc.between(s, n.Right)
	case *ast.ConditionalExpression:
		s, err := lc.fullStart(n.Test)
		if err != nil {
			return span{}, err
		}
		return lc.between(s, n.Alternate)
	case *ast.SequenceExpression:
		s, err := lc.fullStart(n.Sequence[0])
		if err != nil {
			return span{}, err
		}
		return lc.between(s, n.Sequence[len(n.Sequence)-1])
	case *ast.UnaryExpression:
		if !n.Postfix {
			return lc.between(off(n.Idx), n.Operand)
		}
		sp, err := lc.full(n.Operand)
		if err != nil {
			return span{}, err
		}
		t := lc.lx.next(sp.e)
		if !lc.lx.isPunct(t, "++") && !lc.lx.isPunct(t, "--") {
			return span{}, fmt.Errorf("internal: postfix operator not found at offset %d", sp.e)
		}
		return span{sp.s, lc.lx.toks[t].end}, nil
	case *ast.YieldExpression:
		if n.Argument != nil {
			return lc.between(off(n.Yield), n.Argument)
		}
		return lc.tokenAt(off(n.Yield))
	case *ast.AwaitExpression:
		return lc.between(off(n.Await), n.Argument)
	case *ast.MetaProperty:
		p, err := lc.tokenAt(off(n.Property.Idx))
		return span{off(n.Idx), p.e}, err
	case *ast.OptionalChain:
		return lc.full(n.Expression)
	case *ast.Optional:
		return lc.full(n.Expression)
	}
	return span{}, fmt.Errorf("internal: cannot locate %T", e)
}

// withSemicolon extends an end offset over a following ';'.
func (lc *locator) withSemicolon(e int) int {
	if t := lc.lx.next(e); lc.lx.isPunct(t, ";") {
		return lc.lx.toks[t].end
	}
	return e
}

// stmt is the range of a statement, including its terminating ';'.
func (lc *locator) stmt(s ast.Statement) (span, error) {
	switch n := s.(type) {
	case *ast.ExpressionStatement:
		sp, err := lc.full(n.Expression)
		return span{sp.s, lc.withSemicolon(sp.e)}, err
	case *ast.EmptyStatement:
		return span{off(n.Semicolon), off(n.Semicolon) + 1}, nil
	case *ast.BlockStatement:
		return span{off(n.LeftBrace), off(n.RightBrace) + 1}, nil
	case *ast.ReturnStatement:
		return lc.keywordStatement(n.Return, n.Argument)
	case *ast.ThrowStatement:
		return lc.keywordStatement(n.Throw, n.Argument)
	case *ast.BranchStatement:
		end, err := lc.tokenAt(off(n.Idx))
		if err == nil && n.Label != nil {
			end, err = lc.tokenAt(off(n.Label.Idx))
		}
		return span{off(n.Idx), lc.withSemicolon(end.e)}, err
	case *ast.VariableStatement:
		last := n.List[len(n.List)-1]
		e := last.Initializer
		if e == nil {
			e = last.Target
		}
		return lc.keywordStatement(n.Var, e)
	case *ast.IfStatement:
		tail := n.Consequent
		if n.Alternate != nil {
			tail = n.Alternate
		}
		start, ok := lc.ifs[n]
		if !ok {
			return span{}, fmt.Errorf("internal: unknown if statement")
		}
		return lc.compound(start, tail)
	case *ast.ForStatement:
		return lc.compound(off(n.For), n.Body)
	case *ast.ForInStatement:
		return lc.compound(off(n.For), n.Body)
	case *ast.ForOfStatement:
		return lc.compound(off(n.For), n.Body)
	case *ast.WhileStatement:
		return lc.compound(off(n.While), n.Body)
	case *ast.DoWhileStatement:
		return span{off(n.Do), lc.withSemicolon(off(n.RightParenthesis) + 1)}, nil
	case *ast.LabelledStatement:
		return lc.compound(off(n.Label.Idx), n.Statement)
	case *ast.SwitchStatement:
		return span{off(n.Switch), off(n.RightBrace) + 1}, nil
	case *ast.TryStatement:
		end := n.Body
		if n.Catch != nil {
			end = n.Catch.Body
		}
		if n.Finally != nil {
			end = n.Finally
		}
		return span{off(n.Try), off(end.RightBrace) + 1}, nil
	}
	return span{}, fmt.Errorf("internal: cannot locate statement %T", s)
}

func (lc *locator) keywordStatement(kw file.Idx, arg ast.Expression) (span, error) {
	if arg == nil {
		t, err := lc.tokenAt(off(kw))
		return span{t.s, lc.withSemicolon(t.e)}, err
	}
	sp, err := lc.between(off(kw), arg)
	return span{sp.s, lc.withSemicolon(sp.e)}, err
}

func (lc *locator) compound(s int, tail ast.Statement) (span, error) {
	t, err := lc.stmt(tail)
	return span{s, t.e}, err
}

// fieldKeyEnd is the offset just after a class field's key (and its ']'
// when computed).
func (lc *locator) fieldKeyEnd(n *ast.FieldDefinition) (int, error) {
	sp, err := lc.full(n.Key)
	if err != nil || !n.Computed {
		return sp.e, err
	}
	t := lc.lx.next(sp.e)
	if !lc.lx.isPunct(t, "]") {
		return 0, fmt.Errorf("internal: computed field key not closed at offset %d", sp.e)
	}
	return lc.lx.toks[t].end, nil
}
