package script

import (
	"reflect"

	"github.com/dop251/goja/ast"
)

// The walkers here are reflective on purpose: they visit every node goja's
// parser produces, including node types this package never names, so a
// construct the instrumenter does not know about is still seen by the static
// checks and the verifier.

var nodeType = reflect.TypeOf((*ast.Node)(nil)).Elem()

// skippedFields hold copies of nodes found elsewhere in the tree (hoisting
// lists) or no nodes at all.
var skippedFields = map[string]bool{"DeclarationList": true, "File": true}

// children calls fn for each direct child node of n, in field order.
func children(n ast.Node, fn func(c ast.Node, field string)) {
	v := reflect.ValueOf(n)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	v = v.Elem()
	if v.Kind() != reflect.Struct {
		return
	}
	t := v.Type()
	for i := 0; i < v.NumField(); i++ {
		name := t.Field(i).Name
		if skippedFields[name] {
			continue
		}
		eachNode(v.Field(i), func(c ast.Node) { fn(c, name) })
	}
}

func eachNode(f reflect.Value, fn func(ast.Node)) {
	switch f.Kind() {
	case reflect.Interface, reflect.Pointer:
		if f.IsNil() {
			return
		}
		if f.Type().Implements(nodeType) {
			fn(f.Interface().(ast.Node))
			return
		}
		if f.Kind() == reflect.Interface {
			eachNode(f.Elem(), fn)
		}
	case reflect.Slice:
		for j := 0; j < f.Len(); j++ {
			eachNode(f.Index(j), fn)
		}
	case reflect.Struct:
		if f.CanAddr() && f.Addr().Type().Implements(nodeType) {
			fn(f.Addr().Interface().(ast.Node))
		}
	}
}

// walkAST visits n and its descendants depth first, parents before children.
// fn returns false to skip a node's children.
func walkAST(n ast.Node, parent ast.Node, field string, fn func(n, parent ast.Node, field string) bool) {
	if !fn(n, parent, field) {
		return
	}
	children(n, func(c ast.Node, f string) { walkAST(c, n, f, fn) })
}

// isCallTo reports whether e is a call of the identifier name.
func isCallTo(e ast.Expression, name string) (*ast.CallExpression, bool) {
	call, ok := e.(*ast.CallExpression)
	if !ok {
		return nil, false
	}
	id, ok := call.Callee.(*ast.Identifier)
	return call, ok && string(id.Name) == name
}

// isFuelStatement reports whether s is an inserted `__bv_f(n);`.
func isFuelStatement(s ast.Statement) bool {
	es, ok := s.(*ast.ExpressionStatement)
	if !ok {
		return false
	}
	call, ok := isCallTo(es.Expression, fuelFn)
	if !ok || len(call.ArgumentList) != 1 {
		return false
	}
	_, ok = call.ArgumentList[0].(*ast.NumberLiteral)
	return ok
}
