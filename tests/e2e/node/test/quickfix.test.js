'use strict';
// Quick fixes as a user takes them: ask for the code actions at the diagnostic, pick the preferred one, apply its
// edits to the buffer (client-side), send them as an incremental didChange, and look at the new diagnostics.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { useSession, editsFor, summarize } = require('../lib/lsp-session');

const session = useSession();

/** The code actions offered at a diagnostic, with the diagnostic echoed back in the context as VS Code does. */
function codeActionsAt(uri, diagnostic, context = { diagnostics: [diagnostic] }) {
  return session.request('textDocument/codeAction', { textDocument: { uri }, range: diagnostic.range, context });
}

/** Applies a code action's WorkspaceEdit and returns the diagnostics of the resulting version. */
async function apply(uri, action) {
  const edits = editsFor(action.edit, uri);
  assert.ok(edits.length > 0, `"${action.title}" has edits for ${uri}`);
  const version = await session.applyEdits(uri, edits);
  return session.waitForDiagnostics(uri, version);
}

describe('out of memory: mistral-7b-long-context (eager attention)', () => {
  it('the preferred quick fix makes it fit, and the error goes away', async () => {
    const uri = session.uriOf('mistral-7b-long-context.lft.yaml');
    const diagnostics = await session.open(uri);
    const oom = diagnostics.find((d) => d.code === 'LFT0301');
    assert.ok(oom, `expected an LFT0301 out-of-memory error, got ${summarize(diagnostics)}`);

    const actions = await codeActionsAt(uri, oom);
    const quickFixes = actions.filter((a) => a.kind === 'quickfix');
    const preferred = quickFixes.filter((a) => a.isPreferred);
    assert.equal(preferred.length, 1, `exactly one preferred quick fix among: ${quickFixes.map((a) => a.title).join(' | ')}`);
    // The title promises the outcome: it fits, and how fast.
    assert.match(preferred[0].title, /fits H100/, preferred[0].title);
    // Other fixes are offered too, and titled honestly when they are not enough.
    assert.ok(quickFixes.some((a) => /still over/.test(a.title)), 'non-fitting alternatives say "still over"');

    const after = await apply(uri, preferred[0]);
    assert.ok(!after.some((d) => d.code === 'LFT0301'), `OOM error still there after "${preferred[0].title}": ${summarize(after)}`);
    assert.deepEqual(summarize(after), [], 'no new problem introduced by the fix');
    assert.match(session.text(uri), /\n  attention: (flash|sdpa)\n/, 'the fix changed the attention kernel (not the comments quoting it)');

    // The other views follow the edit: the top inlay hint and the estimate lens now say it fits.
    const hints = await session.request('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 99, character: 0 } } });
    assert.match(hints.find((h) => h.position.line === 0).label, /, fits/);
    const lenses = await session.request('textDocument/codeLens', { textDocument: { uri } });
    assert.ok(!lenses[0].command.title.includes('out of memory'), lenses[0].command.title);
  });
});

describe('out of memory: llama2-70b-full-8xa100 (no single change fits)', () => {
  it('only the combined plan is preferred; applying it removes the error', async () => {
    const uri = session.uriOf('llama2-70b-full-8xa100.lft.yaml');
    const diagnostics = await session.open(uri);
    const oom = diagnostics.find((d) => d.code === 'LFT0301');
    assert.ok(oom, `expected LFT0301, got ${summarize(diagnostics)}`);
    assert.match(oom.message, /No single change fits/);

    const quickFixes = (await codeActionsAt(uri, oom)).filter((a) => a.kind === 'quickfix');
    const singles = quickFixes.filter((a) => !a.isPreferred);
    assert.ok(singles.length >= 3, 'several single-change fixes are listed');
    for (const a of singles) assert.match(a.title, /still over/, `a single change that does not fit must say so: "${a.title}"`);
    const preferred = quickFixes.filter((a) => a.isPreferred);
    assert.equal(preferred.length, 1);
    assert.match(preferred[0].title, /plan that fits: .* fits A100/);
    assert.ok(editsFor(preferred[0].edit, uri).length >= 2, 'the plan combines several edits');

    const before = session.text(uri);
    const after = await apply(uri, preferred[0]);
    assert.deepEqual(summarize(after), [], `after "${preferred[0].title}"`);
    // Comments and layout survive: only values changed, so every comment line is still there.
    const comments = (text) => text.split('\n').filter((l) => l.trimStart().startsWith('#'));
    assert.deepEqual(comments(session.text(uri)), comments(before));
    assert.match(session.text(uri), /\n  zero_stage: 3\n/);
  });

  it('a context with bare diagnostics (as Neovim 0.7 echoes them: no data, no related info) still gets the fixes', async () => {
    const uri = session.uriOf('llama2-70b-full-8xa100.lft.yaml');
    // Reopen the original text under a second URI so this test does not depend on the one above.
    const copy = uri.replace('.lft.yaml', '.copy.lft.yaml');
    const diagnostics = await session.open(copy, require('node:fs').readFileSync(new URL(uri), 'utf8'));
    const oom = diagnostics.find((d) => d.code === 'LFT0301');
    const bare = { range: oom.range, severity: oom.severity, message: oom.message, source: oom.source, code: oom.code };
    const actions = await codeActionsAt(copy, oom, { diagnostics: [bare] });
    assert.ok(actions.some((a) => a.kind === 'quickfix' && a.isPreferred), 'a preferred quick fix');
  });

  it('a context diagnostic without a range does not take the server down', async () => {
    // LSP requires `range`; the server's own notes say Neovim 0.7 may leave it out. Today the server answers
    // -32603 (see the e2e report); what must hold either way: no stack trace in the reply, and it keeps serving.
    const uri = session.uriOf('llama2-70b-full-8xa100.lft.yaml').replace('.lft.yaml', '.copy.lft.yaml');
    const oom = session.diagnostics.get(uri).diagnostics.find((d) => d.code === 'LFT0301');
    const { range, ...withoutRange } = oom;
    try {
      await codeActionsAt(uri, oom, { diagnostics: [withoutRange] });
    } catch (e) {
      assert.doesNotMatch(e.message, /\n\s+at /, 'no .NET stack trace in an error reply');
    }
    const hover = await session.request('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 } });
    assert.match(hover.contents.value, /Does not fit/, 'the server still answers');
  });
});

describe('hardware mismatch: llama3-8b-bf16-on-v100', () => {
  it('the bf16 and FlashAttention warnings each have a fix that removes exactly that warning', async () => {
    const uri = session.uriOf('llama3-8b-bf16-on-v100.lft.yaml');
    let diagnostics = await session.open(uri);
    assert.deepEqual(diagnostics.map((d) => d.code).sort(), ['LFT0401', 'LFT0402']);

    const bf16 = diagnostics.find((d) => d.code === 'LFT0401');
    const [useFp16] = (await codeActionsAt(uri, bf16)).filter((a) => a.kind === 'quickfix' && a.isPreferred);
    assert.equal(useFp16.title, 'Use fp16 weights');
    diagnostics = await apply(uri, useFp16);
    assert.deepEqual(diagnostics.map((d) => d.code), ['LFT0402'], 'the bf16 warning is gone, the attention one stays');
    assert.match(session.text(uri), /\n  dtype: fp16\n/);

    const flash = diagnostics[0];
    const [useSdpa] = (await codeActionsAt(uri, flash)).filter((a) => a.kind === 'quickfix' && a.isPreferred);
    assert.match(useSdpa.title, /sdpa/);
    diagnostics = await apply(uri, useSdpa);
    assert.deepEqual(summarize(diagnostics), [], 'both warnings fixed');
  });
});

describe('schema errors', () => {
  it('a misspelt key gets a did-you-mean fix that clears it', async () => {
    const uri = session.uriOf('llama2-7b-lora.lft.yaml').replace('.lft.yaml', '.typo.lft.yaml');
    const original = require('node:fs').readFileSync(new URL(session.uriOf('llama2-7b-lora.lft.yaml')), 'utf8');
    const diagnostics = await session.open(uri, original.replace('gradient_checkpointing:', 'gradient_checkpointng:'));
    const typo = diagnostics.find((d) => /gradient_checkpointng/.test(d.message));
    assert.ok(typo, `the misspelt key is reported: ${summarize(diagnostics)}`);
    const fix = (await codeActionsAt(uri, typo)).find((a) => a.isPreferred);
    assert.equal(fix.title, 'Change to `gradient_checkpointing`');
    const after = await apply(uri, fix);
    assert.equal(session.text(uri), original, 'the fix restores the correct key exactly');
    assert.deepEqual(summarize(after), []);
  });
});
