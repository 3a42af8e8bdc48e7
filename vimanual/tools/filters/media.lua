-- What a chapter's media set and ids are read from (vimanual.workspace.media): the link and
-- image targets and the element ids of a document, in document order, as lines
-- "M\t<image target>", "L\t<link target>", "I\t<id>"; and "S\t<n>" for a heading whose only
-- word is NONCE followed by n (the separators of vimanual.tools.pandoc.parse_many).
-- Loaded with dofile by links.lua and chapters.lua (shipped with vimanual, so trusted);
-- returns the function media(blocks, nonce) -> list of lines. No JSON: a deeply nested
-- document would exhaust a recursive JSON decoder.

return function(blocks, nonce)
  local out = {}
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
  blocks:walk(filter)
  return out
end
