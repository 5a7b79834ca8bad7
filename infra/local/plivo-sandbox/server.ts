/**
 * The Plivo sandbox: a local stand-in for Plivo's number APIs (search, rent, account numbers,
 * Powerpacks and number pools), with Basic auth, Plivo's validation and error bodies, pagination,
 * a rate limit counted by code of its own (fixed or sliding windows), a clock with monthly renewals,
 * asynchronous mode with signed callbacks,
 * fault injection, and admin routes that tell the ground truth.
 *
 * Built on `node:http` without a framework: Plivo's SDK sends query strings that URL parsers read
 * differently from Plivo (see http.ts), and faults need the raw socket.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PLIVO_DEFAULT_RATE_LIMIT, type RateLimit } from '../../../functions/lib/plivo/rate-limit.js';
import { handleAdmin, type AdminControl } from './admin.js';
import { numberRoutes } from './api-numbers.js';
import { phoneNumberRoutes } from './api-phone-numbers.js';
import { poolRoutes } from './api-pools.js';
import { tendlcRoutes } from './api-tendlc.js';
import { CallbackSender, parseAsyncRequest, type AsyncRequest } from './async-callbacks.js';
import { ApiError, basicCredentials, isLoopbackAddress, parseBody, parseTarget, readBody, sendEmpty, sendHtml, sendJson, type Params } from './http.js';
import { FaultInjector, faultMessage, faultRuleSchema, proxyErrorPage, type FaultPlan, type FaultRuleInput, type FaultRuleReport } from './faults.js';
import { loadStateFile, StateSaver } from './persistence.js';
import { stableDigits } from './random.js';
import { SandboxClock } from './clock.js';
import { AccountRateLimiter, type RateWindow } from './rate-limiter.js';
import { RequestStats } from './request-stats.js';
import { Router, UNKNOWN_ROUTE, type ApiAnswer, type ApiContext, type Operation, type RouteMatch } from './router.js';
import { buildSnapshot, type SandboxSnapshot } from './snapshot.js';
import { SandboxWorld, type InactivePoolAdd, type PendingShape, type WorldOptions } from './world.js';

export interface SandboxOptions {
  /** TCP port; 0 picks a free one. @default 4010 */
  port?: number;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** The account's auth id (Plivo's look like "MA" + 18 capitals or digits). @default 'MASANDBOX0000000000A' */
  authId?: string;
  /** The account's auth token; also signs async callbacks. @default 'sandbox-token' */
  authToken?: string;
  /** Seed of everything random: numbers, fault draws, api_ids, uuids. @default 1 */
  seed?: number;
  /** Requests per clock-aligned window per account; null: no limit. @default PLIVO_DEFAULT_RATE_LIMIT (300 per 5 s) */
  rateLimit?: RateLimit | null;
  /** Delay added to every API answer, in ms. @default 0 */
  latencyMs?: number;
  /**
   * The sandbox's clock (epoch ms): rate-limit windows and the timestamps it records. Tests pass
   * their own to cross a window without waiting for it. @default Date.now
   */
  now?: () => number;
  /**
   * Loaded on start if it exists, saved on close, and after changes: before the answer to the API
   * request that made them, debounced (`stateDebounceMs`) for the rest (admin routes, async
   * operations, the clock). @default undefined (memory only)
   */
  stateFile?: string;
  /** How long a change not made by an API request waits before it is saved, in ms. @default 200 */
  stateDebounceMs?: number;
  /** Countries whose rents answer "pending" (address regulations). @default ['FR', 'DE'] */
  pendingCountries?: readonly string[];
  /** How a group rent in a pending country answers: `order` (no numbers, `details`) or `number` (fulfilled, each number pending). @default 'order' */
  pendingShape?: PendingShape;
  /** A pool add of a number still pending verification: `reject` (400) or `accept`. @default 'reject' */
  inactivePoolAdd?: InactivePoolAdd;
  /** Receives one line per API request and every problem. @default silent */
  logger?: (message: string) => void;
  /** How the rate limit counts: clock-aligned windows (fixed) or the last `windowMs` (sliding). @default 'fixed' */
  rateWindow?: RateWindow;
  /** Unrented numbers go back to stock after `reclaimDays` and are handed out again first. @default false */
  reissueUnrented?: boolean;
  /** Days an unrented number stays reserved before it is back in stock (with `reissueUnrented`). @default 0 */
  reclaimDays?: number;
  /** Share of local numbers the account lists as `fixed` (deterministic per number and seed); 0: none. @default 0.25 */
  fixedShare?: number;
  /** How long a 10DLC number link stays PROCESSING before COMPLETED or FAILED, in ms of the sandbox clock. @default 5000 */
  tendlcLinkDelayMs?: number;
  /** Refuse (400) a pool add of a US local number whose 10DLC registration is not COMPLETED. @default false */
  require10dlc?: boolean;
}

