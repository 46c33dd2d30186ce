import { describe, expect, it } from 'vitest';
import { createProfiles } from './models.ts';
import { clampEffort, planThinking } from './thinking.ts';

const profiles = createProfiles();
const plan = (model: string, effort: unknown, maxTokens = profiles(model).maxTokens, summarized = false) =>
  planThinking(profiles(model), effort, { maxTokens, summarized });

describe('model profiles', () => {
  it.each([
    ['claude-3-5-haiku-20241022', 'none', 'omit', 8192],
    ['claude-3-haiku-20240307', 'none', 'omit', 4096],
    ['claude-3-7-sonnet-20250219', 'budget', 'disabled', 32000],
    ['claude-sonnet-4-20250514', 'budget', 'disabled', 32000],
    ['claude-opus-4-1-20250805', 'budget', 'disabled', 32000],
    ['claude-sonnet-4-5-20250929', 'budget', 'disabled', 32000],
    ['claude-haiku-4-5', 'budget', 'disabled', 32000],
    ['claude-opus-4-5', 'budget', 'disabled', 32000],
    ['claude-opus-4-6', 'adaptive', 'omit', 64000],
    ['claude-sonnet-4-6', 'adaptive', 'omit', 32000],
    ['claude-opus-4-7', 'adaptive', 'omit', 64000],
    ['claude-opus-4-8', 'adaptive', 'omit', 64000],
    ['claude-opus-5', 'adaptive', 'disabled', 64000],
    ['claude-sonnet-5', 'adaptive', 'disabled', 64000],
    ['claude-opus-5-5', 'adaptive', 'lowest', 128000],
    ['claude-sonnet-5-5', 'adaptive', 'between_tools', 128000],
    ['claude-haiku-5-5', 'adaptive', 'lowest', 128000],
    ['claude-fable-5', 'adaptive', 'lowest', 64000],
    ['claude-fable-5-1', 'adaptive', 'lowest', 64000],
    ['claude-fable-5-2', 'adaptive', 'lowest', 128000],
    ['claude-mythos-preview', 'adaptive', 'lowest', 64000],
    ['claude-tomorrow-9', 'adaptive', 'omit', 32000],
  ])('%s: %s thinking, off by %s, max_tokens %i', (model, thinking, off, maxTokens) => {
    expect(profiles(model)).toMatchObject({ thinking, off, maxTokens });
  });

  it('sampling and forced tools: allowed up to 4.6, refused by Opus 4.7+ / the 5 generation (forced tools also by 5.5)', () => {
    expect(profiles('claude-sonnet-4-6')).toMatchObject({ sampling: true, forcedToolChoice: true });
    expect(profiles('claude-opus-4-8')).toMatchObject({ sampling: false, forcedToolChoice: true });
    expect(profiles('claude-opus-5')).toMatchObject({ sampling: false, forcedToolChoice: true });
    expect(profiles('claude-sonnet-5-5')).toMatchObject({ sampling: false, forcedToolChoice: false });
    expect(profiles('claude-3-7-sonnet-latest')).toMatchObject({ sampling: true, structuredOutputs: false });
    expect(profiles('claude-haiku-4-5')).toMatchObject({ structuredOutputs: true });
  });

  it('maxTokens: one number for every model, or globs before the built-in table', () => {
    expect(createProfiles(8000)('claude-opus-5-5').maxTokens).toBe(8000);
    const some = createProfiles({ 'claude-opus-*': 20000 });
    expect(some('claude-opus-5-5').maxTokens).toBe(20000);
    expect(some('claude-sonnet-5-5').maxTokens).toBe(128000);
  });
});

