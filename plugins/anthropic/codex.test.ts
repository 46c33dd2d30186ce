/**
 * The real Codex CLI (@openai/codex, a devDependency) with examples/codex/claude.toml and
 * claude-models.json as a user copies them, through the gateway (auth, effort, anthropic) to the
 * emulated Anthropic Messages API, which checks thinking signatures and tool_result pairing.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from 'aurora';
import auth from 'aurora/plugins/auth';
import effort from 'aurora/plugins/effort';
import { createTestGateway, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import anthropic from './index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MASTER_KEY = 'test-master-key-anthropic';
const KEY = 'sk-ant-codex-test';

/** `codex exec <args>` with approvals and the sandbox off, expected to succeed; its stdout (the final message). */
function codexOk(args: string[], { home, cwd }: { home: string; cwd: string }): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile(
      join(ROOT, 'node_modules/.bin/codex'),
      ['exec', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', ...args],
      { cwd, env: { ...process.env, CODEX_HOME: home, AURORA_API_KEY: MASTER_KEY }, timeout: 90_000 },
      (err, stdout, stderr) => {
        expect(err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0, stderr.slice(-3000)).toBe(0);
        resolve(stdout);
      },
    );
    child.stdin?.end(); // `codex exec` otherwise waits for more input on stdin
  });
}
let mock: MockUpstream;
let gw: TestGateway;
let home: string;
let work: string;

beforeAll(async () => {
  mock = await startMockUpstream({ apiKey: KEY });
  gw = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), effort(), anthropic({ baseUrl: `${mock.url}/v1`, apiKey: KEY })] });
  home = mkdtempSync(join(tmpdir(), 'aurora-codex-claude-'));
  writeFileSync(join(home, 'config.toml'), readFileSync(join(ROOT, 'examples/codex/claude.toml'), 'utf8').replace('http://127.0.0.1:8080/v1', gw.baseUrl));
  copyFileSync(join(ROOT, 'examples/codex/claude-models.json'), join(home, 'claude-models.json'));
  work = mkdtempSync(join(tmpdir(), 'aurora-codex-work-'));
});

afterAll(async () => {
  await gw?.close();
  await mock?.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('codex exec with examples/codex/claude.toml', { timeout: 120_000 }, () => {
  it('claude-opus-5-5 gets apply_patch and its effort from the catalog; the patch lands; the thinking comes back signed', async () => {
    const patch = '*** Begin Patch\n*** Add File: claude.txt\n+from claude\n*** End Patch\n';
    mock.enqueue({ reasoning: 'Write the file.', toolCalls: [{ name: 'apply_patch', arguments: JSON.stringify({ input: patch }) }] }, { reasoning: 'Done.', content: 'wrote claude.txt' });
    expect(await codexOk(['Create claude.txt'], { home, cwd: work })).toContain('wrote claude.txt');
    expect(readFileSync(join(work, 'claude.txt'), 'utf8')).toBe('from claude\n');

    const [first, second] = mock.requests.slice(-2).map((r) => r.body);
    expect(first!.model).toBe('claude-opus-5-5');
    expect(first).toMatchObject({ thinking: { type: 'adaptive', display: 'summarized' }, output_config: { effort: 'medium' }, stream: true });
    const tool = (first!.tools as JsonObject[]).find((t) => t.name === 'apply_patch')!;
    expect(tool.input_schema.required).toEqual(['input']);
    // The follow-up carried the signed thinking block first in the tool turn (the emulator verified it), then the result.
    const turn = (second!.messages as JsonObject[]).at(-2)!;
    expect(turn.content.map((b: JsonObject) => b.type)).toEqual(['thinking', 'tool_use']);
    expect(turn.content[0].thinking).toBe('Write the file.');
    expect((second!.messages as JsonObject[]).at(-1)!.content[0]).toMatchObject({ type: 'tool_result' });
  });

  it('codex exec resume, a new Codex process, replays every earlier thinking block', async () => {
    mock.enqueue({ reasoning: 'Run it.', toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"echo three"}' }] }, { reasoning: '', content: 'three done' });
    expect(await codexOk(['resume', '--last', 'Run echo three'], { home, cwd: work })).toContain('three done');
    const replayed = (mock.requests.at(-1)!.body.messages as JsonObject[])
      .filter((m) => m.role === 'assistant')
      .flatMap((m) => (m.content as JsonObject[]).filter((b) => b.type === 'thinking').map((b) => b.thinking));
    expect(replayed).toEqual(['Write the file.', 'Done.', 'Run it.']);
  });
});
