'use strict';
// Typing, one keystroke per didChange (incremental sync), must leave the server with exactly the editor's text:
// the final diagnostics must equal those of a fresh open of the final text, whatever the server saw in between
// (half-typed values, invalid JSON) and however the debounced publishes interleaved with the keystrokes.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { useSession, positionAt, summarize } = require('../lib/lsp-session');

const session = useSession();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Types `keys` at the end of the first occurrence of `anchor` in the document: '\b' is a backspace, anything else
 * is inserted. Pauses vary (0-60 ms) so that some debounced analyses start, and get superseded, mid-typing.
 */
async function type(uri, anchor, keys) {
  // Anchors start with a newline: the examples' comments quote their own keys (`attention: eager`).
  const start = session.text(uri).indexOf(anchor);
  assert.ok(start >= 0, `"${anchor}" not in the document`);
  let offset = start + anchor.length;
  let i = 0;
  for (const key of keys) {
    const text = session.text(uri);
    if (key === '\b') {
      await session.change(uri, [{ range: { start: positionAt(text, offset - 1), end: positionAt(text, offset) }, text: '' }]);
      offset--;
    } else {
      const at = positionAt(text, offset);
      await session.change(uri, [{ range: { start: at, end: at }, text: key }]);
      offset += key.length;
    }
    await sleep((i++ % 4) * 20);
  }
  return session.documents.get(uri).version;
}

/** Every published version for `uri`, in arrival order, to check the editor never sees an older version late. */
function recordVersions(uri) {
  const versions = [];
  const listener = (params) => { if (params.uri === uri) versions.push(params.version); return false; };
  // A waiter that never resolves, only observes; it stays registered for the rest of the session.
  session.diagnosticWaiters.push(listener);
  return versions;
}

/** Diagnostics with the document's URI taken out, so two documents' diagnostics can be compared. */
const normalized = (diagnostics, uri) => JSON.parse(JSON.stringify(diagnostics).split(uri).join('<uri>'));

async function typedEqualsFresh(file, edits, expectFinal) {
  const uri = session.uriOf(file);
  const versions = recordVersions(uri);
  await session.open(uri);
  let version;
  for (const [anchor, keys] of edits) version = await type(uri, anchor, keys);
  const typed = await session.waitForDiagnostics(uri, version);

  const freshUri = uri.replace(/(\.lft\.\w+)$/, '.fresh$1');
  const fresh = await session.open(freshUri, session.text(uri));
  assert.deepEqual(normalized(typed, uri), normalized(fresh, freshUri), 'typed and freshly opened text give different diagnostics');
  assert.deepEqual(summarize(typed), expectFinal, 'final diagnostics');
  assert.deepEqual(versions, [...versions].sort((a, b) => a - b), `diagnostics published out of version order: ${versions}`);
  assert.equal(versions.at(-1), version, 'the last publish is for the last version typed');
  return session.text(uri);
}

describe('typing character by character', () => {
  it('YAML: retyping the attention kernel (eager -> flash) of the long-context example clears its OOM', async () => {
    const text = await typedEqualsFresh('mistral-7b-long-context.lft.yaml', [['\n  attention: eager', '\b\b\b\b\bflash']], []);
    assert.match(text, /attention: flash\n/);
  });

  it('YAML: a bigger micro-batch and a new, misspelt key', async () => {
    // micro_batch_size 4 -> 48 comes near the A100's 85 GB (LFT0302), and without the data's lengths the peak assumes a
    // full-length example (LFT0602); the misspelt key is a schema error (LFT0102).
    const text = await typedEqualsFresh('llama2-7b-lora.lft.yaml', [
      ['\n  micro_batch_size: 4', '8'],
      ['\n  seed: 42', '\n  gradient_chekpointing: true'],
    ], ['LFT0102 error 36:3', 'LFT0302 warning 28:3', 'LFT0602 info 30:3']);
    assert.match(text, /micro_batch_size: 48\n/);
  });

  it('JSON: typing through invalid JSON (a half-written key) to a micro-batch that does not fit the L4', async () => {
    await typedEqualsFresh('qwen2.5-7b-qlora-l4.lft.json', [
      ['"micro_batch_size": 2', '4'],
      ['"seed": 42', ',\n    "max_steps": 100'],
    ], ['LFT0301 error 25:5', 'LFT0602 info 27:5']);
  });
});

