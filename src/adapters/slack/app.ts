/**
 * Builds the Bolt app (bolt-js-starter-template: a thin builder, then `registerListeners`). Socket Mode by
 * default (no inbound HTTP); HTTP mode verifies Slack's signatures with the default receiver.
 */
import { App, HTTPReceiver, LogLevel, SocketModeReceiver, webApi, type CustomRoute, type Logger } from '@slack/bolt';
import { CheckError } from '../../errors';
import type { CheckService, HandleOutcome } from '../../check/service';
import type { FleetOutcome, FleetService } from '../../fleet/service';
import type { Requester } from '../../check/types';
import { ChannelQueue } from './channelQueue';
import { registerListeners, type ListenerDeps } from './listeners';
import type { SlackTransport } from './transport';
import { homeTeamOf } from './listeners/deps';
import type { ChangeService } from '../../change/service';
import type { SlackReporterDeps } from './reporter';
import { guardSlackRequests, MemorySeenSignatures, type SeenSignatures } from './requestGuard';
import { UserGroupDirectory, type SharedGroupCache } from './userGroups';

export interface SlackAppOptions {
  mode: 'socket' | 'http';
  /** `xoxb-` bot token. */
  botToken: string;
  /** `xapp-` app-level token with `connections:write` (Socket Mode). */
  appToken?: string;
  /** Signing secret (HTTP mode). */
  signingSecret?: string;
  service: CheckService;
  /** Another Web API base URL (the local fake in tests): skips `auth.test` and needs `botId`/`botUserId`. */
  slackApiUrl?: string;
  botId?: string;
  botUserId?: string;
  logger?: Logger;
  logLevel?: LogLevel;
  /** Applied to every text posted (messages and text files). */
  redact?: (text: string) => string;
  /** Milliseconds, for progress coalescing. */
  clock?: () => number;
  /** Longest capture allowed (`CheckLimits.maxSeconds`); "Longer capture" doubles up to it. Default 120. */
  maxCaptureSeconds?: number;
  /** Progress edit spacing per message; default 1,500 ms. */
  minEditIntervalMs?: number;
  /** Retries of the client that posts verdicts, files and final edits; default five retries in five minutes. */
  postRetryConfig?: webApi.RetryOptions;
  /** Socket Mode ping timeout (also the reconnect back-off unit); default 5,000 ms. */
  clientPingTimeout?: number;
  /** User-group IDs the inventory grants access to; members are looked up with `usergroups.users.list`. */
  userGroupIds?: readonly string[];
  /** Every handled command's outcome (tests await `done`; metrics). */
  onOutcome?: (outcome: HandleOutcome, requester: Requester) => void;
  /** Fleet sweeps (`/sip-check all`, `tag=NAME`, `watch`); absent: off. */
  fleet?: FleetService;
  onFleetOutcome?: (outcome: FleetOutcome, requester: Requester) => void;
  /** HTTP mode: extra routes on the receiver's port (/healthz, /metrics). */
  customRoutes?: CustomRoute[];
  /** Seconds from a slash command reaching its listener to the ack sent (metrics). */
  observeAck?: (seconds: number) => void;
  /** Socket Mode: the WebSocket to Slack connected (true) or dropped (false), for /healthz. */
  onConnectionChange?: (connected: boolean) => void;
  /** Group members shared by replicas (Redis). */
  sharedGroupCache?: SharedGroupCache;
  /** How Slack is reached (proxy, reachability events): transport.ts. Default: direct, global fetch. */
  transport?: SlackTransport;
  /**
   * Paces every post per channel (channelQueue.ts); default: Slack's one per second. Share it with anything else
   * that posts in the same channels (the drift watch), so they count against one pace.
   */
  channelQueue?: ChannelQueue;
  /** HTTP mode: signatures already accepted, for replay refusal; shared by replicas (Redis), else this process's. */
  seenSignatures?: SeenSignatures;
  /** Approved changes (issue 24): Propose / Approve buttons for firewalls that allow them. */
  changes?: ChangeService;
  onChange?: (run: Promise<void>) => void;
}

export const DEFAULT_MAX_CAPTURE_SECONDS = 120;

