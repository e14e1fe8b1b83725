// nginx's ssl_verify_client (ingress-nginx auth-tls-*), judged per request on the certificate the
// connection's handshake presented (the HTTPS listener asks for one on these hosts only:
// tls/passthrough.ts). nginx answers before any location runs, so it is the first stage; its
// verdict and the certificate go upstream in the ssl-client-* headers (nginx.tmpl).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { answer, redirectRaw } from '../answers.ts';
import {
  type CompiledClientCertificate,
  clientHeaders,
  distinguishedName,
  subjectMatches,
  tlsSocketOf,
  verifyClient,
} from '../client-certificate.ts';
import type { ClientView } from '../forwarding.ts';
import type { Refusal, Stage, StagedRoute } from './stage.ts';

const kClientHeaders = Symbol('gatehouse.clientCertificateHeaders');
type VerifiedRequest = IncomingMessage & { [kClientHeaders]?: readonly string[] };

/** The ssl-client-* headers the stage left on this request (set, replacing the client's own). */
export function clientCertificateHeadersOf(req: IncomingMessage): readonly string[] | undefined {
  return (req as VerifiedRequest)[kClientHeaders];
}

class ClientCertificateStage implements Stage {
  readonly refusal: Refusal = 'client_certificate';
  readonly upgrades = true;
  readonly #auth: CompiledClientCertificate;

  constructor(auth: CompiledClientCertificate) {
    this.#auth = auth;
  }

  check(req: IncomingMessage, res: ServerResponse | undefined, _client: ClientView, socket?: Duplex): number {
    const auth = this.#auth;
    // A CA Secret missing or invalid, or a match-cn that cannot run: never served open.
    if (auth.broken) return 503;
    const settings = auth.settings;
    const verdict = verifyClient(tlsSocketOf(req), settings.depth);
    // ngx_http_process_request: 495 for a failed verification (not under optional_no_ca), 496 for
    // none under `on`; ngx_http_special_response_handler turns both into a 400 on the wire
    // (err_status), unless error_page 495 496 sends them elsewhere.
    const failed =
      (verdict.verify !== 'SUCCESS' && verdict.verify !== 'NONE' && settings.verify !== 'optional_no_ca') ||
      (verdict.verify === 'NONE' && settings.verify === 'on');
    if (failed) {
      const page = settings.errorPage;
      if (page === undefined) return 400;
      if (res !== undefined) answer(res, 302, { location: page });
      else if (socket !== undefined) redirectRaw(socket, 302, page);
      return 302;
    }
    // nginx.tmpl: `if ($ssl_client_s_dn !~ match-cn) { return 403 }`.
    if (
      auth.matchCN !== undefined &&
      !subjectMatches(auth.matchCN, distinguishedName(verdict.certificate?.subject))
    )
      return 403;
    (req as VerifiedRequest)[kClientHeaders] = clientHeaders(verdict, settings.passCertificate);
    return 0;
  }
}

export function clientCertificateStage(route: StagedRoute): Stage | undefined {
  return route.clientCertificate === undefined
    ? undefined
    : new ClientCertificateStage(route.clientCertificate);
}
