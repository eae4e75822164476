/**
 * What the container runs: `npm run build` output with production dependencies only. Builds into a temp
 * directory laid out like the image (/app/dist, /app/assets, /app/node_modules), then starts the compiled
 * `dist/main.js` (terminal demo), runs a check, and asks the ops port and the HEALTHCHECK script. Also keeps the
 * Dockerfile and compose.yaml honest (no container runtime here; hadolint is not in Debian).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { BotProcess } from '../support/bot';
import { unusedPort } from '../support/ports';

jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? jsFiles(full) : full.endsWith('.js') ? [full] : [];
  });
}

describe('the built bot (what the image runs)', () => {
  const app = mkdtempSync(path.join(os.tmpdir(), 'sip-check-dist-'));
  const dist = path.join(app, 'dist');

  beforeAll(() => {
    // The build script's two steps, into the temp dir (the repository's dist/ may be in use by other tests).
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json && node scripts/copy-build-assets.js dist');
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', dist], { cwd: ROOT });
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'copy-build-assets.js'), dist], { cwd: ROOT });
    symlinkSync(path.join(ROOT, 'assets'), path.join(app, 'assets'));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  test('needs only production dependencies (npm ci --omit=dev): no ts-node, typescript or test tools', () => {
    const required = new Set<string>();
    for (const file of jsFiles(dist)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/require\("([^".][^"]*)"\)/g)) {
        const name = m[1].startsWith('@') ? m[1].split('/').slice(0, 2).join('/') : m[1].split('/')[0];
        if (!name.startsWith('node:') && !builtinModules.includes(name)) required.add(name);
      }
    }
    expect([...required].filter((name) => !(name in pkg.dependencies))).toEqual([]);
    expect(required).toContain('ioredis');
    expect(required).toContain('prom-client');
    expect(pkg.dependencies).not.toHaveProperty('ts-node');
    expect(pkg.dependencies).not.toHaveProperty('typescript');
  });

  test('dist/main.js runs the terminal demo end to end and serves /healthz; the HEALTHCHECK script agrees', async () => {
    const port = await unusedPort();
    const bot = new BotProcess(app, { SIP_CHECK_METRICS_PORT: String(port) }, [path.join(dist, 'main.js')]);
    try {
      await bot.waitFor(/type `\/sip-check help`/);
      bot.type('/sip-check fw-demo seconds=1');
      await bot.waitFor(/^● fw-demo: sip-alg/m);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ ok: true, checks: { journal: { ok: true, detail: 'file var/journal.json' } } });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^sip_check_checks_total\{outcome="ok"\} 1$/m);
      const healthcheck = spawnSync(process.execPath, [path.join(dist, 'ops', 'healthcheck.js')], { env: { PATH: process.env.PATH, SIP_CHECK_METRICS_PORT: String(port) }, encoding: 'utf8' });
      expect(healthcheck.status).toBe(0);
      expect(healthcheck.stdout).toMatch(/^200 \{"ok":true/);
      bot.type('quit');
      expect(await bot.exited).toEqual({ code: 0, signal: null });
      // Nothing listens any more: the HEALTHCHECK fails.
      const down = spawnSync(process.execPath, [path.join(dist, 'ops', 'healthcheck.js')], { env: { PATH: process.env.PATH, SIP_CHECK_METRICS_PORT: String(port) }, encoding: 'utf8' });
      expect(down.status).toBe(1);
    } finally {
      if (bot.child.exitCode === null) bot.kill('SIGKILL');
    }
  });

  test('in a container (SIP_CHECK_CONTAINER=1) without Slack tokens and without a terminal, dist/main.js refuses to start', async () => {
    // stdin is a pipe here, as in a container started without -it: the demo would read end of input and exit 0.
    const bot = new BotProcess(app, { SIP_CHECK_CONTAINER: '1' }, [path.join(dist, 'main.js')]);
    bot.child.stdin.end();
    expect(await bot.exited).toEqual({ code: 1, signal: null });
    expect(bot.stderr).toMatch(/^sip-check: no Slack tokens: in a container .*SLACK_BOT_TOKEN.*docker run -it\n$/);
    expect(bot.stdout).toBe('');
  });

  test('Dockerfile: multi-stage, production dependencies on the compiled dist/, non-root, a HEALTHCHECK', () => {
    const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const stages = [...text.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)];
    // Node 24 LTS: Node 20 reached end of life on 2026-04-30. The image's major is inside package.json's engines range.
    expect(stages.map((s) => s[1])).toEqual(['node:24-bookworm-slim', 'node:24-bookworm-slim']);
    expect((pkg as unknown as { engines: { node: string } }).engines.node).toBe('>=20 <25');
    const runtime = text.slice(stages[1].index);
    expect(runtime).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtime).not.toMatch(/COPY src\b/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*CMD \["node", "dist\/ops\/healthcheck\.js"\]$/m);
    expect(runtime).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    // In a container the terminal demo needs a terminal (see the test below); /config is the inventory's mount point.
    expect(runtime).toMatch(/^\s+SIP_CHECK_CONTAINER=1$/m);
    expect(runtime).toMatch(/^RUN mkdir -p \/app\/var \/config && chown node:node \/app\/var$/m);
    // Every file the image copies exists.
    for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) for (const src of m[1].split(' ')) expect(() => statSync(path.join(ROOT, src))).not.toThrow();
  });

  test('compose.yaml: two replicas on one Redis that keeps the journal', () => {
    const compose = parse(readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8')) as {
      services: Record<string, { image?: string; build?: string; command?: string[]; environment?: Record<string, string>; volumes?: string[]; ports?: string[]; read_only?: boolean; deploy?: { replicas?: number }; depends_on?: Record<string, unknown>; healthcheck?: unknown }>;
    };
    const bot = compose.services['sip-check'];
    expect(bot.build).toBe('.');
    expect(bot.deploy?.replicas).toBe(2);
    expect(bot.environment?.SIP_CHECK_REDIS_URL).toBe('redis://redis:6379');
    expect(bot.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    // The inventory's folder, with the keys and known_hosts it names (relative paths resolve against it), read-only.
    expect(bot.environment?.SIP_CHECK_INVENTORY).toBe('/config/inventory.yml');
    expect(bot.volumes).toContain('./config:/config:ro');
    // HTTP mode's port is published, one host port per replica, on loopback for the load balancer.
    expect(bot.ports).toEqual(['127.0.0.1:3000-3001:3000']);
    expect(bot.read_only).toBe(true);
    const redis = compose.services.redis;
    expect(redis.image).toMatch(/^redis:7/);
    expect(redis.command).toContain('--appendonly');
    expect(redis.healthcheck).toBeDefined();
  });
});
