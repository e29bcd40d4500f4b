// A model's Markdown as HTML that is safe to insert: marked renders it, DOMPurify keeps what is
// left of it harmless. The model's text is the least trusted thing on the page (a prompt can
// make it write anything), and the chat token lives in this page's memory.
import { Marked } from 'marked';
import DOMPurify from 'dompurify';

const marked = new Marked({ gfm: true, breaks: true, async: false });

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    // Links leave in a new tab with no opener and no Referer.
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
  // Only inline images: a path of this site could be any of its GET routes, and the CSP blocks
  // other sites' anyway (dropping them keeps a broken frame off the page).
  if (node.tagName === 'IMG' && !/^data:image\//.test(node.getAttribute('src') ?? '')) node.remove();
});

const OPTIONS = {
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select'],
  FORBID_ATTR: ['style', 'class', 'id'],
  ADD_ATTR: ['target'],
};

export function markdownHtml(text) {
  return DOMPurify.sanitize(marked.parse(text ?? ''), OPTIONS);
}
