// One streamed Chat Completions call to the gateway's public API with the chat token: the
// request, the server-sent events read off the body as they come, and the gateway's refusals
// put in words.

export class ChatError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// What a refusal means to someone chatting; the gateway's own message follows.
export function inWords(err) {
  const detail = err.message ? ` (${err.message})` : '';
  switch (err.status) {
    case 402: return `Your account has no credits left: ask the operator for more.${detail}`;
    case 503: return `The gateway is not serving right now: it may be paused, or no provider is available. Try again later.${detail}`;
    case 429: return `Too many requests: wait a moment and send again.${detail}`;
    case 401: return `The chat token was refused: reload the page to get a new one.${detail}`;
    case 0: return `The answer broke off: ${err.message}`;
    default: return `The gateway answered ${err.status}: ${err.message}`;
  }
}

// The `data:` payloads of an SSE body, parsed, until `[DONE]`. Events may arrive split across
// reads or several to a read.
async function* events(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).replace(/\r$/, '');
        buffered = buffered.slice(nl + 1);
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') return;
        if (data) yield JSON.parse(data);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

// Streams the answer to `messages`, calling onDelta({content, reasoning, usage}) for each
// event. Rejects with a ChatError on a refusal, or the AbortError of `signal`.
export async function streamChat({ token, model, messages, signal, onDelta }) {
  const r = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages, stream: true, stream_options: { include_usage: true } }),
    signal,
    credentials: 'omit',
  });
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    throw new ChatError(r.status, body.error?.message ?? r.statusText);
  }
  for await (const chunk of events(r.body)) {
    if (chunk.error) throw new ChatError(0, chunk.error.message ?? 'the provider failed');
    const delta = chunk.choices?.[0]?.delta ?? {};
    onDelta({ content: delta.content ?? '', reasoning: delta.reasoning_content ?? '', usage: chunk.usage ?? null });
  }
}

// GET /v1/models with the chat token: the OpenAI list, with the gateway's prices.
export async function chatModels(token) {
  const r = await fetch('/v1/models', { headers: { authorization: `Bearer ${token}` }, credentials: 'omit' });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new ChatError(r.status, body.error?.message ?? r.statusText);
  return body.data ?? [];
}
