-- A pandoc writer (shipped with vimanual, so trusted) that prints, for each file read with
-- --file-scope, the link and image targets and the element ids pandoc found, in document
-- order, one per line, and "S\t<n>" where the separator heading after file n stands (see
-- vimanual.tools.pandoc.parse_many): the lines of media.lua, whose path the metadata
-- 'vimanual-media' names.

function Writer(doc, opts)
  local nonce = ''
  if doc.meta['vimanual-nonce'] then
    nonce = pandoc.utils.stringify(doc.meta['vimanual-nonce'])
  end
  local media = dofile(pandoc.utils.stringify(doc.meta['vimanual-media']))
  return table.concat(media(doc.blocks, nonce), '\n') .. '\n'
end
