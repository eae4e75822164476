import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import type { Logger } from '../../log';

/**
 * How the bot reaches Slack: the Web API (fetch) and the Socket Mode WebSocket, through the proxy named by the
 * usual variables when there is one, and one clear line of our own when Slack cannot be reached.
 *
 * Proxy: HTTPS_PROXY / HTTP_PROXY (or lower case) and NO_PROXY, read as curl reads them, by undici's
 * EnvHttpProxyAgent (the HTTP client Node's own fetch is built on, and the one @slack/socket-mode opens its
 * WebSocket with). The proxy is reached with CONNECT, so TLS stays end to end with Slack.
 */

export interface SlackTransport {
  /** For WebClient `clientOptions.fetch` (Web API calls, Socket Mode's `apps.connections.open`, `respond()`). */
  fetch: typeof globalThis.fetch;
  /** For the Socket Mode WebSocket; undefined without a proxy. */
  dispatcher?: Dispatcher;
  /** `via proxy http://proxy:3128 (NO_PROXY: .corp)` or `direct`, credentials masked: for the start-up log. */
  route: string;
}

export interface ReachabilityEvents {
  /** Slack's API could not be reached (the first failure after a success, or at start): said once per outage. */
  unreachable: (detail: { url: string; cause: string }) => void;
  /** Reached again after an outage. */
  reachable: (detail: { url: string }) => void;
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name] ?? env[name.toLowerCase()];
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/** A proxy URL with any user:password replaced, for logs. */
export function maskProxyUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(not a URL)';
  }
}

/** The network error's own code (ECONNREFUSED, ENOTFOUND, UND_ERR_CONNECT_TIMEOUT...) from fetch's "fetch failed". */
function causeOf(e: unknown): string {
  let err: unknown = e;
  for (let depth = 0; depth < 4 && err && typeof err === 'object'; depth++) {
    const o = err as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof o.code === 'string') return typeof o.message === 'string' && o.message && !o.message.includes(o.code) ? `${o.code}: ${o.message}` : String(o.message ?? o.code);
    if (!o.cause) return typeof o.message === 'string' ? o.message : String(err);
    err = o.cause;
  }
  return String(err);
}

export function slackTransport(env: NodeJS.ProcessEnv, events?: ReachabilityEvents): SlackTransport {
  const httpsProxy = envValue(env, 'HTTPS_PROXY');
  const httpProxy = envValue(env, 'HTTP_PROXY');
  const noProxy = envValue(env, 'NO_PROXY');
  let dispatcher: Dispatcher | undefined;
  let route = 'direct';
  if (httpsProxy !== undefined || httpProxy !== undefined) {
    dispatcher = new EnvHttpProxyAgent({ httpProxy, httpsProxy: httpsProxy ?? httpProxy, noProxy });
    route = `via proxy ${maskProxyUrl(httpsProxy ?? httpProxy!)}${noProxy ? ` (NO_PROXY: ${noProxy})` : ''}`;
  }
  const base: typeof globalThis.fetch = dispatcher
    ? ((input, init) => undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher }) as unknown as Promise<Response>)
    : (input, init) => globalThis.fetch(input, init);
  let down = false;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    try {
      const response = await base(input, init);
      if (down) {
        down = false;
        events?.reachable({ url: apiBase(url) });
      }
      return response;
    } catch (e) {
      // An aborted call (our own timeout) says nothing about reachability.
      if (!down && !(e instanceof Error && e.name === 'AbortError')) {
        down = true;
        events?.unreachable({ url: apiBase(url), cause: causeOf(e) });
      }
      throw e;
    }
  };
  return { fetch, dispatcher, route };
}

/** `https://slack.com/api/chat.postMessage` → `https://slack.com/api/` (the method is noise in the message). */
function apiBase(url: string): string {
  const k = url.indexOf('/api/');
  return k >= 0 ? url.slice(0, k + 5) : url;
}

/**
 * Bolt's and its clients' own logging, into our JSON log: no console text interleaved with it. Their warnings
 * and errors keep their level; their info is debug for us (Socket Mode chatter), as is their debug.
 */
export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  let name = 'bolt';
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => log('debug', text(msg), { source: name }),
    info: (...msg) => log('debug', text(msg), { source: name }),
    // The Web API client's "http request failed" on each retry: the transport says the outage once instead.
    warn: (...msg) => log(/http request failed/.test(text(msg)) ? 'debug' : 'warn', text(msg), { source: name }),
    error: (...msg) => log('error', text(msg), { source: name }),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: (n) => {
      name = n;
    },
  };
}
