-- wrk script of the cluster test's load phase: a logged-in resident's mix of pages, in turn —
-- search (the day of LOAD_DATE), my bookings, the home page, the account page, and one server
-- function call (POST /api/booking/search) — with the session cookie of LOAD_COOKIE. Any answer other than 200
-- counts as an error (wrk itself counts only 4xx/5xx and socket errors); `done` prints the
-- statuses seen, so a redirect to the login (a lost session) would not pass for success.
local date = os.getenv("LOAD_DATE")
local cookie = os.getenv("LOAD_COOKIE")
local origin = os.getenv("LOAD_ORIGIN")
local requests = {
  { "GET", "/buscar?fecha=" .. date },
  { "GET", "/mis-reservas" },
  { "GET", "/" },
  { "GET", "/cuenta" },
  { "POST", "/api/booking/search" },
}
local threads = {}
local n = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = {}
end

function request()
  n = n + 1
  local r = requests[(n % #requests) + 1]
  local headers = { ["Cookie"] = cookie }
  if r[1] == "POST" then
    headers["Origin"] = origin
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Accept"] = "application/json"
  end
  return wrk.format(r[1], r[2], headers, r[1] == "POST" and ("date=" .. date) or nil)
end

function response(status, headers, body)
  if status ~= 200 then
    bad[status] = (bad[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    local seen = thread:get("bad")
    for status, count in pairs(seen) do
      io.write(string.format("status %d: %d\n", status, count))
      total = total + count
    end
  end
  io.write(string.format("not-200: %d\n", total))
end
