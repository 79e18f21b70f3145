-- What the headless Neovim scripts share: checks collected into a JSON result file, the exit code, and looking up a
-- diagnostic by code. A script loads it with dofile(<its folder> .. '/harness.lua') and ends with harness.run(fn).

local harness = {}

local result_path = assert(os.getenv('LFT_RESULT'), 'LFT_RESULT is not set')
local checks = {}

function harness.check(name, ok, detail)
  -- The detail (what Neovim saw) is kept for failures only, where it explains them.
  table.insert(checks, { name = name, ok = ok and true or false, detail = (not ok) and (detail or '') or nil })
  return ok
end

local function finish()
  local all_ok = #checks > 0
  for _, c in ipairs(checks) do all_ok = all_ok and c.ok end
  local f = assert(io.open(result_path, 'w'))
  f:write(vim.fn.json_encode({ nvim = tostring(vim.version().major) .. '.' .. vim.version().minor .. '.' .. vim.version().patch, checks = checks }))
  f:close()
  -- :cquit exits with code 1, so a runner that only looks at the exit code still fails.
  vim.cmd(all_ok and 'qall!' or 'cquit!')
end

--- Runs the test body; a Lua error is one more failed check, and the result file is always written.
function harness.run(body)
  local ok, err = pcall(body)
  if not ok then harness.check('no Lua error in the test script', false, tostring(err)) end
  finish()
end

function harness.find(diagnostics, code)
  for _, d in ipairs(diagnostics) do
    if d.code == code then return d end
  end
end

return harness
