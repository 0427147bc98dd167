#!/usr/bin/env node
// Compiled by `npm ci` (the `prepare` script): no TypeScript loader at run time.
"use strict";
// The AWS SDK's notice about its future Node.js support is for whoever picks the runtime, not for
// every rollback; keep the CLI's output clean unless the user asked otherwise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// Compiled code is kept between runs (the EC2 client alone is 2 MB of JavaScript to compile at every
// start): Node's own cache where it has one (≥ 22.1), else v8-compile-cache, in the user's cache folder.
// Not for what answers at once (help, version, completion): reading the cache costs more than it saves there.
const argv = process.argv.slice(2);
const light = !argv.length || ["help", "completion"].includes(argv[0]) || argv.some((a) => ["-h", "--help", "-V", "--version"].includes(a));
if (!light) {
  const Module = require("module");
  // One folder per Node (V8) version and processor: a cache of another is of no use.
  const dir = require("path").join(require("../dist/automation/adapters/cacheDir.js").cacheDir(), `v8-${process.versions.v8}-${process.arch}`);
  if (typeof Module.enableCompileCache === "function") Module.enableCompileCache(dir);
  else {
    process.env.V8_COMPILE_CACHE_CACHE_DIR ??= dir;
    require("v8-compile-cache");
  }
}
// Output that cannot be written — a closed pipe (`| head -1`, EPIPE), a terminal that hung up (EIO) —
// must never kill a change half-way: it is dropped, and the change goes on to a consistent end.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
/** Resolves when everything written so far has left (a pipe is written asynchronously). */
const drained = (stream) => new Promise((resolve) => (stream.writableLength === 0 || stream.destroyed ? resolve() : stream.write("", () => resolve())));
require("../dist/automation/cli/main.js")
  .run(process.argv.slice(2))
  .then(async (code) => {
    await Promise.all([drained(process.stdout), drained(process.stderr)]);
    process.exit(code);
  });
