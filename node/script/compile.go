package script

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/file"
	"github.com/dop251/goja/parser"
)

// Program is a compiled, instrumented access script. It is immutable and
// safe to share between goroutines and runners.
type Program struct {
	hash   [32]byte
	source string // the instrumented factory source, what workers compile
	// prog is goja's compiled factory: set by Compile; for a program a
	// Pool compiled in a worker it is compiled here only if this process
	// runs it (an in-process runner), once.
	once    sync.Once
	prog    *goja.Program
	progErr error
}

// compiled returns goja's compiled factory.
func (p *Program) compiled() (*goja.Program, error) {
	p.once.Do(func() {
		if p.prog == nil {
			p.prog, p.progErr = compileFactory(p.source)
		}
	})
	return p.prog, p.progErr
}

// Hash is the SHA-256 of the original script source (for a transform, of
// the source after the tag "bitverse/transform/v1" 0x00: see programHash).
func (p *Program) Hash() [32]byte { return p.hash }

// scriptName is the file name scripts see in stack traces.
const scriptName = "access.js"

// forbidden names a script may not mention, with the reason shown to its
// author. The sandbox removes them at run time too; refusing them here turns
// a puzzling ReferenceError into a clear compile error.
var forbidden = map[string]string{
	"eval":     "eval is not available in access scripts",
	"Function": "the Function constructor is not available in access scripts",
	"Date":     "Date is not available in access scripts; use ctx.time (the block time in unix milliseconds)",
	"RegExp":   "regular expressions are not allowed in access scripts",
	"Proxy":    "Proxy is not available in access scripts",
	"BigInt":   "BigInt is not available in access scripts",
	"require":  "require is not available in access scripts: a script is a single file",
	"GoError":  "GoError is not available in access scripts",
}

// Compile checks an access script and prepares it to run: size cap, syntax,
// the caps on syntax nodes and nesting (MaxScriptNodes, MaxScriptDepth),
// strict mode, forbidden constructs, then fuel instrumentation, whose
// result is verified before it is compiled. Answers are cached by the
// source's SHA-256, so a script offered again costs a hash. Every error
// wraps ErrCompile and reads as a sentence the script's author can act on.
func Compile(src []byte) (*Program, error) {
	if len(src) > MaxScriptSize {
		return nil, fmt.Errorf("%w: %w: %d bytes, the limit is %d", ErrCompile, ErrTooLarge, len(src), MaxScriptSize)
	}
	h := sha256.Sum256(src)
	if r, ok := compiled.get(h); ok {
		return r.p, r.err
	}
	p, err := compile(src)
	compiled.put(h, p, err)
	return p, err
}

// compiled caches Compile's answers by the SHA-256 of the source: every
// transaction that offers a script, and every node that sees it, compiles
// the same few scripts again and again.
var compiled = &compileCache{m: map[[32]byte]compileResult{}}

// maxCompiled bounds the cache; a Program holds its instrumented source
// and goja's compiled form, a few times the source size.
const maxCompiled = 256

type compileResult struct {
	p   *Program
	err error
}

type compileCache struct {
	mu    sync.Mutex
	m     map[[32]byte]compileResult
	order [][32]byte // oldest first
}

func (c *compileCache) get(h [32]byte) (compileResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[h]
	return r, ok
}

func (c *compileCache) put(h [32]byte, p *Program, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[h]; ok {
		return
	}
	if len(c.order) >= maxCompiled {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[h] = compileResult{p, err}
	c.order = append(c.order, h)
}

// Compiling runs in stages, cheapest first. prepare (size, UTF-8, parse,
// the syntax caps) and instrumentFactory (static checks, instrumentation,
// verification) take time linear in the source; goja's compiler, run for
// the strict-mode early errors and for the factory, is what grows faster
// (nodes times depth). A Pool runs the whole of compile in a worker and only
// the linear stages here (Pool.Compile).

// entry is the function a compiled script hands back: validate for
// access scripts, transform for transforms (transform.go).
type entry struct {
	name      string // the function's name
	signature string // how the script must define it, for error messages
	hashTag   string // prefixed to the source in Program.hash ("" for access scripts)
}

var validateEntry = entry{name: "validate", signature: "function validate(write, ctx)"}

func compile(src []byte) (p *Program, err error) { return compileAs(src, validateEntry) }

func compileAs(src []byte, e entry) (p *Program, err error) {
	defer recoverCompile(&err)
	text, prog, err := prepareAs(src, e)
	if err != nil {
		return nil, err
	}
	// Strict-mode early errors, reported against the author's own lines.
	localGojaCompiles.Add(1)
	if _, err := goja.CompileAST(prog, true); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCompile, cleanCompileError(err))
	}
	factory, err := instrumentFactoryAs(text, prog, e)
	if err != nil {
		return nil, err
	}
	gp, err := goja.Compile(scriptName, factory, true)
	if err != nil {
		return nil, fmt.Errorf("%w: the script could not be metered (%v); please report this", ErrCompile, err)
	}
	return &Program{hash: programHash(src, e), source: factory, prog: gp}, nil
}

