#!/usr/bin/env node
// `npm run build` step 2: tsc copies no data files; the compiled bot needs the simulator's scenarios
// (terminal demo). Usage: node scripts/copy-build-assets.js [outDir], default dist.
const fs = require('node:fs');
const path = require('node:path');
const root = path.join(__dirname, '..');
const outDir = path.resolve(root, process.argv[2] || 'dist');
fs.cpSync(path.join(root, 'src', 'simulator', 'scenarios'), path.join(outDir, 'simulator', 'scenarios'), { recursive: true });
