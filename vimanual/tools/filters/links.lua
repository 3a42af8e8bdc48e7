-- A pandoc writer (shipped with vimanual, so trusted) that prints, for each file read with
-- --file-scope, the link and image targets and the element ids pandoc found, in document
-- order: "M\t<image target>", "L\t<link target>", "I\t<id>", and "S\t<n>" where the
-- separator heading after file n stands (see vimanual.tools.pandoc.parse_many).
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
  -- Block handed each word and space to Lua, which took three times as long as reading; and
  -- one walk over the whole document (walking each file's blocks apart cost half as much again).
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
    Header = function(el)
      local first = #el.content == 1 and el.content[1]
      if nonce ~= '' and first and first.t == 'Str' and first.text:sub(1, #nonce) == nonce then
        out[#out + 1] = 'S\t' .. first.text:sub(#nonce + 1)
      else
        note(el)
      end
    end,
    Code = note, Span = note,
    CodeBlock = note, Div = note, Table = note, Figure = note,
  }
  doc.blocks:walk(filter)
  return table.concat(out, '\n') .. '\n'
end