// recoverCompile turns a panic in a compile stage into a refusal: the
// instrumenter must never take a node down, a bug in it is a refused script.
func recoverCompile(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: the script could not be metered (%v); please report this", ErrCompile, r)
	}
}

// prepare is the cheap front of compile: UTF-8, syntax, and the caps on
// syntax nodes and nesting, before goja's compiler (quadratic in nesting
// depth: 32 KiB of a+a+... took seconds) ever sees the script.
func prepare(src []byte) (string, *ast.Program, error) { return prepareAs(src, validateEntry) }

func prepareAs(src []byte, e entry) (string, *ast.Program, error) {
	if !utf8.Valid(src) {
		return "", nil, fmt.Errorf("%w: the script is not valid UTF-8", ErrCompile)
	}
	text := string(src)
	prog, err := parse(text)
	if err == errEmptyScript {
		return "", nil, fmt.Errorf("%w: the script is empty; it must define %s", ErrCompile, e.signature)
	}
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", ErrCompile, err)
	}
	if err := checkShape(text, prog); err != nil {
		return "", nil, fmt.Errorf("%w: %w: %v", ErrCompile, ErrTooComplex, err)
	}
	return text, prog, nil
}

// instrumentFactory checks what the sandbox refuses, instruments the
// script, verifies the result and wraps it in its factory.
func instrumentFactory(text string, prog *ast.Program) (string, error) {
	return instrumentFactoryAs(text, prog, validateEntry)
}

func instrumentFactoryAs(text string, prog *ast.Program, e entry) (string, error) {
	if err := staticChecks(text, prog, e); err != nil {
		return "", fmt.Errorf("%w: %v", ErrCompile, err)
	}
	lx, err := lex(text)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrCompile, err)
	}
	body, topWeight, err := instrument(text, prog, lx)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrCompile, err)
	}
	if err := verify(prog, body); err != nil {
		return "", fmt.Errorf("%w: the script could not be metered (%v); please report this", ErrCompile, err)
	}
	return wrapFactory(body, topWeight, e.name), nil
}

// wrapFactory turns the instrumented script into a function expression that
// takes the metering functions, runs the script's top level and returns
// its entry function (validate or transform). It stays on the script's
// first line so line numbers in error messages match the author's file.
func wrapFactory(body string, topWeight int, name string) string {
	return fmt.Sprintf("(function (%s, %s, %s, %s, %s, %s, %s) {%s(%d);%s\n;return typeof %s === \"function\" ? %s : void 0;})",
		fuelFn, checkFn, operandFn, updateFn, keyFn, numberFn, primitiveFn, fuelFn, topWeight+1, body, name, name)
}

// programHash is what a Program is known by in caches and workers: the
// SHA-256 of the source, tagged for anything but an access script so that
// one source compiled both ways gives two programs.
func programHash(src []byte, e entry) [32]byte {
	if e.hashTag == "" {
		return sha256.Sum256(src)
	}
	h := sha256.New()
	h.Write([]byte(e.hashTag))
	h.Write(src)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// compileFactory compiles a factory source received from a parent process.
// The source was produced by Compile in the parent, from the same binary.
func compileFactory(source string) (*goja.Program, error) {
	localGojaCompiles.Add(1)
	return goja.Compile(scriptName, source, true)
}

var errEmptyScript = errors.New("the script is empty; it must define function validate(write, ctx)")

func parse(src string) (*ast.Program, error) {
	fs := new(file.FileSet)
	prog, err := parser.ParseFile(fs, scriptName, src, 0, parser.WithDisableSourceMaps)
	if err != nil {
		var list parser.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			return nil, fmt.Errorf("syntax error at line %d:%d: %s", list[0].Position.Line, list[0].Position.Column, list[0].Message)
		}
		return nil, fmt.Errorf("syntax error: %v", err)
	}
	if len(prog.Body) == 0 {
		return nil, errEmptyScript
	}
	return prog, nil
}

func cleanCompileError(err error) string {
	msg := err.Error()
	return strings.TrimPrefix(msg, "SyntaxError: ")
}

func verify(orig *ast.Program, body string) error {
	got, err := parse(body)
	if err != nil {
		return err
	}
	if canonical(got.Body) != canonical(orig.Body) {
		return errors.New("instrumented program differs from the original")
	}
	return checkInstrumented(got)
}

