// What each RoutePolicy is told: the Accepted and ResolvedRefs conditions (without their
// transition times: the status writer keeps or sets those), and a diagnostic for every policy not
// fully in effect, so standalone mode logs what cluster mode writes in status.
import type { PolicyReason, RoutePolicy } from '../../policy/types.ts';
import type { Diagnostic } from '../../snapshot.ts';
import type { PolicyProblem } from './settings.ts';

export interface PolicyConditionOutcome {
  type: 'Accepted' | 'ResolvedRefs';
  status: 'True' | 'False';
  reason: PolicyReason;
  message: string;
}

export interface PolicyOutcome {
  namespace: string;
  name: string;
  generation?: number;
  conditions: PolicyConditionOutcome[];
}

interface Entry {
  policy: RoutePolicy;
  missing: string[];
  problems?: PolicyProblem[];
  unsupported?: { fields: string[]; closes: boolean };
  /** Secrets or Services it names that cannot be used: the routes it wins answer 503. */
  unresolved?: string[];
  won: number;
  /** Route id → the policy holding it. */
  lost: Map<string, string>;
}

/** Routes named in a message; the rest are counted, so a status stays small. */
const MAX_NAMED = 5;

export class PolicyStatusBook {
  readonly #entries = new Map<string, Entry>();
  readonly #diagnostics: Diagnostic[];

  constructor(diagnostics: Diagnostic[]) {
    this.#diagnostics = diagnostics;
  }

  add(key: string, policy: RoutePolicy): void {
    this.#entries.set(key, { policy, missing: [], won: 0, lost: new Map() });
  }

  resolved(key: string, missing: string[]): void {
    this.#get(key).missing = missing;
  }

  invalid(key: string, problems: PolicyProblem[]): void {
    this.#get(key).problems = problems;
  }

  unsupported(key: string, fields: string[], closes: boolean): void {
    this.#get(key).unsupported = { fields, closes };
  }

  unresolved(key: string, messages: string[]): void {
    this.#get(key).unresolved = messages;
  }

  won(key: string, _routeId: string): void {
    this.#get(key).won++;
  }

  lost(key: string, routeId: string, holder: string): void {
    this.#get(key).lost.set(routeId, holder);
  }

  outcomes(): PolicyOutcome[] {
    const out: PolicyOutcome[] = [];
    for (const [key, entry] of this.#entries) {
      const [namespace = '', name = ''] = key.split('/');
      const outcome: PolicyOutcome = {
        namespace,
        name,
        conditions: [accepted(entry), resolvedRefs(entry)],
      };
      if (entry.policy.metadata.generation !== undefined)
        outcome.generation = entry.policy.metadata.generation;
      out.push(outcome);
      this.#report(namespace, name, entry, outcome);
    }
    return out;
  }

  #report(namespace: string, name: string, entry: Entry, outcome: PolicyOutcome): void {
    const object = { kind: 'RoutePolicy', namespace, name };
    for (const problem of entry.problems ?? [])
      this.#diagnostics.push({ object, field: problem.field, reason: 'Invalid', message: problem.message });
    for (const { type, status, reason, message } of outcome.conditions) {
      // Invalid was reported field by field above; an accepted policy that lost some routes is told too.
      if (status === 'False' && reason !== 'Invalid') this.#diagnostics.push({ object, reason, message });
      else if (type === 'Accepted' && status === 'True' && entry.lost.size > 0)
        this.#diagnostics.push({ object, reason: 'Conflicted', message });
    }
  }

  #get(key: string): Entry {
    const entry = this.#entries.get(key);
    if (entry === undefined) throw new Error(`no RoutePolicy ${key} in the book`);
    return entry;
  }
}

function accepted(entry: Entry): PolicyConditionOutcome {
  const no = (reason: PolicyReason, message: string) =>
    ({ type: 'Accepted', status: 'False', reason, message }) as const;
  if (entry.problems !== undefined) {
    const problems = entry.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    // Only a policy restricting access holds routes while invalid (attach.ts): they answer 503.
    const closed =
      entry.won > 0
        ? `; it restricts access, so the ${entry.won} routes it holds answer 503 until it is fixed`
        : '';
    return no('Invalid', `${problems}${closed}`);
  }
  if (entry.unsupported !== undefined) {
    const fields = entry.unsupported.fields.join(', ');
    return entry.unsupported.closes
      ? no(
          'Unsupported',
          `${fields} not supported yet: the routes it targets answer 503 rather than serve unrestricted`,
        )
      : no('Unsupported', `${fields} not supported yet: the policy is not applied`);
  }
  if (entry.won === 0 && entry.lost.size > 0)
    return no(
      'Conflicted',
      `every route it matches is held by a more specific or older policy: ${held(entry)}`,
    );
  if (entry.won === 0 && entry.missing.length === entry.policy.spec.targetRefs.length)
    return no('TargetNotFound', 'no targetRef names an Ingress this controller serves');
  const message =
    entry.lost.size > 0
      ? `applied to ${entry.won} routes; ${entry.lost.size} more are held by other policies: ${held(entry)}`
      : `applied to ${entry.won} routes`;
  return { type: 'Accepted', status: 'True', reason: 'Accepted', message };
}

function resolvedRefs(entry: Entry): PolicyConditionOutcome {
  // Only an object the schema refused has no targetRefs (minItems 1): its references were not read.
  if (entry.policy.spec.targetRefs.length === 0)
    return { type: 'ResolvedRefs', status: 'False', reason: 'Invalid', message: 'the policy is invalid' };
  if (entry.missing.length > 0)
    return {
      type: 'ResolvedRefs',
      status: 'False',
      reason: 'TargetNotFound',
      message: `no Ingress of this controller's class named ${entry.missing.join(', ')} in namespace ${entry.policy.metadata.namespace ?? 'default'}`,
    };
  if (entry.unresolved !== undefined)
    return {
      type: 'ResolvedRefs',
      status: 'False',
      reason: 'RefNotFound',
      message: entry.unresolved.join('; '),
    };
  if (
    entry.won === 0 &&
    entry.lost.size === 0 &&
    entry.problems === undefined &&
    entry.unsupported === undefined
  )
    return {
      type: 'ResolvedRefs',
      status: 'False',
      reason: 'TargetNotFound',
      message: 'its hosts and paths match no route of the Ingresses it targets',
    };
  return {
    type: 'ResolvedRefs',
    status: 'True',
    reason: 'ResolvedRefs',
    message: 'every targetRef names an Ingress',
  };
}

function held(entry: Entry): string {
  const pairs = [...entry.lost].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const named = pairs.slice(0, MAX_NAMED).map(([route, holder]) => `${route} by ${holder}`);
  const more = pairs.length > MAX_NAMED ? ` and ${pairs.length - MAX_NAMED} more` : '';
  return named.join(', ') + more;
}
