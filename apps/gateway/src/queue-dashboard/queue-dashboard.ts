import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { signForwardedCaller, type Principal, type TokenVerifier } from '@rapport/auth';
import type { Logger } from '@rapport/observability';
import { Queue } from 'bullmq';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type Redis from 'ioredis';
import { cookieValue, SESSION_COOKIE, sessionCookieValue, tokenOfSession } from './dashboard-session';
import { discoverQueues } from './queue-discovery';
import { signInPage } from './sign-in-page';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** How often a page load looks for queues opened since (a new service version adds some). */
const REDISCOVER_MS = 10_000;

export interface QueueDashboardOptions {
  redis: Redis;
  prefix: string;
  /** Slug of the operators' tenant: only its admins see the queues (they hold every tenant's jobs). */
  tenant: string;
  identityUrl: string;
  verifier: TokenVerifier;
  gatewaySecret: string;
  production: boolean;
  logger: Logger;
}

/**
 * bull-board over every service's BullMQ queues, at /admin/queues, for the
 * operators: admins of one configured tenant, signed in through a form (the
 * UI is a browser app, so the session is an HttpOnly cookie). Read-only: a
 * retry or a removal from here would be a write no audit entry records, so
 * jobs are retried where their owner audits it (dead-letter replay, the
 * owning service's mutations).
 */
export function mountQueueDashboard(app: Express, options: QueueDashboardOptions): { close(): Promise<void> } {
  const serverAdapter = new ExpressAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
  const board = createBullBoard({ queues: [], serverAdapter, options: { uiConfig: { boardTitle: 'Rapport queues' } } });
  const queues = new Map<string, Queue>();
  // One connection for all the dashboard's queues: BullMQ reads with it, and blocking reads are only a worker's.
  const connection = options.redis.duplicate();
  let discoveredAt = 0;

  const refresh = async () => {
    if (Date.now() - discoveredAt < REDISCOVER_MS) return;
    discoveredAt = Date.now();
    for (const name of await discoverQueues(options.redis, options.prefix)) {
      if (queues.has(name)) continue;
      const queue = new Queue(name, { connection, prefix: options.prefix });
      queue.on('error', (err) => options.logger.warn({ err: err.message, queue: name }, 'queue dashboard: Redis error'));
      queues.set(name, queue);
    }
    board.replaceQueues([...queues.values()].map((q) => new BullMQAdapter(q, { readOnlyMode: true })));
  };

  const operatorOf = async (req: Request): Promise<Principal | null> => {
    const token = tokenOfSession(options.gatewaySecret, cookieValue(req.header('cookie'), SESSION_COOKIE));
    if (!token) return null;
    try {
      const principal = await options.verifier.verify(token);
      return principal.kind === 'user' && principal.roles.includes('admin') ? principal : null;
    } catch {
      return null; // Expired or revoked: sign in again.
    }
  };

  const cookie = (value: string, maxAgeSeconds: number) =>
    `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=${QUEUE_DASHBOARD_PATH}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${
      options.production ? '; Secure' : ''
    }`;

  const router = express.Router();
  router.get('/sign-in', (_req, res) => {
    res.type('html').send(signInPage(QUEUE_DASHBOARD_PATH, options.tenant));
  });
  router.post('/sign-in', express.urlencoded({ extended: false, limit: '4kb' }), (req, res, next) => {
    signIn(req, res).catch(next);
  });
  router.post('/sign-out', (_req, res) => {
    res.setHeader('set-cookie', cookie('', 0));
    res.redirect(303, `${QUEUE_DASHBOARD_PATH}/sign-in`);
  });
  router.use((req: Request, res: Response, next: NextFunction) => {
    operatorOf(req)
      .then(async (operator) => {
        if (!operator) {
          if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') return res.redirect(303, `${QUEUE_DASHBOARD_PATH}/sign-in`);
          return res.status(401).json({ error: 'sign in as an administrator of the operators’ tenant' });
        }
        await refresh();
        next();
      })
      .catch(next);
  });
  router.use(serverAdapter.getRouter());
  app.use(QUEUE_DASHBOARD_PATH, router);

  async function signIn(req: Request, res: Response): Promise<void> {
    const { email, password } = (req.body ?? {}) as { email?: unknown; password?: unknown };
    if (typeof email !== 'string' || typeof password !== 'string' || !email || !password) {
      res
        .status(400)
        .type('html')
        .send(signInPage(QUEUE_DASHBOARD_PATH, options.tenant, 'Give an email and a password.'));
      return;
    }
    const login = await fetch(`${options.identityUrl}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        // Identity limits sign-in attempts by the caller's address, not the gateway's.
        ...(options.gatewaySecret ? signForwardedCaller(options.gatewaySecret, req.ip ?? 'unknown') : {}),
      },
      body: JSON.stringify({
        query: 'mutation($i: LoginInput!) { login(input: $i) { accessToken expiresAt } }',
        variables: { i: { tenant: options.tenant, email, password } },
      }),
    });
    const answer = (await login.json()) as { data?: { login?: { accessToken: string; expiresAt: string } } };
    const session = answer.data?.login;
    const principal = session ? await options.verifier.verify(session.accessToken).catch(() => null) : null;
    if (!session || !principal?.roles.includes('admin')) {
      // One answer for a wrong password, an unknown email and a non-admin: nothing to enumerate.
      res
        .status(401)
        .type('html')
        .send(signInPage(QUEUE_DASHBOARD_PATH, options.tenant, 'Those credentials do not open the queue dashboard.'));
      return;
    }
    const lifetime = Math.max(1, Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000));
    res.setHeader('set-cookie', cookie(sessionCookieValue(options.gatewaySecret, session.accessToken), lifetime));
    res.redirect(303, QUEUE_DASHBOARD_PATH);
  }

  return {
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      connection.disconnect();
    },
  };
}
