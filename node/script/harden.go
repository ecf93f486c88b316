package script

import (
	"fmt"

	"github.com/dop251/goja"
)

// Hardening happens once per runtime, before any script runs, in three
// phases:
//
//  1. intrinsicsJS collects the intrinsics that have no global name
//     (iterator prototypes, %TypedArray%, generator prototypes, ...);
//  2. lockdownJS removes what scripts must not have (eval and the Function
//     constructor, Date, RegExp, Proxy, BigInt, GoError), points every
//     constructor link to a function that refuses, and wraps the
//     constructors that allocate (Array, typed arrays, ArrayBuffer, Map, Set,
//     ...) with a Go size check; then the Go side replaces the allocating and
//     looping methods with metered versions (builtins.go) and Math.random with
//     the seeded generator;
//  3. freezeJS freezes everything reachable from the global object and the
//     hidden intrinsics.
//
// The JavaScript here is trusted setup code: it runs with the originals, is
// not instrumented and leaves no reference a script could reach.

const intrinsicsJS = `(function () {
	'use strict';
	const getProto = Object.getPrototypeOf, getDesc = Object.getOwnPropertyDescriptor;
	const caller = getDesc(Function.prototype, 'caller');
	return {
		ArrayIteratorPrototype: getProto([][Symbol.iterator]()),
		StringIteratorPrototype: getProto(''[Symbol.iterator]()),
		MapIteratorPrototype: getProto(new Map()[Symbol.iterator]()),
		SetIteratorPrototype: getProto(new Set()[Symbol.iterator]()),
		IteratorPrototype: getProto(getProto([][Symbol.iterator]())),
		GeneratorFunctionPrototype: getProto(function* () {}),
		GeneratorPrototype: getProto(function* () {}).prototype,
		AsyncFunctionPrototype: getProto(async function () {}),
		TypedArray: getProto(Uint8Array),
		TypedArrayPrototype: getProto(Uint8Array.prototype),
		ThrowTypeError: caller ? caller.get : undefined,
		PromisePrototype: Promise.prototype,
	};
})()`

const lockdownJS = `(function (hooks, intr) {
	'use strict';
	const G = globalThis;
	const defineProperty = Object.defineProperty, getProto = Object.getPrototypeOf,
		setProto = Object.setPrototypeOf, ownKeys = Reflect.ownKeys,
		getDesc = Object.getOwnPropertyDescriptor, construct = Reflect.construct,
		apply = Reflect.apply;

	// Nothing may compile code at run time: the Function constructors are
	// replaced wherever they are linked from.
	const link = (o, value) => defineProperty(o, 'constructor', {value, writable: false, enumerable: false, configurable: false});
	link(Function.prototype, hooks.noFunction);
	link(intr.GeneratorFunctionPrototype, hooks.noFunction);
	link(intr.AsyncFunctionPrototype, hooks.noFunction);
	for (const name of ['eval', 'Function', 'Date', 'RegExp', 'Proxy', 'BigInt', 'GoError',
			'BigInt64Array', 'BigUint64Array', 'WeakRef', 'FinalizationRegistry', 'SharedArrayBuffer', 'Atomics']) {
		delete G[name];
	}
	for (const name of ['getBigInt64', 'getBigUint64', 'setBigInt64', 'setBigUint64']) {
		delete DataView.prototype[name];
	}

	// Constructors that allocate in proportion to their arguments are wrapped:
	// the Go check sees the arguments first and refuses or charges.
	const wrapCtor = (name, check) => {
		const orig = G[name];
		const W = function () {
			apply(check, undefined, arguments);
			if (new.target === undefined) {
				return apply(orig, undefined, arguments);
			}
			return construct(orig, arguments, new.target);
		};
		for (const key of ownKeys(orig)) {
			if (key === 'prototype' || key === Symbol.species) {
				continue;
			}
			defineProperty(W, key, getDesc(orig, key));
		}
		setProto(W, getProto(orig));
		defineProperty(W, 'prototype', {value: orig.prototype, writable: false, enumerable: false, configurable: false});
		const c = getDesc(orig.prototype, 'constructor');
		c.value = W;
		defineProperty(orig.prototype, 'constructor', c);
		defineProperty(G, name, {value: W, writable: true, enumerable: false, configurable: true});
		hooks.markNative(W, name);
	};
	wrapCtor('Array', hooks.arrayCtor);
	wrapCtor('ArrayBuffer', hooks.bufferCtor);
	for (const [name, size] of [['Int8Array', 1], ['Uint8Array', 1], ['Uint8ClampedArray', 1], ['Int16Array', 2],
			['Uint16Array', 2], ['Int32Array', 4], ['Uint32Array', 4], ['Float32Array', 4], ['Float64Array', 8]]) {
		if (G[name]) {
			wrapCtor(name, hooks.typedArrayCtor(size));
		}
	}
	for (const name of ['Map', 'Set', 'WeakMap', 'WeakSet']) {
		wrapCtor(name, hooks.collectionCtor);
	}
	wrapCtor('Number', hooks.numberCtor);
})`

const freezeJS = `(function (intr) {
	'use strict';
	const freeze = Object.freeze, getProto = Object.getPrototypeOf, ownKeys = Reflect.ownKeys,
		getDesc = Object.getOwnPropertyDescriptor;
	const seen = new Set();
	const todo = [globalThis];
	for (const key of ownKeys(intr)) {
		todo.push(intr[key]);
	}
	while (todo.length > 0) {
		const o = todo.pop();
		if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) {
			continue;
		}
		seen.add(o);
		freeze(o);
		todo.push(getProto(o));
		for (const key of ownKeys(o)) {
			const d = getDesc(o, key);
			if ('value' in d) {
				todo.push(d.value);
			} else {
				todo.push(d.get, d.set);
			}
		}
	}
	return seen.size;
})`

