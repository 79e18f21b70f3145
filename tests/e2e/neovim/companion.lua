-- Headless Neovim 0.7 as the LSP client of `lft lsp` on an axolotl config whose DeepSpeed JSON lies next to it: the
-- built-in client attached by filetype (as nvim-lspconfig attaches it, for yaml and json), the out-of-memory error,
-- the "Switch to ZeRO-3" code action applied with Neovim's own workspace-edit code, which loads the JSON into a buffer
-- of its own (the client attaches to it, the edit goes to the server as didOpen + didChange), and the error gone from
-- the config, which did not change itself.
-- Run by neovim.test.js:  nvim --headless -u NONE -i NONE -n -c 'luafile companion.lua'
-- Environment: LFT_DLL (the published server), LFT_WORKSPACE (a folder holding the config and its JSON),
-- LFT_CONFIG and LFT_COMPANION (their file names there), LFT_RESULT (JSON written here).
-- Every check goes into the result file; the exit code is 0 only when all of them pass.

local dll = assert(os.getenv('LFT_DLL'), 'LFT_DLL is not set')
local workspace = assert(os.getenv('LFT_WORKSPACE'), 'LFT_WORKSPACE is not set')
local config = workspace .. '/' .. assert(os.getenv('LFT_CONFIG'), 'LFT_CONFIG is not set')
local companion = workspace .. '/' .. assert(os.getenv('LFT_COMPANION'), 'LFT_COMPANION is not set')
local TIMEOUT_MS = 20000

