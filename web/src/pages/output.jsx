// A stored output (a response kept for retrieval by ID) shown by its ID: the answer as
// Markdown, its reasoning, and the stored JSON as it is.
import { useState } from 'preact/hooks';
import { markdownHtml } from '../markdown.js';
import { Field, Loading, fmtTime, go, useApi } from '../ui.jsx';

// The answer's text, wherever the stored body keeps it: a chat message, a Responses output
// list, or an Anthropic content list.
function textOf(body) {
  const m = body?.message ?? body?.choices?.[0]?.message;
  if (m) return { text: typeof m.content === 'string' ? m.content : '', reasoning: m.reasoning_content ?? '' };
  const parts = (body?.output ?? body?.content ?? []).flatMap((o) => o.content ?? [o]);
  return { text: parts.map((p) => p.text ?? '').join(''), reasoning: '' };
}

function Output({ id }) {
  const [out, error, , status] = useApi(`v1/outputs/${encodeURIComponent(id)}`);
  if (!out) return <Loading error={status === 404 ? `No output of yours has the ID ${id}.` : error} />;
  const { text, reasoning } = textOf(out.body);
  return (
    <article aria-label="Output">
      <dl class="facts">
        <dt>ID</dt><dd><code>{out.id}</code></dd>
        <dt>Model</dt><dd>{out.model}</dd>
        <dt>Status</dt><dd>{out.status}</dd>
        <dt>Created</dt><dd>{fmtTime(out.created_at)}</dd>
      </dl>
      {reasoning && <details class="reasoning"><summary>Reasoning</summary><p>{reasoning}</p></details>}
      {text && <div class="md" dangerouslySetInnerHTML={{ __html: markdownHtml(text) }} />}
      <details><summary>Stored JSON</summary><pre>{JSON.stringify(out.body, null, 2)}</pre></details>
    </article>
  );
}

export function Outputs({ id }) {
  const [wanted, setWanted] = useState(id ?? '');
  const open = (e) => {
    e.preventDefault();
    if (wanted.trim()) go(`/outputs/${encodeURIComponent(wanted.trim())}`);
  };
  return (
    <section aria-label="Outputs">
      <h2>Outputs</h2>
      <form class="row" onSubmit={open} aria-label="Open an output by ID">
        <Field label="Output ID" value={wanted} onInput={setWanted} placeholder="chatcmpl-…, resp_…, msg_…" />
        <button type="submit">Open output</button>
      </form>
      {id && <Output key={id} id={id} />}
    </section>
  );
}
