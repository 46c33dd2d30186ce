/**
 * `node core keys …`: manage keys from a shell, on the same store the gateway reads (a running
 * gateway picks the change up; see keys.ts). Results on stdout, problems on stderr.
 * Exit codes: 0 done, 1 failed (unknown id, unreadable store), 2 usage error.
 */
import { parseArgs } from 'node:util';
import { GatewayError } from 'aurora';
import { parseKeyChanges, parseNewKey } from './input.ts';
import { openKeyStore, toMetadata, type KeyMetadata, type KeyStore } from './keys.ts';
import { formatUsd, NO_SPEND, type Spent, type SpendLedger } from './spend.ts';
import { openFileSpendLedger } from './spend-file.ts';

export const USAGE = `Usage: node core [--config <file>] keys <command> [options]

Commands:
  create --name <name>   create a key; prints it once (store it: it cannot be shown again)
      --models <globs>     models it may use, comma-separated or repeated ('deepseek-*,gpt-4.1')
      --rpm <n>            requests per minute          --tpm <n>   tokens per minute
      --budget-day <usd>   US dollars per UTC day       --budget-month <usd>   per UTC month
      --expires <date>     ISO date/time or epoch ms    --admin     may use the admin API
  update <id>            change a key: --name, --models, --rpm, --tpm, --budget-day, --budget-month,
                         --expires; 'none' removes a limit, a budget, the model list or the expiry
  list                   show every key (never the key itself) with its spend today and this month (UTC)
  revoke <id>            revoke a key at once
Options: --json (machine-readable output), -h, --help
`;

export interface CliOptions {
  dir: string;
  /** Open the store the config names instead of `dir`'s keys.json (auth({ store })), with its spend ledger if it has one. */
  open?: () => Promise<{ keys: KeyStore; spend?: SpendLedger }>;
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
        'budget-day': { type: 'string' },
        'budget-month': { type: 'string' },
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
  if (command !== 'create' && command !== 'update' && command !== 'list' && command !== 'revoke') return usage(command ? `unknown command "${command}"` : 'a command is needed');
  const keyOptions = [values.name, values.models, values.rpm, values.tpm, values['budget-day'], values['budget-month'], values.expires, values.admin];
  if ((command === 'list' || command === 'revoke') && keyOptions.some((v) => v !== undefined)) {
    return usage(`"${command}" takes no key options`);
  }
  const takesId = command === 'revoke' || command === 'update';
  if (takesId ? rest.length !== 1 : rest.length > 0) return usage(takesId ? `${command} takes exactly one key id` : `unexpected argument "${rest[0]}"`);

  let input;
  let changes;
  try {
    if (command === 'create') {
      input = parseNewKey({
        name: values.name,
        models: values.models?.flatMap((m) => m.split(',')).map((m) => m.trim()).filter(Boolean),
        rpm: values.rpm === undefined ? undefined : toNumber(values.rpm),
        tpm: values.tpm === undefined ? undefined : toNumber(values.tpm),
        budgetDay: values['budget-day'] === undefined ? undefined : toAmount(values['budget-day']),
        budgetMonth: values['budget-month'] === undefined ? undefined : toAmount(values['budget-month']),
        expiresAt: values.expires,
        admin: values.admin,
      });
    } else if (command === 'update') {
      // Only the flags given: `none` removes what it names.
      const given = (value: string | undefined, read: (text: string) => unknown) => (value === undefined ? undefined : value.trim() === 'none' ? null : read(value));
      const body: Record<string, unknown> = {
        name: values.name,
        models: values.models && (values.models.join(',').trim() === 'none' ? null : values.models.flatMap((m) => m.split(',')).map((m) => m.trim()).filter(Boolean)),
        rpm: given(values.rpm, toNumber),
        tpm: given(values.tpm, toNumber),
        budgetDay: given(values['budget-day'], toAmount),
        budgetMonth: given(values['budget-month'], toAmount),
        expiresAt: given(values.expires, (t) => t),
        admin: values.admin,
      };
      changes = parseKeyChanges(Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)));
    }
  } catch (e) {
    if (!GatewayError.is(e)) throw e;
    return usage(e.param ? `--${flagOf(e.param)}: ${e.message}` : e.message);
  }

  let store: KeyStore;
  let spend: SpendLedger | undefined;
  try {
    if (options.open) ({ keys: store, spend } = await options.open());
    else store = await openKeyStore(options.dir);
    // Read once, never written: the gateway counts the spend.
    if (command === 'list' || command === 'update') spend ??= await openFileSpendLedger(options.dir, { flushMs: 0 });
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
      const spent = (await spend?.spentAll()) ?? new Map<string, Spent>();
      const keys = store.list().map((k) => ({ ...toMetadata(k, now), spend: spent.get(k.id) ?? NO_SPEND })).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      out(values.json ? `${JSON.stringify({ data: keys }, null, 2)}\n` : formatTable(keys));
      return 0;
    }
    const id = rest[0]!;
    if (changes) {
      const record = await store.update(id, changes);
      if (!record) {
        err(`aurora keys: no key with id "${id}" in ${store.file}\n`);
        return 1;
      }
      const listed = { ...toMetadata(record), spend: (await spend?.spent(id)) ?? NO_SPEND };
      out(values.json ? `${JSON.stringify(listed, null, 2)}\n` : `updated ${record.id} (${record.name}): ${describeLimits(listed)}\n`);
      return 0;
    }
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
    await spend?.close();
    await store.close();
  }
}

/** A number when the flag is one, else the text, so the validator names the flag in its message. */
function toNumber(text: string): number | string {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : text;
}

/** An amount of dollars (`5`, `2.50`, `$10`), else the text, so the validator names the flag. */
function toAmount(text: string): number | string {
  const amount = /^\s*\$?(\d+(?:\.\d+)?)\s*$/.exec(text);
  return amount ? Number(amount[1]) : text;
}

function flagOf(param: string): string {
  return param === 'expiresAt' ? 'expires' : param === 'budgetDay' ? 'budget-day' : param === 'budgetMonth' ? 'budget-month' : param;
}

type Listed = KeyMetadata & { spend: Spent };

/** `$1.23 of $5.00`, or what was spent when there is no budget. */
function spentOf(spent: number, budget: number | null): string {
  return budget === null ? formatUsd(spent) : `${formatUsd(spent)} of ${formatUsd(budget)}`;
}

function describeLimits(k: Listed): string {
  return [
    `models ${k.models?.join(',') ?? '*'}`,
    `rpm ${k.rpm ?? '-'}`,
    `tpm ${k.tpm ?? '-'}`,
    `today ${spentOf(k.spend.day, k.budgetDay)}`,
    `this month ${spentOf(k.spend.month, k.budgetMonth)}`,
    `expires ${k.expiresAt ?? '-'}`,
  ].join(', ');
}

function formatTable(keys: Listed[]): string {
  if (keys.length === 0) return 'No managed keys. Create one with: node core keys create --name <name>\n';
  const rows = [
    ['ID', 'NAME', 'STATUS', 'MODELS', 'RPM', 'TPM', 'TODAY (UTC)', 'THIS MONTH (UTC)', 'ADMIN', 'CREATED', 'EXPIRES'],
    ...keys.map((k) => [k.id, k.name, k.status, k.models?.join(',') ?? '*', String(k.rpm ?? '-'), String(k.tpm ?? '-'), spentOf(k.spend.day, k.budgetDay), spentOf(k.spend.month, k.budgetMonth),
      k.admin ? 'yes' : 'no', k.createdAt.slice(0, 19), k.expiresAt?.slice(0, 19) ?? '-']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
