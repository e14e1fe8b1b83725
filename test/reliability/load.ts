// A small load driver for the reliability suite: N concurrent clients, each on its own keep-alive
// connection (so each client stays on one worker: SO_REUSEPORT picks a worker per connection),
// counting every outcome by status or error kind. Bounded by a request count AND a deadline.
import { Agent, request } from 'node:http';

export interface LoadOptions {
  port: number;
  host: string;
  path?: string;
  method?: string;
  concurrency: number;
  /** Requests in all, shared by the clients. */
  requests: number;
  /** The run ends here even if requests are left. */
  deadlineMs: number;
  /** A request with no answer for this long counts as `error:timeout`. */
  requestTimeoutMs?: number;
}

/** One client: its outcomes, and the local port of the connection it uses now. */
export interface LoadClient {
  readonly index: number;
  localPort: number | undefined;
  ok: number;
  failed: number;
  /** Outcomes as `status:200`, `error:ECONNRESET`… with the client port of the connection. */
  failures: Array<{ outcome: string; localPort: number | undefined; at: number }>;
}

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  /** Count by outcome: `status:200`, `status:502`, `error:ECONNRESET`, `error:timeout`… */
  outcomes: Record<string, number>;
  durationMs: number;
  /** True when the deadline, not the request count, ended the run. */
  hitDeadline: boolean;
}

export interface Load {
  readonly clients: LoadClient[];
  /** Requests answered so far (any outcome). */
  done(): number;
  /** Ends the run early: clients finish the request they are in. */
  stop(): void;
  result: Promise<LoadResult>;
}

function outcomeOf(error: NodeJS.ErrnoException): string {
  return `error:${error.code ?? error.message}`;
}

export function startLoad(options: LoadOptions): Load {
  const started = performance.now();
  const deadline = started + options.deadlineMs;
  const outcomes: Record<string, number> = {};
  let sent = 0;
  let answered = 0;
  let stopped = false;
  let hitDeadline = false;
  const clients: LoadClient[] = [];

  const count = (client: LoadClient, outcome: string, localPort: number | undefined): void => {
    answered++;
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    if (outcome === 'status:200') client.ok++;
    else {
      client.failed++;
      client.failures.push({ outcome, localPort, at: performance.now() });
    }
  };

  const one = (client: LoadClient, agent: Agent): Promise<void> =>
    new Promise((resolve) => {
      let settled = false;
      let localPort: number | undefined;
      const settle = (outcome: string): void => {
        if (settled) return;
        settled = true;
        count(client, outcome, localPort);
        resolve();
      };
      const req = request(
        {
          host: '127.0.0.1',
          port: options.port,
          path: options.path ?? '/',
          method: options.method ?? 'GET',
          headers: { host: options.host },
          agent,
          timeout: options.requestTimeoutMs ?? 30_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => settle(`status:${res.statusCode}`));
          res.on('error', (error) => settle(outcomeOf(error)));
          res.on('aborted', () => settle('error:aborted'));
        },
      );
      req.on('socket', (socket) => {
        const note = (): void => {
          localPort = socket.localPort;
          client.localPort = localPort;
        };
        if (socket.localPort === undefined) socket.once('connect', note);
        else note();
      });
      req.on('timeout', () => {
        settle('error:timeout');
        req.destroy();
      });
      req.on('error', (error) => settle(outcomeOf(error)));
      req.end();
    });

  const run = async (client: LoadClient): Promise<void> => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (!stopped && sent < options.requests) {
        if (performance.now() > deadline) {
          hitDeadline = true;
          break;
        }
        sent++;
        await one(client, agent);
      }
    } finally {
      agent.destroy();
    }
  };

  for (let i = 0; i < options.concurrency; i++)
    clients.push({ index: i, localPort: undefined, ok: 0, failed: 0, failures: [] });
  const result = Promise.all(clients.map(run)).then(() => {
    const failed = Object.entries(outcomes)
      .filter(([k]) => k !== 'status:200')
      .reduce((a, [, n]) => a + n, 0);
    return {
      sent,
      ok: outcomes['status:200'] ?? 0,
      failed,
      outcomes,
      durationMs: Math.round(performance.now() - started),
      hitDeadline,
    };
  });
  return {
    clients,
    done: () => answered,
    stop: () => {
      stopped = true;
    },
    result,
  };
}
