-- Per-jurisdiction passages: ::: {.only jurisdiction="UK,AU"} ... :::
-- With the metadata 'vimanual-jurisdiction' set (one code), passages for that code are kept
-- (unwrapped) and the others dropped; without it every passage is kept with a label
-- naming its jurisdictions. Shipped with vimanual (trusted); chapters never name filters.
local wanted = nil

local function codes_of(el)
  local codes = {}
  for code in (el.attributes["jurisdiction"] or ""):gmatch("[^,%s]+") do
    table.insert(codes, code:upper())
  end
  return codes
end

function Meta(meta)
  local value = meta["vimanual-jurisdiction"]
  if value then
    wanted = pandoc.utils.stringify(value):upper()
  end
end

function Div(el)
  if not el.classes:includes("only") then
    return nil
  end
  local codes = codes_of(el)
  if wanted and wanted ~= "" then
    for _, code in ipairs(codes) do
      if code == wanted then
        return el.content
      end
    end
    return {}
  end
  local text = table.concat(codes, ", ") .. " only"
  local label = pandoc.Para({ pandoc.Span({ pandoc.Str(text) }, pandoc.Attr("", { "only-label" })) })
  el.content:insert(1, label)
  return el
end

return { { Meta = Meta }, { Div = Div } }
