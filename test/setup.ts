// Loaded by mocha before the tests (.mocharc.json "file"): the same quiet AWS SDK the CLI runs with.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
