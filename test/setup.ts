// Loaded by mocha in every worker before the tests (.mocharc.json "require"): the same quiet AWS SDK the CLI runs with.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// The Pulumi CLI's version is cached per installed executable (pulumiCli.ts): in a folder of this run, not the user's.
process.env.XDG_CACHE_HOME ??= require("fs").mkdtempSync(require("path").join(require("os").tmpdir(), "ec2rb-cache-"));
