#!/usr/bin/env node
// Compiled by `npm ci` (the `prepare` script): no TypeScript loader at run time.
"use strict";
// The AWS SDK's notice about its future Node.js support is for whoever picks the runtime, not for
// every rollback; keep the CLI's output clean unless the user asked otherwise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
require("../dist/automation/cli/main.js")
  .run(process.argv.slice(2))
  .then((code) => process.exit(code));
