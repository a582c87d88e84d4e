-- End-to-end check of `wtmap lsp` with Neovim's own LSP client (run by tests/lsp_nvim.rs):
--   nvim --headless -u NONE -i NONE -n -c "luafile tests/nvim/lsp_e2e.lua"
-- Environment: WTMAP_BIN (the wtmap binary), WTMAP_FILE (a mapping to open), WTMAP_OUT (where
-- to write the results as JSON), WTMAP_LINE/WTMAP_COL (0-based completion position).
-- Works with Neovim 0.7 (Debian bookworm) and later: it uses `vim.lsp.start` when present,
-- else `start_client` + `buf_attach_client`, and `vim.lsp.buf.format` or `formatting_sync`.

local out = {}
local function finish()
  local f = assert(io.open(os.getenv("WTMAP_OUT"), "w"))
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qa!")
end

local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("WTMAP_FILE")))
  vim.bo.filetype = "wtmap"
  local bufnr = vim.api.nvim_get_current_buf()
  local config = {
    name = "wtmap",
    cmd = { os.getenv("WTMAP_BIN"), "lsp" },
    root_dir = vim.fn.fnamemodify(os.getenv("WTMAP_FILE"), ":h"),
  }
  local client_id
  if vim.lsp.start then
    client_id = vim.lsp.start(config)
  else
    client_id = vim.lsp.start_client(config)
    vim.lsp.buf_attach_client(bufnr, client_id)
  end
  out.client = client_id ~= nil

  -- Diagnostics as the editor shows them.
  vim.wait(20000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out.diagnostics, { code = d.code, lnum = d.lnum, col = d.col, message = d.message, severity = d.severity })
  end

  -- Completion at a position.
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = tonumber(os.getenv("WTMAP_LINE")), character = tonumber(os.getenv("WTMAP_COL")) },
  }
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/completion", params, 20000) or {}
  out.completion = {}
  for _, r in pairs(responses) do
    local items = r.result and (r.result.items or r.result) or {}
    for _, item in ipairs(items) do
      table.insert(out.completion, item.label)
    end
  end

  -- Formatting through the client's own command.
  if vim.lsp.buf.format then
    vim.lsp.buf.format({ bufnr = bufnr, timeout_ms = 20000 })
  else
    vim.lsp.buf.formatting_sync(nil, 20000)
  end
  out.formatted = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n") .. "\n"
end)

out.ok = ok
out.error = ok and vim.NIL or tostring(err)
finish()
