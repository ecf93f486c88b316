package script

import "time"

// Consensus limits. Every node must use the same values: changing one changes
// which writes are valid, so it is a protocol change.
const (
	// MaxScriptSize is the largest access.js Compile accepts, in bytes.
	MaxScriptSize = 64 << 10

	// MaxScriptNodes and MaxScriptDepth bound the syntax tree Compile
	// accepts: goja's compiler takes time in proportion to nodes times depth.
	MaxScriptNodes = 10_000
	MaxScriptDepth = 64

	// FuelPerWrite is the fuel budget of one validation (see doc.go).
	FuelPerWrite = 1_000_000

	// MaxKeySize and MaxValueSize bound the write a script sees. Larger
	// values are blobs and are not handed to scripts.
	MaxKeySize   = 1 << 10
	MaxValueSize = 64 << 10

	// MaxStringLength caps every string a script can create, in UTF-16
	// code units (what String.prototype.length counts).
	MaxStringLength = 1 << 18

	// MaxArrayLength caps the length of arrays that built-ins create or
	// operate on, and the argument lists of apply/construct.
	MaxArrayLength = 100_000

	// MaxBufferBytes caps ArrayBuffer and typed-array allocations.
	MaxBufferBytes = 1 << 20

	// MaxCallDepth is the deepest JavaScript call stack a script may build.
	MaxCallDepth = 256

	// MaxNestingDepth caps the nesting that recursive built-ins walk
	// (JSON.stringify, JSON.parse, Array.prototype.join/flat, bind chains).
	MaxNestingDepth = 64

	// MaxLedgerQueries caps ctx.balance/paid/owner calls per validation.
	MaxLedgerQueries = 256
)

// Fuel prices (see the table in doc.go). Fuel is meant to bound time: the
// prices are set so that no script can make one unit of fuel take much more
// than ~150 ns on the reference machine (BenchmarkFuelCalibration).
const (
	fuelPerNode        = 1    // per AST node of a function body or loop iteration, each time it runs
	fuelPerBuiltin     = 1    // every metered built-in call
	fuelPerElement     = 1    // per array element a built-in visits or creates
	fuelPerJoined      = 2    // per element join and toLocaleString convert
	fuelPerKey         = 4    // per property a built-in lists (Object.keys, ...)
	fuelPerJSONValue   = 8    // per value JSON.stringify writes
	fuelPerIterStep    = 16   // every step of a built-in iterator (spread, for-of, Array.from, ...)
	fuelPerPromise     = 32   // every then/catch/finally/resolve/reject: a promise and a job
	fuelPerLedgerQuery = 1000 // ctx.balance, ctx.paid, ctx.ownerOf
	fuelPerMatch       = 4    // per match replace, replaceAll and split count before they run
	fuelPerNormalized  = 2    // per character String.prototype.normalize converts

	rateCopy   = 128 // string characters copied (concatenation, repeat, pad, slice, join output)
	rateScan   = 32  // string characters searched (indexOf, includes, split, replace)
	rateParse  = 8   // characters parsed or transformed (JSON.parse, numbers, case, normalize)
	rateURI    = 2   // characters percent-encoded or decoded
	rateBuffer = 64  // bytes of buffers allocated or typed-array elements touched

	// rateOperand is the shortest string an operator's operand check
	// charges for (at rateParse): shorter ones cost what the node costs.
	rateOperand = 64
)

// Extra weights of AST nodes that allocate or do several steps' work, on
// top of fuelPerNode.
const (
	weightObject    = 8  // object literal
	weightArray     = 8  // array literal
	weightClosure   = 8  // function or arrow expression (a closure is created)
	weightClass     = 32 // class definition, plus weightClosure per member
	weightNew       = 8  // new
	weightCall      = 1  // call
	weightMember    = 1  // property access (walks the prototype chain)
	weightConcat    = 2  // a checked + or template (a host call)
	weightOperand   = 2  // a checked operand of a converting operator (a host call)
	weightUpdate    = 8  // ++, -- or op= on a property (a host call, a wrapper, a get and a set from Go)
	weightThrow     = 8  // throw (captures a stack)
	weightTry       = 2  // try
	weightTemplate  = 2  // template literal
	weightForIn     = 4  // for-in setup (collects the keys)
	weightArguments = 8  // a function that uses arguments, per call
	weightAwait     = 32 // await (a promise job)
	weightYield     = 8  // yield (a generator resumption)
)

// Isolation limits of the worker pool. They are guards, not consensus rules:
// fuel and the caps above end every script long before them (see doc.go).
const (
	// WallClockGuard is how long a worker may run one validation before it is
	// killed and replaced; time spent answering ledger queries does not count.
	WallClockGuard = time.Second

	// WorkerMemorySoft is the Go heap target of a worker (debug.SetMemoryLimit).
	WorkerMemorySoft = 512 << 20

	// WorkerHeadroom is how far a worker's address space may grow past its
	// size at start before the kernel refuses memory (RLIMIT_AS): the hard
	// stop. Fuel and the caps bound a script to a few hundred MiB.
	WorkerHeadroom = 2 << 30
)

// workerHeadroomEnv lowers WorkerHeadroom (in MiB) for tests of the hard stop.
const workerHeadroomEnv = "BITVERSE_SCRIPT_WORKER_HEADROOM_MB"
