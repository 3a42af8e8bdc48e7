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
  local filter = {
    traverse = 'topdown',
    Inline = function(el)
      if el.t == 'Image' then
        out[#out + 1] = 'M\t' .. clean(el.src)
      elseif el.t == 'Link' then
        out[#out + 1] = 'L\t' .. clean(el.target)
      end
      note(el)
    end,
    Block = function(el)
      note(el)
    end,
  }
  for _, block in ipairs(doc.blocks) do
    local first = block.t == 'Para' and #block.content == 1 and block.content[1]
    if nonce ~= '' and first and first.t == 'Str' and first.text:sub(1, #nonce) == nonce then
      out[#out + 1] = 'S\t' .. first.text:sub(#nonce + 1)
    else
      pandoc.Blocks({ block }):walk(filter)
    end
  end
  return table.concat(out, '\n') .. '\n'
end
