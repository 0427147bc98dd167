#!/usr/bin/env node
// Compiled by `npm ci` (the `prepare` script): no TypeScript loader at run time.
"use strict";
require("../dist/automation/cli/main.js")
  .run(process.argv.slice(2))
  .then((code) => process.exit(code));
