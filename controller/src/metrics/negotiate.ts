// Content negotiation for /metrics: OpenMetrics when the scraper prefers it by `Accept` (as
// Prometheus does), the classic text format otherwise (curl, older scrapers).

export type ExpositionFormat = 'openmetrics' | 'prometheus';

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
};

function quality(params: string[]): number {
  for (const p of params) {
    const [name, value] = p.split('=').map((s) => s.trim());
    if (name.toLowerCase() === 'q') {
      const q = Number(value);
      return Number.isFinite(q) ? Math.min(1, Math.max(0, q)) : 0;
    }
  }
  return 1;
}

/** OpenMetrics only if it is acceptable and ranked at least as high as plain text (RFC 9110 §12.5.1). */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined) return 'prometheus';
  let openmetrics = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';');
    const media = type.trim().toLowerCase();
    const q = quality(params);
    if (media === 'application/openmetrics-text') openmetrics = Math.max(openmetrics, q);
    else if (media === 'text/plain' || media === 'text/*' || media === '*/*') text = Math.max(text, q);
  }
  return openmetrics > 0 && openmetrics >= text ? 'openmetrics' : 'prometheus';
}
