-- A pandoc writer (shipped with vimanual, so trusted) that prints, for each file read with
-- --file-scope, the link and image targets and the element ids pandoc found, in document
-- order: "M\t<image target>", "L\t<link target>", "I\t<id>", and "S\t<n>" where the
-- separator paragraph after file n stands (see vimanual.tools.pandoc.parse_many).
-- No JSON: a deeply nested document would exhaust a recursive JSON decoder.

function Writer(doc, opts)
  local out = {}
  local nonce = ''
  if doc.meta['vimanual-nonce'] then
    nonce = pandoc.utils.stringify(doc.meta['vimanual-nonce'])
  end
  local function clean(text)
    return (text:gsub('[\r\n\t]', ' '))
  end
  local function note(el)
    if el.identifier and el.identifier ~= '' then
      out[#out + 1] = 'I\t' .. clean(el.identifier)
    end
  end
  -- Only the elements that can hold a target or an identifier: a filter on every Inline and
  -- Block handed each word and space to Lua, which took three times as long as reading.
  local filter = {
    traverse = 'topdown',
    Image = function(el)
      out[#out + 1] = 'M\t' .. clean(el.src)
      note(el)
    end,
    Link = function(el)
      out[#out + 1] = 'L\t' .. clean(el.target)
      note(el)
    end,
    Code = note, Span = note,
    CodeBlock = note, Div = note, Header = note, Table = note, Figure = note,
  }
  -- Each file's blocks walked together (one walk a block cost a third more).
  local chunk = {}
  local function flush()
    if #chunk > 0 then
      pandoc.Blocks(chunk):walk(filter)
      chunk = {}
    end
  end
  for _, block in ipairs(doc.blocks) do
    local first = block.t == 'Para' and #block.content == 1 and block.content[1]
    if nonce ~= '' and first and first.t == 'Str' and first.text:sub(1, #nonce) == nonce then
      flush()
      out[#out + 1] = 'S\t' .. first.text:sub(#nonce + 1)
    else
      chunk[#chunk + 1] = block
    end
  end
  flush()
  return table.concat(out, '\n') .. '\n'
end
