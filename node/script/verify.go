package script

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/file"
	"github.com/dop251/goja/token"
)

// The verifier re-parses the instrumented source and checks two things,
// so that a mistake in the splicing can only ever reject a script, never run
// it unmetered:
//
//  1. it is the original program: with the inserted calls removed, both
//     trees print the same canonical form;
//  2. the inserted calls are everywhere they must be: at the start of every
//     function body, static block and loop iteration, around every string
//     concatenation and template, every operand that converts strings, and
//     at the base of every property an update converts.

var idxType = reflect.TypeOf(file.Idx(0))

// canonical prints a tree without positions, sources and the instrumenter's
// calls. Loop bodies print as statement lists, so `while (x) y;` and
// `while (x) { y; }` print alike.
func canonical(n any) string {
	var b strings.Builder
	canonValue(&b, reflect.ValueOf(n))
	return b.String()
}

func canonValue(b *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Invalid:
		b.WriteString("nil")
		return
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		if v.Type().Implements(nodeType) && canonNode(b, v.Interface().(ast.Node)) {
			return
		}
		canonValue(b, v.Elem())
		return
	case reflect.Slice:
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if s, ok := v.Index(i).Interface().(ast.Statement); ok && isFuelStatement(s) {
				continue
			}
			canonValue(b, v.Index(i))
			b.WriteByte(',')
		}
		b.WriteByte(']')
		return
	case reflect.Struct:
		t := v.Type()
		b.WriteString(t.Name())
		b.WriteByte('{')
		for i := 0; i < v.NumField(); i++ {
			f := t.Field(i)
			if skippedFields[f.Name] || f.Name == "Source" || f.Type == idxType {
				continue
			}
			b.WriteString(f.Name)
			b.WriteByte(':')
			canonValue(b, v.Field(i))
			b.WriteByte(' ')
		}
		b.WriteByte('}')
		return
	}
	fmt.Fprintf(b, "%v", v.Interface())
}

// canonNode prints the nodes that instrumentation changes; it reports false
// for every other node.
func canonNode(b *strings.Builder, n ast.Node) bool {
	if orig, ok := strippedUpdate(n); ok {
		canonValue(b, reflect.ValueOf(orig))
		return true
	}
	if e, ok := n.(ast.Expression); ok {
		if x, ok := isOperandGuard(e); ok {
			canonValue(b, reflect.ValueOf(x))
			return true
		}
		if x, ok := isNumberGuard(e); ok {
			canonValue(b, reflect.ValueOf(x))
			return true
		}
	}
	switch n := n.(type) {
	case *ast.CallExpression:
		if _, ok := isCheckCall(n); ok && len(n.ArgumentList) == 1 {
			canonValue(b, reflect.ValueOf(n.ArgumentList[0]))
			return true
		}
	case *ast.ForStatement:
		fmt.Fprintf(b, "For{%s %s %s ", canonical(n.Initializer), canonical(n.Test), canonical(n.Update))
		canonBody(b, n.Body)
		return true
	case *ast.ForInStatement:
		fmt.Fprintf(b, "ForIn{%s %s ", canonical(n.Into), canonical(n.Source))
		canonBody(b, n.Body)
		return true
	case *ast.ForOfStatement:
		fmt.Fprintf(b, "ForOf{%s %s ", canonical(n.Into), canonical(n.Source))
		canonBody(b, n.Body)
		return true
	case *ast.WhileStatement:
		fmt.Fprintf(b, "While{%s ", canonical(n.Test))
		canonBody(b, n.Body)
		return true
	case *ast.DoWhileStatement:
		fmt.Fprintf(b, "DoWhile{%s ", canonical(n.Test))
		canonBody(b, n.Body)
		return true
	case *ast.FieldDefinition:
		if n.Static {
			return false
		}
		init := n.Initializer
		if seq, ok := init.(*ast.SequenceExpression); ok && len(seq.Sequence) == 2 {
			if _, ok := isCallTo(seq.Sequence[0], fuelFn); ok {
				init = seq.Sequence[1]
				if u, ok := init.(*ast.UnaryExpression); ok && u.Operator == token.VOID {
					if id, ok := u.Operand.(*ast.Identifier); ok && id.Name == fuelFn {
						init = nil
					}
				}
			}
		}
		fmt.Fprintf(b, "FieldDefinition{%s %s %v}", canonical(n.Key), canonical(init), n.Computed)
		return true
	case *ast.ExpressionBody:
		if seq, ok := n.Expression.(*ast.SequenceExpression); ok && len(seq.Sequence) > 1 {
			if _, ok := isCallTo(seq.Sequence[0], fuelFn); ok {
				rest := seq.Sequence[1:]
				if len(rest) == 1 {
					fmt.Fprintf(b, "ExpressionBody{%s}", canonical(rest[0]))
				} else {
					fmt.Fprintf(b, "ExpressionBody{%s}", canonical(&ast.SequenceExpression{Sequence: rest}))
				}
				return true
			}
		}
		fmt.Fprintf(b, "ExpressionBody{%s}", canonical(n.Expression))
		return true
	}
	return false
}

