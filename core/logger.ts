/**
 * A minimal structured logger: one JSON object per line on stderr. Call sites pass fields, never
 * bodies or headers; `redact` guards against a secret slipping in through an error message.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; default stderr. Tests pass their own sink. */
  write?: (line: string) => void;
  /** Strings that must never appear in a log line (provider keys, master key). */
  secrets?: () => Iterable<string>;
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const min = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const emit = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    let line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...bound, ...fields }, errorReplacer);
    if (options.secrets) line = redact(line, options.secrets());
    write(line + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** Replace every occurrence of each secret (of 8+ characters, shorter ones would over-match). */
export function redact(text: string, secrets: Iterable<string>): string {
  for (const secret of secrets) {
    if (secret && secret.length >= 8 && text.includes(secret)) text = text.split(secret).join('[redacted]');
  }
  return text;
}

// Error objects stringify to {} by default; keep what helps debugging.
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message, stack: value.stack };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    if (value.cause !== undefined) out.cause = value.cause;
    return out;
  }
  return value;
}
