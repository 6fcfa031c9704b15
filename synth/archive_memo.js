"use strict";
/*
 * Preloaded into the jsii Node process by synth/runtime.py (NODE_OPTIONS --require).
 *
 * Why: cdktf zips every ARCHIVE asset by starting a new `node` process (archiveSync in
 * lib/private/fs.js, ~0.4 s each), for every function and environment that ships the same staged
 * Lambda folder (cafe-nimbus: twice per environment), and again on every synth. The zip is a function
 * of the folder's entries (names in directory order, modes, sizes, modification times, contents) and
 * of the code that zips (cdktf's version, Node's zlib): the first zip of a folder is kept, in this
 * process and in a cache folder, and written again when the same folder is archived by the same
 * code; the same bytes, without the process. A folder that differs in any of these is zipped afresh.
 *
 * The cache folder is $PLATFORM_ARCHIVE_CACHE, else $XDG_CACHE_HOME/platform-synth/archives (default
 * ~/.cache/...); PLATFORM_ARCHIVE_CACHE=off keeps zips for this process only. Entries unused for 30
 * days are removed. The cache is best effort: a folder that cannot be read or written is skipped.
 */
const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const os = require("os");
const path = require("path");

const CDKTF_FS_SUFFIX = path.join("node_modules", "cdktf", "lib", "private", "fs.js");
const UNUSED_DAYS = 30;
const inProcess = new Map(); // key -> zip bytes

function cacheFolder() {
  const configured = process.env.PLATFORM_ARCHIVE_CACHE;
  if (configured === "off") return null;
  if (configured) return configured;
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "platform-synth", "archives");
}

/** Entries in the order the zip walks them (fs.readdir's), with what the zip records of each. */
function listing(folder) {
  const entries = [];
  const walk = (relative) => {
    const stat = fs.statSync(path.join(folder, relative));
    entries.push(`${relative}:${stat.mode}:${stat.size}:${stat.mtimeMs}`);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(path.join(folder, relative))) walk(path.join(relative, name));
    }
  };
  walk(".");
  return entries.join("\n");
}

function readCached(folder, key) {
  if (folder === null) return undefined;
  const file = path.join(folder, `${key}.zip`);
  try {
    const zip = fs.readFileSync(file);
    const now = new Date();
    fs.utimesSync(file, now, now); // still in use
    return zip;
  } catch {
    return undefined;
  }
}

function writeCached(folder, key, zip) {
  if (folder === null) return;
  try {
    fs.mkdirSync(folder, { recursive: true });
    const partial = path.join(folder, `${key}.zip.${process.pid}.partial`);
    fs.writeFileSync(partial, zip);
    fs.renameSync(partial, path.join(folder, `${key}.zip`));
    const oldest = Date.now() - UNUSED_DAYS * 24 * 3600 * 1000;
    for (const name of fs.readdirSync(folder)) {
      const entry = path.join(folder, name);
      if (fs.statSync(entry).mtimeMs < oldest) fs.rmSync(entry, { force: true });
    }
  } catch {
    // best effort: the zip is in place at `dest` either way
  }
}

function memoizedArchiveSync(archiveSync, hashPath, zipCode) {
  return function archiveSyncOncePerContent(src, dest) {
    const key = crypto.createHash("sha256").update(`${zipCode}\n${hashPath(src)}\n${listing(src)}`).digest("hex");
    const folder = cacheFolder();
    let zip = inProcess.get(key) ?? readCached(folder, key);
    if (zip === undefined) {
      archiveSync(src, dest);
      zip = fs.readFileSync(dest);
      writeCached(folder, key, zip);
    } else {
      fs.writeFileSync(dest, zip);
    }
    inProcess.set(key, zip);
  };
}

const stockCompile = Module.prototype._compile;
Module.prototype._compile = function compile(content, filename) {
  const result = stockCompile.call(this, content, filename);
  if (typeof filename === "string" && filename.endsWith(path.sep + CDKTF_FS_SUFFIX)) {
    const { archiveSync, hashPath } = this.exports;
    if (typeof archiveSync === "function" && typeof hashPath === "function") {
      const cdktf = this.require(path.join(path.dirname(filename), "..", "..", "package.json"));
      const zipCode = `cdktf ${cdktf.version} node ${process.versions.node} zlib ${process.versions.zlib}`;
      this.exports.archiveSync = memoizedArchiveSync(archiveSync, hashPath, zipCode);
    }
  }
  return result;
};