func canonBody(b *strings.Builder, body ast.Statement) {
	if blk, ok := body.(*ast.BlockStatement); ok {
		canonValue(b, reflect.ValueOf(blk.List))
	} else {
		canonValue(b, reflect.ValueOf([]ast.Statement{body}))
	}
	b.WriteByte('}')
}

// checkInstrumented verifies that the instrumented program charges fuel and
// checks strings everywhere it must.
func checkInstrumented(prog *ast.Program) error {
	var err error
	fail := func(n ast.Node, what string) {
		if err == nil {
			err = fmt.Errorf("internal: instrumentation missing for %s (%T at %d)", what, n, n.Idx0())
		}
	}
	startsWithFuel := func(list []ast.Statement) bool {
		return len(list) > 0 && isFuelStatement(list[0])
	}
	loopBody := func(n ast.Node, body ast.Statement) {
		if blk, ok := body.(*ast.BlockStatement); !ok || !startsWithFuel(blk.List) {
			fail(n, "loop body")
		}
	}
	walkAST(prog, nil, "", func(n, parent ast.Node, field string) bool {
		switch n := n.(type) {
		case *ast.FunctionLiteral:
			if !startsWithFuel(n.Body.List) {
				fail(n, "function body")
			}
		case *ast.ArrowFunctionLiteral:
			switch body := n.Body.(type) {
			case *ast.BlockStatement:
				if !startsWithFuel(body.List) {
					fail(n, "arrow function body")
				}
			case *ast.ExpressionBody:
				seq, ok := body.Expression.(*ast.SequenceExpression)
				if !ok || len(seq.Sequence) < 2 {
					fail(n, "arrow function body")
				} else if _, ok := isCallTo(seq.Sequence[0], fuelFn); !ok {
					fail(n, "arrow function body")
				}
			}
		case *ast.ClassStaticBlock:
			if !startsWithFuel(n.Block.List) {
				fail(n, "static block")
			}
		case *ast.FieldDefinition:
			if !n.Static {
				seq, ok := n.Initializer.(*ast.SequenceExpression)
				if !ok || len(seq.Sequence) != 2 {
					fail(n, "instance field")
				} else if _, ok := isCallTo(seq.Sequence[0], fuelFn); !ok {
					fail(n, "instance field")
				}
			}
		case *ast.ForStatement:
			loopBody(n, n.Body)
		case *ast.ForInStatement:
			loopBody(n, n.Body)
		case *ast.ForOfStatement:
			loopBody(n, n.Body)
		case *ast.WhileStatement:
			loopBody(n, n.Body)
		case *ast.DoWhileStatement:
			loopBody(n, n.Body)
		case *ast.BinaryExpression:
			if n.Operator == token.PLUS && !(constant(n.Left) && constant(n.Right)) && !isCheckArg(parent) {
				fail(n, "string concatenation")
			}
		case *ast.AssignExpression:
			if n.Operator == token.PLUS && !isCheckArg(parent) {
				fail(n, "+=")
			}
		case *ast.TemplateLiteral:
			if n.Tag == nil && len(n.Expressions) > 0 && !isCheckArg(parent) {
				fail(n, "template literal")
			}
		}
		// Operands that convert strings, and variables that ++, -- and
		// compound assignments convert.
		if _, ok := updatedVariable(n); ok {
			seq, ok := parent.(*ast.SequenceExpression)
			if !ok {
				fail(n, "updated variable")
			} else if u, ok := isUpdateSequence(seq); !ok || u != n {
				fail(n, "updated variable")
			}
		}
		if t, ok := updatedMember(n); ok {
			if _, ok := unwrapMember(t); !ok {
				fail(n, "updated property")
			}
		}
		for _, e := range checkedOperands(n) {
			fn, guard := operandFn, isOperandGuard
			if numberHint(n) {
				fn, guard = numberFn, isNumberGuard
			}
			if _, ok := guard(e); ok {
				continue
			}
			if call, ok := isCallTo(e, fn); !ok || len(call.ArgumentList) == 0 {
				fail(e, "operand")
			}
		}
		if e, ok := n.(ast.Expression); ok {
			if _, ok := isOperandGuard(e); ok {
				return false // the inserted check itself
			}
			if _, ok := isNumberGuard(e); ok {
				return false
			}
		}
		return err == nil
	})
	return err
}

func isCheckArg(parent ast.Node) bool {
	call, ok := parent.(*ast.CallExpression)
	if !ok {
		return false
	}
	_, ok = isCallTo(call, checkFn)
	return ok && len(call.ArgumentList) == 1
}
