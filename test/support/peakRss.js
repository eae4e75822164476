// Preloaded into a child (`node -r test/support/peakRss.js ...`): prints the process's own peak RSS (VmHWM) and CPU
// time on stderr at exit, so a test or the bench can measure the command as users run it without changing it.
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
  const cpu = process.cpuUsage();
  fs.writeSync(2, `\npeak-rss-kb=${kb} cpu-ms=${Math.round((cpu.user + cpu.system) / 1000)}\n`);
});
