import { describe, expect, it } from 'vitest';
import { createMetrics, type Observation } from './metrics.ts';

const usage = { input_tokens: 100, output_tokens: 10, total_tokens: 110, cached_tokens: 40, reasoning_tokens: 3 };
const observation = (over: Partial<Observation> = {}): Observation => ({
  endpoint: 'responses', provider: 'openai', model: 'gpt-4.1-mini', status: 200, outcome: 'ok', durationMs: 12, ttfbMs: 5, usage, cost: 0.5, unpriced: false, error: null, ...over,
});
const sample = (text: string, series: string) => Number(text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1]);

describe('metrics counters', () => {
  it('show every request once, however the reads and the requests interleave', async () => {
    const metrics = createMetrics();
    metrics.observe(observation());
    metrics.observe(observation());
    let text = await metrics.registry.metrics();
    expect(sample(text, 'aurora_requests_total{endpoint="responses",provider="openai",model="gpt-4.1-mini",status="200",outcome="ok"}')).toBe(2);
    expect(sample(text, 'aurora_tokens_total{provider="openai",model="gpt-4.1-mini",kind="cached"}')).toBe(80);
    expect(sample(text, 'aurora_cost_usd_total{provider="openai",model="gpt-4.1-mini"}')).toBe(1);
    // Read again with nothing new: the same totals, nothing counted twice.
    text = await metrics.registry.metrics();
    expect(sample(text, 'aurora_tokens_total{provider="openai",model="gpt-4.1-mini",kind="input"}')).toBe(200);
    metrics.observe(observation({ usage: { ...usage, reasoning_tokens: 0 } }));
    text = await metrics.registry.metrics();
    expect(sample(text, 'aurora_requests_total{endpoint="responses",provider="openai",model="gpt-4.1-mini",status="200",outcome="ok"}')).toBe(3);
    expect(sample(text, 'aurora_tokens_total{provider="openai",model="gpt-4.1-mini",kind="reasoning"}')).toBe(6);
  });

  it('shows a free model at a cost of 0, and an unpriced one apart', async () => {
    const metrics = createMetrics();
    metrics.observe(observation({ model: 'local-llama', cost: 0 }));
    metrics.observe(observation({ model: 'mystery', cost: null, unpriced: true }));
    const text = await metrics.registry.metrics();
    expect(sample(text, 'aurora_cost_usd_total{provider="openai",model="local-llama"}')).toBe(0);
    expect(sample(text, 'aurora_unpriced_requests_total{provider="openai",model="mystery"}')).toBe(1);
    expect(text).not.toMatch(/aurora_cost_usd_total\{provider="openai",model="mystery"\}/);
  });
});
