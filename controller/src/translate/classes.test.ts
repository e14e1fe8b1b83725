import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IngressClass } from '../snapshot.ts';
import { ingress, ingressClass, OPTIONS, run, service } from './testkit.ts';

const CONTROLLER = OPTIONS.controllerName;
const ours = ingressClass('gatehouse', CONTROLLER);
const oursRenamed = ingressClass('edge', CONTROLLER);
const theirs = ingressClass('nginx', 'k8s.io/ingress-nginx');
const defaultOurs = ingressClass('edge-default', CONTROLLER, true);
const defaultTheirs = ingressClass('nginx-default', 'k8s.io/ingress-nginx', true);

interface Case {
  name: string;
  classes: IngressClass[];
  className?: string;
  annotation?: string;
  handled: boolean;
}

const cases: Case[] = [
  {
    name: 'spec.ingressClassName naming an IngressClass of our controller is ours',
    classes: [oursRenamed],
    className: 'edge',
    handled: true,
  },
  {
    name: 'spec.ingressClassName naming an IngressClass of another controller is not ours',
    classes: [theirs],
    className: 'nginx',
    handled: false,
  },
  {
    name: 'an IngressClass named like --ingress-class but owned by another controller wins over the name',
    classes: [ingressClass('gatehouse', 'other.dev/controller')],
    className: 'gatehouse',
    handled: false,
  },
  {
    name: 'spec.ingressClassName equal to --ingress-class is ours when no IngressClass object exists (standalone)',
    classes: [],
    className: 'gatehouse',
    handled: true,
  },
  {
    name: 'spec.ingressClassName naming an unknown class other than ours is not ours',
    classes: [],
    className: 'missing',
    handled: false,
  },
  {
    name: 'the legacy annotation equal to --ingress-class is ours',
    classes: [],
    annotation: 'gatehouse',
    handled: true,
  },
  {
    name: 'the legacy annotation naming an IngressClass of our controller is ours',
    classes: [oursRenamed],
    annotation: 'edge',
    handled: true,
  },
  {
    name: 'the legacy annotation takes precedence over spec.ingressClassName (other class wins)',
    classes: [ours, theirs],
    annotation: 'nginx',
    className: 'gatehouse',
    handled: false,
  },
  {
    name: 'the legacy annotation takes precedence over spec.ingressClassName (our class wins)',
    classes: [ours, theirs],
    annotation: 'gatehouse',
    className: 'nginx',
    handled: true,
  },
  {
    name: 'no class at all is ours when our IngressClass is marked is-default-class',
    classes: [defaultOurs],
    handled: true,
  },
  {
    name: 'no class at all is not ours when only another controller has the default class',
    classes: [defaultTheirs, ours],
    handled: false,
  },
  {
    name: 'no class at all is not ours when no IngressClass is the default',
    classes: [ours],
    handled: false,
  },
  {
    name: 'a default class does not capture Ingresses that name another class',
    classes: [defaultOurs, theirs],
    className: 'nginx',
    handled: false,
  },
];

describe('IngressClass selection', () => {
  for (const c of cases) {
    it(c.name, () => {
      const ing = ingress(
        'app',
        { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
        {
          ...(c.annotation ? { annotations: { 'kubernetes.io/ingress.class': c.annotation } } : {}),
        },
      );
      ing.spec = { ...ing.spec };
      if (c.className === undefined) delete ing.spec.ingressClassName;
      else ing.spec.ingressClassName = c.className;

      const result = run({ ingresses: [ing], ingressClasses: c.classes, services: [service('web')] });
      assert.deepEqual(result.handled, c.handled ? [{ namespace: 'default', name: 'app' }] : []);
      assert.equal(result.table.defaultRoute !== undefined, c.handled, 'only our Ingresses produce routes');
    });
  }

  it('Ingresses of other classes are ignored without diagnostics, even when invalid', () => {
    const foreign = ingress('foreign', { ingressClassName: 'nginx', rules: [{ host: 'Not A Host!' }] });
    const result = run({ ingresses: [foreign], ingressClasses: [theirs] });
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(result.handled, []);
    assert.deepEqual(result.table.hosts, []);
  });

  it('handled lists our Ingresses sorted by namespace then name', () => {
    const result = run({
      ingresses: [
        ingress('b', {}, { namespace: 'z' }),
        ingress('c', {}, { namespace: 'a' }),
        ingress('a', {}, { namespace: 'z' }),
        ingress('x', { ingressClassName: 'nginx' }, { namespace: 'a' }),
      ],
      ingressClasses: [theirs],
    });
    assert.deepEqual(result.handled, [
      { namespace: 'a', name: 'c' },
      { namespace: 'z', name: 'a' },
      { namespace: 'z', name: 'b' },
    ]);
  });
});
