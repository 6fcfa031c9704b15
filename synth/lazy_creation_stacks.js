"use strict";
/*
 * Preloaded into the jsii Node process by synth/runtime.py (NODE_OPTIONS --require).
 *
 * Why: cdktf records where every token was created (lib/tokens/private/stack-trace.js): each resource
 * attribute read, Lazy and expression captures a full JavaScript stack and formats it into lines at once,
 * ~0.5 s of a `main.py --all`. The lines are read only when an error message shows them (and under jsii
 * they name kernel frames, not the Python caller). Here the stack is captured exactly as before, but
 * formatted into the same lines only when something first reads the array; the array behaves as the
 * stock one (length, join, indexing, iteration, JSON). Any other layout of the module: it runs as
 * shipped, with a warning on stderr.
 */
const Module = require("module");
const path = require("path");

const STACK_TRACE_SUFFIX = path.join("node_modules", "cdktf", "lib", "tokens", "private", "stack-trace.js");

/** The stock module's formatting of a captured `stack` into lines, done once, on first use. */
function linesOf(stack) {
  if (!stack) return [];
  return stack
    .split("\n")
    .slice(1)
    .map((s) => s.replace(/^\s*at\s+/, ""));
}

function deferredLines(holder) {
  let formatted = false;
  const lines = [];
  const ready = () => {
    if (!formatted) {
      formatted = true;
      lines.push(...linesOf(holder.stack));
    }
    return lines;
  };
  return new Proxy(lines, {
    get: (target, key) => Reflect.get(ready(), key),
    has: (target, key) => Reflect.has(ready(), key),
    ownKeys: () => Reflect.ownKeys(ready()),
    getOwnPropertyDescriptor: (target, key) => Reflect.getOwnPropertyDescriptor(ready(), key),
    set: (target, key, value) => Reflect.set(ready(), key, value),
    deleteProperty: (target, key) => Reflect.deleteProperty(ready(), key),
    defineProperty: (target, key, descriptor) => Reflect.defineProperty(ready(), key, descriptor),
  });
}

function captureStackTraceDeferred(below) {
  const holder = {};
  const previousLimit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = Number.MAX_SAFE_INTEGER;
    Error.captureStackTrace(holder, below || captureStackTraceDeferred);
  } finally {
    Error.stackTraceLimit = previousLimit;
  }
  return deferredLines(holder);
}

const stockCompile = Module.prototype._compile;
Module.prototype._compile = function compile(content, filename) {
  const result = stockCompile.call(this, content, filename);
  if (typeof filename === "string" && filename.endsWith(path.sep + STACK_TRACE_SUFFIX)) {
    const names = Object.keys(this.exports);
    if (names.length === 1 && typeof this.exports.captureStackTrace === "function") {
      this.exports.captureStackTrace = captureStackTraceDeferred;
    } else {
      process.stderr.write(`warning: deferred creation stacks disabled (slower): ${filename} exports ` +
                           `${JSON.stringify(names)}, expected only captureStackTrace\n`);
    }
  }
  return result;
};

module.exports = { captureStackTraceDeferred, linesOf };
