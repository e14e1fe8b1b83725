// The worker's logger: winston, the same formats as the primary (JSON by default, text for people).
import winston from 'winston';

export type Logger = winston.Logger;

export function createLogger(
  level: string,
  format: 'json' | 'text',
  defaults: Record<string, unknown>,
): Logger {
  const formats =
    format === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          winston.format.timestamp(),
          winston.format.printf(({ timestamp, level: lvl, message, ...meta }) => {
            const extra = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
            return `${timestamp} ${lvl} ${message}${extra}`;
          }),
        );
  return winston.createLogger({
    level,
    format: formats,
    defaultMeta: defaults,
    transports: [new winston.transports.Console({ stderrLevels: [] })],
  });
}
