// Package script runs keyspace access scripts (access.js): JavaScript
// written by strangers and executed as consensus code. Every node must reach
// the same verdict, with the same fuel, for the same script and write, and no
// script may crash, hang or exhaust the node that runs it.
//
// # Pieces
//
//	access.js ──Compile──▶ *Program ──Runner.Validate(write, ctx, ledger)──▶ Verdict
//	              │                    │
//	              │ size cap, parse,   ├─ NewInProcess: hardened goja runtimes in
//	              │ strict mode,       │  this process (trusted scripts, tests)
//	              │ forbidden names,   └─ NewPool: worker processes (this binary,
//	              │ instrument,           re-executed), memory-limited, killed
//	              │ verify, compile       and replaced when they overrun
//
// Compile (compile.go) refuses what the sandbox will not run, then
// instruments the source (instrument.go): it parses it with goja's parser,
// finds exact source ranges (extent.go, with a small tokenizer, lex.go, for
// the grouping parentheses goja's AST drops) and splices in calls:
//
//	__bv_f(n)  at the start of every function body, static block, instance
//	           field initializer and loop iteration: charge n units of fuel,
//	           n being the AST nodes of that body (weighted, see below);
//	__bv_c(v)  around every + and += and every template literal: a string
//	           longer than MaxStringLength ends the script, and long results
//	           cost fuel in proportion to their length;
//	__bv_o(v)  around every operand an operator may convert or compare in
//	           time proportional to a string's length (a - b, a < b, -a,
//	           o[k], case k, ...; operands.go): long strings cost fuel at the
//	           parsing rate. A variable operand, where no line can join the
//	           one before, is checked inline and calls __bv_o only for a
//	           long string (operands.go);
//	__bv_n(v)  instead of __bv_o around an operand converted to a number
//	           (arithmetic, bitwise, relational, unary -, + and ~, the e of
//	           x -= e): a primitive is charged there; an object is handed
//	           to the operator as a stand-in whose Symbol.toPrimitive
//	           converts it (ToPrimitive, hint "number": Symbol.toPrimitive,
//	           else valueOf, then toString) and charges the primitive when
//	           the operator converts it, so user conversions run once, in
//	           the language's order (o - f() calls f first), and a long
//	           string they return costs fuel;
//	__bv_p(x)  before ++ or -- of a variable that does not hold a number:
//	           x++ becomes (typeof x === "number" || (x = __bv_p(x)), x++),
//	           which stores x's primitive (ToPrimitive, hint "number",
//	           charged) in x first, so the update converts a primitive
//	           already paid for and valueOf runs once (written __bv_o((...))
//	           where "(" could join the line before). x -= e on a variable
//	           is written out: x = __bv_n(x) - (e);
//	__bv_u(o)  at the base of every property that ++, -- or a compound
//	           arithmetic assignment converts: o.p++ becomes
//	           __bv_u(o).p++ and o[k] -= e becomes __bv_u(o, (k))[__bv_k()]
//	           -= e; the ref it returns reads the property once, as the
//	           operator would, and hands on what it read like __bv_n
//	           (updates.go). Such updates of private fields and super
//	           properties are refused at compile time.
//
// The metering functions are frozen (a script reaches them through the
// factory's arguments), and so are the stand-ins' prototype and method.
//
// The instrumented source is re-parsed and checked (verify.go): with the
// inserted calls removed it must print the same canonical tree as the
// original, and the calls must be everywhere they belong. A mistake in the
// splicing can therefore only refuse a script, never run one unmetered. The
// result is wrapped in a factory function that receives the metering
// functions, runs the script's top level and returns its validate.
//
// A sandbox (sandbox.go, harden.go) is a goja runtime hardened once:
// eval, the Function constructors (also as .constructor of every kind of
// function), Date, RegExp, Proxy, BigInt and GoError are gone; Math.random is
// a generator seeded from the script and the write; every built-in that
// loops or allocates in proportion to its input is replaced by a metered
// version (builtins*.go, json.go) that caps and charges; then every object
// reachable from the global object and the hidden intrinsics is frozen. A
// sandbox is reused for up to 10,000 validations that end normally (a
// return or a throw): each call runs the script's top level afresh and
// everything shared is frozen, so one call cannot see another (prototype
// pollution fails with a TypeError). A call that ends any other way (fuel, a
// cap, the call depth, a guard) retires its runtime: goja does not always
// restore its state when such an ending unwinds its job queue.
//
// # Script API
//
//	function validate(write, ctx) { ... return true; }
//
//	write.key         the full key, e.g. "erik/blog/alice/hello"
//	write.value       the value as text (UTF-8; each invalid byte becomes U+FFFD)
//	write.bytes       the value as a Uint8Array (a copy)
//	write.size        the value's length in bytes
//	write.signer      the signer's address
//	write.prev        the key's current value as text, or null
//	write.prevExists  whether the key has a value
//	ctx.keyspace      the keyspace whose script runs, e.g. "erik/blog"
//	ctx.owner         its owner's address
//	ctx.height        block height; ctx.time block time (unix ms); ctx.chain "/", "01", ...
//	ctx.balance(addr)     the address's root balance in base units
//	ctx.paid(from, to)    the total ever transferred from → to
//	ctx.ownerOf(keyspace) the owner of a (sub-)keyspace, or null
//
// ctx.owner is the address, so the owner query is named ownerOf. Amounts are
// numbers: exact up to 2^53 base units, the nearest double above. The ledger
// functions take address and keyspace strings only (anything else is a
// TypeError), cost 1,000 fuel each and at most 256 may be made per write.
//
// A write is allowed only if validate returns exactly true. Anything else
// is a refusal whose Reason is shown to the writer: a thrown string is the
// reason itself, an Error gives its message (prefixed by its name unless it
// is a plain Error), other values are described ("the script threw the
// number 42", `the script threw {"code": 3}`), and a returned value is
// described too. Reasons are cleaned of control characters and cut to 300
// bytes. Scripts run in strict mode; at the top level `this` is undefined.
//
// # Determinism
//
// The verdict, the reason and the fuel depend only on the script, the write,
// the context and the ledger's answers: fuel is counted in the script's own
// steps, never in time; there is no clock, no I/O and no randomness but
// Math.random, seeded with SHA-256 of the script, the write and the context.
// Nothing a script reaches is a Go object: values are plain JavaScript, the
// host functions are the three ledger queries and the metered built-ins.
// Tests check this for every hostile and example script: 100 runs each,
// in-process and in workers, under GOMAXPROCS 1 and 2 (make test-long; the
// fast suite runs each light case twice in each configuration and each
// heavy one once, in one of them: see determinismPlan).
//
// goja itself is part of consensus: nodes must run the same goja version
// (pinned in go.mod) built for the same architecture family, because Go may
// compute transcendental Math functions differently on other CPUs.
//
// # Fuel
//
// Each write has FuelPerWrite = 1,000,000 units. Fuel is meant to bound
// time, so prices follow goja's measured costs (BenchmarkFuelCalibration):
// a full budget is about 30 ms of plain arithmetic loops and at most about
// 0.1-0.3 s of the costliest mixes found, well under the one-second guard.
//
//	what                                              fuel
//	entering a function body or loop iteration        1 per AST node in it, plus:
//	  object literal / array literal                  +8 / +8
//	  function or arrow created / class defined       +8 / +32 (+8 per member)
//	  new / call / property access                    +8 / +1 / +1
//	  throw / try / template / + checked              +8 / +2 / +2 / +2
//	  for-in loop / function using `arguments`        +4 / +8 per call
//	  await / yield                                   +32 / +8
//	string produced by + or a template                1 per 128 characters
//	string operand converted or compared (a - b,      1 per 8 characters, from
//	  a < b, a === b, -a, o[k], case k, x++, x -= e,    64 characters (+2 per check,
//	  o.p++, o[k] -= e)                                 +8 per property update)
//	built-in call                                     1, plus:
//	  per array element visited or created           1 (join, toLocaleString: 2)
//	  per property listed (Object.keys, ...)         4
//	  per value written by JSON.stringify            8
//	  per step of a built-in iterator (spread, ...)  16
//	  string copied (repeat, pad, slice, join, ...)  1 per 128 characters
//	  string searched (indexOf, split, replace, ...) 1 per 32 characters
//	  string parsed/transformed (JSON.parse, case,   1 per 8 characters
//	    parseFloat, Number(...))
//	  normalize                                      2 per character
//	  match counted (replace, replaceAll, split)     4
//	  long strings compared by the default sort      1 per 32 characters
//	  URI encoded/decoded                            1 per 2 characters
//	  buffer or typed-array bytes allocated/touched  1 per 64 bytes
//	  sort                                           n·log2(n) (x2 without comparator)
//	  promise then/catch/finally/resolve/all/...     32
//	ledger query                                      1,000
//
// When fuel runs out the script ends at once: the meter interrupts the
// runtime, so not even a catch or finally block runs again. Promise jobs a
// script schedules run after validate returns and before the verdict, on
// the same budget: returning true and then looping in a job is out of fuel.
//
// # Caps
//
//	MaxScriptSize     64 KiB of source        MaxCallDepth      256 calls
//	MaxStringLength   262,144 UTF-16 units    MaxNestingDepth   64 (join, JSON, flat,
//	MaxArrayLength    100,000 elements                          bind chains, prototypes)
//	MaxBufferBytes    1 MiB                   MaxLedgerQueries  256
//	MaxKeySize        1 KiB                   MaxValueSize      64 KiB
//	MaxScriptNodes    10,000 syntax nodes     MaxScriptDepth    64 levels of nesting
//
// Compile refuses a script over MaxScriptNodes or MaxScriptDepth
// (ErrTooComplex) before goja compiles it: goja's compiler takes time in
// proportion to nodes times depth (32 KiB of a+a+... took seconds).
// Answers are cached by the source's hash. A Pool compiles in its workers
// (Compiler, poolcompile.go): the size, syntax and the caps are checked in
// the calling process, goja's compiler runs only in a worker, under the
// guard and the worker's limits, which answers ok or the refusal; the
// linear stages (static checks, instrumentation, verification) then run in
// the caller, which never runs code a worker wrote. A worker that fails is
// no answer (ErrWorker), and nothing is cached (TestPoolCompilesInWorkers).
//
// A built-in that would exceed a cap ends the script (CodeLimit) before it
// allocates. Arrays a script grows by assignment (a[1e9] = 1) may be longer,
// but every built-in that walks one checks its length first, and the
// built-in iterators charge every step.
//
// # Regular expressions
//
// Regular expressions cannot be bounded: goja's regexp2 ignores Interrupt,
// and a match that hits its timeout silently returns false. So there are
// none: a regex literal or a mention of RegExp is a compile error
// ("regular expressions are not allowed in access scripts"), the RegExp
// constructor is removed, and String.prototype.match, matchAll and search,
// which would build one from a string, throw a TypeError with the same
// sentence unless given an object with its own Symbol.match/matchAll/search
// method. replace, replaceAll and split take plain strings.
//
// # Isolation
//
// goja has no memory limit ('x'.repeat(2**40) kills the process) and
// built-ins ignore Interrupt (new Array(5e7).fill(0) runs for 30 s). The caps
// stop both; the pool is the boundary for whatever gets past them. A worker
// is this executable started with BITVERSE_SCRIPT_WORKER set: MaybeRunWorker
// (first thing in main, and in TestMain) turns it into a server of
// length-prefixed frames on stdin/stdout (protocol.go). Before serving it
// sets debug.SetMemoryLimit(512 MiB), a 256 MiB goroutine stack cap and, on
// Linux, once ready, RLIMIT_AS at its size then plus 2 GiB, then drops what
// it may do (restrictWorkerProcess): no_new_privs, a seccomp filter (amd64,
// arm64) under which opening or changing files, executing programs, making
// sockets, tracing, namespaces, keys, BPF and io_uring fail with EPERM, and
// where the binary has no cgo, a Landlock ruleset that denies the
// filesystem (and TCP, abstract sockets and signals on newer kernels). A
// worker starts with an empty environment except the Go runtime's knobs
// (workerPassEnv: never BITVERSE_PASSPHRASE), and with stdin, stdout and
// stderr as its only descriptors (the parent marks whatever it inherited
// close-on-exec). What remains: a worker can read and write its pipes and
// memory, make any system call off the deny list (kill among them), and
// read the cgroup CPU-quota files its Go runtime opened before the filter;
// other architectures get no filter, and outside Linux only the
// environment is cleaned (TestWorkerHoldsNoSecrets,
// TestWorkerCannotReadFiles). Ledger queries are sent back to the parent
// and answered there, by the goroutine that called Validate. The parent
// kills a worker that computes for more than one second (CPU time where Linux reports it, so a busy machine does not make a script
// "too slow"; time spent answering ledger queries does not count) and
// replaces any worker that dies; the caller gets a verdict, never a crash.
// The in-process runner interrupts a script after one second of its
// thread's CPU time (Linux; wall time elsewhere).
//
// Verdicts from these guards (CodeTooSlow, CodeOutOfMemory, CodeCrashed)
// are not reproducible bit for bit across machines: Code.Deterministic
// reports false for them. A node validating a block should treat them as
// "could not decide" and retry with more room, not as proof of an invalid
// block (node/chain keeps such a block as a candidate and stays on its old
// tip); mempool admission may simply refuse the write. TestVerdictsUnderLoad
// checks that two busy processes do not change any verdict.
//
// # Lanes: block validation first
//
// A node validates blocks and admits transactions with the same workers,
// and peers can send transactions at will, so a Pool serves two lanes
// (lanes.go). ForBlocks (also Pool.Validate) is for connecting blocks and
// building templates; ForAdmission is for mempool admission, previews and
// re-checks. A freed worker goes to a waiting block call before any
// waiting admission check, and admission checks hold at most n-1 of the n
// workers (the only one when n is 1): with two or more workers a block
// call never waits behind admission at all, with one it waits for at most
// the admission check already running (bounded by the guard). Calls of one
// lane are served in the order they came. Lanes decides who runs first,
// never what a verdict is. node.Open splits the runner it is given with
// the Lanes interface (TestPoolBlockValidationServedBeforeQueuedAdmission,
// TestPoolReservesAWorkerForBlocks).
//
// # Known gaps
//
//   - Prototype chains built by assigning F.prototype and calling new F are
//     bounded by fuel only; property lookups walk them.
//   - Outside Linux the worker has no RLIMIT_AS, only the Go memory limit.
//   - Transforms keep the access scripts' string cap (MaxStringLength): a
//     text transform (ctx.text.decode, JSON.parse of the input) handles at
//     most 262,144 characters, though the input may be 16 MiB of bytes.
//   - A transform's per-pixel loop runs ~900× slower than the same loop in
//     Go (BenchmarkTransformBlackAndWhite1MP: ~1.3 s of CPU for 1 MP):
//     goja boxes numbers and the metering adds host calls per iteration.
//   - Subclasses of Array get plain arrays from map, filter and the like
//     (Symbol.species is not honoured); flat and flatMap always return plain
//     arrays.
//
// # Transforms
//
// A transform (transform.go) is the compute engine's script: JavaScript
// stored at a key that defines
//
//	function transform(input, ctx) { ... return output; }
//
// CompileTransform checks and instruments it as Compile does an access
// script; Pool.Transform runs it in a worker (admission lane), RunTransform
// in this process (tools, tests). input is the value as a Uint8Array; the
// output is bytes (a buffer or typed array), a string (sent as UTF-8) or
// any other value (sent as the sandbox's JSON.stringify of it). ctx holds
// key (where the transform is stored), request (the request ID in hex) and
// the host helpers of transform_host.go: ctx.image.decode (PNG/JPEG →
// {width, height, pixels: RGBA bytes}; the header is checked against
// MaxTransformPixels before any pixel is decoded), ctx.image.encodePNG,
// ctx.image.resize (box filter), ctx.image.crop, ctx.text.decode/encode
// (UTF-8); JSON is the metered global. Each helper charges for its work
// before doing it: 1 fuel per pixel decoded, 2 per pixel encoded, 1 per
// pixel read or written by resize, 1 per 16 pixels cropped, 1 per 8
// characters of text.
//
// Differences from access scripts: the budget is the caller's (0:
// DefaultTransformFuel, at most MaxTransformFuel), buffers and typed arrays
// may reach MaxTransformBuffer (64 MiB, room for the largest image), the
// input and output are bounded by MaxTransformInput and MaxTransformOutput,
// there are no ledger queries, Math.random is seeded from the program, the
// input and the context, and the guard grows with the budget (base guard
// plus 300 ns of CPU per unit of fuel). A program compiled as a transform
// is known by SHA-256("bitverse/transform/v1" 0x00 ‖ source), so one
// source compiled both ways gives two programs. Same transform, input and
// context give the same output bytes and fuel on every run, in process or
// in a worker (TestTransformDeterministicInProcessAndInWorkers); PNG
// encoding is Go's image/png, so bytes match between nodes built with the
// same Go version (go.mod's go line), as goja's are pinned. The worker protocol
// carries transforms in 'T' and 'O' frames (transform_pool.go) of up to
// MaxTransformOutput plus 64 KiB. A transform's failure is a
// *TransformError (errors.Is ErrTransform) with a Code as for verdicts.
//
// # Errors
//
// Compile returns errors wrapping ErrCompile (and ErrTooLarge for an
// oversized script, ErrTooComplex for one over the syntax caps), each a
// sentence the script's author can act on.
// Validate returns an error only for failures of the runner itself: the
// ledger's error (wrapped), the context's error, ErrClosed for a closed pool,
// ErrWorker for a worker that failed without dying. Every script outcome is
// a Verdict, with a Code saying which rule decided it.
package script
