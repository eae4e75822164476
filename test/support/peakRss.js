// Preloaded into a child (`node -r test/support/peakRss.js ...`): prints the process's own peak RSS (VmHWM) on stderr
// at exit, so a test can check memory of the command as users run it without changing the command.
'use strict';
const fs = require('node:fs');
process.on('exit', () => {
  let kb = process.resourceUsage().maxRSS;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) kb = Number(m[1]);
  } catch {
    // not Linux: resourceUsage
  }
  fs.writeSync(2, `\npeak-rss-kb=${kb}\n`);
});
