// The e2e apiserver's audit log (up.sh: Metadata level, requests of gatehouse/gatehouse only), read
// back as the requests a client made: what the authorizer saw, not what the client meant to send.
import { readFileSync } from 'node:fs';

export interface AuditedRequest {
  auditID: string;
  verb: string;
  /** '' is the core group. */
  apiGroup: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  userAgent: string;
  requestURI: string;
  code?: number;
}

interface AuditEvent {
  auditID: string;
  stage: string;
  verb: string;
  requestURI: string;
  userAgent?: string;
  objectRef?: {
    apiGroup?: string;
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
  };
  responseStatus?: { code?: number };
}

/**
 * One entry per request (a watch logs ResponseStarted and later ResponseComplete under one auditID),
 * resource requests only (discovery such as /apis has no objectRef).
 */
export function auditedRequests(path: string): AuditedRequest[] {
  const byId = new Map<string, AuditedRequest>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const e = JSON.parse(line) as AuditEvent;
    const ref = e.objectRef;
    if (!ref?.resource || byId.has(e.auditID)) continue;
    byId.set(e.auditID, {
      auditID: e.auditID,
      verb: e.verb,
      apiGroup: ref.apiGroup ?? '',
      resource: ref.resource,
      ...(ref.subresource ? { subresource: ref.subresource } : {}),
      ...(ref.namespace ? { namespace: ref.namespace } : {}),
      ...(ref.name ? { name: ref.name } : {}),
      userAgent: e.userAgent ?? '',
      requestURI: e.requestURI,
      code: e.responseStatus?.code,
    });
  }
  return [...byId.values()];
}
