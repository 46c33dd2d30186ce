/**
 * Structured logs through pino: JSON lines on stderr (pretty on a TTY). Call sites pass fields,
 * never bodies or headers, and every line is scrubbed of known secrets before it is written, so a
 * key that slips in through an error message still never reaches a log.
 */
import { pino, type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go (one JSON line per call); default stderr. Tests pass their own sink. */
  write?: (line: string) => void;
  /** Human-readable output; default: when stderr is a TTY and no sink is given. */
  pretty?: boolean;
  /** Strings that must never appear in a log line (provider keys, master key). */
  secrets?: () => Iterable<string>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets;
  const destination: DestinationStream = options.write
    ? { write: options.write }
    : (options.pretty ?? process.stderr.isTTY)
      ? pretty({ destination: 2, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : pino.destination({ dest: 2, sync: false });
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
      ...(secrets ? { hooks: { streamWrite: (line: string) => redact(line, secrets()) } } : {}),
    },
    destination,
  );
  return wrap(logger);
}

function wrap(logger: pino.Logger): Logger {
  return {
    debug: (msg, fields) => logger.debug(fields ?? {}, msg),
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    warn: (msg, fields) => logger.warn(fields ?? {}, msg),
    error: (msg, fields) => logger.error(fields ?? {}, msg),
    child: (fields) => wrap(logger.child(fields)),
  };
}

/** Replace every occurrence of each secret (of 8+ characters, shorter ones would over-match). */
export function redact(text: string, secrets: Iterable<string>): string {
  for (const secret of secrets) {
    if (secret && secret.length >= 8 && text.includes(secret)) text = text.split(secret).join('[redacted]');
  }
  return text;
}
