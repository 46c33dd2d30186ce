/**
 * The real Codex CLI (@openai/codex, a devDependency) for tests: a CODEX_HOME whose `aurora`
 * provider points at a gateway, and `codex exec` run non-interactively in a work folder.
 * No network and no real key: the gateway's master key is the provider key.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { MASTER_KEY, ROOT } from './helpers.ts';

const CODEX_BIN = join(ROOT, 'node_modules/.bin/codex');

/** A temp CODEX_HOME with `model` on an `aurora` provider at `baseUrl` (Responses wire API). */
export function codexHome(baseUrl: string, model: string): string {
  const home = mkdtempSync(join(tmpdir(), 'aurora-codex-home-'));
  writeFileSync(join(home, 'config.toml'), [
    `model = "${model}"`,
    'model_provider = "aurora"',
    '[model_providers.aurora]',
    'name = "Aurora"',
    `base_url = "${baseUrl}"`,
    'env_key = "AURORA_API_KEY"',
    'wire_api = "responses"',
    '',
  ].join('\n'));
  return home;
}

export interface CodexRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `codex exec <args>` with approvals and the sandbox off (the tests' tools run in `cwd`). */
export function codexExec(args: string[], { home, cwd }: { home: string; cwd: string }): Promise<CodexRun> {
  return new Promise((resolve) => {
    const child = execFile(
      CODEX_BIN,
      ['exec', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', ...args],
      { cwd, env: { ...process.env, CODEX_HOME: home, AURORA_API_KEY: MASTER_KEY }, timeout: 90_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(); // `codex exec` otherwise waits for more input on stdin
  });
}

/** Runs `codex exec` and expects it to succeed; its stdout (the final message). */
export async function codexOk(args: string[], where: { home: string; cwd: string }): Promise<string> {
  const r = await codexExec(args, where);
  expect(r.code, r.stderr.slice(-3000)).toBe(0);
  return r.stdout;
}
