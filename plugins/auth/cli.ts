/**
 * `node core keys …`: manage keys from a shell, on the same store the gateway reads (a running
 * gateway picks the change up; see keys.ts). Results on stdout, problems on stderr.
 * Exit codes: 0 done, 1 failed (unknown id, unreadable store), 2 usage error.
 */
import { parseArgs } from 'node:util';
import { GatewayError } from 'aurora';
import { parseNewKey } from './input.ts';
import { openKeyStore, toMetadata, type KeyMetadata, type KeyStore } from './keys.ts';

export const USAGE = `Usage: node core [--config <file>] keys <command> [options]

Commands:
  create --name <name>   create a key; prints it once (store it: it cannot be shown again)
      --models <globs>     models it may use, comma-separated or repeated ('deepseek-*,gpt-4.1')
      --rpm <n>            requests per minute          --tpm <n>   tokens per minute
      --expires <date>     ISO date/time or epoch ms    --admin     may use the admin API
  list                   show every key (never the key itself)
  revoke <id>            revoke a key at once
Options: --json (machine-readable output), -h, --help
`;

export interface CliOptions {
  dir: string;
  /** Open the store the config names instead of `dir`'s keys.json (auth({ store })). */
  open?: () => Promise<KeyStore>;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

export async function runKeysCommand(args: string[], options: CliOptions): Promise<number> {
  const out = options.out ?? ((t) => void process.stdout.write(t));
  const err = options.err ?? ((t) => void process.stderr.write(t));
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        models: { type: 'string', multiple: true },
        rpm: { type: 'string' },
        tpm: { type: 'string' },
        expires: { type: 'string' },
        admin: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const usage = (message: string) => {
    err(`aurora keys: ${message}\n\n${USAGE}`);
    return 2;
  };
  if (command !== 'create' && command !== 'list' && command !== 'revoke') return usage(command ? `unknown command "${command}"` : 'a command is needed');
  if (command !== 'create' && (values.name ?? values.models ?? values.rpm ?? values.tpm ?? values.expires ?? values.admin) !== undefined) {
    return usage(`"${command}" takes no key options`);
  }
  if (command === 'revoke' ? rest.length !== 1 : rest.length > 0) return usage(command === 'revoke' ? 'revoke takes exactly one key id' : `unexpected argument "${rest[0]}"`);

  let input;
  if (command === 'create') {
    try {
      input = parseNewKey({
        name: values.name,
        models: values.models?.flatMap((m) => m.split(',')).map((m) => m.trim()).filter(Boolean),
        rpm: values.rpm === undefined ? undefined : toNumber(values.rpm),
        tpm: values.tpm === undefined ? undefined : toNumber(values.tpm),
        expiresAt: values.expires,
        admin: values.admin,
      });
    } catch (e) {
      if (!GatewayError.is(e)) throw e;
      return usage(e.param ? `--${flagOf(e.param)}: ${e.message}` : e.message);
    }
  }

  let store;
  try {
    store = options.open ? await options.open() : await openKeyStore(options.dir);
  } catch (e) {
    err(options.open ? `aurora keys: ${(e as Error).message}\n` : `aurora keys: cannot read the key store in ${options.dir}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    if (input) {
      const { key, record } = await store.create({ ...input, createdBy: 'cli' });
      if (values.json) out(`${JSON.stringify({ key, ...toMetadata(record) }, null, 2)}\n`);
      else {
        out(`id:  ${record.id}\nkey: ${key}\n`);
        err(`Created key "${record.name}". This is the only time the key is shown: store it now.\n`);
      }
      return 0;
    }
    if (command === 'list') {
      const now = Date.now();
      const keys = store.list().map((k) => toMetadata(k, now)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      out(values.json ? `${JSON.stringify({ data: keys }, null, 2)}\n` : formatTable(keys));
      return 0;
    }
    const id = rest[0]!;
    const record = await store.revoke(id);
    if (!record) {
      err(`aurora keys: no key with id "${id}" in ${store.file}\n`);
      return 1;
    }
    out(values.json ? `${JSON.stringify(toMetadata(record), null, 2)}\n` : `revoked ${record.id} (${record.name})\n`);
    return 0;
  } catch (e) {
    err(`aurora keys: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

/** A number when the flag is one, else the text, so the validator names the flag in its message. */
function toNumber(text: string): number | string {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : text;
}

function flagOf(param: string): string {
  return param === 'expiresAt' ? 'expires' : param;
}

function formatTable(keys: KeyMetadata[]): string {
  if (keys.length === 0) return 'No managed keys. Create one with: node core keys create --name <name>\n';
  const rows = [
    ['ID', 'NAME', 'STATUS', 'MODELS', 'RPM', 'TPM', 'ADMIN', 'CREATED', 'EXPIRES'],
    ...keys.map((k) => [k.id, k.name, k.status, k.models?.join(',') ?? '*', String(k.rpm ?? '-'), String(k.tpm ?? '-'), k.admin ? 'yes' : 'no', k.createdAt.slice(0, 19), k.expiresAt?.slice(0, 19) ?? '-']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
