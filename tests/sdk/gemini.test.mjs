// The official `@google/genai` SDK against the real glmgate and the fake provider (an OpenAI-
// compatible upstream): generateContent, generateContentStream with thought parts, function
// calling over two turns, the model list, usage, and error statuses.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GoogleGenAI, ApiError, FunctionCallingConfigMode, Type } from '@google/genai';
import { startStack, newAccount } from '../lib/harness.mjs';

describe('google genai SDK', () => {
  let s;
  let ai;
  const client = (apiKey) => new GoogleGenAI({ apiKey, httpOptions: { baseUrl: s.gw.url, timeout: 20000 } });
  before(async () => {
    s = await startStack({ config: { extra: 'stream_ping_interval_ms = 100' } });
    ai = client(s.key);
  });
  after(async () => { await s.stop(); });

  it('generates content, with usage metadata', async () => {
    const r = await ai.models.generateContent({ model: 'glm-test', contents: 'Say hello' });
    assert.equal(r.text, 'Hello from the fake provider.');
    assert.equal(r.candidates[0].finishReason, 'STOP');
    assert.ok(r.usageMetadata.promptTokenCount > 0);
    assert.equal(r.usageMetadata.totalTokenCount,
      r.usageMetadata.promptTokenCount + r.usageMetadata.candidatesTokenCount + (r.usageMetadata.thoughtsTokenCount ?? 0));
  });

  it('passes systemInstruction and generationConfig upstream', async () => {
    await ai.models.generateContent({
      model: 'glm-test', contents: 'x',
      config: { systemInstruction: 'Be brief.', temperature: 0.3, topP: 0.8, topK: 20, maxOutputTokens: 77, stopSequences: ['END'] },
    });
    const body = (await s.fake.last()).body;
    assert.deepEqual(body.messages[0], { role: 'system', content: 'Be brief.' });
    assert.equal(body.temperature, 0.3);
    assert.equal(body.top_p, 0.8);
    assert.equal(body.top_k, 20);
    assert.equal(body.max_tokens, 77);
    assert.deepEqual(body.stop, ['END']);
  });

  it('streams content with thoughts, the last chunk carrying finishReason and usage', async () => {
    const stream = await ai.models.generateContentStream({ model: 'glm-test', contents: 'x fake: reasoning=2 chunks=4 delay_ms=20' });
    let text = '';
    let thoughts = '';
    let last;
    for await (const chunk of stream) {
      for (const p of chunk.candidates?.[0]?.content?.parts ?? []) {
        if (p.thought) thoughts += p.text; else if (p.text) text += p.text;
      }
      last = chunk;
    }
    assert.equal(text, 'Hello from the fake provider.');
    assert.equal(thoughts, 'Let me think about this carefully.');
    assert.equal(last.candidates[0].finishReason, 'STOP');
    assert.ok(last.usageMetadata.thoughtsTokenCount > 0);
  });

  it('calls a function over two turns with whole args objects', async () => {
    const tools = [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather',
      parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ['city'] } }] }];
    const config = { tools, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } } };
    const first = await ai.models.generateContentStream({ model: 'glm-test', contents: 'weather? fake: tool=get_weather chunks=4 reasoning=1', config });
    const calls = [];
    const modelParts = [];
    for await (const chunk of first) {
      for (const p of chunk.candidates?.[0]?.content?.parts ?? []) {
        modelParts.push(p);
        if (p.functionCall) calls.push(p.functionCall);
      }
    }
    assert.equal(calls.length, 1);
    assert.equal(calls[0].name, 'get_weather');
    assert.deepEqual(calls[0].args, { city: 'Paris', unit: 'celsius', tool: 'get_weather' });
    const upstream1 = (await s.fake.last()).body;
    assert.equal(upstream1.tool_choice, 'required');
    assert.equal(upstream1.tools[0].function.parameters.type, 'object');
    assert.equal(upstream1.tools[0].function.parameters.properties.city.type, 'string');

    const second = await ai.models.generateContent({
      model: 'glm-test', config,
      contents: [
        { role: 'user', parts: [{ text: 'weather?' }] },
        { role: 'model', parts: modelParts },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: '18C' } } }] },
      ],
    });
    assert.ok(second.candidates[0].content.parts.length > 0);
    const messages = (await s.fake.last()).body.messages;
    const assistant = messages.find((m) => m.role === 'assistant');
    const tool = messages.find((m) => m.role === 'tool');
    assert.equal(assistant.tool_calls[0].function.name, 'get_weather');
    assert.equal(tool.tool_call_id, assistant.tool_calls[0].id);
    assert.deepEqual(JSON.parse(tool.content), { temp: '18C' });
    assert.equal(assistant.reasoning_content, 'Let me think about this carefully.');
  });

  it('lists the catalog in Gemini shape', async () => {
    const pager = await ai.models.list();
    const names = [];
    for await (const m of pager) names.push(m.name);
    assert.deepEqual(names, ['models/glm-test', 'models/no-tools']);
    const one = await ai.models.get({ model: 'glm-test' });
    assert.equal(one.outputTokenLimit, 4096);
  });

  it('counts tokens, an estimate that grows with the prompt', async () => {
    const small = await ai.models.countTokens({ model: 'glm-test', contents: 'x'.repeat(40) });
    const big = await ai.models.countTokens({ model: 'glm-test', contents: 'x'.repeat(4000) });
    assert.ok(small.totalTokens > 0, JSON.stringify(small));
    assert.ok(big.totalTokens > small.totalTokens * 10, JSON.stringify([small, big]));
  });

  it('works on the v1beta API version too (older SDKs and Gemini CLI)', async () => {
    const beta = new GoogleGenAI({ apiKey: s.key, apiVersion: 'v1beta', httpOptions: { baseUrl: s.gw.url, timeout: 20000 } });
    const r = await beta.models.generateContent({ model: 'glm-test', contents: 'Say hello' });
    assert.equal(r.text, 'Hello from the fake provider.');
  });

  const rejectsStatus = (promise, status) => assert.rejects(promise, (e) => {
    assert.ok(e instanceof ApiError, `${e.constructor.name}: ${e.message}`);
    assert.equal(e.status, status);
    return true;
  });

  it('raises ApiError with the HTTP status for each error class', async () => {
    await rejectsStatus(client('sk-glm-nope').models.generateContent({ model: 'glm-test', contents: 'x' }), 401);
    await rejectsStatus(ai.models.generateContent({ model: 'nope', contents: 'x' }), 404);
    const limited = await newAccount(s.gw, { keyArgs: ['--rpm', '6'] });
    const slow = client(limited.key);
    await slow.models.generateContent({ model: 'glm-test', contents: 'x' });
    await rejectsStatus(slow.models.generateContent({ model: 'glm-test', contents: 'x' }), 429);
    await rejectsStatus(ai.models.generateContent({ model: 'glm-test', contents: 'x fake: status=500 fail_first=9' }), 502);
  });

  it('raises when the upstream breaks the stream', async () => {
    const stream = await ai.models.generateContentStream({ model: 'glm-test', contents: 'x fake: chunks=6 reset_after=3' });
    await assert.rejects(async () => { for await (const c of stream) void c; }, /upstream/i);
  });
});
