#!/usr/bin/env node
// Runs the compiled CLI when built (npm run build), else the TypeScript source through ts-node.
const path = require('node:path');
const fs = require('node:fs');
const compiled = path.join(__dirname, '..', 'dist', 'cli.js');
if (fs.existsSync(compiled)) {
  require(compiled);
} else {
  require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
  require(path.join(__dirname, '..', 'src', 'cli.ts'));
}