// helpers are originals and host functions the sandbox calls from Go.
type helpers struct {
	freeze                   goja.Callable
	getOwnPropertyDescriptor goja.Callable
	hasOwn                   goja.Callable
	keys                     goja.Callable
	isView                   goja.Callable
	has                      goja.Callable // Reflect.has: HasProperty without calling getters
	reflectGet               goja.Callable
	indexOf                  goja.Value // the original String.prototype.indexOf
	uint8Array               goja.Constructor
	makeWrite, makeCtx       goja.Callable
	origArray                goja.Value // %Array% before lockdown wrapped it
	balance, paid, ownerOf   *goja.Object
	native                   map[*goja.Object]string // JS wrappers that print as native code
	intr                     *goja.Object
	frozen                   int // objects frozen by freezeJS
}

func (sb *sandbox) callable(v goja.Value, what string) goja.Callable {
	f, ok := goja.AssertFunction(v)
	if !ok {
		panic(fmt.Sprintf("sandbox setup: %s is not a function", what))
	}
	return f
}

func (sb *sandbox) harden() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	vm := sb.vm
	intrV, err := vm.RunString(intrinsicsJS)
	if err != nil {
		return err
	}
	intr := intrV.(*goja.Object)
	object := vm.Get("Object").(*goja.Object)
	reflect := vm.Get("Reflect").(*goja.Object)
	sb.h = helpers{
		freeze:                   sb.callable(object.Get("freeze"), "Object.freeze"),
		getOwnPropertyDescriptor: sb.callable(object.Get("getOwnPropertyDescriptor"), "Object.getOwnPropertyDescriptor"),
		hasOwn:                   sb.callable(object.Get("hasOwn"), "Object.hasOwn"),
		keys:                     sb.callable(object.Get("keys"), "Object.keys"),
		isView:                   sb.callable(vm.Get("ArrayBuffer").(*goja.Object).Get("isView"), "ArrayBuffer.isView"),
		native:                   map[*goja.Object]string{},
		intr:                     intr,
	}
	sb.h.has = sb.callable(reflect.Get("has"), "Reflect.has")
	sb.h.reflectGet = sb.callable(reflect.Get("get"), "Reflect.get")
	sb.h.indexOf = sb.object(vm.Get("String")).Get("prototype").(*goja.Object).Get("indexOf")
	u8, ok := goja.AssertConstructor(vm.Get("Uint8Array"))
	if !ok {
		return fmt.Errorf("Uint8Array is not a constructor")
	}
	sb.h.uint8Array = u8

	sb.h.origArray = vm.Get("Array")
	lockdown, err := vm.RunString(lockdownJS)
	if err != nil {
		return err
	}
	if _, err := sb.callable(lockdown, "lockdown")(goja.Undefined(), sb.hooks(), intr); err != nil {
		return err
	}
	sb.installBuiltins(intr)
	sb.h.balance = sb.newFunc("balance", 1, sb.balance)
	sb.h.paid = sb.newFunc("paid", 2, sb.paid)
	sb.h.ownerOf = sb.newFunc("ownerOf", 1, sb.ownerOf)
	for _, f := range []*goja.Object{sb.h.balance, sb.h.paid, sb.h.ownerOf} {
		sb.freeze(f)
	}
	makers, err := vm.RunString(makeObjectsJS)
	if err != nil {
		return err
	}
	sb.h.makeWrite = sb.callable(makers.(*goja.Object).Get("0"), "makeWrite")
	sb.h.makeCtx = sb.callable(makers.(*goja.Object).Get("1"), "makeCtx")
	freeze, err := vm.RunString(freezeJS)
	if err != nil {
		return err
	}
	n, err := sb.callable(freeze, "freeze")(goja.Undefined(), intr)
	if err != nil {
		return err
	}
	sb.h.frozen = int(n.ToInteger())
	return nil
}

// hooks are the Go functions lockdownJS wires into the constructor wrappers.
func (sb *sandbox) hooks() *goja.Object {
	vm := sb.vm
	h := vm.NewObject()
	set := func(name string, f func(goja.FunctionCall) goja.Value) {
		_ = h.Set(name, sb.newFunc(name, 0, f))
	}
	set("noFunction", func(goja.FunctionCall) goja.Value {
		panic(vm.NewTypeError("access scripts cannot create functions from strings"))
	})
	set("markNative", func(call goja.FunctionCall) goja.Value {
		if o, ok := call.Argument(0).(*goja.Object); ok {
			sb.h.native[o] = call.Argument(1).String()
		}
		return goja.Undefined()
	})
	set("arrayCtor", sb.arrayCtorCheck)
	set("bufferCtor", sb.bufferCtorCheck)
	set("collectionCtor", sb.collectionCtorCheck)
	set("numberCtor", sb.numberCtorCheck)
	set("typedArrayCtor", func(call goja.FunctionCall) goja.Value {
		size := call.Argument(0).ToInteger()
		return sb.newFunc("check", 0, func(c goja.FunctionCall) goja.Value {
			return sb.typedArrayCtorCheck(c, size)
		})
	})
	return h
}
