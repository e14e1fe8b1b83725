// The primary's logger: winston, JSON by default, text for people; a `component` field says
// which part of the controller speaks.
import winston from 'winston';

export type Logger = winston.Logger;

export function createLogger(level: string, format: 'json' | 'text'): Logger {
  const text = winston.format.printf(({ timestamp, level: lvl, message, component, ...meta }) => {
    const extra = Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : '';
    return `${timestamp} ${lvl} [${component ?? 'main'}] ${message}${extra}`;
  });
  return winston.createLogger({
    level,
    format: winston.format.combine(
      winston.format.timestamp(),
      format === 'json' ? winston.format.json() : text,
    ),
    defaultMeta: { pid: process.pid },
    transports: [new winston.transports.Console({ stderrLevels: [] })],
  });
}
