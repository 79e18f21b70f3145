-- Headless Neovim 0.7 as the LSP client of `lft lsp`: the built-in client (vim.lsp.start_client), Neovim's own
-- diagnostics store, its own echo of diagnostics into the codeAction context, and its own workspace-edit code.
-- Run by run.sh:  nvim --headless -u NONE -n -c 'luafile quickfix.lua'
-- Environment: LFT_DLL (the published server), LFT_FILE (an out-of-memory example), LFT_RESULT (JSON written here).
-- Every check goes into the result file; the exit code is 0 only when all of them pass.

local dll = assert(os.getenv('LFT_DLL'), 'LFT_DLL is not set')
local file = assert(os.getenv('LFT_FILE'), 'LFT_FILE is not set')
local TIMEOUT_MS = 20000

local harness = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h') .. '/harness.lua')
local check, find = harness.check, harness.find

local function codes(diagnostics)
  local list = {}
  for _, d in ipairs(diagnostics) do table.insert(list, tostring(d.code)) end
  table.sort(list)
  return table.concat(list, ',')
end

local function run()
  local server_exit
  local client_id = vim.lsp.start_client({
    name = 'lft',
    cmd = { 'dotnet', dll, 'lsp' },
    root_dir = vim.fn.fnamemodify(file, ':p:h:h'),
    on_exit = function(code, signal) server_exit = { code = code, signal = signal } end,
  })
  if not check('server starts', client_id ~= nil, 'vim.lsp.start_client returned nil') then return end

  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(bufnr, client_id)

  -- 1. Diagnostics arrive in Neovim's diagnostic store, with the out-of-memory error.
  local got = vim.wait(TIMEOUT_MS, function() return find(vim.diagnostic.get(bufnr), 'LFT0301') ~= nil end, 50)
  if not check('LFT0301 out-of-memory error is published', got, 'diagnostics: ' .. codes(vim.diagnostic.get(bufnr))) then return end
  local oom = find(vim.diagnostic.get(bufnr), 'LFT0301')
  check('LFT0301 is an error', oom.severity == vim.diagnostic.severity.ERROR, 'severity ' .. tostring(oom.severity))

  -- 2. Hover on `gradient_checkpointing`: Markdown that tells what the key does to the estimate.
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local gc_line
  for i, l in ipairs(lines) do
    if l:match('^%s+gradient_checkpointing:') then gc_line = i - 1 end
  end
  vim.api.nvim_win_set_cursor(0, { gc_line + 1, 4 })
  local hover = vim.lsp.buf_request_sync(bufnr, 'textDocument/hover', vim.lsp.util.make_position_params(), TIMEOUT_MS)
  local contents = hover and hover[client_id] and hover[client_id].result and hover[client_id].result.contents
  check('hover answers Markdown', contents ~= nil and contents.kind == 'markdown', vim.inspect(hover))
  check('hover names the key and its effect on the estimate',
    contents ~= nil and contents.value:find('gradient_checkpointing', 1, true) ~= nil and contents.value:find('Effect on the estimate', 1, true) ~= nil,
    contents and contents.value or 'no contents')

  -- 3. Code actions at the error, with the context Neovim builds itself (what `vim.lsp.buf.code_action()` sends).
  vim.api.nvim_win_set_cursor(0, { oom.lnum + 1, oom.col })
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr, oom.lnum, nil, client_id) }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, TIMEOUT_MS)
  local response = responses and responses[client_id]
  if not check('codeAction answers', response ~= nil and response.err == nil and response.result ~= nil,
    'response: ' .. vim.inspect(response) .. '\ncontext sent: ' .. vim.inspect(params.context)) then return end
  local preferred
  for _, action in ipairs(response.result) do
    if action.kind == 'quickfix' and action.isPreferred then preferred = action end
  end
  if not check('a preferred quick fix is offered', preferred ~= nil, vim.inspect(response.result)) then return end
  check('the preferred fix says it fits', preferred.title:find('fits', 1, true) ~= nil and preferred.title:find('still over', 1, true) == nil, preferred.title)

  -- 4. Apply it with Neovim's own workspace-edit code; the buffer change goes to the server as didChange.
  local changedtick = vim.api.nvim_buf_get_changedtick(bufnr)
  vim.lsp.util.apply_workspace_edit(preferred.edit, 'utf-16')
  check('the edit changed the buffer', vim.api.nvim_buf_get_changedtick(bufnr) > changedtick, preferred.title)

  -- 5. New diagnostics without the error (Neovim debounces didChange by 150 ms, the server by 50 ms).
  local cleared = vim.wait(TIMEOUT_MS, function() return find(vim.diagnostic.get(bufnr), 'LFT0301') == nil end, 50)
  check('the out-of-memory error is gone after the fix', cleared, 'diagnostics: ' .. codes(vim.diagnostic.get(bufnr)))
  -- The server estimates the edited text, not an old copy: the total on line 0 now fits.
  local hints = vim.lsp.buf_request_sync(bufnr, 'textDocument/inlayHint', {
    textDocument = vim.lsp.util.make_text_document_params(),
    range = { start = { line = 0, character = 0 }, ['end'] = { line = #lines, character = 0 } },
  }, TIMEOUT_MS)
  local top = ''
  for _, h in ipairs((hints and hints[client_id] and hints[client_id].result) or {}) do
    if h.position.line == 0 then top = h.label end
  end
  check('the top inlay hint now says it fits', top:find(', fits', 1, true) ~= nil, top)

  -- 6. Stopping the client sends shutdown + exit; the server must end with code 0.
  vim.lsp.stop_client(client_id)
  vim.wait(10000, function() return server_exit ~= nil end, 50)
  check('server exits with code 0 after shutdown + exit', server_exit ~= nil and server_exit.code == 0, vim.inspect(server_exit))
end

harness.run(run)
