// Chat with the gateway's models, for members. The page calls the public API as any client
// would, with a short-lived chat token (a key of this session) that it keeps in memory only and
// renews before it expires. Conversations stay in this browser's localStorage, never on the
// server.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ChatError, chatModels, inWords, streamChat } from '../chat_stream.js';
import { markdownHtml } from '../markdown.js';
import { Alert, Loading, Select, fmtInt } from '../ui.jsx';

const RENEW_BEFORE_S = 120;

// The chat token, renewed 2 min before it expires. `fresh()` answers one that is good for at
// least another minute (a sleeping tab's timer may have fired late).
function useChatToken() {
  const [token, setToken] = useState(null);  // {token, expires_at}
  const [error, setError] = useState('');
  const current = useRef(null);
  const renew = async () => {
    try {
      const t = await api('POST', 'chat-token', {});
      current.current = t;
      setToken(t);
      setError('');
      return t;
    } catch (e) {
      setError(`No chat token: ${e.message}`);
      throw e;
    }
  };
  useEffect(() => { renew().catch(() => {}); }, []);
  useEffect(() => {
    if (!token) return undefined;
    // A token shorter than the margin ends with the session: asking again before it runs out
    // would only bring another as short, so the page asks once it has.
    const left = token.expires_at - Date.now() / 1000;
    const wait = left > RENEW_BEFORE_S + 5 ? left - RENEW_BEFORE_S : Math.max(left, 0) + 1;
    const timer = setTimeout(() => renew().catch(() => {}), wait * 1000);
    return () => clearTimeout(timer);
  }, [token]);
  const fresh = async () => {
    const t = current.current;
    return t && t.expires_at - Date.now() / 1000 > 60 ? t : renew();
  };
  return { token, error, fresh, renew };
}

// Conversations in localStorage, one list per user, so that two people sharing a browser
// profile do not read each other's.
function useConversations(userId) {
  const storageKey = `glmgate.chats.${userId}`;
  const [chats, setChats] = useState(() => {
    try {
      return JSON.parse(localStorage.getItem(storageKey) ?? '[]');
    } catch {
      return [];
    }
  });
  const save = (next) => {
    try {
      localStorage.setItem(storageKey, JSON.stringify(next));
    } catch {
      // Full or denied: the conversation still lives until the page closes.
    }
  };
  return [chats, setChats, save];
}

