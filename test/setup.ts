// Loaded by mocha in every worker before the tests (.mocharc.json "require"): the same quiet AWS SDK the CLI runs with.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