local harness = dofile(vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h') .. '/harness.lua')
local check, find = harness.check, harness.find

local function codes(diagnostics)
  local list = {}
  for _, d in ipairs(diagnostics) do table.insert(list, tostring(d.code) .. '@' .. (d.lnum + 1)) end
  table.sort(list)
  return table.concat(list, ',')
end

local function read_file(path)
  local f = assert(io.open(path, 'r'))
  local text = f:read('*a')
  f:close()
  return text
end

local function attached(bufnr, client_id)
  for id, _ in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if id == client_id then return true end
  end
  return false
end

local function run()
  local server_exit
  local client_id = vim.lsp.start_client({
    name = 'lft',
    cmd = { 'dotnet', dll, 'lsp' },
    root_dir = workspace,
    on_exit = function(code, signal) server_exit = { code = code, signal = signal } end,
  })
  if not check('server starts', client_id ~= nil, 'vim.lsp.start_client returned nil') then return end

  -- What nvim-lspconfig sets up for a server with filetypes { 'yaml', 'json' }: attach on FileType.
  vim.cmd('filetype on')
  vim.api.nvim_create_autocmd('FileType', {
    pattern = { 'yaml', 'json' },
    callback = function(args) vim.lsp.buf_attach_client(args.buf, client_id) end,
  })

  vim.cmd('edit ' .. vim.fn.fnameescape(config))
  local bufnr = vim.api.nvim_get_current_buf()
  check('the axolotl config has filetype yaml', vim.bo[bufnr].filetype == 'yaml', 'filetype ' .. vim.bo[bufnr].filetype)
  -- The client attaches once the server answered initialize.
  check('the client is attached to the config', vim.wait(TIMEOUT_MS, function() return attached(bufnr, client_id) end, 20), 'not attached')
  check('the DeepSpeed JSON is not loaded in Neovim yet', vim.fn.bufloaded(companion) == 0, 'loaded already')
  local companion_on_disk = read_file(companion)

  -- 1. The out-of-memory error arrives in Neovim's diagnostic store (the server read the JSON from disk).
  local got = vim.wait(TIMEOUT_MS, function() return find(vim.diagnostic.get(bufnr), 'LFT0301') ~= nil end, 50)
  if not check('LFT0301 out-of-memory error is published for the config', got, 'diagnostics: ' .. codes(vim.diagnostic.get(bufnr))) then return end
  local oom = find(vim.diagnostic.get(bufnr), 'LFT0301')
  check('LFT0301 is an error', oom.severity == vim.diagnostic.severity.ERROR, 'severity ' .. tostring(oom.severity))

  -- 2. Code actions at the error, with the context Neovim builds itself (what `vim.lsp.buf.code_action()` sends).
  vim.api.nvim_win_set_cursor(0, { oom.lnum + 1, oom.col })
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr, oom.lnum, nil, client_id) }
  local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, TIMEOUT_MS)
  local response = responses and responses[client_id]
  if not check('codeAction answers', response ~= nil and response.err == nil and response.result ~= nil,
    'response: ' .. vim.inspect(response) .. '\ncontext sent: ' .. vim.inspect(params.context)) then return end
  local zero3
  for _, action in ipairs(response.result) do
    if action.kind == 'quickfix' and action.title:find('Switch to ZeRO-3', 1, true) == 1 then zero3 = action end
  end
  if not check('a "Switch to ZeRO-3" quick fix is offered', zero3 ~= nil, vim.inspect(vim.tbl_map(function(a) return a.title end, response.result))) then return end
  check('it says it fits', zero3.title:find('fits', 1, true) ~= nil and zero3.title:find('still over', 1, true) == nil, zero3.title)
  local companion_uri = vim.uri_from_fname(companion)
  local targets = vim.tbl_keys((zero3.edit and zero3.edit.changes) or {})
  check('its edit is for the DeepSpeed JSON only', #targets == 1 and targets[1] == companion_uri, vim.inspect(zero3.edit))

  -- 3. Apply it with Neovim's own workspace-edit code: it loads the JSON into a buffer, which the FileType autocmd
  -- attaches (didOpen), and the edit goes to the server as didChange.
  local config_tick = vim.api.nvim_buf_get_changedtick(bufnr)
  vim.lsp.util.apply_workspace_edit(zero3.edit, 'utf-16')
  local json = vim.fn.bufnr(companion)
  if not check('the JSON is loaded into a buffer', json > 0 and vim.api.nvim_buf_is_loaded(json), 'bufnr ' .. json) then return end
  check('the JSON buffer has filetype json', vim.bo[json].filetype == 'json', 'filetype ' .. vim.bo[json].filetype)
  check('the client is attached to the JSON buffer', attached(json, client_id), 'not attached')
  local json_text = table.concat(vim.api.nvim_buf_get_lines(json, 0, -1, false), '\n')
  check('the JSON buffer now says stage 3', json_text:find('"stage": 3,', 1, true) ~= nil, json_text)
  check('the JSON buffer is modified, the file on disk is not', vim.bo[json].modified and read_file(companion) == companion_on_disk, 'modified ' .. tostring(vim.bo[json].modified))
  check('the config buffer is unchanged', vim.api.nvim_buf_get_changedtick(bufnr) == config_tick, 'changedtick moved')

  -- 4. The server re-analyses the config with the edited JSON (Neovim debounces didChange by 150 ms).
  local cleared = vim.wait(TIMEOUT_MS, function() return find(vim.diagnostic.get(bufnr), 'LFT0301') == nil end, 50)
  check('the out-of-memory error is gone from the config', cleared, 'diagnostics: ' .. codes(vim.diagnostic.get(bufnr)))
  local errors = vim.diagnostic.get(nil, { severity = vim.diagnostic.severity.ERROR })
  check('no error left in any buffer', #errors == 0, 'errors: ' .. codes(errors))
  -- The lens above the config now has the ZeRO-3 estimate.
  local lenses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeLens', { textDocument = vim.lsp.util.make_text_document_params(bufnr) }, TIMEOUT_MS)
  local first = lenses and lenses[client_id] and lenses[client_id].result and lenses[client_id].result[1]
  local title = first and first.command and first.command.title or ''
  check('the estimate lens no longer says out of memory', title:find('^Peak ') ~= nil and title:find('out of memory', 1, true) == nil, title)

  -- 5. Stopping the client sends shutdown + exit; the server must end with code 0.
  vim.lsp.stop_client(client_id)
  vim.wait(10000, function() return server_exit ~= nil end, 50)
  check('server exits with code 0 after shutdown + exit', server_exit ~= nil and server_exit.code == 0, vim.inspect(server_exit))
end

harness.run(run)