describe('effort → thinking', () => {
  it('adaptive models: thinking adaptive with that effort; display summarized when summaries are wanted', () => {
    expect(plan('claude-opus-5-5', 'xhigh')).toEqual({ thinking: { type: 'adaptive' }, effort: 'xhigh', on: true });
    expect(plan('claude-sonnet-5-5', 'low', 1000, true)).toEqual({ thinking: { type: 'adaptive', display: 'summarized' }, effort: 'low', on: true });
    expect(plan('claude-opus-4-8', 'max')).toMatchObject({ effort: 'max' });
  });

  it('an effort the model lacks: the nearest below, annotated', () => {
    expect(plan('claude-opus-4-6', 'xhigh')).toMatchObject({ effort: 'high', note: expect.stringContaining('effort xhigh') });
    expect(plan('claude-sonnet-4-6', 'max')).toMatchObject({ effort: 'max' });
    expect(clampEffort('low', ['medium', 'high'])).toBe('medium');
    expect(clampEffort('max', [])).toBeUndefined();
  });

  it('client efforts outside the vocabulary: minimal → low, unknown → high', () => {
    expect(plan('claude-opus-4-8', 'minimal')).toMatchObject({ effort: 'low' });
    expect(plan('claude-opus-4-8', 'bogus')).toMatchObject({ effort: 'high' });
  });

  it('budget models: budget_tokens by effort, leaving a quarter of max_tokens for the answer', () => {
    expect(plan('claude-sonnet-4-5', 'low')).toEqual({ thinking: { type: 'enabled', budget_tokens: 4096 }, on: true });
    expect(plan('claude-sonnet-4-5', 'medium')).toEqual({ thinking: { type: 'enabled', budget_tokens: 10240 }, on: true });
    expect(plan('claude-sonnet-4-5', 'high')).toEqual({ thinking: { type: 'enabled', budget_tokens: 20480 }, on: true });
    expect(plan('claude-sonnet-4-5', 'max')).toEqual({ thinking: { type: 'enabled', budget_tokens: 24000 }, on: true });
    expect(plan('claude-sonnet-4-5', 'max', 64000)).toEqual({ thinking: { type: 'enabled', budget_tokens: 48000 }, on: true });
    expect(plan('claude-sonnet-4-5', 'high', 3000)).toEqual({ thinking: { type: 'enabled', budget_tokens: 1976 }, on: true });
    // Below the API's 1,024 minimum: thinking off rather than a 400.
    expect(plan('claude-sonnet-4-5', 'high', 1500)).toMatchObject({ thinking: { type: 'disabled' }, on: false, note: expect.stringContaining('max_tokens 1500') });
  });

  it('Opus 4.5: a budget and its effort parameter, which stops at high', () => {
    expect(plan('claude-opus-4-5', 'max')).toEqual({ thinking: { type: 'enabled', budget_tokens: 24000 }, effort: 'high', on: true });
    expect(plan('claude-opus-4-5', 'medium')).toEqual({ thinking: { type: 'enabled', budget_tokens: 10240 }, effort: 'medium', on: true });
  });

  it('effort none: thinking off the way each model allows', () => {
    expect(plan('claude-sonnet-4-5', 'none')).toEqual({ thinking: { type: 'disabled' }, on: false });
    expect(plan('claude-opus-5', 'none')).toEqual({ thinking: { type: 'disabled' }, on: false });
    expect(plan('claude-opus-4-8', 'none')).toEqual({ on: false });
    expect(plan('claude-sonnet-4-6', 'none')).toEqual({ on: false });
    expect(plan('claude-sonnet-5-5', 'none')).toEqual({ thinking: { type: 'between_tools' }, on: true });
    expect(plan('claude-opus-5-5', 'none')).toMatchObject({ thinking: { type: 'adaptive' }, effort: 'low', on: true, note: expect.stringContaining('cannot turn thinking off') });
  });

  it('no effort: the model default, nothing sent', () => {
    expect(plan('claude-opus-5-5', undefined)).toEqual({ on: true });
    expect(plan('claude-opus-4-8', null)).toEqual({ on: false });
    expect(plan('claude-sonnet-4-5', undefined)).toEqual({ on: false });
  });

  it('models that do not think: nothing sent, an effort is noted', () => {
    expect(plan('claude-3-5-haiku-latest', 'none')).toEqual({ on: false });
    expect(plan('claude-3-5-haiku-latest', 'high')).toMatchObject({ on: false, note: expect.stringContaining('does not think') });
  });
});
