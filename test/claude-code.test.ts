/**
 * The real Claude Code CLI (`@anthropic-ai/claude-code`, devDependency) through the gateway's
 * `/v1/messages` front door to providers that do not speak Messages: the emulated DeepSeek
 * (translated by the deepseek plugin) and an OpenAI model on the emulated Responses API. Each run
 * is `claude -p` with a throwaway HOME, the two environment variables a user sets, and a model name.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, startMockUpstream, type MockUpstream, type RecordedRequest, type TestGateway } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import effort from 'aurora/plugins/effort';
import openai from 'aurora/plugins/openai';
import { MASTER_KEY, ROOT, UPSTREAM_KEY } from './helpers.ts';

const CLAUDE = join(ROOT, 'node_modules/.bin/claude');

let mock: MockUpstream;
let gw: TestGateway;
const plugins = () => [
  auth({ masterKey: MASTER_KEY }),
  effort(),
  deepseek({ apiKey: UPSTREAM_KEY, baseUrl: mock.url }),
  openai({ apiKey: UPSTREAM_KEY, baseUrl: `${mock.url}/v1` }),
];

beforeAll(async () => {
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  gw = await createTestGateway({ plugins: plugins() });
});
afterAll(async () => {
  await gw?.close();
  await mock?.close();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A new HOME and working folder for each run, as a user's first run in a fresh checkout. */
async function workspace(): Promise<{ home: string; cwd: string }> {
  const base = await mkdtemp(join(tmpdir(), 'aurora-claude-'));
  const home = join(base, 'home');
  const cwd = join(base, 'work');
  await mkdir(home, { recursive: true });
  await mkdir(cwd, { recursive: true });
  await writeFile(join(cwd, 'README.md'), 'A scratch project.\n');
  return { home, cwd };
}

function claude(args: string[], where: { home: string; cwd: string }, baseUrl = gw.url, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(CLAUDE, args, {
      cwd: where.cwd,
      timeout: 120_000,
      env: {
        PATH: process.env.PATH,
        HOME: where.home,
        ANTHROPIC_BASE_URL: baseUrl,
        ANTHROPIC_API_KEY: MASTER_KEY,
        DISABLE_TELEMETRY: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        ...env,
      },
    }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
  });
}

/** The model turns Claude Code sent (it makes no other request in `-p` runs with these variables). */
function turns(since: number, model: RegExp): RecordedRequest[] {
  return mock.requests.slice(since).filter((r) => model.test(String(r.body?.model)));
}

const forModel = (model: string) => (r: RecordedRequest) => r.body?.model === model;

describe('Claude Code → DeepSeek', () => {
  it('a plain turn', async () => {
    const before = mock.requests.length;
    mock.enqueue({ reasoning: 'A short answer.', content: 'ok', match: forModel('deepseek-v4-pro') });
    const run = await claude(['-p', 'Reply with exactly ok', '--model', 'deepseek-v4-pro'], await workspace());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('ok');
    const [turn] = turns(before, /deepseek/);
    expect(turn!.path).toBe('/chat/completions');
    expect(turn!.body.stream).toBe(true);
  });

  it('a tool turn with thinking: the tool runs, its result goes back with DeepSeek\'s own reasoning', async () => {
    const before = mock.requests.length;
    mock.enqueue(
      { reasoning: 'I will run echo hi.', toolCalls: [{ id: 'call_00_cc', name: 'Bash', arguments: '{"command":"echo hi","description":"Print hi"}' }], match: forModel('deepseek-v4-pro') },
      { reasoning: 'It printed hi.', content: 'done', match: forModel('deepseek-v4-pro') },
    );
    const run = await claude(['-p', 'Run the shell command echo hi', '--model', 'deepseek-v4-pro', '--allowedTools', 'Bash'], await workspace());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('done');
    const [, second] = turns(before, /deepseek/);
    const messages = second!.body.messages as Array<Record<string, any>>;
    const assistant = messages.find((m) => m.role === 'assistant' && m.tool_calls);
    expect(assistant!.reasoning_content).toBe('I will run echo hi.');
    const result = messages.find((m) => m.role === 'tool');
    expect(result).toMatchObject({ tool_call_id: 'call_00_cc' });
    expect(result!.content).toContain('hi');
  });

  it('a session resumed in a new Claude Code process, through a new gateway process, replays the reasoning', async () => {
    const where = await workspace();
    mock.enqueue(
      { reasoning: 'First I list the files.', toolCalls: [{ id: 'call_00_rs', name: 'Bash', arguments: '{"command":"ls","description":"List files"}' }], match: forModel('deepseek-v4-pro') },
      { reasoning: 'README.md is there.', content: 'listed', match: forModel('deepseek-v4-pro') },
    );
    const first = await claude(['-p', 'List the files here', '--model', 'deepseek-v4-pro', '--allowedTools', 'Bash', '--output-format', 'json'], where);
    expect(first.code, first.stderr).toBe(0);
    const { session_id: session, result } = JSON.parse(first.stdout);
    expect(result).toBe('listed');

    // Another gateway process: nothing is kept between the two; the thinking block carries it all.
    const restarted = await createTestGateway({ plugins: plugins() });
    try {
      const before = mock.requests.length;
      mock.enqueue({ content: 'resumed', match: forModel('deepseek-v4-pro') });
      const again = await claude(['-p', 'And now?', '--model', 'deepseek-v4-pro', '--resume', session], where, restarted.url);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout.trim()).toBe('resumed');
      const [turn] = turns(before, /deepseek/);
      const replayed = (turn!.body.messages as Array<Record<string, any>>).filter((m) => m.role === 'assistant');
      expect(replayed.map((m) => m.reasoning_content)).toContain('First I list the files.');
    } finally {
      await restarted.close();
    }
  });
});

describe('Claude Code → an OpenAI model', () => {
  it('a tool turn on the Responses API', async () => {
    const before = mock.requests.length;
    mock.enqueue(
      { reasoning: 'Run it.', toolCalls: [{ id: 'call_oa_cc', name: 'Bash', arguments: '{"command":"echo hi","description":"Print hi"}' }], match: forModel('gpt-5.5') },
      { content: 'done', match: forModel('gpt-5.5') },
    );
    const run = await claude(['-p', 'Run the shell command echo hi', '--model', 'gpt-5.5', '--allowedTools', 'Bash'], await workspace());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('done');
    const [first, second] = turns(before, /gpt-5\.5/);
    expect(first!.path).toBe('/v1/responses');
    expect(first!.body).toMatchObject({ store: false, include: ['reasoning.encrypted_content'] });
    const input = second!.body.input as Array<Record<string, any>>;
    expect(input.find((i) => i.type === 'reasoning')?.encrypted_content).toMatch(/^gAAAAABmock_/);
    expect(input.find((i) => i.type === 'function_call_output')).toMatchObject({ call_id: 'call_oa_cc' });
  });
});
