// The Vercel AI SDK (`ai` with its OpenAI, Anthropic and Google providers) against the real glmgate
// and the fake provider: multi-step tool loops as an app built on it runs them, with a reasoning
// upstream (GLM streams reasoning_content). In Responses mode the SDK sends the earlier step's
// reasoning back as an `item_reference` to what glmgate stored.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateText, streamText, tool, stepCountIs, jsonSchema } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { startStack } from '../lib/harness.mjs';

const FINAL = 'Hello from the fake provider.';

describe('Vercel AI SDK', () => {
  let s;
  let calls;
  const weather = () => tool({
    description: 'The weather in a city',
    inputSchema: jsonSchema({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
    execute: async ({ city }) => { calls.push(city); return { city, forecast: 'sunny-and-21C' }; },
  });
  before(async () => {
    s = await startStack({
      config: {
        models: [{ id: 'glm-test', upstream_model: 'fake-glm-upstream', reasoning: true, max_output_tokens: 4096,
          input_price_per_mtok: 1, output_price_per_mtok: 2 }],
      },
    });
  });
  after(async () => { await s.stop(); });

  // The last upstream request: the tool's result and the first step's reasoning went back.
  async function assertSecondStepCarriedTheLoop() {
    const sent = await s.fake.requests();
    const last = sent.at(-1).body.messages;
    const assistant = last.find((m) => m.role === 'assistant' && m.tool_calls);
    assert.ok(assistant, JSON.stringify(last));
    assert.equal(assistant.tool_calls[0].function.name, 'get_weather');
    assert.equal(assistant.reasoning_content, 'Let me think about this carefully.');
    const result = last.find((m) => m.role === 'tool');
    assert.match(result.content, /sunny-and-21C/);
  }

  for (const store of [true, false]) {
    it(`runs a two-step tool loop over the Responses API (store: ${store})`, async () => {
      calls = [];
      await s.fake.reset();
      const openai = createOpenAI({ apiKey: s.key, baseURL: `${s.gw.url}/v1` });
      const r = await generateText({
        model: openai.responses('glm-test'),
        prompt: 'Weather in Paris? fake: reasoning=2 tool=get_weather',
        tools: { get_weather: weather() },
        stopWhen: stepCountIs(4),
        // Without a stored response to point at, the SDK sends reasoning back only when it came
        // with encrypted_content, which it asks for by `include`.
        // The SDK knows GLM for a reasoning model only when told (forceReasoning), and shows
        // reasoning from a summary, which it then asks for.
        providerOptions: {
          openai: {
            store, forceReasoning: true, reasoningSummary: 'auto',
            ...(store ? {} : { include: ['reasoning.encrypted_content'] }),
          },
        },
        maxRetries: 0,
      });
      assert.equal(r.steps.length, 2);
      assert.deepEqual(calls, ['Paris']);
      assert.equal(r.text, FINAL);
      assert.equal(r.steps[0].reasoningText, 'Let me think about this carefully.');
      await assertSecondStepCarriedTheLoop();
    });
  }

  it('streams a tool loop over the Responses API, reasoning as a streamed summary', async () => {
    calls = [];
    await s.fake.reset();
    const openai = createOpenAI({ apiKey: s.key, baseURL: `${s.gw.url}/v1` });
    const r = streamText({
      model: openai.responses('glm-test'),
      prompt: 'Weather in Paris? fake: reasoning=3 chunks=4 tool=get_weather',
      tools: { get_weather: weather() },
      stopWhen: stepCountIs(4),
      providerOptions: { openai: { forceReasoning: true, reasoningSummary: 'auto' } },
      maxRetries: 0,
    });
    let reasoning = '';
    for await (const part of r.fullStream) if (part.type === 'reasoning-delta') reasoning += part.text;
    assert.equal(reasoning, 'Let me think about this carefully.');
    assert.equal(await r.text, FINAL);
    assert.equal((await r.steps).length, 2);
    assert.deepEqual(calls, ['Paris']);
    await assertSecondStepCarriedTheLoop();
  });

  it('streams a tool loop over Chat Completions', async () => {
    calls = [];
    await s.fake.reset();
    const openai = createOpenAI({ apiKey: s.key, baseURL: `${s.gw.url}/v1` });
    const r = streamText({
      model: openai.chat('glm-test'),
      prompt: 'Weather in Paris? fake: reasoning=2 tool=get_weather',
      tools: { get_weather: weather() },
      stopWhen: stepCountIs(4),
      maxRetries: 0,
    });
    assert.equal(await r.text, FINAL);
    assert.equal((await r.steps).length, 2);
    assert.deepEqual(calls, ['Paris']);
  });

  it('runs a tool loop with thinking over the Anthropic provider', async () => {
    calls = [];
    await s.fake.reset();
    const anthropic = createAnthropic({ apiKey: s.key, baseURL: `${s.gw.url}/v1` });
    const r = await generateText({
      model: anthropic('glm-test'),
      prompt: 'Weather in Paris? fake: reasoning=2 tool=get_weather',
      tools: { get_weather: weather() },
      stopWhen: stepCountIs(4),
      providerOptions: { anthropic: { thinking: { type: 'enabled', budgetTokens: 1024 } } },
      maxRetries: 0,
    });
    assert.equal(r.text, FINAL);
    assert.equal(r.steps[0].reasoningText, 'Let me think about this carefully.');
    assert.deepEqual(calls, ['Paris']);
    await assertSecondStepCarriedTheLoop();
  });

  it('runs a tool loop over the Google provider', async () => {
    calls = [];
    await s.fake.reset();
    const google = createGoogleGenerativeAI({ apiKey: s.key, baseURL: `${s.gw.url}/v1beta` });
    const r = await generateText({
      model: google('glm-test'),
      prompt: 'Weather in Paris? fake: reasoning=2 tool=get_weather',
      tools: { get_weather: weather() },
      stopWhen: stepCountIs(4),
      providerOptions: { google: { thinkingConfig: { includeThoughts: true } } },
      maxRetries: 0,
    });
    assert.equal(r.text, FINAL);
    assert.deepEqual(calls, ['Paris']);
    assert.equal(r.steps[0].reasoningText, 'Let me think about this carefully.');
  });
});
