-- Several chapters converted in one pandoc process, each exactly as a run of its own would
-- (`pandoc --from READER --to html5 --id-prefix=SLUG-- --lua-filter=only.lua [--citeproc]`):
-- used both as the reader and the writer (`--from chapters.lua --to chapters.lua`).
--
-- The input is "NONCE SLUG\n" followed by the chapter's body and "\n", for each chapter,
-- then "NONCE -\n"; NONCE is made afresh for each run (random), so no chapter can forge a boundary. pandoc
-- has already done to the input what it does to any input (tabs expanded, line endings
-- normalised), line by line, so each body reaches the Markdown reader as it would alone.
-- The writer reads each body with the reader named in the metadata, with the command
-- line's reader options, gives it the command line's metadata, runs the 'only' filter
-- (and citeproc when asked) and writes it with the command line's writer options and the
-- chapter's id prefix. Output: "NONCE SLUG\n" + the chapter's HTML + "\n" for each
-- chapter, then "NONCE\n". With the metadata 'vimanual-batch-media' naming media.lua, each
-- chapter's record is "NONCE SLUG\n" + its media lines (media.lua, of the chapter as read,
-- before any filter) + "\nNONCE:html\n" + its HTML + "\n": one read of each chapter gives
-- both its media set and its HTML. Shipped with vimanual (trusted); it reads no file but the
-- Lua files it is given, and pandoc's --sandbox still bounds the readers and writers.

local OWN_KEYS = {
  ["vimanual-batch-reader"] = true,
  ["vimanual-batch-filter"] = true,
  ["vimanual-batch-citeproc"] = true,
  ["vimanual-batch-media"] = true,
  ["vimanual-batch-nonce"] = true,
  ["vimanual-batch-reader-options"] = true,
}

function Reader(input, options)
  local text = "\n" .. tostring(input)
  local nonce = text:match("^\n(%S+) ")
  local blocks = {}
  if not nonce then
    return pandoc.Pandoc(blocks)
  end
  local marker = "\n" .. nonce .. " "
  local start = text:find(marker, 1, true)
  while start do
    local eol = text:find("\n", start + #marker, true) or (#text + 1)
    local slug = text:sub(start + #marker, eol - 1)
    local following = text:find(marker, eol, true)
    if slug == "-" or not following then
      break -- "NONCE -" ends the input
    end
    -- The body ends before the "\n" that was added after it.
    table.insert(blocks, pandoc.CodeBlock(text:sub(eol + 1, following - 1), pandoc.Attr(slug)))
    start = following
  end
  -- The writer runs in a Lua state of its own: it gets the command line's reader options
  -- (which a writer is not given) through the metadata.
  local settings = {
    columns = options.columns, tab_stop = options.tab_stop, standalone = options.standalone,
    strip_comments = options.strip_comments, track_changes = options.track_changes,
    default_image_extension = options.default_image_extension,
    indented_code_classes = options.indented_code_classes,
  }
  return pandoc.Pandoc(blocks, pandoc.Meta({
    ["vimanual-batch-nonce"] = nonce,
    ["vimanual-batch-reader-options"] = pandoc.json.encode(settings),
  }))
end

function Writer(doc, opts)
  local meta = doc.meta
  local nonce = pandoc.utils.stringify(meta["vimanual-batch-nonce"] or "")
  local reader = pandoc.utils.stringify(meta["vimanual-batch-reader"])
  local filters = dofile(pandoc.utils.stringify(meta["vimanual-batch-filter"]))
  local citeproc = meta["vimanual-batch-citeproc"] ~= nil
  local media = meta["vimanual-batch-media"] and dofile(pandoc.utils.stringify(meta["vimanual-batch-media"]))
  local reader_options = pandoc.json.decode(pandoc.utils.stringify(meta["vimanual-batch-reader-options"]), false)
  local out = {}
  for _, block in ipairs(doc.blocks) do
    local chapter = pandoc.read(block.text, reader, reader_options)
    local found = ""
    if media then
      found = table.concat(media(chapter.blocks, ""), "\n") .. "\n" .. nonce .. ":html\n"
    end
    for key, value in pairs(meta) do
      if not OWN_KEYS[key] then
        chapter.meta[key] = value
      end
    end
    for _, filter in ipairs(filters) do
      chapter = chapter:walk(filter)
    end
    if citeproc then
      chapter = pandoc.utils.citeproc(chapter)
    end
    local options = pandoc.WriterOptions(opts)
    options.identifier_prefix = block.identifier .. "--"
    out[#out + 1] = nonce .. " " .. block.identifier .. "\n" .. found .. pandoc.write(chapter, "html5", options) .. "\n"
  end
  out[#out + 1] = nonce .. "\n"
  return table.concat(out)
end
