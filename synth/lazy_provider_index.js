"use strict";
/*
 * Preloaded into the jsii Node process by synth/provider_import.py (NODE_OPTIONS --require).
 *
 * Why: @cdktf/provider-aws's lib/index.js requires all 2,135 resource modules (247 MB of JavaScript,
 * ~2.5 s per process) while a synth uses a few dozen. jsii finds a type by walking the index's exports
 * (`vpc` then `Vpc`), so when the index is nothing but `exports.<name> = require("./<dir>");` lines, it
 * is replaced by getters that require each module on first access. The modules themselves run
 * unchanged, so the synthesized JSON is identical. Any other layout: the stock index runs, with a
 * warning on stderr.
 */
const Module = require("module");
const path = require("path");

const INDEX_SUFFIX = path.join("@cdktf", "provider-aws", "lib", "index.js");
const SUBMODULE = /^exports\.([A-Za-z_$][\w$]*) = require\("(\.\/[\w.-]+)"\);$/;
const BOILERPLATE = [
  /^$/,
  /^"use strict";$/,
  /^(\/\/|\/\*|\*).*$/, // comments, including the trailing sourceMappingURL
  /^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);$/,
  /^exports\.[\w$]+ = (exports\.[\w$]+ = )*void 0;$/,
];

/** [name, relative path] per submodule, or a reason why the index is not the expected layout. */
function parseIndex(source) {
  const submodules = [];
  for (const [number, raw] of source.split("\n").entries()) {
    const line = raw.trim();
    const match = SUBMODULE.exec(line);
    if (match) {
      submodules.push([match[1], match[2]]);
    } else if (!BOILERPLATE.some((pattern) => pattern.test(line))) {
      return { reason: `line ${number + 1} is ${JSON.stringify(line.slice(0, 80))}` };
    }
  }
  return submodules.length > 0 ? { submodules } : { reason: "it requires no submodules" };
}

function defineLazyExports(module, submodules) {
  Object.defineProperty(module.exports, "__esModule", { value: true });
  for (const [name, relative] of submodules) {
    Object.defineProperty(module.exports, name, {
      configurable: true,
      enumerable: true,
      get() {
        const value = module.require(relative);
        Object.defineProperty(module.exports, name, { value, writable: true, enumerable: true, configurable: true });
        return value;
      },
    });
  }
}

const stockCompile = Module.prototype._compile;
Module.prototype._compile = function compile(content, filename) {
  if (typeof filename === "string" && filename.endsWith(path.sep + INDEX_SUFFIX)) {
    const parsed = parseIndex(content);
    if (parsed.submodules) {
      defineLazyExports(this, parsed.submodules);
      return undefined;
    }
    process.stderr.write(`warning: lazy provider index disabled, loading all of ${filename} (slower): ` +
                         `${parsed.reason}\n`);
  }
  return stockCompile.call(this, content, filename);
};