export interface PlivoSandbox {
  /** `http://host:port` */
  readonly url: string;
  /** `${url}/v1/Account/${authId}`: the base URL a Plivo client is given. */
  readonly accountUrl: string;
  readonly authId: string;
  readonly authToken: string;
  readonly port: number;
  /** Stops listening, abandons callbacks under way, saves the state file. */
  close(): Promise<void>;
  /** Back to the initial state for the seed: stock, no numbers, no pools, no faults, counters zero. */
  reset(): void;
  /** The ground truth, as `GET /__sandbox/state` answers it. */
  snapshot(): SandboxSnapshot;
  /** Replaces the fault rules (validated as `POST /__sandbox/faults` does). */
  setFaults(rules: readonly FaultRuleInput[]): void;
  /** The fault rules, with how often each fired. */
  faults(): FaultRuleReport[];
  /** Approves one pending order, or all: order id → numbers that entered the account. */
  approvePending(id?: string): Record<string, string[]>;
  /** Rejects one pending order, or all: order id → numbers that went back to stock. */
  rejectPending(id?: string): Record<string, string[]>;
  /** Adds a shortcode to a pool (shortcodes cannot be added through Plivo's API). */
  addShortcode(poolUuid: string, shortcode: string, countryIso2?: string): void;
  /** Sets a number's renewal_date (YYYY-MM-DD), as `PATCH /__sandbox/numbers/{number}` does. */
  setRenewalDate(number: string, date: string): void;
  /** Resolves when every async callback under way has been delivered or given up. */
  callbacksIdle(): Promise<void>;
  /** Writes the state file now (no-op without one). */
  saveState(): Promise<void>;
  /**
   * Runs `work` with the rate limit off: requests made meanwhile are admitted and take no slot
   * (they are still counted in `snapshot().requests`). For seeding the account before a
   * measurement (`npm run bench -- --prefill`); overlapping calls keep it off until the last ends.
   */
  withoutRateLimit<T>(work: () => Promise<T>): Promise<T>;
}

/** The defaults of `SandboxOptions` (the CLI's help shows these). */
export const SANDBOX_DEFAULTS = {
  port: 4010,
  host: '127.0.0.1',
  authId: 'MASANDBOX0000000000A',
  authToken: 'sandbox-token',
  seed: 1,
  latencyMs: 0,
  pendingCountries: ['FR', 'DE'],
  pendingShape: 'order',
  inactivePoolAdd: 'reject',
  rateWindow: 'fixed',
  reclaimDays: 0,
  fixedShare: 0.25,
  tendlcLinkDelayMs: 5000,
} as const;

const router = new Router([...numberRoutes, ...phoneNumberRoutes, ...poolRoutes, ...tendlcRoutes]);