export function createSlackApp(opts: SlackAppOptions): App {
  const clientOptions: webApi.WebClientOptions = {
    ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
    ...(opts.transport ? { fetch: opts.transport.fetch } : {}),
  };
  // Against a non-Slack API (the fake) there is no auth.test: the IDs are given.
  const identity = opts.slackApiUrl ? { tokenVerificationEnabled: false, botId: opts.botId ?? 'B0SIPCHECK', botUserId: opts.botUserId ?? 'U0SIPCHECK' } : {};
  const common = { token: opts.botToken, logger: opts.logger, logLevel: opts.logLevel, clientOptions, ...identity };

  let app: App;
  if (opts.mode === 'http') {
    if (!opts.signingSecret) throw new CheckError('config', 'HTTP mode needs SLACK_SIGNING_SECRET.');
    // An explicit receiver, so its request listener can be guarded: ±5 min both ways and no replay (requestGuard.ts).
    const receiver = new HTTPReceiver({ signingSecret: opts.signingSecret, customRoutes: opts.customRoutes, logger: opts.logger, logLevel: opts.logLevel });
    app = new App({ ...common, receiver });
    receiver.requestListener = guardSlackRequests(receiver.requestListener, { signingSecret: opts.signingSecret, seen: opts.seenSignatures ?? new MemorySeenSignatures(), logger: app.logger });
  } else {
    if (!opts.appToken) throw new CheckError('config', 'Socket Mode needs SLACK_APP_TOKEN (an xapp- token with connections:write).');
    // An explicit receiver, so `apps.connections.open` goes to `slackApiUrl` too (docs/slack.md "bolt 5 specifics").
    const receiver = new SocketModeReceiver({
      appToken: opts.appToken,
      logger: opts.logger,
      logLevel: opts.logLevel,
      clientPingTimeout: opts.clientPingTimeout,
      // The WebSocket through the proxy too (the Web API calls use clientOptions.fetch).
      ...(opts.transport?.dispatcher ? { dispatcher: opts.transport.dispatcher } : {}),
      installerOptions: { clientOptions },
    });
    app = new App({ ...common, receiver });
    const onChange = opts.onConnectionChange;
    if (onChange) {
      receiver.client.on('connected', () => onChange(true));
      for (const state of ['disconnected', 'reconnecting']) receiver.client.on(state, () => onChange(false));
    }
  }

  const logger = app.logger;
  // Verdicts must arrive: retries kept, but bounded (web-api's default retries for ~30 minutes). A 429 is left to the
  // channel queue, which waits Retry-After before the channel's next post (web-api's retry would let it be overtaken).
  const client = new webApi.WebClient(opts.botToken, { ...clientOptions, logger, rejectRateLimitedCalls: true, retryConfig: opts.postRetryConfig ?? webApi.retryPolicies.fiveRetriesInFiveMinutes });
  const channelQueue = opts.channelQueue ?? new ChannelQueue({ logger });
  // Progress edits must not: a rate-limited edit is dropped, never replayed late.
  const progressClient = new webApi.WebClient(opts.botToken, { ...clientOptions, logger, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  const reporterDeps: SlackReporterDeps = {
    client,
    progressClient,
    logger,
    clock: opts.clock ?? Date.now,
    redact: opts.redact,
    maxSeconds: opts.maxCaptureSeconds ?? DEFAULT_MAX_CAPTURE_SECONDS,
    minEditIntervalMs: opts.minEditIntervalMs,
    channelQueue,
  };
  const userGroups = opts.userGroupIds?.length ? new UserGroupDirectory(
        // A look-up, not a post: web-api's own 429 retry is right here.
        new webApi.WebClient(opts.botToken, { ...clientOptions, logger, retryConfig: opts.postRetryConfig ?? webApi.retryPolicies.fiveRetriesInFiveMinutes }),
        opts.userGroupIds, { logger, clock: opts.clock, shared: opts.sharedGroupCache }) : undefined;
  const deps: ListenerDeps = { service: opts.service, logger, reporterDeps, client, onOutcome: opts.onOutcome, userGroups, fleet: opts.fleet, onFleetOutcome: opts.onFleetOutcome, observeAck: opts.observeAck, homeTeamId: homeTeamOf(client, logger), changes: opts.changes, onChange: opts.onChange };
  registerListeners(app, deps);
  app.error(async (error) => {
    logger.error(`sip-check: unhandled Bolt error: ${error.code ?? ''} ${error.message}`);
  });
  return app;
}