const newId = () => `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

// An estimate from the catalog's prices: the gateway bills the same figures, but its charge
// is the request log's word, not this.
function costOf(usage, model) {
  const p = model?.pricing;
  if (!usage || !p) return null;
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
  return ((usage.prompt_tokens - cached) * p.input + cached * (p.cached_input ?? p.input) + usage.completion_tokens * p.output) / 1e6;
}

function Usage({ usage, model }) {
  if (!usage) return null;
  const cost = costOf(usage, model);
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  return (
    <p class="hint usage">
      {fmtInt(usage.prompt_tokens)} prompt + {fmtInt(usage.completion_tokens)} completion tokens
      {reasoning ? ` (${fmtInt(reasoning)} reasoning)` : ''}
      {cost > 0 && ` · about $${cost.toFixed(6)}`}
    </p>
  );
}

function Message({ m, models, streaming }) {
  const html = useMemo(() => (m.role === 'assistant' ? markdownHtml(m.content) : ''), [m.role, m.content]);
  if (m.role === 'user') return <article class="msg user" aria-label="You"><p>{m.content}</p></article>;
  return (
    <article class="msg assistant" aria-label="Assistant" aria-busy={streaming ? 'true' : 'false'}>
      {m.reasoning && (
        <details class="reasoning">
          <summary>Reasoning</summary>
          <p>{m.reasoning}</p>
        </details>
      )}
      {m.content ? <div class="md" dangerouslySetInnerHTML={{ __html: html }} /> : streaming && <p class="hint">Thinking…</p>}
      {m.stopped && <p class="hint">Stopped.</p>}
      {m.error && <p class="error" role="alert">{m.error}</p>}
      <Usage usage={m.usage} model={models.find((x) => x.id === m.model)} />
    </article>
  );
}

function Conversations({ chats, current, onOpen, onNew, onDelete, busy }) {
  return (
    <nav class="chats" aria-label="Conversations">
      <button type="button" onClick={onNew} disabled={busy}>New chat</button>
      <ul>
        {chats.map((c) => (
          <li key={c.id} class={c.id === current ? 'current' : ''}>
            <button type="button" class="link" disabled={busy} aria-current={c.id === current ? 'true' : undefined}
              onClick={() => onOpen(c.id)}>{c.title || 'New chat'}</button>
            <button type="button" class="link danger" disabled={busy} aria-label={`Delete ${c.title || 'this chat'}`}
              onClick={() => onDelete(c.id)}>×</button>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function Chat({ session }) {
  const { token, error: tokenError, fresh, renew } = useChatToken();
  const [models, setModels] = useState(null);
  const [modelsError, setModelsError] = useState('');
  const [chats, setChats, save] = useConversations(session.user.id);
  const [currentId, setCurrentId] = useState(chats[0]?.id ?? null);
  const [model, setModel] = useState(chats[0]?.model ?? '');
  const [input, setInput] = useState('');
  const [busy, setBusy] = useState(false);
  const abort = useRef(null);
  const end = useRef(null);

  // The models once the first token is there; a renewed token changes nothing here.
  const haveToken = Boolean(token);
  useEffect(() => {
    if (!haveToken) return;
    chatModels(token.token).then((list) => {
      setModels(list);
      setModel((m) => (list.some((x) => x.id === m) ? m : list[0]?.id ?? ''));
    }, (e) => setModelsError(inWords(e)));
  }, [haveToken]);
  useEffect(() => () => abort.current?.abort(), []);
  useEffect(() => { end.current?.scrollIntoView?.({ block: 'end' }); }, [chats, currentId]);

  const current = chats.find((c) => c.id === currentId) ?? null;
  const update = (id, change, persist = false) => setChats((cs) => {
    const next = cs.map((c) => (c.id === id ? { ...c, ...change(c) } : c));
    if (persist) save(next);
    return next;
  });
  const replaceLast = (id, reply, persist) => update(id, (c) => ({ messages: [...c.messages.slice(0, -1), { ...reply }] }), persist);

  const send = async (e) => {
    e.preventDefault();
    const text = input.trim();
    if (!text || busy || !model) return;
    let chat = current;
    if (!chat) {
      chat = { id: newId(), title: '', model, messages: [] };
      setChats((cs) => [chat, ...cs]);
      setCurrentId(chat.id);
    }
    const history = [...chat.messages, { role: 'user', content: text }];
    const reply = { role: 'assistant', content: '', reasoning: '', model };
    update(chat.id, (c) => ({ title: c.title || text.slice(0, 48), model, updated: Date.now(), messages: [...history, reply] }), true);
    setInput('');
    setBusy(true);
    const controller = new AbortController();
    abort.current = controller;
    // Failed or stopped answers are not sent back as context.
    const context = history.filter((m) => !m.error && m.content).map(({ role, content }) => ({ role, content }));
    const run = async (t) => streamChat({
      token: t.token, model, messages: context, signal: controller.signal,
      onDelta: (d) => {
        reply.content += d.content;
        reply.reasoning += d.reasoning;
        if (d.usage) reply.usage = d.usage;
        replaceLast(chat.id, reply);
      },
    });
    try {
      try {
        await run(await fresh());
      } catch (err) {
        // A token that died early (a sign-out elsewhere ended it): one new one, one more try.
        if (!(err instanceof ChatError && err.status === 401)) throw err;
        await run(await renew());
      }
    } catch (err) {
      if (err.name === 'AbortError') reply.stopped = true;
      else reply.error = err instanceof ChatError ? inWords(err) : err.message;
    } finally {
      abort.current = null;
      replaceLast(chat.id, reply, true);
      setBusy(false);
    }
  };
  const stop = () => abort.current?.abort();
  const open = (id) => {
    setCurrentId(id);
    const c = chats.find((x) => x.id === id);
    if (c?.model && models?.some((m) => m.id === c.model)) setModel(c.model);
  };
  const remove = (id) => {
    if (id === currentId) setCurrentId(null);
    setChats((cs) => {
      const next = cs.filter((c) => c.id !== id);
      save(next);
      return next;
    });
  };
  const keydown = (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) send(e);
  };

  if (!models) return <section aria-label="Chat"><h2>Chat</h2><Loading error={tokenError || modelsError} /></section>;
  return (
    <div class="chat-page">
      <Conversations chats={chats} current={currentId} busy={busy} onOpen={open} onNew={() => setCurrentId(null)} onDelete={remove} />
      <section aria-label="Chat" class="chat">
        <h2>{current?.title || 'New chat'}</h2>
        <div class="messages" aria-live="polite">
          {(current?.messages ?? []).map((m, i, all) => (
            <Message key={i} m={m} models={models} streaming={busy && i === all.length - 1} />
          ))}
          <div ref={end} />
        </div>
        <Alert error={tokenError} />
        <form class="composer" onSubmit={send}>
          <Select label="Model" value={model} onChange={setModel} options={models.map((m) => [m.id, m.id])} />
          <label class="field grow">
            <span>Message</span>
            <textarea rows="3" value={input} onInput={(e) => setInput(e.currentTarget.value)} onKeyDown={keydown}
              placeholder="Ask something. Enter sends, Shift+Enter starts a new line." />
          </label>
          {busy
            ? <button type="button" class="danger" onClick={stop}>Stop</button>
            : <button type="submit">Send</button>}
        </form>
        <p class="hint">Conversations are kept in this browser only.</p>
      </section>
    </div>
  );
}