/** An answer on its way out: status, JSON body (none for 204), extra headers. */
interface Outcome {
  status: number;
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** A body that is not JSON (an injected proxy error page), sent as text/html. */
  html?: string;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts a sandbox and resolves once it listens. */
export async function startPlivoSandbox(options: SandboxOptions = {}): Promise<PlivoSandbox> {
  const authId = options.authId ?? SANDBOX_DEFAULTS.authId;
  const authToken = options.authToken ?? SANDBOX_DEFAULTS.authToken;
  const seed = options.seed ?? SANDBOX_DEFAULTS.seed;
  const rateLimit = options.rateLimit === undefined ? PLIVO_DEFAULT_RATE_LIMIT : options.rateLimit;
  const latencyMs = options.latencyMs ?? SANDBOX_DEFAULTS.latencyMs;
  const log = options.logger ?? (() => undefined);
  if (authId === '' || authId.includes('/')) throw new Error(`authId must be a non-empty id without "/", got "${authId}"`);

  const clock = new SandboxClock(options.now ?? Date.now);
  const worldOptions: WorldOptions = {
    seed,
    pendingCountries: (options.pendingCountries ?? SANDBOX_DEFAULTS.pendingCountries).map((country) => country.toUpperCase()),
    defaultAppId: stableDigits(`default-app:${authId}`, 17),
    now: clock.now,
    pendingShape: options.pendingShape ?? SANDBOX_DEFAULTS.pendingShape,
    inactivePoolAdd: options.inactivePoolAdd ?? SANDBOX_DEFAULTS.inactivePoolAdd,
    reissueUnrented: options.reissueUnrented ?? false,
    reclaimDays: options.reclaimDays ?? SANDBOX_DEFAULTS.reclaimDays,
    fixedShare: options.fixedShare ?? SANDBOX_DEFAULTS.fixedShare,
    tendlcLinkDelayMs: options.tendlcLinkDelayMs ?? SANDBOX_DEFAULTS.tendlcLinkDelayMs,
    require10dlc: options.require10dlc ?? false,
  };

  let world = new SandboxWorld(worldOptions);
  if (options.stateFile !== undefined) {
    const saved = await loadStateFile(options.stateFile);
    if (saved) {
      if (saved.seed !== seed) log(`state file ${options.stateFile} was written with seed ${saved.seed}; continuing it (its random streams)`);
      world = new SandboxWorld(worldOptions, saved.world);
      log(`loaded ${world.account.size} numbers and ${world.pools.allPools().length} pools from ${options.stateFile}`);
    }
  }

  const faults = new FaultInjector(seed);
  const stats = new RequestStats();
  const limiter = new AccountRateLimiter(rateLimit, options.rateWindow ?? SANDBOX_DEFAULTS.rateWindow);
  /** `withoutRateLimit` calls under way: the limit is off while any runs. */
  let unlimitedWork = 0;
  const closing = new AbortController();
  const callbacks = new CallbackSender({ authToken, nonce: () => world.idsRandom.digits(20), log });
  const saver =
    options.stateFile === undefined
      ? undefined
      : new StateSaver({
          file: options.stateFile,
          seed,
          accountId: authId,
          data: () => world.toData(),
          log,
          ...(options.stateDebounceMs === undefined ? {} : { debounceMs: options.stateDebounceMs }),
        });
  let savedVersion = world.version;

  /** After anything that may have changed state: save soon if it did. */
  const noteChanges = (): void => {
    if (world.version === savedVersion) return;
    savedVersion = world.version;
    saver?.schedule();
  };

  const delay = (ms: number): Promise<void> =>
    ms > 0 ? sleep(ms, undefined, { signal: closing.signal }).catch(() => undefined) : Promise.resolve();

  /**
   * Brings the world up to the clock, then sends the status callback of every 10DLC link that
   * settled (Plivo's 10DLC callback: `status` success or failed, plus the sandbox's own fields).
   */
  const settleTime = (): void => {
    world.settleTime();
    for (const link of world.tendlc.takeSettled()) {
      if (!link.callback) continue;
      const params = {
        event_type: 'number_linking',
        campaign_id: link.campaignId,
        number: link.number,
        status: link.status === 'COMPLETED' ? 'success' : 'failed',
        tendlc_registration_status: link.status,
      };
      callbacks.send(link.callback, params, `10DLC link callback for ${link.number}`);
    }
  };

  /** Settles 10DLC links when their delay is over on a sandbox clock that runs by itself. */
  let linkTimer: NodeJS.Timeout | undefined;
  const watchLinks = (): void => {
    clearTimeout(linkTimer);
    const due = world.tendlc.nextDueMs();
    if (due === undefined || closing.signal.aborted) return;
    linkTimer = setTimeout(
      () => {
        settleTime();
        noteChanges();
        watchLinks();
      },
      // setTimeout takes at most 2^31 - 1 ms; a longer wait is taken in steps.
      Math.min(Math.max(0, due - worldOptions.now()) + 1, 2 ** 31 - 1),
    );
    linkTimer.unref();
  };

  const withApiId = (body: Record<string, unknown>, apiId: string): Record<string, unknown> => ({ api_id: apiId, ...body });

  /** Runs an operation into an answer; Plivo-style errors for ApiError, a 500 for bugs. */
  const runOperation = (operation: Operation, apiId: string): Outcome => {
    try {
      settleTime();
      const answer: ApiAnswer = operation();
      return answer.body === undefined ? { status: answer.status } : { status: answer.status, body: withApiId(answer.body, apiId) };
    } catch (error) {
      if (error instanceof ApiError) return { status: error.status, body: { api_id: apiId, error: error.message }, headers: error.headers };
      log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return { status: 500, body: { api_id: apiId, error: 'internal error in the Plivo sandbox (see its log)' } };
    } finally {
      noteChanges();
      watchLinks();
    }
  };

  /** The operation runs after the 202 has been written, as Plivo's does; its answer goes to the callback. */
  const spawnAsync = (operation: Operation, apiId: string, request: AsyncRequest): void => {
    callbacks.sendLater(() => {
      const answer = runOperation(operation, apiId);
      return {
        ...request,
        apiId,
        statusCode: answer.status,
        response: answer.body === undefined ? '' : JSON.stringify(answer.body),
      };
    });
  };

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string, path: string, query: Params): Promise<void> {
    const started = Date.now();
    const accountMatch = /^\/v1\/Account\/([^/]+)(\/.*)?$/.exec(path);
    const pathAccount = accountMatch?.[1] ?? '';
    const relative = (accountMatch?.[2] ?? '/').replace(/^\/+/, '').replace(/\/?$/, '/');
    const match: RouteMatch = accountMatch ? router.match(method, relative) : { kind: 'not-found', template: `${method} ${UNKNOWN_ROUTE}` };
    let counted = false;
    let extraLatency = 0;

    /** Counts the request (once), waits out the latency, then answers or drops the connection. */
    const finish = async (outcome: Outcome | 'drop'): Promise<void> => {
      if (!counted) stats.record(match.template, outcome === 'drop' ? 'drop' : outcome.status);
      counted = true;
      // With a state file, what the request changed is in the file before the client hears of it:
      // a client that recorded a rented number never meets a restarted sandbox that forgot it.
      await saver?.flush();
      await delay(latencyMs + extraLatency);
      if (outcome === 'drop') {
        log(`${method} ${req.url ?? ''} → connection dropped (fault)`);
        req.socket.destroy();
        return;
      }
      log(`${method} ${req.url ?? ''} → ${outcome.status} (${Date.now() - started} ms)`);
      if (outcome.html !== undefined) sendHtml(res, outcome.status, outcome.html, outcome.headers);
      else if (outcome.body === undefined) sendEmpty(res, outcome.status, outcome.headers);
      else sendJson(res, outcome.status, outcome.body, outcome.headers);
    };
    const fail = (status: number, message: string, headers: Record<string, string> = {}): Promise<void> =>
      finish({ status, body: { api_id: world.idsRandom.uuid(), error: message }, headers });
    /** ApiErrors become their answer; anything else is a sandbox bug (or a broken socket): logged, 500, still counted. */
    const failWith = (error: unknown): Promise<void> => {
      if (error instanceof ApiError) return fail(error.status, error.message, error.headers);
      log(`internal error on ${method} ${path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return fail(500, 'internal error in the Plivo sandbox (see its log)');
    };

    // 1. Rate limit: every API request takes a slot, authenticated or not.
    const waitMs = unlimitedWork > 0 ? 0 : limiter.take(pathAccount, worldOptions.now());
    if (waitMs > 0) {
      const limit = limiter.limit ?? PLIVO_DEFAULT_RATE_LIMIT;
      return fail(429, `too many requests: the limit is ${limit.requests} requests per ${limit.windowMs / 1000} s for account ${pathAccount}`, {
        'retry-after': String(AccountRateLimiter.retryAfterSeconds(waitMs)),
      });
    }

    // 2. Authentication, and the path's account must be the credentials' account.
    const credentials = basicCredentials(req.headers.authorization);
    const challenge = { 'www-authenticate': 'Basic realm="Plivo sandbox"' };
    if (!credentials) return fail(401, 'authentication required: send HTTP Basic auth with your auth id and auth token', challenge);
    if (credentials[0] !== authId || credentials[1] !== authToken) return fail(401, 'authentication failed: wrong auth id or auth token', challenge);
    if (accountMatch && pathAccount !== authId) return fail(401, `auth id ${pathAccount} in the path does not match the credentials' auth id`);

    if (match.kind === 'not-found') return fail(404, `no such resource: ${method} ${path}`);
    if (match.kind === 'method-not-allowed') {
      return fail(405, `method ${method} is not allowed here; allowed: ${match.allowed.join(', ')}`, { allow: match.allowed.join(', ') });
    }

    let params: Params;
    try {
      params = { ...query, ...parseBody(await readBody(req), req.headers['content-type']) };
    } catch (error) {
      return failWith(error);
    }

    // 3. Faults decided before anything happens; a "before" fault changes nothing.
    const plan: FaultPlan = faults.decide(method, relative);
    extraLatency = plan.latencyMs;
    if (plan.drop?.when === 'before') return finish('drop');
    if (plan.error?.when === 'before') return finish(faultOutcome(plan.error));

    // 4. Validation (synchronous even in async mode), then the operation.
    const ctx: ApiContext = {
      world,
      accountId: authId,
      params,
      path: match.path,
      failNumber: () => faults.drawNumberFailure(plan.numberFailureRate),
      ...(plan.visibleAfterMs === undefined ? {} : { visibleAfterMs: plan.visibleAfterMs }),
    };
    /** 5. An "after" fault: whatever the call came to, the client sees the failure. */
    const answerAfterFaults = (answer: () => Promise<void>): Promise<void> => {
      if (plan.drop?.when === 'after') return finish('drop');
      if (plan.error?.when === 'after') return finish(faultOutcome(plan.error));
      return answer();
    };

    let operation: Operation;
    let asyncRequest: AsyncRequest | undefined;
    try {
      asyncRequest = parseAsyncRequest(params);
      operation = match.spec.prepare(ctx);
    } catch (error) {
      return answerAfterFaults(() => failWith(error));
    }
    const apiId = world.idsRandom.uuid();
    if (plan.applyAfterMs !== undefined && !asyncRequest) {
      // Answered now, carried out later: the client sees a failure whose outcome it cannot know.
      setTimeout(() => {
        runOperation(operation, apiId);
        noteChanges();
      }, plan.applyAfterMs).unref();
      return finish(plan.error ? faultOutcome(plan.error) : faultOutcome({ status: 503, retryAfterSeconds: null, when: 'before', body: 'string' }));
    }
    let answer: Outcome;
    if (asyncRequest) {
      spawnAsync(operation, apiId, asyncRequest);
      answer = { status: 202, body: { api_id: apiId, message: 'async api spawned' } };
    } else {
      answer = runOperation(operation, apiId);
    }
    return answerAfterFaults(() => finish(answer));
  }

  /** The answer of an injected error, in the body shape its rule asks for. */
  const faultOutcome = (error: NonNullable<FaultPlan['error']>): Outcome => {
    const headers: Record<string, string> =
      error.status === 429 && error.retryAfterSeconds !== null ? { 'retry-after': String(error.retryAfterSeconds) } : {};
    const message = faultMessage(error.status);
    if (error.body === 'html') return { status: error.status, html: proxyErrorPage(error.status), headers };
    const body = error.body === 'object' ? { error: { error: [message] } } : { error: message };
    return { status: error.status, body: { api_id: world.idsRandom.uuid(), ...body }, headers };
  };

  const control: AdminControl = {
    moveClock: (move) => {
      let now: number;
      try {
        now = clock.move(move);
      } catch (error) {
        if (error instanceof RangeError) throw new ApiError(400, error.message);
        throw error;
      }
      settleTime();
      noteChanges();
      watchLinks();
      return { now: new Date(now).toISOString() };
    },
    snapshot: () =>
      buildSnapshot({ world, accountId: authId, seed, requests: stats.snapshot(), callbacks: callbacks.stats() }),
    setFaults: (rules) => faults.setRules(rules),
    listFaults: () => faults.list(),
    approvePending: (id) => {
      const settled = world.approvePending(id);
      noteChanges();
      return settled;
    },
    createCampaign: (input) => {
      world.tendlc.addCampaign({ campaignId: input.campaignId, usecase: input.usecase, alias: input.alias ?? input.campaignId });
      world.touch();
      noteChanges();
      return world.tendlc.campaign(input.campaignId) ?? input;
    },
    createComplianceApplication: (input) => {
      const application = world.compliance.create(input);
      return { id: application.id };
    },
    rejectPending: (id) => {
      const settled = world.rejectPending(id);
      noteChanges();
      return settled;
    },
    setRenewalDate: (number, date) => {
      const record = world.account.get(number);
      if (!record) return false;
      record.renewalDate = date;
      world.touch();
      noteChanges();
      return true;
    },
    addShortcode: ({ poolUuid, shortcode, countryIso2 }) => {
      const pool = world.pools.pool(poolUuid);
      if (!pool) throw new ApiError(404, `number pool ${poolUuid} not found`);
      if (pool.shortcodes.has(shortcode)) throw new ApiError(400, `shortcode ${shortcode} is already in number pool ${poolUuid}`);
      const entry = { shortcode, countryIso2, addedAt: new Date(world.now()).toISOString() };
      world.pools.addShortcode(poolUuid, entry);
      world.touch();
      noteChanges();
      return { poolUuid, ...entry };
    },
    reset: () => {
      clock.reset();
      world = new SandboxWorld(worldOptions);
      faults.clear();
      stats.reset();
      limiter.reset();
      callbacks.resetStats();
      savedVersion = -1;
      noteChanges();
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const target = parseTarget(req.url ?? '/');
    if (target.path === '/__sandbox' || target.path.startsWith('/__sandbox/')) {
      if (!isLoopbackAddress(req.socket.remoteAddress)) {
        return sendJson(res, 403, { error: 'the /__sandbox/ admin routes answer loopback addresses only' });
      }
      let body: Params;
      try {
        body = parseBody(await readBody(req), req.headers['content-type']);
      } catch (error) {
        if (error instanceof ApiError) return sendJson(res, error.status, { error: error.message });
        throw error;
      }
      return handleAdmin(control, method, target.path.slice('/__sandbox'.length) || '/', body, res);
    }
    return handleApi(req, res, method, target.path, target.query);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`unhandled error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      sendJson(res, 500, { api_id: world.idsRandom.uuid(), error: 'internal error in the Plivo sandbox (see its log)' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? SANDBOX_DEFAULTS.port, options.host ?? SANDBOX_DEFAULTS.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  watchLinks();
  const address = server.address() as AddressInfo;
  const url = `http://${urlHost(options.host ?? SANDBOX_DEFAULTS.host)}:${address.port}`;

  const settledOrThrow = (settled: Record<string, string[]> | undefined, id: string | undefined): Record<string, string[]> => {
    if (settled === undefined) throw new Error(`no pending order ${id ?? ''}`);
    return settled;
  };

  let closed: Promise<void> | undefined;
  return {
    url,
    accountUrl: `${url}/v1/Account/${authId}`,
    authId,
    authToken,
    port: address.port,
    close: () =>
      (closed ??= (async () => {
        closing.abort();
        clearTimeout(linkTimer);
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await stopped;
        await callbacks.close();
        // Always written on close, so that the file exists even after a run that changed nothing.
        saver?.schedule();
        await saver?.flush();
      })()),
    reset: control.reset,
    snapshot: control.snapshot,
    setFaults: (rules) => faults.setRules(rules.map((rule) => faultRuleSchema.parse(rule))),
    faults: () => faults.list(),
    approvePending: (id) => settledOrThrow(control.approvePending(id), id),
    rejectPending: (id) => settledOrThrow(control.rejectPending(id), id),
    addShortcode: (poolUuid, shortcode, countryIso2 = 'US') => void control.addShortcode({ poolUuid, shortcode, countryIso2 }),
    setRenewalDate: (number, date) => {
      if (!control.setRenewalDate(number, date)) throw new Error(`the account has no number ${number}`);
    },
    callbacksIdle: () => callbacks.idle(),
    withoutRateLimit: async (work) => {
      unlimitedWork += 1;
      try {
        return await work();
      } finally {
        unlimitedWork -= 1;
      }
    },
    saveState: async () => {
      noteChanges();
      await saver?.flush();
    },
  };
}
