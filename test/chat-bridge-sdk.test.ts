/**
 * Client libraries nobody here wrote, through non-DeepSeek presets: the official `openai` SDK
 * (Responses API, stream and not) to the emulated Gemini endpoint, whose tool turns need their
 * thought signature back, and the Vercel AI SDK (`ai` + `@ai-sdk/openai`, its Responses provider)
 * to the emulated OpenRouter, whose tool turns need their signed reasoning_details back. Each does a
 * full tool round trip; the emulators refuse the follow-up if the gateway lost what they need.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from 'aurora';
import gemini from 'aurora/plugins/gemini';
import openrouter from 'aurora/plugins/openrouter';
import auth from 'aurora/plugins/auth';
import { MASTER_KEY, UPSTREAM_KEY, emulatedGateway } from './helpers.ts';

const WEATHER = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } as const;
const lastAssistant = (body: JsonObject) => (body.messages as JsonObject[]).findLast((m) => m.role === 'assistant')!;

describe('the openai SDK through the gemini preset (thought signatures)', () => {
  const suite = emulatedGateway((mock) => [auth({ masterKey: MASTER_KEY }), gemini({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY })], { upstream: { chat: 'thought-signatures' } });
  const client = () => new OpenAI({ baseURL: suite.gw.baseUrl, apiKey: MASTER_KEY });
  const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', description: 'Weather of a city', parameters: WEATHER, strict: false }];

  for (const stream of [false, true]) {
    it(`a tool round trip${stream ? ', streamed' : ''}: the signature goes back on the call`, async () => {
      suite.mock.enqueue({ toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] }, { content: 'Sunny in Paris' });
      const ask = (input: OpenAI.Responses.ResponseInput) =>
        stream
          ? client().responses.stream({ model: 'gemini-3-pro-preview', input, tools, store: false, include: ['reasoning.encrypted_content'] }).finalResponse()
          : client().responses.create({ model: 'gemini-3-pro-preview', input, tools, store: false, include: ['reasoning.encrypted_content'] });
      const question: OpenAI.Responses.ResponseInput = [{ role: 'user', content: 'Weather in Paris?' }];
      const first = await ask(question);
      const call = first.output.find((i) => i.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
      expect(call).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}' });
      const second = await ask([...question, ...(first.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: call.call_id, output: '{"sky":"clear"}' }]);
      expect(second.output_text).toBe('Sunny in Paris');
      const sent = suite.mock.requests.at(-1)!.body;
      expect(lastAssistant(sent).tool_calls[0]).toMatchObject({ id: call.call_id, extra_content: { google: { thought_signature: expect.any(String) } } });
      expect(suite.mock.pending()).toBe(0);
    });
  }

  it('a history whose signature was dropped gets Gemini\'s 400, unwrapped from its array', async () => {
    const res = await client().responses.create({
      model: 'gemini-3-pro-preview',
      tools,
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        { type: 'function_call', call_id: 'call_x', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call_output', call_id: 'call_x', output: '{}' },
      ],
    }).catch((err: unknown) => err as InstanceType<typeof OpenAI.APIError>);
    expect(res).toBeInstanceOf(OpenAI.APIError);
    const err = res as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(400);
    expect(err.message).toContain('Function call is missing a thought_signature');
  });
});

describe('the Vercel AI SDK through the openrouter preset (reasoning_details)', () => {
  const suite = emulatedGateway((mock) => [auth({ masterKey: MASTER_KEY }), openrouter({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY })], { upstream: { chat: 'reasoning-details' } });
  const model = () => createOpenAI({ baseURL: suite.gw.baseUrl, apiKey: MASTER_KEY }).responses('anthropic/claude-sonnet-4.5');
  const tools = () => ({
    get_weather: tool({ description: 'Weather of a city', inputSchema: jsonSchema<{ city: string }>(WEATHER), execute: async ({ city }) => ({ city, sky: 'clear' }) }),
  });

  it('generateText runs the tool and gets the answer; the signed reasoning went back', async () => {
    suite.mock.enqueue({ reasoning: 'Check the weather.', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }] }, { reasoning: 'Clear.', content: 'Sunny in Paris' });
    const result = await generateText({ model: model(), prompt: 'Weather in Paris?', tools: tools(), stopWhen: stepCountIs(3), providerOptions: { openai: { store: false } } });
    expect(result.text).toBe('Sunny in Paris');
    expect(result.steps[0]!.toolResults[0]).toMatchObject({ toolName: 'get_weather', output: { city: 'Paris', sky: 'clear' } });
    expect(lastAssistant(suite.mock.requests.at(-1)!.body).reasoning_details[0]).toMatchObject({ type: 'reasoning.text', text: 'Check the weather.', signature: expect.any(String) });
    expect(suite.mock.pending()).toBe(0);
  });

  it('streamText does the same round trip streamed', async () => {
    suite.mock.enqueue({ reasoning: 'Check again.', toolCalls: [{ name: 'get_weather', arguments: '{"city":"Oslo"}' }] }, { reasoning: 'Done.', content: 'Clear in Oslo' });
    const result = streamText({ model: model(), prompt: 'Weather in Oslo?', tools: tools(), stopWhen: stepCountIs(3), providerOptions: { openai: { store: false } } });
    expect(await result.text).toBe('Clear in Oslo');
    expect(lastAssistant(suite.mock.requests.at(-1)!.body).reasoning_details[0].text).toBe('Check again.');
    expect(suite.mock.pending()).toBe(0);
  });
});
