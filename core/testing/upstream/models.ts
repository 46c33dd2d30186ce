import { MOCK_CREATED } from './ids.ts';

// GET /v1/models and /models: the ids the gateway's default config and the Codex
// fixtures use, in OpenAI's list shape.
const MODELS = [
  ['gpt-4.1-mini', 'openai'],
  ['gpt-5.5', 'openai'],
  ['deepseek-v4-pro', 'deepseek'],
  ['deepseek-v4-flash', 'deepseek'],
  ['deepseek-flash', 'deepseek'],
] as const;

/** The list, plus the models of the Chat provider the emulator plays when it is not DeepSeek. */
export function modelList(family: { models: string[]; owner: string } = { models: [], owner: '' }) {
  return {
    object: 'list',
    data: [...MODELS, ...family.models.map((id) => [id, family.owner] as const)].map(([id, owner]) => ({ id, object: 'model', created: MOCK_CREATED, owned_by: owner })),
  };
}