// staticChecks refuses constructs the sandbox does not run.
func staticChecks(src string, prog *ast.Program, e entry) error {
	var err error
	fail := func(n ast.Node, format string, args ...any) {
		if err == nil {
			err = fmt.Errorf("line %d: %s", lineOf(src, n.Idx0()), fmt.Sprintf(format, args...))
		}
	}
	walkAST(prog, nil, "", func(n, parent ast.Node, field string) bool {
		switch n := n.(type) {
		case *ast.RegExpLiteral:
			fail(n, "regular expressions are not allowed in access scripts")
		case *ast.NumberLiteral:
			if _, ok := n.Value.(*big.Int); ok {
				fail(n, "BigInt literals are not allowed in access scripts")
			}
		case *ast.Identifier:
			name := string(n.Name)
			if strings.HasPrefix(name, reservedPrefix) {
				fail(n, "identifiers starting with %q are reserved", reservedPrefix)
			}
			if why, ok := forbidden[name]; ok && isReference(parent, field) {
				fail(n, "%s", why)
			}
		case *ast.UnaryExpression, *ast.AssignExpression:
			// The meter routes an updated property through a call on its
			// base (updates.go); private names and super have no base value.
			if t, ok := updatedMember(n); ok {
				if p, ok := t.(*ast.PrivateDotExpression); ok {
					fail(n, "++, -- and compound assignments (-=, *=, ...) cannot change a private field (#%s) in access scripts; copy it to a variable first and assign the result back", p.Identifier.Name)
				} else if isSuperMember(t) {
					fail(n, "++, -- and compound assignments (-=, *=, ...) cannot change a super property in access scripts; copy it to a variable first and assign the result back")
				}
			}
		case *ast.DebuggerStatement:
			fail(n, "debugger statements are not allowed in access scripts")
		case *ast.WithStatement:
			fail(n, "with statements are not allowed in access scripts")
		case *ast.BadExpression, *ast.BadStatement:
			fail(n, "syntax error")
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	if !definesFunction(prog, e.name) {
		return fmt.Errorf("the script must define %s at its top level", e.signature)
	}
	return nil
}

func isSuperMember(t ast.Expression) bool {
	switch t := t.(type) {
	case *ast.DotExpression:
		_, ok := t.Left.(*ast.SuperExpression)
		return ok
	case *ast.BracketExpression:
		_, ok := t.Left.(*ast.SuperExpression)
		return ok
	}
	return false
}

// isReference reports whether an identifier in this position names a
// variable (rather than a property, label or meta property).
func isReference(parent ast.Node, field string) bool {
	switch p := parent.(type) {
	case *ast.DotExpression, *ast.PrivateDotExpression:
		return field != "Identifier" // a.b: a is a reference, b a property name
	case *ast.LabelledStatement, *ast.BranchStatement, *ast.MetaProperty, *ast.PrivateIdentifier:
		return false
	case *ast.PropertyKeyed:
		return p.Computed || field != "Key"
	case *ast.MethodDefinition:
		return p.Computed || field != "Key"
	case *ast.FieldDefinition:
		return p.Computed || field != "Key"
	}
	return true
}

func definesFunction(prog *ast.Program, name string) bool {
	for _, s := range prog.Body {
		switch s := s.(type) {
		case *ast.FunctionDeclaration:
			if s.Function.Name != nil && s.Function.Name.Name.String() == name {
				return true
			}
		case *ast.VariableStatement:
			for _, b := range s.List {
				if id, ok := b.Target.(*ast.Identifier); ok && id.Name.String() == name {
					return true
				}
			}
		case *ast.LexicalDeclaration:
			for _, b := range s.List {
				if id, ok := b.Target.(*ast.Identifier); ok && id.Name.String() == name {
					return true
				}
			}
		}
	}
	return false
}

func lineOf(src string, i file.Idx) int {
	o := off(i)
	if o < 0 {
		o = 0
	}
	if o > len(src) {
		o = len(src)
	}
	return 1 + strings.Count(src[:o], "\n")
}

// checkShape refuses a script with more than MaxScriptNodes syntax nodes or
// nested more than MaxScriptDepth levels deep: the costs of compiling grow
// with both.
func checkShape(src string, prog *ast.Program) error {
	nodes, deepest := 0, 0
	var at ast.Node
	var walk func(n ast.Node, depth int)
	walk = func(n ast.Node, depth int) {
		nodes++
		if depth > deepest {
			deepest, at = depth, n
		}
		if nodes > MaxScriptNodes || deepest > MaxScriptDepth {
			return
		}
		children(n, func(c ast.Node, _ string) { walk(c, depth+1) })
	}
	walk(prog, 0)
	switch {
	case nodes > MaxScriptNodes:
		return fmt.Errorf("the script has more than %d syntax nodes (names, operators, literals, ...); split long expressions or move data into the keyspace", MaxScriptNodes)
	case deepest > MaxScriptDepth:
		return fmt.Errorf("line %d: the script nests more than %d levels deep (a long chain like a + b + c + ... nests one level per operator); use shorter expressions", lineOf(src, at.Idx0()), MaxScriptDepth)
	}
	return nil
}
